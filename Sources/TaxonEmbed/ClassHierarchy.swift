import TaxonModel
import TaxonCore
import TaxonLinalg

/// A class set that cannot be embedded as asked: not positive definite, too large for a dense matrix, or a class missing from the taxonomy.
public enum HierarchyEmbeddingError: TaxonError, Equatable {
    public var kind: ErrorKind { .unprocessable }
    case missingClasses(taxonomy: String, keys: [String])
    case notPositiveDefinite(smallestEigenvalue: Double)
    case notATree(taxonomy: String, node: String)
    case tooManyDimensions(requested: Int, available: Int)
    case tooLarge(classes: Int, limit: Int)

    public var description: String {
        switch self {
        case let .missingClasses(taxonomy, keys):
            return "\(keys.count) class(es) are not in taxonomy '\(taxonomy)': \(keys.prefix(10).joined(separator: ", "))\(keys.count > 10 ? ", …" : "")"
        case let .notPositiveDefinite(value):
            return "the class similarity matrix is not positive definite (smallest eigenvalue \(value)); tree-ify the class set first: taxon tree --class-set CS --out-name T, then --tree T"
        case let .notATree(taxonomy, node):
            return "the sparse factorisation needs a tree, but in '\(taxonomy)' \(node) has several parents above the classes; tree-ify first (taxon tree)"
        case let .tooManyDimensions(requested, available):
            return "\(requested) dimensions requested, but at most \(available) exist here (one per class)"
        case let .tooLarge(classes, limit):
            return "\(classes) classes are too many for a dense similarity matrix (limit \(limit)); on a tree use approx-sim or sparse with --dims, which never form it"
        }
    }
}

/// The classes of a class set inside a hierarchy, with Barz & Denzler's
/// similarity s(a, b) = 1 − height(lcs)/max height, computed on the hierarchy
/// induced by the classes (the classes and their ancestors). As in their
/// reference, a class's similarity with itself is 1 even when it is an
/// ancestor of another class (its lcs-height would be lower);
/// `ancestorsOfOthers` lists such classes so callers can warn.
public struct ClassHierarchy: Sendable {
    public let taxonomy: Taxonomy
    /// Node of each class in `taxonomy`, in class-index order.
    public let classes: [Int]
    public let ancestorsOfOthers: [Int]
    let similarity: Similarity

    /// Dense similarity matrices stop here: 6,000² doubles are 288 MB.
    public static let denseLimit = 6_000

    /// The classes (by key) inside the hierarchy they induce in `source`; throws when a key is not there.
    public init(taxonomy source: Taxonomy, classKeys: [String]) throws {
        let nodes = classKeys.map { source.node(forKey: $0) }
        let missing = zip(classKeys, nodes).filter { $0.1 == nil }.map(\.0)
        if !missing.isEmpty { throw HierarchyEmbeddingError.missingClasses(taxonomy: source.info.name, keys: missing) }
        let induced = source.induced(by: nodes.map { $0! })
        taxonomy = induced.taxonomy
        classes = induced.nodes
        similarity = Similarity(taxonomy: induced.taxonomy)
        let isClass = Set(induced.nodes)
        var covered = Set<Int>()
        for node in induced.nodes {
            for (ancestor, _) in induced.taxonomy.ancestors(of: node) where ancestor != node && isClass.contains(ancestor) { covered.insert(ancestor) }
        }
        ancestorsOfOthers = induced.nodes.indices.filter { covered.contains(induced.nodes[$0]) }
    }

    public var count: Int { classes.count }

    /// Barz & Denzler's s(i, j) = 1 − height(lcs)/max_height between classes i and j (1 on the diagonal).
    public func similarity(_ i: Int, _ j: Int) -> Double {
        i == j ? 1 : similarity.lcsHeight(classes[i], classes[j]) ?? 0
    }

    /// S, n × n. On a tree every pair is written once from its lcs (O(n²),
    /// no search); on a DAG each pair's lcs is looked up.
    public func similarityMatrix() throws -> Matrix {
        guard count <= Self.denseLimit else { throw HierarchyEmbeddingError.tooLarge(classes: count, limit: Self.denseLimit) }
        var s = Matrix(rows: count, columns: count)
        if firstMultiParentNode == nil {
            fillFromTree(&s)
        } else {
            for i in 0..<count {
                for j in i..<count {
                    let value = similarity(i, j)
                    s[i, j] = value
                    s[j, i] = value
                }
            }
        }
        return s
    }

    /// Bottom-up over the tree: at node v, classes from two different child
    /// subtrees (or v itself, if a class, with any class below) meet at their lcs v.
    private func fillFromTree(_ s: inout Matrix) {
        let t = taxonomy
        let maxHeight = Double(max(t.maxHeight, 1))
        var below = [[Int]](repeating: [], count: t.count)  // class indices in each node's subtree
        var classAt = [Int](repeating: -1, count: t.count)
        for (index, node) in classes.enumerated() { classAt[node] = index }
        for node in t.hierarchy.topologicalOrder().reversed() {
            let value = 1 - Double(t.height[node]) / maxHeight
            var gathered: [Int] = []
            if classAt[node] >= 0 { gathered.append(classAt[node]) }
            for child in t.hierarchy.children(of: node) {
                let group = below[Int(child)]
                for i in gathered { for j in group { s[i, j] = value; s[j, i] = value } }
                gathered += group
                below[Int(child)] = []
            }
            below[node] = gathered
        }
        for i in 0..<count { s[i, i] = 1 }
    }

    /// The first node above the classes with more than one parent, if any.
    public var firstMultiParentNode: Int? {
        (0..<taxonomy.count).first { taxonomy.hierarchy.parents(of: $0).count > 1 }
    }
}
