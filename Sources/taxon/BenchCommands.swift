import ArgumentParser
import Foundation
import TaxonCore
import TaxonLinalg
import TaxonSearch
import TaxonKit
import TaxonModel
import TaxonVision

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
        let db = try store.openExisting()
        let clock = ContinuousClock()
        var similarity: Similarity!
        let load = try clock.measure { similarity = try options.similarity(SimilarityService(store: db)) }
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
            let seconds = elapsed.inSeconds
            print("\(measure.rawValue): \(pairs) pairs in \(format(elapsed)), \(Int(Double(pairs) / seconds)) pairs/s (sum \(checksum), \(nones) none)")
        }
    }

    private func format(_ duration: Duration) -> String {
        let seconds = duration.inSeconds
        return String(format: "%.3f s", seconds)
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
        let network = try weights.network()
        let classes = try String(contentsOfFile: wnids, encoding: .utf8).split(separator: "\n").map(String.init)
        guard classes.count == EfficientNetLite0.classes else { throw CLIError("\(wnids): \(classes.count) wnids, not 1,000") }
        guard let listing = try? FileManager.default.contentsOfDirectory(atPath: sample) else { throw CLIError("\(sample): no such folder") }
        let files = listing.filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
        guard !files.isEmpty else { throw CLIError("\(sample): no .jpg or .png files") }
        let clock = ContinuousClock()

        // Batch by batch, so that only one batch of tensors is ever in memory.
        var top1 = 0, top5 = 0, decoding = Duration.zero, classifying = Duration.zero
        var first: FeatureMap?
        for start in stride(from: 0, to: files.count, by: batch) {
            let names = files[start..<min(start + batch, files.count)]
            var inputs: [FeatureMap] = []
            decoding += try clock.measure { inputs = try names.map { try Preprocessing.input(try ImageDecoder.decode(file: sample + "/" + $0), name: $0) } }
            first = first ?? inputs[0]
            var logits: [Float] = []
            classifying += clock.measure { logits = network.forward(Preprocessing.batch(inputs)).logits }
            for (offset, file) in names.enumerated() {
                let row = Array(logits[(offset * 1000)..<((offset + 1) * 1000)])
                let ranked = row.indices.sorted { row[$0] > row[$1] }
                let truth = String(file.prefix(9))
                if classes[ranked[0]] == truth { top1 += 1 }
                if ranked.prefix(5).contains(where: { classes[$0] == truth }) { top5 += 1 }
            }
        }
        let n = Double(files.count)
        print(String(format: "accuracy on %d photos of %@: top-1 %.1f %%, top-5 %.1f %%", files.count, sample, 100 * Double(top1) / n, 100 * Double(top5) / n))
        print(String(format: "decode + preprocess: %.1f images/s (one core); classify at batch %d: %.1f images/s", n / decoding.inSeconds,
                     batch, n / classifying.inSeconds))
        let tensor = Preprocessing.batch(Array(repeating: first!, count: batch))
        _ = network.forward(tensor)  // warm-up
        let timed = clock.measure { for _ in 0..<batches { _ = network.forward(tensor) } }
        print(String(format: "network alone, %d batches of %d preprocessed 224² tensors: %.1f images/s", batches, batch,
                     Double(batches * batch) / timed.inSeconds))
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
        var generator = SplitMix64(seed: 42)
        let clock = ContinuousClock()
        var matrix: [Float] = []
        let building = clock.measure {
            matrix = [Float](unsafeUninitializedCapacity: vectors * dims) { buffer, count in
                for row in 0..<vectors {
                    let unit = normalized((0..<dims).map { _ in Float(generator.nextUnit() * 2 - 1) })
                    for d in 0..<dims { buffer[row * dims + d] = unit[d] }
                }
                count = vectors * dims
            }
        }
        let info = CollectionInfo(id: 0, name: "synthetic", root: "/", descriptor: "gap", embedding: "synthetic", generation: 0, images: vectors,
                                  createdAt: "")
        let index = CollectionIndex(info: info, ids: (0..<Int64(vectors)).map { $0 + 1 }, descriptors: [Float](repeating: 1, count: vectors),
                                    descriptorDims: 1, embeddings: matrix, embeddingDims: dims)
        matrix = []
        var times: [Double] = []
        for _ in 0..<(queries + 1) {
            let query = normalized((0..<dims).map { _ in Float(generator.nextUnit() * 2 - 1) })
            var hits: [SearchHit] = []
            let elapsed = try clock.measure { hits = try index.search(SearchQuery(descriptor: nil, embedding: query), ranking: .semantic, k: k) }
            precondition(hits.count == k)
            times.append(elapsed.inSeconds * 1000)
        }
        times.removeFirst()  // the first query pages the matrix in
        times.sort()
        print(String(format: "%d × %d float32 vectors (%.0f MB, built in %.1f s), %d queries, k = %d: median %.2f ms, mean %.2f ms, max %.2f ms per query",
                     vectors, dims, Double(vectors * dims * 4) / 1e6, building.inSeconds, queries, k, times[times.count / 2],
                     times.reduce(0, +) / Double(times.count), times.last!))
    }
}
