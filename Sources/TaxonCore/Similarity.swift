import Foundation
import TaxonModel

/// The similarity measures, with NLTK 3.x's semantics (nltk/corpus/reader/wordnet.py)
/// and Barz & Denzler's lcs-height.
public enum Measure: String, CaseIterable, Sendable, Codable {
    case path, lch, wup, res, jcn, lin
    case lcsHeight = "lcs-height"

    public var needsInformationContent: Bool { self == .res || self == .jcn || self == .lin }
}

/// A pair NLTK would refuse: different parts of speech, or res/jcn/lin without information content.
public enum SimilarityError: TaxonError, Equatable {
    case differentPartsOfSpeech(measure: Measure, a: String, b: String)
    case needsInformationContent(Measure)

    public var kind: ErrorKind { .unprocessable }

    public var description: String {
        switch self {
        case let .differentPartsOfSpeech(measure, a, b):
            return "\(measure.rawValue) needs two concepts of the same part of speech; \(a) and \(b) differ (NLTK raises WordNetError here)"
        case let .needsInformationContent(measure):
            return "\(measure.rawValue) needs information content"
        }
    }
}

/// NLTK's stand-in for infinity in jcn and information content.
public let nltkInfinity = 1e300

/// A subsumer as NLTK finds it: a node, or the root NLTK simulates above all
/// roots for verbs, adjectives and adverbs (named "*ROOT*", depth 0).
public enum Subsumer: Equatable, Sendable {
    case node(Int)
    case simulatedRoot
}

/// Similarity queries over one taxonomy. Cheap to copy; safe to share.
public struct Similarity: Sendable {
    public let taxonomy: Taxonomy
    public let informationContent: InformationContent?
    /// Per part of speech: NLTK's `_max_depth[pos]` for lch (the deepest max_depth, +1 with a simulated root).
    private let lchDepth: [UInt8: Int]

    /// Precomputes each part of speech's depth for lch; `informationContent` is needed for res, jcn and lin only.
    public init(taxonomy: Taxonomy, informationContent: InformationContent? = nil) {
        self.taxonomy = taxonomy
        self.informationContent = informationContent
        var deepest: [UInt8: Int32] = [:]
        for node in 0..<taxonomy.count { deepest[taxonomy.pos[node]] = max(deepest[taxonomy.pos[node]] ?? 0, taxonomy.maxDepth[node]) }
        var lchDepth: [UInt8: Int] = [:]
        for (pos, depth) in deepest { lchDepth[pos] = Int(depth) + (Self.needsRoot(pos: pos, kind: taxonomy.info.kind) ? 1 : 0) }
        self.lchDepth = lchDepth
    }

    /// NLTK simulates a root for every part of speech but nouns (WordNet ≥ 1.7).
    /// Hierarchy files have no parts of speech and get no simulated root.
    static func needsRoot(pos: UInt8, kind: TaxonomyKind) -> Bool {
        kind != .hierarchy && pos != UInt8(ascii: "n")
    }

    func needsRoot(_ node: Int) -> Bool { Self.needsRoot(pos: taxonomy.pos[node], kind: taxonomy.info.kind) }

    /// The score of a measure, nil where NLTK returns None (no path, no subsumer).
    public func score(_ measure: Measure, _ a: Int, _ b: Int) throws -> Double? {
        switch measure {
        case .path: return path(a, b)
        case .lch: return try lch(a, b)
        case .wup: return wup(a, b)
        case .res: return try informationContentOfLCS(measure, a, b).subsumer
        case .jcn: return try jcn(a, b)
        case .lin: return try lin(a, b)
        case .lcsHeight: return lcsHeight(a, b)
        }
    }

    // MARK: path measures

    /// NLTK's shortest_path_distance: the fewest edges from a up to a common
    /// ancestor and down to b; with `simulateRoot`, through a root above all roots.
    public func shortestPathDistance(_ a: Int, _ b: Int, simulateRoot: Bool) -> Int? {
        if a == b { return 0 }
        let t = taxonomy
        var best = Int32.max
        forEachCommonAncestorPosition(a, b) { i, j in best = min(best, t.ancestorDistance[i] + t.ancestorDistance[j]) }
        if simulateRoot { best = min(best, t.farthestAncestor[a] + 1 + t.farthestAncestor[b] + 1) }
        return best == Int32.max ? nil : Int(best)
    }

