import Hummingbird

/// The HTTP application on `host:port`, serving `service`; with `accessLog`, a log line per request.
public func buildApplication(_ service: TaxonService, host: String, port: Int, accessLog: Bool = false) -> some ApplicationProtocol {
    Application(router: buildRouter(service, accessLog: accessLog), configuration: .init(address: .hostname(host, port: port), serverName: "taxon"))
}
