import Foundation
import Synchronization
import TaxonCore
import TaxonSearch
import TaxonStore
import TaxonVision

/// What the HTTP API serves from: the store (a pool of connections, one per
/// request at a time), the default taxonomy in memory for similarity, the
/// network for photo queries, and each searched collection in memory
/// (reloaded when its generation moves, e.g. while `taxon index` writes).
public final class TaxonService: Sendable {
    public struct Limits: Sendable {
        /// Request bodies (uploaded photos, batch similarity) up to this many bytes.
        public var maxBody = 20 * 1024 * 1024
        public var maxK = CollectionIndex.maxK
        public var maxPairs = 10_000
        public var maxQueryLength = 1_000
        public init() {}
    }

    public let storePath: String
    public let limits: Limits
    let similarity: Similarity
    /// NLTK-style names of the similarity taxonomy's nodes: the common references resolve without SQL.
    let nodesByName: [String: Int]
    let network: EfficientNetLite0?
    let classSet: String
    private let pool = StorePool()
    private let engines: Mutex<[String: SearchEngine]> = Mutex([:])

    /// `weights`: the network's safetensors (photo search needs them);
    /// `informationContent`: a .dat file or "intrinsic", for res/jcn/lin.
    public init(storePath: String, weights: String?, informationContent: String? = nil, classSet: String = "ilsvrc2012",
                limits: Limits = Limits()) throws {
        guard FileManager.default.fileExists(atPath: storePath) else { throw APIError.internal("no store at \(storePath)") }
        self.storePath = storePath
        self.limits = limits
        self.classSet = classSet
        let store = try Store(path: storePath)
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: nil))
        let content = try informationContent.map {
            $0 == "intrinsic" ? InformationContent.intrinsic(for: taxonomy) : try InformationContent.load(file: $0, for: taxonomy)
        }
        similarity = Similarity(taxonomy: taxonomy, informationContent: content)
        nodesByName = Dictionary(taxonomy.names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        network = try weights.flatMap { FileManager.default.fileExists(atPath: $0) ? try EfficientNetLite0(weights: try SafeTensors(path: $0)) : nil }
        pool.giveBack(store)
    }

    /// The similarity taxonomy's node for a reference: a key or NLTK-style name
    /// in memory, anything else (a word, another lemma's sense name) through the store.
    func node(for reference: String, store: Store) throws -> Int {
        if let node = similarity.taxonomy.node(forKey: reference) ?? nodesByName[reference] { return node }
        return try similarity.taxonomy.node(for: reference, in: store)
    }

    /// Runs `body` with a connection of its own (opened when none is idle).
    func withStore<T>(_ body: (Store) throws -> T) throws -> T {
        let store = try pool.take() ?? Store(path: storePath)
        defer { pool.giveBack(store) }
        return try body(store)
    }

    /// The collection's search engine (with its descriptors whitened to `whiten`
    /// dimensions if asked), rebuilt when the store holds a newer generation.
    func engine(for collection: String, whiten: Int?, store: Store) throws -> SearchEngine {
        guard let generation = try store.collectionGeneration(named: collection) else {
            throw CatalogError.notFound(kind: .collection, name: collection)
        }
        let key = whiten.map { "\(collection) whitened \($0)" } ?? collection
        if let cached = engines.withLock({ $0[key] }), cached.index.info.generation == generation { return cached }
        guard let network else { throw APIError.unavailable("image search needs the network's weights (scripts/setup.sh)") }
        let engine = try SearchEngine(store: store, collection: collection, network: network, classSet: classSet, whiten: whiten)
        engines.withLock { $0[key] = engine }
        return engine
    }
}

/// Idle store connections. A connection is used by one request at a time:
/// taken out under the lock, given back after.
private final class StorePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [Store] = []

    func take() -> Store? { lock.withLock { idle.popLast() } }
    func giveBack(_ store: Store) { lock.withLock { idle.append(store) } }
}
