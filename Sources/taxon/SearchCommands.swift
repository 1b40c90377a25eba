import ArgumentParser
import Foundation
import Synchronization
import TaxonKit
import TaxonModel
import TaxonSearch
import TaxonVision

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index a folder of photos into a collection: visual descriptors, semantic vectors and top classes.",
        discussion: """
            Every .jpg, .jpeg and .png below DIR is decoded and run through EfficientNet-Lite0 on both cores. Running it \
            again skips files whose SHA-256 is unchanged and removes vanished ones; a file that does not decode is reported \
            and skipped. --embedding (default: the collection's, if it has one) gives the semantic space; a new one is \
            applied to the stored images from their top classes, without running the network again. --mapper (a classifier \
            from taxon train-mapper) names the photos' classes in its own class set and brings its embedding. --labels \
            folders labels each photo by its first folder (through --map's reviewed names, else the folder name is the key).
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @Argument(help: "The folder of photos.") var directory: String
    @Option(help: "The collection's name.") var collection: String
    @Option(help: "A class embedding of the network's classes (unitsphere, approx-sim, devise, …).") var embedding: String?
    @Option(help: "The visual descriptor: gap, gem, mac or rmac.") var descriptor: Descriptor = .gem
    @Option(help: "A classifier mapper (taxon train-mapper) naming the photos' classes, in its embedding.") var mapper: String?
    @OptionGroup var labels: LabelOptions
    @Option(help: "The class set naming the network's 1,000 outputs.") var classSet = "ilsvrc2012"
    @Flag(help: "Delete the collection first.") var replace = false
    @Option(help: ArgumentHelp("Index as N workers that share the work through the store with any other `taxon index --workers` on it (other machines too, on PostgreSQL).",
                               valueName: "N")) var workers: Int?
    @Option(help: "With --workers: seconds a worker holds the photos it claimed; a dead worker's are taken over after this.") var lease = 120.0

    func validate() throws {
        guard labels.labels == nil || labels.labels == "folders" else { throw ValidationError("taxon index takes --labels folders (eval takes the other sources)") }
        if labels.map != nil && labels.labels == nil { throw ValidationError("--map goes with --labels folders") }
    }

    func run() throws {
        if let workers, !(1...64).contains(workers) { throw CLIError("--workers takes 1 to 64") }
        let bar = ProgressBar()
        let opened = try store.openExisting()
        let keys = labels.labels == nil ? nil : try labels.folderKeys(store: opened) ?? [:]
        let outcome: (report: IndexReport, info: CollectionInfo, embedding: String?)
        if let workers {
            outcome = try indexShared(workers: workers, keys: keys)
        } else {
            outcome = try CollectionService(store: opened, classSet: classSet).index(
                folder: directory, collection: collection, network: try weights.network(), descriptor: descriptor, embedding: embedding,
                mapper: mapper, folderKeys: keys, replace: replace) { bar.show($0, of: $1) }
        }
        bar.finish()
        let (report, info, embedding) = outcome
        for (path, reason) in report.failed { note("skipped \(path): \(reason)") }
        print("collection \(collection): \(info.images) images (\(report.added) added, \(report.updated) updated, \(report.unchanged) unchanged, "
              + "\(report.removed) removed, \(report.failed.count) skipped)"
              + (report.reembedded > 0 ? "; \(report.reembedded) re-projected into \(embedding!)" : ""))
    }
}

extension IndexCommand {
    /// `workers` claim loops on threads of their own, each with its own store connection and network, without a
    /// progress bar; the reports summed. Worker ids name the host and process, so claims tell whose they were.
    private func indexShared(workers: Int, keys: [String: String]?)
        throws -> (report: IndexReport, info: CollectionInfo, embedding: String?) {
        let host = ProcessInfo.processInfo.hostName, process = ProcessInfo.processInfo.processIdentifier
        let results = Mutex<[Int: Result<(report: IndexReport, info: CollectionInfo, embedding: String?), any Error>]>([:])
        let command = self
        DispatchQueue.concurrentPerform(iterations: workers) { n in
            let result = Result {
                try CollectionService(store: try command.store.openExisting(), classSet: command.classSet).index(
                    folder: command.directory, collection: command.collection, network: try command.weights.network(), descriptor: command.descriptor,
                    embedding: command.embedding, mapper: command.mapper, folderKeys: keys, replace: command.replace,
                    shared: ("\(host):\(process):\(n)", command.lease))
            }
            results.withLock { $0[n] = result }
        }
        let outcomes = try results.withLock { $0 }.sorted { $0.key < $1.key }.map { try $0.value.get() }
        var report = outcomes[0].report
        for outcome in outcomes.dropFirst() { report.add(outcome.report) }
        return (report, try store.openExisting().collection(named: collection), outcomes[0].embedding)
    }
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar {
    private let enabled = isatty(2) == 1
    private var drawn = false

    func show(_ done: Int, of total: Int) {
        guard enabled, total > 0 else { return }
        let width = 30, filled = width * done / total
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(done)/\(total)"
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() { if drawn { FileHandle.standardError.write(Data("\n".utf8)) } }
}

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a collection by photo, concept or text.",
        discussion: """
            Rankings: visual (descriptor cosine), semantic (semantic-vector cosine), semantic-first (semantic cosine rounded \
            to the taxonomy's similarity levels 1/H — or to --level-width — then visual cosine inside a level), blend \
            (--alpha × semantic + (1 − alpha) × visual). A concept or text query has no visual side: it ranks semantic, \
            or semantic-first ordering a level by the semantic cosine.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "A query photo (JPEG or PNG).") var image: String?
    @Option(help: "A concept (a class of the collection's embedding) as the query.") var concept: String?
    @Option(help: "Free text as the query (text embeddings: devise, huse).") var text: String?
    @Option(help: "The collection.") var collection: String
    @Option(help: "visual, semantic, semantic-first or blend.") var ranking = Ranking.Kind.semanticFirst
    @Option(help: "blend's weight of the semantic cosine.") var alpha: Double?
    @Option(help: "semantic-first's level width (default: 1/H of the embedding's taxonomy).") var levelWidth: Double?
    @Option(name: .shortAndLong, help: "How many results.") var k = 10
    @Option(help: "PCA-whiten the visual descriptors to this many dimensions, learned on the collection.") var whiten: Int?
    @OptionGroup var facets: FacetOptions
    @OptionGroup var database: DatabaseSearchOptions
    @Option(help: "The class set naming the network's 1,000 outputs.") var classSet = "ilsvrc2012"

    func validate() throws {
        guard [image != nil, concept != nil, text != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give one query: an image, --concept or --text")
        }
    }

    func run() throws {
        let ranking = try Ranking(self.ranking, alpha: alpha, width: levelWidth)
        let service = CollectionService(store: try store.openExisting(), classSet: classSet, efSearch: database.efSearch)
        let engine = try database.engine(service, collection: collection, network: try weights.network(), whiten: whiten, facets: try facets.choice() != nil)
        let query: CollectionQuery
        if let image {
            guard let data = FileManager.default.contents(atPath: image) else { throw CLIError("\(image): cannot read the file") }
            query = .photo(data, name: image)
        } else {
            query = concept.map(CollectionQuery.concept) ?? .text(text!)
        }
        let outcome = try service.search(query, in: engine, ranking: ranking, k: k, facets: try facets.choice())
        if !outcome.unknownWords.isEmpty { note("words without a vector (left out): \(outcome.unknownWords.joined(separator: ", "))") }
        let hits = outcome.hits
        if output.json { return try printJSON(hits) }
        let names = try service.classNames()
        for (rank, hit) in hits.enumerated() {
            let scores = hit.facets.map { TextReports.facetScores($0).joined(separator: "  ") } ?? [hit.level.map { "level \($0)" }, hit.semantic.map { String(format: "semantic %.4f", $0) },
                  hit.visual.map { String(format: "visual %.4f", $0) }].compactMap { $0 }.joined(separator: "  ")
            print(String(format: "%3d  ", rank + 1) + "\(hit.id)  \(hit.path)  \(hit.label.flatMap { names[$0] } ?? "?")  \(scores)")
        }
    }
}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query a collection with several examples, negatives, taxonomy filters and a page; every result explained.",
        discussion: """
            An example is image:ID (an indexed image), concept:REF, text:WORDS or file:PATH (a photo). Strategies combine \
            the examples: rocchio, average, best-score, generalise, learned (default; docs/SEARCH.md gives each formula). The query's \
            meaning is the positives' generalisation in the collection's hierarchy, pushed down away from the negatives.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The collection.") var collection: String
    @Option(help: "A positive example (repeat for several): image:ID, concept:REF, text:WORDS or file:PATH.") var positive: [String] = []
    @Option(help: "A negative example, as --positive.") var negative: [String] = []
    @Option(help: "rocchio, average, best-score, generalise or learned.") var strategy = FeedbackStrategy.Kind.learned
    @Option(help: "Rocchio's α.") var alpha: Double?
    @Option(help: "Rocchio's β.") var beta: Double?
    @Option(help: "The negatives' weight γ.") var gamma: Double?
    @Option(help: "visual, semantic, semantic-first or blend.") var ranking = Ranking.Kind.semanticFirst
    @Option(help: "blend's weight of the semantic side.") var rankingAlpha: Double?
    @Option(help: "semantic-first's level width (default: 1/H of the embedding's taxonomy).") var levelWidth: Double?
    @Option(help: "Only images whose concept lies under this one (repeat for several).") var within: [String] = []
    @Option(help: "No image whose concept lies under this one (repeat for several).") var exclude: [String] = []
    @Option(help: "Only images whose concept's lcs-height similarity to the query's concept reaches this.") var minSimilarity: Double?
    @Option(help: "Results to skip (paging).") var offset = 0
    @Option(help: "Results on the page.") var limit = 20
    @OptionGroup var facets: FacetOptions
    @OptionGroup var database: DatabaseSearchOptions
    @Option(help: "The class set naming the network's 1,000 outputs.") var classSet = "ilsvrc2012"

    func run() throws {
        var request = QueryRequest(positive: try positive.map(Self.example))
        request.negative = try negative.map(Self.example)
        request.strategy = try FeedbackStrategy(strategy, alpha: alpha, beta: beta, gamma: gamma)
        request.ranking = try Ranking(ranking, alpha: rankingAlpha, width: levelWidth)
        (request.within, request.exclude, request.minSimilarity, request.offset, request.limit) = (within, exclude, minSimilarity, offset, limit)
        request.facets = try facets.choice()
        let service = CollectionService(store: try store.openExisting(), classSet: classSet, efSearch: database.efSearch)
        let answer = try service.query(request, in: try database.engine(service, collection: collection, network: try weights.network(), facets: request.facets != nil))
        if !answer.unknownWords.isEmpty { note("words without a vector (left out): \(answer.unknownWords.joined(separator: ", "))") }
        if output.json { return try printJSON(QueryPage(collection: collection, request: request, answer: answer)) }
        print(TextReports.query(answer, offset: offset))
    }

    /// KIND:VALUE as a query example.
    static func example(_ text: String) throws -> QueryExample {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else { throw CLIError("'\(text)': an example is image:ID, concept:REF, text:WORDS or file:PATH") }
        switch parts[0] {
        case "image":
            guard let id = Int64(parts[1]) else { throw CLIError("'\(text)': an image id is a number") }
            return .image(id)
        case "concept": return .concept(parts[1])
        case "text": return .text(parts[1])
        case "file":
            guard let data = FileManager.default.contents(atPath: parts[1]) else { throw CLIError("\(parts[1]): cannot read the file") }
            return .upload(data)
        default: throw CLIError("'\(text)': an example is image:ID, concept:REF, text:WORDS or file:PATH")
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Checks every image record against its file (an upload's SHA-256, a folder photo's size) and the data folder for orphans.",
        discussion: "Exits with an error when it finds a problem. --repair removes the records whose file is gone or changed and deletes the orphans; run it while no upload is under way.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The server's data folder (default: beside the store, STORE-data).") var data: String?
    @Flag(help: "Remove broken records and orphan files.") var repair = false

    func run() throws {
        let catalog = CollectionCatalog(store: try store.openExisting(), dataFolder: data ?? CollectionCatalog.defaultDataFolder(store: store.path))
        let report = try catalog.check(repair: repair)
        if output.json { try printJSON(report) } else {
            for problem in report.problems { print(problem) }
            for orphan in report.orphans { print("orphan file \(orphan)") }
            print("\(report.collections) collection(s), \(report.images) image(s): \(report.problems.count) problem(s), \(report.orphans.count) orphan file(s)"
                  + (repair ? "; repaired" : ""))
        }
        if !repair && !(report.problems.isEmpty && report.orphans.isEmpty) { throw ExitCode(1) }
    }
}

/// What a search ranks by beyond the object: one facet, or a blend.
struct FacetOptions: ParsableArguments {
    @Option(help: "Rank by one facet: semantic, visual, style or colour; auto infers it from two photo examples or more.") var facet: String?
    @Option(help: "Rank by a blend of facets: FACET:WEIGHT,… (style:0.7,colour:0.3).") var facetWeights: String?

    /// The choice, nil for neither (the object, as before facets).
    func choice() throws -> FacetChoice? { try FacetChoice(facet: facet, weights: try facetWeights.map(FacetChoice.weights(from:))) }
}

/// Where a query runs on a PostgreSQL store whose collection has an HNSW index (taxon ann build).
struct DatabaseSearchOptions: ParsableArguments {
    @Option(help: "pgvector's HNSW candidate list (hnsw.ef_search, 1-1000) for a search in the database; default 100, 200 from 500,000 photos.")
    var efSearch: Int?
    @Flag(help: "Search the whole collection in memory, exactly, even where an HNSW index would search it in the database.") var exact = false

    /// The collection's engine for a query (`facets`: one that needs the photos in memory).
    func engine(_ service: CollectionService, collection: String, network: EfficientNetLite, whiten: Int? = nil, facets: Bool) throws -> SearchEngine {
        try service.queryEngine(collection: collection, network: network, whiten: whiten, inMemory: exact || facets)
    }
}
