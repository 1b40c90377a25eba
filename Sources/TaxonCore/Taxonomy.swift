import TaxonModel

/// A taxonomy in memory, in compact arrays, with what the similarity measures
/// need precomputed: for every node its ancestors (itself included) with the
/// fewest is-a edges to each, its min/max depth (roots at 0, as NLTK counts)
/// and its height (leaves at 0, as Barz & Denzler count).
///
/// Is-a edges are hypernym + instance hypernym, the edges NLTK walks.
public struct Taxonomy: Sendable {
    public let info: TaxonomyInfo
    public let keys: [String]
    /// The NLTK-style name, or the key where a concept has none.
    public let names: [String]
    /// Part-of-speech letter per node (`n`, `v`, `a`, `s`, `r`), 0 where unknown.
    public let pos: [UInt8]
    public let hierarchy: Hierarchy
    public let minDepth: [Int32]
    public let maxDepth: [Int32]
    public let height: [Int32]
    public let maxHeight: Int32

    // Ancestors of node v: ancestorNode[ancestorStart[v]..<ancestorStart[v+1]], ascending,
    // with the fewest edges from v to each in ancestorDistance.
    let ancestorStart: [Int32]
    let ancestorNode: [Int32]
    let ancestorDistance: [Int32]
    /// The greatest of those distances: NLTK puts its simulated root one edge further.
    let farthestAncestor: [Int32]
    /// Rank of each node's name in code-point order (NLTK sorts tied subsumers by name).
    let nameRank: [Int32]
    private let keyIndex: [String: Int32]

    public var count: Int { keys.count }

    /// Loads the taxonomy's concepts and is-a edges from the store.
    public static func load(from store: any TaxonomyReader, taxonomy: TaxonomyInfo) throws -> Taxonomy {
        let graph = try store.taxonomicGraph(of: taxonomy)
        let hierarchy: Hierarchy
        do { hierarchy = try Hierarchy(count: graph.keys.count, edges: graph.edges) } catch {
            let cycle = error.nodes.map { graph.keys[$0] }.joined(separator: " → ")
            throw TaxonomyError.cycle(taxonomy: taxonomy.name, path: cycle)
        }
        return Taxonomy(info: taxonomy, graph: graph, hierarchy: hierarchy)
    }

    init(info: TaxonomyInfo, graph: TaxonomicGraph, hierarchy: Hierarchy) {
        self.info = info
        self.hierarchy = hierarchy
        keys = graph.keys
        let labels = zip(graph.names, graph.keys).map { $0 ?? $1 }
        names = labels
        pos = graph.pos.map { $0?.utf8.first ?? 0 }
        let count = graph.keys.count

        var minDepth = [Int32](repeating: 0, count: count), maxDepth = [Int32](repeating: 0, count: count)
        for node in hierarchy.topologicalOrder() {
            let parents = hierarchy.parents(of: node)
            guard !parents.isEmpty else { continue }
            minDepth[node] = 1 + parents.map { minDepth[Int($0)] }.min()!
            maxDepth[node] = 1 + parents.map { maxDepth[Int($0)] }.max()!
        }
        self.minDepth = minDepth
        self.maxDepth = maxDepth
        let heights = hierarchy.heights().map(Int32.init)
        height = heights
        maxHeight = heights.max() ?? 0

        // Breadth-first search upwards from every node, as NLTK's _shortest_hypernym_paths.
        var start: [Int32] = [0], nodes: [Int32] = [], distances: [Int32] = [], farthest = [Int32](repeating: 0, count: count)
        var seen = [Int32](repeating: -1, count: count)
        var queue: [(node: Int32, distance: Int32)] = []
        var found: [(node: Int32, distance: Int32)] = []
        for node in 0..<count {
            queue.removeAll(keepingCapacity: true)
            found.removeAll(keepingCapacity: true)
            queue.append((Int32(node), 0))
            seen[node] = Int32(node)
            var head = 0
            while head < queue.count {
                let (current, distance) = queue[head]
                head += 1
                found.append((current, distance))
                for parent in hierarchy.parents(of: Int(current)) where seen[Int(parent)] != Int32(node) {
                    seen[Int(parent)] = Int32(node)
                    queue.append((parent, distance + 1))
                }
            }
            found.sort { $0.node < $1.node }
            nodes.append(contentsOf: found.map(\.node))
            distances.append(contentsOf: found.map(\.distance))
            farthest[node] = found.map(\.distance).max() ?? 0
            start.append(Int32(nodes.count))
        }
        ancestorStart = start
        ancestorNode = nodes
        ancestorDistance = distances
        farthestAncestor = farthest

        var rank = [Int32](repeating: 0, count: count)
        for (position, node) in (0..<count).sorted(by: { labels[$0].unicodeScalars.lexicographicallyPrecedes(labels[$1].unicodeScalars) }).enumerated() {
            rank[node] = Int32(position)
        }
        nameRank = rank
        keyIndex = Dictionary(graph.keys.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// The node of a concept key, if the taxonomy has it.
    public func node(forKey key: String) -> Int? { keyIndex[key].map(Int.init) }

    /// The node a user's reference names: a key found in memory, else the
    /// store's resolution (NLTK-style names, words: the first sense).
    public func node(for reference: String, in store: any TaxonomyReader) throws -> Int {
        if let node = node(forKey: reference) { return node }
        let concept = try store.resolve(reference, in: info)
        guard let node = node(forKey: concept.key) else { throw ReferenceError.unknown(reference: reference, taxonomy: info.name) }
        return node
    }

    /// Every path from a root down to `node` (NLTK's hypernym_paths), parents in the taxonomy's order.
    public func hypernymPaths(of node: Int) -> [[Int]] {
        let parents = hierarchy.parents(of: node)
        if parents.isEmpty { return [[node]] }
        return parents.flatMap { hypernymPaths(of: Int($0)).map { $0 + [node] } }
    }

    /// Every ancestor of `node` (itself included) with the fewest is-a edges to it.
    public func ancestors(of node: Int) -> [(node: Int, distance: Int)] {
        (Int(ancestorStart[node])..<Int(ancestorStart[node + 1])).map { (Int(ancestorNode[$0]), Int(ancestorDistance[$0])) }
    }
}

/// A taxonomy that cannot be used as a hierarchy: its is-a edges form a cycle (the error names it).
public enum TaxonomyError: TaxonError {
    public var kind: ErrorKind { .unprocessable }
    case cycle(taxonomy: String, path: String)

    public var description: String {
        switch self {
        case let .cycle(taxonomy, path): return "taxonomy '\(taxonomy)' has an is-a cycle: \(path)"
        }
    }
}
