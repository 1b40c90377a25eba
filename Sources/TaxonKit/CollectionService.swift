import Foundation
import TaxonEval
import TaxonModel
import TaxonSearch
import TaxonVision

/// A query of a collection: a photo's bytes, a concept, or free text.
public enum CollectionQuery: Sendable {
    case photo(Data, name: String)
    case concept(String)
    case text(String)
}

/// Search results, with the words of a text query that had no vector.
public struct SearchOutcome: Sendable {
    public let hits: [SearchHit]
    public let unknownWords: [String]
    /// The ranking's name ("facets" when facets other than the object's ranked them).
    public let ranking: String
}

/// One page of a query's results as the CLI (`--json`) and the API answer it.
public struct QueryPage: Encodable, Sendable {
    public let collection: String
    public let ranking: String
    /// The blend's semantic weight (the learned strategy's choice), when the ranking is a blend.
    public let alpha: Double?
    public let strategy: String
    public let total: Int
    public let offset: Int
    public let limit: Int
    public let more: Bool
    public let meaning: QueryMeaning?
    public let results: [SearchHit]
    public let unknownWords: [String]
    /// The facets the results were ranked by (and what was inferred), when the query named them or asked to infer them.
    public let facets: FacetSummary?

    /// The page of `answer` to `request`.
    public init(collection: String, request: QueryRequest, answer: QueryAnswer) {
        (self.collection, ranking, strategy) = (collection, answer.rankingName, request.strategy.kind.rawValue)
        facets = answer.facets
        if case let .blend(alpha) = answer.ranking { self.alpha = alpha } else { alpha = nil }
        (total, offset, limit, more, meaning) = (answer.total, request.offset, request.limit, answer.more, answer.meaning)
        (results, unknownWords) = (answer.hits, answer.unknownWords)
    }
}

/// Image collections: indexing folders and searching them.
public struct CollectionService {
    public let store: any Store
    /// The class set naming the network's 1,000 outputs.
    public let classSet: String

    /// pgvector's HNSW candidate list for searches in the database (`hnsw.ef_search`); nil: by the
    /// collection's size (`SearchEngine.defaultEFSearch(photos:)`).
    public let efSearch: Int?

    /// A service over one store connection; `classSet` names the network's outputs.
    public init(store: any Store, classSet: String = "ilsvrc2012", efSearch: Int? = nil) {
        (self.store, self.classSet, self.efSearch) = (store, classSet, efSearch)
    }

    /// Indexes every photo below `folder` into the collection (unchanged files skipped, vanished ones removed).
    /// `embedding` and `mapper` default to the collection's own, unless `replace` starts it afresh; a mapper
    /// brings its embedding. With `folderKeys`, each new or changed photo is labelled by its first folder
    /// (turned into a key by the map; a folder not in it is its own key). `only` (paths relative to `folder`) keeps
    /// the collection to those photos.
    /// With `shared`, this is one worker of several on the store (`ImageIndexer.indexShared`): `worker` names it, `lease`
    /// is how long its claims last (seconds), and `replace` is refused (other workers may be writing).
    public func index(folder: String, collection: String, network: EfficientNetLite, descriptor: Descriptor, embedding: String?,
                      mapper: String? = nil, folderKeys: [String: String]? = nil, only: Set<String>? = nil, replace: Bool,
                      shared: (worker: String, lease: Double)? = nil,
                      progress: (Int, Int) -> Void = { _, _ in }) throws -> (report: IndexReport, info: CollectionInfo, embedding: String?) {
        if shared != nil, replace { throw ServiceError.invalid("a collection indexed by several workers cannot be replaced by one of them: replace it first") }
        if let shared, !(shared.lease >= 1 && shared.lease <= 86_400) { throw ServiceError.invalid("the lease must be 1 to 86,400 seconds") }
        let existing = replace ? nil : try store.collections().first { $0.name == collection }
        let mapper = mapper ?? existing?.mapper
        let embedding = embedding ?? (mapper != nil ? nil : existing?.embedding)
        let analyzer = try ImageAnalyzer(store: store, network: network, classSet: classSet, descriptor: descriptor, embedding: embedding, mapper: mapper)
        let label: (String) -> String? = { path in folderKeys.flatMap { LabelSource.folderKey(of: path, keys: $0) } }
        let indexer = ImageIndexer(store: store, analyzer: analyzer)
        let report = try shared.map {
            try indexer.indexShared(folder: folder, collection: collection, worker: $0.worker, lease: $0.lease, only: only, progress: progress, label: label)
        } ?? indexer.index(folder: folder, collection: collection, replace: replace, only: only, progress: progress, label: label)
        return (report, try store.collection(named: collection), analyzer.space?.embedding.name)
    }

