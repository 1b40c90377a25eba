import Foundation
import TaxonLinalg

/// Ganea et al.'s (2018) link-prediction split of a transitive closure: the
/// "basic" edges (the transitive reduction) always train; of the others, 5 %
/// are held out for validation, 5 % for test, and `trainPercent` % (of all
/// non-basic edges) join the training set. Each held-out edge (a, c) gets 10
/// corrupted negatives: 5 pairs (a, c′) with c′ not below a (none when a is
/// above every node) and 5 pairs (a′, c) with a′ not above c. Deterministic
/// for a given seed.
public struct LinkPredictionSplit: Sendable {
    /// An is-a edge: parent and child as rows of the closure.
    public typealias Pair = (parent: Int32, child: Int32)

    /// Indices into the closure's edges.
    public let train: [Int]
    public let validation: [Pair]
    public let validationNegatives: [Pair]
    public let test: [Pair]
    public let testNegatives: [Pair]
    public let basicEdges: Int

    public static let allowedPercents = [0, 10, 25, 50, 90]

    /// Splits the closure as Ganea et al.: the transitive reduction always trains, 5 % each of the rest for validation and test, `trainPercent` % more for training; seeded.
    public init(_ closure: TransitiveClosure, trainPercent: Int, seed: UInt64) throws {
        guard Self.allowedPercents.contains(trainPercent) else {
            throw HyperbolicError.badOption("--split-percent must be one of 0, 10, 25, 50 or 90, not \(trainPercent)")
        }
        // Basic: (c, a) with no other ancestor b of c below a.
        var basic: [Int] = [], nonBasic: [Int] = []
        for (index, edge) in closure.edges.enumerated() {
            let ancestorsOfChild = closure.ancestors[Int(edge.child)]
            let implied = ancestorsOfChild.contains { $0 != edge.ancestor && closure.ancestors[Int($0)].contains(edge.ancestor) }
            if implied { nonBasic.append(index) } else { basic.append(index) }
        }
        var generator = SplitMix64(seed: seed)
        generator.shuffle(&nonBasic)
        let heldOut = nonBasic.count * 5 / 100
        let trainExtra = nonBasic.count * trainPercent / 100
        let testIndices = nonBasic[0..<heldOut], validationIndices = nonBasic[heldOut..<(2 * heldOut)]
        guard !testIndices.isEmpty else {
            throw HyperbolicError.badOption("the closure has \(nonBasic.count) non-basic edges: too few to hold 5 % out for test")
        }
        train = basic + nonBasic[(2 * heldOut)..<(2 * heldOut + trainExtra)]
        basicEdges = basic.count

        func pairs(_ indices: ArraySlice<Int>) -> [Pair] { indices.map { (closure.edges[$0].ancestor, closure.edges[$0].child) } }
        test = pairs(testIndices)
        validation = pairs(validationIndices)
        let descendants = closure.descendants()
        testNegatives = Self.corrupted(test, closure, descendants: descendants, generator: &generator)
        validationNegatives = Self.corrupted(validation, closure, descendants: descendants, generator: &generator)
    }

    /// 5 pairs (a, c′) and 5 pairs (a′, c) per positive (a, c), of distinct
    /// nodes that are not below a, resp. not above c (fewer where too few exist).
    public static func corrupted(_ positives: [Pair], _ closure: TransitiveClosure, descendants: [Set<Int32>],
                                 generator: inout SplitMix64) -> [Pair] {
        let n = closure.count
        func sample(_ count: Int, own: Int32, excluded: Set<Int32>) -> [Int32] {
            let available = n - 1 - excluded.count
            var chosen: [Int32] = []
            while chosen.count < min(count, available) {
                let candidate = Int32(generator.next() % UInt64(n))
                if candidate != own && !excluded.contains(candidate) && !chosen.contains(candidate) { chosen.append(candidate) }
            }
            return chosen
        }
        var negatives: [Pair] = []
        negatives.reserveCapacity(positives.count * 10)
        for (parent, child) in positives {
            for other in sample(5, own: parent, excluded: descendants[Int(parent)]) { negatives.append((parent, other)) }
            for other in sample(5, own: child, excluded: closure.ancestors[Int(child)]) { negatives.append((other, child)) }
        }
        return negatives
    }
}

