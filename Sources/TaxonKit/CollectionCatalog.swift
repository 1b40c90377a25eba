import Foundation
import TaxonModel
import TaxonPostgres
import TaxonSearch
import TaxonVision

/// A collection as the API lists it; `concepts` (one collection's details only) counts its images per concept
/// at the first level of its hierarchy where they part (by their label, else their most probable class).
public struct CollectionSummary: Encodable, Sendable {
    public let name: String
    public let images: Int
    public let embedding: String?
    /// The classifier mapper naming the photos' classes (nil: the network's own classes).
    public let mapper: String?
    public let descriptor: String
    public let created: String
    /// True for a collection of uploaded photos (kept in the server's data folder), false for an indexed folder.
    public let uploaded: Bool
    public let concepts: [ConceptCount]?

    /// One concept and how many of the collection's images lie under it.
    public struct ConceptCount: Encodable, Sendable {
        public let concept: ConceptLabel
        public let images: Int
    }
}

/// Listing, describing, creating and deleting collections (the indexing and searching are `CollectionService`'s).
public struct CollectionCatalog {
    public let store: any Store
    /// Where uploaded photos live: a collection rooted here is an uploaded one.
    public let dataFolder: String

    /// A catalog over one store connection, uploads kept under `dataFolder`.
    public init(store: any Store, dataFolder: String) { (self.store, self.dataFolder) = (store, absolutePath(dataFolder)) }

    /// Beside a SQLite file, `NAME-data` (`taxon.sqlite` → `taxon-data`); for a PostgreSQL store, `DATABASE-data` in the working folder
    /// (servers sharing one database must share this folder too: name it with `--data`).
    public static func defaultDataFolder(store location: String) -> String {
        if PostgresLocation.isPostgres(location), let database = try? PostgresLocation(location).database {
            return absolutePath(database + "-data")
        }
        let url = URL(fileURLWithPath: absolutePath(Stores.sqlitePath(location)))
        return url.deletingLastPathComponent().appendingPathComponent(url.deletingPathExtension().lastPathComponent + "-data").path
    }

    /// What `taxon check` found.
    public struct CheckReport: Encodable, Sendable {
        public var collections = 0
        public var images = 0
        /// One line per record whose file is missing or differs ("collection c, image 7 (ab/…jpg): missing").
        public var problems: [String] = []
        /// Upload files no record refers to.
        public var orphans: [String] = []
        /// With repair: the records removed and the orphans deleted.
        public var repaired = false
    }

    /// Checks every record against its file — an uploaded photo's SHA-256, a folder photo's presence and size —
    /// and the data folder for files no record refers to. With `repair`, records whose file is gone or changed
    /// are removed and orphans deleted (run it when no upload is under way).
    public func check(repair: Bool) throws -> CheckReport {
        var report = CheckReport()
        for info in try store.collections() {
            report.collections += 1
            var broken: [Int64] = []
            for image in try store.images(in: info, vectors: false) {
                report.images += 1
                let path = info.root + "/" + image.path
                let problem: String?
                if let attributes = try? FileManager.default.attributesOfItem(atPath: path) {
                    if info.root == dataFolder {
                        problem = FileManager.default.contents(atPath: path).map { ContentHash.sha256($0) } == image.sha256 ? nil : "its bytes differ from their SHA-256"
                    } else {
                        problem = (attributes[.size] as? Int) == image.bytes ? nil : "its size changed (taxon index updates it)"
                    }
                } else {
                    problem = "the file is missing"
                }
                if let problem {
                    report.problems.append("collection \(info.name), image \(image.id) (\(image.path)): \(problem)")
                    broken.append(image.id)
                }
            }
            if repair && !broken.isEmpty { try store.updateImages(of: info, upserting: [], removing: broken) }
        }
        report.orphans = try repair ? removeOrphans() : orphans()
        report.repaired = repair
        return report
    }

    /// Every collection, by name.
    public func list() throws -> [CollectionSummary] { try store.collections().map { summary($0, concepts: nil) } }

    /// One collection with its images counted per concept.
    public func details(_ name: String) throws -> CollectionSummary {
        let info = try store.collection(named: name)
        return summary(info, concepts: try conceptCounts(info))
    }

