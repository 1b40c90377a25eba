import Foundation
import TaxonEval
import TaxonLinalg
import TaxonModel
import TaxonSearch
import TaxonVision

/// What `taxon eval style` asks for.
public struct StyleEvaluationRequest: Sendable {
    /// Photos: one folder per object class, or one folder whose file names start with the class (`n02123045_1.jpg`).
    public let folder: String
    /// How many styles of `RenderedStyle` (the first N).
    public var styles = RenderedStyle.allCases.count
    public var photos = 2_100
    public var seed: UInt64 = 1
    /// The class embedding of the semantic facet.
    public var embedding = "unitsphere"
    /// The style descriptor's dimensions after PCA (learned on these photos, no labels; not whitened: whitening
    /// halved the style mAP on the rendered sample).
    public var styleDims = 256
    /// Example sets per kind for facet inference.
    public var sets = 200
    /// The defaults on the photos of `folder`.
    public init(folder: String) { self.folder = folder }
}

/// The style benchmark's answer (snake_case JSON: `facets`, `inference_accuracy` …).
public struct StyleEvaluationReport: Encodable, Sendable {
    public let folder: String
    public let photos: Int
    public let objects: Int
    public let styles: [String]
    public let seed: UInt64
    public let embedding: String
    public let facets: [StyleBenchmark.FacetScores]
    public let inferenceAccuracy: Double
    public let styleSets: StyleBenchmark.InferenceScores
    public let objectSets: StyleBenchmark.InferenceScores
    /// Gram triangles before PCA, and after.
    public let styleDims: [Int]
    public let colourDims: Int
    /// Milliseconds per photo on this machine: the network alone, the network with the style taps, the colour histogram.
    public let costMs: [String: Double]
}

/// The style benchmark end to end, in memory: photos sampled from a folder, each
/// rendered in one of N styles (balanced, seeded), analysed in one network pass
/// (semantic vector, GeM descriptor, Gram style descriptor) plus a colour histogram,
/// then `StyleBenchmark`'s measures. Nothing is written to the store.
public struct StyleEvaluation {
    public let vision: VisionService
    /// The benchmark with this network and store (the store gives the semantic facet's embedding).
    public init(vision: VisionService) { self.vision = vision }

    /// Samples, renders, describes and measures; `progress` hears each step.
    public func run(_ request: StyleEvaluationRequest, progress: (String) -> Void = { _ in }) throws -> StyleEvaluationReport {
        let (photos, styles) = try Self.sample(request)
        let analyzer = try ImageAnalyzer(store: vision.store, network: vision.network, classSet: vision.classSet, descriptor: .gem, embedding: request.embedding)

        var semantic: [[Float]] = [], visual: [[Float]] = [], gram: [[Float]] = [], colour: [[Float]] = []
        var colourSeconds = 0.0
        let batch = 32
        for start in stride(from: 0, to: photos.count, by: batch) {
            progress("rendering and analysing photos \(start + 1)–\(min(start + batch, photos.count)) of \(photos.count)")
            let slice = Array(start..<min(start + batch, photos.count))
            let rendered = try slice.map { n in styles[n % styles.count].render(try ImageDecoder.decode(file: photos[n].path)) }
            let clock = ContinuousClock(), started = clock.now
            colour += rendered.map(ColourComposition.describe)
            colourSeconds += (clock.now - started).inSeconds
            let prepared = try zip(slice, rendered).map { n, image in try ImageAnalyzer.prepare(image, name: photos[n].path, size: vision.network.inputSize) }
            for analysis in analyzer.analyze(prepared, style: true) {
                visual.append(analysis.descriptor)
                semantic.append(analysis.embedding ?? [])
                gram.append(analysis.style ?? [])
            }
        }
        progress("learning the style PCA")  // as a collection learns its own (`StyleSpace`), on every photo here
        let space = try StyleSpace.learn(gram, dims: request.styleDims)
        let style = try gram.map { try space.apply($0) }
        progress("measuring")
        let report = StyleBenchmark.evaluate(vectors: [.semantic: semantic, .visual: visual, .style: style, .colour: colour],
                                             styles: photos.indices.map { styles[$0 % styles.count].rawValue }, objects: photos.map(\.object),
                                             sets: request.sets, seed: request.seed)
        return StyleEvaluationReport(
            folder: request.folder, photos: photos.count, objects: Set(photos.map(\.object)).count, styles: styles.map(\.rawValue), seed: request.seed,
            embedding: request.embedding, facets: report.facets, inferenceAccuracy: report.inferenceAccuracy, styleSets: report.styleSets,
            objectSets: report.objectSets, styleDims: [gram[0].count, style[0].count], colourDims: ColourComposition.dims,
            costMs: try cost(photos: photos.prefix(16).map(\.path), colourMs: colourSeconds * 1000 / Double(photos.count)))
    }

