/// The storage protocols: what the library needs from a store, split by
/// concern. No SQL, no driver types and no transactions cross them; each
/// method is one consistent step (a write is atomic: all of it or nothing).
/// SQLite (`TaxonStore.SQLiteStore`) is one conformance; another backend
/// implements the same protocols and every caller works unchanged.

/// Taxonomies and their concepts, words and edges.
public protocol TaxonomyReader: AnyObject {
    /// Every taxonomy with its concept and edge counts.
    func taxonomies() throws -> [TaxonomyInfo]
    /// The taxonomy of that name; with nil, `wordnet` or the only one there is.
    func taxonomy(named name: String?) throws -> TaxonomyInfo
    /// The concepts and is-a edges the in-memory taxonomy is built from.
    func taxonomicGraph(of taxonomy: TaxonomyInfo) throws -> TaxonomicGraph
    func concept(id: Int64) throws -> Concept?
    /// The concept id of each key in one taxonomy, nil where the key is unknown.
    func conceptIDs(keys: [String], in taxonomy: TaxonomyInfo) throws -> [Int64?]
    /// Every concept `reference` can mean, best match first: an exact key, then
    /// a `word.pos.NN` sense name, then every sense of a word.
    func candidates(for reference: String, in taxonomy: TaxonomyInfo) throws -> [Concept]
    /// Concepts with a word starting with `prefix` (folded like lemmas), for
    /// completing what a person types: whole-word matches first, then shorter
    /// words, nouns before other parts of speech, frequent senses first.
    func completions(of prefix: String, in taxonomy: TaxonomyInfo, limit: Int) throws -> [(word: String, concept: Concept)]
    func lemmas(of concept: Concept) throws -> [Lemma]
    /// Edges leaving the concept.
    func outgoing(from concept: Concept) throws -> [Relation]
    /// Edges of the named relations arriving at the concept.
    func incoming(to concept: Concept, relations names: [String]) throws -> [Relation]
    /// Every ancestor over is-a edges, nearest first.
    func ancestors(of concept: Concept) throws -> [Ancestor]
    /// Every concept, word and edge of the taxonomy's own, for copying it whole.
    func rows(of taxonomy: TaxonomyInfo) throws -> TaxonomyRows
}

extension TaxonomyReader {
    /// The one concept `reference` names; a bare word with several senses is
    /// resolved or refused according to `choice`.
    public func resolve(_ reference: String, in taxonomy: TaxonomyInfo, choice: SenseChoice = .first) throws -> Concept {
        let found = try candidates(for: reference, in: taxonomy)
        guard let first = found.first else { throw ReferenceError.unknown(reference: reference, taxonomy: taxonomy.name) }
        if found.count > 1, choice == .requireUnique { throw ReferenceError.ambiguous(reference: reference, candidates: found) }
        return first
    }

    /// Everything about one concept: words, parents, children and other relations.
    public func details(of concept: Concept) throws -> ConceptDetails {
        let outgoing = try self.outgoing(from: concept)
        let upward = Set(Relations.taxonomic), downward: Set = [Relations.hyponym, Relations.instanceHyponym]
        return ConceptDetails(
            concept: concept, lemmas: try lemmas(of: concept),
            parents: outgoing.filter { upward.contains($0.relation) },
            children: try incoming(to: concept, relations: Relations.taxonomic),
            relations: outgoing.filter { !upward.contains($0.relation) && !downward.contains($0.relation) })
    }
}

/// Ordered class sets over the concepts of one taxonomy.
public protocol ClassSetStore: AnyObject {
    func classSets() throws -> [ClassSetInfo]
    func classSet(named name: String) throws -> ClassSetInfo
    /// The members in class-index order.
    func classMembers(of classSet: String) throws -> [Concept]
    /// Stores an ordered class set over concepts of one taxonomy.
    func writeClassSet(name: String, taxonomyID: Int64, source: String, concepts: [Int64], replace: Bool) throws
}

