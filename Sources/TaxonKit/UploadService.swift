import Foundation
import TaxonLinalg
import TaxonModel
import TaxonSearch
import TaxonVision

/// A photo as an upload answers it.
public struct UploadedImage: Encodable, Sendable {
    public let id: Int64
    public let sha256: String
    /// Where it is kept, relative to the data folder: content-addressed, `ab/ab…ef.jpg`.
    public let path: String
    /// False when the collection held these bytes already (the same id again: retries are harmless).
    public let created: Bool
}

/// A photo of an upload that cannot be taken; names which one.
public enum UploadError: TaxonError, Equatable {
    case notUploadCollection(String)
    case notAPhoto(index: Int, reason: String)
    case noPhotos

    public var kind: ErrorKind {
        switch self {
        case .notUploadCollection: return .conflict
        case .notAPhoto: return .unprocessable
        case .noPhotos: return .invalidInput
        }
    }

    public var description: String {
        switch self {
        case let .notUploadCollection(name):
            return "collection '\(name)' is an indexed folder: photos are uploaded to collections made with PUT /v1/collections/{name}"
        case let .notAPhoto(index, reason): return "photo \(index): \(reason)"
        case .noPhotos: return "the request holds no photo"
        }
    }
}

/// Adds uploaded photos to a collection: each stored once under the data folder by its SHA-256, analysed
/// like an indexed photo, then recorded. A photo's file is on disk (written to a temporary name, flushed,
/// renamed, the folder flushed) before its record is committed, so an acknowledged photo has both; a crash
/// in between leaves a file without a record, which `CollectionCatalog.removeOrphans` takes away.
public struct UploadService {
    public let store: any Store
    public let dataFolder: String
    public let classSet: String

    /// A service over one store connection, photos kept under `dataFolder`.
    public init(store: any Store, dataFolder: String, classSet: String = "ilsvrc2012") {
        (self.store, self.dataFolder, self.classSet) = (store, absolutePath(dataFolder), classSet)
    }

    /// Stores, analyses and records the photos (JPEG or PNG bytes) in one transaction; their ids, in order.
    public func upload(_ photos: [Data], to name: String, network: EfficientNetLite0) throws -> [UploadedImage] {
        guard !photos.isEmpty else { throw UploadError.noPhotos }
        let info = try store.collection(named: name)
        guard info.root == dataFolder else { throw UploadError.notUploadCollection(name) }
        guard let descriptor = Descriptor(rawValue: info.descriptor) else { throw UploadError.notUploadCollection(name) }
        // Decoded on both cores, as `taxon index` does.
        let prepared = try parallelMap(Array(photos.enumerated())) { n, data in
            do { return try ImageAnalyzer.prepare(data, name: "photo \(n)") } catch {
                throw UploadError.notAPhoto(index: n, reason: "\(error)")
            }
        }
        let analyzer = try ImageAnalyzer(store: store, network: network, classSet: classSet, descriptor: descriptor, embedding: info.embedding)
        let analyses = analyzer.analyze(prepared)
        var records: [ImageRecord] = []
        for (data, analysis) in zip(photos, analyses) {
            let sha = ContentHash.sha256(data)
            let path = "\(sha.prefix(2))/\(sha).\(data.starts(with: [0x89, 0x50, 0x4E, 0x47]) ? "png" : "jpg")"
            try DurableFile.write(data, to: dataFolder + "/" + path)
            records.append(analysis.record(path: path, sha256: sha, bytes: data.count))
        }
        let before = Set(try store.images(in: info, vectors: false).map(\.path))
        try store.updateImages(of: info, upserting: records)
        let ids = Dictionary(try store.images(in: info, vectors: false).map { ($0.path, $0.id) }, uniquingKeysWith: { first, _ in first })
        return records.map { UploadedImage(id: ids[$0.path]!, sha256: $0.sha256, path: $0.path, created: !before.contains($0.path)) }
    }

    /// Removes one photo's record, and its file when no other record holds the same bytes.
    public func delete(image id: Int64, from name: String) throws {
        let info = try store.collection(named: name)
        guard let (owner, record) = try store.image(id: id), owner == name else { throw ServiceError.missing("collection '\(name)' has no image \(id)") }
        try store.updateImages(of: info, upserting: [], removing: [id])
        guard info.root == dataFolder, try !CollectionCatalog(store: store, dataFolder: dataFolder).uploadPaths().contains(record.path) else { return }
        try? FileManager.default.removeItem(atPath: dataFolder + "/" + record.path)
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
