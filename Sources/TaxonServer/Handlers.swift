import Foundation
import Hummingbird
import TaxonCore
import TaxonEmbed
import TaxonSearch
import TaxonStore
import TaxonVision

// MARK: - Health and concepts

@Sendable func health(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    struct Health: Encodable { let status: String; let schema: Int; let collections: [String] }
    return try json(try service.withStore { Health(status: "ok", schema: try $0.userVersion, collections: try $0.collections().map(\.name)) }, context)
}

/// A concept in lists: enough to tell senses apart.
struct ConceptSummary: Encodable {
    let key: String, name: String?, pos: String?, gloss: String?
    init(_ concept: Concept) { (key, name, pos, gloss) = (concept.key, concept.name, concept.pos, concept.gloss) }
}

@Sendable func conceptsByLemma(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let lemma = try request.required("lemma"), taxonomy = try request.text("taxonomy")
    return try json(try service.withStore { store in
        try store.candidates(for: lemma, in: try store.taxonomy(named: taxonomy)).map(ConceptSummary.init)
    }, context)
}

@Sendable func concept(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let ref = try context.path("ref"), taxonomy = try request.text("taxonomy")
    return try json(try service.withStore { store in try store.details(of: try store.resolve(ref, in: try store.taxonomy(named: taxonomy))) }, context)
}

@Sendable func ancestors(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let ref = try context.path("ref"), taxonomy = try request.text("taxonomy")
    struct Entry: Encodable { let key: String; let name: String?; let distance: Int }
    return try json(try service.withStore { store in
        try store.ancestors(of: try store.resolve(ref, in: try store.taxonomy(named: taxonomy)))
            .map { Entry(key: $0.concept.key, name: $0.concept.name, distance: $0.distance) }
    }, context)
}

// MARK: - Similarity

struct Score: Encodable { let a: String; let b: String; let measure: String; let score: Double? }

