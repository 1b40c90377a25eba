import ArgumentParser
import Foundation
import TaxonCore
import TaxonEmbed
import TaxonStore

struct Hyperbolic: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hyperbolic embeddings of a taxonomy's transitive closure: Poincaré (Nickel & Kiela 2017) and entailment cones (Ganea et al. 2018).",
        subcommands: [HyperbolicTrain.self, HyperbolicEval.self])
}

extension HyperbolicModel: ExpressibleByArgument {}

/// The closure an embedding is trained on: its taxonomy's nouns (for a
/// WordNet) or the subtree under `root`; without the top node for a split.
func trainingClosure(_ db: Store, taxonomy name: String?, root: String?, split: Bool) throws -> (Taxonomy, TransitiveClosure) {
    let taxonomy = try Taxonomy.load(from: db, taxonomy: try db.taxonomy(named: name))
    let rootNode = try root.map { try taxonomy.node(for: $0, in: db) }
    let pos: UInt8? = rootNode == nil && taxonomy.info.kind != "hierarchy" ? UInt8(ascii: "n") : nil
    return (taxonomy, try TransitiveClosure(taxonomy: taxonomy, root: rootNode, pos: pos, dropRoot: split))
}

/// A stored poincare or cones embedding with the closure it was trained on.
struct StoredHyperbolic {
    let info: EmbeddingInfo
    let parameters: [String: String]
    let taxonomy: Taxonomy
    let closure: TransitiveClosure
    let scorer: HyperbolicScorer

    init(_ db: Store, name: String) throws {
        let (info, values) = try db.embedding(named: name)
        guard let model = HyperbolicModel(rawValue: info.method) else {
            throw CLIError("'\(name)' is a \(info.method) embedding, not a hyperbolic one (poincare or cones)")
        }
        parameters = try info.parameterValues()
        (taxonomy, closure) = try trainingClosure(db, taxonomy: parameters["taxonomy"], root: parameters["root"],
                                                  split: parameters["split_percent"] != nil)
        let keys = closure.nodes.map { [taxonomy] in taxonomy.keys[$0] }
        guard info.rows == closure.count, values.count == closure.count * info.dims, try db.classMembers(of: info.classSet).map(\.key) == keys else {
            throw CLIError("'\(name)' no longer matches the closure of its taxonomy: train it again")
        }
        self.info = info
        scorer = HyperbolicScorer(model: model, points: values, dims: info.dims, K: Double(parameters["K"] ?? "") ?? 0.1)
    }
}

func printLinkPrediction(_ result: LinkPrediction) {
    let alpha = result.alpha.map { ", α \($0)" } ?? ""
    print(String(format: "link prediction: test F1 %.1f (precision %.1f, recall %.1f) on %d edges + %d negatives; validation F1 %.1f; threshold %.6g",
                 result.test.f1, result.test.precision, result.test.recall, result.testPositives, result.testNegatives,
                 result.validation.f1, result.threshold) + alpha)
}

func printReconstruction(_ result: Reconstruction) {
    print("reconstruction: mean rank \(result.meanRank), MAP \(result.meanAveragePrecision) over \(result.pairs) edges")
}

