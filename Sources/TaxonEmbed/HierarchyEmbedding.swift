import TaxonCore
import TaxonLinalg

/// Barz & Denzler's hierarchy-based class embeddings, whose dot products
/// reproduce (or approximate) the classes' taxonomy similarity.
public enum HierarchyMethod: String, CaseIterable, Sendable, Codable {
    /// The Cholesky factor of S: n dimensions, unit rows, ⟨x, y⟩ = s exactly.
    case unitsphere
    /// The top-k eigenvectors of S scaled by √eigenvalue (the best rank-k fit).
    case approxSim = "approx-sim"
    /// The sparse factorisation S = B·diag(Δ)·Bᵀ: one dimension per tree node,
    /// exact; with dims, its best rank-k fit without forming S.
    case sparse
}

/// Barz & Denzler's class embeddings whose dot products reproduce lcs-height similarity: unitsphere, approx-sim and sparse.
public enum HierarchyEmbedder {
    /// Rows of the embedding, class-index order.
    public static func embed(_ hierarchy: ClassHierarchy, method: HierarchyMethod, dims: Int? = nil, normalize: Bool = false) throws -> Matrix {
        let n = hierarchy.count
        if let dims, dims < 1 || dims > n { throw HierarchyEmbeddingError.tooManyDimensions(requested: dims, available: n) }
        var rows: Matrix
        switch method {
        case .unitsphere:
            let s = try hierarchy.similarityMatrix()
            do { rows = try cholesky(s) } catch LinalgError.notPositiveDefinite {
                throw HierarchyEmbeddingError.notPositiveDefinite(smallestEigenvalue: try smallestEigenvalues(ofSymmetric: s.values, n: n).first ?? .nan)
            }
        case .approxSim:
            if n > ClassHierarchy.denseLimit && hierarchy.firstMultiParentNode != nil {
                throw HierarchyEmbeddingError.tooLarge(classes: n, limit: ClassHierarchy.denseLimit)
            }
            rows = try lowRank(hierarchy, dims: dims ?? n, preferSparse: n > ClassHierarchy.denseLimit)
        case .sparse:
            if let dims {
                rows = try lowRank(hierarchy, dims: dims, preferSparse: true)
            } else {
                rows = try SparseFactor(hierarchy).dense()
            }
        }
        if normalize { rows = normalizedRows(rows) }
        return rows
    }

    /// The best rank-k fit V·√Λ: from the dense S by dsyevr, or from the sparse
    /// factor by randomized subspace iteration (S never formed).
    static func lowRank(_ hierarchy: ClassHierarchy, dims: Int, preferSparse: Bool) throws -> Matrix {
        let values: [Double], vectors: Matrix
        if preferSparse {
            let factor = try SparseFactor(hierarchy)
            // Tree spectra cluster, so power steps pay; each costs a QR of n × (dims + 64).
            (values, vectors) = try randomizedEigenpairs(size: hierarchy.count, count: dims, oversampling: 64,
                                                         iterations: hierarchy.count <= 5_000 ? 12 : 8) {
                factor.applySimilarity($0)
            }
        } else {
            let s = try hierarchy.similarityMatrix()
            // As the reference: a matrix with a negative eigenvalue has no such embedding.
            // A tree's S is positive definite by construction (SparseFactor), so only a DAG is checked.
            if hierarchy.firstMultiParentNode != nil, let smallest = try smallestEigenvalues(ofSymmetric: s.values, n: s.rows).first,
               smallest < -1e-10 {
                throw HierarchyEmbeddingError.notPositiveDefinite(smallestEigenvalue: smallest)
            }
            // dsyevd computes them all, yet beats dsyevr's index range here (0.1 s against 0.3 s for 256 of 1,000).
            let all = try symmetricEigenpairs(s)
            (values, vectors) = (Array(all.values.prefix(dims)), all.vectors.leadingColumns(dims))
        }
        var rows = vectors
        for c in 0..<values.count {
            let scale = max(values[c], 0).squareRoot()
            for r in 0..<rows.rows { rows[r, c] *= scale }
        }
        return rows
    }

    /// The rows scaled to unit length (zero rows stay zero).
    public static func normalizedRows(_ m: Matrix) -> Matrix {
        var out = m
        for (r, norm) in m.rowNorms().enumerated() where norm > 0 {
            for c in 0..<m.columns { out[r, c] /= norm }
        }
        return out
    }
}