/// Precision, recall and F1 (in %) of "score ≤ threshold ⇒ edge".
public struct Classification: Codable, Sendable, Equatable {
    public let precision: Double
    public let recall: Double
    public let f1: Double

    /// Precision, recall and F1 (in %) when scores ≤ `threshold` count as edges.
    public init(positives: [Double], negatives: [Double], threshold: Double) {
        let tp = Double(positives.filter { $0 <= threshold }.count)
        let fn = Double(positives.count) - tp
        let fp = Double(negatives.filter { $0 <= threshold }.count)
        precision = tp + fp > 0 ? 100 * tp / (tp + fp) : 0
        recall = tp + fn > 0 ? 100 * tp / (tp + fn) : 0
        f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    }

    /// The threshold with the best F1, sweeping the sorted scores (ties: negatives first).
    public static func bestThreshold(positives: [Double], negatives: [Double]) -> (threshold: Double, f1: Double) {
        let labelled = (positives.map { ($0, 1) } + negatives.map { ($0, 0) }).sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var tp = 0.0, fp = 0.0, best = (threshold: 0.0, f1: -1.0)
        for (score, label) in labelled {
            if label == 1 { tp += 1 } else { fp += 1 }
            let precision = tp / (tp + fp), recall = tp / Double(max(positives.count, 1))
            let f1 = precision + recall > 0 ? 100 * 2 * precision * recall / (precision + recall) : 0
            if f1 > best.f1 { best = (score, f1) }
        }
        return best
    }
}

/// Link prediction with Ganea et al.'s protocol: the threshold (and, for a
/// scored family like Poincaré's, its parameter α) that give the best
/// validation F1 are applied to the test pairs.
public struct LinkPrediction: Codable, Sendable {
    public let threshold: Double
    public let alpha: Double?
    public let validation: Classification
    public let test: Classification
    public let testPositives: Int
    public let testNegatives: Int

    /// `score(α, parent, child)`: lower means "more likely an edge".
    public static func evaluate(_ split: LinkPredictionSplit, alphas: [Double]?,
                                score: (Double, Int, Int) -> Double) -> LinkPrediction {
        let best = calibrate(positives: split.validation, negatives: split.validationNegatives, alphas: alphas, score: score)
        func scores(_ pairs: [LinkPredictionSplit.Pair]) -> [Double] { pairs.map { score(best.alpha, Int($0.parent), Int($0.child)) } }
        return LinkPrediction(
            threshold: best.threshold, alpha: alphas == nil ? nil : best.alpha,
            validation: Classification(positives: scores(split.validation), negatives: scores(split.validationNegatives), threshold: best.threshold),
            test: Classification(positives: scores(split.test), negatives: scores(split.testNegatives), threshold: best.threshold),
            testPositives: split.test.count, testNegatives: split.testNegatives.count)
    }

    /// The α (of `alphas`, or 0) and threshold with the best F1 on these pairs.
    public static func calibrate(positives: [LinkPredictionSplit.Pair], negatives: [LinkPredictionSplit.Pair], alphas: [Double]?,
                                 score: (Double, Int, Int) -> Double) -> (alpha: Double, threshold: Double, f1: Double) {
        var best = (alpha: 0.0, threshold: 0.0, f1: -1.0)
        for alpha in alphas ?? [0] {
            let found = Classification.bestThreshold(positives: positives.map { score(alpha, Int($0.parent), Int($0.child)) },
                                                     negatives: negatives.map { score(alpha, Int($0.parent), Int($0.child)) })
            if found.f1 > best.f1 { best = (alpha, found.threshold, found.f1) }
        }
        return best
    }

    /// The α values tried for Poincaré's is-a score (1 + α(‖parent‖ − ‖child‖))·d.
    public static let poincareAlphas: [Double] = [0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000]
}

/// Nickel & Kiela's is-a score: (1 + α(‖parent‖ − ‖child‖))·d(parent, child);
/// a parent nearer the origin than its child scores lower.
public func poincareIsAScore(_ p: UnsafeBufferPointer<Double>, ball: PoincareBall, alpha: Double, parent: Int, child: Int) -> Double {
    let (parentNorm, childNorm, _) = rowProducts(p, dims: ball.dims, parent, child)
    return (1 + alpha * (parentNorm.squareRoot() - childNorm.squareRoot())) * ball.distance(p, parent, child)
}