    /// Makes an empty collection for uploads (`PUT`): an existing one with the same settings is returned as it is
    /// (`created` false); one with other settings, or a folder's collection of that name, is a conflict.
    public func create(_ name: String, embedding: String?, descriptor: Descriptor) throws -> (summary: CollectionSummary, created: Bool) {
        try validateName(name, kind: .collection)
        if let embedding { _ = try store.embeddingInfo(named: embedding) }
        if let existing = try store.collections().first(where: { $0.name == name }) {
            // Checked here: openCollection would move an existing collection to the new embedding.
            let settings = [("folder", existing.root, dataFolder), ("descriptor", existing.descriptor, descriptor.rawValue),
                            ("embedding", existing.embedding ?? "none", embedding ?? "none")]
            if let (setting, stored, requested) = settings.first(where: { $0.1 != $0.2 }) {
                throw CollectionError.differentSetting(collection: name, setting: setting, stored: stored, requested: requested)
            }
            return (summary(existing, concepts: nil), false)
        }
        try FileManager.default.createDirectory(atPath: dataFolder, withIntermediateDirectories: true)
        let info = try store.openCollection(name: name, root: dataFolder, descriptor: descriptor.rawValue, embedding: embedding, mapper: nil, replace: false)
        return (summary(info, concepts: nil), true)
    }

    /// Removes the collection's records; for an uploaded collection also the files no other image refers to.
    /// An indexed folder is never touched.
    public func delete(_ name: String) throws {
        let info = try store.collection(named: name)
        let paths = info.root == dataFolder ? Set(try store.images(in: info, vectors: false).map(\.path)) : []
        try store.deleteCollection(named: name)
        guard !paths.isEmpty else { return }
        for path in paths.subtracting(try referenced(Array(paths))) { try? FileManager.default.removeItem(atPath: dataFolder + "/" + path) }
    }

    /// Removes files under the data folder that no uploaded collection's record refers to (a crash between a
    /// photo's file and its record, or a half-written temporary file); returns their paths. Run it when no
    /// upload is under way — `taxon serve` does, before it listens.
    @discardableResult
    public func removeOrphans() throws -> [String] {
        let found = try orphans()
        for path in found { try FileManager.default.removeItem(atPath: dataFolder + "/" + path) }
        return found
    }

    /// Upload files under the data folder that no uploaded collection's record refers to, sorted.
    public func orphans() throws -> [String] {
        let referenced = try uploadPaths()
        let files = FileManager.default.enumerator(atPath: dataFolder)?.compactMap { $0 as? String } ?? []
        return files.filter { Self.isUploadFile($0) && !referenced.contains($0) }.sorted()
    }

    /// The files (relative to the data folder) the records of every uploaded collection refer to.
    public func uploadPaths() throws -> Set<String> {
        Set(try store.collections().filter { $0.root == dataFolder }.flatMap { try store.images(in: $0, vectors: false).map(\.path) })
    }

    /// Which of these files (relative to the data folder) a record of an uploaded collection still refers to:
    /// a lookup per path and collection by the store's (collection, path) index, not a listing of every record.
    public func referenced(_ paths: [String]) throws -> Set<String> {
        var found: Set<String> = []
        for info in try store.collections() where info.root == dataFolder { found.formUnion(try store.imageIDs(in: info, paths: paths).keys) }
        return found
    }

    /// Only what uploads write is ever removed: `ab/<64 hex>.jpg|png`, or a temporary `ab/.partial-…`
    /// (whatever else a person keeps in the folder stays).
    static func isUploadFile(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[0].allSatisfy(\.isHexDigit) else { return false }
        let name = parts[1]
        if name.hasPrefix(DurableFile.temporaryPrefix) { return true }
        let stem = name.split(separator: ".")
        return stem.count == 2 && stem[0].count == 64 && stem[0].hasPrefix(parts[0]) && stem[0].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
            && ["jpg", "png"].contains(stem[1])
    }

    private func summary(_ info: CollectionInfo, concepts: [CollectionSummary.ConceptCount]?) -> CollectionSummary {
        CollectionSummary(name: info.name, images: info.images, embedding: info.embedding, mapper: info.mapper, descriptor: info.descriptor, created: info.createdAt,
                          uploaded: info.root == dataFolder, concepts: concepts)
    }

    /// Images per concept where the collection first parts: from the root down while one concept holds them all, then its children.
    private func conceptCounts(_ info: CollectionInfo) throws -> [CollectionSummary.ConceptCount]? {
        guard let embedding = info.embedding else { return nil }
        let tree = try SearchEngine.conceptTree(store: store, embedding: try store.embeddingInfo(named: embedding))
        var count: [Int: Int] = [:]
        for image in try store.images(in: info, vectors: false) {
            guard let node = (image.label ?? image.topClasses.first?.wnid).flatMap({ tree.node(forKey: $0) }) else { continue }
            for (ancestor, _) in tree.taxonomy.ancestors(of: node) { count[ancestor, default: 0] += 1 }
        }
        var level = tree.taxonomy.hierarchy.roots.filter { count[$0] != nil }
        while level.count == 1 {
            let children = tree.taxonomy.hierarchy.children(of: level[0]).map(Int.init).filter { count[$0] != nil }
            guard !children.isEmpty else { break }
            level = children
        }
        return level.map { CollectionSummary.ConceptCount(concept: tree.label($0), images: count[$0]!) }
            .sorted { ($1.images, $0.concept.name) < ($0.images, $1.concept.name) }
    }
}
