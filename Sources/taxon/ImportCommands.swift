import ArgumentParser
import Foundation
import TaxonImport
import TaxonStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a taxonomy, a class set or word vectors. Each import is one transaction: on any error the store is unchanged.",
        subcommands: [ImportWordNet.self])
}

struct ImportOptions: ParsableArguments {
    @Flag(help: "Replace an existing entry of the same name (in the same transaction).")
    var replace = false
    @Flag(help: "Do nothing if an entry of the same name exists.")
    var ifMissing = false
}

/// Runs an import unless --if-missing finds the name taken; prints what it did.
func runImport<R: Encodable>(
    _ store: Store, name: String, exists: (Store) throws -> Bool, options: ImportOptions, json: Bool,
    summary: (R) -> String, _ body: () throws -> R
) throws {
    if options.ifMissing, try exists(store) {
        if !json { print("\(name) is already in \(store.path); skipped") }
        return
    }
    let started = Date()
    let report = try body()
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
        try runImport(db, name: "taxonomy \(name)", exists: { try $0.taxonomies().contains { $0.name == name } },
                      options: options, json: output.json,
                      summary: { (r: WordNetDictImporter.Report) in
                          let counts = ["n", "v", "a", "s", "r"].map { "\(r.synsets[$0] ?? 0) \($0)" }.joined(separator: ", ")
                          return "imported \(r.taxonomy): \(r.synsets.values.reduce(0, +)) synsets (\(counts)), \(r.senses) senses, \(r.pointers) pointers"
                      }) {
            try WordNetDictImporter.run(store: db, directory: dict, name: name, replace: options.replace)
        }
    }
}
