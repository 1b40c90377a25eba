import Foundation
import TaxonCore
import TaxonEmbed
import TaxonModel

/// A stored poincare or cones embedding with the closure it was trained on.
public struct StoredHyperbolic {
    public let info: EmbeddingInfo
    public let parameters: [String: String]
    public let taxonomy: Taxonomy
    public let closure: TransitiveClosure
    public let scorer: HyperbolicScorer
}

/// What `entails` decides for one pair.
public struct EntailmentVerdict: Encodable, Sendable {
    public let a: String
    public let b: String
    /// poincare or cones: what the score is (an is-a score or a cone energy).
    public let model: String
    public let score: Double
    public let threshold: Double
    public let entails: Bool
    public let inTaxonomy: Bool
}

/// What training stored and how it scores.
public struct HyperbolicTrainingReport: Sendable {
    public let name: String
    public let nodes: Int
    public let dims: Int
    public let model: HyperbolicModel
    public let trainingEdges: Int
    /// The checkpoint kept (splits only).
    public let keptEpoch: Int?
    public let linkPrediction: LinkPrediction?
    /// Reconstruction of the whole closure, for closures small enough to score at once.
    public let reconstruction: Reconstruction?
}

/// Hyperbolic embeddings of taxonomy closures: training, evaluation, entailment.
public struct HyperbolicService {
    public let store: any Store
    /// A service over one store connection (use it from one thread at a time).
    public init(store: any Store) { self.store = store }

    /// Closures up to this many nodes are scored for reconstruction right after training.
    public static let reconstructionAfterTrainingLimit = 20_000