    private func shortestPathDistance(_ a: Int, _ subsumer: Subsumer, simulateRoot: Bool) -> Int? {
        switch subsumer {
        case .node(let node): return shortestPathDistance(a, node, simulateRoot: simulateRoot)
        case .simulatedRoot: return Int(taxonomy.farthestAncestor[a]) + 1
        }
    }

    /// path = 1 / (shortest path + 1).
    public func path(_ a: Int, _ b: Int) -> Double? {
        guard let distance = shortestPathDistance(a, b, simulateRoot: needsRoot(a) || needsRoot(b)) else { return nil }
        return 1.0 / Double(distance + 1)
    }

    /// lch = −log((shortest path + 1) / (2·D)), D the part of speech's deepest max depth.
    public func lch(_ a: Int, _ b: Int) throws -> Double? {
        try requireSamePOS(.lch, a, b)
        let depth = lchDepth[taxonomy.pos[a]] ?? 0
        guard let distance = shortestPathDistance(a, b, simulateRoot: needsRoot(a)), depth > 0 else { return nil }
        return -log(Double(distance + 1) / (2.0 * Double(depth)))
    }

    /// NLTK's lowest_common_hypernyms: the common ancestors (each node is its
    /// own) of greatest min depth (or max depth), sorted by name.
    public func lowestCommonHypernyms(_ a: Int, _ b: Int, simulateRoot: Bool, useMinDepth: Bool) -> [Subsumer] {
        let depth = useMinDepth ? taxonomy.minDepth : taxonomy.maxDepth
        var best: Int32 = simulateRoot ? 0 : -1
        var found: [Int] = []
        forEachCommonAncestor(a, b) { node in
            let d = depth[node]
            if d > best { best = d; found = [node] } else if d == best { found.append(node) }
        }
        found.sort { taxonomy.nameRank[$0] < taxonomy.nameRank[$1] }
        // "*ROOT*" sorts before every real name, and has depth 0.
        let root: [Subsumer] = simulateRoot && best == 0 ? [.simulatedRoot] : []
        return root + found.map { .node($0) }
    }

    /// wup = 2·depth / (len1 + len2), with NLTK's choices: the subsumer of
    /// greatest *min* depth, depth = its max depth + 1, len = path to it + depth.
    public func wup(_ a: Int, _ b: Int) -> Double? {
        let simulate = needsRoot(a) || needsRoot(b)
        guard let subsumer = wupSubsumer(a, b, simulateRoot: simulate) else { return nil }
        let depth: Int
        switch subsumer {
        case .node(let node): depth = Int(taxonomy.maxDepth[node]) + 1
        case .simulatedRoot: depth = 1
        }
        guard let len1 = shortestPathDistance(a, subsumer, simulateRoot: simulate),
              let len2 = shortestPathDistance(b, subsumer, simulateRoot: simulate) else { return nil }
        return 2.0 * Double(depth) / Double(len1 + depth + len2 + depth)
    }

    /// The subsumer NLTK's wup takes: `a` itself if it is among the lowest common
    /// hypernyms by min depth, else the first of them by name. The same as
    /// `lowestCommonHypernyms(useMinDepth: true)` but without building the list.
    func wupSubsumer(_ a: Int, _ b: Int, simulateRoot: Bool) -> Subsumer? {
        let t = taxonomy
        var best: Int32 = -1, first = -1, containsA = false
        forEachCommonAncestor(a, b) { node in
            let depth = t.minDepth[node]
            if depth > best {
                best = depth
                first = node
                containsA = node == a
            } else if depth == best {
                if t.nameRank[node] < t.nameRank[first] { first = node }
                if node == a { containsA = true }
            }
        }
        if containsA { return .node(a) }
        if simulateRoot && best <= 0 { return .simulatedRoot }  // "*ROOT*" sorts first, at depth 0
        return first >= 0 ? .node(first) : nil
    }

    // MARK: information content

