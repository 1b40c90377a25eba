import Foundation
import TaxonLinalg

/// An example as scoring needs it: its vectors, its classes and its concept.
public struct ExampleVectors: Sendable {
    public var descriptor: [Float]?
    public var embedding: [Float]?
    /// Network class index and probability: the example's most probable classes (a concept: itself).
    public var classes: [(index: Int, probability: Float)]
    /// Its node in the collection's concept tree.
    public var concept: Int?
    /// Its row in the collection when it is an indexed image (kept out of the results).
    public var row: Int?
    /// Its style descriptor in the collection's style space, and its colour composition (photos only).
    public var style: [Float]?
    public var colour: [Float]?

    /// An example from its parts.
    public init(descriptor: [Float]?, embedding: [Float]?, classes: [(index: Int, probability: Float)], concept: Int?, row: Int? = nil,
                style: [Float]? = nil, colour: [Float]? = nil) {
        (self.descriptor, self.embedding, self.classes, self.concept, self.row) = (descriptor, embedding, classes, concept, row)
        (self.style, self.colour) = (style, colour)
    }
}

/// Per-image scores on each side after a strategy has combined the examples, the ranking that orders them,
/// and the examples' generalisation where it was asked for.
struct SideScores {
    var semantic: [Float]?
    var visual: [Float]?
    var ranking: Ranking
    var meaning: Generalisation?
    /// A plain semantic-first query's descriptor when its visual side is left to `visualCosines(…)`.
    var deferredVisual: [Float]? = nil
}

/// The learned strategy's fixed parts, measured on tiny-imagenet-val (docs/SEARCH.md).
enum LearnedStrategy {
    /// Weight of the class vote added to the semantic side.
    static let classVoteWeight: Float = 0.5
    /// The semantic weights tried; the first of the best is kept.
    static let alphas = [0.25, 0.5, 0.75]
    /// The weight when the judged examples cannot choose (no judged positive or no negative).
    static let defaultAlpha = 0.5
}

extension SearchEngine {
    /// Every image's sort key (higher first) for these examples, and the ranking that made them: what the
    /// query route ranks by, for callers that rank the whole collection themselves (the feedback simulation).
    public func keys(positives: [ExampleVectors], negatives: [ExampleVectors], strategy: FeedbackStrategy, ranking: Ranking) throws -> (keys: [Double], ranking: Ranking) {
        let scores = try scored(positives: positives, negatives: negatives, strategy: strategy, ranking: ranking, meaning: false)
        let (semantic, visual, applied) = (scores.semantic, scores.visual, scores.ranking)
        return ((0..<index.count).map { applied.key(semantic: semantic?[$0], visual: visual?[$0]) }, applied)
    }

    /// The examples' per-image scores under `strategy`, checked against the ranking they need; with `meaning`
    /// (and always for the generalise strategy) the examples' generalisation too, computed once.
    /// `deferVisual`: a plain semantic-first query leaves its visual side to the caller, which needs it only
    /// for the levels that reach its page.
    func scored(positives: [ExampleVectors], negatives: [ExampleVectors], strategy: FeedbackStrategy, ranking: Ranking, meaning: Bool,
                deferVisual: Bool = false) throws -> SideScores {
        guard index.count > 0 else { throw SearchError.emptyCollection(index.info.name) }
        if case .semanticFirst(nil) = ranking, levelWidth == nil { throw SearchError.noEmbedding(collection: index.info.name) }
        let generalisation = meaning || strategy.kind == .generalise
            ? self.generalisation(positives: positives, negatives: negatives) : nil
        var scores = try sideScores(positives: positives, negatives: negatives, strategy: strategy, ranking: try ranking.withLevelWidth(levelWidth),
                                    meaning: generalisation, deferVisual: deferVisual)
        let applied = scores.ranking
        if (applied == .visual || applied.kind == .blend) && scores.visual == nil { throw SearchError.needsVisualQuery(ranking: applied.name) }
        if applied != .visual && scores.semantic == nil {
            if index.embeddings == nil { throw SearchError.noEmbedding(collection: index.info.name) }
            throw SearchError.badParameter("the \(applied.name) ranking needs a semantic query vector")
        }
        scores.meaning = generalisation
        return scores
    }

