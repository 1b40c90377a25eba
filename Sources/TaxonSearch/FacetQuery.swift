import Foundation
import TaxonLinalg
import TaxonVision

/// Which facets a query ranks by: inferred from its examples, or given with weights.
public enum FacetChoice: Sendable, Equatable {
    /// The facet the positive examples (two photos or more) share most unusually (`FacetInference`).
    case inferred
    /// These facets, each score weighted (one facet: weight 1); the weights need not sum to 1.
    case weighted([Facet: Double])

    /// From a request's `facet` ("semantic", "visual", "style", "colour" or "auto") or `weights` (facet name →
    /// weight), not both; nil for neither. Errors name the field.
    public init?(facet: String?, weights: [String: Double]?) throws {
        if facet != nil && weights != nil { throw QueryError.badField("facet", "give facet or weights, not both") }
        if let facet {
            if facet == "auto" { self = .inferred; return }
            self = .weighted([try Self.facet(facet, field: "facet"): 1])
            return
        }
        guard let weights else { return nil }
        try self.init(weights: weights)
    }

    /// Weights written as the CLI and query strings take them: "style:0.7,colour:0.3".
    public static func weights(from text: String) throws -> [String: Double] {
        var parsed: [String: Double] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count == 2, let weight = Double(pieces[1].trimmingCharacters(in: .whitespaces)) else {
                throw QueryError.badField("weights", "write FACET:WEIGHT pairs separated by commas (style:0.7,colour:0.3)")
            }
            parsed[pieces[0].trimmingCharacters(in: .whitespaces)] = weight
        }
        return parsed
    }

    /// A blend from facet names and weights, each weight in [0, 1] and at least one above 0.
    public init(weights: [String: Double]) throws {
        var blend: [Facet: Double] = [:]
        for (name, weight) in weights.sorted(by: { $0.key < $1.key }) {
            let facet = try Self.facet(name, field: "weights")
            guard weight.isFinite, (0...1).contains(weight) else { throw QueryError.badField("weights.\(name)", "must lie in [0, 1]") }
            if weight > 0 { blend[facet] = weight }
        }
        guard !blend.isEmpty else { throw QueryError.badField("weights", "give at least one facet a weight above 0") }
        self = .weighted(blend)
    }

    private static func facet(_ name: String, field: String) throws -> Facet {
        guard let facet = Facet(rawValue: name) else {
            let names = Facet.allCases.map(\.rawValue) + (field == "facet" ? ["auto"] : [])
            throw QueryError.badField(field, "unknown facet '\(name.prefix(40))': use \(names.joined(separator: ", "))")
        }
        return facet
    }
}

/// What a query ranked by, as its answer reports it.
public struct FacetSummary: Encodable, Sendable, Equatable {
    /// The weight of each facet in the ranking (by name).
    public let weights: [String: Double]
    /// The facet inference chose, when it was asked to.
    public let inferred: Facet?
    /// Each candidate facet's z-score (inference only).
    public let scores: [String: Double]?
    /// In words: "these share a style, not an object".
    public let summary: String?
}

/// How a result scored in each facet of a facet query, and which ranked it.
public struct FacetMatch: Encodable, Sendable, Equatable {
    /// The result's score in each weighted facet (a cosine, or the strategy's combination of cosines).
    public let scores: [String: Float]
    /// The weighted facets, the one that added most to the result's score first.
    public let rankedBy: [Facet]
}