    /// NLTK's _lcs_ic: IC of a, of b, and the greatest IC among their common ancestors (0 if none).
    func informationContentOfLCS(_ measure: Measure, _ a: Int, _ b: Int) throws -> (a: Double, b: Double, subsumer: Double) {
        guard let ic = informationContent else { throw SimilarityError.needsInformationContent(measure) }
        try requireSamePOS(measure, a, b)
        let icA = try ic.value(a, in: taxonomy), icB = try ic.value(b, in: taxonomy)
        var subsumer: Double?
        forEachCommonAncestor(a, b) { node in subsumer = max(subsumer ?? -.infinity, ic.values[node]) }
        return (icA, icB, subsumer ?? 0)
    }

    /// Jiang–Conrath, as NLTK: 1 / (IC(a) + IC(b) − 2·IC(lcs)); NLTK's large value for a concept with itself or a zero denominator, 0 where either IC is 0.
    public func jcn(_ a: Int, _ b: Int) throws -> Double? {
        if a == b { return nltkInfinity }  // NLTK answers this before looking at IC or part of speech
        let (icA, icB, icLCS) = try informationContentOfLCS(.jcn, a, b)
        if icA == 0 || icB == 0 { return 0 }
        let difference = icA + icB - 2 * icLCS
        return difference == 0 ? nltkInfinity : 1 / difference
    }

    /// Lin, as NLTK: 2·IC(lcs) / (IC(a) + IC(b)).
    public func lin(_ a: Int, _ b: Int) throws -> Double? {
        let (icA, icB, icLCS) = try informationContentOfLCS(.lin, a, b)
        return (2.0 * icLCS) / (icA + icB)
    }

    // MARK: Barz & Denzler

    /// The subsumer lcs-height uses: the common ancestor deepest from the root
    /// (longest path), as Barz & Denzler's ClassHierarchy.lcs; ties, which only
    /// a DAG has, go to the smaller height, then the smaller key.
    public func deepestCommonAncestor(_ a: Int, _ b: Int) -> Int? {
        let t = taxonomy
        func better(_ x: Int, than y: Int) -> Bool {
            if t.maxDepth[x] != t.maxDepth[y] { return t.maxDepth[x] > t.maxDepth[y] }
            if t.height[x] != t.height[y] { return t.height[x] < t.height[y] }
            return t.keys[x] < t.keys[y]
        }
        var best: Int?
        forEachCommonAncestor(a, b) { node in
            if best == nil || better(node, than: best!) { best = node }
        }
        return best
    }

    /// 1 − height(lcs) / max height; nil without a common ancestor.
    public func lcsHeight(_ a: Int, _ b: Int) -> Double? {
        guard let lcs = deepestCommonAncestor(a, b) else { return nil }
        guard taxonomy.maxHeight > 0 else { return 1 }
        return 1 - Double(taxonomy.height[lcs]) / Double(taxonomy.maxHeight)
    }

    // MARK: helpers

    private func requireSamePOS(_ measure: Measure, _ a: Int, _ b: Int) throws {
        if taxonomy.pos[a] != taxonomy.pos[b] {
            throw SimilarityError.differentPartsOfSpeech(measure: measure, a: taxonomy.names[a], b: taxonomy.names[b])
        }
    }

    /// Calls `body` with every node that is an ancestor of both (each node its own ancestor).
    @inline(__always)
    func forEachCommonAncestor(_ a: Int, _ b: Int, _ body: (Int) -> Void) {
        let nodes = taxonomy.ancestorNode
        forEachCommonAncestorPosition(a, b) { i, _ in body(Int(nodes[i])) }
    }

    /// The same, giving the common ancestor's positions in a's and b's ancestor
    /// lists: a merge of the two ascending lists.
    @inline(__always)
    func forEachCommonAncestorPosition(_ a: Int, _ b: Int, _ body: (Int, Int) -> Void) {
        let t = taxonomy
        var i = Int(t.ancestorStart[a]), j = Int(t.ancestorStart[b])
        let iEnd = Int(t.ancestorStart[a + 1]), jEnd = Int(t.ancestorStart[b + 1])
        while i < iEnd && j < jEnd {
            let x = t.ancestorNode[i], y = t.ancestorNode[j]
            if x == y {
                body(i, j)
                i += 1
                j += 1
            } else if x < y { i += 1 } else { j += 1 }
        }
    }
}
