import Foundation
import Hummingbird
import Metrics
import Prometheus
import Synchronization

/// Request metrics in the Prometheus text format: `RequestMetricsMiddleware`
/// counts and times requests through swift-metrics; the process-wide factory
/// writes them here.
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

/// Counts requests (`hb_requests`) and records their latency
/// (`http_server_request_duration`, a histogram) by route, method and status,
/// under the names and labels Hummingbird's MetricsMiddleware uses. Recorded
/// when the handler has answered: that middleware's post-write closure cost a
/// fifth of the in-memory similarity route's throughput (docs/BENCHMARKS.md).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let instruments = RequestInstruments()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        func record(_ status: HTTPResponse.Status) {
            let (requests, duration) = instruments.for(route: context.endpointPath ?? "NotFound", method: request.method, status: status.code)
            requests.increment()
            duration.record(duration: ContinuousClock.now - started)
        }
        do {
            let response = try await next(request, context)
            record(response.status)
            return response
        } catch {
            record((error as? any HTTPResponseError)?.status ?? .internalServerError)
            throw error
        }
    }
}

/// One counter and one timer per route, method and status, made on first use.
private final class RequestInstruments: Sendable {
    private struct Key: Hashable { let route: String, method: HTTPRequest.Method, status: Int }
    private let made = Mutex<[Key: (Metrics.Counter, Metrics.Timer)]>([:])

    func `for`(route: String, method: HTTPRequest.Method, status: Int) -> (Metrics.Counter, Metrics.Timer) {
        let key = Key(route: route, method: method, status: status)
        return made.withLock { made in
            if let found = made[key] { return found }
            let dimensions = [("http.route", route), ("http.request.method", method.rawValue), ("http.response.status_code", String(status))]
            let pair = (Metrics.Counter(label: "hb.requests", dimensions: dimensions),
                        Metrics.Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds))
            made[key] = pair
            return pair
        }
    }
}

/// One log line per request once it is answered: method, route, status,
/// milliseconds and the request id (`taxon serve --access-log`).
/// Hummingbird's LogRequestMiddleware logs on arrival, without status or duration.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        func log(_ status: HTTPResponse.Status) {
            let elapsed = ContinuousClock.now - started
            let microseconds = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
            let fraction = String(microseconds % 1000)
            let ms = "\(microseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
            context.logger.info("request", metadata: [
                "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? request.uri.path)", "status": "\(status.code)", "ms": "\(ms)",
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
