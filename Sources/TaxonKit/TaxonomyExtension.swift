import Foundation
import TaxonCore
import TaxonModel

/// What `taxon taxonomy extend` is asked to build.
public struct TaxonomyExtensionRequest: Sendable {
    /// The taxonomy extended (wordnet).
    public var base: String
    /// The reviewed map file.
    public var map: String
    /// The name of the extension, its class set and its embedding (the tree is `<name>-tree`).
    public var name: String
    /// The class embedding made over the class set; nil makes none.
    public var method: EmbedMethod? = .unitsphere
    public var replace = false
    /// A request with the default embedding (unitsphere).
    public init(base: String, map: String, name: String) { (self.base, self.map, self.name) = (base, map, name) }
}

/// What an extension holds: its new concepts and the class set, tree and embedding made over it.
public struct TaxonomyExtensionReport: Encodable, Sendable {
    /// A class the base lacked, and the concept it was put under.
    public struct NewClass: Encodable, Sendable { public let name: String; public let key: String; public let concept: String; public let parent: String }
    public let taxonomy: String
    public let base: String
    public let classSet: String
    public let classes: Int
    public let newClasses: [NewClass]
    /// Each class name's key, in map order: what folder names become.
    public let keys: [String: String]
    public let tree: String?
    public let embedding: String?
}

/// Builds a taxonomy extension from a reviewed map file (docs/CLASSES.md): the base is read, never copied or
/// changed; each name marked new becomes a concept of the extension under its parent, and the class set
/// lists every class in map order. Then, unless asked not to, the tree above the classes (`<name>-tree`)
/// and a class embedding over it (`<name>`), so that similarity, embeddings, search and evaluation work on it.
public struct TaxonomyExtensionBuilder {
    public let store: any Store
    /// A builder writing into one store.
    public init(store: any Store) { self.store = store }

    /// Builds the extension, class set, tree and embedding; the extension and class set are one transaction.
    public func extend(_ request: TaxonomyExtensionRequest) throws -> TaxonomyExtensionReport {
        let base = try store.taxonomy(named: request.base)
        guard base.baseID == nil else { throw ServiceError.unsuitable("'\(base.name)' is itself an extension (of \(base.base ?? "?")): extend its base") }
        let map = try ClassMapFile.read(request.map, store: store, taxonomy: base)
        var keys: [String: String] = [:], newClasses: [TaxonomyExtensionReport.NewClass] = []
        var seen: [Int64: String] = [:]
        for (name, target) in map.entries {
            guard case let .mapped(concept) = target else { continue }
            if let other = seen.updateValue(name, forKey: concept.id) {
                throw ServiceError.invalid("\(request.map): '\(other)' and '\(name)' are both \(concept.label): one class per concept (mark one new, with \(concept.label) as its parent)")
            }
            keys[name] = concept.key
        }
        try store.importing {
            let writer = try store.taxonomyWriter(name: request.name, kind: .hierarchy, source: absolutePath(request.map), base: base, replace: request.replace)
            var members: [Int64] = []
            for (name, target) in map.entries {
                switch target {
                case let .mapped(concept): members.append(concept.id)
                case let .new(parent):
                    let (key, word) = (ClassMapFile.newKey(name), foldLemma(name))
                    guard try store.conceptIDs(keys: [key], in: base)[0] == nil, !newClasses.contains(where: { $0.key == key }) else {
                        throw ServiceError.invalid("\(request.map): new class '\(name)' would take the key '\(key)', which is already taken")
                    }
                    // Numbered after the base's noun senses of the same word, so `buddha.n.03` names the new one.
                    let sense = try store.candidates(for: word, in: base).filter { $0.pos == "n" }.count + 1
                    let label = String(format: "%@.n.%02d", word, sense)
                    let id = try writer.addConcept(key: key, name: label, pos: "n", lexname: parent.lexname,
                                                   gloss: "\(name): a class added by taxon taxonomy extend under \(parent.label)")
                    try writer.addLemma(concept: id, position: 1, word: name, senseNumber: sense)
                    try writer.addEdge(from: id, Relations.hypernym, to: parent.id)
                    members.append(id)
                    keys[name] = key
                    newClasses.append(.init(name: name, key: key, concept: label, parent: parent.label))
                }
            }
            try store.writeClassSet(name: request.name, taxonomyID: writer.taxonomyID, source: absolutePath(request.map), concepts: members,
                                    replace: request.replace)
        }
        var tree: String?, embedding: String?
        if let method = request.method {
            tree = request.name + "-tree"
            _ = try SimilarityService(store: store).buildTree(classSet: request.name, name: tree!, compareWith: nil, replace: request.replace)
            var embed = EmbedRequest(classSet: request.name, method: method, name: request.name)
            (embed.tree, embed.replace) = (method.hierarchyMethod != nil ? tree : nil, request.replace)
            embedding = try EmbeddingService(store: store).embed(embed).embedding
        }
        return TaxonomyExtensionReport(taxonomy: request.name, base: base.name, classSet: request.name, classes: map.entries.count,
                                       newClasses: newClasses, keys: keys, tree: tree, embedding: embedding)
    }
}
