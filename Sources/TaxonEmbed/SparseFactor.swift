import TaxonCore
import TaxonLinalg

/// The exact factorisation of a tree's similarity matrix, S = C·Cᵀ with C =
/// B·diag(Δ)^½: B[i, v] = 1 when tree node v is an ancestor of class i (or the
/// class itself), Δ(v) = (height(parent(v)) − height(v)) / max height, and for a
/// root Δ = (max height − height(root)) / max height. The Δ of a class's common
/// ancestors with another class add up to 1 − height(lcs)/max height.
/// A class that is an ancestor of another class gets one column of its own,
/// √(height/max height), which lifts its self-similarity to 1 as the reference
/// has it, and touches no other pair. C has about depth nonzeros per row.
public struct SparseFactor: Sendable {
    public let rows: Int
    public let columns: Int
    /// Row i's nonzeros: columnIndex/value[rowStart[i]..<rowStart[i+1]].
    let rowStart: [Int]
    let columnIndex: [Int32]
    let value: [Double]

    /// The factor of a tree's similarity matrix; throws when the hierarchy is not a tree.
    public init(_ hierarchy: ClassHierarchy) throws {
        let t = hierarchy.taxonomy
        if let node = hierarchy.firstMultiParentNode {
            throw HierarchyEmbeddingError.notATree(taxonomy: t.info.name, node: t.names[node])
        }
        let maxHeight = Double(max(t.maxHeight, 1))
        let delta = (0..<t.count).map { node -> Double in
            let parents = t.hierarchy.parents(of: node)
            let above = parents.first.map { Double(t.height[Int($0)]) } ?? maxHeight
            return (above - Double(t.height[node])) / maxHeight
        }
        // One column per node with Δ > 0 (the tallest root has none), then one per class that is an ancestor of another.
        var column = [Int32](repeating: -1, count: t.count)
        var used: Int32 = 0
        for node in 0..<t.count where delta[node] > 0 { column[node] = used; used += 1 }
        let internalClass = Dictionary(uniqueKeysWithValues: hierarchy.ancestorsOfOthers.enumerated().map { ($1, $0) })
        var start = [0], columns: [Int32] = [], values: [Double] = []
        for (index, node) in hierarchy.classes.enumerated() {
            for (ancestor, _) in t.ancestors(of: node) where delta[ancestor] > 0 {
                columns.append(column[ancestor])
                values.append(delta[ancestor].squareRoot())
            }
            if let extra = internalClass[index] {
                columns.append(used + Int32(extra))
                values.append((Double(t.height[node]) / maxHeight).squareRoot())
            }
            start.append(columns.count)
        }
        rows = hierarchy.count
        self.columns = Int(used) + hierarchy.ancestorsOfOthers.count
        rowStart = start
        columnIndex = columns
        value = values
    }

    /// C as a dense n × columns matrix: the exact `sparse` embedding.
    public func dense() -> Matrix {
        var c = Matrix(rows: rows, columns: columns)
        for i in 0..<rows { for k in rowStart[i]..<rowStart[i + 1] { c[i, Int(columnIndex[k])] = value[k] } }
        return c
    }

    /// C·Cᵀ·X without forming C·Cᵀ: X is rows × r.
    public func applySimilarity(_ x: Matrix) -> Matrix {
        let r = x.columns
        var inner = [Double](repeating: 0, count: columns * r)  // Cᵀ·X
        for i in 0..<rows {
            for k in rowStart[i]..<rowStart[i + 1] {
                let base = Int(columnIndex[k]) * r, v = value[k]
                for c in 0..<r { inner[base + c] += v * x.values[i * r + c] }
            }
        }
        var out = Matrix(rows: rows, columns: r)
        for i in 0..<rows {
            for k in rowStart[i]..<rowStart[i + 1] {
                let base = Int(columnIndex[k]) * r, v = value[k]
                for c in 0..<r { out.values[i * r + c] += v * inner[base + c] }
            }
        }
        return out
    }
}
