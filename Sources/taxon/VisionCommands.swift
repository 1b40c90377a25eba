import ArgumentParser
import Foundation
import TaxonKit
import TaxonLinalg
import TaxonModel
import TaxonVision

/// Where the CNN's weights are: --weights, else $TAXON_WEIGHTS, else models/data/ (scripts/setup.sh).
struct WeightsOptions: ParsableArguments {
    @Option(help: """
        EfficientNet-Lite0 or -Lite2 weights (.safetensors; default: $TAXON_WEIGHTS, else \
        models/data/efficientnet-lite0.safetensors; scripts/setup.sh also fetches models/data/efficientnet-lite2.safetensors).
        """)
    var weights: String?

    var path: String {
        weights ?? ProcessInfo.processInfo.environment["TAXON_WEIGHTS"] ?? "models/data/efficientnet-lite0.safetensors"
    }

    func network() throws -> EfficientNetLite { try VisionService.network(weights: path) }

    /// The weights file's SHA-256 (it keys cached features).
    func digest() throws -> String { try VisionService.weightsDigest(path) }
}

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify photos into the 1,000 ILSVRC-2012 classes with EfficientNet-Lite0 (or Lite2: --weights).",
        discussion: """
            Each image is decoded (JPEG or PNG), its shorter side resized to 256 (antialiased), the centre 224 × 224 (Lite2: 292, 260 × 260) \
            cropped and scaled to [−1, 1]. The classes are the store's class set (default ilsvrc2012, in the network's \
            class order: make run imports it).
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "JPEG or PNG files.") var images: [String]
    @Option(help: "How many classes per image.") var top = 5
    @Option(help: "The class set naming the network's 1,000 outputs.") var classSet = "ilsvrc2012"
    @Flag(help: "Feed images of the network's input size (224 × 224; Lite2: 260 × 260) unchanged (others are refused).") var noResize = false

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard (1...1000).contains(top) else { throw ValidationError("--top must lie in 1...1000") }
    }

    func run() throws {
        let vision = VisionService(store: try store.openExisting(), network: try weights.network(), classSet: classSet)
        let results = try vision.classify(images, top: top, resize: !noResize)
        if output.json { return try printJSON(results) }
        for result in results {
            print(result.image)
            for guess in result.top { print(String(format: "  %.4f  %8.4f  ", guess.prob, guess.logit) + "\(guess.name)  \(guess.wnid)") }
        }
    }
}

struct EmbedImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed-image",
        abstract: "Photos into a class embedding's space (softmax-weighted class rows, or a learned mapper), and their visual descriptors.",
        discussion: """
            With --embedding, the semantic embedding of an image is the sum of the embedding's class rows weighted by the \
            network's softmax over its --top classes (renormalised), L2-normalised; with --mapper, the learned linear map \
            of its pooled feature (taxon train-mapper), L2-normalised. --descriptor adds a visual descriptor of the \
            last feature map (gap, gem, mac or rmac, L2-normalised). --out writes the semantic rows as float32 .npy \
            (and --descriptor-out the descriptors); otherwise JSON is printed.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @Argument(help: "JPEG or PNG files.") var images: [String]
    @Option(help: "A class embedding of the ILSVRC-2012 classes (unitsphere, approx-sim, devise, …).") var embedding: String?
    @Option(help: "A mapper (taxon train-mapper) instead: its learned map into its embedding's space.") var mapper: String?
    @Option(help: "gap, gem, mac or rmac.") var descriptor: Descriptor?
    @Option(help: "Classes weighted per image.") var top = 10
    @Option(help: "The class set naming the network's 1,000 outputs.") var classSet = "ilsvrc2012"
    @Option(help: "Write the semantic rows here (.npy, float32).") var out: String?
    @Option(help: "Write the descriptors here (.npy, float32).") var descriptorOut: String?

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard (1...1000).contains(top) else { throw ValidationError("--top must lie in 1...1000") }
        if descriptorOut != nil && descriptor == nil { throw ValidationError("--descriptor-out needs --descriptor") }
        guard (embedding == nil) != (mapper == nil) else { throw ValidationError("give --embedding or --mapper (one of them)") }
    }

    func run() throws {
        let vision = VisionService(store: try store.openExisting(), network: try weights.network(), classSet: classSet)
        let (rows, dims) = try vision.embed(images, embedding: embedding, mapper: mapper, descriptor: descriptor, top: top)
        if let out { try NPY.write(rows.flatMap(\.embedding), shape: [rows.count, dims], to: out) }
        if let descriptorOut { try NPY.write(rows.flatMap { $0.descriptor ?? [] }, shape: [rows.count, EfficientNetLite.featureChannels], to: descriptorOut) }
        if out == nil { try printJSON(rows) } else { print("wrote \(out!): \(rows.count) × \(dims)" + (descriptorOut.map { ", \($0): \(rows.count) × 1280" } ?? "")) }
    }
}

/// The two kinds of mapper train-mapper learns.
enum MapperHead: String, ExpressibleByArgument {
    case classifier, regression
}

