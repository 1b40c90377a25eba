import Foundation
import TaxonCore
import TaxonLinalg
import TaxonModel

/// One scored pair, as the CLI and the HTTP API print it.
public struct PairScore: Encodable, Sendable {
    public let a: String
    public let b: String
    public let measure: String
    /// nil where NLTK gives None (no path, no common subsumer).
    public let score: Double?

    /// Every field as given.
    public init(a: String, b: String, measure: String, score: Double?) { (self.a, self.b, self.measure, self.score) = (a, b, measure, score) }
}

/// What `tree` built.
public struct TreeReport: Encodable, Sendable {
    public let taxonomy: String
    public let nodes: Int
    public let height: Int
    public let classes: Int
    public let agreement: TreeAgreement?
}

/// What `simmatrix` wrote.
public struct SimilarityMatrixReport: Encodable, Sendable {
    public let classSet: String
    public let measure: String
    public let classes: Int
    public let smallestEigenvalue: Double?
    public let positiveDefinite: Bool
    public let out: String
}

/// Taxonomy similarity: measures on concept pairs, subsumers, class-set matrices and trees.
public struct SimilarityService {
    public let store: any Store
    /// A service over one store connection (use it from one thread at a time).
    public init(store: any Store) { self.store = store }

    /// The in-memory taxonomy (default: wordnet, or the only one) with its
    /// information content: a WordNet::Similarity .dat file or "intrinsic".
    public func similarity(taxonomy: String?, informationContent: String?) throws -> Similarity {
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: taxonomy))
        let content = try informationContent.map {
            $0 == "intrinsic" ? InformationContent.intrinsic(for: taxonomy) : try InformationContent.load(file: $0, for: taxonomy)
        }
        return Similarity(taxonomy: taxonomy, informationContent: content)
    }

    /// The score of two references (keys, NLTK-style names, words) named as the taxonomy names them.
    public func score(_ a: String, _ b: String, measure: Measure, in similarity: Similarity) throws -> PairScore {
        let taxonomy = similarity.taxonomy
        let x = try taxonomy.node(for: a, in: store), y = try taxonomy.node(for: b, in: store)
        return PairScore(a: taxonomy.names[x], b: taxonomy.names[y], measure: measure.rawValue, score: try similarity.score(measure, x, y))
    }

    /// Scores every 'A<TAB>B' line of a file, keeping the references as written; an error names the line.
    public func scorePairs(file: String, measure: Measure, in similarity: Similarity) throws -> [PairScore] {
        try PairsFile.read(file).map { pair in
            do {
                let x = try similarity.taxonomy.node(for: pair.a, in: store), y = try similarity.taxonomy.node(for: pair.b, in: store)
                return PairScore(a: pair.a, b: pair.b, measure: measure.rawValue, score: try similarity.score(measure, x, y))
            } catch {
                throw ServiceError.invalid("\(file):\(pair.line): \(error)")
            }
        }
    }

    /// How the lowest common subsumers are picked.
    public enum SubsumerRule: String, CaseIterable, Sendable { case nltk, lcsHeight = "lcs-height" }

    /// The lowest common subsumer(s) of two concepts, by name ("*ROOT*" for NLTK's simulated root).
    public func lowestCommonSubsumers(_ a: String, _ b: String, rule: SubsumerRule, minDepth: Bool, simulateRoot: Bool,
                                      in similarity: Similarity) throws -> [String] {
        let taxonomy = similarity.taxonomy
        let x = try taxonomy.node(for: a, in: store), y = try taxonomy.node(for: b, in: store)
        switch rule {
        case .nltk:
            return similarity.lowestCommonHypernyms(x, y, simulateRoot: simulateRoot, useMinDepth: minDepth).map {
                switch $0 {
                case .node(let node): return taxonomy.names[node]
                case .simulatedRoot: return "*ROOT*"
                }
            }
        case .lcsHeight:
            return similarity.deepestCommonAncestor(x, y).map { [taxonomy.names[$0]] } ?? []
        }
    }

    /// Tree-ifies the DAG above a class set and stores it as taxonomy and class set `name`; compares with a reference tree file if given.
    public func buildTree(classSet: String, name: String, compareWith reference: String?, replace: Bool) throws -> TreeReport {
        let setInfo = try store.classSet(named: classSet)
        let source = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: setInfo.taxonomy))
        let classes = try source.nodes(of: classSet, in: store)
        let tree = TreeBuilder(taxonomy: source, classes: classes)
        try tree.store(into: store, source: source, classes: classes, name: name, replace: replace)
        let stored = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: name))
        let agreement = try reference.map { file in
            let mine = Dictionary(uniqueKeysWithValues: tree.parent.map { (source.keys[$0.key], source.keys[$0.value]) })
            return TreeAgreement(tree: mine, reference: try PairsFile.readHierarchy(file), classes: classes.map { source.keys[$0] })
        }
        return TreeReport(taxonomy: name, nodes: stored.count, height: Int(stored.maxHeight), classes: classes.count, agreement: agreement)
    }

    /// Writes a class set's similarity matrix (float64 .npy) and reports its smallest eigenvalue.
    public func writeMatrix(classSet: String, measure: Measure, informationContent: String?, to out: String) throws -> SimilarityMatrixReport {
        let setInfo = try store.classSet(named: classSet)
        let similarity = try similarity(taxonomy: setInfo.taxonomy, informationContent: informationContent)
        let classes = try similarity.taxonomy.nodes(of: classSet, in: store)
        let matrix = try ClassSimilarityMatrix(similarity: similarity, classes: classes, measure: measure)
        try NPY.write(matrix.values, shape: [matrix.classes, matrix.classes], to: out)
        return SimilarityMatrixReport(classSet: classSet, measure: measure.rawValue, classes: matrix.classes,
                                      smallestEigenvalue: matrix.smallestEigenvalue, positiveDefinite: matrix.isPositiveDefinite, out: out)
    }
}

/// Lines of 'A<TAB>B' (concept pairs) and of 'parent child' (reference trees); blank lines and '#' comments skipped.
public enum PairsFile {
    /// A reference tree of 'parent child' lines, as child → parent.
    public static func readHierarchy(_ path: String) throws -> [String: String] {
        var parent: [String: String] = [:]
        for (number, line) in try lines(path) {
            let fields = line.split(whereSeparator: \.isWhitespace)
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            guard fields.count == 2 else { throw ServiceError.invalid("\(path):\(number): expected 'parent child'") }
            parent[String(fields[1])] = String(fields[0])
        }
        return parent
    }

    /// The file's lines with their 1-based numbers; "\r\n" ends a line too.
    static func lines(_ path: String) throws -> [(Int, Substring)] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ServiceError.missing("\(path): cannot read") }
        guard let text = String(data: data, encoding: .utf8) else { throw ServiceError.invalid("\(path): is not UTF-8") }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().map { ($0 + 1, $1) }
    }

    /// The pairs with their line numbers.
    public static func read(_ path: String) throws -> [(a: String, b: String, line: Int)] {
        var pairs: [(String, String, Int)] = []
        for (number, line) in try lines(path) {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw ServiceError.invalid("\(path):\(number): expected 'A<TAB>B'")
            }
            pairs.append((String(fields[0]), String(fields[1]), number))
        }
        return pairs
    }
}
