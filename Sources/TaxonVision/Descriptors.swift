import Foundation
import TaxonLinalg

/// Global visual descriptors of a feature map (the network's last 1280-channel
/// map, non-negative after ReLU6), each L2-normalised.
public enum Descriptor: String, Sendable, CaseIterable {
    /// Global average pooling.
    case gap
    /// Generalised mean pooling, (mean x³)^(1/3) (Radenović et al. 2018, p = 3).
    case gem
    /// Maximum activation of convolutions (Tolias et al. 2016).
    case mac
    /// Regional MAC (Tolias et al. 2016): MAC over square regions at 3 scales,
    /// each L2-normalised, summed, normalised again.
    case rmac

    /// One row per image: count × channels.
    public func describe(_ map: FeatureMap) -> [[Float]] {
        (0..<map.count).map { n in
            let image = Array(map.values[(n * map.height * map.width * map.channels)..<((n + 1) * map.height * map.width * map.channels)])
            let row: [Float]
            switch self {
            case .gap: row = globalAveragePool(FeatureMap(count: 1, height: map.height, width: map.width, channels: map.channels, values: image))
            case .gem:
                let cubes = image.map { max($0, 1e-6) * max($0, 1e-6) * max($0, 1e-6) }
                row = Self.pool(cubes, map, region: (0, 0, map.height, map.width)) { $0 + $1 } finish: { Float(pow(Double($0 / $1), 1.0 / 3)) }
            case .mac: row = Self.pool(image, map, region: (0, 0, map.height, map.width)) { max($0, $1) } finish: { value, _ in value }
            case .rmac:
                var sum = [Float](repeating: 0, count: map.channels)
                for region in Self.rmacRegions(height: map.height, width: map.width) {
                    let mac = normalized(Self.pool(image, map, region: region) { max($0, $1) } finish: { value, _ in value })
                    for c in 0..<map.channels { sum[c] += mac[c] }
                }
                row = sum
            }
            return normalized(row)
        }
    }

    /// Combines the pixels of `region` (top, left, height, width) channel by channel.
    static func pool(_ image: [Float], _ map: FeatureMap, region: (Int, Int, Int, Int), combine: (Float, Float) -> Float,
                     finish: (Float, Float) -> Float) -> [Float] {
        let (top, left, height, width) = region
        var result = Array(image[((top * map.width + left) * map.channels)..<((top * map.width + left + 1) * map.channels)])
        for y in top..<(top + height) {
            for x in left..<(left + width) where y != top || x != left {
                let base = (y * map.width + x) * map.channels
                for c in 0..<map.channels { result[c] = combine(result[c], image[base + c]) }
            }
        }
        return result.map { finish($0, Float(height * width)) }
    }

    /// Tolias et al.'s regions: at scale l = 1…3, squares of side ⌊2·min(H, W)/(l + 1)⌋,
    /// l (+ extra along the longer side) per dimension, spread evenly with about 40 % overlap.
    static func rmacRegions(height: Int, width: Int, scales: Int = 3) -> [(Int, Int, Int, Int)] {
        let side = min(height, width), long = max(height, width)
        // Extra regions along the longer side: the count whose overlap is nearest 40 %.
        var extra = 0
        if long > side {
            var best = Double.infinity
            for steps in 1...6 {
                let b = Double(long - side) / Double(steps)
                let overlap = abs((Double(side * side) - Double(side) * b) / Double(side * side) - 0.4)
                if overlap < best { best = overlap; extra = steps }
            }
        }
        var regions: [(Int, Int, Int, Int)] = []
        for l in 1...scales {
            let size = 2 * side / (l + 1)
            guard size >= 1 else { continue }
            func starts(_ extent: Int, _ count: Int) -> [Int] {
                guard count > 1 else { return [(extent - size) / 2] }
                let step = Double(extent - size) / Double(count - 1)
                return (0..<count).map { Int((Double($0) * step).rounded(.down)) }
            }
            let rows = starts(height, l + (height > width ? extra : 0)), columns = starts(width, l + (width > height ? extra : 0))
            for top in rows { for left in columns { regions.append((top, left, size, size)) } }
        }
        return regions
    }
}

/// `row / ‖row‖` (a zero row stays zero).
public func normalized(_ row: [Float]) -> [Float] {
    let norm = row.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
    return norm > 0 ? row.map { $0 / norm } : row
}

/// PCA-whitening learned on a collection of descriptors: x ↦ Λ^(−½)Vᵀ(x − μ)
/// over the `dims` leading components (eigenvalues of the covariance), then
/// L2-normalised (Jégou & Chum 2012).
public struct PCAWhitening: Sendable {
    public let mean: [Double]
    /// dims × inputs, each row a component scaled by 1/√(eigenvalue + ε).
    public let projection: Matrix

