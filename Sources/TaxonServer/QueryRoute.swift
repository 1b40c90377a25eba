import Foundation
import Hummingbird
import TaxonKit
import TaxonSearch

/// The JSON body of `POST /v1/collections/{name}/query` (snake_case keys, as docs/openapi.yaml gives them).
struct QueryBody: Decodable, Sendable {
    /// One example: exactly one of its fields.
    struct Example: Decodable, Sendable {
        let image: Int64?
        let concept: String?
        let text: String?
        let upload: String?
    }

    let positive: [Example]?
    let negative: [Example]?
    let strategy: String?
    let alpha: Double?, beta: Double?, gamma: Double?
    let ranking: String?
    let rankingAlpha: Double?, levelWidth: Double?
    let within: [String]?
    let exclude: [String]?
    let tags: [String]?
    let minSimilarity: Double?
    let offset: Int?
    let limit: Int?
    /// One facet ("style", or "auto" to infer it), or `weights` by facet name.
    let facet: String?
    let weights: [String: Double]?

    /// The library's request; `field` prefixes the names errors give ("queries[2].").
    func request(_ limits: TaxonService.Limits, field prefix: String = "") throws -> QueryRequest {
        func examples(_ list: [Example]?, _ name: String) throws -> [QueryExample] {
            try (list ?? []).enumerated().map { n, example in try Self.example(example, field: "\(prefix)\(name)[\(n)]", limits) }
        }
        for (name, list) in [("within", within ?? []), ("exclude", exclude ?? []), ("tags", tags ?? [])] {
            guard list.count <= 100 else { throw QueryError.badField("\(prefix)\(name)", "at most 100 entries") }
            if let n = list.firstIndex(where: { $0.isEmpty || $0.count > TaxonService.Limits.maxParameterLength }) {
                throw QueryError.badField("\(prefix)\(name)[\(n)]", "1 to \(TaxonService.Limits.maxParameterLength) characters")
            }
        }
        var request = QueryRequest(positive: try examples(positive, "positive"))
        request.negative = try examples(negative, "negative")
        let kind = try strategy.map { name in
            guard let kind = FeedbackStrategy.Kind(rawValue: name) else {
                throw QueryError.badField("\(prefix)strategy", "unknown strategy '\(name)': use \(FeedbackStrategy.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return kind
        } ?? .learned
        request.strategy = try FeedbackStrategy(kind, alpha: alpha, beta: beta, gamma: gamma)
        if let rankingAlpha, !(0...1).contains(rankingAlpha) { throw QueryError.badField("\(prefix)ranking_alpha", "must lie in [0, 1]") }
        request.ranking = try Ranking(name: ranking ?? "semantic-first", alpha: rankingAlpha, width: levelWidth)
        (request.within, request.exclude, request.tags, request.minSimilarity) = (within ?? [], exclude ?? [], tags ?? [], minSimilarity)
        (request.offset, request.limit) = (offset ?? 0, limit ?? 20)
        do { request.facets = try FacetChoice(facet: facet, weights: weights) } catch let error as QueryError { throw error.prefixed(prefix) }
        return request
    }

    private static func example(_ example: Example, field: String, _ limits: TaxonService.Limits) throws -> QueryExample {
        let given = [example.image != nil, example.concept != nil, example.text != nil, example.upload != nil].filter { $0 }.count
        guard given == 1 else { throw QueryError.badField(field, "give exactly one of image, concept, text and upload") }
        if let id = example.image { return .image(id) }
        for (name, value) in [("concept", example.concept), ("text", example.text)] {
            guard let value else { continue }
            guard !value.isEmpty, value.count <= TaxonService.Limits.maxParameterLength else {
                throw QueryError.badField("\(field).\(name)", "1 to \(TaxonService.Limits.maxParameterLength) characters")
            }
            return name == "concept" ? .concept(value) : .text(value)
        }
        let encoded = example.upload!
        guard encoded.utf8.count / 4 * 3 <= limits.maxExampleUpload + 3 else {
            throw APIError(status: .contentTooLarge, detail: "\(field).upload: larger than the limit of \(limits.maxExampleUpload) bytes per example photo")
        }
        guard let data = Data(base64Encoded: encoded), !data.isEmpty else { throw QueryError.badField("\(field).upload", "not a base64-encoded photo") }
        guard data.count <= limits.maxExampleUpload else {
            throw APIError(status: .contentTooLarge, detail: "\(field).upload: \(data.count) bytes, over the limit of \(limits.maxExampleUpload) per example photo")
        }
        return .upload(data)
    }
}

/// Answers the requests on the pool with the collection's cached engine; in a batch, errors name their query.
func answer(_ requests: [QueryRequest], collection: String, batch: Bool = false, _ service: TaxonService) async throws -> [QueryPage] {
    try await service.blocking { store in
        let collections = CollectionService(store: store, classSet: service.classSet, efSearch: service.efSearch)
        return try requests.enumerated().map { n, request in
            do {
                let engine = try service.engine(for: collection, whiten: nil, inMemory: request.facets != nil, store: store)
                return QueryPage(collection: collection, request: request, answer: try collections.query(request, in: engine))
            } catch let error as QueryError where batch {
                throw error.prefixed("queries[\(n)].")
            }
        }
    }
}

@Sendable func query(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let collection = try context.path("name")
    let body = try await request.collectBody(upTo: service.limits.maxBody)
    let query = try JSONDecoder.snakeCase.decode(QueryBody.self, from: Data(buffer: body)).request(service.limits)
    return try json(try await answer([query], collection: collection, service)[0], context)
}

@Sendable func queryBatch(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    struct Batch: Decodable { let queries: [QueryBody] }
    let collection = try context.path("name")
    let body = try await request.collectBody(upTo: service.limits.maxBody)
    let batch = try JSONDecoder.snakeCase.decode(Batch.self, from: Data(buffer: body))
    guard batch.queries.count <= service.limits.maxBatchQueries else {
        throw APIError(status: .contentTooLarge, detail: "queries: at most \(service.limits.maxBatchQueries) per batch, got \(batch.queries.count)")
    }
    guard !batch.queries.isEmpty else { throw QueryError.badField("queries", "give at least one query") }
    let queries = try batch.queries.enumerated().map { n, query in try query.request(service.limits, field: "queries[\(n)].") }
    struct Results: Encodable { let results: [QueryPage] }
    return try json(Results(results: try await answer(queries, collection: collection, batch: true, service)), context)
}

extension JSONDecoder {
    /// Decodes the API's snake_case keys.
    static var snakeCase: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
