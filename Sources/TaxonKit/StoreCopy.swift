import Foundation
import TaxonModel
import TaxonSearch

/// Moves a whole store between backends (SQLite → PostgreSQL and back) through the storage protocols, in one
/// transaction of the destination, which must be empty. Ids are the destination's own (concepts and images
/// get new ones); import and creation times are the copy's, but for API keys, which keep theirs. Before it
/// commits, the copy's content summary (counts and a checksum over every row by name, key and path, never
/// by id) must equal the source's, or nothing is written.
public enum StoreCopy {
    /// What a store holds: rows per kind, and a SHA-256 over all of it in a canonical order.
    public struct Summary: Encodable, Sendable, Equatable {
        public var counts: [String: Int] = [:]
        public var checksum = ""
    }

    /// Copies everything in `source` into the empty `destination`; the summary both share.
    public static func copy(from source: any Store, to destination: any Store) throws -> Summary {
        guard try destination.taxonomies().isEmpty, try destination.vectorSets().isEmpty, try destination.collections().isEmpty,
              try destination.apiKeys().isEmpty, try destination.cachedFeatureKeys().isEmpty else {
            throw ServiceError.invalid("\(destination.location) is not empty: copy into a new store")
        }
        let expected = try summary(of: source)
        return try destination.importing {
            try copyContent(from: source, to: destination)
            let copied = try summary(of: destination)
            guard copied == expected else {
                let differing = Set(expected.counts.keys).union(copied.counts.keys).sorted().filter { expected.counts[$0] != copied.counts[$0] }
                throw ServiceError.unavailable("the copy in \(destination.location) differs from \(source.location) ("
                                               + (differing.isEmpty ? "same counts, different checksum" : "counts of " + differing.joined(separator: ", "))
                                               + "); nothing was written")
            }
            return copied
        }
    }

    private static func copyContent(from source: any Store, to destination: any Store) throws {
        // Taxonomies, bases before their extensions; concept ids mapped as they are made.
        var conceptIDs: [Int64: Int64] = [:]
        for taxonomy in try source.taxonomies().sorted(by: { ($0.baseID != nil ? 1 : 0, $0.name) < ($1.baseID != nil ? 1 : 0, $1.name) }) {
            let base = try taxonomy.base.map { try destination.taxonomy(named: $0) }
            let writer = try destination.taxonomyWriter(name: taxonomy.name, kind: taxonomy.kind, source: taxonomy.source, base: base, replace: false)
            let rows = try source.rows(of: taxonomy)
            for concept in rows.concepts {
                conceptIDs[concept.id] = try writer.addConcept(key: concept.key, name: concept.name, pos: concept.pos, lexname: concept.lexname, gloss: concept.gloss)
            }
            for lemma in rows.lemmas {
                try writer.addLemma(concept: try mapped(lemma.concept, conceptIDs), position: lemma.position, word: lemma.word, folded: lemma.folded,
                                    senseNumber: lemma.senseNumber)
            }
            for edge in rows.edges {
                try writer.addEdge(from: try mapped(edge.source, conceptIDs), edge.relation, to: try mapped(edge.target, conceptIDs),
                                   sourceWord: edge.sourceWord, targetWord: edge.targetWord)
            }
        }
        for classSet in try source.classSets() {
            let taxonomy = try destination.taxonomy(named: classSet.taxonomy)
            try destination.writeClassSet(name: classSet.name, taxonomyID: taxonomy.id, source: classSet.source,
                                          concepts: try source.classMembers(of: classSet.name).map { try mapped($0.id, conceptIDs) }, replace: false)
        }
        for set in try source.vectorSets() {
            let writer = try destination.vectorSetWriter(name: set.name, dims: set.dims, count: set.count, format: set.format, source: set.source, replace: false)
            let tokens = try source.tokens(in: set)
            for start in stride(from: 0, to: tokens.count, by: 10_000) {
                let chunk = tokens[start..<min(start + 10_000, tokens.count)]
                let vectors = try source.vectors(for: chunk, in: set)
                for token in chunk {
                    guard let vector = vectors[token] else { throw ServiceError.unavailable("\(source.location): token \(token) of \(set.name) has no vector") }
                    try vector.withUnsafeBufferPointer { try writer.add(token: token, vector: $0) }
                }
            }
        }
        for info in try source.embeddings() {
            let (_, values) = try source.embedding(named: info.name)
            try destination.writeEmbedding(name: info.name, classSet: info.classSet, method: info.method, parameters: try parameters(info.parameters),
                                           dims: info.dims, values: values, replace: false)
        }
        for info in try source.mappers() {
            let (_, values) = try source.mapper(named: info.name)
            try destination.writeMapper(name: info.name, embedding: info.embedding, parameters: try parameters(info.parameters), inputs: info.inputs,
                                        outputs: info.outputs, values: values, replace: false)
        }
        for collection in try source.collections() {
            let copy = try destination.openCollection(name: collection.name, root: collection.root, descriptor: collection.descriptor,
                                                      embedding: collection.embedding, mapper: collection.mapper, replace: false)
            let records = try images(of: collection, in: source)
            for start in stride(from: 0, to: records.count, by: 500) {
                try destination.updateImages(of: copy, upserting: Array(records[start..<min(start + 500, records.count)]))
            }
            if let projection = try source.styleProjection(of: collection) { try destination.setStyleProjection(projection, of: copy) }
        }
        for key in try source.apiKeys() { try destination.restoreAPIKey(key) }
        for (network, keys) in Dictionary(grouping: try source.cachedFeatureKeys(), by: \.network).sorted(by: { $0.key < $1.key }) {
            let features = try source.cachedFeatures(network: network, hashes: keys.map(\.sha256))
            try destination.cacheFeatures(network: network, features.sorted { $0.key < $1.key }.map { (sha256: $0.key, feature: $0.value) })
        }
    }

