import Foundation
import TaxonLinalg

/// The two hyperbolic models: Poincaré embeddings (Nickel & Kiela) and entailment cones (Ganea et al.).
public enum HyperbolicModel: String, Sendable, CaseIterable {
    case poincare, cones
}

/// A trained hyperbolic embedding's scores; lower always means nearer, or
/// "more likely child is-a parent".
public struct HyperbolicScorer: Sendable {
    public let model: HyperbolicModel
    public let points: [Double]
    public let ball: PoincareBall
    public let cone: EntailmentCone

    /// Scores points of either model; K is the cones' aperture constant.
    public init(model: HyperbolicModel, points: [Double], dims: Int, K: Double = 0.1) {
        self.model = model
        self.points = points
        ball = PoincareBall(dims: dims)
        cone = EntailmentCone(dims: dims, K: K)
    }

    /// Poincaré: (1 + α(‖parent‖ − ‖child‖))·d; cones: the energy E(parent, child).
    public func isAScore(alpha: Double, parent: Int, child: Int) -> Double {
        points.withUnsafeBufferPointer { p in
            switch model {
            case .poincare: return poincareIsAScore(p, ball: ball, alpha: alpha, parent: parent, child: child)
            case .cones: return cone.energy(p, parent: parent, child: child)
            }
        }
    }

    /// Reconstruction ranks candidates by Poincaré distance, or by the cone energy of the candidate as parent.
    public func reconstructionScore(child: Int, candidate: Int) -> Double {
        points.withUnsafeBufferPointer { p in
            switch model {
            case .poincare: return ball.distance(p, child, candidate)
            case .cones: return cone.energy(p, parent: candidate, child: child)
            }
        }
    }

    public var alphas: [Double]? { model == .poincare ? LinkPrediction.poincareAlphas : nil }
}

/// Everything `taxon hyperbolic train` sets; nil means the model's default.
public struct HyperbolicOptions: Sendable {
    public var model = HyperbolicModel.poincare
    public var dims = 5
    public var epochs: Int?
    public var negatives: Int?
    public var learningRate: Double?
    /// Cones: epochs of Poincaré pre-training.
    public var pretrainEpochs = 100
    /// Ganea's split: train on the basic edges plus this % of the others.
    public var splitPercent: Int?
    public var seed: UInt64 = 1

    /// Poincaré, 5 dimensions, the model's defaults for the rest.
    public init() {}

    /// Poincaré on a split, and the cones' pre-training, follow the cones
    /// reference's Poincaré: 100 epochs, 10 negatives, learning rate 0.03.
    static let linkPredictionPoincare = (epochs: 100, negatives: 10, learningRate: 0.03)

    /// The model's defaults for what is left nil.
    var defaults: (epochs: Int, negatives: Int, learningRate: Double) {
        if model == .cones { return (ConeTrainer().epochs, ConeTrainer().negatives, ConeTrainer().learningRate) }
        if splitPercent != nil { return Self.linkPredictionPoincare }
        return (PoincareTrainer().epochs, PoincareTrainer().negatives, PoincareTrainer().learningRate)
    }

    public var resolvedEpochs: Int { epochs ?? defaults.epochs }
    public var resolvedNegatives: Int { negatives ?? defaults.negatives }
    public var resolvedLearningRate: Double { learningRate ?? defaults.learningRate }
}

/// What training kept: the points, the threshold (and Poincaré's α) for is-a decisions, and the link-prediction result on a split.
public struct TrainedHyperbolic: Sendable {
    public let points: [Double]
    public let trainingEdges: Int
    /// The epoch whose points were kept: the last, or on a split the checkpoint with the best validation F1.
    public let epoch: Int
    /// On the held-out edges, when trained on a split.
    public let linkPrediction: LinkPrediction?
    /// The is-a verdict: score ≤ threshold (with α for Poincaré), from the
    /// validation edges, or without a split from 10,000 training edges and
    /// their corrupted pairs.
    public let threshold: Double
    public let alpha: Double
}

