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
    /// The photos in memory: the whole collection, or (searching in the database) one query's candidates.
    public private(set) var index: CollectionIndex
    public let analyzer: ImageAnalyzer
    /// Applied to query descriptors when the collection's are whitened.
    public let whitening: PCAWhitening?

    /// The taxonomy that concept references are resolved in: the class set's of the photos' classes.
    public let conceptTaxonomy: TaxonomyInfo
    /// The hierarchy of the embedding's classes: filters, generalisation, explanations; nil without an embedding.
    public let tree: ConceptTree?
    /// 1/H for the collection's embedding (H: the largest height of the
    /// hierarchy its classes induce); nil without an embedding.
    public var levelWidth: Double? { tree?.levelWidth }
    /// Each class's node in `tree` (−1 where it has none); the classes are the network's, or the collection's mapper's.
    let classNodes: [Int]
    /// Each class's position among them, by key.
    private let classIndex: [String: Int]
    /// Each `index.classVocabulary` entry's class (−1 where it is not one).
    private(set) var classOfVocabulary: [Int]
    /// Each image's concept (its label, else its most probable class) as a node of `tree`, −1 where it has none.
    private(set) var imageConcepts: [Int]
    private(set) var rowByID: [Int64: Int]
    /// True for an engine that searches in the database (`inDatabase`): `index` then holds a query's candidates only.
    public internal(set) var searchesInDatabase = false
    /// Searching in the database: how many photos pass each filter, counted once per engine.
    let filterCounts = FilterCounts()
    /// How alike two of the collection's photos usually are in each facet: what facet inference measures examples against.
    let facetInference: FacetInference

    /// `classSet` names the network's outputs, in order (ilsvrc2012, which `make run` imports);
    /// `whiten`: PCA-whiten the visual descriptors to that many dimensions, learned on the collection.
    public init(store: Store, collection name: String, network: EfficientNetLite, classSet: String = "ilsvrc2012", whiten: Int? = nil) throws {
        let stored = try CollectionIndex(store: store, collection: name)
        let (index, whitening) = try whiten.map { try stored.whitened(dims: $0) } ?? (stored, nil)
        try self.init(store: store, index: index, whitening: whitening, network: network, classSet: classSet)
    }

    /// An engine over `index` as given (its descriptors already through `whitening`, if any).
    init(store: Store, index: CollectionIndex, whitening: PCAWhitening?, network: EfficientNetLite, classSet: String) throws {
        (self.index, self.whitening) = (index, whitening)
        guard let descriptor = Descriptor(rawValue: index.info.descriptor) else {
            throw SearchError.badParameter("collection '\(index.info.name)' has an unknown descriptor '\(index.info.descriptor)'")
        }
        analyzer = try ImageAnalyzer(store: store, network: network, classSet: classSet, descriptor: descriptor, embedding: index.info.embedding,
                                     mapper: index.info.mapper)
        // Concept references resolve where the photos' classes live: the mapper's class set (a mapper brings its embedding), else the network's.
        let classesSet = analyzer.head != nil ? analyzer.space!.embedding.classSet : classSet
        conceptTaxonomy = try store.taxonomy(named: try store.classSet(named: classesSet).taxonomy)
        let tree = try analyzer.space.map { try Self.conceptTree(store: store, embedding: $0.embedding) }
        classIndex = Dictionary(analyzer.classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        self.tree = tree
        classNodes = analyzer.classes.map { tree?.node(forKey: $0) ?? -1 }
        (classOfVocabulary, imageConcepts, rowByID) = Self.lookups(index, classIndex: classIndex, tree: tree)
        facetInference = Self.inference(index)
    }

    /// The per-photo lookups: each vocabulary entry's class, each image's concept node, each id's row.
    private static func lookups(_ index: CollectionIndex, classIndex: [String: Int], tree: ConceptTree?) -> ([Int], [Int], [Int64: Int]) {
        (index.classVocabulary.map { classIndex[$0] ?? -1 },
         zip(index.assignedLabels, index.labels).map { assigned, predicted in (assigned ?? predicted).flatMap { tree?.node(forKey: $0) } ?? -1 },
         Dictionary(index.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The same engine over other photos of the collection (a query's candidates): the network, semantic space,
    /// hierarchy and facet statistics stay the collection's.
    func restricted(to photos: CollectionIndex) -> SearchEngine {
        var engine = self
        engine.index = photos
        (engine.classOfVocabulary, engine.imageConcepts, engine.rowByID) = Self.lookups(photos, classIndex: classIndex, tree: tree)
        return engine
    }

    /// The examples' generalisation in the collection's hierarchy (nil without one, or without a common concept).
    func generalisation(positives: [ExampleVectors], negatives: [ExampleVectors]) -> Generalisation? {
        tree?.generalise(positives: positives.compactMap(\.concept), negatives: negatives.compactMap(\.concept))
    }

    /// A generalisation as an answer shows it.
    func meaning(_ generalisation: Generalisation) -> QueryMeaning {
        QueryMeaning(concept: tree!.label(generalisation.concept), excluded: generalisation.excluded.map { tree!.label($0) })
    }

    /// The class set naming the network's outputs, in their order; it must have exactly as many classes.
    public static func networkConcepts(store: Store, classSet: String) throws -> [Concept] {
        let classes = try store.classMembers(of: classSet)
        guard classes.count == EfficientNetLite.classes else {
            throw SearchError.badParameter("class set '\(classSet)' has \(classes.count) classes, the network \(EfficientNetLite.classes)")
        }
        return classes
    }

    /// The wnids of `networkConcepts`.
    public static func networkClasses(store: Store, classSet: String) throws -> [String] {
        try networkConcepts(store: store, classSet: classSet).map(\.key)
    }

    /// The classes a collection's stored top classes name: its mapper's, else the network's (`classSet`).
    public static func photoClasses(store: Store, collection: CollectionInfo, classSet: String) throws -> [String] {
        guard let mapper = collection.mapper else { return try networkClasses(store: store, classSet: classSet) }
        return try ClassHead(store: store, mapper: mapper).classes
    }

    /// 1/H: lcs-height similarities are 1 − h/H, so its levels lie 1/H apart.
    public static func levelWidth(store: Store, embedding: EmbeddingInfo) throws -> Double {
        try conceptTree(store: store, embedding: embedding).levelWidth
    }

    /// The hierarchy the embedding's classes induce in its taxonomy: its own
    /// ("taxonomy" parameter, e.g. the tree of a unitsphere embedding), else its class set's.
    public static func conceptTree(store: Store, embedding: EmbeddingInfo) throws -> ConceptTree {
        let parameters = try embedding.parameterValues()
        let classSet = try store.classSet(named: embedding.classSet)
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: parameters["taxonomy"] ?? classSet.taxonomy))
        return try ConceptTree(taxonomy: taxonomy, classKeys: try store.classMembers(of: embedding.classSet).map(\.key))
    }

    /// One example under `ranking` (or in `facets`): the `k` best images with their concepts and explanations.
    public func search(_ example: QueryExample, ranking: Ranking, k: Int, facets: FacetChoice? = nil, store: Store) throws -> QueryAnswer {
        try answer(try resolve(try QueryRequest.single(example, ranking: ranking, k: k, facets: facets), store: store))
    }
}

extension QueryRequest {
    /// A plain search as a query: one example, no filters, the first `k` results.
    public static func single(_ example: QueryExample, ranking: Ranking, k: Int, facets: FacetChoice? = nil) throws -> QueryRequest {
        guard (1...CollectionIndex.maxK).contains(k) else { throw SearchError.badK(k, limit: CollectionIndex.maxK) }
        var request = QueryRequest(positive: [example])
        (request.ranking, request.limit, request.facets) = (ranking, k, facets)
        return request
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
