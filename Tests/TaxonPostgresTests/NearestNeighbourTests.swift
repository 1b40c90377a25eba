import Foundation
import TaxonTesting
import XCTest
import TaxonLinalg
import TaxonModel
@testable import TaxonPostgres
@testable import TaxonStore

/// HNSW indexes on a real PostgreSQL: what they find against an exact scan, that the planner uses them,
/// their filters, and their life with the collection's.
final class NearestNeighbourTests: XCTestCase {
    private static let dims = 32

    /// `count` photos with seeded random unit descriptors, every tenth tagged "even-tenth".
    private func collection(_ store: PostgresStore, count: Int) throws -> (CollectionInfo, [[Float]]) {
        let info = try store.openCollection(name: "random", root: "/photos", descriptor: "gap", embedding: nil, mapper: nil, replace: false)
        var random = SplitMix64(seed: 19)
        let vectors = (0..<count).map { _ in
            let raw = (0..<Self.dims).map { _ in Float(random.nextUnit() * 2 - 1) }
            let norm = sqrt(raw.reduce(0) { $0 + $1 * $1 })
            return raw.map { $0 / norm }
        }
        try store.updateImages(of: info, upserting: vectors.enumerated().map { n, vector in
            ImageRecord(path: "p\(n).jpg", sha256: "\(n)", bytes: 1, width: 1, height: 1, topClasses: [], descriptor: vector, embedding: nil,
                        tags: n % 10 == 0 ? ["even-tenth"] : [])
        })
        return (try store.collection(named: "random"), vectors)
    }

    func testHNSWFindsWhatAnExactScanFinds() throws {
        let store = try PostgresStore(location: try PostgresServer.freshDatabase())
        let (info, vectors) = try collection(store, count: 3_000)
        let ids = try store.images(in: info, vectors: false).map(\.id)  // in path order = insertion order = vectors' order
        XCTAssertEqual(try store.nearestNeighbourIndexes(ofCollection: info.id), [])
        let built = try store.buildNearestNeighbourIndex(of: info, on: .descriptor, m: 16, efConstruction: 64, memoryMB: 256)
        XCTAssertEqual(built, NearestNeighbourIndex(vector: .descriptor, dims: Self.dims, m: 16, efConstruction: 64))
        XCTAssertEqual(try store.nearestNeighbourIndexes(ofCollection: info.id), [built])

        // The planner takes the index for the scan's statement.
        let plan = try store.session.query("""
            EXPLAIN SELECT id FROM image WHERE collection_id = \(info.id) ORDER BY descriptor::vector(32) <#> \(PGVector(vectors[0])) LIMIT 10
            """).map { try $0.decode(String.self) }.joined(separator: "\n")
        XCTAssertTrue(plan.contains("image_hnsw_descriptor_\(info.id)"), plan)

        // Recall@10 against the exact top 10, over 50 queries (the photos themselves, left out of their own results).
        var found = 0
        for q in 0..<50 {
            var filter = ImageFilter(embedding: nil)
            filter.excludedIDs = [ids[q]]
            let scores = vectors.map { v in zip(v, vectors[q]).reduce(0) { $0 + $1.0 * $1.1 } }
            let exact = Set(ids.indices.filter { $0 != q }.sorted { scores[$0] > scores[$1] }.prefix(10).map { ids[$0] })
            let approximate = try store.nearestImages(in: info, on: .descriptor, to: vectors[q], k: 10, efSearch: 100, filter: filter, exact: false)
            XCTAssertEqual(approximate.count, 10)
            XCTAssertFalse(approximate.contains(ids[q]))
            found += exact.intersection(approximate).count
            if q < 5 {  // scoring every photo, without the index, is the exact search
                XCTAssertEqual(Set(try store.nearestImages(in: info, on: .descriptor, to: vectors[q], k: 10, efSearch: 100, filter: filter, exact: true)), exact)
            }
        }
        XCTAssertGreaterThanOrEqual(Double(found) / 500, 0.95, "recall@10")

        // A selective filter: the iterative scan goes on until k photos pass it.
        var tagged = ImageFilter(embedding: nil)
        tagged.tags = ["even-tenth"]
        XCTAssertEqual(try store.countImages(in: info, filter: tagged), 300)
        let some = try store.nearestImages(in: info, on: .descriptor, to: vectors[1], k: 40, efSearch: 20, filter: tagged, exact: false)
        XCTAssertEqual(some.count, 40)
        let tenths = Set(stride(from: 0, to: ids.count, by: 10).map { ids[$0] })
        XCTAssertTrue(Set(some).isSubset(of: tenths))
        XCTAssertEqual(try store.images(in: info, ids: Array(some.prefix(3))).map(\.descriptor.count), [Self.dims, Self.dims, Self.dims])
    }

    func testIndexesLiveAndDieWithTheirCollection() throws {
        let store = try PostgresStore(location: try PostgresServer.freshDatabase())
        let (info, _) = try collection(store, count: 50)
        XCTAssertThrowsError(try store.buildNearestNeighbourIndex(of: info, on: .embedding, m: 16, efConstruction: 64, memoryMB: 256)) {
            XCTAssertEqual($0 as? DatabaseSearchError, .nothingToIndex(collection: "random", vector: "embedding"))
        }
        XCTAssertThrowsError(try store.buildNearestNeighbourIndex(of: info, on: .descriptor, m: 16, efConstruction: 20, memoryMB: 256)) {
            XCTAssertTrue("\($0)".contains("at least 2·m (32)"), "\($0)")
        }
        XCTAssertThrowsError(try store.nearestImages(in: info, on: .descriptor, to: [1], k: 1, efSearch: 5_000, filter: ImageFilter(embedding: nil), exact: false))
        var concepts = ImageFilter(embedding: nil)
        concepts.within = ["n00001740"]
        XCTAssertThrowsError(try store.countImages(in: info, filter: concepts)) { XCTAssertTrue("\($0)".contains("embedding"), "\($0)") }

        _ = try store.buildNearestNeighbourIndex(of: info, on: .descriptor, m: 8, efConstruction: 32, memoryMB: 256)
        XCTAssertEqual(try store.nearestNeighbourIndexes(ofCollection: info.id).map(\.m), [8])  // rebuilt with the new parameters
        try store.deleteCollection(named: "random")
        XCTAssertEqual(try store.session.scalar("SELECT count(*) FROM pg_class WHERE relname LIKE 'image_hnsw_%'", as: Int.self), 0)

        let (again, _) = try collection(store, count: 50)
        _ = try store.buildNearestNeighbourIndex(of: again, on: .descriptor, m: 16, efConstruction: 64, memoryMB: 256)
        try store.dropNearestNeighbourIndexes(of: again)
        XCTAssertEqual(try store.nearestNeighbourIndexes(ofCollection: again.id), [])

        // SQLite searches in memory: it has no such indexes, and says so.
        XCTAssertFalse(try SQLiteStore(path: try PostgresServer.sqlitePath()) is any DatabaseSearchStore)
    }
}
