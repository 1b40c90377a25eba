import Foundation
import Synchronization
import TaxonModel
import TaxonVision

/// Search inside the database (PostgreSQL + pgvector): HNSW indexes find candidates, the filters run there as
/// joins on the concept closure, and only the candidates come into memory, where the query is answered by the
/// same code as an exact search — so their scores, semantic-first levels and explanations are the same.
/// What is approximate is only which photos become candidates.
extension SearchEngine {
    /// How many candidates each scan asks for at least, and the HNSW candidate list (pgvector's ef_search) it
    /// uses, when none is given: 100, and 200 from 500,000 photos. At a million photos 100 held 94 % of the
    /// exact semantic top 10 and 200 held 96.6 % (docs/BENCHMARKS.md); at 100,000, 100 already held 99.8 %.
    public static func defaultEFSearch(photos: Int) -> Int { photos >= 500_000 ? 200 : 100 }
    /// When no more photos than this pass the filters, the scans score them all, exactly, in the database:
    /// an HNSW scan would visit about k / (their share) photos, and pgvector stops a filtered scan at 20,000.
    public static let exactScanLimit = 20_000
    /// With more positives than this, one scan per side takes their mean instead of one scan each.
    static let maxScannedExamples = 4

    /// An engine that searches the collection in the database: the network, semantic space and hierarchy in
    /// memory, none of the photos. Stores the concept closure of the collection's embedding when it lacks it.
    public static func inDatabase(store: any Store & DatabaseSearchStore, collection name: String, network: EfficientNetLite,
                                  classSet: String = "ilsvrc2012") throws -> SearchEngine {
        let info = try store.collection(named: name)
        var engine = try SearchEngine(store: store, index: CollectionIndex(info: info, records: []), whitening: nil, network: network, classSet: classSet)
        engine.searchesInDatabase = true
        if let tree = engine.tree, let embedding = info.embedding, try !store.hasConceptClosure(embedding: embedding) {
            try store.storeConceptClosure(embedding: embedding, pairs: tree.closure())
        }
        return engine
    }

    /// One page of results, found in the database and ranked exactly in memory. Facets other than the
    /// object's need the whole collection in memory (`SearchEngine(store:collection:…)`).
    /// `efSearch`: pgvector's HNSW candidate list; nil takes `defaultEFSearch(photos:)` of the collection.
    public func answerInDatabase(_ request: QueryRequest, store: any Store & DatabaseSearchStore, efSearch: Int? = nil) throws -> QueryAnswer {
        guard request.facets == nil else { throw QueryError.badField("facets", "facets are searched in memory, not in the database") }
        let info = index.info
        let efSearch = efSearch ?? Self.defaultEFSearch(photos: info.images)
        // The examples' own photos first: resolving needs their vectors, and they are never results.
        let exampleIDs = (request.positive + request.negative).compactMap { example -> Int64? in
            if case let .image(id) = example { return id } else { return nil }
        }
        let exampleRecords = try store.images(in: info, ids: exampleIDs)
        let examples = restricted(to: CollectionIndex(info: info, records: exampleRecords))
        let query = try examples.resolve(request, store: store)
        let filter = examples.imageFilter(query, excluding: exampleIDs)
        let total = try count(filter, store: store)
        if query.offset > 0 && query.offset >= total {
            throw QueryError.badField("offset", "\(query.offset) is past the end: \(total) result(s) match")
        }

        let k = max(efSearch, query.offset + query.limit + 1)
        var candidates = Set<Int64>()
        for (vector, point) in try examples.scans(query) {
            candidates.formUnion(try store.nearestImages(in: info, on: vector, to: point, k: k, efSearch: min(efSearch, k), filter: filter,
                                                         exact: total <= Self.exactScanLimit))
        }
        let ranking = try query.ranking.withLevelWidth(levelWidth)
        guard candidates.count > query.offset else {
            // Nothing (more) passes the filters, or the scans found too few: an empty page, as an exact search answers it.
            return QueryAnswer(hits: [], total: total, more: false,
                               meaning: generalisation(positives: query.positives, negatives: query.negatives).map(meaning),
                               ranking: ranking, unknownWords: query.unknownWords)
        }
        // The scans never return the examples (the filter excludes them): their records are the ones read above.
        let photos = (try store.images(in: info, ids: Array(candidates)) + exampleRecords).sorted { $0.id < $1.id }
        let found = restricted(to: CollectionIndex(info: info, records: photos))
        var moved = query
        // The examples' rows in the candidates' index.
        func moving(_ example: ExampleVectors) -> ExampleVectors {
            var example = example
            example.row = example.row.map { found.rowByID[examples.index.ids[$0]]! }
            return example
        }
        (moved.positives, moved.negatives) = (query.positives.map(moving), query.negatives.map(moving))
        let answer = try found.answer(moved)
        return QueryAnswer(hits: answer.hits, total: total, more: total > query.offset + answer.hits.count, meaning: answer.meaning,
                           ranking: answer.ranking, unknownWords: answer.unknownWords)
    }

