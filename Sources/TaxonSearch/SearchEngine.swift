import Foundation
import TaxonCore
import TaxonEmbed
import TaxonLinalg
import TaxonModel
import TaxonVision

/// One collection ready to answer queries: its images in memory, the network
/// and semantic space that turn a query photo into vectors, and the level
/// width of semantic-first. Built once; `Sendable`, so a server shares it.
public struct SearchEngine: Sendable {
    public let index: CollectionIndex
    public let analyzer: ImageAnalyzer
    /// 1/H for the collection's embedding (H: the largest height of the
    /// hierarchy its classes induce); nil without an embedding.
    public let levelWidth: Double?
    /// Applied to query descriptors when the collection's are whitened.
    public let whitening: PCAWhitening?

    /// The taxonomy that concept references are resolved in: the network's class set's.
    public let conceptTaxonomy: TaxonomyInfo

    /// `classSet` names the network's outputs, in order (ilsvrc2012, which `make run` imports);
    /// `whiten`: PCA-whiten the visual descriptors to that many dimensions, learned on the collection.
    public init(store: Store, collection name: String, network: EfficientNetLite0, classSet: String = "ilsvrc2012", whiten: Int? = nil) throws {
        let networkClasses = try Self.networkClasses(store: store, classSet: classSet)
        conceptTaxonomy = try store.taxonomy(named: try store.classSet(named: classSet).taxonomy)
        let stored = try CollectionIndex(store: store, collection: name)
        if let whiten { (index, whitening) = try stored.whitened(dims: whiten) } else { (index, whitening) = (stored, nil) }
        guard let descriptor = Descriptor(rawValue: index.info.descriptor) else {
            throw SearchError.badParameter("collection '\(name)' has an unknown descriptor '\(index.info.descriptor)'")
        }
        let space = try index.info.embedding.map { try SemanticSpace(store: store, embedding: $0, networkClasses: networkClasses) }
        analyzer = ImageAnalyzer(network: network, classes: networkClasses, descriptor: descriptor, space: space)
        levelWidth = try space.map { try Self.levelWidth(store: store, embedding: $0.embedding) }
    }

    /// The class set naming the network's outputs, in their order; it must have exactly as many classes.
    public static func networkConcepts(store: Store, classSet: String) throws -> [Concept] {
        let classes = try store.classMembers(of: classSet)
        guard classes.count == EfficientNetLite0.classes else {
            throw SearchError.badParameter("class set '\(classSet)' has \(classes.count) classes, the network \(EfficientNetLite0.classes)")
        }
        return classes
    }

    /// The wnids of `networkConcepts`.
    public static func networkClasses(store: Store, classSet: String) throws -> [String] {
        try networkConcepts(store: store, classSet: classSet).map(\.key)
    }

    /// 1/H: lcs-height similarities are 1 − h/H, so its levels lie 1/H apart.
    /// The taxonomy is the embedding's own ("taxonomy" parameter, e.g. the
    /// tree of a unitsphere embedding), else its class set's.
    public static func levelWidth(store: Store, embedding: EmbeddingInfo) throws -> Double {
        let parameters = try embedding.parameterValues()
        let classSet = try store.classSet(named: embedding.classSet)
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: parameters["taxonomy"] ?? classSet.taxonomy))
        let hierarchy = try ClassHierarchy(taxonomy: taxonomy, classKeys: try store.classMembers(of: embedding.classSet).map(\.key))
        return 1 / Double(max(hierarchy.taxonomy.maxHeight, 1))
    }

    /// A photo's bytes (JPEG or PNG) as a query.
    public func query(image data: Data, name: String) throws -> SearchQuery {
        let analysis = analyzer.analyze([try ImageAnalyzer.prepare(data, name: name)])[0]
        return SearchQuery(descriptor: whitening.map { $0.apply(analysis.descriptor) } ?? analysis.descriptor, embedding: analysis.embedding)
    }

    /// A concept's own row of the collection's embedding (it must be one of its classes).
    public func query(concept reference: String, store: Store) throws -> SearchQuery {
        guard let space = analyzer.space else { throw SearchError.noEmbedding(collection: index.info.name) }
        let concept = try store.resolve(reference, in: conceptTaxonomy)
        guard let row = analyzer.classes.firstIndex(of: concept.key) else {
            throw SearchError.badParameter("\(concept.label) (\(concept.key)) is not a class of embedding '\(space.embedding.name)'")
        }
        return SearchQuery(descriptor: nil, embedding: normalized(space.classRows[row].map(Float.init)))
    }

    /// Free text in a text embedding's space (devise, huse); returns the words left out too.
    public func query(text: String, store: Store) throws -> (query: SearchQuery, unknownWords: [String]) {
        guard let space = analyzer.space else { throw SearchError.noEmbedding(collection: index.info.name) }
        let (info, values) = try store.embedding(named: space.embedding.name)
        let (point, unknown) = try TextQuery.point(text, embedding: info, values: values, store: store)
        return (SearchQuery(descriptor: nil, embedding: normalized(point.map(Float.init))), unknown)
    }

    /// `ranking` with its default level width where semantic-first has none.
    public func search(_ query: SearchQuery, ranking: Ranking, k: Int) throws -> [SearchHit] {
        if case .semanticFirst(nil) = ranking, levelWidth == nil { throw SearchError.noEmbedding(collection: index.info.name) }
        return try index.search(query, ranking: ranking.withLevelWidth(levelWidth), k: k)
    }
}

extension Ranking {
    /// The rankings by name, as the CLI and the API take them.
    public enum Kind: String, CaseIterable, Sendable {
        case visual, semantic, semanticFirst = "semantic-first", blend
    }

    /// The ranking of a kind with its parameters; semantic-first without a
    /// width uses the taxonomy's levels (see `withLevelWidth`).
    public init(_ kind: Kind, alpha: Double?, width: Double?) throws {
        switch kind {
        case .visual: self = .visual
        case .semantic: self = .semantic
        case .semanticFirst: self = .semanticFirst(width: width)
        case .blend:
            guard let alpha, (0...1).contains(alpha) else { throw SearchError.badParameter("blend needs alpha in [0, 1]") }
            self = .blend(alpha: alpha)
        }
        // At most a million levels: a width nearer 0 would overflow the level (a fuzzer found 2.2e-313).
        if let width, !(width >= Self.minimumLevelWidth && width <= 2) { throw SearchError.badParameter("the level width must lie in [1e-6, 2]") }
    }

    /// Parses a ranking's name ("visual", "semantic", "semantic-first" or "blend").
    public init(name: String, alpha: Double?, width: Double?) throws {
        guard let kind = Kind(rawValue: name) else {
            throw SearchError.badParameter("unknown ranking '\(name)': use \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try self.init(kind, alpha: alpha, width: width)
    }

    /// The narrowest semantic-first level a request may ask for.
    public static let minimumLevelWidth = 1e-6

    public var kind: Kind {
        switch self {
        case .visual: return .visual
        case .semantic: return .semantic
        case .semanticFirst: return .semanticFirst
        case .blend: return .blend
        }
    }
}
