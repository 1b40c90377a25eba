import Foundation

/// Typed rows the storage backends read and write. Each is `Codable` so the CLI
/// and the HTTP layer print them as JSON without a second set of types.
///
/// `id` fields are the backend's own identifiers of a row: opaque integers that
/// only mean something to the store that issued them (SQLite's rowid, a
/// PostgreSQL identity column, …).

/// A taxonomy: WordNet, an edge-list hierarchy, a tree built over a class set.
public struct TaxonomyInfo: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let kind: TaxonomyKind
    public let source: String
    public let importedAt: String
    /// Row counts, or −1 where the reader did not count them.
    public let concepts: Int
    public let edges: Int
    /// The taxonomy this one extends (its concepts and edges are read with this one's), if any.
    public let base: String?
    public let baseID: Int64?

    /// Every field as the store holds it.
    public init(id: Int64, name: String, kind: TaxonomyKind, source: String, importedAt: String, concepts: Int, edges: Int,
                base: String? = nil, baseID: Int64? = nil) {
        (self.id, self.name, self.kind, self.source, self.importedAt, self.concepts, self.edges) = (id, name, kind, source, importedAt, concepts, edges)
        (self.base, self.baseID) = (base, baseID)
    }

    /// The taxonomy ids whose concepts this one reads: its own, then its base's (its own twice without a base, for a fixed `IN (?, ?)`).
    public var scope: (Int64, Int64) { (id, baseID ?? id) }
}

/// Where a taxonomy came from, which decides a few conventions (NLTK's noun root for WordNets).
public enum TaxonomyKind: String, Codable, CaseIterable, Sendable {
    /// Princeton's database files.
    case wordnet
    /// WN-LMF XML.
    case lmf
    /// A parent–child file, or a tree built over a class set.
    case hierarchy
}

/// An ordered list of concepts of one taxonomy: the classes of a data set.
public struct ClassSetInfo: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let taxonomy: String
    public let classes: Int
    public let source: String
    public let createdAt: String

    /// Every field as the store holds it.
    public init(id: Int64, name: String, taxonomy: String, classes: Int, source: String, createdAt: String) {
        (self.id, self.name, self.taxonomy, self.classes, self.source, self.createdAt) = (id, name, taxonomy, classes, source, createdAt)
    }
}

/// A set of word vectors (GloVe, word2vec, fastText).
public struct VectorSetInfo: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let dims: Int
    public let count: Int
    public let format: String
    public let source: String
    public let importedAt: String

    /// Every field as the store holds it.
    public init(id: Int64, name: String, dims: Int, count: Int, format: String, source: String, importedAt: String) {
        (self.id, self.name, self.dims, self.count, self.format, self.source, self.importedAt) = (id, name, dims, count, format, source, importedAt)
    }
}

/// One concept of a taxonomy (a WordNet synset, a hierarchy node).
public struct Concept: Codable, Sendable, Equatable, Hashable {
    public let id: Int64
    public let taxonomyID: Int64
    /// The stable key: a wnid such as n02084071, or a hierarchy file's id.
    public let key: String
    /// The NLTK-style name (dog.n.01), where the taxonomy has one.
    public let name: String?
    public let pos: String?
    public let lexname: String?
    public let gloss: String?

    /// Every field as the store holds it.
    public init(id: Int64, taxonomyID: Int64, key: String, name: String?, pos: String?, lexname: String?, gloss: String?) {
        (self.id, self.taxonomyID, self.key, self.name, self.pos, self.lexname, self.gloss) = (id, taxonomyID, key, name, pos, lexname, gloss)
    }

    /// The name to show a person: the NLTK-style name, else the key.
    public var label: String { name ?? key }
}

/// A word of a concept, with its sense number where the source gives one.
public struct Lemma: Codable, Sendable, Equatable {
    public let word: String
    public let senseNumber: Int?

    /// Every field as the store holds it.
    public init(word: String, senseNumber: Int?) { (self.word, self.senseNumber) = (word, senseNumber) }
}

/// An edge seen from one of its ends.
public struct Relation: Codable, Sendable, Equatable {
    public let relation: String
    public let concept: Concept
    /// Positions of the two words for a lexical relation (antonym, derivation …); nil for semantic ones.
    public let sourceWord: Int?
    public let targetWord: Int?

