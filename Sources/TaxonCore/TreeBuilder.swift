import TaxonModel

/// Turns the DAG above a class set into a tree: every class keeps exactly one
/// path to a root. Like Barz & Denzler's `mintree`, the paths are chosen to keep
/// the tree small: classes are placed one by one (those with fewest paths to a
/// root first), each along the path that adds the fewest new nodes to the tree
/// built so far (joining it at its lowest node already in the tree); ties go to
/// the shorter path, then to the earlier one in NLTK's path order.
public struct TreeBuilder {
    /// Child → parent of the tree, as nodes of the source taxonomy; roots absent.
    public private(set) var parent: [Int: Int] = [:]
    public private(set) var nodes: Set<Int> = []

    /// Builds the tree over `classes` (nodes of `taxonomy`) as described above.
    public init(taxonomy: Taxonomy, classes: [Int]) {
        // Each path runs class → … → root.
        let paths = classes.map { taxonomy.hypernymPaths(of: $0).map { Array($0.reversed()) } }
        let order = classes.indices.sorted { (paths[$0].count, $0) < (paths[$1].count, $1) }
        for index in order {
            let node = classes[index]
            guard !nodes.contains(node) else { continue }
            // A path runs class → … → root; its cost is the nodes before the first one already placed.
            let best = paths[index].min { a, b in
                let (ca, cb) = (cost(of: a), cost(of: b))
                return ca != cb ? ca < cb : a.count < b.count
            }!
            insert(best)
        }
    }

    private func cost(of path: [Int]) -> Int {
        path.firstIndex(where: nodes.contains) ?? path.count
    }

    private mutating func insert(_ path: [Int]) {
        for (position, node) in path.enumerated() {
            if nodes.contains(node) { return }
            nodes.insert(node)
            if position + 1 < path.count { parent[node] = path[position + 1] }
        }
    }

    /// Stores the tree as a taxonomy of its own (`hierarchy` kind, hypernym edges,
    /// and each node's key, name, words and gloss from the source) with a class
    /// set of the same name, in the source class set's order. One transaction.
    public func store(into store: Store, source: Taxonomy, classes: [Int], name: String, replace: Bool) throws {
        let ordered = nodes.sorted()
        let sourceIDs = try store.conceptIDs(keys: ordered.map { source.keys[$0] }, in: source.info)
        let originals = try sourceIDs.map { id in try id.flatMap { try store.concept(id: $0) } }
        let words = try originals.map { try $0.map { try store.lemmas(of: $0) } ?? [] }
        try store.importing {
            let writer = try store.taxonomyWriter(name: name, kind: .hierarchy, source: "tree of \(source.info.name)", replace: replace)
            var ids: [Int: Int64] = [:]
            for (index, node) in ordered.enumerated() {
                let original = originals[index]
                ids[node] = try writer.addConcept(key: source.keys[node], name: source.names[node], pos: original?.pos,
                                                  lexname: original?.lexname, gloss: original?.gloss)
                for (position, lemma) in words[index].enumerated() {
                    try writer.addLemma(concept: ids[node]!, position: position + 1, word: lemma.word, senseNumber: lemma.senseNumber)
                }
            }
            for (child, parent) in parent { try writer.addEdge(from: ids[child]!, Relations.hypernym, to: ids[parent]!) }
            try store.writeClassSet(name: name, taxonomyID: writer.taxonomyID, source: "tree of \(source.info.name)",
                                    concepts: classes.map { ids[$0]! }, replace: replace)
        }
    }
}

/// How a built tree agrees with a reference tree given as child → parent keys.
public struct TreeAgreement: Sendable, Codable {
    public let nodes: Int
    public let referenceNodes: Int
    public let sharedNodes: Int
    /// Classes whose whole path to the root is the same in both trees.
    public let identicalPaths: Int
    public let classes: Int

    /// Compares two child → parent maps over the given class keys.
    public init(tree: [String: String], reference: [String: String], classes: [String]) {
        func nodeSet(_ parent: [String: String]) -> Set<String> { Set(parent.keys).union(parent.values) }
        func path(_ key: String, _ parent: [String: String]) -> [String] {
            var path = [key], current = key
            while let next = parent[current], path.count <= parent.count { path.append(next); current = next }
            return path
        }
        let mine = nodeSet(tree), theirs = nodeSet(reference)
        nodes = mine.count
        referenceNodes = theirs.count
        sharedNodes = mine.intersection(theirs).count
        identicalPaths = classes.filter { path($0, tree) == path($0, reference) }.count
        self.classes = classes.count
    }
}
