import Foundation
import Hummingbird
import TaxonModel
import TaxonVision

/// Every error the API answers with: JSON {"error": reason, "detail": sentence} and its status.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let detail: String
    /// Extra headers: WWW-Authenticate with a 401, Retry-After with a 429.
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, detail: String) { (self.status, self.detail) = (status, detail) }

    static func badRequest(_ detail: String) -> APIError { APIError(status: .badRequest, detail: detail) }
    static func notFound(_ detail: String) -> APIError { APIError(status: .notFound, detail: detail) }
    static func unauthorized(_ detail: String) -> APIError {
        var error = APIError(status: .unauthorized, detail: detail)
        error.headers[.wwwAuthenticate] = "Bearer realm=\"taxon\""
        return error
    }

    struct Body: Encodable { let error: String; let detail: String }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try TaxonContext.encoder.encode(Body(error: status.reasonPhrase, detail: detail))
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension APIError {
    /// The answer an error deserves: the library's typed errors by their kind,
    /// Hummingbird's own by their status; nil for anything else (a failure of
    /// ours or of the store, whose text is not for the client).
    init?(_ error: any Error) {
        switch error {
        case let error as APIError: self = error
        case let error as HTTPError: self.init(status: error.status, detail: error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError: self.init(status: error.status, detail: error.status.reasonPhrase)  // Hummingbird's own
        case let error as any TaxonError: self.init(status: Self.status(of: error.kind), detail: error.description)
        // Decoding and preprocessing errors of the network's input, from the photo a client sent.
        case is ImageError, is Preprocessing.PreprocessingError: self.init(status: .unprocessableContent, detail: "\(error)")
        case is PCAWhitening.WhiteningError: self.init(status: .badRequest, detail: "\(error)")
        case is DecodingError: self.init(status: .badRequest, detail: "malformed JSON: \(error)")
        default: return nil
        }
    }

    static func status(of kind: ErrorKind) -> HTTPResponse.Status {
        switch kind {
        case .invalidInput: return .badRequest
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .unprocessable: return .unprocessableContent
        case .tooLarge: return .contentTooLarge
        case .unavailable: return .serviceUnavailable
        }
    }
}

/// Turns whatever a handler throws into an `APIError` response. An unexpected
/// error answers 500 with the request id only; its text goes to the log.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // The router found no route: a path that exists with other methods is a 405 naming them.
            let allowed = Routes.methods(for: request.uri.path)
            guard !allowed.isEmpty else { return try APIError.notFound("no route \(request.uri.path.prefix(200))").response(from: request, context: context) }
            var response = try APIError(status: .methodNotAllowed, detail: "\(request.method.rawValue) is not routed here; use \(allowed.map(\.rawValue).joined(separator: ", "))")
                .response(from: request, context: context)
            response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            return response
        } catch {
            if let known = APIError(error) { return try known.response(from: request, context: context) }
            context.logger.error("request failed", metadata: [
                "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? request.uri.path)", "status": "500",
                "error": "\(String(reflecting: error))",
            ])
            return try APIError(status: .internalServerError, detail: "internal error; the server's log has it under request id \(context.id)")
                .response(from: request, context: context)
        }
    }
}
