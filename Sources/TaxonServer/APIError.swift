import Foundation
import Hummingbird
import TaxonCore
import TaxonEmbed
import TaxonSearch
import TaxonStore
import TaxonVision

/// Every error the API answers with: JSON {"error": reason, "detail": sentence} and its status.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let detail: String

    static func badRequest(_ detail: String) -> APIError { APIError(status: .badRequest, detail: detail) }
    static func notFound(_ detail: String) -> APIError { APIError(status: .notFound, detail: detail) }
    static func unprocessable(_ detail: String) -> APIError { APIError(status: .unprocessableContent, detail: detail) }
    static func unavailable(_ detail: String) -> APIError { APIError(status: .serviceUnavailable, detail: detail) }
    static func `internal`(_ detail: String) -> APIError { APIError(status: .internalServerError, detail: detail) }

    struct Body: Encodable { let error: String; let detail: String }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(Body(error: status.reasonPhrase, detail: detail))
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

}

extension APIError {
    /// The status a library error deserves.
    init(_ error: any Error) {
        switch error {
        case let error as APIError: self = error
        case let error as HTTPError: self.init(status: error.status, detail: error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError:
            // Hummingbird's own, e.g. a body over the limit (NIOTooManyBytesError).
            let detail = error.status == .contentTooLarge ? "the request body is larger than \(TaxonContext.maxBody) bytes" : error.status.reasonPhrase
            self.init(status: error.status, detail: detail)
        case let error as ReferenceError:
            if case .unknown = error { self.init(status: .notFound, detail: "\(error)") } else { self.init(status: .badRequest, detail: "\(error)") }
        case let error as CatalogError:
            if case .notFound = error { self.init(status: .notFound, detail: "\(error)") } else { self.init(status: .badRequest, detail: "\(error)") }
        case let error as EmbeddingNeighbors.NeighborError: self.init(status: .notFound, detail: "\(error)")
        case is PCAWhitening.WhiteningError: self.init(status: .badRequest, detail: "\(error)")
        case is ImageError, is Preprocessing.PreprocessingError, is TextEmbeddingError, is SimilarityError:
            self.init(status: .unprocessableContent, detail: "\(error)")
        case let error as SearchError:
            switch error {
            case .noEmbedding, .wrongEmbedding, .emptyCollection, .embeddingLacksClasses: self.init(status: .unprocessableContent, detail: "\(error)")
            default: self.init(status: .badRequest, detail: "\(error)")
            }
        case is DecodingError: self.init(status: .badRequest, detail: "malformed JSON: \(error)")
        default: self.init(status: .internalServerError, detail: "\(error)")
        }
    }
}

/// Turns whatever a handler throws into an `APIError` response.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try APIError(error).response(from: request, context: context)
        }
    }
}
