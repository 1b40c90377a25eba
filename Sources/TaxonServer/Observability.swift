import Foundation
import Hummingbird
import Metrics
import Prometheus

/// Request metrics in the Prometheus text format. Hummingbird's
/// MetricsMiddleware counts requests and times them per route, method and
/// status through swift-metrics; the process-wide factory writes them here.
enum PrometheusMetrics {
    /// Bootstrapped once per process (swift-metrics allows one factory).
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

@Sendable func metrics(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
             body: .init(byteBuffer: ByteBuffer(bytes: PrometheusMetrics.registry.emitToBuffer())))
}

/// One log line per request once it is answered: method, route, status,
/// duration and the request id (in the logger's metadata). Hummingbird's
/// LogRequestMiddleware logs on arrival, without status or duration.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        func log(_ status: HTTPResponse.Status) {
            let elapsed = ContinuousClock.now - started
            context.logger.info("request", metadata: [
                "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? request.uri.path)", "status": "\(status.code)",
                "ms": "\(String(format: "%.3f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000))",
            ])
        }
        do {
            let response = try await next(request, context)
            log(response.status)
            return response
        } catch {
            log((error as? any HTTPResponseError)?.status ?? .internalServerError)
            throw error
        }
    }
}