func measure(_ raw: String?) throws -> Measure {
    guard let raw else { return .path }
    guard let measure = Measure(rawValue: raw) else {
        throw APIError.badRequest("unknown measure '\(raw)': use \(Measure.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return measure
}

/// The score of one pair on the service's taxonomy (keys in memory, names and words through the store).
func score(_ a: String, _ b: String, _ measure: Measure, _ service: TaxonService, _ store: Store) throws -> Score {
    let taxonomy = service.similarity.taxonomy
    let x = try service.node(for: a, store: store), y = try service.node(for: b, store: store)
    return Score(a: taxonomy.names[x], b: taxonomy.names[y], measure: measure.rawValue, score: try service.similarity.score(measure, x, y))
}

@Sendable func similarity(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let a = try request.required("a"), b = try request.required("b"), measure = try measure(try request.text("measure"))
    return try json(try service.withStore { try score(a, b, measure, service, $0) }, context)
}

@Sendable func similarityBatch(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    struct Batch: Decodable { let measure: String?; let pairs: [[String]] }
    let body = try await request.body.collect(upTo: context.maxUploadSize)
    let batch = try JSONDecoder().decode(Batch.self, from: Data(buffer: body))
    guard batch.pairs.count <= service.limits.maxPairs else {
        throw APIError(status: .contentTooLarge, detail: "at most \(service.limits.maxPairs) pairs per request, got \(batch.pairs.count)")
    }
    let measure = try measure(batch.measure)
    let results = try service.withStore { store in
        try batch.pairs.enumerated().map { index, pair in
            guard pair.count == 2 else { throw APIError.badRequest("pairs[\(index)] must hold two concepts") }
            do { return try score(pair[0], pair[1], measure, service, store) } catch {
                let failure = APIError(error)
                throw APIError(status: failure.status, detail: "pairs[\(index)]: \(failure.detail)")
            }
        }
    }
    struct Results: Encodable { let measure: String; let results: [Score] }
    return try json(Results(measure: measure.rawValue, results: results), context)
}

// MARK: - Embeddings

@Sendable func embeddings(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    try json(try service.withStore { try $0.embeddings() }, context)
}

@Sendable func neighbors(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let name = try context.path("name"), concept = try request.required("concept")
    let k = try request.integer("k", default: 10, range: 1...service.limits.maxK)
    struct Neighbors: Encodable { let concept: ConceptSummary; let neighbors: [EmbeddingNeighbors.Neighbor] }
    return try json(try service.withStore { store in
        let (found, neighbors) = try EmbeddingNeighbors.nearest(store: store, embedding: name, reference: concept, k: k)
        return Neighbors(concept: ConceptSummary(found), neighbors: neighbors)
    }, context)
}

// MARK: - Search and images

struct SearchResults: Encodable { let collection: String; let ranking: String; let results: [SearchHit] }

struct SearchParameters { let collection: String, ranking: Ranking, k: Int, whiten: Int? }

func searchParameters(_ request: Request, _ service: TaxonService) throws -> SearchParameters {
    let ranking = try Ranking(name: try request.text("ranking") ?? "semantic-first", alpha: try request.number("alpha"),
                              width: try request.number("level_width"))
    let whiten = try request.text("whiten") == nil ? nil : try request.integer("whiten", default: 0, range: 1...EfficientNetLite0.featureChannels)
    return SearchParameters(collection: try request.required("collection"), ranking: ranking,
                            k: try request.integer("k", default: 10, range: 1...service.limits.maxK), whiten: whiten)
}

@Sendable func searchByImage(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let parameters = try searchParameters(request, service)
    let body = Data(buffer: try await request.body.collect(upTo: context.maxUploadSize))
    let photo = try Multipart.imageBytes(body, contentType: request.headers[.contentType])
    guard !photo.isEmpty else { throw APIError.badRequest("the request body is empty: send the photo (image/jpeg, image/png or multipart/form-data)") }
    let hits = try service.withStore { store in
        let engine = try service.engine(for: parameters.collection, whiten: parameters.whiten, store: store)
        return try engine.search(try engine.query(image: photo, name: "the uploaded image"), ranking: parameters.ranking, k: parameters.k)
    }
    return try json(SearchResults(collection: parameters.collection, ranking: parameters.ranking.name, results: hits), context)
}

@Sendable func searchByConceptOrText(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let parameters = try searchParameters(request, service)
    let concept = try request.text("concept"), text = try request.text("text")
    guard (concept == nil) != (text == nil) else { throw APIError.badRequest("give one of the query parameters 'concept' and 'text'") }
    let hits = try service.withStore { store in
        let engine = try service.engine(for: parameters.collection, whiten: nil, store: store)
        let query = try concept.map { try engine.query(concept: $0, store: store) } ?? engine.query(text: text!, store: store).query
        return try engine.search(query, ranking: parameters.ranking, k: parameters.k)
    }
    return try json(SearchResults(collection: parameters.collection, ranking: parameters.ranking.name, results: hits), context)
}

func imageID(_ context: TaxonContext) throws -> Int64 {
    let raw = try context.path("id")
    guard let id = Int64(raw), id > 0 else { throw APIError.badRequest("an image id is a positive integer, not '\(raw.prefix(40))'") }
    return id
}

@Sendable func image(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let id = try imageID(context)
    struct Image: Encodable {
        let id: Int64, collection: String, path: String, sha256: String, bytes: Int, width: Int, height: Int, topClasses: [ClassProbability]
    }
    return try json(try service.withStore { store in
        guard let (collection, record) = try store.image(id: id) else { throw APIError.notFound("no image \(id)") }
        return Image(id: record.id, collection: collection, path: record.path, sha256: record.sha256, bytes: record.bytes, width: record.width,
                     height: record.height, topClasses: Array(record.topClasses.prefix(5)))
    }, context)
}

/// The photo's bytes, read only from inside its collection's folder.
@Sendable func imageFile(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let id = try imageID(context)
    let file = try service.withStore { store -> URL in
        guard let (name, record) = try store.image(id: id) else { throw APIError.notFound("no image \(id)") }
        return try ConfinedPath.resolve(record.path, under: try store.collection(named: name).root)
    }
    guard let data = FileManager.default.contents(atPath: file.path) else { throw APIError.notFound("image \(id): the file is gone") }
    let type = file.pathExtension.lowercased() == "png" ? "image/png" : "image/jpeg"
    return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
