import ArgumentParser
import Foundation
import TaxonImport
import TaxonKit
import TaxonModel

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a taxonomy, a class set or word vectors. Each import is one transaction: on any error the store is unchanged.",
        subcommands: [ImportWordNet.self, ImportLMF.self, ImportImageNet.self, ImportEdges.self, ImportVectors.self])
}

struct ImportOptions: ParsableArguments {
    @Flag(help: "Replace an existing entry of the same name (in the same transaction).")
    var replace = false
    @Flag(help: "Do nothing if an entry of the same name exists.")
    var ifMissing = false

    func validate() throws {
        if replace && ifMissing { throw ValidationError("--replace and --if-missing contradict each other; give one") }
    }
}

/// What `--if-missing --json` prints when it skips.
struct Skipped: Encodable { let skipped: String }

/// Runs an import unless --if-missing finds the name taken; prints what it did.
func runImport<R: Encodable>(
    _ store: any Store, _ kind: CatalogKind, _ name: String, options: ImportOptions, json: Bool,
    summary: (R) -> String, _ body: () throws -> R
) throws {
    let started = Date()
    guard let report = try CatalogService(store: store).importOnce(kind, named: name, ifMissing: options.ifMissing, body) else {
        if json { return try printJSON(Skipped(skipped: "\(kind.rawValue) \(name)")) }
        print("\(kind.rawValue) \(name) is already in \(store.location); skipped")
        return
    }
    if json { return try printJSON(report) }
    print("\(summary(report)) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
}

struct ImportWordNet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wordnet", abstract: "Import a WordNet in the Princeton database format (data.* and index.* files).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: ImportOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The directory holding data.noun, index.noun, …") var dict = WordNetDictImporter.defaultDirectory
    @Option(help: "The taxonomy's name.") var name = "wordnet"

    func run() throws {
        let db = try store.open()
        try runImport(db, .taxonomy, name, options: options, json: output.json,
                      summary: TextReports.imported) {
            try WordNetDictImporter.run(store: db, directory: dict, name: name, replace: options.replace)
        }
    }
}

struct ImportLMF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmf", abstract: "Import a WordNet in WN-LMF XML (streamed; no network, no entity expansion).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: ImportOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The WN-LMF XML file.") var file: String
    @Option(help: "The taxonomy's name.") var name: String

    func run() throws {
        let db = try store.open()
        try runImport(db, .taxonomy, name, options: options, json: output.json,
                      summary: TextReports.imported) {
            try WNLMFImporter.run(store: db, file: file, name: name, replace: options.replace)
        }
    }
}

struct ImportImageNet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imagenet", abstract: "Import an ordered class set from a wnid list (one per line, class-index order).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: ImportOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The wnid list.") var wnids: String
    @Option(help: "The class set's name.") var name: String
    @Option(help: "The taxonomy the wnids belong to (default: wordnet).") var taxonomy: String?

    func run() throws {
        let db = try store.open()
        try runImport(db, .classSet, name, options: options, json: output.json,
                      summary: TextReports.imported) {
            try ImageNetClassesImporter.run(store: db, wnidsFile: wnids, name: name, taxonomy: taxonomy, replace: options.replace)
        }
    }
}

extension EdgeListImporter.LeafOrder: ExpressibleByArgument {}
extension WordVectorsImporter.Format: ExpressibleByArgument {}

struct ImportEdges: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edges",
        abstract: "Import a hierarchy file of 'parent child' lines as a taxonomy, with a class set of its leaves.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: ImportOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The hierarchy file.") var file: String
    @Option(help: "The taxonomy's (and the leaf class set's) name.") var name: String
    @Flag(help: "Lines are 'child parent' instead of 'parent child'.") var childParent = false
    @Option(help: "A file of 'id name' lines.") var names: String?
    @Option(help: "Order of the leaf class set: appearance (first appearance in the file) or sorted (by id).")
    var leafOrder: EdgeListImporter.LeafOrder = .appearance

    func run() throws {
        let db = try store.open()
        try runImport(db, .taxonomy, name, options: options, json: output.json,
                      summary: TextReports.imported) {
            try EdgeListImporter.run(store: db, file: file, name: name, childParent: childParent, namesFile: names,
                                     leafOrder: leafOrder, replace: options.replace)
        }
    }
}

struct ImportVectors: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Import word vectors (GloVe text, word2vec binary or text, fastText .vec).",
        discussion: "A token that appears twice keeps its first vector.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: ImportOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The vector file.") var file: String
    @Option(help: "The vector set's name.") var name: String
    @Option(help: "glove, word2vec-bin, word2vec-txt or fasttext-vec (default: detected).")
    var format: WordVectorsImporter.Format?

    func run() throws {
        if !FileManager.default.fileExists(atPath: file) && file.hasSuffix("glove-6b-50d.bin") {
            throw CLIError("\(file): no such file; scripts/setup.sh fetches GloVe 6B 50-d into embeddings/data/glove-6b-50d.bin")
        }
        let db = try store.open()
        try runImport(db, .vectorSet, name, options: options, json: output.json,
                      summary: TextReports.imported) {
            try WordVectorsImporter.run(store: db, file: file, name: name, format: format, replace: options.replace)
        }
    }
}
