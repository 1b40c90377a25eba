import ArgumentParser
import Foundation
import TaxonCore
import TaxonLinalg
import TaxonStore

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks (figures go into docs/BENCHMARKS.md with the command).",
                                                    subcommands: [BenchSimilarity.self])
}

struct BenchSimilarity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity",
        abstract: "Loads a taxonomy into memory, then times each measure on random concept pairs on one core.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: TaxonomyOptions
    @Option(help: "Measures to time, comma-separated.") var measures = "path,wup,lch,lcs-height"
    @Option(help: "Random pairs per measure.") var pairs = 2_000_000
    @Option(help: "Part of speech of the pairs (n, v, …; empty for any).") var pos = "n"
    @Option(help: "Seed of the pair sample.") var seed: UInt64 = 1

    func run() throws {
        let db = try store.openExisting()
        let clock = ContinuousClock()
        var similarity: Similarity!
        let load = try clock.measure { similarity = try options.similarity(db) }
        let taxonomy = similarity.taxonomy
        print("loaded \(taxonomy.info.name) (\(taxonomy.count) concepts) into memory in \(format(load))")
        let wanted = pos.utf8.first
        let candidates = (0..<taxonomy.count).filter { wanted == nil || taxonomy.pos[$0] == wanted }
        guard candidates.count > 1 else { throw CLIError("no concepts of part of speech '\(pos)'") }
        var generator = SplitMix64(seed: seed)
        let sample = (0..<pairs).map { _ in
            (candidates[Int(generator.next() % UInt64(candidates.count))], candidates[Int(generator.next() % UInt64(candidates.count))])
        }
        for name in measures.split(separator: ",") {
            guard let measure = Measure(rawValue: String(name)) else { throw CLIError("unknown measure '\(name)'") }
            var checksum = 0.0, nones = 0
            let elapsed = try clock.measure {
                for (a, b) in sample {
                    if let score = try similarity.score(measure, a, b) { checksum += score } else { nones += 1 }
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            print("\(measure.rawValue): \(pairs) pairs in \(format(elapsed)), \(Int(Double(pairs) / seconds)) pairs/s (sum \(checksum), \(nones) none)")
        }
    }

    private func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        return String(format: "%.3f s", seconds)
    }
}
