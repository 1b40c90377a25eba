import Foundation
import TaxonModel

/// Everything a store holds, as `taxon info` and the API list it.
public struct StoreSummary: Encodable, Sendable {
    public let store: String
    public let schemaVersion: Int
    public let taxonomies: [TaxonomyInfo]
    public let classSets: [ClassSetInfo]
    public let vectorSets: [VectorSetInfo]
    public let embeddings: [EmbeddingInfo]
    public let mappers: [MapperInfo]
    public let collections: [CollectionInfo]
    public let digest: ContentDigest?
}

/// Concepts and the catalogue: looking things up, listing what is stored, importing once.
public struct CatalogService {
    public let store: any Store
    /// A service over one store connection (use it from one thread at a time).
    public init(store: any Store) { self.store = store }

    /// The concept a reference names (a key, NLTK-style name or word: its first sense), or with `allSenses` every sense of it.
    public func concepts(_ reference: String, taxonomy: String?, allSenses: Bool) throws -> [ConceptDetails] {
        let info = try store.taxonomy(named: taxonomy)
        let found = allSenses ? try store.candidates(for: reference, in: info) : [try store.resolve(reference, in: info)]
        if found.isEmpty { throw ReferenceError.unknown(reference: reference, taxonomy: info.name) }
        return try found.map { try store.details(of: $0) }
    }

    /// The concept a reference names and its ancestors, nearest first.
    public func ancestors(_ reference: String, taxonomy: String?) throws -> (concept: Concept, ancestors: [Ancestor]) {
        let concept = try store.resolve(reference, in: try store.taxonomy(named: taxonomy))
        return (concept, try store.ancestors(of: concept))
    }

    /// Every sense of a word (or the concept a key or name gives).
    public func senses(of lemma: String, taxonomy: String?) throws -> [Concept] {
        try store.candidates(for: lemma, in: try store.taxonomy(named: taxonomy))
    }

    /// Concepts with a word starting with `prefix`, best first (for autocompletion).
    public func completions(of prefix: String, taxonomy: String?, limit: Int) throws -> [(word: String, concept: Concept)] {
        try store.completions(of: prefix, in: try store.taxonomy(named: taxonomy), limit: limit)
    }

    /// Everything in the store, with a digest of every row if asked.
    public func summary(digest: Bool) throws -> StoreSummary {
        StoreSummary(store: store.location, schemaVersion: try store.schemaVersion, taxonomies: try store.taxonomies(),
                     classSets: try store.classSets(), vectorSets: try store.vectorSets(), embeddings: try store.embeddings(),
                     mappers: try store.mappers(), collections: try store.collections(), digest: digest ? try store.contentDigest() : nil)
    }

    /// Runs an import unless `ifMissing` finds the name taken: the report, or nil when skipped.
    public func importOnce<Report>(_ kind: CatalogKind, named name: String, ifMissing: Bool, _ body: () throws -> Report) throws -> Report? {
        if ifMissing, try store.contains(kind, named: name) { return nil }
        return try body()
    }
}
