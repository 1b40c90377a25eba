import ArgumentParser
import Foundation
import TaxonKit
import TaxonModel

struct ANNCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ann",
        abstract: "HNSW indexes of a collection on PostgreSQL: with them, its queries run in the database (docs/STORE.md).",
        subcommands: [ANNBuild.self, ANNList.self, ANNDrop.self])
}

struct ANNBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build (or rebuild) the collection's HNSW indexes on its descriptors and semantic vectors.",
        discussion: "Writes to the collection wait while an index builds; reads go on. Photos added later join the indexes as they are written.")
    @OptionGroup var store: StoreOptions
    @Option(help: "The collection.") var collection: String
    @Option(help: "HNSW's links per node (2-100).") var m = 16
    @Option(help: "HNSW's candidate list while building (4-1000, at least 2·m).") var efConstruction = 64
    @Option(help: "Megabytes the database may use for the graph while building (maintenance_work_mem); a graph that outgrows it is built far more slowly.")
    var memory = 2_048
    @Flag(help: "Print the indexes as JSON.") var json = false

    func run() throws {
        let indexes = try CollectionService(store: try store.openExisting()).buildIndexes(collection: collection, m: m, efConstruction: efConstruction, memoryMB: memory)
        if json { return try printJSON(indexes) }
        for index in indexes { print(ANNList.line(index)) }
    }
}

struct ANNList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The collection's HNSW indexes and their parameters.")
    @OptionGroup var store: StoreOptions
    @Option(help: "The collection.") var collection: String
    @Flag(help: "Print the indexes as JSON.") var json = false

    func run() throws {
        let indexes = try CollectionService(store: try store.openExisting()).indexes(collection: collection)
        if json { return try printJSON(indexes) }
        if indexes.isEmpty { print("no HNSW index: queries of '\(collection)' run in memory") }
        for index in indexes { print(Self.line(index)) }
    }

    static func line(_ index: NearestNeighbourIndex) -> String {
        "\(index.vector.rawValue): \(index.dims) dimensions, m \(index.m), ef_construction \(index.efConstruction)"
    }
}

struct ANNDrop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Drop the collection's HNSW indexes: its queries run in memory again.")
    @OptionGroup var store: StoreOptions
    @Option(help: "The collection.") var collection: String

    func run() throws {
        try CollectionService(store: try store.openExisting()).dropIndexes(collection: collection)
    }
}
