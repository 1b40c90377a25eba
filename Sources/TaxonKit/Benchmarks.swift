import Foundation
import TaxonCore
import TaxonLinalg
import TaxonModel
import TaxonSearch
import TaxonVision

/// The measurements behind `taxon bench`: each returns what it measured, the CLI prints it.
public enum Benchmarks {
    /// One measure timed over random pairs on one core.
    public struct MeasureTiming: Sendable {
        public let measure: Measure
        public let pairs: Int
        public let seconds: Double
        /// The scores' sum (so that the work cannot be optimised away) and how many were None.
        public let checksum: Double
        public let nones: Int
    }

    /// Times each measure on `pairs` random concept pairs of part of speech `pos` (nil: any).
    public static func similarity(_ similarity: Similarity, measures: [Measure], pairs: Int, pos: UInt8?, seed: UInt64) throws -> [MeasureTiming] {
        let taxonomy = similarity.taxonomy
        let candidates = (0..<taxonomy.count).filter { pos == nil || taxonomy.pos[$0] == pos }
        guard candidates.count > 1 else { throw ServiceError.invalid("no concepts of that part of speech") }
        var generator = SplitMix64(seed: seed)
        let sample = (0..<pairs).map { _ in
            (candidates[Int(generator.next() % UInt64(candidates.count))], candidates[Int(generator.next() % UInt64(candidates.count))])
        }
        let clock = ContinuousClock()
        return try measures.map { measure in
            var checksum = 0.0, nones = 0
            let elapsed = try clock.measure {
                for (a, b) in sample {
                    if let score = try similarity.score(measure, a, b) { checksum += score } else { nones += 1 }
                }
            }
            return MeasureTiming(measure: measure, pairs: pairs, seconds: elapsed.inSeconds, checksum: checksum, nones: nones)
        }
    }

    /// EfficientNet-Lite0 on a folder of `<wnid>_….jpg` photos.
    public struct CNNReport: Sendable {
        public let photos: Int
        public let top1: Int
        public let top5: Int
        /// Decoding and preprocessing on one core, and classification at `batch`, in images per second.
        public let decodeRate: Double
        public let classifyRate: Double
        /// The network alone on preprocessed tensors.
        public let networkRate: Double
        public let batch: Int
        public let batches: Int
    }

    /// Accuracy and throughput of the network on the sample, batch by batch (one batch of tensors in memory at a time).
    public static func cnn(network: EfficientNetLite, sample: String, wnids: [String], batch: Int, batches: Int) throws -> CNNReport {
        guard wnids.count == EfficientNetLite.classes else { throw ServiceError.invalid("\(wnids.count) wnids, not 1,000") }
        guard let listing = try? FileManager.default.contentsOfDirectory(atPath: sample) else { throw ServiceError.missing("\(sample): no such folder") }
        let files = listing.filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
        guard !files.isEmpty else { throw ServiceError.missing("\(sample): no .jpg or .png files") }
        let clock = ContinuousClock()
        var top1 = 0, top5 = 0, decoding = Duration.zero, classifying = Duration.zero
        var first: FeatureMap?
        for start in stride(from: 0, to: files.count, by: batch) {
            let names = files[start..<min(start + batch, files.count)]
            var inputs: [FeatureMap] = []
            decoding += try clock.measure { inputs = try names.map { try network.input(try ImageDecoder.decode(file: sample + "/" + $0), name: $0) } }
            first = first ?? inputs[0]
            var logits: [Float] = []
            classifying += clock.measure { logits = network.forward(Preprocessing.batch(inputs)).logits }
            for (offset, file) in names.enumerated() {
                let row = Array(logits[(offset * 1000)..<((offset + 1) * 1000)])
                let ranked = row.indices.sorted { row[$0] > row[$1] }
                let truth = String(file.prefix(9))
                if wnids[ranked[0]] == truth { top1 += 1 }
                if ranked.prefix(5).contains(where: { wnids[$0] == truth }) { top5 += 1 }
            }
        }
        let tensor = Preprocessing.batch(Array(repeating: first!, count: batch))
        _ = network.forward(tensor)  // warm-up
        let timed = clock.measure { for _ in 0..<batches { _ = network.forward(tensor) } }
        let n = Double(files.count)
        return CNNReport(photos: files.count, top1: top1, top5: top5, decodeRate: n / decoding.inSeconds, classifyRate: n / classifying.inSeconds,
                         networkRate: Double(batches * batch) / timed.inSeconds, batch: batch, batches: batches)
    }

    /// Exact k-NN over synthetic unit vectors: milliseconds per query.
    public struct SearchReport: Sendable {
        public let vectors: Int
        public let dims: Int
        public let buildSeconds: Double
        /// Sorted, the first (cold) query left out.
        public let milliseconds: [Double]
    }

    /// Seeded vectors uniform in [−1, 1]^dims, normalised; each query a fresh random unit vector, ranked semantic.
    public static func search(vectors: Int, dims: Int, queries: Int, k: Int) throws -> SearchReport {
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
        let info = CollectionInfo(id: 0, name: "synthetic", root: "/", descriptor: "gap", embedding: "synthetic", generation: 0, images: vectors, createdAt: "")
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
        return SearchReport(vectors: vectors, dims: dims, buildSeconds: building.inSeconds, milliseconds: times.sorted())
    }
}
