import Foundation
import Synchronization
import TaxonLinalg
import TaxonModel
import TaxonSearch
import TaxonVision

/// One photo of an upload: its bytes and what its sender says of it.
public struct UploadPhoto: Sendable {
    public var data: Data
    /// A concept reference (key, NLTK name or word) of the collection's class-set taxonomy.
    public var label: String?
    public var tags: [String]

    /// A photo with an optional label and tags.
    public init(_ data: Data, label: String? = nil, tags: [String] = []) { (self.data, self.label, self.tags) = (data, label, tags) }
}

/// A photo as an upload answers it.
public struct UploadedImage: Encodable, Sendable {
    public let id: Int64
    public let sha256: String
    /// Where it is kept, relative to the data folder: content-addressed, `ab/ab…ef.jpg`.
    public let path: String
    /// False when the collection held these bytes already (the same id again: retries are harmless).
    public let created: Bool
    /// The label's concept key, if the photo has one.
    public let label: String?
    public let tags: [String]
}

/// A photo of an upload that cannot be taken; names which one and which limit.
public enum UploadError: TaxonError, Equatable {
    case notUploadCollection(String)
    /// The message names the photo ("photo 2: …").
    case notAPhoto(String)
    case photoTooLarge(String)
    case badAnnotation(field: String, reason: String)
    case noPhotos

    public var kind: ErrorKind {
        switch self {
        case .notUploadCollection: return .conflict
        case .notAPhoto: return .unprocessable
        case .photoTooLarge: return .tooLarge
        case .badAnnotation: return .unprocessable
        case .noPhotos: return .invalidInput
        }
    }

    public var description: String {
        switch self {
        case let .notUploadCollection(name):
            return "collection '\(name)' is an indexed folder: photos are uploaded to collections made with PUT /v1/collections/{name}"
        case let .notAPhoto(message), let .photoTooLarge(message): return message
        case let .badAnnotation(field, reason): return "\(field): \(reason)"
        case .noPhotos: return "the request holds no photo"
        }
    }
}

/// How large one uploaded photo may be.
public struct PhotoLimits: Sendable {
    /// Bytes of one photo file.
    public var bytes = 20 * 1024 * 1024
    /// Width × height, read from the header before anything is decoded (decompression bombs stop there).
    public var pixels = ImageDecoder.defaultPixelLimit
    /// 20 MiB and 64 megapixels.
    public init() {}
}

/// Photos checked, decoded and labelled, nothing written yet: what `UploadService.store` records.
public struct PreparedUpload: Sendable {
    let collection: CollectionInfo
    let photos: [UploadPhoto]
    /// Each photo's label as a concept key, and its tags trimmed and deduplicated.
    let labels: [String?]
    let tags: [[String]]
    let inputs: [ImageAnalyzer.Prepared]
    let analyzer: ImageAnalyzer
    /// How many photos it holds.
    public var count: Int { photos.count }
}

/// Adds uploaded photos to a collection: each stored once under the data folder by its SHA-256, analysed
/// like an indexed photo, then recorded. A photo's file is on disk (written to a temporary name, flushed,
/// renamed, the folder flushed) before its record is committed, so an acknowledged photo has both; a crash
/// in between leaves a file without a record, which `CollectionCatalog.removeOrphans` takes away.
public struct UploadService {
    public let store: any Store
    public let dataFolder: String
    public let classSet: String
    /// Analyzers kept between uploads (a server passes its own); nil: built for each upload.
    public var analyzers: AnalyzerCache?
    /// Threads of low priority to decode and analyse on, so that a server's searches go first; nil: every core at normal priority.
    public var workers: BackgroundWorkers?

    /// Photos go through the network this many at a time, each group committed before the next starts.
    public static let batch = 8
    /// Tags per photo, and characters per tag.
    public static let maxTags = 32, maxTagLength = 100

    /// A service over one store connection, photos kept under `dataFolder`.
    public init(store: any Store, dataFolder: String, classSet: String = "ilsvrc2012") {
        (self.store, self.dataFolder, self.classSet) = (store, absolutePath(dataFolder), classSet)
    }

