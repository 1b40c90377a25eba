import ArgumentParser
import Foundation
import TaxonCore
import TaxonEmbed
import TaxonLinalg
import TaxonStore

/// Every method `taxon embed` offers: the hierarchy ones and the text ones.
enum EmbedMethod: String, ExpressibleByArgument, CaseIterable {
    case unitsphere, approxSim = "approx-sim", sparse, devise, huse

    var hierarchyMethod: HierarchyMethod? { HierarchyMethod(rawValue: rawValue) }
}

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

    struct Report: Encodable {
        let embedding: String
        let classes: Int
        let dims: Int
        let seconds: Double
        let warnings: [String]
        let coverage: TextCoverage?
        let fidelity: Fidelity?
    }

    func validate() throws {
        let text = method == .devise || method == .huse
        if dims != nil && (method == .unitsphere || method == .devise) {
            throw ValidationError("--dims does not apply to \(method.rawValue) (its dimension is fixed)")
        }
        if !text && (vectors != nil || mix != nil || gloss) { throw ValidationError("--vectors, --mix and --gloss are for devise and huse") }
        if method == .devise && (mix != nil || tree != nil) { throw ValidationError("--mix and --tree do not apply to devise") }
        if method == .huse && tree != nil && mix == nil { throw ValidationError("--tree only matters for huse with --mix") }
    }

    func run() throws {
        // Worth a second process start only for eigendecompositions; Cholesky is as fast either way.
        if method == .approxSim || method == .huse || (method == .sparse && dims != nil) { BLASKernels.restartIfKernelsMisdetected() }
        let db = try store.openExisting()
        let clock = ContinuousClock()
        let started = clock.now
        var parameters = ["normalize": String(normalize)]
        var hierarchy: ClassHierarchy?
        var coverage: TextCoverage?
        var rows: Matrix
        if let hierarchyMethod = method.hierarchyMethod {
            let classes = try classHierarchy(db, classSet: classSet, tree: tree)
            hierarchy = classes
            parameters["taxonomy"] = classes.taxonomy.info.name
            rows = try HierarchyEmbedder.embed(classes, method: hierarchyMethod, dims: dims, normalize: normalize)
        } else {
            guard let vectors else { throw CLIError("--method \(method.rawValue) needs --vectors NAME (a vector set: taxon import vectors)") }
            let set = try db.vectorSet(named: vectors)
            parameters["vectors"] = set.name
            parameters["vector_dims"] = String(set.dims)
            parameters["gloss"] = String(gloss)
            if method == .devise {
                let result = try DeViSE.embed(store: db, classSet: classSet, vectors: set, gloss: gloss)
                rows = result.rows
                coverage = result.coverage
                parameters["rules"] = result.rules.joined(separator: "\n")
            } else {
                if mix != nil {
                    hierarchy = try classHierarchy(db, classSet: classSet, tree: tree)
                    parameters["taxonomy"] = hierarchy!.taxonomy.info.name
                }
                if let mix { parameters["mix"] = String(mix) }
                (rows, coverage) = try HUSE.embed(store: db, classSet: classSet, vectors: set, dims: dims, gloss: gloss, mix: mix, hierarchy: hierarchy)
            }
            if normalize { rows = HierarchyEmbedder.normalizedRows(rows) }
        }
        let elapsed = clock.now - started
        parameters["dims"] = String(rows.columns)
        try db.writeEmbedding(name: name, classSet: classSet, method: method.rawValue, parameters: parameters, dims: rows.columns,
                              values: rows.values, replace: replace)
        var warnings: [String] = []
        if let hierarchy, !hierarchy.ancestorsOfOthers.isEmpty {
            warnings.append("\(hierarchy.ancestorsOfOthers.count) class(es) are ancestors of other classes (first: \(hierarchy.taxonomy.names[hierarchy.classes[hierarchy.ancestorsOfOthers[0]]])); their self-similarity is taken as 1, as in Barz & Denzler's reference")
        }
        let measured = fidelity ? hierarchy.map { Fidelity.measure($0, rows: rows) } : nil
        let report = Report(embedding: name, classes: rows.rows, dims: rows.columns,
                            seconds: elapsed.inSeconds,
                            warnings: warnings, coverage: coverage, fidelity: measured)
        if output.json { return try printJSON(report) }
        for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        print("embedding \(name): \(report.classes) × \(report.dims) (\(method.rawValue)) computed in \(String(format: "%.3f", report.seconds)) s")
        if let c = coverage {
            print("coverage: \(c.ownWord) of \(c.classes) classes by one of their own words (\(c.firstWord) by the first), \(c.hypernym) by a hypernym's")
        }
        if let measured { printFidelity(measured) }
    }
}

