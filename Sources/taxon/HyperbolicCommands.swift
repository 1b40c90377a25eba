import ArgumentParser
import Foundation
import TaxonCore
import TaxonEmbed
import TaxonStore

struct Hyperbolic: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Poincaré embeddings of a taxonomy's transitive closure (Nickel & Kiela 2017).",
        subcommands: [HyperbolicTrain.self, HyperbolicEval.self])
}

/// The closure an embedding was trained on, rebuilt from its parameters.
func trainingClosure(_ db: Store, taxonomy name: String?, root: String?) throws -> (Taxonomy, TransitiveClosure) {
    let taxonomy = try Taxonomy.load(from: db, taxonomy: try db.taxonomy(named: name))
    let rootNode = try root.map { try taxonomy.node(for: $0, in: db) }
    let pos: UInt8? = rootNode == nil && taxonomy.info.kind != "hierarchy" ? UInt8(ascii: "n") : nil
    return (taxonomy, try TransitiveClosure(taxonomy: taxonomy, root: rootNode, pos: pos))
}

struct HyperbolicTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train on the transitive closure of a taxonomy (its nouns, for a WordNet) or of the subtree under --root.")

    @OptionGroup var store: StoreOptions
    @Option(help: "The taxonomy (default: wordnet, or the only one).") var taxonomy: String?
    @Option(help: "Train on the subtree under this concept, e.g. mammal.n.01.") var root: String?
    @Option(help: "poincare (entailment cones are not built yet).") var model = "poincare"
    @Option(help: "Dimensions (at least 2).") var dim = 5
    @Option(help: "Epochs.") var epochs = 200
    @Option(help: "Negative samples per edge.") var negatives = 50
    @Option(help: "Learning rate.") var learningRate = 0.1
    @Option(help: "Seed (same seed, same embedding).") var seed: UInt64 = 1
    @Option(help: "The embedding's name (also the name of the class set of its nodes).") var name: String
    @Flag(help: "Replace an existing embedding and class set of that name.") var replace = false

    func run() throws {
        guard model == "poincare" else { throw CLIError("--model \(model): only poincare is built so far") }
        let db = try store.openExisting()
        try db.checkNameIsFree(name, kind: .classSet, replace: replace)
        try db.checkNameIsFree(name, kind: .embedding, replace: replace)
        let (taxonomy, closure) = try trainingClosure(db, taxonomy: self.taxonomy, root: root)
        var trainer = PoincareTrainer()
        trainer.dims = dim
        trainer.epochs = epochs
        trainer.negatives = negatives
        trainer.learningRate = learningRate
        trainer.seed = seed
        print("training on \(closure.count) nodes, \(closure.edges.count) closure edges")
        let interactive = isatty(STDOUT_FILENO) != 0
        let points = try trainer.train(closure) { epoch, loss, seconds in
            if interactive || epoch == epochs || epoch % 50 == 0 {
                print("epoch \(epoch)  loss \(String(format: "%.5f", loss))  \(String(format: "%.1f", seconds)) s")
            }
        }
        let ids = try db.conceptIDs(keys: closure.nodes.map { taxonomy.keys[$0] }, taxonomyID: taxonomy.info.id).map { $0! }
        var parameters = ["taxonomy": taxonomy.info.name, "dims": String(dim), "epochs": String(epochs), "negatives": String(negatives),
                          "learning_rate": String(learningRate), "seed": String(seed)]
        if let root { parameters["root"] = root }
        try db.writeClassSetAndEmbedding(name: name, taxonomyID: taxonomy.info.id, source: "closure for \(name)", concepts: ids,
                                         method: "poincare", parameters: parameters, dims: dim, values: points, replace: replace)
        let result = Reconstruction.evaluate(closure, points: points, manifold: PoincareBall(dims: dim))
        print("reconstruction: mean rank \(result.meanRank), MAP \(result.meanAveragePrecision) over \(result.pairs) edges")
    }
}

struct HyperbolicEval: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Evaluate a hyperbolic embedding.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The embedding.") var name: String
    @Option(help: "reconstruction (link prediction is not built yet).") var protocolName = "reconstruction"

    func run() throws {
        guard protocolName == "reconstruction" else { throw CLIError("--protocol-name \(protocolName): only reconstruction is built so far") }
        let db = try store.openExisting()
        let (info, values) = try db.embedding(named: name)
        guard info.method == "poincare" else { throw CLIError("'\(name)' is a \(info.method) embedding, not a hyperbolic one") }
        let parameters = try info.parameterValues()
        let (taxonomy, closure) = try trainingClosure(db, taxonomy: parameters["taxonomy"], root: parameters["root"])
        guard info.rows == closure.count, values.count == closure.count * info.dims,
              try db.classMembers(of: info.classSet).map(\.key) == closure.nodes.map({ taxonomy.keys[$0] }) else {
            throw CLIError("'\(name)' no longer matches the closure of its taxonomy: train it again")
        }
        let result = Reconstruction.evaluate(closure, points: values, manifold: PoincareBall(dims: info.dims))
        if output.json { return try printJSON(result) }
        print("reconstruction: mean rank \(result.meanRank), MAP \(result.meanAveragePrecision) over \(result.pairs) edges")
    }
}
