/// Typed rows read from the store. Each is `Codable` so the CLI and the HTTP
/// layer can print them as JSON without a second set of types.

public struct TaxonomyInfo: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let kind: String
    public let source: String
    public let importedAt: String
    public let concepts: Int
    public let edges: Int
}

public struct ClassSetInfo: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let taxonomy: String
    public let classes: Int
    public let source: String
    public let createdAt: String
}

public struct VectorSetInfo: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let dims: Int
    public let count: Int
    public let format: String
    public let source: String
    public let importedAt: String
}

public struct Concept: Codable, Sendable, Equatable, Hashable {
    public let id: Int64
    public let taxonomyID: Int64
    public let key: String
    public let name: String?
    public let pos: String?
    public let lexname: String?
    public let gloss: String?

    /// The name to show a person: the NLTK-style name, else the key.
    public var label: String { name ?? key }
}

public struct Lemma: Codable, Sendable, Equatable {
    public let word: String
    public let senseNumber: Int?
}

/// An edge seen from one of its ends.
public struct Relation: Codable, Sendable, Equatable {
    public let relation: String
    public let concept: Concept
    /// Positions of the two words for a lexical relation (antonym, derivation …); nil for semantic ones.
    public let sourceWord: Int?
    public let targetWord: Int?
}

public struct Ancestor: Codable, Sendable, Equatable {
    public let concept: Concept
    /// Fewest hypernym / instance-hypernym edges from the concept up to this ancestor.
    public let distance: Int
}
