import TaxonCore
import TaxonLinalg
import TaxonModel

/// The text embedding methods: DeViSE (a class's word vector) and HUSE-style (cosines that follow text similarity).
public enum TextMethod: String, CaseIterable, Sendable { case devise, huse }

/// A text embedding or query that cannot be made: no vectors for the classes, an empty query, a vector set of the wrong dimension.
public enum TextEmbeddingError: TaxonError, Equatable {
    public var kind: ErrorKind { .unprocessable }
    case uncovered(classes: [String])
    case emptyQuery
    case unknownWords([String])
    case dimensionMismatch(vectorSet: String, dims: Int, embedding: String, expected: Int)
    case notATextEmbedding(String)
    case badMix(Double)

    public var description: String {
        switch self {
        case let .uncovered(classes):
            return "\(classes.count) class(es) have no word vector for any of their words or their hypernyms' words: \(classes.prefix(10).joined(separator: ", "))"
        case .emptyQuery: return "the query is empty"
        case let .unknownWords(words): return "no word of the query has a vector: \(words.joined(separator: ", "))"
        case let .dimensionMismatch(set, dims, embedding, expected):
            return "vector set '\(set)' has \(dims) dimensions, but embedding '\(embedding)' was built from \(expected)-dimensional vectors"
        case let .notATextEmbedding(name):
            return "'\(name)' is not a text embedding: text queries need a devise or huse embedding"
        case let .badMix(value): return "--mix must lie in [0, 1], got \(value)"
        }
    }
}

/// How each class got its text vector.
public struct TextCoverage: Codable, Sendable, Equatable {
    public var classes = 0
    /// By one of its own words (the first word, or a later one).
    public var ownWord = 0
    public var firstWord = 0
    /// By the nearest hypernym that has a covered word.
    public var hypernym = 0
}

/// Words as GloVe spells them: split on '_', '-' and white space, lower-cased.
public func textTokens(_ text: String) -> [String] {
    text.lowercased().split(whereSeparator: { $0 == "_" || $0 == "-" || $0.isWhitespace }).map(String.init)
}

/// Words of free text (queries, glosses): letters and digits only, lower-cased.
public func queryTokens(_ text: String) -> [String] {
    text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
}

/// The L2-normalised mean of the tokens' vectors; nil unless every token has one.
func meanVector(_ tokens: [String], _ vectors: [String: [Float]], dims: Int) -> [Double]? {
    guard !tokens.isEmpty else { return nil }
    var sum = [Double](repeating: 0, count: dims)
    for token in tokens {
        guard let vector = vectors[token] else { return nil }
        for i in 0..<dims { sum[i] += Double(vector[i]) }
    }
    let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return norm > 0 ? sum.map { $0 / norm } : nil
}

/// DeViSE (Frome et al. 2013): a class is the word vector of its name — the
/// normalised mean of the vectors of a word's tokens, trying the class's words
/// in order, else the nearest hypernym with a covered word. With `gloss`, the
/// normalised mean of its gloss words' vectors is added and the sum normalised.
public enum DeViSE {
    /// The class rows, how each class was covered, and the coverage counts.
    public struct Result: Sendable {
        public let rows: Matrix
        /// Per class, how it was covered: "word 1: dog", "hypernym at 2: feline".
        public let rules: [String]
        public let coverage: TextCoverage
    }

    /// The DeViSE rows of a class set from a stored vector set (normalised).
    public static func embed(store: Store, classSet: String, vectors set: VectorSetInfo, gloss: Bool = false) throws -> Result {
        let classes = try store.classMembers(of: classSet)
        let words = try classes.map { try store.lemmas(of: $0).map(\.word) }
        var vectors = try store.vectors(for: words.flatMap { $0.flatMap(textTokens) }, in: set)
        var rows = Matrix(rows: classes.count, columns: set.dims)
        var rules: [String] = [], coverage = TextCoverage(classes: classes.count), uncovered: [String] = []
        for (index, concept) in classes.enumerated() {
            var found: [Double]?
            if let (position, vector) = firstCovered(words[index], vectors, dims: set.dims) {
                found = vector
                rules.append("word \(position + 1): \(words[index][position])")
                coverage.ownWord += 1
                if position == 0 { coverage.firstWord += 1 }
            } else {
                for ancestor in try store.ancestors(of: concept) {
                    let ancestorWords = try store.lemmas(of: ancestor.concept).map(\.word)
                    vectors.merge(try store.vectors(for: ancestorWords.flatMap(textTokens), in: set)) { first, _ in first }
                    if let (position, vector) = firstCovered(ancestorWords, vectors, dims: set.dims) {
                        found = vector
                        rules.append("hypernym at \(ancestor.distance): \(ancestorWords[position])")
                        coverage.hypernym += 1
                        break
                    }
                }
            }
            guard let vector = found else { uncovered.append(concept.label); rules.append("none"); continue }
            rows.values.replaceSubrange(index * set.dims..<(index + 1) * set.dims, with: vector)
        }
        if !uncovered.isEmpty { throw TextEmbeddingError.uncovered(classes: uncovered) }
        if gloss { rows = try addingGlosses(rows, classes: classes, store: store, vectors: set) }
        return Result(rows: rows, rules: rules, coverage: coverage)
    }

