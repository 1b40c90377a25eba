import ArgumentParser
import TaxonKit
import TaxonModel

struct ReferenceOptions: ParsableArguments {
    @Option(help: "The taxonomy to look in (default: wordnet, or the only one).")
    var taxonomy: String?
}

struct ConceptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concept",
        abstract: "Show a concept: key, name, words, gloss, parents, children and other relations.",
        discussion: "REF is a key (n02084071), an NLTK-style name (dog.n.01) or a word (dog: its first sense; --all lists every sense).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var reference: ReferenceOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The concept.") var ref: String
    @Flag(help: "Show every sense of a word, not only the first.") var all = false

    func run() throws {
        let details = try CatalogService(store: try store.openExisting()).concepts(ref, taxonomy: reference.taxonomy, allSenses: all)
        if output.json { return try printJSON(all ? AnyEncodable(details) : AnyEncodable(details[0])) }
        print(details.map(TextReports.concept).joined(separator: "\n\n"))
    }
}

struct Ancestors: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every ancestor of a concept over hypernym and instance-hypernym edges, nearest first.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var reference: ReferenceOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The concept (key, NLTK-style name or word).") var ref: String

    func run() throws {
        let (concept, ancestors) = try CatalogService(store: try store.openExisting()).ancestors(ref, taxonomy: reference.taxonomy)
        if output.json { return try printJSON(ancestors) }
        print("\(concept.label)  \(concept.key)")
        for ancestor in ancestors {
            print("  \(ancestor.distance)  \(ancestor.concept.label)  \(ancestor.concept.key)")
        }
    }
}

/// Lets one `printJSON` call print either a single value or a list.
struct AnyEncodable: Encodable {
    let encodeValue: (Encoder) throws -> Void
    init<T: Encodable>(_ value: T) { encodeValue = value.encode }
    func encode(to encoder: Encoder) throws { try encodeValue(encoder) }
}
