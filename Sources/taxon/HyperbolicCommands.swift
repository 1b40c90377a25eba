import ArgumentParser
import Foundation
import TaxonEmbed
import TaxonKit

struct Hyperbolic: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hyperbolic embeddings of a taxonomy's transitive closure: Poincaré (Nickel & Kiela 2017) and entailment cones (Ganea et al. 2018).",
        subcommands: [HyperbolicTrain.self, HyperbolicEval.self])
}

extension HyperbolicModel: ExpressibleByArgument {}

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
        var options = HyperbolicOptions()
        (options.model, options.dims, options.epochs, options.negatives) = (model, dim, epochs, negatives)
        (options.learningRate, options.pretrainEpochs, options.splitPercent, options.seed) = (learningRate, pretrainEpochs, splitPercent, seed)
        let interactive = isatty(STDOUT_FILENO) != 0
        let report = try HyperbolicService(store: try store.openExisting()).train(
            name: name, taxonomy: taxonomy, root: root, options: options, replace: replace,
            closureReady: { print("closure: \($0.count) nodes, \($0.edges.count) edges") }
        ) { stage, report, validationF1 in
            guard interactive || report.epoch % 50 == 0 || validationF1 != nil else { return }
            let checkpoint = validationF1.map { String(format: "  validation F1 %.1f", $0) } ?? ""
            print("\(stage) epoch \(report.epoch)  loss \(String(format: "%.5f", report.loss))  \(String(format: "%.1f", report.seconds)) s" + checkpoint)
            fflush(nil)  // a long run piped to a log shows its progress
        }
        let kept = report.keptEpoch.map { ", points of epoch \($0) (best validation F1)" } ?? ""
        print("stored \(name): \(report.nodes) × \(dim) (\(model.rawValue)), trained on \(report.trainingEdges) edges\(kept)")
        if let result = report.linkPrediction {
            print(TextReports.linkPrediction(result))
        } else if let result = report.reconstruction {
            print(TextReports.reconstruction(result))
        } else {
            print("(reconstruction over \(report.nodes) nodes takes a while: taxon hyperbolic eval \(name) --protocol reconstruction)")
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
        let service = HyperbolicService(store: try store.openExisting())
        switch evaluation {
        case .reconstruction:
            let result = try service.reconstruction(name)
            if output.json { return try printJSON(result) }
            print(TextReports.reconstruction(result))
        case .linkPrediction:
            let result = try service.linkPrediction(name)
            if output.json { return try printJSON(result) }
            print(TextReports.linkPrediction(result))
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

    func run() throws {
        let verdict = try HyperbolicService(store: try store.openExisting()).entails(a, b, embedding: embedding)
        if output.json { return try printJSON(verdict) }
        print(TextReports.entailment(verdict))
    }
}
