import Foundation
import TaxonCore
import TaxonEmbed
import TaxonSearch
import TaxonModel
import TaxonVision

/// A collection that cannot be evaluated as asked: unlabelled images, labels outside the taxonomy, no taxonomy to grade with.
public enum EvaluationError: TaxonError, Equatable {
    public var kind: ErrorKind { .unprocessable }
    case unlabelled(count: Int, examples: [String], taxonomy: String)
    case badLabelsLine(path: String, line: Int)
    case noTree(collection: String)

    public var description: String {
        switch self {
        case let .unlabelled(count, examples, taxonomy):
            return "\(count) image(s) have no label that is a class of '\(taxonomy)': \(examples.joined(separator: ", "))\(count > examples.count ? ", …" : "") "
                + "(labels come from file names <wnid>_… or --labels; --skip-unlabelled leaves them out)"
        case let .badLabelsLine(path, line): return "\(path):\(line): expected 'PATH WNID'"
        case let .noTree(collection): return "collection '\(collection)' has no embedding to take the taxonomy from: give --tree"
        }
    }
}

/// Where the true label of each photo of a collection comes from.
public enum LabelSource: Sendable, Equatable {
    /// The file name's prefix: `<wnid>_…`.
    case fileNames
    /// A 'PATH WNID' file, paths relative to the collection's folder.
    case file(String)
    /// The first folder of the path (torchvision's ImageFolder), turned into a key by `keys` (a folder not in it is its own key).
    case folders(keys: [String: String])
    /// The labels stored with the photos (taxon index --labels folders, or set over the API).
    case stored

    /// The key a photo's file name starts with (`n02123045_1.jpg` → n02123045).
    public static func fileNameKey(of path: String) -> String {
        String((path as NSString).lastPathComponent.split(separator: "_").first ?? "")
    }

    /// The key of a photo's first folder (`path` relative to the collection's folder): its key in `keys`, else
    /// the folder name itself; nil for a photo directly in the collection's folder.
    public static func folderKey(of path: String, keys: [String: String]) -> String? {
        guard let slash = path.firstIndex(of: "/") else { return nil }
        let folder = String(path[..<slash])
        return keys[folder] ?? folder
    }
}

/// How a collection is evaluated: which embedding gives the semantic side,
/// which measure on which taxonomy grades relevance, where labels come from.
public struct EvaluationOptions: Sendable {
    /// The embedding of the semantic rankings (nil: the collection's own).
    public var embedding: String?
    public var measure: Measure = .lcsHeight
    /// The taxonomy relevance is measured on (nil: the one behind the embedding).
    public var tree: String?
    public var labels = LabelSource.fileNames
    public var skipUnlabelled = false
    /// PCA-whiten the descriptors to this many dimensions, learned on the collection (no labels used).
    public var whiten: Int?
    /// The class set naming the network's outputs (to re-project stored top classes).
    public var networkClassSet = "ilsvrc2012"
    /// lcs-height relevance on the collection's own embedding and its taxonomy, labels from file names.
    public init() {}
}

