import Foundation
import TaxonLinalg
import TaxonModel
import TaxonSearch
import TaxonVision

/// What `train-mapper` (with its default classifier head) is asked to learn.
public struct ClassifierTrainingRequest: Sendable {
    /// The training photos.
    public var dataset: FolderDataset
    /// Class folder names → concept keys of the embedding's class set.
    public var keys: ClassKeys
    /// The embedding whose class set the classifier names (and whose space the photos are put into).
    public var embedding: String
    public var name: String
    /// The share of each class's photos held out to choose the epoch (0: none; training then runs every epoch).
    public var validation = 0.1
    /// Train again on the training and validation photos together for the kept number of epochs, and store that.
    public var refit = true
    public var options = SoftmaxClassifier.Options()
    public var replace = false
    /// A request with the default options.
    public init(dataset: FolderDataset, keys: ClassKeys, embedding: String, name: String) {
        (self.dataset, self.keys, self.embedding, self.name) = (dataset, keys, embedding, name)
    }
}

/// What training did: the data, the learning curve, the epoch kept and how long the features and training took.
public struct ClassifierTrainingReport: Encodable, Sendable {
    public let mapper: String
    public let embedding: String
    public let classes: Int
    public let trainingPhotos: Int
    public let validationPhotos: Int
    /// Features read from the store's cache, and computed by the network (and cached).
    public let cachedFeatures: Int
    public let computedFeatures: Int
    public let featureSeconds: Double
    public let trainingSeconds: Double
    public let curve: [SoftmaxClassifier.Epoch]
    public let keptEpoch: Int
    /// The kept epoch's validation accuracy (nil without validation photos).
    public let validationAccuracy: Double?
    /// Whether the stored classifier was trained again on the training and validation photos for the kept epochs.
    public let refit: Bool
}

extension VisionService {
    /// The classifier feature of each photo (GeM, L2-normalised), from the store's cache where the same bytes
    /// went through the same network before, else computed on both cores and cached. `progress` sees (done, total).
    public func classifierFeatures(_ paths: [String], progress: (Int, Int) -> Void = { _, _ in }) throws -> (features: [[Float]], cached: Int) {
        guard let networkDigest else { throw ServiceError.invalid("the network's weights digest is unknown: features cannot be cached") }
        let cacheKey = networkDigest + "/gem-l2"
        var features: [[Float]] = [], cached = 0
        for start in stride(from: 0, to: paths.count, by: 64) {
            let chunk = Array(paths[start..<min(start + 64, paths.count)])
            let files = try parallelMap(chunk) { path -> (Data, String) in
                guard let data = FileManager.default.contents(atPath: path) else { throw ServiceError.missing("\(path): cannot read the photo") }
                return (data, ContentHash.sha256(data))
            }
            var known = try store.cachedFeatures(network: cacheKey, hashes: files.map(\.1))
            cached += files.filter { known[$0.1] != nil }.count
            let missing = files.indices.filter { known[files[$0].1] == nil }
            for group in stride(from: 0, to: missing.count, by: 16) {
                let indices = Array(missing[group..<min(group + 16, missing.count)])
                let size = network.inputSize
                let inputs = try parallelMap(indices) { n in try ImageAnalyzer.prepare(files[n].0, name: chunk[n], size: size).input }
                let computed = SoftmaxClassifier.features(network.forward(Preprocessing.batch(inputs)).features)
                try store.cacheFeatures(network: cacheKey, zip(indices, computed).map { (files[$0].1, $1) })
                for (n, feature) in zip(indices, computed) { known[files[n].1] = feature }
            }
            features += files.map { known[$0.1]! }
            progress(min(start + 64, paths.count), paths.count)
        }
        return (features, cached)
    }

