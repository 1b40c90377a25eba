import Foundation
import NIOPosix
import Synchronization
import TaxonCore
import TaxonKit
import TaxonLinalg
import TaxonModel
import TaxonSearch
import TaxonVision

/// What the HTTP API serves from: store connections (one per request at a
/// time), the default taxonomy in memory for similarity, the network for photo
/// queries, and each searched collection in memory (reloaded when its
/// generation moves, e.g. while `taxon index` writes). Database, file and
/// network work runs on a thread pool of its own (`blocking`), never on the
/// cooperative threads that answer requests.
public final class TaxonService: Sendable {
    /// What one request may ask for; more answers 4xx naming the limit.
    public struct Limits: Sendable {
        /// Request bodies (uploaded photos, batch similarity) up to this many bytes.
        public var maxBody = 20 * 1024 * 1024
        public var maxK = CollectionIndex.maxK
        public var maxPairs = 10_000
        /// Bytes of one photo given inline (base64) as a query example, decoded.
        public var maxExampleUpload = 8 * 1024 * 1024
        /// Queries in one batch request.
        public var maxBatchQueries = 100
        /// Photos in one upload request.
        public var maxPhotosPerUpload = 64
        /// Bodies of upload requests (many photos as multipart parts) up to this many bytes.
        public var maxUploadBody = 256 * 1024 * 1024
        /// Bytes and pixels of one uploaded photo.
        public var photo = PhotoLimits()
        /// Requests a second per API key (a token bucket holding one second's worth); nil: no limit.
        public var keyRequestsPerSecond: Double?
        /// Query and path parameters up to this many characters (fixed: checked before a request reaches a service).
        public static let maxParameterLength = 1_000
        /// The defaults: 20 MiB bodies (256 MiB for uploads), k ≤ 1,000, 10,000 pairs, 8 MiB inline example photos, 100 queries a batch,
        /// 64 photos an upload, each at most 20 MiB and 64 megapixels.
        public init() {}
    }

    public let storePath: String
    public let limits: Limits
    /// Which requests need an API key.
    public let auth: AuthMode
    /// Where uploaded photos are kept (`taxon serve --data`; default: beside the store, `<store>-data`).
    public let dataFolder: String
    let rateLimiter: RateLimiter?
    /// The valid keys as last read, and when (revocations apply within a second).
    private let keys: Mutex<(ring: KeyRing, read: ContinuousClock.Instant)>
    let similarity: Similarity
    /// NLTK-style names of the similarity taxonomy's nodes: the common references resolve without the store.
    let nodesByName: [String: Int]
    let network: EfficientNetLite?
    let classSet: String
    /// pgvector's HNSW candidate list for searches in the database (`taxon serve --ef-search`); nil: by collection size.
    let efSearch: Int?
    let schemaVersion: Int
    private let pool = StorePool()
    /// Uploads' photo analyzers, kept between requests.
    let analyzers = AnalyzerCache()
    /// One idle-class helper per core: uploads' decoding and network passes take the cores searches leave.
    let uploadWorkers = BackgroundWorkers()
    private let engines: Mutex<[String: SearchEngine]> = Mutex([:])
    /// The collections' names as last read, and when: /healthz answers from here.
    private let collections: Mutex<(names: [String], read: ContinuousClock.Instant)>
    /// Runs blocking work; sized to the cores (at least 2), as the work is CPU and disk bound.
    private let threads: NIOThreadPool
    /// Runs uploads, two at a time: their network passes take turns on `uploadWorkers` group by group, so
    /// one upload's parsing and file writes overlap another's network pass; a queue of them never takes the
    /// threads searches are answered on.
    private let writeThreads = NIOThreadPool(numberOfThreads: 2)

