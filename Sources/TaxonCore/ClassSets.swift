import Foundation
import TaxonLinalg
import TaxonModel

extension Taxonomy {
    /// The nodes of a class set, in class-index order.
    public func nodes(of classSet: String, in store: any ClassSetStore) throws -> [Int] {
        try store.classMembers(of: classSet).map { concept in
            guard let node = node(forKey: concept.key) else {
                throw ReferenceError.unknown(reference: concept.key, taxonomy: info.name)
            }
            return node
        }
    }

    /// The sub-taxonomy of `nodes` and all their ancestors: heights (and so
    /// lcs-height) then count only the part of the hierarchy above the classes,
    /// as in Barz & Denzler's class hierarchies. Returns it and each given
    /// node's index in it.
    public func induced(by nodes: [Int]) -> (taxonomy: Taxonomy, nodes: [Int]) {
        var keep = [Int32](repeating: -1, count: count)
        var order: [Int] = []
        for node in nodes {
            for (ancestor, _) in ancestors(of: node) where keep[ancestor] < 0 {
                keep[ancestor] = Int32(order.count)
                order.append(ancestor)
            }
        }
        // Every node already lies above a class: nothing to trim.
        if order.count == count { return (self, nodes) }
        var graph = TaxonomicGraph()
        for node in order {
            graph.conceptIDs.append(Int64(node))
            graph.keys.append(keys[node])
            graph.names.append(names[node])
            graph.pos.append(pos[node] == 0 ? nil : String(UnicodeScalar(pos[node])))
            for parent in hierarchy.parents(of: node) { graph.edges.append((keep[node], keep[Int(parent)])) }
        }
        // A subgraph of an acyclic graph is acyclic.
        let sub = try! Hierarchy(count: order.count, edges: graph.edges)
        return (Taxonomy(info: info, graph: graph, hierarchy: sub), nodes.map { Int(keep[$0]) })
    }
}

/// A class set's pairwise similarity matrix and how far it is from positive definite.
public struct ClassSimilarityMatrix: Sendable {
    public let classes: Int
    /// Row-major, class-index order; NaN where the measure has no value (NLTK's None).
    public let values: [Double]
    /// The smallest eigenvalue, nil when a value is missing.
    public let smallestEigenvalue: Double?

    public var isPositiveDefinite: Bool { (smallestEigenvalue ?? -1) > 0 }

    /// lcs-height is computed on the hierarchy induced by the classes; the NLTK
    /// measures on the whole taxonomy, as NLTK does.
    public init(similarity: Similarity, classes nodes: [Int], measure: Measure) throws {
        var similarity = similarity
        var nodes = nodes
        if measure == .lcsHeight {
            let induced = similarity.taxonomy.induced(by: nodes)
            similarity = Similarity(taxonomy: induced.taxonomy)
            nodes = induced.nodes
        }
        let n = nodes.count
        var values = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                let value = try similarity.score(measure, nodes[i], nodes[j]) ?? .nan
                values[i * n + j] = value
                values[j * n + i] = value
            }
        }
        classes = n
        self.values = values
        smallestEigenvalue = values.contains { !$0.isFinite } ? nil : try smallestEigenvalues(ofSymmetric: values, n: n).first
    }
}