struct HyperbolicTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train on the transitive closure of a taxonomy (its nouns, for a WordNet) or of the subtree under --root.",
        discussion: """
            poincare: Riemannian SGD on the softmax loss over negatives (200 epochs, 50 negatives, learning rate 0.1, \
            20 burn-in epochs; on a split 100 epochs, 10 negatives, learning rate 0.03, as the cones reference's Poincaré). \
            cones: Poincaré pre-training (--pretrain-epochs, 10 negatives, learning rate 0.03), rescaled by 0.7, then \
            entailment cones, K = 0.1, margin 0.01, 10 negatives, learning rate 0.0001, 600 epochs. With --split-percent P \
            the top node is left out, training uses the basic edges plus P % of the others (5 % each held out for \
            validation and test), and the points kept are those of the checkpoint (every 20 epochs) with the best \
            validation F1.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "The taxonomy (default: wordnet, or the only one).") var taxonomy: String?
    @Option(help: "Train on the subtree under this concept, e.g. mammal.n.01.") var root: String?
    @Option(help: "poincare or cones.") var model = HyperbolicModel.poincare
    @Option(help: "Dimensions (at least 2).") var dim = 5
    @Option(help: "Epochs (default: see above).") var epochs: Int?
    @Option(help: "Negative samples per edge (default: see above).") var negatives: Int?
    @Option(help: "Learning rate (default: see above).") var learningRate: Double?
    @Option(help: "cones: epochs of Poincaré pre-training.") var pretrainEpochs = 100
    @Option(help: "Link-prediction split: train on the basic edges plus 0, 10, 25, 50 or 90 % of the others.") var splitPercent: Int?
    @Option(help: "Seed (same seed, same split and embedding).") var seed: UInt64 = 1
    @Option(help: "The embedding's name (also the name of the class set of its nodes).") var name: String
    @Flag(help: "Replace an existing embedding and class set of that name.") var replace = false

    func run() throws {
        let db = try store.openExisting()
        try db.checkNameIsFree(name, kind: .classSet, replace: replace)
        try db.checkNameIsFree(name, kind: .embedding, replace: replace)
        let (taxonomy, closure) = try trainingClosure(db, taxonomy: self.taxonomy, root: root, split: splitPercent != nil)
        var options = HyperbolicOptions()
        options.model = model
        options.dims = dim
        options.epochs = epochs
        options.negatives = negatives
        options.learningRate = learningRate
        options.pretrainEpochs = pretrainEpochs
        options.splitPercent = splitPercent
        options.seed = seed
        print("closure: \(closure.count) nodes, \(closure.edges.count) edges")
        let interactive = isatty(STDOUT_FILENO) != 0
        let trained = try HyperbolicTrainer.train(closure, options: options) { stage, report, validationF1 in
            guard interactive || report.epoch % 50 == 0 || validationF1 != nil else { return }
            let checkpoint = validationF1.map { String(format: "  validation F1 %.1f", $0) } ?? ""
            print("\(stage) epoch \(report.epoch)  loss \(String(format: "%.5f", report.loss))  \(String(format: "%.1f", report.seconds)) s" + checkpoint)
            fflush(nil)  // a long run piped to a log shows its progress
        }
        let ids = try db.conceptIDs(keys: closure.nodes.map { taxonomy.keys[$0] }, taxonomyID: taxonomy.info.id).map { $0! }
        var parameters = ["taxonomy": taxonomy.info.name, "dims": String(dim), "epochs": String(options.resolvedEpochs),
                          "negatives": String(options.resolvedNegatives), "learning_rate": String(options.resolvedLearningRate),
                          "seed": String(seed), "threshold": String(trained.threshold), "training_edges": String(trained.trainingEdges),
                          "kept_epoch": String(trained.epoch)]
        if let root { parameters["root"] = root }
        if let splitPercent { parameters["split_percent"] = String(splitPercent) }
        if model == .poincare { parameters["alpha"] = String(trained.alpha) }
        if model == .cones { parameters.merge(["K": "0.1", "margin": "0.01", "pretrain_epochs": String(pretrainEpochs)]) { $1 } }
        try db.writeClassSetAndEmbedding(name: name, taxonomyID: taxonomy.info.id, source: "closure for \(name)", concepts: ids,
                                         method: model.rawValue, parameters: parameters, dims: dim, values: trained.points, replace: replace)
        let kept = splitPercent == nil ? "" : ", points of epoch \(trained.epoch) (best validation F1)"
        print("stored \(name): \(closure.count) × \(dim) (\(model.rawValue)), trained on \(trained.trainingEdges) edges\(kept)")
        if let result = trained.linkPrediction {
            printLinkPrediction(result)
        } else if closure.count <= 20_000 {
            let scorer = HyperbolicScorer(model: model, points: trained.points, dims: dim)
            printReconstruction(Reconstruction.evaluate(closure, score: scorer.reconstructionScore))
        } else {
            print("(reconstruction over \(closure.count) nodes takes a while: taxon hyperbolic eval \(name) --protocol reconstruction)")
        }
    }
}

enum EvaluationProtocol: String, ExpressibleByArgument { case reconstruction, linkPrediction = "link-prediction" }

struct HyperbolicEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a hyperbolic embedding: reconstruction of its whole closure, or link prediction on its split's test edges.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The embedding.") var name: String
    @Option(name: .customLong("protocol"), help: "reconstruction or link-prediction.") var evaluation = EvaluationProtocol.reconstruction

    func run() throws {
        let stored = try StoredHyperbolic(try store.openExisting(), name: name)
        switch evaluation {
        case .reconstruction:
            let result = Reconstruction.evaluate(stored.closure, score: stored.scorer.reconstructionScore)
            if output.json { return try printJSON(result) }
            printReconstruction(result)
        case .linkPrediction:
            guard let percent = stored.parameters["split_percent"].flatMap(Int.init), let seed = stored.parameters["seed"].flatMap(UInt64.init) else {
                throw CLIError("'\(name)' was trained on its whole closure, so no edges were held out: train with --split-percent")
            }
            let split = try LinkPredictionSplit(stored.closure, trainPercent: percent, seed: seed)
            let result = LinkPrediction.evaluate(split, alphas: stored.scorer.alphas, score: stored.scorer.isAScore)
            if output.json { return try printJSON(result) }
            printLinkPrediction(result)
        }
    }
}

struct Entails: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Whether A is-a B in a hyperbolic embedding: the cone energy E(B, A) (or Poincaré's is-a score) against its threshold.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The more specific concept, e.g. dog.n.01.") var a: String
    @Argument(help: "The more general concept, e.g. animal.n.01.") var b: String
    @Option(help: "A cones (or poincare) embedding.") var embedding: String

    struct Verdict: Encodable { let a: String; let b: String; let score: Double; let threshold: Double; let entails: Bool; let inTaxonomy: Bool }

    func run() throws {
        let db = try store.openExisting()
        let stored = try StoredHyperbolic(db, name: embedding)
        func row(_ reference: String) throws -> Int {
            let node = try stored.taxonomy.node(for: reference, in: db)
            guard let row = stored.closure.nodes.firstIndex(of: node) else {
                throw CLIError("\(stored.taxonomy.names[node]) is not among the nodes of '\(embedding)'")
            }
            return row
        }
        let child = try row(a), parent = try row(b)
        let threshold = Double(stored.parameters["threshold"] ?? "") ?? 0
        let score = stored.scorer.isAScore(alpha: Double(stored.parameters["alpha"] ?? "") ?? 0, parent: parent, child: child)
        let verdict = Verdict(a: stored.taxonomy.names[stored.closure.nodes[child]], b: stored.taxonomy.names[stored.closure.nodes[parent]],
                              score: score, threshold: threshold, entails: score <= threshold,
                              inTaxonomy: stored.closure.ancestors[child].contains(Int32(parent)))
        if output.json { return try printJSON(verdict) }
        let kind = stored.scorer.model == .cones ? "energy" : "is-a score"
        print("\(verdict.a) \(verdict.entails ? "entails" : "does not entail") \(verdict.b): \(kind) \(String(format: "%.6g", score)) "
              + "\(verdict.entails ? "≤" : ">") threshold \(String(format: "%.6g", threshold)) (in the taxonomy: \(verdict.inTaxonomy ? "yes" : "no"))")
    }
}
