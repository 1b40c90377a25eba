import TaxonCore
import TaxonLinalg

/// How well an embedding's geometry reproduces the class similarity s.
public struct Fidelity: Codable, Sendable {
    /// Class pairs (i < j) compared; all of them unless `sampled`.
    public let pairs: Int
    public let sampled: Bool
    public let maxCosineError: Double
    public let meanCosineError: Double
    /// Mean |⟨x, y⟩ − s| of the unnormalised rows over the whole n × n matrix,
    /// diagonal included: the figure Barz & Denzler's reference prints.
    /// Over the sampled pairs only when sampled.
    public let meanDotError: Double
    /// Spearman's ρ between cos (rounded to 1e-12) and s over the pairs.
    public let spearman: Double
    /// The pairs with the largest |cos − s|, largest first (at most 10).
    public let worstPairs: [Pair]

    /// One class pair with its cosine and its taxonomy similarity.
    public struct Pair: Codable, Sendable, Equatable {
        public let a: Int, b: Int, cosine: Double, similarity: Double
    }

    /// All pairs up to `exhaustiveLimit` classes, else `samples` random pairs (seeded).
    public static func measure(_ hierarchy: ClassHierarchy, rows: Matrix, exhaustiveLimit: Int = 4_000,
                               samples: Int = 1_000_000, seed: UInt64 = 1) -> Fidelity {
        let n = hierarchy.count
        let norms = rows.rowNorms()
        var cosines: [Double] = [], targets: [Double] = []
        var maxError = 0.0, sumError = 0.0, sumDotError = 0.0
        var worst: [Pair] = []
        let sampled = n > exhaustiveLimit
        let matrix = sampled ? nil : try? hierarchy.similarityMatrix()
        func visit(_ i: Int, _ j: Int, dot: Double) {
            let s = matrix?[i, j] ?? hierarchy.similarity(i, j)
            let cosine = dot / (norms[i] * norms[j])
            maxError = max(maxError, abs(cosine - s))
            if worst.count < 10 || abs(cosine - s) > abs(worst[worst.count - 1].cosine - worst[worst.count - 1].similarity) {
                worst.append(Pair(a: i, b: j, cosine: cosine, similarity: s))
                worst.sort { abs($0.cosine - $0.similarity) > abs($1.cosine - $1.similarity) }
                if worst.count > 10 { worst.removeLast() }
            }
            sumError += abs(cosine - s)
            sumDotError += abs(dot - s)
            // Rounded so that float noise does not order pairs that s ties.
            cosines.append((cosine * 1e12).rounded() / 1e12)
            targets.append(s)
        }
        if sampled {
            var generator = SplitMix64(seed: seed)
            for _ in 0..<samples {
                let i = Int(generator.next() % UInt64(n)), j = Int(generator.next() % UInt64(n))
                if i == j { continue }
                visit(min(i, j), max(i, j), dot: zip(rows.row(i), rows.row(j)).reduce(0) { $0 + $1.0 * $1.1 })
            }
        } else {
            let g = gram(rows)
            for i in 0..<n { for j in (i + 1)..<n { visit(i, j, dot: g[i, j]) } }
            let diagonal = (0..<n).reduce(0.0) { $0 + abs(g[$1, $1] - 1) }
            sumDotError = 2 * sumDotError + diagonal
        }
        let count = cosines.count
        return Fidelity(
            pairs: count, sampled: sampled, maxCosineError: maxError, meanCosineError: count > 0 ? sumError / Double(count) : 0,
            meanDotError: sampled ? sumDotError / Double(max(count, 1)) : sumDotError / Double(n * n),
            spearman: spearmanCorrelation(cosines, targets), worstPairs: worst)
    }
}

/// Pearson correlation of the ranks (ties get their mean rank); NaN for constant input.
public func spearmanCorrelation(_ x: [Double], _ y: [Double]) -> Double {
    func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var result = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let mean = Double(start + end) / 2 + 1
            for k in start...end { result[order[k]] = mean }
            start = end + 1
        }
        return result
    }
    let rx = ranks(x), ry = ranks(y)
    let n = Double(x.count)
    let mx = rx.reduce(0, +) / n, my = ry.reduce(0, +) / n
    var covariance = 0.0, vx = 0.0, vy = 0.0
    for (a, b) in zip(rx, ry) {
        covariance += (a - mx) * (b - my)
        vx += (a - mx) * (a - mx)
        vy += (b - my) * (b - my)
    }
    return covariance / (vx * vy).squareRoot()
}
