import TaxonLinalg
import TaxonModel

/// The classes of an embedding nearest to one of its classes.
public enum EmbeddingNeighbors {
    /// Cosine, or Poincaré distance for hyperbolic embeddings.
    public struct Neighbor: Encodable, Sendable { public let key: String; public let name: String; public let score: Double }

    /// The reference names no class of the embedding's class set.
    public enum NeighborError: TaxonError {
        public var kind: ErrorKind { .notFound }
        case notAClass(reference: String, classSet: String)
        public var description: String {
            switch self { case let .notAClass(reference, classSet): return "'\(reference)' is not a class of \(classSet)" }
        }
    }

    /// The class `reference` names, and its k nearest classes, nearest first.
    public static func nearest(store: Store, embedding name: String, reference: String, k: Int) throws -> (concept: Concept, neighbors: [Neighbor]) {
        let (info, values) = try store.embedding(named: name)
        let members = try store.classMembers(of: info.classSet)
        let taxonomy = try store.taxonomy(named: try store.classSet(named: info.classSet).taxonomy)
        let wanted = try store.candidates(for: reference, in: taxonomy).map(\.id)
        guard let index = members.firstIndex(where: { wanted.contains($0.id) }) else {
            throw NeighborError.notAClass(reference: reference, classSet: info.classSet)
        }
        let rows = Matrix(rows: info.rows, columns: info.dims, values: values)
        let ranked: [(Int, Double)]
        if HyperbolicModel(rawValue: info.method) != nil {
            // Hyperbolic embeddings (cones live in the Poincaré ball too): nearest by Poincaré distance, not by angle.
            let ball = PoincareBall(dims: info.dims)
            ranked = values.withUnsafeBufferPointer { p in
                (0..<rows.rows).filter { $0 != index }.map { ($0, ball.distance(p, index, $0)) }
            }.sorted { $0.1 < $1.1 }
        } else {
            let query = Array(rows.row(index))
            let norms = rows.rowNorms()
            let dots = multiply(rows, query)
            // A zero row has no direction: cosine 0 rather than NaN, which would break the ordering.
            ranked = (0..<rows.rows).filter { $0 != index }
                .map { row in (row, norms[row] * norms[index] > 0 ? dots[row] / (norms[row] * norms[index]) : 0) }
                .sorted { $0.1 > $1.1 }
        }
        return (members[index], ranked.prefix(max(k, 0)).map { Neighbor(key: members[$0.0].key, name: members[$0.0].label, score: $0.1) })
    }
}