    /// Trains a softmax classifier over the embedding's classes on frozen features and stores it as a mapper
    /// (kind "classifier"): indexing with it names each photo's classes in that class set and puts the photo into
    /// the embedding's space. `progress` sees each epoch of the learning curve.
    public func trainClassifier(_ request: ClassifierTrainingRequest, featureProgress: (Int, Int) -> Void = { _, _ in },
                                progress: (SoftmaxClassifier.Epoch) -> Void = { _ in }) throws -> ClassifierTrainingReport {
        guard (0..<1).contains(request.validation) else { throw ServiceError.invalid("the validation share must lie in [0, 1)") }
        try store.checkNameIsFree(request.name, kind: .mapper, replace: request.replace)
        let embedding = try store.embeddingInfo(named: request.embedding)
        let classes = try store.classMembers(of: embedding.classSet).map(\.key)
        let position = Dictionary(classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let keys = try request.keys.keys(of: request.dataset.classNames, source: request.dataset.root)
        let outside = zip(request.dataset.classNames, keys).filter { position[$1] == nil }.map { "\($0) (\($1))" }
        guard outside.isEmpty else {
            throw ServiceError.unsuitable("\(outside.count) class(es) are not classes of embedding '\(embedding.name)' (class set \(embedding.classSet)): "
                                          + outside.prefix(5).joined(separator: ", ") + " (folder names must be its keys, or give the reviewed map file)")
        }
        let label = Dictionary(uniqueKeysWithValues: zip(request.dataset.classNames, keys).map { ($0, position[$1]!) })
        let (kept, heldOut) = request.dataset.holdOut(request.validation, seed: request.options.seed)
        let clock = ContinuousClock.now
        let (features, cached) = try classifierFeatures((kept.photos + heldOut.photos).map(\.path), progress: featureProgress)
        let featureSeconds = (ContinuousClock.now - clock).inSeconds
        let trainingClock = ContinuousClock.now
        let labels = (kept.photos + heldOut.photos).map { label[$0.className]! }
        var (classifier, curve, keptEpoch) = try SoftmaxClassifier.train(
            features: Array(features.prefix(kept.photos.count)), labels: Array(labels.prefix(kept.photos.count)), classes: classes.count,
            validation: (Array(features.dropFirst(kept.photos.count)), Array(labels.dropFirst(kept.photos.count))), options: request.options,
            progress: progress)
        let refit = request.refit && !heldOut.photos.isEmpty
        if refit {
            var options = request.options
            options.epochs = keptEpoch
            classifier = try SoftmaxClassifier.train(features: features, labels: labels, classes: classes.count, validation: ([], []), options: options).classifier
        }
        let trainingSeconds = (ContinuousClock.now - trainingClock).inSeconds
        let accuracy = curve.first { $0.epoch == keptEpoch }?.validationAccuracy
        let o = request.options
        try store.writeMapper(name: request.name, embedding: embedding.name, parameters: [
            "kind": "classifier", "feature": "gem-l2", "network": networkDigest ?? "", "backbone": network.variant.rawValue, "images": String(kept.photos.count),
            "validation_images": String(heldOut.photos.count), "classes_trained": String(request.dataset.classNames.count),
            "epochs": String(o.epochs), "kept_epoch": String(keptEpoch), "learning_rate": String(o.learningRate), "batch": String(o.batch),
            "seed": String(o.seed), "weight_decay": String(o.weightDecay), "patience": String(o.patience),
            "validation_accuracy": accuracy.map { String($0) } ?? "-", "refit": String(refit)],
            inputs: classifier.inputs, outputs: classifier.classes, values: classifier.values, replace: request.replace)
        return ClassifierTrainingReport(mapper: request.name, embedding: embedding.name, classes: classes.count, trainingPhotos: kept.photos.count,
                                        validationPhotos: heldOut.photos.count, cachedFeatures: cached, computedFeatures: features.count - cached,
                                        featureSeconds: featureSeconds, trainingSeconds: trainingSeconds, curve: curve, keptEpoch: keptEpoch,
                                        validationAccuracy: accuracy, refit: refit)
    }
}
