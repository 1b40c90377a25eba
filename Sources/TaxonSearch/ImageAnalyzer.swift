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
    /// The Gram style descriptor (before any PCA), when the analysis was asked for it.
    public var style: [Float]? = nil
    /// The colour composition, computed when the photo was decoded.
    public var colour: [Float]? = nil
}

extension ImageAnalysis {
    /// What the store keeps of the photo at `path` (`bytes` long, SHA-256 `sha256`) with this analysis.
    public func record(path: String, sha256: String, bytes: Int) -> ImageRecord {
        ImageRecord(path: path, sha256: sha256, bytes: bytes, width: width, height: height, topClasses: topClasses, descriptor: descriptor,
                    embedding: embedding, style: style, colour: colour)
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

    /// The expected class row of an image whose most probable classes are `top` (probabilities renormalised),
    /// not normalised: for unit rows whose cosines are the class similarity (unitsphere), its dot product with
    /// another image's is the expected similarity of their classes. What a classifier head's photos store.
    public func expectation(_ top: [(index: Int, probability: Double)]) -> [Float] {
        SemanticProjection.expected(Array(top.prefix(Self.topClasses)), classRows: classRows)
    }
}

/// A learned head naming photos' classes in a class set of one's own: a
/// mapper (taxon train-mapper) whose classifier's outputs are its embedding's classes.
public struct ClassHead: Sendable {
    /// The mapper's name.
    public let name: String
    public let classifier: SoftmaxClassifier
    /// The classifier's classes, in its output order (its embedding's class set).
    public let classes: [String]
    /// The embedding whose classes these are, and whose space the photos go into.
    public let embedding: String

    /// The stored mapper `name`; it must be a classifier (not a regression into an embedding), and, given a
    /// network, one trained on that network's features.
    public init(store: Store, mapper name: String, network: EfficientNetLite? = nil) throws {
        let (info, values) = try store.mapper(named: name)
        try self.init(store: store, mapper: info, values: values, network: network)
    }

    /// A mapper already read from the store (see `init(store:mapper:network:)`).
    public init(store: Store, mapper info: MapperInfo, values: [Double], network: EfficientNetLite? = nil) throws {
        let name = info.name
        let parameters = try info.parameterValues()
        guard parameters["kind"] == "classifier" else { throw SearchError.notAClassifier(mapper: name) }
        if let network, let backbone = parameters["backbone"], backbone != network.variant.rawValue {
            throw SearchError.otherBackbone(mapper: name, trained: backbone, given: network.variant.rawValue)
        }
        classes = try store.classMembers(of: try store.embeddingInfo(named: info.embedding).classSet).map(\.key)
        guard classes.count == info.outputs else { throw SearchError.notAClassifier(mapper: name) }
        (self.name, embedding) = (name, info.embedding)
        classifier = SoftmaxClassifier(inputs: info.inputs, classes: info.outputs, values: values)
    }

    /// The class logits of every image of a network pass, image after image.
    public func logits(_ output: EfficientNetLite.Output) -> [Float] {
        classifier.logits(SoftmaxClassifier.features(output.features)).flatMap { $0.map(Float.init) }
    }
}

/// Turns photos into what the index stores: descriptor, top classes and semantic vector, in one network pass.
public struct ImageAnalyzer: Sendable {
    public let network: EfficientNetLite
    /// The keys of the classes photos are given: the network's outputs, or the head's classes.
    public let classes: [String]
    public let descriptor: Descriptor
    public let space: SemanticSpace?
    /// The learned head naming the classes instead of the network's own layer, if any.
    public let head: ClassHead?

    /// `space` nil: no semantic vectors (visual search only); `head` nil: the network's own classes.
    public init(network: EfficientNetLite, classes: [String], descriptor: Descriptor, space: SemanticSpace?, head: ClassHead? = nil) {
        precondition(classes.count == (head?.classes.count ?? EfficientNetLite.classes), "one key per class output")
        (self.network, self.classes, self.descriptor, self.space, self.head) = (network, classes, descriptor, space, head)
    }

    /// The analyzer of a collection's photos: `classSet` names the network's outputs, `embedding` (nil: none) is the semantic space;
    /// a `mapper` names the photos' classes in its own class set and brings its embedding.
    public init(store: Store, network: EfficientNetLite, classSet: String, descriptor: Descriptor, embedding: String?, mapper: String? = nil) throws {
        let head = try mapper.map { try ClassHead(store: store, mapper: $0, network: network) }
        var embedding = embedding
        if let head {
            if let embedding, embedding != head.embedding { throw SearchError.mapperEmbedding(mapper: head.name, embedding: head.embedding, requested: embedding) }
            embedding = head.embedding
        }
        let classes = try head?.classes ?? SearchEngine.networkClasses(store: store, classSet: classSet)
        self.init(network: network, classes: classes, descriptor: descriptor,
                  space: try embedding.map { try SemanticSpace(store: store, embedding: $0, networkClasses: classes) }, head: head)
    }

    /// A photo decoded (JPEG or PNG) and preprocessed for the network.
    public struct Prepared: Sendable {
        public let input: FeatureMap
        public let width: Int
        public let height: Int
        /// Its colour composition, taken from the decoded photo (the network's input is resized and normalised).
        public let colour: [Float]
    }

    /// Decodes and preprocesses one photo for a network of input side `size` (safe to run on several threads at
    /// once); more than `pixelLimit` pixels is refused unread.
    public static func prepare(_ data: Data, name: String, pixelLimit: Int = ImageDecoder.defaultPixelLimit, size: Int) throws -> Prepared {
        try prepare(try ImageDecoder.decode(data, name: name, pixelLimit: pixelLimit), name: name, size: size)
    }

    /// A decoded photo preprocessed for a network of input side `size`.
    public static func prepare(_ image: RGBImage, name: String, size: Int) throws -> Prepared {
        Prepared(input: try Preprocessing.input(image, name: name, size: size), width: image.width, height: image.height,
                 colour: ColourComposition.describe(image))
    }

    /// Prepared photos through the network in one batch (both cores, or `workers`); `style` adds the style descriptor.
    public func analyze(_ images: [Prepared], workers: BackgroundWorkers? = nil, style: Bool = false) -> [ImageAnalysis] {
        guard !images.isEmpty else { return [] }
        let output = network.forward(Preprocessing.batch(images.map(\.input)), workers: workers, style: style)
        let descriptors = descriptor.describe(output.features)
        let logits = head?.logits(output) ?? output.logits
        return images.indices.map { n in
            let top = SemanticProjection.mostProbable(logits: Array(logits[(n * classes.count)..<((n + 1) * classes.count)]),
                                                      top: SemanticSpace.topClasses)
            return ImageAnalysis(width: images[n].width, height: images[n].height,
                                 topClasses: top.map { ClassProbability(wnid: classes[$0.index], probability: $0.probability) },
                                 descriptor: descriptors[n], embedding: head == nil ? space?.project(top) : space?.expectation(top),
                                 style: style ? output.style[n] : nil, colour: images[n].colour)
        }
    }
}
