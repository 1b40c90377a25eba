import ArgumentParser
import Foundation
import TaxonCore
import TaxonKit

struct TaxonomyOptions: ParsableArguments {
    @Option(help: "The taxonomy (default: wordnet, or the only one).") var taxonomy: String?
    @Option(help: "Information content for res/jcn/lin: a WordNet::Similarity .dat file, or 'intrinsic' (Seco et al. 2004).")
    var ic: String?

    func similarity(_ service: SimilarityService) throws -> Similarity { try service.similarity(taxonomy: taxonomy, informationContent: ic) }
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

    func run() throws {
        let service = SimilarityService(store: try store.openExisting())
        let similarity = try options.similarity(service)
        if let pairs {
            let results = try service.scorePairs(file: pairs, measure: measure, in: similarity)
            if output.json { return try printJSON(results) }
            for result in results { print("\(result.a)\t\(result.b)\t\(scoreText(result.score))") }
            return
        }
        let result = try service.score(concepts[0], concepts[1], measure: measure, in: similarity)
        if output.json { return try printJSON(result) }
        print(result.score.map { "\($0)" } ?? "none")
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

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: TaxonomyOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "nltk or lcs-height.") var rule: SimilarityService.SubsumerRule = .nltk
    @Flag(help: "Pick subsumers by min depth (NLTK's use_min_depth).") var minDepth = false
    @Flag(help: "Simulate NLTK's root above all roots.") var simulateRoot = false
    @Argument(help: "Two concepts.") var a: String
    @Argument var b: String

    func run() throws {
        let service = SimilarityService(store: try store.openExisting())
        let subsumers = try service.lowestCommonSubsumers(a, b, rule: rule, minDepth: minDepth, simulateRoot: simulateRoot, in: try options.similarity(service))
        if output.json { return try printJSON(subsumers) }
        if subsumers.isEmpty { print("none") }
        for name in subsumers { print(name) }
    }
}

extension SimilarityService.SubsumerRule: ExpressibleByArgument {}