    /// Combines the examples into per-image scores under `strategy`. One positive and no negative is a plain
    /// search under `ranking`, whatever the strategy; `meaning` is the examples' generalisation (the generalise strategy's semantic side).
    private func sideScores(positives: [ExampleVectors], negatives: [ExampleVectors], strategy: FeedbackStrategy, ranking: Ranking,
                            meaning: Generalisation?, deferVisual: Bool) throws -> SideScores {
        let plain = positives.count == 1 && negatives.isEmpty
        let semantic = try side(\.embedding, index.embeddings, index.embeddingDims, positives, negatives, plain ? nil : strategy)
        if deferVisual, plain, ranking.kind == .semanticFirst, semantic != nil, let descriptor = positives[0].descriptor {
            return SideScores(semantic: semantic, visual: nil, ranking: ranking, deferredVisual: descriptor)
        }
        let visual = try side(\.descriptor, index.descriptors, index.descriptorDims, positives, negatives, plain ? nil : strategy)
        if case .generalise = strategy, !plain, let tree, semantic != nil, let meaning {
            return SideScores(semantic: taxonomyScores(tree, meaning), visual: visual, ranking: ranking)
        }
        guard case let .learned(gamma) = strategy, !plain else { return SideScores(semantic: semantic, visual: visual, ranking: ranking) }
        guard var semantic else { return SideScores(semantic: nil, visual: visual, ranking: .visual) }
        let weights = classWeights(positives, negatives, gamma: gamma)
        for i in 0..<index.count { semantic[i] += LearnedStrategy.classVoteWeight * classVote(row: i, weights) }
        guard visual != nil else { return SideScores(semantic: semantic, visual: nil, ranking: .semantic) }
        let alpha = learnedAlpha(positives, negatives, gamma: gamma, weights: weights)
        return SideScores(semantic: semantic, visual: visual, ranking: .blend(alpha: alpha))
    }

    /// The visual cosines a semantic-first page needs: those of the candidates in the levels that can reach
    /// its first `need` places (−1 for the rest, which rank below them whatever their cosine). The descriptors
    /// are the larger half of a scan (1,280 floats an image against the semantic side's 1,000).
    func visualCosines(_ descriptor: [Float], reaching need: Int, of candidates: [Int], semantic: [Float], ranking: Ranking) throws -> [Float] {
        var perLevel: [Int: Int] = [:]
        for row in candidates { perLevel[ranking.level(semantic: semantic[row])!, default: 0] += 1 }
        var threshold = Int.max, count = 0
        for level in perLevel.keys.sorted(by: >) where count < need {
            (threshold, count) = (level, count + perLevel[level]!)
        }
        let rows = candidates.filter { ranking.level(semantic: semantic[$0])! >= threshold }
        var visual = [Float](repeating: -1, count: index.count)
        for (row, cosine) in zip(rows, try index.cosines(index.descriptors, dims: index.descriptorDims, descriptor, rows: rows)) { visual[row] = cosine }
        return visual
    }

    /// One side's (or facet's) scores: the examples that have its vector, combined (nil strategy: the first positive alone).
    func side(_ vector: (ExampleVectors) -> [Float]?, _ matrix: [Float]?, _ dims: Int,
              _ positives: [ExampleVectors], _ negatives: [ExampleVectors], _ strategy: FeedbackStrategy?) throws -> [Float]? {
        guard let matrix else { return nil }
        let pos = positives.compactMap(vector), neg = negatives.compactMap(vector)
        guard let first = pos.first else { return nil }
        switch strategy {
        case nil: return try index.cosines(matrix, dims: dims, first)
        case let .rocchio(alpha, beta, gamma):
            // Unit q′; if the negatives cancel everything, the first positive.
            let moved = combine([(first, alpha)] + mean(pos, beta) + mean(neg, -gamma), dims: dims)
            let norm = moved.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return try index.cosines(matrix, dims: dims, norm > 1e-12 ? moved.map { $0 / norm } : first)
        case let .average(gamma), let .learned(gamma), let .generalise(gamma):
            // Mean cosines are the cosine with the mean vector: one pass.
            return try index.cosines(matrix, dims: dims, combine(mean(pos, 1) + mean(neg, -gamma), dims: dims))
        case let .bestScore(gamma):
            // Highest cosine per image over a group: one sgemm for all its examples.
            func highest(_ group: [[Float]]) throws -> [Float] {
                let all = try index.cosines(matrix, dims: dims, group)
                return (0..<index.count).map { i in (0..<group.count).reduce(-Float.infinity) { max($0, all[$1 * index.count + i]) } }
            }
            let best = try highest(pos)
            guard !neg.isEmpty else { return best }
            return zip(best, try highest(neg)).map { $0 - Float(gamma) * $1 }
        }
    }