/// Word-vector sets.
public protocol VectorSetReader: AnyObject {
    func vectorSets() throws -> [VectorSetInfo]
    /// The vectors of those tokens the set has (exact, case-sensitive match).
    func vectors(for tokens: some Sequence<String>, in set: VectorSetInfo) throws -> [String: [Float]]
    /// Every token of the set, sorted by their UTF-8 bytes.
    func tokens(in set: VectorSetInfo) throws -> [String]
}

extension VectorSetReader {
    /// The vector set of that name, or `CatalogError.notFound`.
    public func vectorSet(named name: String) throws -> VectorSetInfo {
        guard let found = try vectorSets().first(where: { $0.name == name }) else { throw CatalogError.notFound(kind: .vectorSet, name: name) }
        return found
    }
}

/// Class embeddings: one row per class of a class set.
public protocol EmbeddingStore: AnyObject {
    func embeddings() throws -> [EmbeddingInfo]
    /// An embedding's description and its rows (row-major, class-index order).
    func embedding(named name: String) throws -> (info: EmbeddingInfo, values: [Double])
    /// Stores `values` (row-major, class-index order) atomically.
    func writeEmbedding(name: String, classSet: String, method: String, parameters: [String: String], dims: Int,
                        values: [Double], replace: Bool) throws
    /// Stores a class set of `concepts` and an embedding of them under one name, atomically.
    func writeClassSetAndEmbedding(name: String, taxonomyID: Int64, source: String, concepts: [Int64], method: String,
                                   parameters: [String: String], dims: Int, values: [Double], replace: Bool) throws
}

extension EmbeddingStore {
    /// An embedding's description alone.
    public func embeddingInfo(named name: String) throws -> EmbeddingInfo {
        guard let info = try embeddings().first(where: { $0.name == name }) else { throw CatalogError.notFound(kind: .embedding, name: name) }
        return info
    }
}

extension EmbeddingStore where Self: ClassSetStore {
    /// An embedding's rows keyed by their class's key (wnid), for lookups by class rather than by position.
    public func embeddingRowsByKey(named name: String) throws -> (info: EmbeddingInfo, rows: [String: [Double]]) {
        let (info, values) = try embedding(named: name)
        var rows: [String: [Double]] = [:]
        for (index, member) in try classMembers(of: info.classSet).enumerated() where rows[member.key] == nil {
            rows[member.key] = Array(values[(index * info.dims)..<((index + 1) * info.dims)])
        }
        return (info, rows)
    }
}

/// Learned image-to-embedding mappers.
public protocol MapperStore: AnyObject {
    func mappers() throws -> [MapperInfo]
    /// The mapper and its values: weights (outputs × inputs, row-major) then bias (outputs).
    func mapper(named name: String) throws -> (info: MapperInfo, values: [Double])
    func writeMapper(name: String, embedding: String, parameters: [String: String], inputs: Int, outputs: Int,
                     values: [Double], replace: Bool) throws
}

/// Image collections and their images' vectors.
public protocol CollectionStore: AnyObject {
    func collections() throws -> [CollectionInfo]
    /// The collection's id and generation (a collection made again under its name has a new id), nil when there is none.
    func collectionVersion(named name: String) throws -> (id: Int64, generation: Int64)?
    /// The collection, created when missing (emptied first with `replace`);
    /// an existing one must have the same folder and descriptor.
    func openCollection(name: String, root: String, descriptor: String, embedding: String?, mapper: String?, replace: Bool) throws -> CollectionInfo
    /// Its images in id order; without `vectors`, descriptors and embeddings are left empty. Never the style descriptors: see `styles`.
    func images(in collection: CollectionInfo, vectors: Bool) throws -> [ImageRecord]
    /// One image and the name of its collection.
    func image(id: Int64) throws -> (collection: String, image: ImageRecord)?
    /// The ids of the images at these paths (paths it lacks are left out).
    func imageIDs(in collection: CollectionInfo, paths: [String]) throws -> [String: Int64]
    /// Sets an image's label and (unless nil) its tags; bumps the generation. False when the collection has no such image.
    func annotateImage(_ id: Int64, in collection: CollectionInfo, label: LabelChange, tags: [String]?) throws -> Bool
    /// Inserts or updates `records` (by path) and removes `removing`, atomically; bumps the generation.
    /// An update keeps the stored label and tags unless the record brings its own.
    func updateImages(of collection: CollectionInfo, upserting records: [ImageRecord], removing: [Int64]) throws
    func imagesLackingEmbedding(in collection: CollectionInfo) throws -> [(id: Int64, topClasses: [ClassProbability])]
    func setEmbeddings(of collection: CollectionInfo, _ vectors: [(id: Int64, embedding: [Float])]) throws
    /// Removes the collection and its image records (never files).
    func deleteCollection(named name: String) throws
    /// The paths of images stored without a style or colour descriptor (indexed before they existed).
    func pathsLackingFacets(in collection: CollectionInfo) throws -> Set<String>
    /// The images' style descriptors in id order, `batch` at a time (nil where an image has none): read so, a
    /// collection's are projected without all being in memory at once.
    func styles(in collection: CollectionInfo, batch: Int, _ body: ([[Float]?]) throws -> Void) throws
    /// How many images have a style descriptor, and up to `limit` of them spread evenly over the id order.
    func styleSample(of collection: CollectionInfo, limit: Int) throws -> (count: Int, sample: [[Float]])
    /// The collection's style PCA, nil before one is learned.
    func styleProjection(of collection: CollectionInfo) throws -> StyleProjection?
    /// Replaces the collection's style PCA and bumps its generation.
    func setStyleProjection(_ projection: StyleProjection, of collection: CollectionInfo) throws
}