    /// A whitening that cannot be learned: too few rows or dimensions out of range.
    public enum WhiteningError: Error, CustomStringConvertible, Equatable {
        case shape(rows: Int, dims: Int, inputs: Int)
        public var description: String {
            guard case let .shape(rows, dims, inputs) = self else { return "" }
            return "whitening needs two descriptors or more (got \(rows)) and 1...\(inputs) dimensions (got \(dims))"
        }
    }

    /// Learns the mean and the top `dims` principal directions of `rows`, scaled by 1/√(eigenvalue + epsilon)
    /// unless `whiten` is false (then a plain PCA: cosines of the projections approximate those of the centred rows).
    public init(learnedOn rows: [[Float]], dims: Int, epsilon: Double = 1e-9, whiten: Bool = true) throws {
        let n = rows.count, d = rows.first?.count ?? 0
        guard n >= 2, (1...max(d, 1)).contains(dims), d > 0 else { throw WhiteningError.shape(rows: n, dims: dims, inputs: d) }
        var mean = [Double](repeating: 0, count: d)
        for row in rows { for c in 0..<d { mean[c] += Double(row[c]) / Double(n) } }
        var centred = Matrix(rows: n, columns: d)
        for (r, row) in rows.enumerated() { for c in 0..<d { centred[r, c] = Double(row[c]) - mean[c] } }
        var projection = Matrix(rows: dims, columns: d)
        if n < d {
            // Fewer rows than inputs: the eigenvectors of the n × n matrix XXᵀ/(n − 1) give the covariance's
            // (v = Xᵀu / √((n − 1)λ)), at the cost of n³, not d³. Directions beyond the rank have λ ≈ 0 and stay 0.
            var inner = multiply(centred, centred, transposeB: true)
            for i in 0..<inner.values.count { inner.values[i] /= Double(n - 1) }
            let (values, vectors) = try symmetricEigenpairs(inner)
            for k in 0..<min(dims, n) where values[k] > 1e-12 {
                let u = (0..<n).map { vectors[$0, k] }
                let direction = multiply(centred, u, transposeA: true)
                let scale = 1 / ((Double(n - 1) * values[k]).squareRoot()) * (whiten ? 1 / (values[k] + epsilon).squareRoot() : 1)
                for c in 0..<d { projection[k, c] = direction[c] * scale }
            }
        } else {
            var covariance = multiply(centred, centred, transposeA: true)
            for i in 0..<covariance.values.count { covariance.values[i] /= Double(n - 1) }
            let (values, vectors) = try symmetricEigenpairs(covariance)
            for k in 0..<dims {
                let scale = whiten ? 1 / (max(values[k], 0) + epsilon).squareRoot() : 1
                for c in 0..<d { projection[k, c] = vectors[c, k] * scale }
            }
        }
        self.mean = mean
        self.projection = projection
    }

    /// Centres, projects and whitens a row, then L2-normalises it.
    public func apply(_ row: [Float]) -> [Float] {
        let centred = zip(row, mean).map { Double($0) - $1 }
        return normalized(multiply(projection, centred).map { Float($0) })
    }
}

/// Images into a class embedding's space (the semantic side of search).
public enum SemanticProjection {
    /// The softmax over the classes, its top `top` renormalised, weighting the
    /// class embedding's rows (classes × dims, in the network's class order);
    /// the sum L2-normalised.
    public static func probabilistic(logits: [Float], classRows: [[Double]], top: Int = 10) -> [Float] {
        weighted(mostProbable(logits: logits, top: top), classRows: classRows)
    }

    /// The `top` most probable classes under the softmax of `logits`, most probable first.
    public static func mostProbable(logits: [Float], top: Int) -> [(index: Int, probability: Double)] {
        let probabilities = softmax(logits)
        return probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(max(top, 1))
            .map { (index: $0, probability: probabilities[$0]) }
    }

    /// The rows of the given classes weighted by their probabilities renormalised to sum 1; the sum L2-normalised.
    public static func weighted(_ classes: [(index: Int, probability: Double)], classRows: [[Double]]) -> [Float] {
        normalized(expected(classes, classRows: classRows))
    }

    /// The rows of the given classes weighted by their probabilities renormalised to sum 1: the expected class row.
    public static func expected(_ classes: [(index: Int, probability: Double)], classRows: [[Double]]) -> [Float] {
        let total = classes.reduce(0) { $0 + $1.probability }
        var sum = [Double](repeating: 0, count: classRows.first?.count ?? 0)
        for (index, probability) in classes { for c in 0..<sum.count { sum[c] += probability / total * classRows[index][c] } }
        return sum.map { Float($0) }
    }
}
