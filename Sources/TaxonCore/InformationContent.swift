import Foundation

/// Information content per node, for res, jcn and lin.
///
/// From a WordNet::Similarity `.dat` file (NLTK's `wordnet_ic`): IC = −log(count /
/// root count of its part of speech), NLTK's 1e300 where the count is 0. Such a
/// file is keyed by WordNet offsets, so it fits one WordNet release only: every
/// offset it lists is checked against the taxonomy, and a part of speech with
/// offsets the taxonomy lacks (Debian's verbs under a Princeton 3.0 file) is
/// refused when used, with the count and an example.
///
/// Intrinsic (Seco, Veale & Hayes 2004): IC = 1 − log(hyponyms + 1) / log(N),
/// hyponyms = all descendants over is-a edges, N = the concepts of that part of
/// speech; needs no corpus and fits any taxonomy.
public struct InformationContent: Sendable {
    public let source: String
    /// IC per node (0 where the part of speech has none).
    public let values: [Double]
    /// Parts of speech the IC covers.
    public let covered: Set<UInt8>
    /// Why a part of speech the file lists cannot be used with this taxonomy.
    public let refused: [UInt8: String]

    /// The IC of `node`, or an error naming why there is none.
    public func value(_ node: Int, in taxonomy: Taxonomy) throws -> Double {
        var pos = taxonomy.pos[node]
        if pos == UInt8(ascii: "s") { pos = UInt8(ascii: "a") }  // NLTK reads satellites as adjectives
        if let reason = refused[pos] { throw InformationContentError.mismatch(reason) }
        guard covered.contains(pos) else { throw InformationContentError.noEntries(source: source, pos: pos) }
        return values[node]
    }

    /// Reads a WordNet::Similarity file: a header line, then `<offset><n|v> <count> [ROOT]` lines.
    public static func load(file path: String, for taxonomy: Taxonomy) throws -> InformationContent {
        guard let data = FileManager.default.contents(atPath: path) else { throw InformationContentError.unreadable(path) }
        guard let text = String(data: data, encoding: .utf8) else { throw InformationContentError.malformed(path, line: 1, "is not UTF-8") }
        var counts: [(node: Int?, pos: UInt8, count: Double, key: String, line: Int)] = []
        var roots: [UInt8: Double] = [:]
        // "\r\n" is one Character in Swift: split on every kind of line end.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() where index > 0 {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty { continue }
            guard fields.count == 2 || (fields.count == 3 && fields[2] == "ROOT"), let tag = fields[0].last,
                  tag == "n" || tag == "v", let offset = Int(fields[0].dropLast()), offset >= 0,
                  let count = Double(fields[1]), count.isFinite, count >= 0
            else { throw InformationContentError.malformed(path, line: index + 1, "expected '<offset>n|v <count> [ROOT]', found '\(line)'") }
            let pos = tag.asciiValue!
            let digits = String(offset)
            let key = String(tag) + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
            if fields.count == 3 { roots[pos, default: 0] += count }
            counts.append((taxonomy.node(forKey: key), pos, count, key, index + 1))
        }
        var values = [Double](repeating: 0, count: taxonomy.count)
        var refused: [UInt8: String] = [:]
        var covered = Set<UInt8>()
        for pos in Set(counts.map(\.pos)) {
            let entries = counts.filter { $0.pos == pos }
            let missing = entries.filter { $0.node == nil || taxonomy.pos[$0.node!] != pos }
            let name = pos == UInt8(ascii: "n") ? "noun" : "verb"
            if let example = missing.first {
                refused[pos] = "\(path): \(missing.count) of its \(entries.count) \(name) offsets are not \(name)s of taxonomy '\(taxonomy.info.name)' (first: \(example.key), line \(example.line)); the file is for another WordNet release"
                continue
            }
            guard let root = roots[pos], root > 0 else {
                throw InformationContentError.malformed(path, line: 1, "has no ROOT count for \(name)s")
            }
            covered.insert(pos)
            for node in 0..<taxonomy.count where taxonomy.pos[node] == pos { values[node] = nltkInfinity }
            for entry in entries where entry.count != 0 {
                values[entry.node!] = -log(entry.count / root)
            }
        }
        // Any node of a covered part of speech the file does not list has count 0: IC = 1e300, as in NLTK.
        return InformationContent(source: path, values: values, covered: covered, refused: refused)
    }

    /// Seco et al.'s intrinsic IC, computed from the taxonomy itself.
    public static func intrinsic(for taxonomy: Taxonomy) -> InformationContent {
        var descendants = [Int](repeating: 0, count: taxonomy.count)
        for node in 0..<taxonomy.count {
            for (ancestor, _) in taxonomy.ancestors(of: node) where ancestor != node { descendants[ancestor] += 1 }
        }
        var perPOS: [UInt8: Int] = [:]
        for pos in taxonomy.pos { perPOS[pos, default: 0] += 1 }
        let values = (0..<taxonomy.count).map { node -> Double in
            let total = perPOS[taxonomy.pos[node]]!
            return total > 1 ? 1 - log(Double(descendants[node] + 1)) / log(Double(total)) : 1
        }
        var covered = Set(perPOS.keys)
        if covered.contains(UInt8(ascii: "s")) { covered.insert(UInt8(ascii: "a")) }
        return InformationContent(source: "intrinsic", values: values, covered: covered, refused: [:])
    }
}

/// An information-content file that does not fit the taxonomy or cannot be read, with the file and line.
public enum InformationContentError: Error, CustomStringConvertible {
    case unreadable(String)
    case malformed(String, line: Int, String)
    case mismatch(String)
    case noEntries(source: String, pos: UInt8)

    public var description: String {
        switch self {
        case let .unreadable(path): return "\(path): cannot read the information-content file"
        case let .malformed(path, line, message): return "\(path):\(line): \(message)"
        case let .mismatch(reason): return reason
        case let .noEntries(source, pos):
            return "the information content \(source) has no entries for part of speech '\(Character(Unicode.Scalar(pos)))' (NLTK raises WordNetError here)"
        }
    }
}