    private static func mapped(_ id: Int64, _ ids: [Int64: Int64]) throws -> Int64 {
        guard let mapped = ids[id] else { throw ServiceError.unavailable("concept \(id) is referred to but belongs to no taxonomy of the source") }
        return mapped
    }

    private static func parameters(_ json: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
    }

    /// A collection's records with their style descriptors, in id order.
    private static func images(of collection: CollectionInfo, in store: any Store) throws -> [ImageRecord] {
        var records = try store.images(in: collection)
        var index = 0
        try store.styles(in: collection, batch: 512) { styles in
            for style in styles {
                records[index].style = style
                index += 1
            }
        }
        return records
    }

    /// The store's rows per kind and a checksum over every row, named by keys, names and paths (never by id), so
    /// that the same content has the same summary on either backend.
    public static func summary(of store: any Store) throws -> Summary {
        var hash = ContentHash.Running(), counts: [String: Int] = [:]
        func count(_ kind: String, _ n: Int) { counts[kind, default: 0] += n }
        var keyOf: [Int64: String] = [:]  // concept id → "taxonomy/key"
        let taxonomies = try store.taxonomies().sorted { $0.name < $1.name }
        var rowsOf: [String: TaxonomyRows] = [:]
        for taxonomy in taxonomies {
            let rows = try store.rows(of: taxonomy)
            for concept in rows.concepts { keyOf[concept.id] = taxonomy.name + "/" + concept.key }
            rowsOf[taxonomy.name] = rows
        }
        func key(_ id: Int64) -> String { keyOf[id] ?? "?\(id)" }
        for taxonomy in taxonomies {
            let rows = rowsOf[taxonomy.name]!
            hash.add("taxonomy \(taxonomy.name) \(taxonomy.kind.rawValue) \(taxonomy.source) \(taxonomy.base ?? "-")")
            for concept in rows.concepts.sorted(by: { $0.key < $1.key }) {
                hash.add("concept \(concept.key)|\(concept.name ?? "∅")|\(concept.pos ?? "∅")|\(concept.lexname ?? "∅")|\(concept.gloss ?? "∅")")
            }
            for line in rows.lemmas.map({ "lemma \(key($0.concept)) \($0.position) \($0.word) \($0.folded) \($0.senseNumber.map(String.init) ?? "∅")" }).sorted() {
                hash.add(line)
            }
            for line in rows.edges.map({ "edge \(key($0.source)) \($0.relation) \(key($0.target)) \($0.sourceWord) \($0.targetWord)" }).sorted() {
                hash.add(line)
            }
            count("taxonomies", 1)
            count("concepts", rows.concepts.count)
            count("lemmas", rows.lemmas.count)
            count("edges", rows.edges.count)
        }
        for classSet in try store.classSets().sorted(by: { $0.name < $1.name }) {
            let members = try store.classMembers(of: classSet.name)
            hash.add("class set \(classSet.name) \(classSet.taxonomy) \(classSet.source): " + members.map { key($0.id) }.joined(separator: " "))
            count("class sets", 1)
            count("class members", members.count)
        }
        for set in try store.vectorSets().sorted(by: { $0.name < $1.name }) {
            hash.add("vector set \(set.name) \(set.dims) \(set.count) \(set.format) \(set.source)")
            let tokens = try store.tokens(in: set)
            for start in stride(from: 0, to: tokens.count, by: 10_000) {
                let chunk = tokens[start..<min(start + 10_000, tokens.count)]
                let vectors = try store.vectors(for: chunk, in: set)
                for token in chunk {
                    hash.add(token)
                    hash.add(vectors[token] ?? [])
                }
            }
            count("word vectors", tokens.count)
        }
        for info in try store.embeddings().sorted(by: { $0.name < $1.name }) {
            hash.add("embedding \(info.name) \(info.classSet) \(info.method) \(info.parameters) \(info.rows)×\(info.dims)")
            hash.add(try store.embedding(named: info.name).values)
            count("embeddings", 1)
        }
        for info in try store.mappers().sorted(by: { $0.name < $1.name }) {
            hash.add("mapper \(info.name) \(info.embedding) \(info.parameters) \(info.inputs)×\(info.outputs)")
            hash.add(try store.mapper(named: info.name).values)
            count("mappers", 1)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for collection in try store.collections().sorted(by: { $0.name < $1.name }) {
            hash.add("collection \(collection.name) \(collection.root) \(collection.descriptor) \(collection.embedding ?? "-") \(collection.mapper ?? "-")")
            for record in try images(of: collection, in: store).sorted(by: { $0.path < $1.path }) {
                hash.add("image \(record.path) \(record.sha256) \(record.bytes) \(record.width)×\(record.height) \(record.label ?? "∅") "
                         + String(decoding: try encoder.encode(record.tags), as: UTF8.self) + " "
                         + String(decoding: try encoder.encode(record.topClasses), as: UTF8.self))
                for vector in [record.descriptor, record.embedding, record.style, record.colour] {
                    hash.add(vector.map { "\($0.count)" } ?? "∅")
                    hash.add(vector ?? [])
                }
                count("images", 1)
            }
            if let projection = try store.styleProjection(of: collection) {
                hash.add("style projection \(projection.photos) \(projection.dims) \(projection.inputs)")
                hash.add(projection.mean)
                hash.add(projection.components)
            }
            count("collections", 1)
        }
        for key in try store.apiKeys() {
            hash.add("key \(key.name) \(key.tokenHash) \(key.scope.rawValue) \(key.collection ?? "-") \(key.createdAt) \(key.revokedAt ?? "-")")
            count("api keys", 1)
        }
        for (network, keys) in Dictionary(grouping: try store.cachedFeatureKeys(), by: \.network).sorted(by: { $0.key < $1.key }) {
            let features = try store.cachedFeatures(network: network, hashes: keys.map(\.sha256))
            for (sha, feature) in features.sorted(by: { $0.key < $1.key }) {
                hash.add("feature \(network) \(sha)")
                hash.add(feature)
            }
            count("cached features", features.count)
        }
        return Summary(counts: counts, checksum: hash.hex())
    }
}
