import Foundation
import TaxonServer
@testable import TaxonStore
import TaxonTesting
import XCTest

/// One store for all route tests, built once with the `taxon` CLI: WordNet,
/// the ILSVRC-2012 classes, their tree and unitsphere embedding, a DeViSE
/// embedding from GloVe, and a small collection of chelsea.png and four
/// sample photos twice: "pets" in unitsphere, "pets-text" in DeViSE.
enum Fixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let weights = repository.appendingPathComponent("models/data/efficientnet-lite0.safetensors").path
    static let chelsea = repository.appendingPathComponent("models/data/chelsea.png").path
    static let sample = repository.deletingLastPathComponent().appendingPathComponent("shared/data/imagenet-sample").path
    static let executable = Bundle.main.bundleURL.appendingPathComponent("taxon")

    struct Built: Sendable { let directory: URL; let store: String; let photos: URL; let service: TaxonService }

    /// Built once; fails (naming the setup step) when the machine lacks what it needs.
    static let built: Result<Built, any Error> = Result { try build() }

    static func get() throws -> Built {
        try TestData.require(weights)
        try TestData.debianWordNet()
        try TestData.imagenetSample()
        return try built.get()
    }

    /// The built store copied (`taxon store copy`) into a database of the test cluster, made at first use.
    private static let postgres: Result<String, any Error> = Result {
        let source = try built.get()
        let url = try PostgresServer.freshDatabase()
        try taxon(["store", "copy", "--from", source.store, "--to", url])
        return url
    }

    /// Where the process tests run: the built store on SQLite, then its copy on PostgreSQL.
    static func backends(_ built: Built) throws -> [String] { [built.store, try postgres.get()] }

    private static let postgresService: Result<TaxonService, any Error> = Result { try TaxonService(storePath: try postgres.get(), weights: weights) }

    /// Where the in-process route tests run: the built store's service, then one on its PostgreSQL copy.
    static func services(_ built: Built) throws -> [TaxonService] { [built.service, try postgresService.get()] }

    @discardableResult
    static func taxon(_ arguments: [String]) throws -> String {
        let output = try Subprocess.run(executable, arguments)
        guard output.status == 0 else {
            throw NSError(domain: "taxon", code: Int(output.status),
                          userInfo: [NSLocalizedDescriptionKey: "taxon \(arguments.joined(separator: " ")): \(output.stderr)"])
        }
        return output.stdout
    }

    /// The sample's photo names, sorted, and a test of whether a photo's class (the wnid its name starts with) lies under a concept in WordNet.
    static func sampleClasses(_ store: SQLiteStore) throws -> (photos: [String], isUnder: (String, String) throws -> Bool) {
        let wordnet = try store.taxonomy(named: "wordnet")
        let photos = try FileManager.default.contentsOfDirectory(atPath: sample).filter { $0.hasSuffix(".jpg") }.sorted()
        return (photos, { photo, ancestor in
            try store.ancestors(of: try store.resolve(String(photo.prefix(9)), in: wordnet)).contains { $0.concept.key == ancestor }
        })
    }

    /// A folder of the fixture's directory holding copies of these sample photos.
    static func sampleFolder(_ name: String, _ photos: [String], in built: Built) throws -> URL {
        let folder = built.directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for photo in photos { try FileManager.default.copyItem(atPath: sample + "/" + photo, toPath: folder.appendingPathComponent(photo).path) }
        return folder
    }

    /// Sample photos by wnid prefix (the file names start with the wnid).
    static func samplePhotos(_ wnids: [String]) throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: sample)
        return wnids.compactMap { wnid in files.first { $0.hasPrefix(wnid) }.map { sample + "/" + $0 } }
    }

    /// Makes a store of WordNet, the ILSVRC-2012 classes (`ilsvrc2012`), their tree (`tree`) and its unitsphere embedding (`unit`).
    static func classStore(_ store: String) throws {
        try taxon(["import", "wordnet", "--db", store])
        try taxon(["import", "imagenet", "--wnids", repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt").path,
                   "--name", "ilsvrc2012", "--db", store])
        try taxon(["tree", "--class-set", "ilsvrc2012", "--out-name", "tree", "--db", store])
        try taxon(["embed", "--class-set", "ilsvrc2012", "--tree", "tree", "--method", "unitsphere", "--name", "unit", "--db", store])
    }

    private static func build() throws -> Built {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-server-\(UUID().uuidString)")
        let photos = directory.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        let store = directory.appendingPathComponent("s.sqlite").path
        try classStore(store)
        try FileManager.default.copyItem(atPath: chelsea, toPath: photos.appendingPathComponent("chelsea.png").path)
        // tabby, Egyptian cat, golden retriever, sports car.
        for path in try samplePhotos(["n02123045", "n02124075", "n02099601", "n04285008"]) {
            try FileManager.default.copyItem(atPath: path, toPath: photos.appendingPathComponent((path as NSString).lastPathComponent).path)
        }
        try taxon(["index", photos.path, "--collection", "pets", "--embedding", "unit", "--weights", weights, "--db", store])
        let glove = repository.appendingPathComponent("embeddings/data/glove-6b-50d.bin").path
        try taxon(["import", "vectors", glove, "--name", "glove", "--format", "word2vec-bin", "--db", store])
        try taxon(["embed", "--class-set", "ilsvrc2012", "--method", "devise", "--vectors", "glove", "--name", "devise", "--db", store])
        try taxon(["index", photos.path, "--collection", "pets-text", "--embedding", "devise", "--weights", weights, "--db", store])
        return Built(directory: directory, store: store, photos: photos, service: try TaxonService(storePath: store, weights: weights))
    }
}

extension Fixture {
    /// Runs SQL on a store file with the sqlite3 library, outside the service (to break it on purpose).
    static func sqlite(_ path: String, _ sql: String) throws {
        let store = try SQLiteStore(path: path)
        try store.db.execute(sql)
    }
}

extension ServerProcess {
    /// `taxon serve` on the fixture's store with the weights and `arguments`.
    convenience init(_ built: Fixture.Built, _ arguments: [String], log: URL? = nil) throws {
        try self.init(store: built.store, arguments, log: log)
    }

    /// `taxon serve` on `store` with the weights and `arguments`.
    convenience init(store: String, _ arguments: [String], log: URL? = nil) throws {
        try self.init(executable: Fixture.executable, ["--db", store, "--weights", Fixture.weights] + arguments, log: log)
    }
}