/// Trains either model on a closure, on its whole or on a link-prediction split, keeping the best checkpoint by validation F1.
public enum HyperbolicTrainer {
    /// Validation F1 is measured every this many epochs on a split.
    public static let checkpointEvery = 20

    /// Trains on `closure` (or on its split's training edges) and calibrates
    /// the is-a threshold. On a split, as the cones reference does, the
    /// validation F1 is measured every 20 epochs (and after the last) and the
    /// points of the best checkpoint are kept. `progress`: the stage
    /// ("poincare", "pretrain", "cones"), the epoch's report, and the
    /// validation F1 at checkpoints.
    public static func train(_ closure: TransitiveClosure, options: HyperbolicOptions,
                             progress: (String, EpochReport, Double?) -> Void = { _, _, _ in }) throws -> TrainedHyperbolic {
        let split = try options.splitPercent.map { try LinkPredictionSplit(closure, trainPercent: $0, seed: options.seed) }
        let training = split.map { closure.keeping($0.train) } ?? closure
        let epochs = options.resolvedEpochs
        var best: (f1: Double, epoch: Int, points: [Double])?
        // The final stage's epochs: checkpointed on a split.
        func checkpoint(_ stage: String, _ report: EpochReport) {
            guard let split, report.epoch % checkpointEvery == 0 || report.epoch == epochs else { return progress(stage, report, nil) }
            let scorer = HyperbolicScorer(model: options.model, points: report.points, dims: options.dims)
            let f1 = LinkPrediction.calibrate(positives: split.validation, negatives: split.validationNegatives,
                                              alphas: scorer.alphas, score: scorer.isAScore).f1
            if f1 > best?.f1 ?? -1 { best = (f1, report.epoch, report.points) }
            progress(stage, report, f1)
        }
        var poincare = PoincareTrainer()
        poincare.dims = options.dims
        poincare.seed = options.seed
        var points: [Double]
        switch options.model {
        case .poincare:
            poincare.epochs = epochs
            poincare.negatives = options.resolvedNegatives
            poincare.learningRate = options.resolvedLearningRate
            points = try poincare.train(training) { checkpoint("poincare", $0) }
        case .cones:
            guard options.pretrainEpochs >= 1 else {
                throw HyperbolicError.badOption("--pretrain-epochs must be at least 1, not \(options.pretrainEpochs)")
            }
            poincare.epochs = options.pretrainEpochs
            poincare.negatives = HyperbolicOptions.linkPredictionPoincare.negatives
            poincare.learningRate = HyperbolicOptions.linkPredictionPoincare.learningRate
            let initial = try poincare.train(training) { progress("pretrain", $0, nil) }
            var cones = ConeTrainer()
            cones.epochs = epochs
            cones.negatives = options.resolvedNegatives
            cones.learningRate = options.resolvedLearningRate
            cones.seed = options.seed
            points = try cones.train(training, initial: initial, dims: options.dims) { checkpoint("cones", $0) }
        }
        var epoch = epochs
        if let best { (points, epoch) = (best.points, best.epoch) }
        let scorer = HyperbolicScorer(model: options.model, points: points, dims: options.dims)
        if let split {
            let result = LinkPrediction.evaluate(split, alphas: scorer.alphas, score: scorer.isAScore)
            return TrainedHyperbolic(points: points, trainingEdges: training.edges.count, epoch: epoch, linkPrediction: result,
                                     threshold: result.threshold, alpha: result.alpha ?? 0)
        }
        var generator = SplitMix64(seed: options.seed)
        let sample = (0..<min(10_000, closure.edges.count)).map { _ in closure.edges[Int(generator.next() % UInt64(closure.edges.count))] }
            .map { (parent: $0.ancestor, child: $0.child) }
        let negatives = LinkPredictionSplit.corrupted(sample, closure, descendants: closure.descendants(), generator: &generator)
        let calibrated = LinkPrediction.calibrate(positives: sample, negatives: negatives, alphas: scorer.alphas, score: scorer.isAScore)
        return TrainedHyperbolic(points: points, trainingEdges: training.edges.count, epoch: epoch, linkPrediction: nil,
                                 threshold: calibrated.threshold, alpha: calibrated.alpha)
    }
}