extension CollectionStore {
    /// The collection of that name, or `CatalogError.notFound`.
    public func collection(named name: String) throws -> CollectionInfo {
        guard let info = try collections().first(where: { $0.name == name }) else { throw CatalogError.notFound(kind: .collection, name: name) }
        return info
    }

    /// Its images with their vectors.
    public func images(in collection: CollectionInfo) throws -> [ImageRecord] { try images(in: collection, vectors: true) }

    /// Inserts or updates `records` (by path), removing none.
    public func updateImages(of collection: CollectionInfo, upserting records: [ImageRecord]) throws {
        try updateImages(of: collection, upserting: records, removing: [])
    }
}

/// What the store is and what names it holds.
public protocol CatalogStore: AnyObject {
    /// Where the store is, as a person would name it (a file path, a URL without its password).
    var location: String { get }
    /// The schema version of the store.
    var schemaVersion: Int { get throws }
    /// True when an entry of that kind and name exists.
    func contains(_ kind: CatalogKind, named name: String) throws -> Bool
    /// Deletes the entry of `kind` named `name` and what depends on it (a taxonomy's extensions, class sets,
    /// embeddings and mappers …), in one transaction; refuses a mapper a collection uses.
    func delete(_ kind: CatalogKind, named name: String) throws
    func contentDigest() throws -> ContentDigest
}

extension CatalogStore {
    /// Throws unless `name` is valid and free (or `replace` allows taking it).
    public func checkNameIsFree(_ name: String, kind: CatalogKind, replace: Bool) throws {
        try validateName(name, kind: kind)
        if !replace, try contains(kind, named: name) { throw CatalogError.exists(kind: kind, name: name) }
    }
}

/// Writes one taxonomy's concepts, words and edges during an import.
public protocol TaxonomyWriting: AnyObject {
    var taxonomyID: Int64 { get }
    /// Adds a concept and returns its id.
    func addConcept(key: String, name: String?, pos: String?, lexname: String?, gloss: String?) throws -> Int64
    /// Adds the word at 1-based `position` of a concept; `folded` is `foldLemma(word)`,
    /// which a bulk importer may compute ahead on other cores.
    func addLemma(concept: Int64, position: Int, word: String, folded: String?, senseNumber: Int?) throws
    /// Adds a typed edge; word positions are 0 for a relation between concepts.
    func addEdge(from source: Int64, _ relation: String, to target: Int64, sourceWord: Int, targetWord: Int) throws
}

extension TaxonomyWriting {
    /// Adds a word, folded here.
    public func addLemma(concept: Int64, position: Int, word: String, senseNumber: Int?) throws {
        try addLemma(concept: concept, position: position, word: word, folded: nil, senseNumber: senseNumber)
    }