    /// How many photos pass the filter: the count without the examples is kept for the engine's life (a write
    /// makes a new engine), as counting a million rows takes longer than the rest of a query; the examples
    /// that pass are counted apart, by id.
    func count(_ filter: ImageFilter, store: any DatabaseSearchStore) throws -> Int {
        var general = filter
        general.excludedIDs = []
        let all = try filterCounts.count(general) { try store.countImages(in: index.info, filter: general) }
        guard !filter.excludedIDs.isEmpty else { return all }
        general.ids = filter.excludedIDs
        return all - (try store.countImages(in: index.info, filter: general))
    }

    /// The query's filters as the database applies them: concepts by key (`min_similarity` as the concepts
    /// similar enough to the examples' generalisation), tags, and the examples' own photos.
    func imageFilter(_ query: ResolvedQuery, excluding ids: [Int64]) -> ImageFilter {
        var filter = ImageFilter(embedding: index.info.embedding)
        if let tree {
            let keys = tree.taxonomy.keys
            (filter.within, filter.exclude) = (query.within.map { keys[$0] }, query.exclude.map { keys[$0] })
            if let minimum = query.minSimilarity, let meaning = generalisation(positives: query.positives, negatives: query.negatives) {
                filter.concepts = keys.indices.filter { tree.similarity(meaning.concept, $0) >= minimum - 1e-12 }.map { keys[$0] }
            }
        }
        (filter.tags, filter.excludedIDs) = (query.tags, ids)
        return filter
    }

    /// The vectors to scan the indexes with: the semantic vector where the ranking uses it, the descriptor where
    /// the ranking (or semantic-first's order inside a level) does; each positive's, or their mean when many.
    func scans(_ query: ResolvedQuery) throws -> [(IndexedVector, [Float])] {
        let ranking = try query.ranking.withLevelWidth(levelWidth)
        var sides: [(IndexedVector, (ExampleVectors) -> [Float]?)] = []
        if ranking != .visual { sides.append((.embedding, \.embedding)) }
        if ranking.kind != .semantic { sides.append((.descriptor, \.descriptor)) }
        return sides.flatMap { vector, side -> [(IndexedVector, [Float])] in
            let points = query.positives.compactMap(side)
            guard points.count > Self.maxScannedExamples else { return points.map { (vector, $0) } }
            var mean = [Float](repeating: 0, count: points[0].count)
            for point in points { for d in mean.indices { mean[d] += point[d] } }
            return [(vector, normalized(mean))]
        }
    }
}

/// Counts of the photos passing each filter, for one generation of a collection (an engine's life).
final class FilterCounts: Sendable {
    /// Distinct filters kept at most; past it the counts start afresh.
    static let capacity = 10_000
    private let counts = Mutex<[ImageFilter: Int]>([:])

    /// The filter's count, computed by `measure` the first time.
    func count(_ filter: ImageFilter, measure: () throws -> Int) throws -> Int {
        if let known = counts.withLock({ $0[filter] }) { return known }
        let measured = try measure()
        counts.withLock { known in
            if known.count >= Self.capacity { known.removeAll() }
            known[filter] = measured
        }
        return measured
    }
}
