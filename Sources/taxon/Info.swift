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
        print("store \(summary.store) (schema \(summary.schemaVersion))")
        print("taxonomies: \(summary.taxonomies.count)")
        for t in summary.taxonomies {
            print("  \(t.name)  \(t.kind)  \(t.concepts) concepts  \(t.edges) edges  from \(t.source)  (\(t.importedAt))")
        }
        print("class sets: \(summary.classSets.count)")
        for s in summary.classSets {
            print("  \(s.name)  \(s.classes) classes over \(s.taxonomy)  from \(s.source)")
        }
        print("vector sets: \(summary.vectorSets.count)")
        for v in summary.vectorSets {
            print("  \(v.name)  \(v.count) × \(v.dims)  \(v.format)  from \(v.source)")
        }
        print("embeddings: \(summary.embeddings.count)")
        for e in summary.embeddings {
            print("  \(e.name)  \(e.rows) × \(e.dims)  \(e.method)  of \(e.classSet)")
        }
        if !summary.mappers.isEmpty { print("mappers: \(summary.mappers.count)") }
        for m in summary.mappers { print("  \(m.name)  \(m.inputs) → \(m.outputs)  into \(m.embedding)") }
        if !summary.collections.isEmpty { print("collections: \(summary.collections.count)") }
        for c in summary.collections {
            print("  \(c.name)  \(c.images) images  \(c.descriptor)  \(c.embedding.map { "in \($0)" } ?? "no embedding")  from \(c.root)")
        }
        if let digest = summary.digest { print("digest: \(digest)") }
    }
}