extension SearchEngine {
    /// The weights the query ranks by (inferring them when asked), or nil for an object query as before facets.
    func facetWeights(_ query: ResolvedQuery) throws -> (weights: [Facet: Double], summary: FacetSummary)? {
        switch query.facets {
        case nil: return nil
        case let .weighted(weights):
            return (weights, FacetSummary(weights: Dictionary(uniqueKeysWithValues: weights.map { ($0.key.rawValue, $0.value) }), inferred: nil,
                                          scores: nil, summary: nil))
        case .inferred:
            let photos = query.positives.filter { $0.descriptor != nil }
            guard photos.count >= 2 else { throw QueryError.badField("facet", "inferring a facet needs two photo examples or more among the positives") }
            var examples: [Facet: [[Float]]] = [:]
            for facet in FacetInference.candidates {
                let rows = photos.compactMap { $0.vector(facet) }
                if rows.count == photos.count { examples[facet] = rows }
            }
            guard let (facet, scores) = facetInference.infer(examples) else {
                throw QueryError.badField("facet", "collection '\(index.info.name)' has no facet to infer from")
            }
            let sentence: String = switch facet {
            case .semantic: "these share what they show, not a style or colours"
            case .style: "these share a style, not an object"
            case .colour: "these share their colours, not an object"
            case .visual: "these look alike"
            }
            return ([facet: 1], FacetSummary(weights: [facet.rawValue: 1], inferred: facet,
                                             scores: Dictionary(uniqueKeysWithValues: scores.map { ($0.key.rawValue, $0.value) }), summary: sentence))
        }
    }

    /// Every image's score in each weighted facet under the query's strategy, and their weighted mean.
    func facetScores(_ query: ResolvedQuery, weights: [Facet: Double]) throws -> (combined: [Float], perFacet: [Facet: [Float]]) {
        let plain = query.positives.count == 1 && query.negatives.isEmpty
        // The learned and generalise strategies' class votes and taxonomy speak for the object alone: other facets average.
        let strategy: FeedbackStrategy? = switch query.strategy {
        case _ where plain: nil
        case let .learned(gamma), let .generalise(gamma): .average(gamma: gamma)
        default: query.strategy
        }
        var perFacet: [Facet: [Float]] = [:]
        var combined = [Float](repeating: 0, count: index.count)
        let total = weights.values.reduce(0, +)
        for facet in Facet.allCases {
            guard let weight = weights[facet] else { continue }
            guard let (matrix, dims) = index.matrix(facet) else {
                throw QueryError.badField("facet", facet == .semantic ? SearchError.noEmbedding(collection: index.info.name).description
                                          : "collection '\(index.info.name)' has no \(facet.rawValue) descriptors: index its photos again (taxon index, or upload them) to add them")
            }
            guard let scores = try side({ $0.vector(facet) }, matrix, dims, query.positives, query.negatives, strategy) else {
                throw QueryError.badField("facet", "the \(facet.rawValue) facet needs a photo among the positive examples")
            }
            for i in 0..<index.count { combined[i] += Float(weight / total) * scores[i] }
            perFacet[facet] = scores
        }
        return (combined, perFacet)
    }

    /// The inference baseline over the facets the collection has.
    static func inference(_ index: CollectionIndex) -> FacetInference {
        let matrices = Dictionary(uniqueKeysWithValues: Facet.allCases.compactMap { facet in index.matrix(facet).map { (facet, $0) } })
        return FacetInference(count: index.count, facets: Array(matrices.keys)) { facet, i, j in
            let (matrix, dims) = matrices[facet]!
            var sum: Float = 0
            for d in 0..<dims { sum += matrix[i * dims + d] * matrix[j * dims + d] }
            return sum
        }
    }
}

extension CollectionIndex {
    /// The collection's matrix of a facet (count × dims), nil when it has none.
    func matrix(_ facet: Facet) -> (matrix: [Float], dims: Int)? {
        switch facet {
        case .semantic: return embeddings.map { ($0, embeddingDims) }
        case .visual: return (descriptors, descriptorDims)
        case .style: return styles.map { ($0, styleDims) }
        case .colour: return colours.map { ($0, ColourComposition.dims) }
        }
    }
}

extension QueryAnswer {
    /// The ranking's name as answers give it: "facets" when facets other than the object's ranked the results.
    public var rankingName: String {
        facets?.weights.keys.contains { $0 != Facet.semantic.rawValue } == true ? "facets" : ranking.name
    }
}

extension ExampleVectors {
    /// The example's vector in a facet, nil when it has none there (a concept has no style).
    func vector(_ facet: Facet) -> [Float]? {
        switch facet {
        case .semantic: return embedding
        case .visual: return descriptor
        case .style: return style
        case .colour: return colour
        }
    }
}
