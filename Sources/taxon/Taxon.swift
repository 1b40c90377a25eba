import ArgumentParser
import Foundation
import TaxonCore
import TaxonKit
import TaxonLinalg
import TaxonModel
import TaxonSearch
import TaxonVision

@main
struct Taxon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taxon",
        abstract: "Taxonomies, class sets, word vectors and photo collections in one store (SQLite, or PostgreSQL with pgvector).",
        subcommands: [Info.self, ConceptCommand.self, Ancestors.self, Import.self, SimilarityCommand.self, LCSCommand.self, TreeCommand.self, SimMatrixCommand.self, EmbedCommand.self, EmbeddingCommand.self, TextToClass.self, Hyperbolic.self, Entails.self, Classify.self, EmbedImage.self, TrainMapper.self, Classes.self, TaxonomyCommands.self, IndexCommand.self, SearchCommand.self, QueryCommand.self, CheckCommand.self, StoreCommands.self, ANNCommands.self, Serve.self, Keys.self, Eval.self, Audit.self, Bench.self]
    )

    /// Configures the process once (OpenBLAS's kernels), then runs the command;
    /// a library error is printed with the option that remedies it.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand { try await command.run() } else { try command.run() }
        } catch {
            exit(withError: CLIHint.explained(error))
        }
    }
}

/// Commands whose time goes into BLAS/LAPACK: `main` restarts the process
/// once with OpenBLAS's right kernels before running them (BLASKernels).
/// The others skip that second process start.
protocol UsesBLAS { var worthFastKernels: Bool { get } }
extension UsesBLAS { var worthFastKernels: Bool { true } }

extension EmbedCommand: UsesBLAS {
    // Eigendecompositions gain; Cholesky and the text lookups are as fast either way.
    var worthFastKernels: Bool { method.needsEigendecomposition || (method == .sparse && dims != nil) }
}
extension SimMatrixCommand: UsesBLAS {}
extension EmbeddingFidelity: UsesBLAS {}
extension EmbeddingCompare: UsesBLAS {}
extension Classify: UsesBLAS {}
extension EmbedImage: UsesBLAS {}
extension TrainMapper: UsesBLAS {}
extension IndexCommand: UsesBLAS {}
extension SearchCommand: UsesBLAS {}
extension Serve: UsesBLAS {}
extension EvalRetrieval: UsesBLAS {}
extension EvalFeedback: UsesBLAS {}
extension QueryCommand: UsesBLAS {}
extension AuditEmbedding: UsesBLAS {}
extension AuditMeasure: UsesBLAS {}
extension BenchCNN: UsesBLAS {}
extension BenchSearch: UsesBLAS {}

/// The CLI's words for library errors: the option a person passes to get past them.
enum CLIHint {
    static func explained(_ error: any Error) -> any Error {
        guard let hint = hint(for: error) else { return error }
        return CLIError("\(error)\(hint)")
    }

    static func hint(for error: any Error) -> String? {
        switch error {
        case CatalogError.exists: return " (pass --replace to import it again)"
        case ReferenceError.taxonomyRequired: return " with --taxonomy"
        case EmbeddingError.tooLarge: return " (--dims)"
        case CollectionError.differentSetting: return " (or --replace)"
        case ServiceError.noStore: return ", or pass --db"
        case SearchError.noEmbedding: return " (taxon index --embedding E)"
        case SimilarityError.needsInformationContent: return ": pass --ic FILE (a WordNet::Similarity .dat file) or --ic intrinsic"
        default: return nil
        }
    }
}

/// Options every command that touches the store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store: a SQLite file (or sqlite:PATH) or postgres://USER@HOST[:PORT]/DATABASE (default: $TAXON_DB, else ./taxon.sqlite).")
    var db: String?

    var path: String { db ?? ProcessInfo.processInfo.environment["TAXON_DB"] ?? "taxon.sqlite" }

    /// Opens the store, creating it if needed (imports).
    func open() throws -> any Store { try Stores.open(path, create: true) }

    /// Opens a store that must exist already (queries).
    func openExisting() throws -> any Store { try Stores.open(path) }
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

/// A note on standard error.
func note(_ text: String) { FileHandle.standardError.write(Data("\(text)\n".utf8)) }

extension Measure: ExpressibleByArgument {}
extension Descriptor: ExpressibleByArgument {}
extension Ranking.Kind: ExpressibleByArgument {}
