import Foundation
import TaxonLinalg
import TaxonModel
import TaxonSearch
import TaxonVision

/// One class guess for a photo.
public struct ClassGuess: Encodable, Sendable { public let wnid: String; public let name: String; public let logit: Double; public let prob: Double }

/// A photo's best classes, best first.
public struct Classification: Encodable, Sendable { public let image: String; public let top: [ClassGuess] }

/// A photo in a class embedding's space, and its visual descriptor if asked.
public struct ImageEmbedding: Encodable, Sendable { public let image: String; public let embedding: [Float]; public let descriptor: [Float]? }

/// Options of mapper training (`train-mapper`).
public struct MapperTrainingRequest: Sendable {
    public var folder: String
    public var embedding: String
    public var name: String
    /// A 'PATH WNID' file instead of sub-folders named by wnid.
    public var labels: String?
    public var options = LinearMapper.Options()
    public var replace = false
    /// A request with the trainer's default options.
    public init(folder: String, embedding: String, name: String) { (self.folder, self.embedding, self.name) = (folder, embedding, name) }
}

/// The CNN on photos: classification, semantic embeddings and descriptors, learned mappers.
public struct VisionService {
    public let store: any Store
    public let network: EfficientNetLite
    /// The class set naming the network's 1,000 outputs.
    public let classSet: String
    /// The SHA-256 of the network's weights file: it keys cached features (nil: none are cached).
    public let networkDigest: String?

    /// A service over one store connection and a loaded network; `classSet` names the network's outputs.
    public init(store: any Store, network: EfficientNetLite, classSet: String = "ilsvrc2012", networkDigest: String? = nil) {
        (self.store, self.network, self.classSet, self.networkDigest) = (store, network, classSet, networkDigest)
    }

    /// Loads the network's weights (.safetensors).
    public static func network(weights path: String) throws -> EfficientNetLite {
        try EfficientNetLite(weights: try SafeTensors(path: path))
    }

