import ArgumentParser
import Foundation
import TaxonEmbed
import TaxonKit

extension EmbedMethod: ExpressibleByArgument {}

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Compute a class embedding of a class set and store it.",
        discussion: """
            Hierarchy methods (Barz & Denzler): unitsphere (Cholesky factor of S, exact), approx-sim (top --dims eigenvectors \
            × √eigenvalue), sparse (S = B·diag(Δ)·Bᵀ, one dimension per tree node, exact; with --dims its best rank-k fit \
            without forming S). S is lcs-height on --tree (a taxonomy holding the classes, e.g. from taxon tree), else on the \
            class set's own taxonomy. Text methods need --vectors: devise (the word vector of each class's name) and huse \
            (cosines that follow the classes' text similarity, --mix λ blends in S); --gloss adds the classes' glosses to their names.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The class set.") var classSet: String
    @Option(help: "The taxonomy to take similarities from (default: the class set's).") var tree: String?
    @Option(help: "unitsphere, approx-sim, sparse, devise or huse.") var method: EmbedMethod
    @Option(help: "Dimensions (approx-sim, huse; sparse low-rank).") var dims: Int?
    @Option(help: "The word-vector set (devise, huse).") var vectors: String?
    @Option(help: "huse: blend λ·A + (1 − λ)·S of text and taxonomy similarity.") var mix: Double?
    @Flag(help: "devise, huse: add the classes' glosses to their names.") var gloss = false
    @Flag(help: "L2-normalise the rows.") var normalize = false
    @Option(help: "The embedding's name.") var name: String
    @Flag(help: "Replace an existing embedding of that name.") var replace = false
    @Flag(help: "Also measure and print its fidelity (as taxon embedding fidelity).") var fidelity = false

    var request: EmbedRequest {
        var request = EmbedRequest(classSet: classSet, method: method, name: name)
        (request.tree, request.dims, request.vectors, request.mix) = (tree, dims, vectors, mix)
        (request.gloss, request.normalize, request.replace, request.measureFidelity) = (gloss, normalize, replace, fidelity)
        return request
    }

    func validate() throws {
        do { try request.validate() } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let report = try EmbeddingService(store: try store.openExisting()).embed(request)
        if output.json { return try printJSON(report) }
        for warning in report.warnings { note("warning: \(warning)") }
        print("embedding \(name): \(report.classes) × \(report.dims) (\(method.rawValue)) computed in \(String(format: "%.3f", report.seconds)) s")
        if let c = report.coverage {
            print("coverage: \(c.ownWord) of \(c.classes) classes by one of their own words (\(c.firstWord) by the first), \(c.hypernym) by a hypernym's")
        }
        if let measured = report.fidelity { print(TextReports.fidelity(measured)) }
    }
}

struct EmbeddingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedding", abstract: "List, export and query stored class embeddings.",
        subcommands: [EmbeddingList.self, EmbeddingExport.self, EmbeddingNeighborsCommand.self, EmbeddingFidelity.self, EmbeddingCompare.self])
}

struct EmbeddingList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The stored embeddings.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let all = try store.openExisting().embeddings()
        if output.json { return try printJSON(all) }
        for e in all {
            // Multi-line values (devise's per-class rules) are summarised; --json has them whole.
            let parameters = try e.parameterValues().sorted { $0.key < $1.key }
                .map { key, value in value.contains("\n") ? "\(key)=(\(value.split(separator: "\n").count) lines)" : "\(key)=\(value)" }
            print("\(e.name)  \(e.rows) × \(e.dims)  \(e.method)  class set \(e.classSet)  \(parameters.joined(separator: " "))")
        }
    }
}

enum Precision: String, ExpressibleByArgument { case float32, float64 }

struct EmbeddingExport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write an embedding as .npy (rows in class-set order).")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The embedding.") var name: String
    @Option(help: "The .npy file.") var out: String
    @Option(help: "Also write the class keys, one per line.") var labels: String?
    @Option(help: "float32 (default) or float64.") var dtype: Precision = .float32

    func run() throws {
        let info = try EmbeddingService(store: try store.openExisting()).export(name, to: out, float64: dtype == .float64, labels: labels)
        print("wrote \(out): \(info.rows) × \(info.dims) \(dtype.rawValue)")
    }
}

struct EmbeddingNeighborsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "neighbors", abstract: "The classes nearest to a class: by cosine, or by Poincaré distance for hyperbolic embeddings.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The embedding.") var name: String
    @Argument(help: "A class of its class set (key, NLTK-style name or word).") var ref: String
    @Option(name: .short, help: "How many.") var k = 10

    func run() throws {
        let (concept, neighbors) = try EmbeddingService(store: try store.openExisting()).neighbors(embedding: name, of: ref, k: k)
        if output.json { return try printJSON(neighbors) }
        print("\(concept.label)  \(concept.key)")
        for n in neighbors { print("  \(String(format: "%.6f", n.score))  \(n.name)  \(n.key)") }
    }
}

struct EmbeddingFidelity: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fidelity", abstract: "How well an embedding reproduces the class similarity it was built from.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The embedding.") var name: String

    func run() throws {
        let fidelity = try EmbeddingService(store: try store.openExisting()).hierarchyFidelity(of: name)
        if output.json { return try printJSON(fidelity) }
        print(TextReports.fidelity(fidelity))
    }
}

struct EmbeddingCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Spearman ρ between two embeddings' pairwise cosines over the class pairs of their class set.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The first embedding.") var first: String
    @Argument(help: "The second embedding.") var second: String

    struct Result: Encodable { let rho: Double; let pairs: Int }

    func run() throws {
        let (rho, pairs) = try EmbeddingService(store: try store.openExisting()).compare(first, second)
        if output.json { return try printJSON(Result(rho: rho, pairs: pairs)) }
        print("Spearman ρ \(rho) over \(pairs) class pairs")
    }
}

struct TextToClass: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text-to-class", abstract: "The classes nearest to a free-text query in a devise or huse embedding.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The query, e.g. \"small dog\".") var text: String
    @Option(help: "A devise or huse embedding.") var embedding: String
    @Option(name: .short, help: "How many.") var k = 10

    func run() throws {
        let (hits, unknown) = try EmbeddingService(store: try store.openExisting()).nearestClasses(toText: text, embedding: embedding, k: k)
        if output.json { return try printJSON(hits) }
        if !unknown.isEmpty { note("note: no vector for \(unknown.joined(separator: ", ")); left out") }
        for hit in hits { print("\(String(format: "%.6f", hit.cosine))  \(hit.name)  \(hit.key)") }
    }
}