    /// Every field as the store holds it.
    public init(relation: String, concept: Concept, sourceWord: Int?, targetWord: Int?) {
        (self.relation, self.concept, self.sourceWord, self.targetWord) = (relation, concept, sourceWord, targetWord)
    }
}

/// An ancestor of a concept over is-a edges.
public struct Ancestor: Codable, Sendable, Equatable {
    public let concept: Concept
    /// Fewest hypernym / instance-hypernym edges from the concept up to this ancestor.
    public let distance: Int

    /// Every field as the store holds it.
    public init(concept: Concept, distance: Int) { (self.concept, self.distance) = (concept, distance) }
}

/// Relation names shared by the importers and the readers.
public enum Relations {
    public static let hypernym = "hypernym"
    public static let instanceHypernym = "instance_hypernym"
    public static let hyponym = "hyponym"
    public static let instanceHyponym = "instance_hyponym"
    /// The edges NLTK walks upwards for depths, paths and similarity.
    public static let taxonomic = [hypernym, instanceHypernym]
}

/// A taxonomy's concepts and its is-a edges (hypernym and instance hypernym,
/// as NLTK walks them) as flat arrays: what the in-memory taxonomy is built from.
public struct TaxonomicGraph: Sendable {
    /// An empty graph, filled by a store's reader.
    public init() {}
    public var conceptIDs: [Int64] = []
    public var keys: [String] = []
    public var names: [String?] = []
    public var pos: [String?] = []
    /// Child → parent, as indices into the arrays above.
    public var edges: [(child: Int32, parent: Int32)] = []
}

/// Everything about one concept that `taxon concept` and `GET /v1/concepts/{ref}` show.
public struct ConceptDetails: Encodable, Sendable {
    public let key: String
    public let name: String?
    public let pos: String?
    public let lexname: String?
    public let gloss: String?
    public let lemmas: [Lemma]
    public let parents: [Relation]
    public let children: [Relation]
    /// Every other relation (meronyms, antonyms, …); hyponyms are the children.
    public let relations: [Relation]

    /// The concept's own fields with its words and its edges sorted into parents, children and the rest.
    public init(concept: Concept, lemmas: [Lemma], parents: [Relation], children: [Relation], relations: [Relation]) {
        (key, name, pos, lexname, gloss) = (concept.key, concept.name, concept.pos, concept.lexname, concept.gloss)
        (self.lemmas, self.parents, self.children, self.relations) = (lemmas, parents, children, relations)
    }
}

/// A stored class embedding: one row per class of its class set.
public struct EmbeddingInfo: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let classSet: String
    /// How it was made: unitsphere, approx-sim, sparse, devise, huse, poincare or cones.
    public let method: String
    /// JSON object with the method's parameters (tree, dims, normalize …).
    public let parameters: String
    public let dims: Int
    public let rows: Int
    public let createdAt: String

    /// Every field as the store holds it.
    public init(id: Int64, name: String, classSet: String, method: String, parameters: String, dims: Int, rows: Int, createdAt: String) {
        (self.id, self.name, self.classSet, self.method, self.parameters) = (id, name, classSet, method, parameters)
        (self.dims, self.rows, self.createdAt) = (dims, rows, createdAt)
    }

    /// `parameters`, decoded.
    public func parameterValues() throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(parameters.utf8))
    }
}

/// A stored mapper from the CNN's pooled feature: a classifier over its
/// embedding's classes (parameter kind "classifier", outputs = classes), or
/// a linear map into the embedding's space (kind "regression", or no kind).
public struct MapperInfo: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let embedding: String
    /// JSON object: epochs, learning_rate, images, loss, …
    public let parameters: String
    public let inputs: Int
    public let outputs: Int
    public let createdAt: String

    /// Every field as the store holds it.
    public init(id: Int64, name: String, embedding: String, parameters: String, inputs: Int, outputs: Int, createdAt: String) {
        (self.id, self.name, self.embedding, self.parameters, self.inputs, self.outputs, self.createdAt) = (id, name, embedding, parameters, inputs, outputs, createdAt)
    }

    /// `parameters`, decoded.
    public func parameterValues() throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(parameters.utf8))
    }
}