    /// Each row plus the normalised mean of its gloss's known words, normalised;
    /// a class without a gloss word that has a vector keeps its name vector.
    static func addingGlosses(_ names: Matrix, classes: [Concept], store: Store, vectors set: VectorSetInfo) throws -> Matrix {
        var rows = names
        let glossWords = classes.map { queryTokens($0.gloss ?? "") }
        let vectors = try store.vectors(for: glossWords.flatMap { $0 }, in: set)
        for (index, words) in glossWords.enumerated() {
            guard let vector = meanVector(words.filter { vectors[$0] != nil }, vectors, dims: set.dims) else { continue }
            for c in 0..<set.dims { rows[index, c] += vector[c] }
        }
        return HierarchyEmbedder.normalizedRows(rows)
    }

    /// The first word whose tokens all have vectors, with its vector.
    static func firstCovered(_ words: [String], _ vectors: [String: [Float]], dims: Int) -> (Int, [Double])? {
        for (position, word) in words.enumerated() {
            if let vector = meanVector(textTokens(word), vectors, dims: dims) { return (position, vector) }
        }
        return nil
    }

    /// A free-text query in the same space: the normalised mean of its known words.
    public static func query(_ text: String, store: Store, vectors set: VectorSetInfo) throws -> (vector: [Double], unknown: [String]) {
        let tokens = queryTokens(text)
        guard !tokens.isEmpty else { throw TextEmbeddingError.emptyQuery }
        let vectors = try store.vectors(for: tokens, in: set)
        let known = tokens.filter { vectors[$0] != nil }
        guard let vector = meanVector(known, vectors, dims: set.dims) else { throw TextEmbeddingError.unknownWords(tokens) }
        return (vector, tokens.filter { vectors[$0] == nil })
    }
}

/// HUSE-style (Narayana et al. 2019): an embedding whose cosines follow the
/// classes' text similarity A (cosine of their DeViSE name vectors, optionally
/// averaged with their gloss vectors), or with `mix` λ the blend λ·A + (1 − λ)·S
/// with the taxonomy similarity S: the top eigenvectors × √eigenvalue of that
/// matrix, rows normalised (the approx-sim construction).
public enum HUSE {
    /// HUSE-style rows whose cosines follow the classes' text similarity (blended with `hierarchy`'s when `mix` is given), and the coverage.
    public static func embed(store: Store, classSet: String, vectors set: VectorSetInfo, dims: Int?, gloss: Bool,
                             mix: Double?, hierarchy: ClassHierarchy?) throws -> (rows: Matrix, coverage: TextCoverage) {
        let names = try DeViSE.embed(store: store, classSet: classSet, vectors: set, gloss: gloss)
        var target = gram(names.rows)
        if let mix {
            guard (0...1).contains(mix) else { throw TextEmbeddingError.badMix(mix) }
            if let hierarchy {
                let s = try hierarchy.similarityMatrix()
                for i in 0..<target.values.count { target.values[i] = mix * target.values[i] + (1 - mix) * s.values[i] }
            }
        }
        let n = target.rows
        let k = dims ?? min(n, mix == nil ? set.dims : 256)
        guard k >= 1, k <= n else { throw HierarchyEmbeddingError.tooManyDimensions(requested: k, available: n) }
        let all = try symmetricEigenpairs(target)
        var rows = all.vectors.leadingColumns(k)
        for c in 0..<k {
            let scale = max(all.values[c], 0).squareRoot()
            for r in 0..<n { rows[r, c] *= scale }
        }
        return (HierarchyEmbedder.normalizedRows(rows), names.coverage)
    }
}

/// Spearman's ρ between the pairwise cosines (rounded to 1e-12) of two
/// embeddings of the same class set: all pairs up to `exhaustiveLimit`
/// classes, else sampled pairs.
public func cosineRankCorrelation(_ a: Matrix, _ b: Matrix, exhaustiveLimit: Int = 4_000, samples: Int = 1_000_000) -> (rho: Double, pairs: Int) {
    let n = a.rows
    func cosines(_ m: Matrix, _ pairs: [(Int, Int)]?) -> [Double] {
        let normalized = HierarchyEmbedder.normalizedRows(m)
        if let pairs {
            return pairs.map { i, j in (zip(normalized.row(i), normalized.row(j)).reduce(0) { $0 + $1.0 * $1.1 } * 1e12).rounded() / 1e12 }
        }
        let g = gram(normalized)
        var result: [Double] = []
        result.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n { for j in (i + 1)..<n { result.append((g[i, j] * 1e12).rounded() / 1e12) } }
        return result
    }
    var pairs: [(Int, Int)]?
    if n > exhaustiveLimit {
        var generator = SplitMix64(seed: 1)
        pairs = (0..<samples).map { _ in (Int(generator.next() % UInt64(n)), Int(generator.next() % UInt64(n))) }.filter { $0.0 != $0.1 }
    }
    let x = cosines(a, pairs), y = cosines(b, pairs)
    return (spearmanCorrelation(x, y), x.count)
}
