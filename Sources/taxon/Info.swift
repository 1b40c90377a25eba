import ArgumentParser
import TaxonKit

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the taxonomies, class sets, vector sets, embeddings, mappers and image collections in the store.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Also print a digest of every row (row counts and a hash).")
    var digest = false

    func run() throws {
        let summary = try CatalogService(store: try store.openExisting()).summary(digest: digest)
        if output.json { return try printJSON(summary) }
        print(TextReports.summary(summary))
    }
}