    /// The network's time per photo without and with the style taps, on the same photos in the same run.
    private func cost(photos: [String], colourMs: Double) throws -> [String: Double] {
        let batch = Preprocessing.batch(try photos.map { path in
            try ImageAnalyzer.prepare(try ImageDecoder.decode(file: path), name: path, size: vision.network.inputSize).input
        })
        let clock = ContinuousClock()
        var plain = Duration.zero, styled = Duration.zero
        for _ in 0..<2 {
            plain += clock.measure { _ = vision.network.forward(batch) }
            styled += clock.measure { _ = vision.network.forward(batch, style: true) }
        }
        let perPhoto = { (total: Duration) in total.inSeconds * 1000 / Double(2 * photos.count) }
        return ["network": perPhoto(plain), "network_with_style": perPhoto(styled), "colour": colourMs]
    }

    /// The sampled photos (shuffled with the seed) and the styles; photo i is to be rendered in style i mod S.
    static func sample(_ request: StyleEvaluationRequest) throws -> (photos: [(path: String, object: String)], styles: [RenderedStyle]) {
        guard (2...RenderedStyle.allCases.count).contains(request.styles) else {
            throw StyleEvaluationError("--styles must lie in 2...\(RenderedStyle.allCases.count)")
        }
        var photos = try labelledPhotos(in: request.folder)
        guard photos.count >= 2 * request.styles else { throw StyleEvaluationError("\(request.folder): \(photos.count) photos, too few for \(request.styles) styles") }
        var generator = SplitMix64(seed: request.seed)
        generator.shuffle(&photos)
        return (Array(photos.prefix(request.photos)), Array(RenderedStyle.allCases.prefix(request.styles)))
    }

    /// Writes the benchmark's renderings as files, OUT/STYLE/OBJECT_N.jpg (JPEG quality 95), to index and search
    /// like any photos; returns how many. The sample and styles are `run`'s for the same request.
    public static func writeStyleSet(_ request: StyleEvaluationRequest, to out: String) throws -> Int {
        let (photos, styles) = try sample(request)
        for style in styles { try FileManager.default.createDirectory(atPath: out + "/" + style.rawValue, withIntermediateDirectories: true) }
        _ = try parallelMap(Array(photos.enumerated())) { n, photo in
            let style = styles[n % styles.count]
            let data = try Thumbnail.encodeJPEG(style.render(try ImageDecoder.decode(file: photo.path)), quality: 95, name: photo.path)
            try data.write(to: URL(fileURLWithPath: "\(out)/\(style.rawValue)/\(photo.object)_\(n).jpg"))
        }
        return photos.count
    }

    /// The photos and their object labels: class folders, else the file names' prefix before `_`.
    static func labelledPhotos(in folder: String) throws -> [(path: String, object: String)] {
        if let dataset = try? FolderDataset(folder: folder), !dataset.photos.isEmpty {
            return dataset.photos.map { ($0.path, $0.className) }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            .filter { ImageIndexer.extensions.contains(($0 as NSString).pathExtension.lowercased()) }
        guard !files.isEmpty else { throw StyleEvaluationError("\(folder): no photos (JPEG or PNG), in class folders or named CLASS_…") }
        return files.map { (folder + "/" + $0, LabelSource.fileNameKey(of: $0)) }
    }
}

/// A style benchmark that cannot run, with the reason.
public struct StyleEvaluationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
