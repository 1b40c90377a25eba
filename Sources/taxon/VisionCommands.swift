import ArgumentParser
import Foundation
import TaxonLinalg
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
        BLASKernels.restartWithAVX2KernelsIfMisdetected()
        let classes = try store.openExisting().classMembers(of: classSet)
        guard classes.count == EfficientNetLite0.classes else {
            throw CLIError("class set '\(classSet)' has \(classes.count) classes, the network \(EfficientNetLite0.classes)")
        }
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
        abstract: "Photos into a class embedding's space (softmax-weighted class rows), and their visual descriptors.",
        discussion: """
            The semantic embedding of an image is the sum of the embedding's class rows weighted by the network's \
            softmax over its --top classes (renormalised), L2-normalised. --descriptor adds a visual descriptor of the \
            last feature map (gap, gem, mac or rmac, L2-normalised). --out writes the semantic rows as float32 .npy \
            (and --descriptor-out the descriptors); otherwise JSON is printed.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @Argument(help: "JPEG or PNG files.") var images: [String]
    @Option(help: "A class embedding of the ILSVRC-2012 classes (unitsphere, approx-sim, devise, …).") var embedding: String
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
    }

    func run() throws {
        BLASKernels.restartWithAVX2KernelsIfMisdetected()
        let db = try store.openExisting()
        let classes = try db.classMembers(of: classSet)
        guard classes.count == EfficientNetLite0.classes else {
            throw CLIError("class set '\(classSet)' has \(classes.count) classes, the network \(EfficientNetLite0.classes)")
        }
        let (info, values) = try db.embedding(named: embedding)
        let row = Dictionary(try db.classMembers(of: info.classSet).enumerated().map { ($1.key, $0) }) { first, _ in first }
        let missing = classes.filter { row[$0.key] == nil }
        guard missing.isEmpty else {
            throw CLIError("embedding '\(embedding)' lacks \(missing.count) of the network's classes: \(missing.prefix(5).map(\.label).joined(separator: ", "))")
        }
        let classRows = classes.map { Array(values[(row[$0.key]! * info.dims)..<((row[$0.key]! + 1) * info.dims)]) }
        let network = try weights.network()
        var rows: [Row] = []
        for path in images {
            let output = network.forward(try Preprocessing.input(try ImageDecoder.decode(file: path), name: path))
            rows.append(Row(image: path, embedding: SemanticProjection.probabilistic(logits: output.logits, classRows: classRows, top: top),
                            descriptor: descriptor?.describe(output.features)[0]))
        }
        if let out { try NPY.write(rows.flatMap(\.embedding), shape: [rows.count, info.dims], to: out) }
        if let descriptorOut { try NPY.write(rows.flatMap { $0.descriptor ?? [] }, shape: [rows.count, EfficientNetLite0.featureChannels], to: descriptorOut) }
        if out == nil { try printJSON(rows) } else { print("wrote \(out!): \(rows.count) × \(info.dims)" + (descriptorOut.map { ", \($0): \(rows.count) × 1280" } ?? "")) }
    }
}

extension Descriptor: ExpressibleByArgument {}
