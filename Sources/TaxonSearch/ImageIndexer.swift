import Foundation
import TaxonLinalg
import TaxonModel
import TaxonVision

/// What one `taxon index` run did.
public struct IndexReport: Sendable {
    public var added = 0, updated = 0, unchanged = 0, removed = 0, reembedded = 0
    /// Files that could not be read or decoded: (relative path, why). They are skipped.
    public var failed: [(path: String, reason: String)] = []

    /// Adds what another run (another worker on the same collection) did.
    public mutating func add(_ other: IndexReport) {
        (added, updated, unchanged) = (added + other.added, updated + other.updated, unchanged + other.unchanged)
        (removed, reembedded) = (removed + other.removed, reembedded + other.reembedded)
        failed += other.failed
    }
}

/// Indexes a folder into a collection: every .jpg, .jpeg and .png below it
/// (recursively), decoded and run through the network on both cores.
/// Unchanged files (same SHA-256) are skipped, vanished ones removed, a file
/// that does not decode is reported and skipped. Each batch is written in its
/// own transaction, so readers see progress and an interrupted run resumes.
public struct ImageIndexer {
    public let store: Store
    public let analyzer: ImageAnalyzer
    public var batch = 16

    /// An indexer writing into `store` with `analyzer`.
    public init(store: Store, analyzer: ImageAnalyzer) {
        (self.store, self.analyzer) = (store, analyzer)
    }

    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    /// The image files below `root`, relative, sorted. Symbolic links are not followed.
    public static func imageFiles(below root: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else { throw SearchError.noFolder(root) }
        let base = URL(fileURLWithPath: root).standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey]) else {
            throw SearchError.noFolder(root)
        }
        var files: [String] = []
        for case let url as URL in walker where extensions.contains(url.pathExtension.lowercased()) {
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            guard values?.isRegularFile == true, values?.isSymbolicLink != true else { continue }
            files.append(String(url.standardizedFileURL.path.dropFirst(base.path.count + 1)))
        }
        return files.sorted()
    }

    /// Indexes every photo below `folder`: new and changed ones analysed, vanished ones removed, bad ones reported; one transaction per batch.
    /// `label` gives a new or changed photo's label from its relative path (nil: none); `only` (relative paths)
    /// keeps the collection to those photos of the folder.
    public func index(folder: String, collection name: String, replace: Bool = false, only: Set<String>? = nil,
                      progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }, label: (String) -> String? = { _ in nil }) throws -> IndexReport {
        let run = try prepare(folder: folder, collection: name, replace: replace, only: only)
        var report = run.report
        progress(0, run.files.count)
        for start in stride(from: 0, to: run.files.count, by: batch) {
            let chunk = Array(run.files[start..<min(start + batch, run.files.count)])
            let analysed = try analyse(chunk, of: run, report: &report, label: label)
            try store.updateImages(of: run.collection, upserting: analysed)
            for record in analysed { if run.stored[record.path] == nil { report.added += 1 } else { report.updated += 1 } }
            progress(min(start + batch, run.files.count), run.files.count)
        }
        try StyleSpace.refresh(store: store, collection: run.collection)
        return report
    }

    /// Indexes the folder as one of several workers (in this process or on other machines, on one store):
    /// every photo is queued as a job, and this worker claims `batch` at a time for `lease` seconds, analyses
    /// them and writes their records while it still holds the claims. It ends when no job is left open,
    /// waiting for claims of workers that died to lapse and taking them over. The report counts what this
    /// worker did.
    public func indexShared(folder: String, collection name: String, worker: String, lease: Double, only: Set<String>? = nil,
                            progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }, label: (String) -> String? = { _ in nil }) throws -> IndexReport {
        let run = try prepare(folder: folder, collection: name, replace: false, only: only)
        var report = run.report
        try store.queueIndexJobs(in: run.collection, paths: run.files)
        progress(0, run.files.count)
        while true {
            let claimed = try store.claimIndexJobs(in: run.collection, worker: worker, limit: batch, lease: lease)
            if claimed.isEmpty {
                let open = try store.openIndexJobs(in: run.collection)
                if open == 0 { break }
                progress(run.files.count - open, run.files.count)
                Thread.sleep(forTimeInterval: min(1, lease / 4))  // others hold the rest: wait for them to finish or lapse
                continue
            }
            var partial = IndexReport()
            let analysed = try analyse(claimed, of: run, report: &partial, label: label)
            let accepted = try store.completeIndexJobs(in: run.collection, worker: worker, records: analysed, finished: claimed)
            // Counted only where this worker's result was the one written.
            for record in analysed where accepted.contains(record.path) {
                if run.stored[record.path] == nil { report.added += 1 } else { report.updated += 1 }
            }
            report.unchanged += partial.unchanged
            report.failed += partial.failed
            progress(run.files.count - (try store.openIndexJobs(in: run.collection)), run.files.count)
        }
        try StyleSpace.refresh(store: store, collection: run.collection)
        return report
    }

    /// What a run knows before it analyses: the collection, the folder's photos and what is stored of them.
    private struct Run {
        let root: String
        let files: [String]
        let collection: CollectionInfo
        let stored: [String: ImageRecord]
        let lackingFacets: Set<String>
        let report: IndexReport
    }

    /// Opens the collection, removes the records of vanished photos and gives kept ones a missing semantic vector.
    private func prepare(folder: String, collection name: String, replace: Bool, only: Set<String>?) throws -> Run {
        let root = absolutePath(folder)
        let files = try Self.imageFiles(below: root).filter { only?.contains($0) ?? true }
        let collection = try store.openCollection(name: name, root: root, descriptor: analyzer.descriptor.rawValue,
                                                  embedding: analyzer.space?.embedding.name, mapper: analyzer.head?.name, replace: replace)
        var report = IndexReport()
        let stored = Dictionary(uniqueKeysWithValues: try store.images(in: collection, vectors: false).map { ($0.path, $0) })
        let lackingFacets = try store.pathsLackingFacets(in: collection)  // indexed before style and colour: analysed again
        let present = Set(files)
        let vanished = stored.values.filter { !present.contains($0.path) }.map(\.id)
        try store.updateImages(of: collection, upserting: [], removing: vanished)
        report.removed = vanished.count

        // Images kept from earlier runs whose semantic vector is missing (a new embedding) get one from their top classes.
        if let space = analyzer.space {
            let lacking = try store.imagesLackingEmbedding(in: collection)
            try store.setEmbeddings(of: collection, lacking.map { (id: $0.id, embedding: space.project($0.topClasses)) })
            report.reembedded = lacking.count
        }
        return Run(root: root, files: files, collection: collection, stored: stored, lackingFacets: lackingFacets, report: report)
    }

    /// The records of the new and changed photos among `chunk`; unchanged and unreadable ones are counted in `report`.
    private func analyse(_ chunk: [String], of run: Run, report: inout IndexReport, label: (String) -> String?) throws -> [ImageRecord] {
        // Read, hash and decode on both cores; the network then takes the batch.
        let loaded = try parallelMap(chunk) { path -> Result<(Data, String), any Error> in
            Result { let data = try Data(contentsOf: URL(fileURLWithPath: run.root + "/" + path)); return (data, ContentHash.sha256(data)) }
        }
        var changed: [(path: String, data: Data, sha: String)] = []
        for (path, result) in zip(chunk, loaded) {
            switch result {
            case let .success((data, sha)):
                if run.stored[path]?.sha256 == sha && !run.lackingFacets.contains(path) { report.unchanged += 1 } else { changed.append((path, data, sha)) }
            case let .failure(error): report.failed.append((path, "\(error)"))
            }
        }
        let size = analyzer.network.inputSize
        let decoded = try parallelMap(changed.map { ($0.path, $0.data) }) { path, data in
            Result { try ImageAnalyzer.prepare(data, name: path, size: size) }
        }
        var good: [(path: String, data: Data, sha: String, image: ImageAnalyzer.Prepared)] = []
        for (entry, result) in zip(changed, decoded) {
            switch result {
            case let .success(image): good.append((entry.path, entry.data, entry.sha, image))
            case let .failure(error): report.failed.append((entry.path, "\(error)"))
            }
        }
        let analyses = analyzer.analyze(good.map(\.image), style: true)
        return zip(good, analyses).map { entry, analysis in
            var record = analysis.record(path: entry.path, sha256: entry.sha, bytes: entry.data.count)
            record.label = label(entry.path)
            return record
        }
    }
}
