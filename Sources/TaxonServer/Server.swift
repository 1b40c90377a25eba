import Hummingbird

/// The HTTP application on `host:port`, serving `service`.
public func buildApplication(_ service: TaxonService, host: String, port: Int) -> some ApplicationProtocol {
    Application(router: buildRouter(service), configuration: .init(address: .hostname(host, port: port), serverName: "taxon"))
}
