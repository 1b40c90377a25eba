import Foundation
import TaxonCore
import TaxonEmbed
import TaxonLinalg
import TaxonModel

/// Every method `embed` offers: the hierarchy ones and the text ones.
public enum EmbedMethod: String, CaseIterable, Sendable {
    case unitsphere, approxSim = "approx-sim", sparse, devise, huse

    public var hierarchyMethod: HierarchyMethod? { HierarchyMethod(rawValue: rawValue) }
    public var textMethod: TextMethod? { TextMethod(rawValue: rawValue) }
    public var isText: Bool { textMethod != nil }
    /// Eigendecompositions are where OpenBLAS's kernel choice matters most.
    public var needsEigendecomposition: Bool { self == .approxSim || self == .huse }
}

/// What to embed and how (`taxon embed`'s options).
public struct EmbedRequest: Sendable {
    public var classSet: String
    public var method: EmbedMethod
    public var name: String
    /// The taxonomy similarities come from (default: the class set's).
    public var tree: String?
    public var dims: Int?
    /// The word-vector set (devise, huse).
    public var vectors: String?
    /// huse: λ·A + (1 − λ)·S.
    public var mix: Double?
    public var gloss = false
    public var normalize = false
    public var replace = false
    public var measureFidelity = false

    /// A request with every option at its default.
    public init(classSet: String, method: EmbedMethod, name: String) { (self.classSet, self.method, self.name) = (classSet, method, name) }

    /// The option combinations that make no sense, named by option (`dims`, `vectors`, …).
    public func validate() throws {
        if dims != nil && (method == .unitsphere || method == .devise) {
            throw ServiceError.invalid("dims does not apply to \(method.rawValue) (its dimension is fixed)")
        }
        if !method.isText && (vectors != nil || mix != nil || gloss) { throw ServiceError.invalid("vectors, mix and gloss are for devise and huse") }
        if method == .devise && (mix != nil || tree != nil) { throw ServiceError.invalid("mix and tree do not apply to devise") }
        if method == .huse && tree != nil && mix == nil { throw ServiceError.invalid("tree only matters for huse with mix") }
        if method.isText && vectors == nil { throw ServiceError.invalid("method \(method.rawValue) needs a vector set (import one with taxon import vectors)") }
    }
}

/// What `embed` made.
public struct EmbedReport: Encodable, Sendable {
    public let embedding: String
    public let method: String
    public let classes: Int
    public let dims: Int
    public let seconds: Double
    public let warnings: [String]
    public let coverage: TextCoverage?
    public let fidelity: Fidelity?
}

/// Class embeddings: computing, storing, listing, exporting and querying them.
public struct EmbeddingService {
    public let store: any Store
    /// A service over one store connection (use it from one thread at a time).
    public init(store: any Store) { self.store = store }

