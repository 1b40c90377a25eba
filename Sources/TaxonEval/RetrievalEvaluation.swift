import COpenBLAS
import Foundation
import TaxonSearch

/// One ranking's scores over every query of a collection (each image in
/// turn, removed from its own ranking).
public struct RetrievalScores: Codable, Sendable {
    public let ranking: String
    public let queries: Int
    /// The cut-off of the HP curve and of AHP.
    public let k: Int
    public let ndcgK: Int
    /// Mean AP over the queries with at least one other image of their class; nil when none has.
    public let meanAveragePrecision: Double?
    public let queriesWithRelevant: Int
    public let meanAHP: Double
    public let meanNDCG: Double
    /// Mean HP@1…k.
    public let hierarchicalPrecision: [Double]
    /// Mean precision@k (same class) at the report's cut-offs.
    public let precision: [Int: Double]

    /// The cut-offs reported: 1, 10, 50, 100 and 250 where ≤ k.
    public static func cutoffs(upTo k: Int) -> [Int] { [1, 10, 50, 100, 250].filter { $0 <= k } }
}

/// Images with labels and vectors, and the graded relevance of label pairs:
/// everything a retrieval evaluation needs, held in memory.
public struct RetrievalBenchmark: Sendable {
    public let count: Int
    let descriptors: [Float], descriptorDims: Int
    let embeddings: [Float]?, embeddingDims: Int
    /// Each image's class, an index into the relevance matrix.
    public let labels: [Int]
    /// classes × classes, row-major: the relevance of an image of class b to a query of class a.
    let relevance: [Double]
    let classes: Int

    /// A benchmark over prepared vectors: every image's label index and the class-by-class relevance matrix.
    public init(descriptors: [Float], descriptorDims: Int, embeddings: [Float]?, embeddingDims: Int, labels: [Int], relevance: [Double],
                classes: Int) {
        count = labels.count
        precondition(descriptors.count == count * descriptorDims && relevance.count == classes * classes, "shapes")
        (self.descriptors, self.descriptorDims, self.embeddings, self.embeddingDims) = (descriptors, descriptorDims, embeddings, embeddingDims)
        (self.labels, self.relevance, self.classes) = (labels, relevance, classes)
    }

    /// Every image as a query under `ranking`: mAP, mean HP@1…k, mAHP@k, NDCG@ndcgK, P@cut-offs.
    public func evaluate(_ ranking: Ranking, k: Int, ndcgK: Int) throws -> RetrievalScores {
        let ranking = try ranking.withLevelWidth(nil)
        guard count > 1 else { throw SearchError.emptyCollection("(fewer than two images: nothing to retrieve)") }
        guard k >= 1, k < count, ndcgK >= 1, ndcgK < count else {
            throw SearchError.badParameter("k and the NDCG cut-off must lie in 1...\(count - 1): each query ranks the other \(count - 1) images")
        }
        if ranking != .visual && embeddings == nil { throw SearchError.noEmbedding(collection: "the evaluated collection") }
        let cutoffs = RetrievalScores.cutoffs(upTo: k)
        var hpSum = [Double](repeating: 0, count: k), ahpSum = 0.0, ndcgSum = 0.0, apSum = 0.0, withRelevant = 0
        var precisionSum = [Double](repeating: 0, count: cutoffs.count)
        let block = 256
        for start in stride(from: 0, to: count, by: block) {
            let rows = min(block, count - start)
            let visual = ranking == .semantic ? nil : gram(descriptors, dims: descriptorDims, rows: start..<(start + rows))
            let semantic = ranking == .visual ? nil : gram(embeddings!, dims: embeddingDims, rows: start..<(start + rows))
            for r in 0..<rows {
                let query = start + r
                let keys = (0..<count).map { j in
                    ranking.key(semantic: semantic.map { $0[r * count + j] }, visual: visual.map { $0[r * count + j] })
                }
                let order = (0..<count).filter { $0 != query }.sorted { keys[$0] > keys[$1] || (keys[$0] == keys[$1] && $0 < $1) }
                let row = labels[query] * classes
                let ranked = order.map { relevance[row + labels[$0]] }
                let ideal = ranked.sorted(by: >)
                let hp = RetrievalMetrics.hierarchicalPrecision(ranked, ideal: ideal, upTo: k)
                for i in 0..<k { hpSum[i] += hp[i] }
                ahpSum += RetrievalMetrics.averageHierarchicalPrecision(hp)
                ndcgSum += RetrievalMetrics.ndcg(ranked, ideal: ideal, k: ndcgK)
                let same = order.map { labels[$0] == labels[query] }
                if let ap = RetrievalMetrics.averagePrecision(same) { apSum += ap; withRelevant += 1 }
                for (c, cutoff) in cutoffs.enumerated() { precisionSum[c] += RetrievalMetrics.precision(same, k: cutoff) }
            }
        }
        let n = Double(count)
        return RetrievalScores(
            ranking: ranking.name, queries: count, k: k, ndcgK: ndcgK, meanAveragePrecision: withRelevant > 0 ? apSum / Double(withRelevant) : nil,
            queriesWithRelevant: withRelevant, meanAHP: ahpSum / n, meanNDCG: ndcgSum / n, hierarchicalPrecision: hpSum.map { $0 / n },
            precision: Dictionary(uniqueKeysWithValues: zip(cutoffs, precisionSum.map { $0 / n })))
    }

    /// Cosines of the `rows` images with every image: rows.count × count (one sgemm).
    private func gram(_ matrix: [Float], dims: Int, rows: Range<Int>) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count * count)
        matrix.withUnsafeBufferPointer { m in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows.count), Int32(count), Int32(dims), 1,
                        m.baseAddress! + rows.lowerBound * dims, Int32(dims), m.baseAddress!, Int32(dims), 0, &out, Int32(count))
        }
        return out
    }
}
