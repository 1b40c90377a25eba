import Foundation
import Hummingbird
import TaxonCore
import TaxonEmbed
import TaxonKit
import TaxonModel
import TaxonSearch
import TaxonVision

// Handlers parse a request, call one service method (on the service's thread
// pool when it touches the store, files or the network) and encode the answer.

// MARK: - Health and concepts

@Sendable func health(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    struct Health: Encodable { let status: String; let schema: Int; let collections: [String] }
    // Answered from memory, so that it answers while every worker thread is busy.
    return try json(Health(status: "ok", schema: service.schemaVersion, collections: service.collectionNames()), context)
}

/// A concept in lists: enough to tell senses apart.
struct ConceptSummary: Encodable, Sendable {
    let key: String, name: String?, pos: String?, gloss: String?
    /// The word that matched a prefix (completions only).
    var word: String?
    init(_ concept: Concept, word: String? = nil) { (key, name, pos, gloss, self.word) = (concept.key, concept.name, concept.pos, concept.gloss, word) }
}

/// Every sense of `lemma`, or with `prefix` the concepts whose words start with it (autocompletion, at most `limit`).
@Sendable func conceptsByLemma(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let taxonomy = try request.text("taxonomy")
    let limit = try request.integer("limit", default: 10, range: 1...100)  // checked with lemma too: a bad value is refused, never ignored
    if let prefix = try request.text("prefix") {
        guard try request.text("lemma") == nil else { throw APIError.badRequest("give lemma or prefix, not both") }
        guard !prefix.isEmpty else { throw APIError.badRequest("the query parameter 'prefix' is empty") }
        return try json(try await service.blocking { store in
            try CatalogService(store: store).completions(of: prefix, taxonomy: taxonomy, limit: limit).map { ConceptSummary($0.concept, word: $0.word) }
        }, context)
    }
    let lemma = try request.required("lemma")
    return try json(try await service.blocking { try CatalogService(store: $0).senses(of: lemma, taxonomy: taxonomy).map { ConceptSummary($0) } }, context)
}

@Sendable func concept(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let ref = try context.path("ref"), taxonomy = try request.text("taxonomy")
    return try json(try await service.blocking { try CatalogService(store: $0).concepts(ref, taxonomy: taxonomy, allSenses: false)[0] }, context)
}

@Sendable func ancestors(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let ref = try context.path("ref"), taxonomy = try request.text("taxonomy")
    struct Entry: Encodable, Sendable { let key: String; let name: String?; let distance: Int }
    return try json(try await service.blocking { store in
        try CatalogService(store: store).ancestors(ref, taxonomy: taxonomy).ancestors
            .map { Entry(key: $0.concept.key, name: $0.concept.name, distance: $0.distance) }
    }, context)
}

// MARK: - Similarity