/// An image collection: a folder indexed by `taxon index`.
public struct CollectionInfo: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    /// The indexed folder, absolute; image paths are relative to it.
    public let root: String
    /// The visual descriptor: gap, gem, mac or rmac.
    public let descriptor: String
    /// The class embedding the semantic vectors live in, if any.
    public let embedding: String?
    /// Bumped on every change, so that readers know when to reload.
    public let generation: Int64
    public let images: Int
    public let createdAt: String
    /// The mapper whose classes the photos' top classes name (nil: the network's own).
    public let mapper: String?

    /// Every field as the store holds it.
    public init(id: Int64, name: String, root: String, descriptor: String, embedding: String?, generation: Int64, images: Int, createdAt: String,
                mapper: String? = nil) {
        (self.id, self.name, self.root, self.descriptor, self.embedding) = (id, name, root, descriptor, embedding)
        (self.generation, self.images, self.createdAt, self.mapper) = (generation, images, createdAt, mapper)
    }
}

/// One indexed image. Vectors are float32, L2-normalised.
public struct ImageRecord: Sendable, Equatable {
    public var id: Int64
    public var path: String
    public var sha256: String
    public var bytes: Int
    public var width: Int
    public var height: Int
    /// The network's most probable classes, most probable first: (wnid, probability).
    public var topClasses: [ClassProbability]
    public var descriptor: [Float]
    public var embedding: [Float]?
    /// A concept key someone gave the photo (it stands for the photo's concept instead of its most probable class).
    public var label: String?
    /// Free words someone gave the photo.
    public var tags: [String]
    /// The style descriptor before the collection's PCA (a Gram triangle), nil for a photo indexed without it.
    public var style: [Float]?
    /// The colour composition, nil for a photo indexed without it.
    public var colour: [Float]?

    /// Every field as the store holds it.
    public init(id: Int64 = 0, path: String, sha256: String, bytes: Int, width: Int, height: Int, topClasses: [ClassProbability],
                descriptor: [Float], embedding: [Float]?, label: String? = nil, tags: [String] = [], style: [Float]? = nil, colour: [Float]? = nil) {
        (self.id, self.path, self.sha256, self.bytes, self.width, self.height) = (id, path, sha256, bytes, width, height)
        (self.topClasses, self.descriptor, self.embedding, self.label, self.tags) = (topClasses, descriptor, embedding, label, tags)
        (self.style, self.colour) = (style, colour)
    }
}

/// A collection's learned PCA of style descriptors: `dims` × `inputs` components (row-major) and the mean.
public struct StyleProjection: Sendable, Equatable {
    /// How many photos it was learned on.
    public let photos: Int
    public let dims: Int
    public let inputs: Int
    public let mean: [Float]
    public let components: [Float]

    /// A projection from its parts; components hold dims × inputs values.
    public init(photos: Int, dims: Int, inputs: Int, mean: [Float], components: [Float]) {
        precondition(mean.count == inputs && components.count == dims * inputs, "dims × inputs components and one mean per input")
        (self.photos, self.dims, self.inputs, self.mean, self.components) = (photos, dims, inputs, mean, components)
    }
}

/// A change to a photo's label: keep it, clear it, or set a concept key.
public enum LabelChange: Sendable, Equatable {
    case keep
    case clear
    case set(String)
}

/// One of an image's most probable classes.
public struct ClassProbability: Codable, Sendable, Equatable {
    public let wnid: String
    public let probability: Double
    /// Every field as the store holds it.
    public init(wnid: String, probability: Double) { (self.wnid, self.probability) = (wnid, probability) }
}

/// A fingerprint of everything a store holds: row counts per table and a hash
/// over every row in key order. Two stores with the same digest hold the same
/// rows; the tests use it to prove a failed import changed nothing.
public struct ContentDigest: Codable, Sendable, Equatable, CustomStringConvertible {
    public let rows: [String: Int]
    public let hash: String

    /// Every field as the store holds it.
    public init(rows: [String: Int], hash: String) { (self.rows, self.hash) = (rows, hash) }

    public var description: String {
        let counts = rows.keys.sorted().map { "\($0)=\(rows[$0]!)" }.joined(separator: " ")
        return "\(hash) (\(counts))"
    }
}

