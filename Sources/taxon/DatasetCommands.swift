import ArgumentParser
import Foundation
import TaxonEval
import TaxonKit
import TaxonModel
import TaxonVision

/// Where a collection's photo labels come from, as `index` and `eval` take it.
struct LabelOptions: ParsableArguments {
    @Option(help: """
        Labels: file-names (<wnid>_…, the default), folders (the first folder under the collection's folder, as in \
        torchvision's ImageFolder), stored (given at indexing or over the API), or a 'PATH WNID' file.
        """)
    var labels: String?
    @Option(help: "With --labels folders: a reviewed map file (taxon classes map) turning folder names into keys (default: folder names are keys).")
    var map: String?

    /// The label source; a map file is resolved in the store's default taxonomy.
    func source(store: @autoclosure () throws -> any Store) throws -> LabelSource {
        if map != nil && labels != "folders" { throw ValidationError("--map goes with --labels folders") }
        switch labels {
        case nil, "file-names": return .fileNames
        case "folders": return .folders(keys: try folderKeys(store: store()) ?? [:])
        case "stored": return .stored
        case let path?: return .file(path)
        }
    }

    /// The map's folder → key pairs, if a map was given.
    func folderKeys(store: any Store) throws -> [String: String]? {
        try map.map { try ClassKeys(map: $0, store: store).keys }
    }
}

struct TaxonomyCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taxonomy", abstract: "Extend a taxonomy with classes of your own.", subcommands: [TaxonomyExtend.self])
}

struct TaxonomyExtend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Build a class set from a reviewed map file, with new names as children of their parents, without changing the base.",
        discussion: """
            Reads the map file of taxon classes map after review. Mapped names become classes as they are; names marked \
            new become concepts of the extension (key: new: and the folded name) under their parent. The extension (--name) reads \
            the base's concepts and edges; the class set has the same name. Then the tree above the classes (NAME-tree) and \
            a class embedding over it (NAME; --method none for neither). Details: docs/CLASSES.md.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The taxonomy extended.") var base = "wordnet"
    @Option(help: "The reviewed map file.") var map: String
    @Option(help: "The name of the extension, its class set and its embedding.") var name: String
    @Option(help: "The embedding made over the classes: unitsphere, approx-sim, sparse … or none.") var method = "unitsphere"
    @Flag(help: "Replace an extension, class set, tree or embedding of that name.") var replace = false

    func run() throws {
        var request = TaxonomyExtensionRequest(base: base, map: map, name: name)
        if method == "none" { request.method = nil } else {
            guard let parsed = EmbedMethod(rawValue: method) else { throw ValidationError("unknown method '\(method)'") }
            request.method = parsed
        }
        request.replace = replace
        let report = try TaxonomyExtensionBuilder(store: try store.openExisting()).extend(request)
        if output.json { return try printJSON(report) }
        print("extension \(report.taxonomy) of \(report.base): \(report.classes) classes, \(report.newClasses.count) new")
        for new in report.newClasses { print("  \(new.concept)  (\(new.key)) under \(new.parent)") }
        if let tree = report.tree, let embedding = report.embedding { print("tree \(tree), embedding \(embedding)") }
    }
}

struct EvalDataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "How good would Taxon be on your photos: map, extend, train, index and evaluate on throwaway names.",
        discussion: """
            --train and --test hold one folder per class; without --test, --train is split: its train/ and test/ folders, \
            else --split photos of each class (a seeded shuffle) for training and the rest for test. Folder names are mapped by --map (a reviewed map file), else they \
            are keys of --base, else taxon classes map proposes a mapping (unreviewed). A classifier is trained on --train \
            (features cached in the store), --test is indexed with it, and every test photo is a query: mean average \
            precision and mean AHP@k (k lowered to the test photos − 1 when fewer) per ranking, and the accuracy of the \
            photos' most probable class. Everything made is deleted afterwards except the cached features.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Training photos, one folder per class.") var train: String
    @Option(help: "Test photos, one folder per class.") var test: String?
    @Option(help: "Without --test: this many photos per class train, the rest test.") var split: Int?
    @Option(help: "A reviewed map file.") var map: String?
    @Option(help: "The taxonomy the classes are mapped into.") var base = "wordnet"
    @Option(help: "The class embedding: unitsphere, approx-sim, sparse …") var embedding = "unitsphere"
    @Option(help: "The AHP cut-off.") var k = 250
    @Option(help: "The share of training photos held out to choose the epoch.") var validation = 0.1
    @Option(help: "Seed of the validation split and of training.") var seed: UInt64 = 1

    func run() throws {
        guard let method = EmbedMethod(rawValue: embedding) else { throw ValidationError("unknown embedding method '\(embedding)'") }
        var request = DatasetEvaluationRequest(train: train, test: test)
        (request.map, request.base, request.method, request.k, request.validation, request.split) = (map, base, method, k, validation, split)
        request.training.seed = seed
        let vision = VisionService(store: try store.openExisting(), network: try weights.network(), networkDigest: try weights.digest())
        let report = try DatasetEvaluation(vision: vision).run(request) { note("\($0)…") }
        if output.json { return try printJSON(report) }
        print("\(report.classes) classes (\(report.newClasses.count) new, mapping: \(report.mapping)), \(report.training.trainingPhotos) training photos, "
              + "\(report.testPhotos) test photos; accuracy \(String(format: "%.4f", report.accuracy))")
        for score in report.rankings {
            print("  \(score.ranking.padding(toLength: 15, withPad: " ", startingAt: 0))  mAP \(score.meanAveragePrecision.map { String(format: "%.4f", $0) } ?? "-")"
                  + "  mAHP@\(report.k) \(String(format: "%.4f", score.meanAhp))")
        }
    }
}