    /// Each image's lcs-height similarity to the generalisation, 0 for images under an excluded concept or without one.
    private func taxonomyScores(_ tree: ConceptTree, _ meaning: Generalisation) -> [Float] {
        var byConcept: [Int: Float] = [:]
        return imageConcepts.map { node in
            guard node >= 0 else { return 0 }
            if let known = byConcept[node] { return known }
            let score = meaning.excluded.contains { tree.isUnder(node, $0) } ? 0 : Float(tree.similarity(meaning.concept, node))
            byConcept[node] = score
            return score
        }
    }

    /// Each vector with weight `total / count` (nothing for no vectors).
    private func mean(_ vectors: [[Float]], _ total: Double) -> [([Float], Double)] {
        vectors.map { ($0, total / Double(vectors.count)) }
    }

    /// Σ weight × vector.
    private func combine(_ terms: [([Float], Double)], dims: Int) -> [Float] {
        var sum = [Float](repeating: 0, count: dims)
        for (vector, weight) in terms { for d in 0..<dims { sum[d] += Float(weight) * vector[d] } }
        return sum
    }

    /// Per network class: mean probability among the positives − γ × among the negatives.
    private func classWeights(_ positives: [ExampleVectors], _ negatives: [ExampleVectors], gamma: Double) -> [Float] {
        var weights = [Float](repeating: 0, count: analyzer.classes.count)
        for (group, total) in [(positives, 1.0), (negatives, -gamma)] where !group.isEmpty {
            let share = Float(total / Double(group.count))
            for example in group { for (c, p) in example.classes { weights[c] += share * p } }
        }
        return weights
    }

    /// Σ over the image's stored top classes of probability × weight.
    private func classVote(row: Int, _ weights: [Float]) -> Float {
        let k = index.topClassesPerImage
        var vote: Float = 0
        for j in (row * k)..<((row + 1) * k) where index.topClassIDs[j] >= 0 {
            let network = classOfVocabulary[Int(index.topClassIDs[j])]
            if network >= 0 { vote += index.topClassProbabilities[j] * weights[network] }
        }
        return vote
    }

    /// The semantic weight that best separates the judged examples (every positive after the first, and the
    /// negatives), scored like the collection: the share of (positive, negative) pairs ordered right (AUC).
    private func learnedAlpha(_ positives: [ExampleVectors], _ negatives: [ExampleVectors], gamma: Double, weights: [Float]) -> Double {
        func complete(_ e: ExampleVectors) -> Bool { e.embedding != nil && e.descriptor != nil }
        let judgedPositives = positives.dropFirst().filter(complete), judgedNegatives = negatives.filter(complete)
        guard !judgedPositives.isEmpty, !judgedNegatives.isEmpty else { return LearnedStrategy.defaultAlpha }
        func sides(_ e: ExampleVectors) -> (semantic: Double, visual: Double) {
            func mean(_ group: [ExampleVectors], _ vector: KeyPath<ExampleVectors, [Float]?>) -> Double {
                let values = group.compactMap { $0[keyPath: vector] }
                guard !values.isEmpty else { return 0 }
                return values.reduce(0) { $0 + Double(dot($1, e[keyPath: vector]!)) } / Double(values.count)
            }
            let vote = e.classes.reduce(0) { $0 + Double($1.probability * weights[$1.index]) }
            return (mean(positives, \.embedding) - gamma * mean(negatives, \.embedding) + Double(LearnedStrategy.classVoteWeight) * vote,
                    mean(positives, \.descriptor) - gamma * mean(negatives, \.descriptor))
        }
        let good = judgedPositives.map(sides), bad = judgedNegatives.map(sides)
        var best = (auc: -1.0, alpha: LearnedStrategy.defaultAlpha)
        for alpha in LearnedStrategy.alphas {
            func score(_ s: (semantic: Double, visual: Double)) -> Double { alpha * s.semantic + (1 - alpha) * s.visual }
            let ordered = good.reduce(0) { sum, g in sum + bad.filter { score(g) > score($0) }.count }
            let auc = Double(ordered) / Double(good.count * bad.count)
            if auc > best.auc + 1e-9 { best = (auc, alpha) }
        }
        return best.alpha
    }
}

/// The dot product of two rows (the cosine of unit rows).
func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