    /// Checks and decodes every photo and resolves every label, writing nothing: a bad photo or label fails the whole upload.
    public func prepare(_ photos: [UploadPhoto], to name: String, network: EfficientNetLite, limits: PhotoLimits = PhotoLimits()) throws
        -> PreparedUpload {
        guard !photos.isEmpty else { throw UploadError.noPhotos }
        let info = try store.collection(named: name)
        guard info.root == dataFolder, let descriptor = Descriptor(rawValue: info.descriptor) else { throw UploadError.notUploadCollection(name) }
        for (n, photo) in photos.enumerated() {
            if photo.data.isEmpty { throw UploadError.notAPhoto("photo \(n): the photo is empty") }
            if photo.data.count > limits.bytes {
                throw UploadError.photoTooLarge("photo \(n): \(photo.data.count) bytes is over the limit of \(limits.bytes) bytes per photo")
            }
        }
        let concepts = try photos.contains { $0.label != nil } ? ConceptLabeller(store: store, collection: info, classSet: classSet) : nil
        let labels = try photos.enumerated().map { n, photo in try photo.label.map { try concepts!.key(for: $0, field: "photo \(n): label") } }
        let tags = try photos.enumerated().map { n, photo in try Self.tags(photo.tags, field: "photo \(n): tags") }
        // Decoded on both cores, as `taxon index` does.
        let inputs = try parallelMap(Array(photos.enumerated()), on: workers) { n, photo in
            do { return try ImageAnalyzer.prepare(photo.data, name: "photo \(n)", pixelLimit: limits.pixels, size: network.inputSize) } catch let error as ImageError {
                // The decoder names the photo as it was given it: "photo 2: …".
                if case .tooLarge = error { throw UploadError.photoTooLarge("\(error)") }
                throw UploadError.notAPhoto("\(error)")
            } catch { throw UploadError.notAPhoto("\(error)") }
        }
        let analyzer = try analyzers?.analyzer(store: store, network: network, classSet: classSet, descriptor: descriptor, embedding: info.embedding,
                                               mapper: info.mapper)
            ?? ImageAnalyzer(store: store, network: network, classSet: classSet, descriptor: descriptor, embedding: info.embedding, mapper: info.mapper)
        return PreparedUpload(collection: info, photos: photos, labels: labels, tags: tags, inputs: inputs, analyzer: analyzer)
    }

    /// Analyses, stores and records the photos `batch` at a time; each group is committed before `stored` hears
    /// of its photos (in order), so whatever `stored` passes on is durable. Returns every photo's answer.
    /// The network works a group ahead on a thread of its own while this one writes files and records.
    public func store(_ upload: PreparedUpload, stored: (UploadedImage) throws -> Void = { _ in }) throws -> [UploadedImage] {
        var answers: [UploadedImage] = []
        let groups = stride(from: 0, to: upload.count, by: Self.batch).map { $0..<min($0 + Self.batch, upload.count) }
        let pipeline = AnalysisPipeline(groups.map { Array(upload.inputs[$0]) }, analyzer: upload.analyzer, workers: workers)
        defer { pipeline.cancel() }
        for (k, range) in groups.enumerated() {
            let analyses = pipeline.take(k)
            var records: [ImageRecord] = []
            for (n, analysis) in zip(range, analyses) {
                let data = upload.photos[n].data, sha = ContentHash.sha256(data)
                let path = "\(sha.prefix(2))/\(sha).\(data.starts(with: [0x89, 0x50, 0x4E, 0x47]) ? "png" : "jpg")"
                try DurableFile.write(data, to: dataFolder + "/" + path)
                var record = analysis.record(path: path, sha256: sha, bytes: data.count)
                (record.label, record.tags) = (upload.labels[n], upload.tags[n])
                records.append(record)
            }
            let before = try store.imageIDs(in: upload.collection, paths: records.map(\.path))
            try store.updateImages(of: upload.collection, upserting: records)
            let ids = try store.imageIDs(in: upload.collection, paths: records.map(\.path))
            for record in records {
                let answer = UploadedImage(id: ids[record.path]!, sha256: record.sha256, path: record.path, created: before[record.path] == nil,
                                           label: record.label, tags: record.tags)
                answers.append(answer)
                try stored(answer)
            }
        }
        // Derived data: when learning fails the photos still stand, and the next write learns it again.
        _ = try? StyleSpace.refresh(store: store, collection: upload.collection)
        return answers
    }

    /// Prepares and stores in one call.
    public func upload(_ photos: [UploadPhoto], to name: String, network: EfficientNetLite, limits: PhotoLimits = PhotoLimits()) throws
        -> [UploadedImage] {
        try store(try prepare(photos, to: name, network: network, limits: limits))
    }

    /// Sets a photo's label (`.keep`, `.clear` or a concept reference) and, unless nil, its tags; the photo as it now is.
    public func annotate(image id: Int64, in name: String, label: LabelChange, tags: [String]?) throws -> ImageRecord {
        let info = try store.collection(named: name)
        let key: LabelChange
        switch label {
        case let .set(reference):
            key = .set(try ConceptLabeller(store: store, collection: info, classSet: classSet).key(for: reference, field: "label"))
        case .keep, .clear: key = label
        }
        guard try store.annotateImage(id, in: info, label: key, tags: try tags.map { try Self.tags($0, field: "tags") }),
              let (_, record) = try store.image(id: id) else { throw ServiceError.missing("collection '\(name)' has no image \(id)") }
        return record
    }

    /// Removes one photo's record, and its file when no other record holds the same bytes.
    public func delete(image id: Int64, from name: String) throws {
        let info = try store.collection(named: name)
        guard let (owner, record) = try store.image(id: id), owner == name else { throw ServiceError.missing("collection '\(name)' has no image \(id)") }
        try store.updateImages(of: info, upserting: [], removing: [id])
        guard info.root == dataFolder, try CollectionCatalog(store: store, dataFolder: dataFolder).referenced([record.path]).isEmpty else { return }
        try? FileManager.default.removeItem(atPath: dataFolder + "/" + record.path)
    }

