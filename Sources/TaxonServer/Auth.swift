import Foundation
import Hummingbird
import Synchronization
import TaxonKit
import TaxonModel

/// Who may call a route: anyone, or a key of at least this scope (as `--auth` decides).
public enum Access: Sendable {
    case open
    case needs(KeyScope)
}

/// `taxon serve --auth`: which requests need a key.
public enum AuthMode: String, CaseIterable, Sendable {
    /// No keys are asked for.
    case off
    /// Reads are open; every write needs a write or admin key (the default).
    case writes
    /// Every route but /healthz needs a key.
    case all
}

/// A token bucket per key: `rate` requests a second, bursts up to one second's worth.
final class RateLimiter: Sendable {
    let rate: Double
    private let buckets: Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]> = Mutex([:])

    init(rate: Double) { self.rate = rate }

    /// Takes one request from the key's bucket: nil when it may go, else how long until it may.
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Duration? {
        buckets.withLock { buckets in
            let capacity = max(1, rate)
            var (tokens, at) = buckets[key] ?? (capacity, now)
            let elapsed = now - at
            tokens = min(capacity, tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
            defer { buckets[key] = (tokens, now) }
            if tokens >= 1 { tokens -= 1; return nil }
            return .seconds((1 - tokens) / rate)
        }
    }
}

/// Checks a request's key against its route (401 without a valid key, 403 for too small a scope or another
/// collection) and its key's rate (429 with Retry-After); the key is left in the context for the handlers.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = TaxonContext
    let service: TaxonService

    func handle(_ request: Request, context: TaxonContext, next: (Request, TaxonContext) async throws -> Response) async throws -> Response {
        guard service.auth != .off, let route = Routes.route(for: request.uri.path, method: request.method) else { return try await next(request, context) }
        var needed: KeyScope?
        if case let .needs(scope) = route.access, service.auth == .all || scope > .read { needed = scope }
        let token = Self.bearerToken(request.headers[.authorization])
        guard needed != nil || token != nil else { return try await next(request, context) }
        guard let token else { throw APIError.unauthorized("this route needs an API key: send 'Authorization: Bearer TOKEN' (taxon keys create)") }
        guard let key = try await service.keyRing().key(for: token) else { throw APIError.unauthorized("the API key is unknown or revoked") }
        if let needed, key.scope < needed {
            throw APIError(status: .forbidden, detail: "key '\(key.name)' has scope \(key.scope.rawValue); this route needs \(needed.rawValue)")
        }
        if let collection = Self.collection(of: request, route: route) { try context.withKey(key).check(collection: collection) }
        if let wait = service.rateLimiter?.take(key.name) {
            let seconds = Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) * 1e-18).rounded(.up))
            var error = APIError(status: .tooManyRequests, detail: "key '\(key.name)' is over its limit of \(service.rateLimiter!.rate) requests a second")
            error.headers[.retryAfter] = String(max(1, seconds))
            throw error
        }
        return try await next(request, context.withKey(key))
    }

    /// The token of an `Authorization: Bearer …` header.
    static func bearerToken(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// The collection a request names: the path's {name} under /v1/collections, or the `collection` parameter.
    static func collection(of request: Request, route: Route) -> String? {
        if route.path.hasPrefix("/v1/collections/{name}") {
            let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: false)
            return segments.count > 3 ? String(segments[3]).removingPercentEncoding : nil
        }
        return request.uri.queryParameters.get("collection")
    }
}

extension TaxonContext {
    /// The context with the request's authenticated key.
    func withKey(_ key: APIKey) -> TaxonContext {
        var copy = self
        copy.key = key
        return copy
    }

    /// Throws 403 when the request's key is bound to another collection.
    func check(collection: String) throws {
        if let key, let bound = key.collection, bound != collection {
            throw APIError(status: .forbidden, detail: "key '\(key.name)' is for collection '\(bound)', not '\(collection.prefix(100))'")
        }
    }
}