    /// The classes of a stored class set inside the hierarchy an embedding is built on.
    public func classHierarchy(classSet: String, tree: String?) throws -> ClassHierarchy {
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: tree ?? store.classSet(named: classSet).taxonomy))
        return try ClassHierarchy(taxonomy: taxonomy, classKeys: try store.classMembers(of: classSet).map(\.key))
    }

    /// Computes the embedding, stores it with its parameters, and reports on it.
    public func embed(_ request: EmbedRequest) throws -> EmbedReport {
        try request.validate()
        let clock = ContinuousClock()
        let started = clock.now
        var parameters = ["normalize": String(request.normalize)]
        var hierarchy: ClassHierarchy?
        var coverage: TextCoverage?
        var rows: Matrix
        if let hierarchyMethod = request.method.hierarchyMethod {
            let classes = try classHierarchy(classSet: request.classSet, tree: request.tree)
            hierarchy = classes
            parameters["taxonomy"] = classes.taxonomy.info.name
            rows = try HierarchyEmbedder.embed(classes, method: hierarchyMethod, dims: request.dims, normalize: request.normalize)
        } else {
            let set = try store.vectorSet(named: request.vectors!)
            parameters["vectors"] = set.name
            parameters["vector_dims"] = String(set.dims)
            parameters["gloss"] = String(request.gloss)
            if request.method == .devise {
                let result = try DeViSE.embed(store: store, classSet: request.classSet, vectors: set, gloss: request.gloss)
                rows = result.rows
                coverage = result.coverage
                parameters["rules"] = result.rules.joined(separator: "\n")
            } else {
                if let mix = request.mix {
                    hierarchy = try classHierarchy(classSet: request.classSet, tree: request.tree)
                    parameters["taxonomy"] = hierarchy!.taxonomy.info.name
                    parameters["mix"] = String(mix)
                }
                (rows, coverage) = try HUSE.embed(store: store, classSet: request.classSet, vectors: set, dims: request.dims, gloss: request.gloss,
                                                  mix: request.mix, hierarchy: hierarchy)
            }
            if request.normalize { rows = HierarchyEmbedder.normalizedRows(rows) }
        }
        let elapsed = clock.now - started
        parameters["dims"] = String(rows.columns)
        try store.writeEmbedding(name: request.name, classSet: request.classSet, method: request.method.rawValue, parameters: parameters,
                                 dims: rows.columns, values: rows.values, replace: request.replace)
        var warnings: [String] = []
        if let hierarchy, !hierarchy.ancestorsOfOthers.isEmpty {
            warnings.append("\(hierarchy.ancestorsOfOthers.count) class(es) are ancestors of other classes (first: \(hierarchy.taxonomy.names[hierarchy.classes[hierarchy.ancestorsOfOthers[0]]])); their self-similarity is taken as 1, as in Barz & Denzler's reference")
        }
        let measured = request.measureFidelity ? hierarchy.map { Fidelity.measure($0, rows: rows) } : nil
        return EmbedReport(embedding: request.name, method: request.method.rawValue, classes: rows.rows, dims: rows.columns,
                           seconds: elapsed.inSeconds, warnings: warnings, coverage: coverage, fidelity: measured)
    }

    /// An embedding's rows against lcs-height on its taxonomy (the tree it was built on, else its class set's).
    public func fidelity(of name: String) throws -> Fidelity {
        let (info, values) = try store.embedding(named: name)
        let hierarchy = try classHierarchy(classSet: info.classSet, tree: try info.parameterValues()["taxonomy"])
        return Fidelity.measure(hierarchy, rows: Matrix(rows: info.rows, columns: info.dims, values: values))
    }

    /// Fidelity of a hierarchy embedding (text and hyperbolic ones are refused: they were not built from lcs-height).
    public func hierarchyFidelity(of name: String) throws -> Fidelity {
        let info = try store.embeddingInfo(named: name)
        guard HierarchyMethod(rawValue: info.method) != nil else {
            throw ServiceError.unsuitable("'\(name)' is a \(info.method) embedding: fidelity measures hierarchy embeddings against their taxonomy similarity (taxon audit embedding takes any)")
        }
        return try fidelity(of: name)
    }

    /// Spearman ρ between two embeddings' pairwise cosines over their class pairs.
    public func compare(_ first: String, _ second: String) throws -> (rho: Double, pairs: Int) {
        let (a, aValues) = try store.embedding(named: first), (b, bValues) = try store.embedding(named: second)
        guard a.classSet == b.classSet else {
            throw ServiceError.invalid("'\(first)' embeds class set \(a.classSet) and '\(second)' \(b.classSet): compare embeddings of one class set")
        }
        return cosineRankCorrelation(Matrix(rows: a.rows, columns: a.dims, values: aValues), Matrix(rows: b.rows, columns: b.dims, values: bValues))
    }

    /// A class nearest to a free-text query.
    public struct TextHit: Encodable, Sendable { public let key: String; public let name: String; public let cosine: Double }

    /// The k classes of a devise or huse embedding nearest to `text`, and the words that had no vector.
    public func nearestClasses(toText text: String, embedding: String, k: Int) throws -> (hits: [TextHit], unknownWords: [String]) {
        let (info, values) = try store.embedding(named: embedding)
        let scores = try TextQuery.scores(text, embedding: info, values: values, store: store)
        let cosines = scores.cosines
        let members = try store.classMembers(of: info.classSet)
        let hits = (0..<cosines.count).sorted { cosines[$0] > cosines[$1] }.prefix(max(k, 0))
            .map { TextHit(key: members[$0].key, name: members[$0].label, cosine: cosines[$0]) }
        return (hits, scores.unknownWords)
    }

    /// The classes nearest to one of its classes (cosine, or Poincaré distance for hyperbolic embeddings).
    public func neighbors(embedding: String, of reference: String, k: Int) throws -> (concept: Concept, neighbors: [EmbeddingNeighbors.Neighbor]) {
        try EmbeddingNeighbors.nearest(store: store, embedding: embedding, reference: reference, k: k)
    }

    /// Writes the rows as .npy (float32 or float64) and, if asked, the class keys one per line.
    public func export(_ name: String, to out: String, float64: Bool, labels: String?) throws -> EmbeddingInfo {
        let (info, values) = try store.embedding(named: name)
        if float64 { try NPY.write(values, shape: [info.rows, info.dims], to: out) } else {
            try NPY.write(values.map { Float($0) }, shape: [info.rows, info.dims], to: out)
        }
        if let labels {
            let keys = try store.classMembers(of: info.classSet).map(\.key)
            try (keys.joined(separator: "\n") + "\n").write(toFile: labels, atomically: true, encoding: .utf8)
        }
        return info
    }
}