/// An embedding's rows against lcs-height on its taxonomy (the tree it was built on, else its class set's).
func embeddingFidelity(_ db: Store, name: String) throws -> Fidelity {
    let (info, values) = try db.embedding(named: name)
    let hierarchy = try classHierarchy(db, classSet: info.classSet, tree: try info.parameterValues()["taxonomy"])
    return Fidelity.measure(hierarchy, rows: Matrix(rows: info.rows, columns: info.dims, values: values))
}

func printFidelity(_ f: Fidelity) {
    print("fidelity over \(f.pairs) \(f.sampled ? "sampled " : "")pairs: max |cos − s| \(f.maxCosineError), mean |cos − s| \(f.meanCosineError), mean |⟨x, y⟩ − s| \(f.meanDotError), Spearman ρ \(f.spearman)")
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

struct EmbeddingNeighborsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "neighbors", abstract: "The classes nearest to a class: by cosine, or by Poincaré distance for hyperbolic embeddings.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The embedding.") var name: String
    @Argument(help: "A class of its class set (key, NLTK-style name or word).") var ref: String
    @Option(name: .short, help: "How many.") var k = 10

    func run() throws {
        let (concept, neighbors) = try EmbeddingNeighbors.nearest(store: try store.openExisting(), embedding: name, reference: ref, k: k)
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
        BLASKernels.restartIfKernelsMisdetected()
        let db = try store.openExisting()
        let info = try db.embeddingInfo(named: name)
        guard HierarchyMethod(rawValue: info.method) != nil else {
            throw CLIError("'\(name)' is a \(info.method) embedding: fidelity measures hierarchy embeddings against their taxonomy similarity (taxon audit embedding takes any)")
        }
        let fidelity = try embeddingFidelity(db, name: name)
        if output.json { return try printJSON(fidelity) }
        printFidelity(fidelity)
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
        BLASKernels.restartIfKernelsMisdetected()
        let db = try store.openExisting()
        let (a, aValues) = try db.embedding(named: first), (b, bValues) = try db.embedding(named: second)
        guard a.classSet == b.classSet else {
            throw CLIError("'\(first)' embeds class set \(a.classSet) and '\(second)' \(b.classSet): compare embeddings of one class set")
        }
        let (rho, pairs) = cosineRankCorrelation(Matrix(rows: a.rows, columns: a.dims, values: aValues),
                                                 Matrix(rows: b.rows, columns: b.dims, values: bValues))
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

    struct Hit: Encodable { let key: String; let name: String; let cosine: Double }

    func run() throws {
        let db = try store.openExisting()
        let (info, values) = try db.embedding(named: embedding)
        let scores = try TextQuery.scores(text, embedding: info, values: values, store: db)
        let cosines = scores.cosines, unknown = scores.unknownWords
        let members = try db.classMembers(of: info.classSet)
        let hits = (0..<cosines.count).sorted { cosines[$0] > cosines[$1] }.prefix(max(k, 0))
            .map { Hit(key: members[$0].key, name: members[$0].label, cosine: cosines[$0]) }
        if output.json { return try printJSON(hits) }
        if !unknown.isEmpty { FileHandle.standardError.write(Data("note: no vector for \(unknown.joined(separator: ", ")); left out\n".utf8)) }
        for hit in hits { print("\(String(format: "%.6f", hit.cosine))  \(hit.name)  \(hit.key)") }
    }
}