struct EvalStyle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "style",
        abstract: "The style benchmark: photos rendered in reproducible styles; mAP by style and by object per facet, and facet inference.",
        discussion: """
            Samples --photos photos of DIR (class folders, or file names starting with the class), renders each in one of the \
            first --styles styles (greyscale, sepia, posterised, inverted, blurred, pencil, hue-rotated; balanced and seeded), \
            and describes it by every facet: semantic (the class embedding), visual (GeM), style (Gram matrices, PCA) and colour \
            (CIELAB histograms). Every photo is a query over the others, relevant when it shares the style, or the object. \
            Facet inference: sets of three photos sharing a style but not an object (right: style) or an object but not a style \
            (right: semantic). In memory; nothing is written to the store.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The photos.") var folder: String
    @Option(help: "How many styles (2–7).") var styles = RenderedStyle.allCases.count
    @Option(help: "How many photos.") var photos = 2_100
    @Option(help: "The seed of the sample, the styles and the example sets.") var seed: UInt64 = 1
    @Option(help: "The class embedding of the semantic facet.") var embedding = "unitsphere"
    @Option(help: "Example sets of each kind for facet inference.") var sets = 200
    @Option(help: "The style descriptor's dimensions after PCA.") var styleDims = 256

    func run() throws {
        var request = StyleEvaluationRequest(folder: folder)
        (request.styles, request.photos, request.seed, request.embedding, request.sets, request.styleDims) = (styles, photos, seed, embedding, sets, styleDims)
        let vision = VisionService(store: try store.openExisting(), network: try weights.network())
        let report = try StyleEvaluation(vision: vision).run(request) { note("\($0)…") }
        if output.json { return try printJSON(report) }
        print("\(report.photos) photos of \(report.objects) objects in \(report.styles.count) styles")
        for facet in report.facets {
            print("  \(facet.facet.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  mAP by style \(String(format: "%.4f", facet.mapByStyle))"
                  + "  by object \(String(format: "%.4f", facet.mapByObject))")
        }
        print("facet inference right \(String(format: "%.1f", report.inferenceAccuracy * 100)) % (style sets \(String(format: "%.1f", report.styleSets.accuracy * 100)) %, "
              + "object sets \(String(format: "%.1f", report.objectSets.accuracy * 100)) %)")
    }
}

struct MakeStyleSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-style-set",
        abstract: "Write the style benchmark's renderings as photos: OUT/STYLE/OBJECT_N.jpg.",
        discussion: "The same sample and styles as taxon eval style with the same options, as files to index and search (docs/EVALUATION.md).")
    @Argument(help: "The photos (class folders, or file names starting with the class).") var folder: String
    @Option(help: "Where to write them.") var out: String
    @Option(help: "How many styles (2–7).") var styles = RenderedStyle.allCases.count
    @Option(help: "How many photos.") var photos = 2_100
    @Option(help: "The seed of the sample and the styles.") var seed: UInt64 = 1

    func run() throws {
        var request = StyleEvaluationRequest(folder: folder)
        (request.styles, request.photos, request.seed) = (styles, photos, seed)
        let written = try StyleEvaluation.writeStyleSet(request, to: out)
        note("wrote \(written) photos in \(styles) styles to \(out)")
    }
}
