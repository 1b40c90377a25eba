import ArgumentParser
import Foundation
import TaxonCore
import TaxonEmbed
import TaxonLinalg
import TaxonStore

extension HierarchyMethod: ExpressibleByArgument {}

/// The classes of a stored class set inside the hierarchy an embedding is built on.
func classHierarchy(_ db: Store, classSet: String, tree: String?) throws -> ClassHierarchy {
    let taxonomy = try Taxonomy.load(from: db, taxonomy: try db.taxonomy(named: tree ?? db.classSet(named: classSet).taxonomy))
    return try ClassHierarchy(taxonomy: taxonomy, classKeys: try db.classMembers(of: classSet).map(\.key))
}

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Compute a class embedding of a class set and store it.",
        discussion: """
            Hierarchy methods (Barz & Denzler): unitsphere (Cholesky factor of S, exact), approx-sim (top --dims eigenvectors \
            × √eigenvalue), sparse (S = B·diag(Δ)·Bᵀ, one dimension per tree node, exact; with --dims its best rank-k fit \
            without forming S). S is lcs-height on --tree (a taxonomy holding the classes, e.g. from taxon tree), else on the \
            class set's own taxonomy.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The class set.") var classSet: String
    @Option(help: "The taxonomy to take similarities from (default: the class set's).") var tree: String?
    @Option(help: "unitsphere, approx-sim or sparse.") var method: HierarchyMethod
    @Option(help: "Dimensions (approx-sim; sparse low-rank).") var dims: Int?
    @Flag(help: "L2-normalise the rows.") var normalize = false
    @Option(help: "The embedding's name.") var name: String
    @Flag(help: "Replace an existing embedding of that name.") var replace = false
    @Flag(help: "Also measure and print its fidelity (as taxon embedding fidelity).") var fidelity = false

    struct Report: Encodable {
        let embedding: String
        let classes: Int
        let dims: Int
        let seconds: Double
        let warnings: [String]
        let fidelity: Fidelity?
    }

    func run() throws {
        // Worth a second process start only for eigendecompositions; Cholesky is as fast either way.
        if method == .approxSim || (method == .sparse && dims != nil) { BLASKernels.restartWithAVX2KernelsIfMisdetected() }
        let db = try store.openExisting()
        let clock = ContinuousClock()
        let started = clock.now
        let hierarchy = try classHierarchy(db, classSet: classSet, tree: tree)
        let rows = try HierarchyEmbedder.embed(hierarchy, method: method, dims: dims, normalize: normalize)
        let elapsed = clock.now - started
        var parameters = ["taxonomy": hierarchy.taxonomy.info.name, "normalize": String(normalize)]
        if let dims { parameters["dims"] = String(dims) }
        try db.writeEmbedding(name: name, classSet: classSet, method: method.rawValue, parameters: parameters, dims: rows.columns,
                              values: rows.values, replace: replace)
        let warnings = hierarchy.ancestorsOfOthers.isEmpty ? [] : [
            "\(hierarchy.ancestorsOfOthers.count) class(es) are ancestors of other classes (first: \(hierarchy.taxonomy.names[hierarchy.classes[hierarchy.ancestorsOfOthers[0]]])); their self-similarity is taken as 1, as in Barz & Denzler's reference",
        ]
        let report = Report(embedding: name, classes: rows.rows, dims: rows.columns,
                            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                            warnings: warnings, fidelity: fidelity ? Fidelity.measure(hierarchy, rows: rows) : nil)
        if output.json { return try printJSON(report) }
        for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        print("embedding \(name): \(report.classes) × \(report.dims) (\(method.rawValue)) computed in \(String(format: "%.3f", report.seconds)) s")
        if let measured = report.fidelity { printFidelity(measured) }
    }
}

func printFidelity(_ f: Fidelity) {
    print("fidelity over \(f.pairs) \(f.sampled ? "sampled " : "")pairs: max |cos − s| \(f.maxCosineError), mean |cos − s| \(f.meanCosineError), mean |⟨x, y⟩ − s| \(f.meanDotError), Spearman ρ \(f.spearman)")
}

struct EmbeddingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedding", abstract: "List, export and query stored class embeddings.",
        subcommands: [EmbeddingList.self, EmbeddingExport.self, EmbeddingNeighbors.self, EmbeddingFidelity.self])
}

struct EmbeddingList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The stored embeddings.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let all = try store.openExisting().embeddings()
        if output.json { return try printJSON(all) }
        for e in all { print("\(e.name)  \(e.rows) × \(e.dims)  \(e.method)  class set \(e.classSet)  \(e.parameters)") }
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
        let db = try store.openExisting()
        let (info, values) = try db.embedding(named: name)
        switch dtype {
        case .float32: try NPY.write(values.map { Float($0) }, shape: [info.rows, info.dims], to: out)
        case .float64: try NPY.write(values, shape: [info.rows, info.dims], to: out)
        }
        if let labels {
            let keys = try db.classMembers(of: info.classSet).map(\.key)
            try (keys.joined(separator: "\n") + "\n").write(toFile: labels, atomically: true, encoding: .utf8)
        }
        print("wrote \(out): \(info.rows) × \(info.dims) \(dtype.rawValue)")
    }
}

struct EmbeddingNeighbors: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "neighbors", abstract: "The classes nearest to a class by cosine.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The embedding.") var name: String
    @Argument(help: "A class of its class set (key, NLTK-style name or word).") var ref: String
    @Option(name: .short, help: "How many.") var k = 10

    struct Neighbor: Encodable { let key: String; let name: String; let cosine: Double }

    func run() throws {
        let db = try store.openExisting()
        let (info, values) = try db.embedding(named: name)
        let members = try db.classMembers(of: info.classSet)
        let taxonomy = try db.taxonomy(named: try db.classSet(named: info.classSet).taxonomy)
        let wanted = try db.candidates(for: ref, in: taxonomy).map(\.id)
        guard let index = members.firstIndex(where: { wanted.contains($0.id) }) else {
            throw CLIError("'\(ref)' is not a class of \(info.classSet)")
        }
        let rows = Matrix(rows: info.rows, columns: info.dims, values: values)
        let query = Array(rows.row(index))
        let norms = (0..<rows.rows).map { rows.row($0).reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let dots = multiply(rows, query)
        let ranked = (0..<rows.rows).filter { $0 != index }
            .map { ($0, dots[$0] / (norms[$0] * norms[index])) }
            .sorted { $0.1 > $1.1 }.prefix(max(k, 0))
        let neighbors = ranked.map { Neighbor(key: members[$0.0].key, name: members[$0.0].label, cosine: $0.1) }
        if output.json { return try printJSON(neighbors) }
        print("\(members[index].label)  \(members[index].key)")
        for n in neighbors { print("  \(String(format: "%.6f", n.cosine))  \(n.name)  \(n.key)") }
    }
}

struct EmbeddingFidelity: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fidelity", abstract: "How well an embedding reproduces the class similarity it was built from.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The embedding.") var name: String

    func run() throws {
        BLASKernels.restartWithAVX2KernelsIfMisdetected()
        let db = try store.openExisting()
        let (info, values) = try db.embedding(named: name)
        let parameters = try JSONDecoder().decode([String: String].self, from: Data(info.parameters.utf8))
        let hierarchy = try classHierarchy(db, classSet: info.classSet, tree: parameters["taxonomy"])
        let fidelity = Fidelity.measure(hierarchy, rows: Matrix(rows: info.rows, columns: info.dims, values: values))
        if output.json { return try printJSON(fidelity) }
        printFidelity(fidelity)
    }
}