    /// A search engine over the collection as it is now, all of it in memory.
    public func engine(collection: String, network: EfficientNetLite, whiten: Int? = nil) throws -> SearchEngine {
        try SearchEngine(store: store, collection: collection, network: network, classSet: classSet, whiten: whiten)
    }

    /// Whether the collection's queries run in the database: the store is PostgreSQL and the collection has an HNSW index.
    public func searchesInDatabase(_ collection: String) throws -> Bool {
        guard let version = try store.collectionVersion(named: collection) else { throw CatalogError.notFound(kind: .collection, name: collection) }
        return try searchesInDatabase(collectionID: version.id)
    }

    /// The same for the collection with this id (a server asks on every query, holding the id already).
    public func searchesInDatabase(collectionID id: Int64) throws -> Bool {
        guard let store = store as? any DatabaseSearchStore else { return false }
        return try !store.nearestNeighbourIndexes(ofCollection: id).isEmpty
    }

    /// The engine queries use: in the database where `searchesInDatabase`, unless `inMemory` (facets, whitening) asks for the photos in memory.
    public func queryEngine(collection: String, network: EfficientNetLite, whiten: Int? = nil, inMemory: Bool = false) throws -> SearchEngine {
        guard !inMemory, whiten == nil, let store = store as? any Store & DatabaseSearchStore, try searchesInDatabase(collection) else {
            return try engine(collection: collection, network: network, whiten: whiten)
        }
        return try SearchEngine.inDatabase(store: store, collection: collection, network: network, classSet: classSet)
    }

    /// The `k` best images for the query under `ranking`, or in `facets` (the query route's code with one example).
    public func search(_ query: CollectionQuery, in engine: SearchEngine, ranking: Ranking, k: Int, facets: FacetChoice? = nil) throws -> SearchOutcome {
        let example: QueryExample
        switch query {
        case let .photo(data, _): example = .upload(data)
        case let .concept(reference): example = .concept(reference)
        case let .text(text): example = .text(text)
        }
        let answer = try self.query(try QueryRequest.single(example, ranking: ranking, k: k, facets: facets), in: engine)
        return SearchOutcome(hits: answer.hits, unknownWords: answer.unknownWords, ranking: answer.rankingName)
    }

    /// Builds the collection's HNSW indexes: on its descriptors, and on its semantic vectors when it has an embedding.
    /// Searches of the collection then run in the database (`queryEngine`).
    public func buildIndexes(collection: String, m: Int = 16, efConstruction: Int = 64, memoryMB: Int = 2_048) throws -> [NearestNeighbourIndex] {
        let (store, info) = (try databaseSearchStore(), try self.store.collection(named: collection))
        let vectors: [IndexedVector] = info.embedding == nil ? [.descriptor] : [.descriptor, .embedding]
        return try vectors.map { try store.buildNearestNeighbourIndex(of: info, on: $0, m: m, efConstruction: efConstruction, memoryMB: memoryMB) }
    }

    /// The collection's HNSW indexes.
    public func indexes(collection: String) throws -> [NearestNeighbourIndex] {
        try databaseSearchStore().nearestNeighbourIndexes(ofCollection: try store.collection(named: collection).id)
    }

    /// Drops the collection's HNSW indexes: its searches go back to exact ones in memory.
    public func dropIndexes(collection: String) throws {
        try databaseSearchStore().dropNearestNeighbourIndexes(of: try store.collection(named: collection))
    }

    /// The store as one that searches in the database, or the error that says it cannot.
    private func databaseSearchStore() throws -> any DatabaseSearchStore {
        guard let searching = store as? any DatabaseSearchStore else { throw DatabaseSearchError.notSupported(store: "this SQLite store") }
        return searching
    }

    /// One page of a query with several examples, filters and feedback.
    /// In the database when the engine searches there.
    public func query(_ request: QueryRequest, in engine: SearchEngine) throws -> QueryAnswer {
        if engine.searchesInDatabase, let store = store as? any Store & DatabaseSearchStore {
            return try engine.answerInDatabase(request, store: store, efSearch: efSearch)
        }
        return try engine.answer(try engine.resolve(request, store: store))
    }

    /// Display names of the network's classes by key.
    public func classNames() throws -> [String: String] {
        Dictionary(try store.classMembers(of: classSet).map { ($0.key, $0.label) }, uniquingKeysWith: { first, _ in first })
    }
}
