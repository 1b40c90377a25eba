import Foundation
import TaxonLinalg
import TaxonModel
import TaxonSearch
import TaxonVision

/// Issue #19's search figures: a large collection grown from a real one, and search in the database measured
/// against the exact search of the same store.
extension Benchmarks {
    /// Grows `collection` of `source` into `name` in `target` (which must hold the collection's embedding):
    /// `count` photos, the n-th a copy of source photo n mod size with its descriptor and semantic vector
    /// jittered by seeded Gaussian noise (`noise` and `embeddingNoise`: the noise vector's expected length
    /// against the unit vector) and re-normalised. Classes and labels are kept, so concept filters mean what
    /// they mean on the real photos; style and colour are left out. Written `batch` photos a transaction.
    public static func replicate(from source: any Store, collection: String, into target: any Store, as name: String, count: Int,
                                 noise: Double, embeddingNoise: Double, seed: UInt64 = 19, batch: Int = 2_000,
                                 progress: (Int) -> Void = { _ in }) throws -> CollectionInfo {
        let info = try source.collection(named: collection)
        let photos = try source.images(in: info)
        guard !photos.isEmpty else { throw ServiceError.invalid("collection '\(collection)' has no photos to replicate") }
        let made = try target.openCollection(name: name, root: "/replicated/\(collection)", descriptor: info.descriptor, embedding: info.embedding,
                                             mapper: nil, replace: false)
        var random = SplitMix64(seed: seed)
        func jittered(_ vector: [Float], _ amount: Double) -> [Float] {
            let sigma = amount / Double(vector.count).squareRoot()
            return normalized(vector.map { $0 + Float(sigma * random.nextGaussian()) })
        }
        var written = 0
        while written < count {
            let records = (written..<min(count, written + batch)).map { n -> ImageRecord in
                let photo = photos[n % photos.count]
                return ImageRecord(path: "\(n)/\(photo.path)", sha256: photo.sha256, bytes: photo.bytes, width: photo.width, height: photo.height,
                                   topClasses: photo.topClasses, descriptor: jittered(photo.descriptor, noise),
                                   embedding: photo.embedding.map { jittered($0, embeddingNoise) }, label: photo.label, tags: photo.tags)
            }
            try target.updateImages(of: made, upserting: records)
            written += records.count
            progress(written)
        }
        return try target.collection(named: name)
    }

    /// Search in the database against exact search, on the same store and queries.
    public struct DatabaseSearchReport: Sendable {
        public let photos: Int
        public let queries: Int
        public let k: Int
        /// Whether the exact search scanned the database rather than memory.
        public let exactInDatabase: Bool
        /// The exact search's load (the whole collection into memory; the ids alone for scans in the database) in seconds.
        public let exactLoadSeconds: Double
        /// Milliseconds per query of the exact search, sorted.
        public let exactMilliseconds: [Double]
        /// Per ef_search: recall@k against the exact top k, and milliseconds per query sorted. With
        /// `exactInDatabase`, also `recallByScore`: the share of answers scoring at least the exact k-th score
        /// (less `tieTolerance`), which counts an equally close photo as found where ids alone would not.
        public let inDatabase: [(efSearch: Int, recall: Double, recallByScore: Double?, milliseconds: [Double])]
    }

    /// How far below the exact k-th score an answer may score and still count in `recallByScore`: float32 sums
    /// of a thousand products, made in a different order, differ by about this much.
    public static let tieTolerance = 1e-5