    /// Adds a relation between two concepts (no word positions).
    public func addEdge(from source: Int64, _ relation: String, to target: Int64) throws {
        try addEdge(from: source, relation, to: target, sourceWord: 0, targetWord: 0)
    }
}

/// Writes one word-vector set during an import.
public protocol VectorSetWriting: AnyObject {
    /// Adds one token's vector.
    func add(token: String, vector: UnsafeBufferPointer<Float>) throws
}

/// Bulk imports: everything written inside `importing` is one transaction.
public protocol ImportStore: AnyObject {
    /// Runs `body` atomically: when it throws, the store is exactly as it was.
    func importing<T>(_ body: () throws -> T) throws -> T
    /// A writer for a new taxonomy (replacing one of that name if `replace`), extending `base` if given; use inside `importing`.
    func taxonomyWriter(name: String, kind: TaxonomyKind, source: String, base: TaxonomyInfo?, replace: Bool) throws -> any TaxonomyWriting
    /// A writer for a new vector set; use inside `importing`.
    func vectorSetWriter(name: String, dims: Int, count: Int, format: String, source: String, replace: Bool) throws -> any VectorSetWriting
}

extension ImportStore {
    /// A writer for a new taxonomy of its own (no base).
    public func taxonomyWriter(name: String, kind: TaxonomyKind, source: String, replace: Bool) throws -> any TaxonomyWriting {
        try taxonomyWriter(name: name, kind: kind, source: source, base: nil, replace: replace)
    }
}

/// Image features kept per photo content and network, so training reads them instead of running the network.
public protocol FeatureCacheStore: AnyObject {
    /// The cached features of those photo hashes that have one, for one network (and feature kind).
    func cachedFeatures(network: String, hashes: [String]) throws -> [String: [Float]]
    /// Stores features by photo hash (replacing any of the same network and hash), in one transaction.
    func cacheFeatures(network: String, _ features: [(sha256: String, feature: [Float])]) throws
    /// Every cached (network, photo hash) pair, sorted.
    func cachedFeatureKeys() throws -> [(network: String, sha256: String)]
}

/// Indexing shared by several workers, on one machine or many: each photo of a folder is a job that one
/// worker claims for a while, analyses and completes. A worker that dies leaves claims that lapse and are
/// taken again; a result is written only while its worker still holds the claim, so no photo is written twice.
public protocol IndexJobStore: AnyObject {
    /// Queues a job for each path not queued yet. When no job of the collection is pending or claimed, the
    /// finished ones are cleared first: a new round starts.
    func queueIndexJobs(in collection: CollectionInfo, paths: [String]) throws
    /// Claims up to `limit` jobs that are pending or whose claim has lapsed, for `lease` seconds; their paths.
    func claimIndexJobs(in collection: CollectionInfo, worker: String, limit: Int, lease: Double) throws -> [String]
    /// In one transaction: writes the records of the jobs `worker` still holds and marks those jobs (and the
    /// held ones among `finished`, photos needing no record) done. The paths it accepted.
    func completeIndexJobs(in collection: CollectionInfo, worker: String, records: [ImageRecord], finished: [String]) throws -> Set<String>
    /// How many of the collection's jobs are not done (pending, or claimed by a worker that may have died).
    func openIndexJobs(in collection: CollectionInfo) throws -> Int
}

/// API keys: only their tokens' hashes.
public protocol KeyStore: AnyObject {
    /// Every key, revoked ones too, by name.
    func apiKeys() throws -> [APIKey]
    /// Stores a new key; its name must be free.
    func insertAPIKey(name: String, tokenHash: String, scope: KeyScope, collection: String?) throws -> APIKey
    /// Marks the key revoked (revoking twice keeps the first time).
    func revokeAPIKey(named name: String) throws -> APIKey
    /// Stores a key copied from another store as it was there (its times too); its name must be free.
    func restoreAPIKey(_ key: APIKey) throws
}

/// Everything the library needs from a store.
public typealias Store = CatalogStore & TaxonomyReader & ClassSetStore & VectorSetReader & EmbeddingStore & MapperStore
    & CollectionStore & ImportStore & KeyStore & FeatureCacheStore & IndexJobStore