    /// The closure an embedding is trained on: its taxonomy's nouns (for a
    /// WordNet) or the subtree under `root`; without the top node for a split.
    public func trainingClosure(taxonomy name: String?, root: String?, split: Bool) throws -> (Taxonomy, TransitiveClosure) {
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: name))
        let rootNode = try root.map { try taxonomy.node(for: $0, in: store) }
        let pos: UInt8? = rootNode == nil && taxonomy.info.kind != .hierarchy ? UInt8(ascii: "n") : nil
        return (taxonomy, try TransitiveClosure(taxonomy: taxonomy, root: rootNode, pos: pos, dropRoot: split))
    }

    /// Loads a stored hyperbolic embedding and checks it still matches its closure.
    public func stored(_ name: String) throws -> StoredHyperbolic {
        let (info, values) = try store.embedding(named: name)
        guard let model = HyperbolicModel(rawValue: info.method) else {
            throw ServiceError.unsuitable("'\(name)' is a \(info.method) embedding, not a hyperbolic one (poincare or cones)")
        }
        let parameters = try info.parameterValues()
        let (taxonomy, closure) = try trainingClosure(taxonomy: parameters["taxonomy"], root: parameters["root"],
                                                      split: parameters["split_percent"] != nil)
        let keys = closure.nodes.map { [taxonomy] in taxonomy.keys[$0] }
        guard info.rows == closure.count, values.count == closure.count * info.dims, try store.classMembers(of: info.classSet).map(\.key) == keys else {
            throw ServiceError.unsuitable("'\(name)' no longer matches the closure of its taxonomy: train it again")
        }
        let scorer = HyperbolicScorer(model: model, points: values, dims: info.dims, K: Double(parameters["K"] ?? "") ?? 0.1)
        return StoredHyperbolic(info: info, parameters: parameters, taxonomy: taxonomy, closure: closure, scorer: scorer)
    }

    /// Trains on the closure and stores the points as an embedding (and a class set of its nodes) named `name`.
    /// `closureReady` is told the closure's size before training starts; `progress` sees every epoch.
    public func train(name: String, taxonomy: String?, root: String?, options: HyperbolicOptions, replace: Bool,
                      closureReady: (TransitiveClosure) -> Void = { _ in },
                      progress: (String, EpochReport, Double?) -> Void = { _, _, _ in }) throws -> HyperbolicTrainingReport {
        try store.checkNameIsFree(name, kind: .classSet, replace: replace)
        try store.checkNameIsFree(name, kind: .embedding, replace: replace)
        let (taxonomy, closure) = try trainingClosure(taxonomy: taxonomy, root: root, split: options.splitPercent != nil)
        closureReady(closure)
        let trained = try HyperbolicTrainer.train(closure, options: options, progress: progress)
        let ids = try store.conceptIDs(keys: closure.nodes.map { taxonomy.keys[$0] }, in: taxonomy.info).map { $0! }
        var parameters = ["taxonomy": taxonomy.info.name, "dims": String(options.dims), "epochs": String(options.resolvedEpochs),
                          "negatives": String(options.resolvedNegatives), "learning_rate": String(options.resolvedLearningRate),
                          "seed": String(options.seed), "threshold": String(trained.threshold), "training_edges": String(trained.trainingEdges),
                          "kept_epoch": String(trained.epoch)]
        if let root { parameters["root"] = root }
        if let splitPercent = options.splitPercent { parameters["split_percent"] = String(splitPercent) }
        if options.model == .poincare { parameters["alpha"] = String(trained.alpha) }
        if options.model == .cones { parameters.merge(["K": "0.1", "margin": "0.01", "pretrain_epochs": String(options.pretrainEpochs)]) { $1 } }
        try store.writeClassSetAndEmbedding(name: name, taxonomyID: taxonomy.info.id, source: "closure for \(name)", concepts: ids,
                                            method: options.model.rawValue, parameters: parameters, dims: options.dims, values: trained.points,
                                            replace: replace)
        var reconstruction: Reconstruction?
        if trained.linkPrediction == nil && closure.count <= Self.reconstructionAfterTrainingLimit {
            let scorer = HyperbolicScorer(model: options.model, points: trained.points, dims: options.dims)
            reconstruction = Reconstruction.evaluate(closure, score: scorer.reconstructionScore)
        }
        return HyperbolicTrainingReport(name: name, nodes: closure.count, dims: options.dims, model: options.model,
                                        trainingEdges: trained.trainingEdges, keptEpoch: options.splitPercent == nil ? nil : trained.epoch,
                                        linkPrediction: trained.linkPrediction, reconstruction: reconstruction)
    }

    /// Reconstruction of the embedding's whole closure.
    public func reconstruction(_ name: String) throws -> Reconstruction {
        let stored = try stored(name)
        return Reconstruction.evaluate(stored.closure, score: stored.scorer.reconstructionScore)
    }

    /// Link prediction on the test edges of the split it was trained on.
    public func linkPrediction(_ name: String) throws -> LinkPrediction {
        let stored = try stored(name)
        guard let percent = stored.parameters["split_percent"].flatMap(Int.init), let seed = stored.parameters["seed"].flatMap(UInt64.init) else {
            throw ServiceError.unsuitable("'\(name)' was trained on its whole closure, so no edges were held out: train it with a split percentage")
        }
        let split = try LinkPredictionSplit(stored.closure, trainPercent: percent, seed: seed)
        return LinkPrediction.evaluate(split, alphas: stored.scorer.alphas, score: stored.scorer.isAScore)
    }

    /// Whether `a` is-a `b` in the embedding: its score against the stored threshold.
    public func entails(_ a: String, _ b: String, embedding: String) throws -> EntailmentVerdict {
        let stored = try stored(embedding)
        func row(_ reference: String) throws -> Int {
            let node = try stored.taxonomy.node(for: reference, in: store)
            guard let row = stored.closure.nodes.firstIndex(of: node) else {
                throw ServiceError.missing("\(stored.taxonomy.names[node]) is not among the nodes of '\(embedding)'")
            }
            return row
        }
        let child = try row(a), parent = try row(b)
        let threshold = Double(stored.parameters["threshold"] ?? "") ?? 0
        let score = stored.scorer.isAScore(alpha: Double(stored.parameters["alpha"] ?? "") ?? 0, parent: parent, child: child)
        return EntailmentVerdict(a: stored.taxonomy.names[stored.closure.nodes[child]], b: stored.taxonomy.names[stored.closure.nodes[parent]], model: stored.info.method,
                                 score: score, threshold: threshold, entails: score <= threshold,
                                 inTaxonomy: stored.closure.ancestors[child].contains(Int32(parent)))
    }
}