    /// `queries` photos of the collection (seeded) each asked for, under `ranking`, its `k` best others (`within`
    /// a concept, if given): exactly in memory, then in the database at each ef_search. Recall@k is the share of
    /// the exact top k the database's top k holds. With `exactInDatabase` (visual or semantic ranking, no
    /// filter) the exact top k comes from a scan of every photo in the database instead: a collection too
    /// large for this machine's memory beside the database's.
    public static func databaseSearch(store: any Store, collection: String, network: EfficientNetLite, classSet: String = "ilsvrc2012",
                                      ranking: Ranking, within: String?, queries: Int, k: Int, efSearch: [Int],
                                      exactInDatabase: Bool = false) throws -> DatabaseSearchReport {
        let service = CollectionService(store: store, classSet: classSet)
        guard try service.searchesInDatabase(collection), let searching = store as? any DatabaseSearchStore else {
            throw ServiceError.invalid("collection '\(collection)' has no HNSW index: taxon ann build")
        }
        let clock = ContinuousClock()
        func request(_ id: Int64) -> QueryRequest {
            var request = QueryRequest(positive: [.image(id)])
            (request.ranking, request.limit, request.within) = (ranking, k, within.map { [$0] } ?? [])
            return request
        }
        func timed(_ answer: () throws -> [Int64]) throws -> (ids: [Int64], milliseconds: Double) {
            var ids: [Int64] = []
            let elapsed = try clock.measure { ids = try answer() }
            return (ids, elapsed.inSeconds * 1000)
        }
        let info = try store.collection(named: collection)
        var exactEngine: SearchEngine?, all: [Int64] = []
        let loading = try clock.measure {
            if exactInDatabase { all = try store.images(in: info, vectors: false).map(\.id) } else {
                exactEngine = try service.engine(collection: collection, network: network)
                all = exactEngine!.index.ids
            }
        }
        var random = SplitMix64(seed: 7)
        let ids = (0..<queries).map { _ in all[Int(random.next() % UInt64(all.count))] }
        let side: IndexedVector = ranking == .visual ? .descriptor : .embedding
        func vector(_ record: ImageRecord) -> [Float] { side == .descriptor ? record.descriptor : record.embedding ?? [] }
        // With exact scans: each query's vector and the exact k-th score, to judge answers by score too.
        var kthScores: [(query: [Float], score: Double)] = []
        let truth = try ids.map { id in
            guard let exact = exactEngine else {
                guard within == nil, ranking == .visual || ranking == .semantic else {
                    throw ServiceError.invalid("an exact scan in the database ranks by one side (visual or semantic), without filters")
                }
                let example = vector(try searching.images(in: info, ids: [id])[0])
                var filter = ImageFilter(embedding: nil)
                filter.excludedIDs = [id]
                let answer = try timed { try searching.nearestImages(in: info, on: side, to: example, k: k, efSearch: 1, filter: filter, exact: true) }
                let scores = try searching.images(in: info, ids: answer.ids).map { innerProduct(example, vector($0)) }
                kthScores.append((example, scores.min() ?? -.infinity))
                return answer
            }
            return try timed { try service.query(request(id), in: exact).hits.map(\.id) }
        }
        let shell = try service.queryEngine(collection: collection, network: network)
        let rows = try efSearch.map { ef -> (Int, Double, Double?, [Double]) in
            let service = CollectionService(store: store, classSet: classSet, efSearch: ef)
            _ = try service.query(request(ids[0]), in: shell)  // warm: the index's pages into the cache
            var found = 0, foundByScore = 0, total = 0, times: [Double] = []
            for (n, (id, expected)) in zip(ids, truth).enumerated() {
                let answer = try timed { try service.query(request(id), in: shell).hits.map(\.id) }
                found += Set(expected.ids).intersection(answer.ids).count
                total += expected.ids.count
                times.append(answer.milliseconds)
                if n < kthScores.count {
                    let (query, kth) = kthScores[n]
                    foundByScore += min(expected.ids.count, try searching.images(in: info, ids: answer.ids)
                        .filter { innerProduct(query, vector($0)) >= kth - tieTolerance }.count)
                }
            }
            let share = { (hits: Int) in total == 0 ? 1 : Double(hits) / Double(total) }
            return (ef, share(found), kthScores.isEmpty ? nil : share(foundByScore), times.sorted())
        }
        return DatabaseSearchReport(photos: all.count, queries: queries, k: k, exactInDatabase: exactInDatabase, exactLoadSeconds: loading.inSeconds,
                                    exactMilliseconds: truth.map(\.milliseconds).sorted(), inDatabase: rows)
    }
}

/// The inner product in double precision: one arithmetic for the exact answers' scores and the database's.
private func innerProduct(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
