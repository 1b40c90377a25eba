import Foundation
import TaxonModel

/// One example of what the user wants (or does not): an indexed image, a concept, free text or a photo's bytes.
public enum QueryExample: Sendable, Equatable {
    case image(Int64)
    case concept(String)
    case text(String)
    case upload(Data)
}

/// How several examples become one score per side (semantic, visual); docs/SEARCH.md gives each formula.
public enum FeedbackStrategy: Sendable, Equatable {
    /// q′ = α·q + β·mean(positives) − γ·mean(negatives), q the first positive; cosine with q′.
    case rocchio(alpha: Double, beta: Double, gamma: Double)
    /// Mean cosine with the positives − γ × mean cosine with the negatives.
    case average(gamma: Double)
    /// Highest cosine with a positive − γ × highest cosine with a negative.
    case bestScore(gamma: Double)
    /// The semantic side is the taxonomy itself: the lcs-height similarity of each image's concept to the
    /// examples' generalisation (0 under a concept the negatives exclude); the visual side is `average`.
    case generalise(gamma: Double)
    /// `average` on both sides, plus on the semantic side a vote of the judged
    /// examples' classes; the semantic/visual weight chosen per query as the one
    /// that best separates the judged examples.
    case learned(gamma: Double)

    /// The strategies by name, as the CLI and the API take them.
    public enum Kind: String, CaseIterable, Sendable {
        case rocchio, average, bestScore = "best-score", generalise, learned
    }

    /// A strategy with its parameters; each has its own defaults (Rocchio α 1, β 0.75, γ 0.15; the others γ 0.5).
    public init(_ kind: Kind, alpha: Double? = nil, beta: Double? = nil, gamma: Double? = nil) throws {
        for (name, value) in [("alpha", alpha), ("beta", beta), ("gamma", gamma)] {
            if let value, !(0...10).contains(value) { throw QueryError.badField(name, "must lie in [0, 10]") }
        }
        if kind != .rocchio, alpha != nil || beta != nil { throw QueryError.badField(alpha != nil ? "alpha" : "beta", "only the rocchio strategy takes it") }
        switch kind {
        case .rocchio: self = .rocchio(alpha: alpha ?? 1, beta: beta ?? 0.75, gamma: gamma ?? 0.15)
        case .average: self = .average(gamma: gamma ?? 0.5)
        case .bestScore: self = .bestScore(gamma: gamma ?? 0.5)
        case .generalise: self = .generalise(gamma: gamma ?? 0.5)
        case .learned: self = .learned(gamma: gamma ?? 0.5)
        }
    }

    public var kind: Kind {
        switch self {
        case .rocchio: return .rocchio
        case .average: return .average
        case .bestScore: return .bestScore
        case .generalise: return .generalise
        case .learned: return .learned
        }
    }
}

/// A query of a collection with several examples, filters and a page.
public struct QueryRequest: Sendable {
    public var positive: [QueryExample]
    public var negative: [QueryExample] = []
    public var strategy: FeedbackStrategy = .learned(gamma: 0.5)
    public var ranking: Ranking = .semanticFirst(width: nil)
    /// Only images whose concept lies under one of these (references: keys, NLTK names or words).
    public var within: [String] = []
    /// No image whose concept lies under one of these.
    public var exclude: [String] = []
    /// Only images carrying every one of these tags.
    public var tags: [String] = []
    /// Only images whose concept's lcs-height similarity to the query concept reaches this.
    public var minSimilarity: Double?
    public var offset = 0
    public var limit = 20
    /// The facets to rank by; nil: the object (semantic and visual sides, under `ranking`).
    public var facets: FacetChoice?

    /// A query by these positive examples; everything else at its default.
    public init(positive: [QueryExample]) { self.positive = positive }

    /// The most results one page may hold.
    public static let maxLimit = CollectionIndex.maxK
    /// The most examples, positive and negative together, one query may give.
    public static let maxExamples = 100
}

/// Why a result is where it is.
public struct Explanation: Encodable, Sendable, Equatable {
    /// What the query means: its examples' generalisation.
    public let query: ConceptLabel
    /// The lowest common subsumer of the query concept and the result's.
    public let shared: ConceptLabel
    /// lcs-height similarity of the two concepts, in [0, 1].
    public let similarity: Double
    public let semantic: Float?
    public let visual: Float?
    /// Semantic-first only: the concept every photo of the result's band shares with the query.
    public let band: ConceptLabel?
}

/// What the examples were taken to mean: a concept, minus the negatives inside it.
public struct QueryMeaning: Encodable, Sendable, Equatable {
    public let concept: ConceptLabel
    public let excluded: [ConceptLabel]
}

/// One page of a query's results.
public struct QueryAnswer: Sendable {
    public let hits: [SearchHit]
    /// Results matching the filters, over every page.
    public let total: Int
    public let more: Bool
    public let meaning: QueryMeaning?
    /// The ranking applied (the learned strategy blends with its chosen weight).
    public let ranking: Ranking
    /// Words of text examples that have no vector.
    public let unknownWords: [String]
    /// The facets the results were ranked by, when the query named or asked to infer them.
    public var facets: FacetSummary? = nil
}

/// A query that cannot be answered as given; names the field.
public enum QueryError: TaxonError, Equatable {
    case badField(String, String)
    case unknownImage(field: String, id: Int64, collection: String)
    /// Another library error, raised while reading the field.
    case inField(String, kind: ErrorKind, message: String)

    public var kind: ErrorKind {
        switch self {
        case .badField: return .invalidInput
        case .unknownImage: return .notFound
        case let .inField(_, kind, _): return kind
        }
    }

    /// The same error with its field inside a larger request ("queries[3]." + "positive[0]").
    public func prefixed(_ prefix: String) -> QueryError {
        switch self {
        case let .badField(field, message): return .badField(prefix + field, message)
        case let .unknownImage(field, id, collection): return .unknownImage(field: prefix + field, id: id, collection: collection)
        case let .inField(field, kind, message): return .inField(prefix + field, kind: kind, message: message)
        }
    }

    public var description: String {
        switch self {
        case let .badField(field, message): return "\(field): \(message)"
        case let .unknownImage(field, id, collection): return "\(field): collection '\(collection)' has no image \(id)"
        case let .inField(field, _, message): return "\(field): \(message)"
        }
    }
}
