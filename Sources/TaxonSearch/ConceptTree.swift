import TaxonCore
import TaxonModel

/// A concept as a result or an explanation shows it.
public struct ConceptLabel: Codable, Sendable, Equatable {
    /// The stable key (the wnid for WordNet).
    public let key: String
    /// The NLTK-style name (tabby.n.01), or the key where the taxonomy has none.
    public let name: String
    /// Words for a person: the name's lemma with spaces ("domestic cat").
    public let title: String
    /// Edges from the root (the longest path, in the hierarchy the collection's classes induce).
    public let depth: Int
}

/// What several examples have in common in the taxonomy: their lowest common
/// subsumer, pushed down away from the negatives' branches, and the negatives
/// still inside it ("feline, not domestic cat").
public struct Generalisation: Sendable, Equatable {
    public let concept: Int
    public let excluded: [Int]
}

/// The hierarchy behind a collection's semantic side (the embedding's
/// taxonomy, induced by its classes, as lcs-height is computed): similarity
/// between any two of its concepts, subsumers, generalisation and display labels.
public struct ConceptTree: Sendable {
    public let taxonomy: Taxonomy
    private let similarity: Similarity

    /// The hierarchy `source` induces on the classes; every key must be in it.
    public init(taxonomy source: Taxonomy, classKeys: [String]) throws {
        let nodes = try classKeys.map { key in
            guard let node = source.node(forKey: key) else { throw ReferenceError.unknown(reference: key, taxonomy: source.info.name) }
            return node
        }
        taxonomy = source.induced(by: nodes).taxonomy
        similarity = Similarity(taxonomy: taxonomy)
    }

    /// 1/H: lcs-height similarities lie on levels this far apart.
    public var levelWidth: Double { 1 / Double(max(taxonomy.maxHeight, 1)) }

    /// The node of a concept key, if the hierarchy has it.
    public func node(forKey key: String) -> Int? { taxonomy.node(forKey: key) }

    /// Whether `node` is `ancestor` or lies below it.
    public func isUnder(_ node: Int, _ ancestor: Int) -> Bool {
        node == ancestor || taxonomy.ancestors(of: node).contains { $0.node == ancestor }
    }

    /// Every (ancestor, concept) pair of keys, each concept its own ancestor too: the hierarchy as the
    /// database's concept closure holds it, so a join there answers `isUnder` as this does.
    public func closure() -> [(ancestor: String, concept: String)] {
        let keys = taxonomy.keys
        return keys.indices.flatMap { node in
            [(keys[node], keys[node])] + Set(taxonomy.ancestors(of: node).map(\.node)).subtracting([node]).sorted().map { (keys[$0], keys[node]) }
        }
    }

    /// The lowest common subsumer (deepest common ancestor, as lcs-height takes it) of the nodes; nil for none or no common ancestor.
    public func subsumer(of nodes: [Int]) -> Int? {
        guard var lcs = nodes.first else { return nil }
        for node in nodes.dropFirst() {
            guard let next = similarity.deepestCommonAncestor(lcs, node) else { return nil }
            lcs = next
        }
        return lcs
    }

    /// Barz & Denzler's 1 − height(lcs)/H between two concepts (1 for the same one, 0 without a common ancestor).
    public func similarity(_ a: Int, _ b: Int) -> Double { a == b ? 1 : similarity.lcsHeight(a, b) ?? 0 }

    /// The positives' subsumer G, then, while negatives lie strictly below G:
    /// positives under a negative give way to it (the negative is the sharper
    /// statement of intent), and if that leaves the other positives in one
    /// branch of G, G moves down to that branch's root. So {tabby, lion} −
    /// {domestic cat} is big cat, while {tabby, lion, Persian} − {Siamese}
    /// stays feline with Siamese excluded.
    public func generalise(positives: [Int], negatives: [Int]) -> Generalisation? {
        guard var concept = subsumer(of: positives) else { return nil }
        var kept = positives
        while true {
            let inside = negatives.filter { $0 != concept && isUnder($0, concept) }
            let remaining = kept.filter { positive in !inside.contains { isUnder(positive, $0) } }
            guard !inside.isEmpty, !remaining.isEmpty, remaining.count < kept.count else { break }
            let children = taxonomy.hierarchy.children(of: concept).map(Int.init)
            let branches = children.filter { child in remaining.contains { isUnder($0, child) } }
            guard branches.count == 1, remaining.allSatisfy({ isUnder($0, branches[0]) }) else { break }
            (concept, kept) = (branches[0], remaining)
        }
        let excluded = Array(Set(negatives.filter { $0 != concept && isUnder($0, concept) })).sorted()
        return Generalisation(concept: concept, excluded: excluded)
    }

    /// The ancestor of `node` (itself included) that bands semantic-first's `level`: the lowest one whose
    /// similarity level 1 − height/H is at most level × width — the concept every photo of the band shares with the query.
    public func bandConcept(of node: Int, level: Int) -> Int {
        let height = Int(taxonomy.maxHeight) - level
        let candidates = taxonomy.ancestors(of: node).filter { Int(taxonomy.height[$0.node]) >= height }
        return candidates.min { ($0.distance, $0.node) < ($1.distance, $1.node) }?.node ?? node
    }

    /// The node as a result shows it.
    public func label(_ node: Int) -> ConceptLabel {
        let name = taxonomy.names[node]
        let lemma = name.split(separator: ".").first.map(String.init) ?? name
        return ConceptLabel(key: taxonomy.keys[node], name: name, title: lemma.replacingOccurrences(of: "_", with: " "),
                            depth: Int(taxonomy.maxDepth[node]))
    }
}