/// Search inside the database (PostgreSQL with pgvector): approximate nearest neighbours from HNSW indexes,
/// with taxonomy filters as joins on a concept closure table. The caller re-ranks the candidates exactly.
public protocol DatabaseSearchStore: AnyObject {
    /// The HNSW indexes of the collection with this id (an id, not a `CollectionInfo`: servers ask on every
    /// query, and a collection's info counts its images).
    func nearestNeighbourIndexes(ofCollection id: Int64) throws -> [NearestNeighbourIndex]
    /// Builds (or rebuilds with new parameters) an HNSW index on one of the collection's vectors, with up to
    /// `memoryMB` of memory for the graph (a graph that outgrows it is built far more slowly, on disk).
    func buildNearestNeighbourIndex(of collection: CollectionInfo, on vector: IndexedVector, m: Int, efConstruction: Int,
                                    memoryMB: Int) throws -> NearestNeighbourIndex
    /// Drops the collection's HNSW indexes; searches go back to exact ones.
    func dropNearestNeighbourIndexes(of collection: CollectionInfo) throws
    /// Whether the closure of the embedding's concept hierarchy is stored.
    func hasConceptClosure(embedding: String) throws -> Bool
    /// Stores the closure: every (ancestor, concept) pair, each concept its own ancestor too. Writing it again is harmless.
    func storeConceptClosure(embedding: String, pairs: [(ancestor: String, concept: String)]) throws
    /// Up to `k` images passing `filter`, nearest `query` (a unit vector) by inner product as the index finds them
    /// (`efSearch`: the HNSW candidate list; filtered scans go on until `k` pass or the scan limit is reached),
    /// or with `exact` by scoring every image that passes, without the index.
    func nearestImages(in collection: CollectionInfo, on vector: IndexedVector, to query: [Float], k: Int, efSearch: Int,
                       filter: ImageFilter, exact: Bool) throws -> [Int64]
    /// How many images pass `filter`.
    func countImages(in collection: CollectionInfo, filter: ImageFilter) throws -> Int
    /// These images of the collection with their vectors, in id order (ids it lacks are left out).
    func images(in collection: CollectionInfo, ids: [Int64]) throws -> [ImageRecord]
}

/// The two vectors of an image that HNSW indexes can search.
public enum IndexedVector: String, Sendable, CaseIterable, Codable {
    case descriptor, embedding
}

/// One HNSW index of a collection and its build parameters.
public struct NearestNeighbourIndex: Sendable, Equatable, Codable {
    /// The largest candidate list a scan takes (pgvector's limit on `hnsw.ef_search`).
    public static let maxEFSearch = 1_000

    public let vector: IndexedVector
    public let dims: Int
    public let m: Int
    public let efConstruction: Int

    /// An index's description from its parts.
    public init(vector: IndexedVector, dims: Int, m: Int, efConstruction: Int) {
        (self.vector, self.dims, self.m, self.efConstruction) = (vector, dims, m, efConstruction)
    }
}

/// Which images a search inside the database may return. Concepts are keys: an image's concept is its label,
/// else its most probable class; `within` and `exclude` name ancestors in the closure of `embedding`'s hierarchy.
public struct ImageFilter: Sendable, Hashable {
    /// The embedding whose concept closure the concept filters join on.
    public var embedding: String?
    /// Only images whose concept lies under one of these (empty: no such filter).
    public var within: [String] = []
    /// No image whose concept lies under one of these.
    public var exclude: [String] = []
    /// Only images whose concept is one of these (nil: no such filter); `min_similarity` becomes this list.
    public var concepts: [String]?
    /// Only images with every one of these tags.
    public var tags: [String] = []
    /// Never these images (the query's examples).
    public var excludedIDs: [Int64] = []
    /// Only these images (nil: any).
    public var ids: [Int64]?

    /// No filter but the concepts' hierarchy, `embedding`'s, for the concept filters to be added.
    public init(embedding: String?) { self.embedding = embedding }

    /// Whether any concept filter applies: then an image whose concept is outside the hierarchy never passes.
    public var filtersConcepts: Bool { !within.isEmpty || !exclude.isEmpty || concepts != nil }
}