    /// `weights`: the network's safetensors (photo search needs them);
    /// `informationContent`: a .dat file or "intrinsic", for res/jcn/lin.
    public init(storePath: String, weights: String?, informationContent: String? = nil, classSet: String = "ilsvrc2012",
                limits: Limits = Limits(), auth: AuthMode = .writes, dataFolder: String? = nil, efSearch: Int? = nil,
                threads: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) throws {
        let maxEF = NearestNeighbourIndex.maxEFSearch
        if let efSearch, !(1...maxEF).contains(efSearch) { throw ServiceError.invalid("ef_search must lie in 1...\(maxEF), got \(efSearch)") }
        self.efSearch = efSearch
        self.storePath = storePath
        self.limits = limits
        self.auth = auth
        self.dataFolder = absolutePath(dataFolder ?? CollectionCatalog.defaultDataFolder(store: storePath))
        rateLimiter = try limits.keyRequestsPerSecond.map { rate in
            guard rate > 0, rate.isFinite else { throw ServiceError.invalid("the rate limit must be a positive number of requests a second") }
            return RateLimiter(rate: rate)
        }
        self.classSet = classSet
        let store = try Stores.open(storePath)
        similarity = try SimilarityService(store: store).similarity(taxonomy: nil, informationContent: informationContent)
        nodesByName = Dictionary(similarity.taxonomy.names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        network = try weights.flatMap { FileManager.default.fileExists(atPath: $0) ? try VisionService.network(weights: $0) : nil }
        schemaVersion = try store.schemaVersion
        collections = Mutex((try store.collections().map(\.name), ContinuousClock.now))
        keys = Mutex((KeyRing(try store.apiKeys()), ContinuousClock.now))
        pool.giveBack(store)
        self.threads = NIOThreadPool(numberOfThreads: threads)
        self.threads.start()
        writeThreads.start()
    }

    deinit {
        threads.shutdownGracefully { _ in }
        writeThreads.shutdownGracefully { _ in }
    }

    /// Runs `body` on the service's thread pool with a store connection of its own.
    func blocking<T: Sendable>(_ body: @escaping @Sendable (any Store) throws -> T) async throws -> T {
        try await run(on: threads, body)
    }

    /// Runs an upload's `body` on a write thread (uploads queue there) with a store connection of its own.
    /// The thread is in the idle class too: its parsing, hashing and writing give way to searches as well.
    func uploading<T: Sendable>(_ body: @escaping @Sendable (any Store) throws -> T) async throws -> T {
        try await run(on: writeThreads) { store in
            BackgroundWorkers.enterIdleClass()
            return try body(store)
        }
    }

    private func run<T: Sendable>(on threads: NIOThreadPool, _ body: @escaping @Sendable (any Store) throws -> T) async throws -> T {
        try await threads.runIfActive { [pool, storePath] in
            let store = try pool.take() ?? Stores.open(storePath)
            defer { pool.giveBack(store) }
            return try body(store)
        }
    }

    /// The collections' names, at most about a second old: a stale list is
    /// returned at once and re-read on the pool in the background.
    func collectionNames() -> [String] {
        let (names, read) = collections.withLock { $0 }
        if ContinuousClock.now - read > .seconds(1) {
            collections.withLock { $0.read = ContinuousClock.now }  // one refresh at a time
            Task { [self] in
                if let fresh = try? await blocking({ try $0.collections().map(\.name) }) {
                    collections.withLock { $0 = (fresh, ContinuousClock.now) }
                }
            }
        }
        return names
    }

    /// The valid API keys, re-read from the store when the copy is over a second old: by the one request
    /// that finds it so (the others meanwhile use the copy they have), not by every request at that moment.
    func keyRing() async throws -> KeyRing {
        let (ring, stale) = keys.withLock { state -> (KeyRing, Bool) in
            let stale = ContinuousClock.now - state.read > .seconds(1)
            if stale { state.read = ContinuousClock.now }
            return (state.ring, stale)
        }
        guard stale else { return ring }
        let fresh = KeyRing(try await blocking { try $0.apiKeys() })
        keys.withLock { $0.ring = fresh }
        return fresh
    }

    /// The similarity taxonomy's node for a reference when it is a key or NLTK-style name (no store needed).
    func nodeInMemory(for reference: String) -> Int? {
        similarity.taxonomy.node(forKey: reference) ?? nodesByName[reference]
    }

    /// The collection's search engine: in the database when the collection has an HNSW index there (unless
    /// `inMemory`: facets), else the photos in memory (with their descriptors whitened to `whiten` dimensions
    /// if asked). Rebuilt when the store holds a newer generation, so servers sharing a database never serve a stale one.
    func engine(for collection: String, whiten: Int?, inMemory: Bool = false, store: any Store) throws -> SearchEngine {
        // Id and generation: a collection deleted and made again under its name starts its generations anew.
        guard let version = try store.collectionVersion(named: collection) else { throw CatalogError.notFound(kind: .collection, name: collection) }
        let collections = CollectionService(store: store, classSet: classSet)
        let inDatabase = try !inMemory && whiten == nil && collections.searchesInDatabase(collectionID: version.id)
        let key = whiten.map { "\(collection) whitened \($0)" } ?? (inDatabase ? "\(collection) in the database" : collection)
        if let cached = engines.withLock({ $0[key] }), cached.index.info.id == version.id, cached.index.info.generation == version.generation { return cached }
        guard let network else { throw ServiceError.unavailable("image search needs the network's weights (scripts/setup.sh)") }
        let engine = try inDatabase ? collections.queryEngine(collection: collection, network: network)
            : collections.engine(collection: collection, network: network, whiten: whiten)
        engines.withLock { $0[key] = engine }
        return engine
    }
}

/// Idle store connections. A connection is used by one request at a time:
/// taken out under the lock, given back after.
private final class StorePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [any Store] = []

    func take() -> (any Store)? { lock.withLock { idle.popLast() } }
    func giveBack(_ store: any Store) { lock.withLock { idle.append(store) } }
}
