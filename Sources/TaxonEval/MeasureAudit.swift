import Foundation
import TaxonCore
import TaxonLinalg

/// The properties a class-similarity measure s does or does not have on a
/// class set: what an embedding or a retrieval metric built on it may assume.
public struct MeasureAudit: Codable, Sendable {
    public let classes: Int
    /// max |s(a, b) − s(b, a)|.
    public let maxAsymmetry: Double
    /// The smallest and largest s(a, a).
    public let selfSimilarity: [Double]
    /// The smallest and largest s(a, b), a ≠ b.
    public let range: [Double]
    /// Pairs without a value (NLTK's None), left out of everything below.
    public let missingPairs: Int
    /// Of S; nil when a pair has no value.
    public let smallestEigenvalue: Double?
    public let positiveDefinite: Bool
    /// Triples (a, c and b between them, all distinct) checked.
    public let triples: Int
    /// Triples with d(a, c) > d(a, b) + d(b, c) + 1e-12, for d = 1 − s and d = √(2 − 2s).
    public let triangleViolationsOneMinus: Int
    public let triangleViolationsChord: Int
    /// Triples with d(a, c) > max(d(a, b), d(b, c)) + 1e-12 for d = 1 − s.
    public let ultrametricViolations: Int

    /// `measure` between the `classes` (nodes of the similarity's taxonomy):
    /// lcs-height on the hierarchy they induce, the NLTK measures on the whole taxonomy.
    public init(similarity: Similarity, classes nodes: [Int], measure: Measure) throws {
        let matrix = try ClassSimilarityMatrix(similarity: similarity, classes: nodes, measure: measure)
        // The matrix scores each pair once (a ≤ b); score b before a as well to see any asymmetry.
        var scorer = similarity, order = nodes
        if measure == .lcsHeight {
            let induced = similarity.taxonomy.induced(by: nodes)
            (scorer, order) = (Similarity(taxonomy: induced.taxonomy), induced.nodes)
        }
        let n = matrix.classes, s = matrix.values
        classes = n
        var asymmetry = 0.0, low = Double.infinity, high = -Double.infinity, missing = 0
        for a in 0..<n {
            for b in 0..<n where a != b {
                let value = s[a * n + b]
                guard !value.isNaN else { missing += 1; continue }
                if b < a, let reverse = try scorer.score(measure, order[a], order[b]) { asymmetry = max(asymmetry, abs(value - reverse)) }
                (low, high) = (min(low, value), max(high, value))
            }
        }
        let diagonal = (0..<n).map { s[$0 * n + $0] }
        maxAsymmetry = asymmetry.isNaN ? .nan : asymmetry
        selfSimilarity = [diagonal.min() ?? .nan, diagonal.max() ?? .nan]
        range = n > 1 ? [low, high] : []
        missingPairs = missing / 2
        smallestEigenvalue = matrix.smallestEigenvalue
        positiveDefinite = matrix.isPositiveDefinite
        (triples, triangleViolationsOneMinus, triangleViolationsChord, ultrametricViolations) = Self.triangles(s, n)
    }

    /// Every (a, c) with a < c and every b apart from both, the rows a shared out over the cores.
    private static func triangles(_ s: [Double], _ n: Int) -> (Int, Int, Int, Int) {
        let oneMinus = s.map { 1 - $0 }, chord = s.map { (max(2 - 2 * $0, 0)).squareRoot() }
        let workers = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        let tolerance = 1e-12
        let counts = (try? parallelMap(Array(0..<workers)) { (worker: Int) -> [Int] in
            oneMinus.withUnsafeBufferPointer { first -> [Int] in
                chord.withUnsafeBufferPointer { second -> [Int] in
                    var (checked, v1, v2, ultra) = (0, 0, 0, 0)
                    for a in Swift.stride(from: worker, to: n, by: workers) {
                        for c in (a + 1)..<n {
                            let ac1 = first[a * n + c], ac2 = second[a * n + c]
                            if ac1.isNaN { continue }
                            for b in 0..<n where b != a && b != c {
                                let ab1 = first[a * n + b], bc1 = first[b * n + c]
                                if ab1.isNaN || bc1.isNaN { continue }
                                checked += 1
                                if ac1 > ab1 + bc1 + tolerance { v1 += 1 }
                                if ac1 > max(ab1, bc1) + tolerance { ultra += 1 }
                                if ac2 > second[a * n + b] + second[b * n + c] + tolerance { v2 += 1 }
                            }
                        }
                    }
                    return [checked, v1, v2, ultra]
                }
            }
        }) ?? []
        let total = (0..<4).map { i in counts.reduce(0) { $0 + $1[i] } }
        return (total[0], total[1], total[2], total[3])
    }
}
