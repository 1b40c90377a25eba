import COpenBLAS
import CVisionKernels
import Foundation
import TaxonLinalg
import TaxonModel
import TaxonVision

/// A collection held in memory for exact k-NN: descriptors and semantic
/// vectors as contiguous row-major float32 matrices, scored by one sgemv each.
public struct CollectionIndex: Sendable {
    public let info: CollectionInfo
    public let ids: [Int64]
    public let paths: [String]
    /// Each image's most probable class (wnid).
    public let labels: [String?]
    /// Each image's given label (a concept key), nil where it has none.
    public let assignedLabels: [String?]
    /// Each image's tags.
    public let tags: [[String]]
    /// Every class key among the images' stored top classes.
    public let classVocabulary: [String]
    /// Each image's stored top classes: `topClassesPerImage` entries per image, indices into
    /// `classVocabulary` (−1 pads) and their probabilities. Compact: a million images hold 80 MB.
    public let topClassIDs: [Int32]
    public let topClassProbabilities: [Float]
    public let topClassesPerImage: Int
    public private(set) var descriptors: [Float]
    public private(set) var descriptorDims: Int
    /// nil when the collection has no embedding (or an image lacks its vector).
    public let embeddings: [Float]?
    public let embeddingDims: Int
    /// The style facet: descriptors in the collection's style space (count × its dims); nil when a photo lacks
    /// one or no projection is learned yet.
    public let styles: [Float]?
    /// The collection's style space (query photos go through it too).
    public let styleSpace: StyleSpace?
    /// The colour facet (count × `ColourComposition.dims`); nil when a photo lacks one.
    public let colours: [Float]?

    public var count: Int { ids.count }
    public var styleDims: Int { styleSpace?.projection.dims ?? 0 }

    /// Copies the records' vectors into contiguous matrices; `styles` are their style descriptors already in
    /// the collection's style space (count × its dims).
    public init(info: CollectionInfo, records: [ImageRecord], styles: (space: StyleSpace, matrix: [Float])? = nil) {
        self.info = info
        ids = records.map(\.id)
        paths = records.map(\.path)
        labels = records.map { $0.topClasses.first?.wnid }
        (assignedLabels, tags) = (records.map(\.label), records.map(\.tags))
        (classVocabulary, topClassIDs, topClassProbabilities, topClassesPerImage) = Self.compact(records.map(\.topClasses))
        descriptorDims = records.first?.descriptor.count ?? 0
        descriptors = records.flatMap(\.descriptor)
        let complete = !records.isEmpty && records.allSatisfy { $0.embedding != nil }
        embeddingDims = complete ? records[0].embedding!.count : 0
        embeddings = complete ? records.flatMap { $0.embedding! } : nil
        (styleSpace, self.styles) = (styles?.space, styles?.matrix)
        colours = !records.isEmpty && records.allSatisfy { $0.colour?.count == ColourComposition.dims } ? records.flatMap { $0.colour! } : nil
    }

    /// From matrices already laid out (count × dims, row-major, unit rows): synthetic benchmarks.
    public init(info: CollectionInfo, ids: [Int64], descriptors: [Float], descriptorDims: Int, embeddings: [Float]?, embeddingDims: Int) {
        precondition(descriptors.count == ids.count * descriptorDims && (embeddings?.count ?? 0) == (embeddings == nil ? 0 : ids.count * embeddingDims))
        (self.info, self.ids) = (info, ids)
        paths = ids.map { "\($0)" }
        labels = [String?](repeating: nil, count: ids.count)
        (assignedLabels, tags) = (labels, [[String]](repeating: [], count: ids.count))
        (classVocabulary, topClassIDs, topClassProbabilities, topClassesPerImage) = ([], [], [], 0)
        (self.descriptors, self.descriptorDims, self.embeddings, self.embeddingDims) = (descriptors, descriptorDims, embeddings, embeddingDims)
        (styles, styleSpace, colours) = (nil, nil, nil)
    }

    /// The images' top classes as fixed-width index and probability arrays over a shared vocabulary.
    private static func compact(_ lists: [[ClassProbability]]) -> ([String], [Int32], [Float], Int) {
        let width = lists.map(\.count).max() ?? 0
        var vocabulary: [String] = [], position: [String: Int32] = [:]
        var ids = [Int32](repeating: -1, count: lists.count * width), probabilities = [Float](repeating: 0, count: lists.count * width)
        for (row, list) in lists.enumerated() {
            for (j, entry) in list.enumerated() {
                let id = position[entry.wnid] ?? { vocabulary.append(entry.wnid); position[entry.wnid] = Int32(vocabulary.count - 1); return Int32(vocabulary.count - 1) }()
                (ids[row * width + j], probabilities[row * width + j]) = (id, Float(entry.probability))
            }
        }
        return (vocabulary, ids, probabilities, width)
    }