extension RetrievalBenchmark {
    /// A collection's images, labelled, with relevance graded by `options.measure`.
    /// Another embedding than the collection's is applied to the images'
    /// stored top classes (no network run). Relevance between classes: for
    /// lcs-height, Barz & Denzler's similarity on the hierarchy induced in the
    /// taxonomy by the embedding's classes; for the NLTK measures, the measure
    /// on the whole taxonomy (none → 0).
    public static func load(store: Store, collection name: String, options: EvaluationOptions) throws -> (benchmark: RetrievalBenchmark, skipped: [String]) {
        let collection = try store.collection(named: name)
        var records = try store.images(in: collection)
        guard !records.isEmpty else { throw SearchError.emptyCollection(name) }
        let embeddingName = options.embedding ?? collection.embedding
        let embedding = try embeddingName.map { try store.embeddingInfo(named: $0) }
        var treeName = options.tree
        if treeName == nil, let embedding {
            treeName = try embedding.parameterValues()["taxonomy"] ?? store.classSet(named: embedding.classSet).taxonomy
        }
        guard let treeName else { throw EvaluationError.noTree(collection: name) }
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: treeName))

        // Labels: a key of the taxonomy per image.
        let given: [String: String]?
        if case let .file(path) = options.labels { given = try readLabels(path) } else { given = nil }
        let keys = records.map { record -> String? in
            let label: String?
            switch options.labels {
            case .fileNames: label = LabelSource.fileNameKey(of: record.path)
            case .file: label = given![record.path]
            case let .folders(keys): label = LabelSource.folderKey(of: record.path, keys: keys)
            case .stored: label = record.label
            }
            guard let label, taxonomy.node(forKey: label) != nil else { return nil }
            return label
        }
        let unlabelled = zip(records, keys).filter { $0.1 == nil }.map(\.0.path)
        if !unlabelled.isEmpty && !options.skipUnlabelled {
            throw EvaluationError.unlabelled(count: unlabelled.count, examples: Array(unlabelled.prefix(10)), taxonomy: treeName)
        }
        let kept = keys.indices.filter { keys[$0] != nil }
        records = kept.map { records[$0] }
        let labelKeys = kept.map { keys[$0]! }

        // Relevance between the classes present.
        let classes = Array(Set(labelKeys)).sorted()
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($0.element, $0.offset) })
        var relevance = [Double](repeating: 0, count: classes.count * classes.count)
        if options.measure == .lcsHeight {
            var inducing = classes
            if let embedding { inducing = Array(Set(try store.classMembers(of: embedding.classSet).map(\.key)).union(classes)).sorted() }
            let hierarchy = try ClassHierarchy(taxonomy: taxonomy, classKeys: inducing)
            let position = Dictionary(uniqueKeysWithValues: inducing.enumerated().map { ($0.element, $0.offset) })
            for (a, keyA) in classes.enumerated() {
                for (b, keyB) in classes.enumerated() { relevance[a * classes.count + b] = hierarchy.similarity(position[keyA]!, position[keyB]!) }
            }
        } else {
            let similarity = Similarity(taxonomy: taxonomy)
            let nodes = classes.map { taxonomy.node(forKey: $0)! }
            for a in classes.indices {
                for b in classes.indices {
                    let score: Double?? = try? similarity.score(options.measure, nodes[a], nodes[b])
                    relevance[a * classes.count + b] = (score ?? nil) ?? 0
                }
            }
        }

        // Semantic vectors: stored, or the stored top classes in another embedding.
        var embeddings: [Float]?, embeddingDims = 0
        if let embedding {
            if embedding.name == collection.embedding, records.allSatisfy({ $0.embedding != nil }) {
                embeddings = records.flatMap { $0.embedding! }
            } else {
                let space = try SemanticSpace(store: store, embedding: embedding.name,
                                              networkClasses: try SearchEngine.photoClasses(store: store, collection: collection, classSet: options.networkClassSet))
                embeddings = records.flatMap { space.project($0.topClasses) }
            }
            embeddingDims = embedding.dims
        }
        var descriptors = records.map(\.descriptor)
        if let dims = options.whiten {
            let whitening = try PCAWhitening(learnedOn: descriptors, dims: dims)
            descriptors = descriptors.map { whitening.apply($0) }
        }
        let benchmark = RetrievalBenchmark(
            descriptors: descriptors.flatMap { $0 }, descriptorDims: descriptors[0].count, embeddings: embeddings, embeddingDims: embeddingDims,
            labels: labelKeys.map { classIndex[$0]! }, relevance: relevance, classes: classes.count)
        return (benchmark, unlabelled)
    }

    /// 'PATH WNID' lines; blank lines and '#' comments skipped.
    static func readLabels(_ path: String) throws -> [String: String] {
        var labels: [String: String] = [:]
        for (number, line) in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace)
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            guard fields.count == 2 else { throw EvaluationError.badLabelsLine(path: path, line: number + 1) }
            labels[String(fields[0])] = String(fields[1])
        }
        return labels
    }
}