    /// The SHA-256 of a weights file, which names the network in the feature cache.
    public static func weightsDigest(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ServiceError.unavailable("\(path): cannot read the weights") }
        return ContentHash.sha256(data)
    }

    /// The `top` most probable classes of each photo.
    public func classify(_ images: [String], top: Int, resize: Bool = true) throws -> [Classification] {
        let classes = try SearchEngine.networkConcepts(store: store, classSet: classSet)
        return try images.map { path in
            let input = try network.input(try ImageDecoder.decode(file: path), name: path, resize: resize)
            let logits = network.forward(input).logits
            let probabilities = softmax(logits)
            let best = (0..<logits.count).sorted { logits[$0] > logits[$1] }.prefix(top)
            return Classification(image: path, top: best.map {
                ClassGuess(wnid: classes[$0].key, name: classes[$0].label, logit: Double(logits[$0]), prob: probabilities[$0])
            })
        }
    }

    /// Each photo in the space of an embedding (softmax-weighted class rows over its `top` classes) or of a mapper
    /// (a classifier's top classes in its embedding, or a regression's map),
    /// with its visual descriptor when `descriptor` is given; and the space's dimension.
    public func embed(_ images: [String], embedding: String?, mapper: String?, descriptor: Descriptor?, top: Int) throws -> (rows: [ImageEmbedding], dims: Int) {
        guard (embedding == nil) != (mapper == nil) else { throw ServiceError.invalid("give an embedding or a mapper (one of them)") }
        let classes = try SearchEngine.networkConcepts(store: store, classSet: classSet)
        let project: (EfficientNetLite.Output) -> [Float]
        let dims: Int
        if let mapper {
            let (info, values) = try store.mapper(named: mapper)
            if try info.parameterValues()["kind"] == "classifier" {
                // A classifier's top classes, softmax-weighted, in its embedding (as the indexer does).
                let head = try ClassHead(store: store, mapper: info, values: values, network: network)
                let space = try SemanticSpace(store: store, embedding: head.embedding, networkClasses: head.classes)
                project = { space.expectation(SemanticProjection.mostProbable(logits: head.logits($0), top: SemanticSpace.topClasses)) }
                dims = space.embedding.dims
            } else {
                let learned = LinearMapper(inputs: info.inputs, outputs: info.outputs, values: values)
                (project, dims) = ({ learned.apply(LinearMapper.feature($0.features)[0]) }, info.outputs)
            }
        } else {
            let (info, rows) = try store.embeddingRowsByKey(named: embedding!)
            let missing = classes.filter { rows[$0.key] == nil }
            guard missing.isEmpty else {
                throw ServiceError.unsuitable("embedding '\(embedding!)' lacks \(missing.count) of the network's classes: \(missing.prefix(5).map(\.label).joined(separator: ", "))")
            }
            let classRows = classes.map { rows[$0.key]! }
            (project, dims) = ({ SemanticProjection.probabilistic(logits: $0.logits, classRows: classRows, top: top) }, info.dims)
        }
        let rows = try images.map { path in
            let output = network.forward(try network.input(try ImageDecoder.decode(file: path), name: path))
            return ImageEmbedding(image: path, embedding: project(output), descriptor: descriptor?.describe(output.features)[0])
        }
        return (rows, dims)
    }

    /// Learns a linear map from photos to an embedding's space and stores it. `progress` sees (epoch, mean 1 − cos, mean cross-entropy).
    public func trainMapper(_ request: MapperTrainingRequest, progress: (Int, Double, Double) -> Void = { _, _, _ in }) throws -> (mapper: LinearMapper, images: Int) {
        let options = request.options
        guard options.crossEntropyWeight >= 0 && options.crossEntropyWeight.isFinite else {
            throw ServiceError.invalid("the cross-entropy weight must be a number ≥ 0")
        }
        try store.checkNameIsFree(request.name, kind: .mapper, replace: request.replace)
        let rows = try store.embeddingRowsByKey(named: request.embedding).rows
        let examples = try Self.labelledImages(folder: request.folder, labels: request.labels)
        let unknown = Set(examples.map(\.wnid)).filter { rows[$0] == nil }.sorted()
        guard unknown.isEmpty else { throw MapperError.unknownClasses(path: request.labels ?? request.folder, wnids: unknown) }
        let classes = Set(examples.map(\.wnid)).sorted()
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var features: [[Float]] = []
        for example in examples {
            let input = try network.input(try ImageDecoder.decode(file: example.path), name: example.path)
            features += LinearMapper.feature(network.forward(input).features)
        }
        var last = 0.0
        let mapper = try LinearMapper.train(features: features, labels: examples.map { classIndex[$0.wnid]! },
                                            classRows: classes.map { rows[$0]! }, options: options) { epoch, loss, crossEntropy in
            last = loss
            progress(epoch, loss, crossEntropy)
        }
        try store.writeMapper(name: request.name, embedding: request.embedding, parameters: [
            "epochs": String(options.epochs), "learning_rate": String(options.learningRate), "seed": String(options.seed),
            "images": String(examples.count), "classes": String(classes.count), "loss": String(last), "feature": "gap-l2", "kind": "regression",
            "cross_entropy_weight": String(options.crossEntropyWeight)],
            inputs: mapper.inputs, outputs: mapper.outputs, values: mapper.values, replace: request.replace)
        return (mapper, examples.count)
    }

    /// (path, wnid) pairs from a labels file ('PATH WNID' lines, paths relative to `folder`) or from sub-folders named by wnid.
    public static func labelledImages(folder: String, labels: String?) throws -> [(path: String, wnid: String)] {
        var result: [(path: String, wnid: String)] = []
        if let labels {
            let text = try String(contentsOfFile: labels, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                let fields = line.split(whereSeparator: \.isWhitespace)
                guard fields.count == 2 else { throw ServiceError.invalid("\(labels):\(number + 1): expected 'PATH WNID'") }
                result.append((folder + "/" + fields[0], String(fields[1])))
            }
        } else {
            result = try NamedClass.folders(in: folder).flatMap { named in named.photos.map { ($0, named.name) } }
        }
        guard !result.isEmpty else { throw MapperError.noImages(labels ?? folder) }
        return result
    }
}
