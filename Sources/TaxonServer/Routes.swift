import Foundation
import Hummingbird
import TaxonCore
import TaxonEmbed
import TaxonModel
import TaxonSearch

/// The request context: JSON out with sorted snake_case keys.
public struct TaxonContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's API key, once the auth middleware has checked it.
    public var key: APIKey?
    /// The context Hummingbird makes for each request.
    public init(source: Source) { coreContext = .init(source: source) }

    public var responseEncoder: JSONEncoder { Self.encoder }

    /// The API's JSON: sorted snake_case keys, slashes as they are.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }
}

/// One endpoint. `Routes.all` is the single list the router is built from
/// and that the tests check against docs/openapi.yaml.
public struct Route: Sendable {
    public let method: HTTPRequest.Method
    /// OpenAPI-style path: /v1/concepts/{ref}.
    public let path: String
    /// Who may call it (`taxon serve --auth` decides whether reads need a key).
    public let access: Access
    let handle: @Sendable (Request, TaxonContext, TaxonService) async throws -> Response
}

/// The API's routes.
public enum Routes {
    public static let all: [Route] = [
        Route(method: .get, path: "/healthz", access: .open, handle: health),
        Route(method: .get, path: "/metrics", access: .needs(.read), handle: metrics),
        Route(method: .get, path: "/v1/concepts", access: .needs(.read), handle: conceptsByLemma),
        Route(method: .get, path: "/v1/concepts/{ref}", access: .needs(.read), handle: concept),
        Route(method: .get, path: "/v1/concepts/{ref}/ancestors", access: .needs(.read), handle: ancestors),
        Route(method: .get, path: "/v1/similarity", access: .needs(.read), handle: similarity),
        Route(method: .post, path: "/v1/similarity", access: .needs(.read), handle: similarityBatch),
        Route(method: .get, path: "/v1/embeddings", access: .needs(.read), handle: embeddings),
        Route(method: .get, path: "/v1/embeddings/{name}/neighbors", access: .needs(.read), handle: neighbors),
        Route(method: .get, path: "/v1/search", access: .needs(.read), handle: searchByConceptOrText),
        Route(method: .post, path: "/v1/search", access: .needs(.read), handle: searchByImage),
        Route(method: .get, path: "/v1/collections", access: .needs(.read), handle: collections),
        Route(method: .get, path: "/v1/collections/{name}", access: .needs(.read), handle: collectionDetails),
        Route(method: .put, path: "/v1/collections/{name}", access: .needs(.admin), handle: createCollection),
        Route(method: .delete, path: "/v1/collections/{name}", access: .needs(.admin), handle: deleteCollection),
        Route(method: .post, path: "/v1/collections/{name}/images", access: .needs(.write), handle: uploadImages),
        Route(method: .delete, path: "/v1/collections/{name}/images/{id}", access: .needs(.write), handle: deleteImage),
        Route(method: .patch, path: "/v1/collections/{name}/images/{id}", access: .needs(.write), handle: annotateImage),
        Route(method: .post, path: "/v1/collections/{name}/query", access: .needs(.read), handle: query),
        Route(method: .post, path: "/v1/collections/{name}/query/batch", access: .needs(.read), handle: queryBatch),
        Route(method: .get, path: "/v1/images/{id}", access: .needs(.read), handle: image),
        Route(method: .get, path: "/v1/images/{id}/file", access: .needs(.read), handle: imageFile),
        Route(method: .get, path: "/v1/images/{id}/thumbnail", access: .needs(.read), handle: thumbnail),
    ]
}

extension Routes {
    /// The methods routed for a path (`/v1/images/7` matches `/v1/images/{id}`): what a 405 lists in `Allow`.
    static func methods(for path: String) -> [HTTPRequest.Method] { matching(path).map(\.method) }

    /// The route that answers this method on this path, if any.
    static func route(for path: String, method: HTTPRequest.Method) -> Route? { matching(path).first { $0.method == method } }

    /// The routes whose pattern matches the path.
    private static func matching(_ path: String) -> [Route] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return all.filter { route in
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: false)
            return pattern.count == segments.count
                && zip(pattern, segments).allSatisfy { $0.hasPrefix("{") ? !$1.isEmpty : $0 == $1 }
        }
    }
}

/// The router of every route in `Routes.all` and the web page, errors answered as JSON, requests counted for /metrics.
/// `accessLog` adds a log line per request (it costs about a tenth of the throughput of the in-memory routes).
public func buildRouter(_ service: TaxonService, accessLog: Bool = false) -> Router<TaxonContext> {
    let router = Router(context: TaxonContext.self)
    _ = PrometheusMetrics.registry
    // Outermost first: the log and the metrics see the status the error middleware answers.
    if accessLog { router.middlewares.add(AccessLogMiddleware()) }
    router.middlewares.add(RequestMetricsMiddleware())
    router.middlewares.add(ErrorMiddleware())
    router.middlewares.add(AuthMiddleware(service: service))
    for route in Routes.all {
        router.on(RouterPath(route.path), method: route.method) { request, context in try await route.handle(request, context, service) }
    }
    WebPage.add(to: router)
    return router
}

// MARK: - Parameters

extension Request {
    /// A query parameter, at most `Limits.maxParameterLength` characters.
    func text(_ name: String) throws -> String? {
        guard let value = uri.queryParameters.get(name) else { return nil }
        let limit = TaxonService.Limits.maxParameterLength
        guard value.count <= limit else { throw APIError.badRequest("\(name) is longer than \(limit) characters") }
        return value
    }

    func required(_ name: String) throws -> String {
        guard let value = try text(name), !value.isEmpty else { throw APIError.badRequest("the query parameter '\(name)' is required") }
        return value
    }

    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = try text(name) else { return fallback }
        guard let value = Int(raw), range.contains(value) else { throw APIError.badRequest("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    func number(_ name: String) throws -> Double? {
        guard let raw = try text(name) else { return nil }
        guard let value = Double(raw), value.isFinite else { throw APIError.badRequest("\(name) must be a number") }
        return value
    }
}

extension TaxonContext {
    func path(_ name: String) throws -> String {
        let value = try parameters.require(name)
        let limit = TaxonService.Limits.maxParameterLength
        guard value.count <= limit else { throw APIError.badRequest("\(name) is longer than \(limit) characters") }
        return value
    }
}

extension Request {
    /// The whole body, at most `limit` bytes: more is 413 naming the limit.
    func collectBody(upTo limit: Int) async throws -> ByteBuffer {
        do { return try await body.collect(upTo: limit) } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(status: .contentTooLarge, detail: "the request body is larger than \(limit) bytes")
        }
    }
}

func json<T: Encodable>(_ value: T, _ context: TaxonContext, status: HTTPResponse.Status = .ok) throws -> Response {
    let data = try context.responseEncoder.encode(value)
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
