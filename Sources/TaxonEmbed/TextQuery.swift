import TaxonLinalg
import TaxonModel

/// Free-text queries against a text embedding of a class set.
///
/// A devise embedding lives in word-vector space: the query vector (the
/// normalised mean of its known words) is compared with the rows directly. A
/// huse embedding does not: the query's text similarities a to the classes
/// (cosines with their devise vectors, glosses included when the embedding
/// used them) are mapped into it by the Nyström extension, the point φ whose
/// dot products with the rows Φ best fit a in least squares,
/// φ = (ΦᵀΦ)⁺ Φᵀ a. Without --mix that reproduces the devise ranking exactly.
public enum TextQuery {
    /// Cosines with every class, and the query's words that had no vector.
    public struct Scores: Sendable {
        /// Cosine between the query and each class, in class-set order.
        public let cosines: [Double]
        /// Query words without a vector (left out).
        public let unknownWords: [String]
    }

    /// The cosine of a free-text query with every class of a devise or huse embedding.
    public static func scores(_ text: String, embedding info: EmbeddingInfo, values: [Double], store: Store) throws -> Scores {
        let (point, unknown) = try self.point(text, embedding: info, values: values, store: store)
        let rows = HierarchyEmbedder.normalizedRows(Matrix(rows: info.rows, columns: info.dims, values: values))
        let norm = point.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let cosines = norm > 0 ? multiply(rows, point).map { $0 / norm } : [Double](repeating: 0, count: rows.rows)
        return Scores(cosines: cosines, unknownWords: unknown)
    }

    /// The query as a point of the embedding's space (not normalised), and its words without a vector.
    public static func point(_ text: String, embedding info: EmbeddingInfo, values: [Double], store: Store) throws -> (point: [Double], unknownWords: [String]) {
        guard let method = TextMethod(rawValue: info.method) else { throw TextEmbeddingError.notATextEmbedding(info.name) }
        let parameters = try info.parameterValues()
        guard let setName = parameters["vectors"], let expected = parameters["vector_dims"].flatMap(Int.init) else {
            throw TextEmbeddingError.notATextEmbedding(info.name)
        }
        let set = try store.vectorSet(named: setName)
        guard set.dims == expected else {
            throw TextEmbeddingError.dimensionMismatch(vectorSet: set.name, dims: set.dims, embedding: info.name, expected: expected)
        }
        let (query, unknown) = try DeViSE.query(text, store: store, vectors: set)
        guard method == .huse else { return (query, unknown) }
        let rows = HierarchyEmbedder.normalizedRows(Matrix(rows: info.rows, columns: info.dims, values: values))
        let names = try DeViSE.embed(store: store, classSet: info.classSet, vectors: set, gloss: parameters["gloss"] == "true")
        return (try nystrom(rows, similarities: multiply(names.rows, query)), unknown)
    }

    /// The least-squares solution of Φ φ ≈ a through the eigenpairs of ΦᵀΦ,
    /// dropping directions whose eigenvalue is below 1e-10 of the largest.
    static func nystrom(_ rows: Matrix, similarities a: [Double]) throws -> [Double] {
        let (values, vectors) = try symmetricEigenpairs(multiply(rows, rows, transposeA: true))
        let projected = multiply(rows, a, transposeA: true)
        let k = rows.columns, largest = values.max() ?? 0
        var point = [Double](repeating: 0, count: k)
        for e in 0..<k where values[e] > 1e-10 * largest {
            var coefficient = 0.0
            for i in 0..<k { coefficient += vectors[i, e] * projected[i] }
            coefficient /= values[e]
            for i in 0..<k { point[i] += coefficient * vectors[i, e] }
        }
        return point
    }
}
