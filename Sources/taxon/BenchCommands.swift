import ArgumentParser
import Foundation
import TaxonCore
import TaxonKit
import TaxonLinalg
import TaxonSearch

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks (figures go into docs/BENCHMARKS.md with the command).",
                                                    subcommands: [BenchSimilarity.self, BenchCNN.self, BenchSearch.self, BenchReplicate.self, BenchDatabaseSearch.self])
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

struct BenchReplicate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicate",
        abstract: "Grow a real collection into a large one for search benchmarks: copies of its photos with their vectors jittered by seeded noise.",
        discussion: "The store given by --db must hold the collection's embedding (import wordnet, imagenet, tree and embed, as scripts/default-store.sh).")
    @OptionGroup var store: StoreOptions
    @Option(help: "The store holding the real collection.") var from: String
    @Option(help: "The real collection.") var collection: String
    @Option(help: "The new collection's name.") var name: String
    @Option(help: "Photos in the new collection.") var count = 100_000
    @Option(help: "The descriptors' noise: the noise vector's expected length against the unit descriptor.") var noise = 0.5
    @Option(help: "The semantic vectors' noise, likewise.") var embeddingNoise = 0.1

    func run() throws {
        let started = ContinuousClock.now
        let info = try Benchmarks.replicate(from: try Stores.open(from), collection: collection, into: try store.openExisting(), as: name, count: count,
                                            noise: noise, embeddingNoise: embeddingNoise) { written in
            if written % 100_000 == 0 { note("\(written) photos written") }
        }
        print(String(format: "collection %@: %d photos from %@ in %.1f s", info.name, info.images, collection, (ContinuousClock.now - started).inSeconds))
    }
}

struct BenchDatabaseSearch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "database-search",
        abstract: "Search in the database (HNSW) against exact search in memory on the same PostgreSQL collection: recall@k and time per query.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @Option(help: "The collection (with an HNSW index: taxon ann build).") var collection: String
    @Option(help: "visual, semantic, semantic-first or blend.") var ranking = Ranking.Kind.semanticFirst
    @Option(help: "Only results under this concept.") var within: String?
    @Option(help: "Query photos (seeded, from the collection).") var queries = 100
    @Option(name: .short, help: "Results per query.") var k = 10
    @Option(help: "The ef_search values to try, comma-separated.") var efSearch = "40,100,200"
    @Flag(help: "Take the exact top k from a scan of every photo in the database (visual or semantic ranking, no filter), not from memory.")
    var exactInDatabase = false

    func run() throws {
        let efs = try efSearch.split(separator: ",").map { value -> Int in
            guard let ef = Int(value) else { throw ValidationError("--ef-search: '\(value)' is not a whole number") }
            return ef
        }
        let r = try Benchmarks.databaseSearch(store: try store.openExisting(), collection: collection, network: try weights.network(),
                                              ranking: try Ranking(ranking, alpha: 0.5, width: nil), within: within, queries: queries, k: k, efSearch: efs,
                                              exactInDatabase: exactInDatabase)
        func summary(_ times: [Double]) -> String {
            String(format: "p50 %.1f ms, p99 %.1f ms", times[times.count / 2], times[min(times.count - 1, Int(Double(times.count) * 0.99))])
        }
        print("\(r.photos) photos, \(r.queries) queries, k = \(r.k), \(ranking.rawValue)\(within.map { " within \($0)" } ?? "")")
        print(r.exactInDatabase ? "exact, a scan of every photo in the database: " + summary(r.exactMilliseconds)
              : String(format: "exact, in memory: loaded in %.1f s; ", r.exactLoadSeconds) + summary(r.exactMilliseconds))
        for row in r.inDatabase {
            let byScore = row.recallByScore.map { String(format: " (by score, ties within %g: %.3f)", Benchmarks.tieTolerance, $0) } ?? ""
            print(String(format: "in the database, ef_search %d: recall@%d %.3f%@; ", row.efSearch, r.k, row.recall, byScore) + summary(row.milliseconds))
        }
    }
}
