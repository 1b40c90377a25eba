import Foundation
import TaxonLinalg

/// A dimension of meaning a photo can share with others.
public enum Facet: String, CaseIterable, Codable, Sendable {
    /// What it shows: its class embedding.
    case semantic
    /// How it looks as an instance: the global descriptor (GeM).
    case visual
    /// Its textures and strokes: Gram matrices of early feature maps, PCA-reduced.
    case style
    /// Its colours and where they are: CIELAB histograms of the whole and its quarters.
    case colour
}

/// Which facet several examples agree on. For each facet, the mean cosine of
/// the examples' pairs is compared with how similar two photos of the collection
/// usually are in that facet: z = (mean − μ) / σ, μ and σ over random pairs. The
/// facet with the largest z is the one the examples share unusually strongly
/// (a greyscale set is no more alike in what it shows than any photos, and far
/// more alike in colour and style than usual).
public struct FacetInference: Sendable {
    /// Per facet, the mean and standard deviation of the cosine of random pairs.
    public let baseline: [Facet: (mean: Double, deviation: Double)]

    /// The baseline from `pairs` random pairs of the collection's vectors (unit rows, one array per facet, all as long).
    public init(vectors: [Facet: [[Float]]], pairs: Int = 4000, seed: UInt64 = 1) {
        self.init(count: vectors.values.first?.count ?? 0, facets: Array(vectors.keys), pairs: pairs, seed: seed) { facet, i, j in
            dot(vectors[facet]![i], vectors[facet]![j])
        }
    }

    /// The baseline from `pairs` random pairs of `count` photos, `cosine(facet, i, j)` giving a pair's cosine in a facet.
    public init(count: Int, facets: [Facet], pairs: Int = 4000, seed: UInt64 = 1, cosine: (Facet, Int, Int) -> Float) {
        var generator = SplitMix64(seed: seed)
        var baseline: [Facet: (Double, Double)] = [:]
        for facet in Facet.allCases where facets.contains(facet) && count > 1 {  // in a fixed order: the draws must not follow a dictionary's
            let cosines = (0..<pairs).map { _ -> Double in
                let i = Int(generator.next() % UInt64(count))
                var j = Int(generator.next() % UInt64(count - 1))
                if j >= i { j += 1 }
                return Double(cosine(facet, i, j))
            }
            let mean = cosines.reduce(0, +) / Double(cosines.count)
            let variance = cosines.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cosines.count)
            baseline[facet] = (mean, max(variance.squareRoot(), 1e-9))
        }
        self.baseline = baseline
    }

    /// Each facet's z-score for these examples (at least two per facet).
    public func scores(_ examples: [Facet: [[Float]]]) -> [Facet: Double] {
        var scores: [Facet: Double] = [:]
        for (facet, rows) in examples where rows.count > 1 {
            guard let (mean, deviation) = baseline[facet] else { continue }
            var sum = 0.0, pairs = 0
            for i in rows.indices { for j in rows.indices where j > i { sum += Double(dot(rows[i], rows[j])); pairs += 1 } }
            scores[facet] = (sum / Double(pairs) - mean) / deviation
        }
        return scores
    }

    /// The facets inference chooses among: what a photo shows, its style and its colours. The visual
    /// descriptor is left out: it describes the instance, so photos sharing any aspect are alike in it too.
    public static let candidates: [Facet] = [.semantic, .style, .colour]

    /// The facet the examples share most unusually, with every facet's score.
    public func infer(_ examples: [Facet: [[Float]]]) -> (facet: Facet, scores: [Facet: Double])? {
        let scores = scores(examples)
        guard let best = Self.candidates.filter({ scores[$0] != nil }).max(by: { scores[$0]! < scores[$1]! }) else { return nil }
        return (best, scores)
    }
}
