import Foundation
import TaxonEval
import TaxonModel
import TaxonSearch
import TaxonVision

/// What `taxon eval dataset` is asked: how good would Taxon be on these photos?
public struct DatasetEvaluationRequest: Sendable {
    /// Class folders of training photos, and of test photos (their classes among the training ones); without
    /// test photos, `train` is split: its train/ and test/, else `split` photos per class for training.
    public var train: String
    public var test: String?
    public var split: Int?
    /// A reviewed map file; nil: folder names that are keys of `base` map to themselves, else `taxon classes map` proposes one.
    public var map: String?
    public var base = "wordnet"
    public var method = EmbedMethod.unitsphere
    public var descriptor = Descriptor.gem
    public var validation = 0.1
    public var training = SoftmaxClassifier.Options()
    /// The AHP cut-off (lowered to the test set's size − 1 when that is smaller).
    public var k = 250
    /// A request with the defaults: unitsphere, GeM descriptors, a tenth held out for validation, AHP@250.
    public init(train: String, test: String?) { (self.train, self.test) = (train, test) }
}

/// The answer of `taxon eval dataset`.
public struct DatasetEvaluationReport: Encodable, Sendable {
    /// One ranking's scores on the test photos.
    public struct RankingScores: Encodable, Sendable {
        public let ranking: String
        public let meanAveragePrecision: Double?
        public let meanAhp: Double
    }
    public let rankings: [RankingScores]
    /// The share of test photos whose most probable class is their own.
    public let accuracy: Double
    public let k: Int
    public let classes: Int
    public let newClasses: [String]
    /// Where the mapping came from: "map file", "keys" (folder names are keys) or "proposed" (unreviewed).
    public let mapping: String
    public let testPhotos: Int
    public let training: ClassifierTrainingReport
    public let seconds: Double
}

/// Runs map → extend → train → index → evaluate on throwaway names, and removes them again (cached features stay).
public struct DatasetEvaluation {
    public let vision: VisionService
    /// An evaluation with the vision service's store and network.
    public init(vision: VisionService) { self.vision = vision }

    /// Evaluates; `step` hears each stage as it starts.
    public func run(_ request: DatasetEvaluationRequest, step: (String) -> Void = { _ in }) throws -> DatasetEvaluationReport {
        let store = vision.store, clock = ContinuousClock.now
        let (train, given) = try request.test.map { (try FolderDataset(folder: request.train), try FolderDataset(folder: $0)) }
            ?? FolderDataset.splits(of: request.train, perClass: request.split, seed: request.training.seed)
        guard let test = given, !test.photos.isEmpty else {
            throw ServiceError.invalid("\(request.train): no test photos: give --test, a folder with train/ and test/, or --split")
        }
        let strangers = Set(test.classNames.filter { name in test.photos.contains { $0.className == name } }).subtracting(train.classNames).sorted()
        guard strangers.isEmpty else {
            throw ServiceError.invalid("\(request.test ?? request.train): \(strangers.count) class folder(s) have no training photos: \(strangers.prefix(5).joined(separator: ", "))")
        }
        let base = try store.taxonomy(named: request.base)
        let name = "eval-dataset-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(name + ".tsv").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        step("map")
        var mapPath = request.map, mapping = "map file"
        if mapPath == nil {
            let keysExist = try store.conceptIDs(keys: train.classNames, in: base).allSatisfy { $0 != nil }
            let mappings = keysExist ? nil : try ClassNameMapper(store: store, network: vision.network, classSet: vision.classSet)
                .map(train.classNames.map { name in NamedClass(name: name, photos: train.photos.filter { $0.className == name }.map(\.path)) })
            let lines = mappings.map(ClassNameMapping.tsv) ?? train.classNames.map { "\($0)\t\($0)\t-\t1\tmapped\t-\t-" }.joined(separator: "\n") + "\n"
            try lines.write(toFile: scratch, atomically: true, encoding: .utf8)
            (mapPath, mapping) = (scratch, keysExist ? "keys" : "proposed")
        }

        let collection = name
        defer {
            try? store.delete(.collection, named: collection)
            try? store.delete(.taxonomy, named: name + "-tree")
            try? store.delete(.taxonomy, named: name)
        }
        step("extend")
        var extend = TaxonomyExtensionRequest(base: base.name, map: mapPath!, name: name)
        extend.method = request.method
        let extensionReport = try TaxonomyExtensionBuilder(store: store).extend(extend)

        step("train")
        let keys = ClassKeys(extensionReport.keys)
        var training = ClassifierTrainingRequest(dataset: train, keys: keys, embedding: extensionReport.embedding!, name: name)
        (training.validation, training.options) = (request.validation, request.training)
        let trained = try vision.trainClassifier(training)

        step("index")
        // The test photos' folder: their common root (the given --test, or the split folder).
        let root = test.root
        let indexed = try CollectionService(store: store, classSet: vision.classSet).index(
            folder: root, collection: collection, network: vision.network, descriptor: request.descriptor, embedding: nil, mapper: name,
            folderKeys: keys.keys, only: Set(test.photos.map { String($0.path.dropFirst(root.count + 1)) }), replace: true)
        if let failed = indexed.report.failed.first { throw ServiceError.invalid("\(root)/\(failed.path): \(failed.reason)") }

        step("evaluate")
        var options = EvaluationOptions()
        options.labels = .stored
        let photos = try store.images(in: try store.collection(named: collection), vectors: false)
        let indexedPaths = Set(photos.map { root + "/" + $0.path })
        if let missed = test.photos.first(where: { !indexedPaths.contains($0.path) }) {
            throw ServiceError.invalid("\(missed.path): a test photo the indexer passed over (it does not follow symbolic links): copy the photos")
        }
        let k = min(request.k, photos.count - 1)
        guard k >= 1 else { throw ServiceError.invalid("\(root): at least two test photos are needed") }
        let evaluation = try EvaluationService(store: store).retrieval(
            collection: collection, rankings: [.visual, .semantic, .semanticFirst], alpha: nil, levelWidth: nil, descriptor: nil, options: options, k: k, ndcgK: k)
        let correct = photos.filter { $0.label != nil && $0.topClasses.first?.wnid == $0.label }.count
        return DatasetEvaluationReport(
            rankings: zip(evaluation.labels, evaluation.scores).map { .init(ranking: $0, meanAveragePrecision: $1.meanAveragePrecision, meanAhp: $1.meanAHP) },
            accuracy: Double(correct) / Double(photos.count), k: k, classes: train.classNames.count, newClasses: extensionReport.newClasses.map(\.name),
            mapping: mapping, testPhotos: photos.count, training: trained, seconds: (ContinuousClock.now - clock).inSeconds)
    }
}
