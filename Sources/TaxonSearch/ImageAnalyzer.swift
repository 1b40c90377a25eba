import Foundation
import TaxonLinalg
import TaxonModel
import TaxonVision

/// What the index keeps of a photo, and what a query photo becomes: the
/// visual descriptor of the network's last feature map, the network's most
/// probable classes, and the semantic vector (softmax-weighted rows of a
/// class embedding, L2-normalised).
public struct ImageAnalysis: Sendable {
    public let width: Int
    public let height: Int
    public let topClasses: [ClassProbability]
    public let descriptor: [Float]
    public let embedding: [Float]?
}

extension ImageAnalysis {
    /// What the store keeps of the photo at `path` (`bytes` long, SHA-256 `sha256`) with this analysis.
    public func record(path: String, sha256: String, bytes: Int) -> ImageRecord {
        ImageRecord(path: path, sha256: sha256, bytes: bytes, width: width, height: height, topClasses: topClasses, descriptor: descriptor,
                    embedding: embedding)
    }
}

/// A class embedding's rows in the network's class order: the semantic space
/// images are projected into.
public struct SemanticSpace: Sendable {
    public let embedding: EmbeddingInfo
    /// One row per network output.
    public let classRows: [[Double]]
    /// Network output index by wnid.
    let classIndex: [String: Int]
    /// How many classes weight an image's vector (their probabilities renormalised).
    public static let topClasses = 10

    /// The embedding's rows in the network's class order; every class must have one.
    public init(store: Store, embedding name: String, networkClasses: [String]) throws {
        let (info, rows) = try store.embeddingRowsByKey(named: name)
        let missing = networkClasses.filter { rows[$0] == nil }
        guard missing.isEmpty else { throw SearchError.embeddingLacksClasses(embedding: name, count: missing.count, examples: Array(missing.prefix(5))) }
        embedding = info
        classRows = networkClasses.map { rows[$0]! }
        classIndex = Dictionary(networkClasses.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The vector of an image from its stored top classes (no network run).
    public func project(_ top: [ClassProbability]) -> [Float] {
        project(top.compactMap { entry in classIndex[entry.wnid].map { (index: $0, probability: entry.probability) } })
    }

    /// The vector of an image whose most probable classes are `top` (indices into the network's classes).
    public func project(_ top: [(index: Int, probability: Double)]) -> [Float] {
        SemanticProjection.weighted(Array(top.prefix(Self.topClasses)), classRows: classRows)
    }
}

/// Turns photos into what the index stores: descriptor, top classes and semantic vector, in one network pass.
public struct ImageAnalyzer: Sendable {
    public let network: EfficientNetLite0
    /// The wnids of the network's outputs, in order.
    public let classes: [String]
    public let descriptor: Descriptor
    public let space: SemanticSpace?

    /// `space` nil: no semantic vectors (visual search only).
    public init(network: EfficientNetLite0, classes: [String], descriptor: Descriptor, space: SemanticSpace?) {
        precondition(classes.count == EfficientNetLite0.classes, "one wnid per network output")
        (self.network, self.classes, self.descriptor, self.space) = (network, classes, descriptor, space)
    }

    /// The analyzer of a collection's photos: `classSet` names the network's outputs, `embedding` (nil: none) is the semantic space.
    public init(store: Store, network: EfficientNetLite0, classSet: String, descriptor: Descriptor, embedding: String?) throws {
        let classes = try SearchEngine.networkClasses(store: store, classSet: classSet)
        self.init(network: network, classes: classes, descriptor: descriptor,
                  space: try embedding.map { try SemanticSpace(store: store, embedding: $0, networkClasses: classes) })
    }

    /// A photo decoded (JPEG or PNG) and preprocessed for the network.
    public struct Prepared: Sendable {
        public let input: FeatureMap
        public let width: Int
        public let height: Int
    }

    /// Decodes and preprocesses one photo (safe to run on several threads at once); more than `pixelLimit` pixels is refused unread.
    public static func prepare(_ data: Data, name: String, pixelLimit: Int = ImageDecoder.defaultPixelLimit) throws -> Prepared {
        let image = try ImageDecoder.decode(data, name: name, pixelLimit: pixelLimit)
        return Prepared(input: try Preprocessing.input(image, name: name), width: image.width, height: image.height)
    }

    /// Prepared photos through the network in one batch (both cores, or `workers`).
    public func analyze(_ images: [Prepared], workers: BackgroundWorkers? = nil) -> [ImageAnalysis] {
        guard !images.isEmpty else { return [] }
        let output = network.forward(Preprocessing.batch(images.map(\.input)), workers: workers)
        let descriptors = descriptor.describe(output.features)
        return images.indices.map { n in
            let top = SemanticProjection.mostProbable(logits: Array(output.logits[(n * classes.count)..<((n + 1) * classes.count)]),
                                                      top: SemanticSpace.topClasses)
            return ImageAnalysis(width: images[n].width, height: images[n].height,
                                 topClasses: top.map { ClassProbability(wnid: classes[$0.index], probability: $0.probability) },
                                 descriptor: descriptors[n], embedding: space?.project(top))
        }
    }
}