    /// Tags trimmed and deduplicated (first kept); each 1 to `maxTagLength` characters without control characters.
    static func tags(_ tags: [String], field: String) throws -> [String] {
        var seen: Set<String> = [], kept: [String] = []
        for (n, raw) in tags.enumerated() {
            let tag = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...maxTagLength).contains(tag.count), !tag.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
                throw UploadError.badAnnotation(field: "\(field)[\(n)]", reason: "a tag is 1 to \(maxTagLength) characters, no control characters")
            }
            if seen.insert(tag).inserted { kept.append(tag) }
        }
        guard kept.count <= maxTags else { throw UploadError.badAnnotation(field: field, reason: "at most \(maxTags) tags per photo") }
        return kept
    }
}

/// Turns a label reference into a concept key of the collection's class-set taxonomy, and — when the
/// collection has an embedding — checks the concept is in the hierarchy its searches filter by.
struct ConceptLabeller {
    let store: any Store
    let taxonomy: TaxonomyInfo
    /// The collection's hierarchy; nil without an embedding.
    let tree: ConceptTree?

    init(store: any Store, collection: CollectionInfo, classSet: String) throws {
        self.store = store
        taxonomy = try store.taxonomy(named: try store.classSet(named: classSet).taxonomy)
        tree = try collection.embedding.map { try SearchEngine.conceptTree(store: store, embedding: try store.embeddingInfo(named: $0)) }
    }

    func key(for reference: String, field: String) throws -> String {
        let concept: Concept
        do { concept = try store.resolve(reference, in: taxonomy) } catch let error as ReferenceError {
            throw UploadError.badAnnotation(field: field, reason: error.description)
        }
        if let tree, tree.node(forKey: concept.key) == nil {
            throw UploadError.badAnnotation(field: field, reason: "\(concept.label) is not in the hierarchy of the collection's classes")
        }
        return concept.key
    }
}

/// Groups of photos analysed in order on a thread of their own, so that the network need not wait while
/// the thread that asked writes the previous group's files and records.
private final class AnalysisPipeline: @unchecked Sendable {
    private let condition = NSCondition()
    private var done: [Int: [ImageAnalysis]] = [:]
    private var cancelled = false

    init(_ groups: [[ImageAnalyzer.Prepared]], analyzer: ImageAnalyzer, workers: BackgroundWorkers?) {
        Thread { [self] in
            for (k, group) in groups.enumerated() {
                if condition.withLock({ cancelled }) { return }
                let analyses = analyzer.analyze(group, workers: workers, style: true)
                condition.withLock { done[k] = analyses; condition.broadcast() }
            }
        }.start()
    }

    /// Group `k`'s analyses, once ready.
    func take(_ k: Int) -> [ImageAnalysis] {
        condition.lock()
        defer { condition.unlock() }
        while done[k] == nil { condition.wait() }
        return done.removeValue(forKey: k)!
    }

    /// No further group is started (the caller failed).
    func cancel() { condition.withLock { cancelled = true } }
}

/// Photo analyzers by class set, descriptor, embedding and mapper, kept between requests: building one reads the
/// class set and every row of the embedding from the store (for unitsphere a million numbers), which cost
/// an upload of 16 photos more than their files and records. A replaced class set, embedding or mapper has a
/// new id, so the key moves with it.
public final class AnalyzerCache: Sendable {
    private let analyzers = Mutex<[String: ImageAnalyzer]>([:])

    /// An empty cache.
    public init() {}

    func analyzer(store: any Store, network: EfficientNetLite, classSet: String, descriptor: Descriptor, embedding: String?,
                  mapper: String?) throws -> ImageAnalyzer {
        let key = [String(try store.classSet(named: classSet).id), descriptor.rawValue, try embedding.map { String(try store.embeddingInfo(named: $0).id) } ?? "-",
                   try mapper.map { name in String(try store.mappers().first { $0.name == name }?.id ?? -1) } ?? "-"].joined(separator: " ")
        if let cached = analyzers.withLock({ $0[key] }) { return cached }
        let analyzer = try ImageAnalyzer(store: store, network: network, classSet: classSet, descriptor: descriptor, embedding: embedding, mapper: mapper)
        analyzers.withLock { $0[key] = analyzer }
        return analyzer
    }
}

/// Files that are whole on disk once written: a temporary name, fsync, rename, fsync of the folder.
enum DurableFile {
    /// Temporary files start with this; a crash can leave one, and the orphan sweep removes it.
    static let temporaryPrefix = ".partial-"

    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path), folder = url.deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: path) { return }  // content-addressed: the same bytes are there
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(temporaryPrefix + UUID().uuidString)
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw ServiceError.unavailable("cannot write \(temporary.path)")
        }
        try sync(temporary.path)
        if rename(temporary.path, path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw ServiceError.unavailable("cannot move a photo into \(folder.path): errno \(errno)")
        }
        try sync(folder.path)
    }

    private static func sync(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ServiceError.unavailable("cannot open \(path) to flush it: errno \(errno)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ServiceError.unavailable("cannot flush \(path): errno \(errno)") }
    }
}
