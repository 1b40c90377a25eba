import ArgumentParser
import Foundation
import TaxonKit
import TaxonModel

extension KeyScope: ExpressibleByArgument {}

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "API keys for taxon serve --auth: the store keeps only their SHA-256, the token is printed once.",
        subcommands: [KeysCreate.self, KeysList.self, KeysRevoke.self])
}

struct KeysCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Makes a key and prints its token once (send it as 'Authorization: Bearer TOKEN').")
    @OptionGroup var store: StoreOptions
    @Option(help: "The key's name (1 to 100 of A-Z a-z 0-9 _ - .).") var name: String
    @Option(help: "read, write or admin (each includes the ones before it).") var scope: KeyScope
    @Option(help: "Bind the key to this collection.") var collection: String?

    func run() throws {
        let (key, token) = try KeyService(store: try store.open()).create(name: name, scope: scope, collection: collection)
        note("key '\(key.name)': \(key.scope.rawValue)\(key.collection.map { " on collection \($0)" } ?? ""); the token is shown only now")
        print(token)
    }
}

struct KeysList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every key: name, scope, collection, created, revoked.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let keys = try KeyService(store: try store.openExisting()).list()
        struct Listed: Encodable { let name: String, scope: String, collection: String?, createdAt: String, revokedAt: String? }
        let listed = keys.map { Listed(name: $0.name, scope: $0.scope.rawValue, collection: $0.collection, createdAt: $0.createdAt, revokedAt: $0.revokedAt) }
        if output.json { return try printJSON(listed) }
        for key in listed {
            print([key.name, key.scope, key.collection ?? "*", key.createdAt, key.revokedAt.map { "revoked \($0)" } ?? "valid"].joined(separator: "  "))
        }
    }
}

struct KeysRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revokes a key; running servers refuse it within a second.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The key's name.") var name: String

    func run() throws {
        let key = try KeyService(store: try store.openExisting()).revoke(name: name)
        print("revoked '\(key.name)' at \(key.revokedAt ?? "?")")
    }
}