/// The named things a store holds; their names are unique within each kind.
public enum CatalogKind: String, Sendable, CaseIterable {
    case taxonomy = "taxonomy"
    case classSet = "class set"
    case vectorSet = "vector set"
    case embedding = "embedding"
    case mapper = "mapper"
    case collection = "collection"
}

/// What to do when a bare word has several senses.
public enum SenseChoice: Sendable {
    /// Take the first sense, as NLTK's `synsets(word)[0]`.
    case first
    /// Refuse and list the senses.
    case requireUnique
}

/// The lookup form of a word: lower-cased, with spaces written as '_' (as WordNet does).
public func foldLemma(_ word: String) -> String {
    var utf8 = Array(word.utf8)
    guard utf8.allSatisfy({ $0 < 0x80 }) else { return String(word.lowercased().map { $0 == " " ? "_" : $0 }) }
    for index in utf8.indices {  // ASCII, the common case: no Unicode tables needed
        switch utf8[index] {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): utf8[index] += 0x20
        case UInt8(ascii: " "): utf8[index] = UInt8(ascii: "_")
        default: break
        }
    }
    return String(decoding: utf8, as: UTF8.self)
}

/// Imported files are recorded as absolute paths: a relative one means nothing later.
public func absolutePath(_ source: String) -> String {
    URL(fileURLWithPath: source).standardizedFileURL.path
}

/// What an API key may do: read (every GET and search), write (add, change and delete photos),
/// admin (create and delete collections); each includes the ones before it.
public enum KeyScope: String, Codable, Sendable, CaseIterable, Comparable {
    case read, write, admin

    /// Ordered read < write < admin.
    public static func < (a: KeyScope, b: KeyScope) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// An API key as the store keeps it: never the token, only its SHA-256.
public struct APIKey: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    /// Lowercase hex SHA-256 of the token.
    public let tokenHash: String
    public let scope: KeyScope
    /// The one collection the key may touch; nil: every collection.
    public let collection: String?
    public let createdAt: String
    /// When it was revoked; nil while it is valid.
    public let revokedAt: String?

    /// Every field as the store holds it.
    public init(id: Int64, name: String, tokenHash: String, scope: KeyScope, collection: String?, createdAt: String, revokedAt: String?) {
        (self.id, self.name, self.tokenHash, self.scope, self.collection, self.createdAt, self.revokedAt) =
            (id, name, tokenHash, scope, collection, createdAt, revokedAt)
    }
}

/// Splits `word.p.NN` into its parts (NLTK accepts any number of digits).
public func parseSenseName(_ reference: String) -> (String, String, Int)? {
    let parts = reference.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count >= 3,
          let sense = Int(parts[parts.count - 1]), sense > 0,
          let pos = parts[parts.count - 2].first, parts[parts.count - 2].count == 1, "nvasr".contains(pos)
    else { return nil }
    let word = parts[..<(parts.count - 2)].joined(separator: ".")
    return word.isEmpty ? nil : (word, String(pos), sense)
}

/// One word of a concept as stored (what `TaxonomyWriting.addLemma` takes).
public struct LemmaRow: Sendable {
    public let concept: Int64, position: Int, word: String, folded: String, senseNumber: Int?
    /// Every field as the store holds it.
    public init(concept: Int64, position: Int, word: String, folded: String, senseNumber: Int?) {
        (self.concept, self.position, self.word, self.folded, self.senseNumber) = (concept, position, word, folded, senseNumber)
    }
}

/// One typed edge as stored (what `TaxonomyWriting.addEdge` takes).
public struct EdgeRow: Sendable {
    public let source: Int64, relation: String, target: Int64, sourceWord: Int, targetWord: Int
    /// Every field as the store holds it.
    public init(source: Int64, relation: String, target: Int64, sourceWord: Int, targetWord: Int) {
        (self.source, self.relation, self.target, self.sourceWord, self.targetWord) = (source, relation, target, sourceWord, targetWord)
    }
}

/// Everything a taxonomy holds of its own (not its base's): what copying a store reads.
public struct TaxonomyRows: Sendable {
    /// In id order.
    public var concepts: [Concept] = []
    /// In concept id, then position order.
    public var lemmas: [LemmaRow] = []
    /// The edges leaving its own concepts (their targets may lie in its base).
    public var edges: [EdgeRow] = []
    /// An empty set, filled by a store's reader.
    public init() {}
}

