import ArgumentParser
import Foundation
import TaxonStore

@main
struct Taxon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taxon",
        abstract: "Taxonomies, class sets and word vectors in one SQLite store.",
        subcommands: [Info.self, ConceptCommand.self, Ancestors.self, Import.self, SimilarityCommand.self, LCSCommand.self, TreeCommand.self, SimMatrixCommand.self, EmbedCommand.self, EmbeddingCommand.self, TextToClass.self, Hyperbolic.self, Entails.self, Classify.self, EmbedImage.self, TrainMapper.self, IndexCommand.self, SearchCommand.self, Serve.self, Eval.self, Audit.self, Bench.self]
    )
}

/// Options every command that touches the store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store file (default: $TAXON_DB, else ./taxon.sqlite).")
    var db: String?

    var path: String { db ?? ProcessInfo.processInfo.environment["TAXON_DB"] ?? "taxon.sqlite" }

    /// Opens the store, creating it if needed (imports).
    func open() throws -> Store { try Store(path: path) }

    /// Opens a store that must exist already (queries): a mistyped path is an
    /// error, not a new empty store.
    func openExisting() throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no store at \(path): import something first (make run builds the default one), or pass --db")
        }
        return try Store(path: path)
    }
}

/// A failure to report as one sentence (ArgumentParser's ValidationError would add the usage text).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false
}

/// Writes `value` as pretty, key-sorted JSON on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