    /// Loads every image of the collection from the store.
    public init(store: Store, collection name: String) throws {
        let info = try store.collection(named: name)
        let records = try store.images(in: info)
        let space = try store.styleProjection(of: info).map(StyleSpace.init)
        let styles = try space.flatMap { space in try space.project(store: store, collection: info).map { (space, $0) } }
        self.init(info: info, records: records, styles: styles.flatMap { $0.1.count == records.count * $0.0.projection.dims ? $0 : nil })
    }

    /// PCA-whitening learned on this collection's descriptors (Jégou & Chum
    /// 2012; no labels used), its descriptors replaced by their whitened
    /// `dims`-dimensional forms. Query descriptors must go through the
    /// returned whitening too.
    public func whitened(dims: Int) throws -> (index: CollectionIndex, whitening: PCAWhitening) {
        let rows = (0..<count).map { Array(descriptors[($0 * descriptorDims)..<(($0 + 1) * descriptorDims)]) }
        let whitening = try PCAWhitening(learnedOn: rows, dims: dims)
        var copy = self
        copy.descriptors = rows.flatMap { whitening.apply($0) }
        copy.descriptorDims = dims
        return (copy, whitening)
    }

    /// Cosines of every row of `matrix` (count × dims, unit rows) with the unit `query`, the rows shared out
    /// over the cores. Not OpenBLAS's sgemv: its thread count is one setting for the whole process, which a
    /// network pass on background threads (an upload) sets to 1, and a search must not slow down for that.
    func cosines(_ matrix: [Float], dims: Int, _ query: [Float]) throws -> [Float] {
        guard query.count == dims else { throw SearchError.dimensionMismatch(expected: dims, got: query.count) }
        var scores = [Float](repeating: 0, count: count)
        guard count > 0 else { return scores }
        let parts = count * dims >= 1 << 18 ? ProcessInfo.processInfo.activeProcessorCount : 1
        let rowsPerPart = (count + parts - 1) / parts
        matrix.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { query in
                scores.withUnsafeMutableBufferPointer { scores in
                    let (m, q, out) = (UnsafeSendable(UnsafeMutablePointer(mutating: matrix.baseAddress!)),
                                       UnsafeSendable(UnsafeMutablePointer(mutating: query.baseAddress!)), UnsafeSendable(scores.baseAddress!))
                    DispatchQueue.concurrentPerform(iterations: parts) { part in
                        let start = part * rowsPerPart, rows = min(rowsPerPart, count - start)
                        guard rows > 0 else { return }
                        taxon_rows_dot(m.pointer + start * dims, rows, Int32(dims), q.pointer, out.pointer + start)
                    }
                }
            }
        }
        return scores
    }

    /// Cosines of the given rows only (the same sums as a whole scan gives them).
    func cosines(_ matrix: [Float], dims: Int, _ query: [Float], rows: [Int]) throws -> [Float] {
        guard query.count == dims else { throw SearchError.dimensionMismatch(expected: dims, got: query.count) }
        var scores = [Float](repeating: 0, count: rows.count)
        matrix.withUnsafeBufferPointer { matrix in
            for (n, row) in rows.enumerated() { taxon_rows_dot(matrix.baseAddress! + row * dims, 1, Int32(dims), query, &scores[n]) }
        }
        return scores
    }

    /// Cosines of every row with each of several unit queries: queries.count × count, row-major (one sgemm).
    func cosines(_ matrix: [Float], dims: Int, _ queries: [[Float]]) throws -> [Float] {
        if let bad = queries.first(where: { $0.count != dims }) { throw SearchError.dimensionMismatch(expected: dims, got: bad.count) }
        var scores = [Float](repeating: 0, count: queries.count * count)
        guard count > 0, !queries.isEmpty else { return scores }
        let packed = queries.flatMap { $0 }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(queries.count), Int32(count), Int32(dims), 1, packed, Int32(dims),
                    matrix, Int32(dims), 0, &scores, Int32(count))
        return scores
    }
}

/// How results are ordered.
public enum Ranking: Sendable, Equatable {
    /// Descriptor cosine.
    case visual
    /// Semantic-vector cosine.
    case semantic
    /// Semantic cosine quantised to levels `width` apart (the taxonomy's
    /// similarity levels 1/H, or a bucket width; the level is the highest one
    /// the cosine reaches), then visual cosine inside a level (Yang et al. 2019).
    /// A nil width stands for the taxonomy's levels until `withLevelWidth` fills it in.
    case semanticFirst(width: Double?)
    /// alpha × semantic + (1 − alpha) × visual.
    case blend(alpha: Double)

    /// The level of a semantic cosine under semantic-first (nil for the other rankings): the
    /// highest level it reaches — exact lcs-height similarities are multiples of 1/H, a
    /// photo's mixture of classes falls between two (10⁻⁴ absorbs float32 rounding).
    public func level(semantic: Float) -> Int? {
        guard case let .semanticFirst(width?) = self else { return nil }
        return Int((Double(semantic) / width + 1e-4).rounded(.down))
    }

