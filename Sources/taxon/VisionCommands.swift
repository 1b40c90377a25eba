import ArgumentParser
import Foundation
import TaxonLinalg
import TaxonSearch
import TaxonStore
import TaxonVision

/// Where the CNN's weights are: --weights, else $TAXON_WEIGHTS, else models/data/ (scripts/setup.sh).
struct WeightsOptions: ParsableArguments {
    @Option(help: "EfficientNet-Lite0 weights (.safetensors; default: $TAXON_WEIGHTS, else models/data/efficientnet-lite0.safetensors).")
    var weights: String?

    var path: String {
        weights ?? ProcessInfo.processInfo.environment["TAXON_WEIGHTS"] ?? "models/data/efficientnet-lite0.safetensors"
    }

    func network() throws -> EfficientNetLite0 { try EfficientNetLite0(weights: try SafeTensors(path: path)) }
}

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify photos into the 1,000 ILSVRC-2012 classes with EfficientNet-Lite0.",
        discussion: """
            Each image is decoded (JPEG or PNG), its shorter side resized to 256 (antialiased), the centre 224 × 224 \
            cropped and scaled to [−1, 1]. The classes are the store's class set (default ilsvrc2012, in the network's \
            class order: make run imports it).
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "JPEG or PNG files.") var images: [String]
    @Option(help: "How many classes per image.") var top = 5
    @Option(help: "The class set naming the network's 1,000 outputs.") var classSet = "ilsvrc2012"
    @Flag(help: "Feed 224 × 224 images to the network unchanged (others are refused).") var noResize = false

    struct Guess: Encodable { let wnid: String; let name: String; let logit: Double; let prob: Double }
    struct Result: Encodable { let image: String; let top: [Guess] }

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard (1...1000).contains(top) else { throw ValidationError("--top must lie in 1...1000") }
    }

    func run() throws {
        BLASKernels.restartIfKernelsMisdetected()
        let classes = try SearchEngine.networkConcepts(store: try store.openExisting(), classSet: classSet)
        let network = try weights.network()
        var results: [Result] = []
        for path in images {
            let input = try Preprocessing.input(try ImageDecoder.decode(file: path), name: path, resize: !noResize)
            let logits = network.forward(input).logits
            let probabilities = softmax(logits)
            let best = (0..<logits.count).sorted { logits[$0] > logits[$1] }.prefix(top)
            results.append(Result(image: path, top: best.map {
                Guess(wnid: classes[$0].key, name: classes[$0].label, logit: Double(logits[$0]), prob: probabilities[$0])
            }))
        }
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

    struct Row: Encodable { let image: String; let embedding: [Float]; let descriptor: [Float]? }

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard (1...1000).contains(top) else { throw ValidationError("--top must lie in 1...1000") }
        if descriptorOut != nil && descriptor == nil { throw ValidationError("--descriptor-out needs --descriptor") }
        guard (embedding == nil) != (mapper == nil) else { throw ValidationError("give --embedding or --mapper (one of them)") }
    }

    func run() throws {
        BLASKernels.restartIfKernelsMisdetected()
        let db = try store.openExisting()
        let classes = try SearchEngine.networkConcepts(store: db, classSet: classSet)
        // The semantic side: a learned mapper, or the softmax over the classes weighting an embedding's rows.
        let project: (EfficientNetLite0.Output) -> [Float]
        let dims: Int
        if let mapper {
            let (info, values) = try db.mapper(named: mapper)
            let learned = LinearMapper(inputs: info.inputs, outputs: info.outputs, values: values)
            (project, dims) = ({ learned.apply(LinearMapper.feature($0.features)[0]) }, info.outputs)
        } else {
            let (info, rows) = try db.embeddingRowsByKey(named: embedding!)
            let missing = classes.filter { rows[$0.key] == nil }
            guard missing.isEmpty else {
                throw CLIError("embedding '\(embedding!)' lacks \(missing.count) of the network's classes: \(missing.prefix(5).map(\.label).joined(separator: ", "))")
            }
            let classRows = classes.map { rows[$0.key]! }
            (project, dims) = ({ [top] in SemanticProjection.probabilistic(logits: $0.logits, classRows: classRows, top: top) }, info.dims)
        }
        let network = try weights.network()
        var rows: [Row] = []
        for path in images {
            let output = network.forward(try Preprocessing.input(try ImageDecoder.decode(file: path), name: path))
            rows.append(Row(image: path, embedding: project(output), descriptor: descriptor?.describe(output.features)[0]))
        }
        if let out { try NPY.write(rows.flatMap(\.embedding), shape: [rows.count, dims], to: out) }
        if let descriptorOut { try NPY.write(rows.flatMap { $0.descriptor ?? [] }, shape: [rows.count, EfficientNetLite0.featureChannels], to: descriptorOut) }
        if out == nil { try printJSON(rows) } else { print("wrote \(out!): \(rows.count) × \(dims)" + (descriptorOut.map { ", \($0): \(rows.count) × 1280" } ?? "")) }
    }
}

extension Descriptor: ExpressibleByArgument {}

struct TrainMapper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-mapper",
        abstract: "Learn a linear map from photos to a class embedding's space (Barz & Denzler's 1 − cos loss) and store it.",
        discussion: """
            DIR holds one sub-folder per class, named by its key (wnid), with .jpg/.jpeg/.png photos; or --labels names \
            'PATH WNID' per line, paths relative to DIR. The feature is the L2-normalised global average of the CNN's last \
            feature map; training uses Adam on mini-batches of 32. Use the mapper with taxon embed-image --mapper.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @Argument(help: "The labelled photos.") var directory: String
    @Option(help: "The class embedding to map into.") var embedding: String
    @Option(help: "A labels file instead of sub-folders.") var labels: String?
    @Option(help: "The mapper's name.") var name: String
    @Option(help: "Epochs.") var epochs = 100
    @Option(help: "Adam's learning rate.") var learningRate = 1e-3
    @Option(help: "λ: adds λ × the softmax cross-entropy of a classification layer on the embedding (Barz & Denzler used 0.1).")
    var crossEntropyWeight = 0.0
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Flag(help: "Replace a mapper of that name.") var replace = false

    func run() throws {
        BLASKernels.restartIfKernelsMisdetected()
        guard crossEntropyWeight >= 0 && crossEntropyWeight.isFinite else { throw CLIError("--cross-entropy-weight must be a number ≥ 0") }
        let db = try store.openExisting()
        try db.checkNameIsFree(name, kind: .mapper, replace: replace)
        let rows = try db.embeddingRowsByKey(named: embedding).rows
        let examples = try labelledImages()
        let unknown = Set(examples.map(\.wnid)).filter { rows[$0] == nil }.sorted()
        guard unknown.isEmpty else { throw MapperError.unknownClasses(path: labels ?? directory, wnids: unknown) }
        let network = try weights.network()
        let classes = Set(examples.map(\.wnid)).sorted()
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var features: [[Float]] = []
        for example in examples {
            let input = try Preprocessing.input(try ImageDecoder.decode(file: example.path), name: example.path)
            features += LinearMapper.feature(network.forward(input).features)
        }
        var options = LinearMapper.Options()
        options.epochs = epochs
        options.learningRate = learningRate
        options.seed = seed
        options.crossEntropyWeight = crossEntropyWeight
        var last = 0.0
        let mapper = try LinearMapper.train(features: features, labels: examples.map { classIndex[$0.wnid]! },
                                            classRows: classes.map { rows[$0]! }, options: options) { epoch, loss, crossEntropy in
            last = loss
            guard epoch % 20 == 0 || epoch == epochs else { return }
            print("epoch \(epoch)  mean 1 − cos \(String(format: "%.5f", loss))"
                  + (crossEntropyWeight > 0 ? "  mean cross-entropy \(String(format: "%.5f", crossEntropy))" : ""))
        }
        try db.writeMapper(name: name, embedding: embedding, parameters: [
            "epochs": String(epochs), "learning_rate": String(learningRate), "seed": String(seed), "images": String(examples.count),
            "classes": String(classes.count), "loss": String(last), "feature": "gap-l2", "cross_entropy_weight": String(crossEntropyWeight)],
            inputs: mapper.inputs, outputs: mapper.outputs, values: mapper.values, replace: replace)
        print("stored mapper \(name): \(mapper.inputs) → \(mapper.outputs) into \(embedding), trained on \(examples.count) photos")
    }

    /// (path, wnid) pairs from the labels file or the sub-folders.
    func labelledImages() throws -> [(path: String, wnid: String)] {
        let images = [".jpg", ".jpeg", ".png"]
        var result: [(path: String, wnid: String)] = []
        if let labels {
            let text = try String(contentsOfFile: labels, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                let fields = line.split(whereSeparator: \.isWhitespace)
                guard fields.count == 2 else { throw CLIError("\(labels):\(number + 1): expected 'PATH WNID'") }
                result.append((directory + "/" + fields[0], String(fields[1])))
            }
        } else {
            let manager = FileManager.default
            guard let folders = try? manager.contentsOfDirectory(atPath: directory) else { throw CLIError("\(directory): no such folder") }
            for folder in folders.sorted() {
                let path = directory + "/" + folder
                guard let files = try? manager.contentsOfDirectory(atPath: path) else { continue }  // a file, not a folder
                for file in files.sorted() where images.contains(where: { file.lowercased().hasSuffix($0) }) {
                    result.append((path + "/" + file, folder))
                }
            }
        }
        guard !result.isEmpty else { throw MapperError.noImages(labels ?? directory) }
        return result
    }
}