func measure(_ raw: String?) throws -> Measure {
    guard let raw else { return .path }
    guard let measure = Measure(rawValue: raw) else {
        throw APIError.badRequest("unknown measure '\(raw)': use \(Measure.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return measure
}

/// Scores the pairs on the service's taxonomy: keys and NLTK-style names in
/// memory on the calling thread, anything else (words) through the store on the pool.
func scores(_ pairs: [(String, String)], _ measure: Measure, _ service: TaxonService, batch: Bool = false) async throws -> [PairScore] {
    let taxonomy = service.similarity.taxonomy
    func inMemory(_ a: String, _ b: String) throws -> PairScore? {
        guard let x = service.nodeInMemory(for: a), let y = service.nodeInMemory(for: b) else { return nil }
        return PairScore(a: taxonomy.names[x], b: taxonomy.names[y], measure: measure.rawValue, score: try service.similarity.score(measure, x, y))
    }
    var results: [PairScore?] = []
    for (index, (a, b)) in pairs.enumerated() {
        do { results.append(try inMemory(a, b)) } catch { throw pairError(error, index: index, batch: batch) }
    }
    let missing = results.indices.filter { results[$0] == nil }
    guard !missing.isEmpty else { return results.map { $0! } }
    let looked = try await service.blocking { store in
        try missing.map { index in
            do { return try SimilarityService(store: store).score(pairs[index].0, pairs[index].1, measure: measure, in: service.similarity) } catch {
                throw pairError(error, index: index, batch: batch)
            }
        }
    }
    for (index, score) in zip(missing, looked) { results[index] = score }
    return results.map { $0! }
}

/// In a batch, an error names the pair.
func pairError(_ error: any Error, index: Int, batch: Bool) -> any Error {
    guard batch, let failure = APIError(error) else { return error }
    return APIError(status: failure.status, detail: "pairs[\(index)]: \(failure.detail)")
}

@Sendable func similarity(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let a = try request.required("a"), b = try request.required("b"), measure = try measure(try request.text("measure"))
    if let x = service.nodeInMemory(for: a), let y = service.nodeInMemory(for: b) {  // the common case, without a hop
        let names = service.similarity.taxonomy.names
        return try json(PairScore(a: names[x], b: names[y], measure: measure.rawValue, score: try service.similarity.score(measure, x, y)), context)
    }
    return try json(try await scores([(a, b)], measure, service)[0], context)
}

@Sendable func similarityBatch(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    struct Batch: Decodable { let measure: String?; let pairs: [[String]] }
    let body = try await request.collectBody(upTo: service.limits.maxBody)
    let batch = try JSONDecoder().decode(Batch.self, from: Data(buffer: body))
    guard batch.pairs.count <= service.limits.maxPairs else {
        throw APIError(status: .contentTooLarge, detail: "at most \(service.limits.maxPairs) pairs per request, got \(batch.pairs.count)")
    }
    let measure = try measure(batch.measure)
    if let bad = batch.pairs.firstIndex(where: { $0.count != 2 }) { throw APIError.badRequest("pairs[\(bad)] must hold two concepts") }
    struct Results: Encodable { let measure: String; let results: [PairScore] }
    let results = try await scores(batch.pairs.map { ($0[0], $0[1]) }, measure, service, batch: true)
    return try json(Results(measure: measure.rawValue, results: results), context)
}

// MARK: - Embeddings

@Sendable func embeddings(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    try json(try await service.blocking { try $0.embeddings() }, context)
}

@Sendable func neighbors(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let name = try context.path("name"), concept = try request.required("concept")
    let k = try request.integer("k", default: 10, range: 1...service.limits.maxK)
    struct Neighbors: Encodable, Sendable { let concept: ConceptSummary; let neighbors: [EmbeddingNeighbors.Neighbor] }
    return try json(try await service.blocking { store in
        let (found, neighbors) = try EmbeddingService(store: store).neighbors(embedding: name, of: concept, k: k)
        return Neighbors(concept: ConceptSummary(found), neighbors: neighbors)
    }, context)
}

// MARK: - Search and images

struct SearchResults: Encodable { let collection: String; let ranking: String; let results: [SearchHit] }

struct SearchParameters: Sendable { let collection: String, ranking: Ranking, k: Int, whiten: Int?, facets: FacetChoice? }

func searchParameters(_ request: Request, _ service: TaxonService) throws -> SearchParameters {
    let ranking = try Ranking(name: try request.text("ranking") ?? "semantic-first", alpha: try request.number("alpha"),
                              width: try request.number("level_width"))
    let whiten = try request.text("whiten") == nil ? nil : try request.integer("whiten", default: 0, range: 1...EfficientNetLite.featureChannels)
    return SearchParameters(collection: try request.required("collection"), ranking: ranking,
                            k: try request.integer("k", default: 10, range: 1...service.limits.maxK), whiten: whiten,
                            facets: try FacetChoice(facet: try request.text("facet"), weights: try request.text("weights").map(FacetChoice.weights(from:))))
}

/// Runs one search on the pool: the engine (cached per collection) and the query.
func search(_ query: CollectionQuery, _ parameters: SearchParameters, _ service: TaxonService) async throws -> SearchResults {
    let outcome = try await service.blocking { store in
        let engine = try service.engine(for: parameters.collection, whiten: parameters.whiten, inMemory: parameters.facets != nil, store: store)
        return try CollectionService(store: store, classSet: service.classSet, efSearch: service.efSearch)
            .search(query, in: engine, ranking: parameters.ranking, k: parameters.k, facets: parameters.facets)
    }
    return SearchResults(collection: parameters.collection, ranking: outcome.ranking, results: outcome.hits)
}

@Sendable func searchByImage(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let parameters = try searchParameters(request, service)
    let body = try await request.collectBody(upTo: service.limits.maxBody)
    let photo = try Multipart.imageBytes(body, contentType: request.headers[.contentType])
    guard !photo.isEmpty else { throw APIError.badRequest("the request body is empty: send the photo (image/jpeg, image/png or multipart/form-data)") }
    return try json(try await search(.photo(photo, name: "the uploaded image"), parameters, service), context)
}

@Sendable func searchByConceptOrText(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let parameters = try searchParameters(request, service)
    let concept = try request.text("concept"), text = try request.text("text")
    guard (concept == nil) != (text == nil) else { throw APIError.badRequest("give one of the query parameters 'concept' and 'text'") }
    return try json(try await search(concept.map(CollectionQuery.concept) ?? .text(text!), parameters, service), context)
}

func imageID(_ context: TaxonContext) throws -> Int64 {
    let raw = try context.path("id")
    guard let id = Int64(raw), id > 0 else { throw APIError.badRequest("an image id is a positive integer, not '\(raw.prefix(40))'") }
    return id
}

@Sendable func image(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let id = try imageID(context)
    return try json(try await service.blocking { store in
        guard let (collection, record) = try store.image(id: id) else { throw APIError.notFound("no image \(id)") }
        try context.check(collection: collection)
        return ImageDescription(record, collection: collection)
    }, context)
}

/// An image as `GET /v1/images/{id}` and `PATCH` answer it.
struct ImageDescription: Encodable, Sendable {
    let id: Int64, collection: String, path: String, sha256: String, bytes: Int, width: Int, height: Int, topClasses: [ClassProbability]
    let label: String?
    let tags: [String]

    init(_ record: ImageRecord, collection: String) {
        (id, self.collection, path, sha256, bytes, width, height) = (record.id, collection, record.path, record.sha256, record.bytes, record.width, record.height)
        (topClasses, label, tags) = (Array(record.topClasses.prefix(5)), record.label, record.tags)
    }
}

/// The photo's bytes, read only from inside its collection's folder.
@Sendable func imageFile(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let id = try imageID(context)
    let (file, data) = try await service.blocking { store -> (URL, Data) in
        let (_, file) = try locate(id, context, store)
        return (file, try read(file, id))
    }
    let type = file.pathExtension.lowercased() == "png" ? "image/png" : "image/jpeg"
    return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// A JPEG whose longer side is at most `size` (default 256), made once and kept under the data folder's `thumbnails/`.
@Sendable func thumbnail(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let id = try imageID(context)
    let size = try request.integer("size", default: 256, range: Thumbnail.sizes)
    let jpeg = try await service.blocking { store -> Data in
        let (record, file) = try locate(id, context, store)
        let cached = URL(fileURLWithPath: service.dataFolder).appendingPathComponent("thumbnails/\(record.sha256)-\(size).jpg")
        if let data = FileManager.default.contents(atPath: cached.path) { return data }
        let made = try Thumbnail.make(try read(file, id), name: "image \(id)", size: size)
        try? FileManager.default.createDirectory(at: cached.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? made.write(to: cached, options: .atomic)  // a cache: a failed write costs only the next request's time
        return made
    }
    return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "public, max-age=86400"], body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
}

/// An image's record and its file inside its collection's folder (the request's key must allow the collection).
func locate(_ id: Int64, _ context: TaxonContext, _ store: any Store) throws -> (ImageRecord, URL) {
    guard let (name, record) = try store.image(id: id) else { throw APIError.notFound("no image \(id)") }
    try context.check(collection: name)
    return (record, try ConfinedPath.resolve(record.path, under: try store.collection(named: name).root))
}

/// The file's bytes; a 404 when it is gone.
func read(_ file: URL, _ id: Int64) throws -> Data {
    guard let data = FileManager.default.contents(atPath: file.path) else { throw APIError.notFound("image \(id): the file is gone") }
    return data
}