    /// The ranking with semantic-first's width filled in (`levelWidth` where it
    /// has none) and checked; the other rankings as they are.
    public func withLevelWidth(_ levelWidth: Double?) throws -> Ranking {
        guard case let .semanticFirst(width) = self else { return self }
        guard let chosen = width ?? levelWidth else {
            throw SearchError.badParameter("semantic-first needs a level width: an embedding with a taxonomy, or an explicit width")
        }
        guard chosen >= Self.minimumLevelWidth && chosen.isFinite else { throw SearchError.badParameter("the level width must be at least 1e-6") }
        return .semanticFirst(width: chosen)
    }

    /// An image's sort key (higher first) from its cosines with the query;
    /// `visual` is nil for concept and text queries.
    public func key(semantic: Float?, visual: Float?) -> Double {
        switch self {
        case .visual: return Double(visual!)
        case .semantic: return Double(semantic!)
        case let .blend(alpha): return alpha * Double(semantic!) + (1 - alpha) * Double(visual!)
        case .semanticFirst:
            // Inside a level: the visual cosine (in [−1, 1], mapped below 1), else the semantic one.
            return Double(level(semantic: semantic!)!) + (Double(visual ?? semantic!) + 1) / 2.000001
        }
    }

    public var name: String { kind.rawValue }
}

/// A query: the visual descriptor (photos only) and the semantic vector, both L2-normalised.
public struct SearchQuery: Sendable {
    public var descriptor: [Float]?
    public var embedding: [Float]?
    /// Either side may be missing (concept and text queries have no descriptor).
    public init(descriptor: [Float]?, embedding: [Float]?) { (self.descriptor, self.embedding) = (descriptor, embedding) }
}

/// One result: the image, its best class, its cosines and its sort key.
public struct SearchHit: Sendable, Encodable, Equatable {
    public let id: Int64
    public let path: String
    public let label: String?
    public let visual: Float?
    public let semantic: Float?
    /// The semantic level (semantic-first only).
    public let level: Int?
    public let score: Double
    /// The image's concept in the collection's hierarchy (its label, else its most probable class); nil without an embedding.
    public var concept: ConceptLabel? = nil
    /// True when `concept` is a label someone gave the image (absent otherwise).
    public var labelled: Bool? = nil
    /// The image's tags (absent when it has none).
    public var tags: [String]? = nil
    /// Why it is here; nil without a query concept.
    public var explanation: Explanation? = nil
    /// Its score in each facet and which facets ranked it (facet queries only).
    public var facets: FacetMatch? = nil
}

extension CollectionIndex {
    public static let maxK = 1000

    /// The k best images under `ranking`, best first (ties by image id).
    public func search(_ query: SearchQuery, ranking: Ranking, k: Int) throws -> [SearchHit] {
        let ranking = try ranking.withLevelWidth(nil)
        guard count > 0 else { throw SearchError.emptyCollection(info.name) }
        guard (1...Self.maxK).contains(k) else { throw SearchError.badK(k, limit: Self.maxK) }
        let needsSemantic = ranking != .visual, needsVisual = ranking == .visual || ranking.kind == .blend
        if needsVisual && query.descriptor == nil { throw SearchError.needsVisualQuery(ranking: ranking.name) }
        var visual: [Float]?, semantic: [Float]?
        if let descriptor = query.descriptor, ranking != .semantic { visual = try cosines(descriptors, dims: descriptorDims, descriptor) }
        if needsSemantic {
            guard let embeddings else { throw SearchError.noEmbedding(collection: info.name) }
            guard let vector = query.embedding else { throw SearchError.badParameter("the \(ranking.name) ranking needs a semantic query vector") }
            semantic = try cosines(embeddings, dims: embeddingDims, vector)
        }
        let score = { (i: Int) in ranking.key(semantic: semantic?[i], visual: visual?[i]) }
        return topK(count, k: min(k, count), score: score).map { i, value in
            SearchHit(id: ids[i], path: paths[i], label: labels[i], visual: visual?[i], semantic: semantic?[i],
                      level: semantic.flatMap { ranking.level(semantic: $0[i]) }, score: value)
        }
    }
}

/// The k largest scores among 0..<n, best first, ties by the smaller index: a
/// bounded min-heap, O(n log k).
func topK(_ n: Int, k: Int, score: (Int) -> Double) -> [(Int, Double)] {
    guard k > 0 else { return [] }
    // Heap order: worst at the root (lower score, or equal score and larger index).
    func worse(_ a: (Int, Double), _ b: (Int, Double)) -> Bool { a.1 < b.1 || (a.1 == b.1 && a.0 > b.0) }
    var heap: [(Int, Double)] = []
    heap.reserveCapacity(k)
    func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && worse(heap[l], heap[m]) { m = l }
            if r < heap.count && worse(heap[r], heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
    for i in 0..<n {
        let entry = (i, score(i))
        if heap.count < k {
            heap.append(entry)
            var c = heap.count - 1
            while c > 0, worse(heap[c], heap[(c - 1) / 2]) { heap.swapAt(c, (c - 1) / 2); c = (c - 1) / 2 }
        } else if worse(heap[0], entry) {
            heap[0] = entry
            siftDown(0)
        }
    }
    return heap.sorted { worse($1, $0) }
}
