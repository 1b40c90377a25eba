import ArgumentParser
import Foundation
import TaxonKit

struct StoreCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Copy a whole store between backends, and summarise one.",
        subcommands: [StoreCopyCommand.self, StoreSummaryCommand.self])
}

struct StoreCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy everything in one store into another, empty one (SQLite ↔ PostgreSQL), checked by counts and a checksum.",
        discussion: """
            Taxonomies, class sets, word vectors, embeddings, mappers, collections with every photo's vectors, API keys \
            and cached features, in one transaction of the destination: it commits only when the copy's counts and checksum \
            equal the source's. Ids are the destination's own; import times are the copy's (API keys keep theirs). \
            Uploaded photos are files: copy the data folder (--data) yourself.
            """)
    @Option(help: "The store to copy: a SQLite file or postgres://….") var from: String
    @Option(help: "The empty store to copy into: a SQLite file (made if missing) or postgres://… (an existing database).") var to: String
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() throws {
        let summary = try StoreCopy.copy(from: try Stores.open(from), to: try Stores.open(to, create: true))
        if json { return try printJSON(summary) }
        print("copied: " + summary.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        print("checksum \(summary.checksum), the same in both")
    }
}

struct StoreSummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "A store's rows per kind and a checksum of its content that is the same for the same content on either backend.")
    @OptionGroup var store: StoreOptions
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() throws {
        let summary = try StoreCopy.summary(of: try store.openExisting())
        if json { return try printJSON(summary) }
        for (kind, count) in summary.counts.sorted(by: { $0.key < $1.key }) { print("\(kind): \(count)") }
        print("checksum \(summary.checksum)")
    }
}
