import ArgumentParser
import Foundation
import TaxonCore
import TaxonStore

extension Measure: ExpressibleByArgument {}

struct TaxonomyOptions: ParsableArguments {
    @Option(help: "The taxonomy (default: wordnet, or the only one).") var taxonomy: String?
    @Option(help: "Information content for res/jcn/lin: a WordNet::Similarity .dat file, or 'intrinsic' (Seco et al. 2004).")
    var ic: String?

    func similarity(_ store: Store) throws -> Similarity {
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: self.taxonomy))
        let content = try ic.map { $0 == "intrinsic" ? InformationContent.intrinsic(for: taxonomy) : try InformationContent.load(file: $0, for: taxonomy) }
        return Similarity(taxonomy: taxonomy, informationContent: content)
    }
}

/// A score as Python prints it (shortest round-trip form), empty where NLTK gives None.
func scoreText(_ score: Double?) -> String { score.map { "\($0)" } ?? "" }

struct SimilarityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity",
        abstract: "Similarity of two concepts, or of every pair in a file (NLTK's path, lch, wup, res, jcn, lin; Barz & Denzler's lcs-height).",
        discussion: """
            Prints the score alone ("none" where NLTK returns None: no path or no common subsumer). \
            With --pairs FILE, reads lines 'A<TAB>B' and writes 'A<TAB>B<TAB>score' in the same order (score empty for None). \
            A bare word means its first sense.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: TaxonomyOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "path, lch, wup, res, jcn, lin or lcs-height.") var measure: Measure = .path
    @Option(help: "A file of 'A<TAB>B' lines.") var pairs: String?
    @Argument(help: "Two concepts (keys, NLTK-style names or words).") var concepts: [String] = []

    func validate() throws {
        if pairs == nil && concepts.count != 2 { throw ValidationError("give two concepts, or --pairs FILE") }
        if pairs != nil && !concepts.isEmpty { throw ValidationError("give either two concepts or --pairs FILE, not both") }
    }

    struct Result: Encodable { let a: String; let b: String; let measure: String; let score: Double? }

    func run() throws {
        let db = try store.openExisting()
        let similarity = try options.similarity(db)
        let taxonomy = similarity.taxonomy
        if let pairs {
            let results = try PairsFile.read(pairs).map { pair -> Result in
                do {
                    let a = try taxonomy.node(for: pair.a, in: db), b = try taxonomy.node(for: pair.b, in: db)
                    return Result(a: pair.a, b: pair.b, measure: measure.rawValue, score: try similarity.score(measure, a, b))
                } catch {
                    throw CLIError("\(pairs):\(pair.line): \(error)")
                }
            }
            if output.json { return try printJSON(results) }
            for result in results { print("\(result.a)\t\(result.b)\t\(scoreText(result.score))") }
            return
        }
        let a = try taxonomy.node(for: concepts[0], in: db), b = try taxonomy.node(for: concepts[1], in: db)
        let score = try similarity.score(measure, a, b)
        if output.json {
            return try printJSON(Result(a: taxonomy.names[a], b: taxonomy.names[b], measure: measure.rawValue, score: score))
        }
        print(score.map { "\($0)" } ?? "none")
    }
}

/// Lines of 'A<TAB>B'; blank lines and '#' comments skipped.
enum PairsFile {
    /// A reference tree of 'parent child' lines, as child → parent; blank lines and '#' comments skipped.
    static func readHierarchy(_ path: String) throws -> [String: String] {
        var parent: [String: String] = [:]
        for (number, line) in try lines(path) {
            let fields = line.split(whereSeparator: \.isWhitespace)
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            guard fields.count == 2 else { throw CLIError("\(path):\(number): expected 'parent child'") }
            parent[String(fields[1])] = String(fields[0])
        }
        return parent
    }

    /// The file's lines with their 1-based numbers; "\r\n" ends a line too.
    static func lines(_ path: String) throws -> [(Int, Substring)] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(path): cannot read") }
        guard let text = String(data: data, encoding: .utf8) else { throw CLIError("\(path): is not UTF-8") }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().map { ($0 + 1, $1) }
    }

    static func read(_ path: String) throws -> [(a: String, b: String, line: Int)] {
        var pairs: [(String, String, Int)] = []
        for (number, line) in try lines(path) {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw CLIError("\(path):\(number): expected 'A<TAB>B'")
            }
            pairs.append((String(fields[0]), String(fields[1]), number))
        }
        return pairs
    }
}

struct LCSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lcs",
        abstract: "The lowest common subsumer(s) of two concepts.",
        discussion: """
            By default NLTK's lowest_common_hypernyms: the common hypernyms of greatest max depth, sorted by name. \
            --min-depth uses min depth instead (what NLTK's wup uses); --simulate-root adds NLTK's '*ROOT*' above all roots; \
            --rule lcs-height gives the one subsumer lcs-height uses.
            """)

    enum Rule: String, ExpressibleByArgument { case nltk, lcsHeight = "lcs-height" }

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: TaxonomyOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "nltk or lcs-height.") var rule: Rule = .nltk
    @Flag(help: "Pick subsumers by min depth (NLTK's use_min_depth).") var minDepth = false
    @Flag(help: "Simulate NLTK's root above all roots.") var simulateRoot = false
    @Argument(help: "Two concepts.") var a: String
    @Argument var b: String

    func run() throws {
        let db = try store.openExisting()
        let similarity = try options.similarity(db)
        let taxonomy = similarity.taxonomy
        let x = try taxonomy.node(for: a, in: db), y = try taxonomy.node(for: b, in: db)
        let subsumers: [String]
        switch rule {
        case .nltk:
            subsumers = similarity.lowestCommonHypernyms(x, y, simulateRoot: simulateRoot, useMinDepth: minDepth).map {
                switch $0 {
                case .node(let node): return taxonomy.names[node]
                case .simulatedRoot: return "*ROOT*"
                }
            }
        case .lcsHeight:
            subsumers = similarity.deepestCommonAncestor(x, y).map { [taxonomy.names[$0]] } ?? []
        }
        if output.json { return try printJSON(subsumers) }
        if subsumers.isEmpty { print("none") }
        for name in subsumers { print(name) }
    }
}