struct TrainMapper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-mapper",
        abstract: "Learn a mapper from photos into a class embedding's classes and space, and store it.",
        discussion: """
            DIR holds one sub-folder per class (DIR/train/ if there is one; --split N trains on N photos of each class, \
            the seeded shuffle taxon eval dataset --split cuts): folder names are keys of the embedding's \
            classes, or --map (a reviewed map file) turns them into keys. --head classifier (the default) trains a softmax \
            classifier over the embedding's classes on frozen GeM features, cached in the store (a second run does not \
            run the network), holding out --validation of each class to keep the best epoch and stop after --patience \
            epochs without a better validation loss, then training again on all the photos for that many epochs (unless \
            --no-refit); taxon index --mapper names photos' classes with it and puts them \
            into the embedding. --head regression learns Barz & Denzler's linear map into the embedding (1 − cos loss, \
            GAP features; --labels may name 'PATH WNID' lines instead of folders) for taxon embed-image --mapper.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The labelled photos.") var directory: String
    @Option(help: "The class embedding to map into.") var embedding: String
    @Option(help: "classifier or regression.") var head = MapperHead.classifier
    @Option(help: "A reviewed map file turning folder names into keys (classifier).") var map: String?
    @Option(help: "Train on this many photos of each class (a seeded shuffle; classifier).") var split: Int?
    @Option(help: "A labels file instead of sub-folders (regression).") var labels: String?
    @Option(help: "The mapper's name.") var name: String
    @Option(help: "Epochs (at most, for the classifier).") var epochs = 100
    @Option(help: "Adam's learning rate (default: 0.01 for the classifier, 0.001 for the regression).") var learningRate: Double?
    @Option(help: "The share of each class's photos held out for validation (classifier).") var validation = 0.1
    @Option(help: "Epochs without a better validation loss before stopping (classifier).") var patience = 5
    @Flag(inversion: .prefixedNo, help: "Train again on training and validation photos for the kept epochs (classifier).") var refit = true
    @Option(help: "L2 weight decay (classifier).") var weightDecay = 0.0
    @Option(help: "λ: adds λ × the softmax cross-entropy of a classification layer on the embedding (regression; Barz & Denzler used 0.1).")
    var crossEntropyWeight = 0.0
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Flag(help: "Replace a mapper of that name.") var replace = false

    func validate() throws {
        guard crossEntropyWeight >= 0 && crossEntropyWeight.isFinite else { throw ValidationError("--cross-entropy-weight must be a number ≥ 0") }
        if head == .classifier && labels != nil { throw ValidationError("--labels goes with --head regression; the classifier reads class folders (and --map)") }
        if head == .regression && map != nil { throw ValidationError("--map goes with --head classifier") }
    }

    func run() throws {
        let opened = try store.openExisting()
        if head == .regression { return try regression(opened) }
        let dataset = try FolderDataset.splits(of: directory, perClass: split, seed: seed).train
        let keys = try map.map { try ClassKeys(map: $0, store: opened) } ?? ClassKeys(identity: dataset.classNames)
        var request = ClassifierTrainingRequest(dataset: dataset, keys: keys, embedding: embedding, name: name)
        (request.validation, request.replace, request.refit) = (validation, replace, refit)
        (request.options.epochs, request.options.seed, request.options.patience, request.options.weightDecay) = (epochs, seed, patience, weightDecay)
        if let learningRate { request.options.learningRate = learningRate }
        let vision = VisionService(store: opened, network: try weights.network(), networkDigest: try weights.digest())
        let bar = ProgressBar()
        let report = try vision.trainClassifier(request, featureProgress: { bar.show($0, of: $1) }) { epoch in
            guard !output.json else { return }
            print("epoch \(epoch.epoch)  training loss \(String(format: "%.4f", epoch.trainingLoss))"
                  + (epoch.validationLoss.map { "  validation loss \(String(format: "%.4f", $0))" } ?? "")
                  + (epoch.validationAccuracy.map { "  validation accuracy \(String(format: "%.4f", $0))" } ?? ""))
        }
        bar.finish()
        if output.json { return try printJSON(report) }
        print("stored mapper \(name): a classifier over the \(report.classes) classes of \(embedding), kept epoch \(report.keptEpoch)"
              + (report.validationAccuracy.map { String(format: " (validation accuracy %.4f)", $0) } ?? "")
              + (report.refit ? ", then refit on all \(report.trainingPhotos + report.validationPhotos) photos" : "")
              + "; \(report.trainingPhotos) training and \(report.validationPhotos) validation photos, features \(report.cachedFeatures) cached and "
              + "\(report.computedFeatures) computed in \(String(format: "%.1f", report.featureSeconds)) s, training \(String(format: "%.1f", report.trainingSeconds)) s")
    }

    private func regression(_ opened: any Store) throws {
        var request = MapperTrainingRequest(folder: directory, embedding: embedding, name: name)
        request.labels = labels
        request.replace = replace
        (request.options.epochs, request.options.learningRate, request.options.seed) = (epochs, learningRate ?? 1e-3, seed)
        request.options.crossEntropyWeight = crossEntropyWeight
        let vision = VisionService(store: opened, network: try weights.network())
        let (mapper, count) = try vision.trainMapper(request) { epoch, loss, crossEntropy in
            guard epoch % 20 == 0 || epoch == epochs else { return }
            print("epoch \(epoch)  mean 1 − cos \(String(format: "%.5f", loss))"
                  + (crossEntropyWeight > 0 ? "  mean cross-entropy \(String(format: "%.5f", crossEntropy))" : ""))
        }
        print("stored mapper \(name): \(mapper.inputs) → \(mapper.outputs) into \(embedding), trained on \(count) photos")
    }
}
