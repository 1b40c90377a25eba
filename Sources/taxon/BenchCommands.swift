import ArgumentParser
import Foundation
import TaxonCore
import TaxonKit
import TaxonLinalg

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks (figures go into docs/BENCHMARKS.md with the command).",
                                                    subcommands: [BenchSimilarity.self, BenchCNN.self, BenchSearch.self])
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
        let measures = try self.measures.split(separator: ",").map { name in
            guard let measure = Measure(rawValue: String(name)) else { throw CLIError("unknown measure '\(name)'") }
            return measure
        }
        let service = SimilarityService(store: try store.openExisting())
        var similarity: Similarity!
        let load = try ContinuousClock().measure { similarity = try options.similarity(service) }
        print("loaded \(similarity.taxonomy.info.name) (\(similarity.taxonomy.count) concepts) into memory in \(String(format: "%.3f s", load.inSeconds))")
        for t in try Benchmarks.similarity(similarity, measures: measures, pairs: pairs, pos: pos.utf8.first, seed: seed) {
            print("\(t.measure.rawValue): \(t.pairs) pairs in \(String(format: "%.3f s", t.seconds)), \(Int(Double(t.pairs) / t.seconds)) pairs/s (sum \(t.checksum), \(t.nones) none)")
        }
    }
}

struct BenchCNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnn",
        abstract: "EfficientNet-Lite0: top-1/top-5 accuracy on a folder of <wnid>_….jpg photos, network and decoding throughput.")

    @OptionGroup var weights: WeightsOptions
    @Option(help: "Photos named <wnid>_….jpg (the ILSVRC-2012 evaluation sample).") var sample = "../shared/data/imagenet-sample"
    @Option(help: "The ILSVRC-2012 wnids in the network's class order.") var wnids = "ontologies/imagenet/ilsvrc2012_wnids.txt"
    @Option(help: "Batch size for the throughput run.") var batch = 16
    @Option(help: "Batches in the throughput run.") var batches = 8

    func run() throws {
        let classes = try String(contentsOfFile: wnids, encoding: .utf8).split(separator: "\n").map(String.init)
        let network = try weights.network()
        let r = try Benchmarks.cnn(network: network, sample: sample, wnids: classes, batch: batch, batches: batches)
        let n = Double(r.photos)
        print(String(format: "accuracy on %d photos of %@: top-1 %.1f %%, top-5 %.1f %%", r.photos, sample, 100 * Double(r.top1) / n, 100 * Double(r.top5) / n))
        print(String(format: "decode + preprocess: %.1f images/s (one core); classify at batch %d: %.1f images/s", r.decodeRate, batch, r.classifyRate))
        print(String(format: "network alone, %d batches of %d preprocessed %d² tensors: %.1f images/s", batches, batch, network.inputSize, r.networkRate))
    }
}

struct BenchSearch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Exact k-NN over synthetic unit vectors (seeded, uniform in [−1, 1]^d, normalised): the time per query of the semantic ranking.")

    @Option(help: "Vectors in the collection.") var vectors = 1_000_000
    @Option(help: "Their dimension.") var dims = 256
    @Option(help: "Queries (each a fresh random unit vector).") var queries = 50
    @Option(name: .short, help: "Results per query.") var k = 10

    func run() throws {
        let r = try Benchmarks.search(vectors: vectors, dims: dims, queries: queries, k: k)
        let times = r.milliseconds
        print(String(format: "%d × %d float32 vectors (%.0f MB, built in %.1f s), %d queries, k = %d: median %.2f ms, mean %.2f ms, max %.2f ms per query",
                     vectors, dims, Double(vectors * dims * 4) / 1e6, r.buildSeconds, queries, k, times[times.count / 2],
                     times.reduce(0, +) / Double(times.count), times.last!))
    }
}
