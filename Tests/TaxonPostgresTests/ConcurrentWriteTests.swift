import Foundation
import Synchronization
import TaxonTesting
import XCTest
import TaxonModel
@testable import TaxonPostgres

/// Writers on separate connections touching the same rows in opposite orders: on READ COMMITTED each takes
/// row locks as it goes, so the store must take them in one order, or PostgreSQL breaks the cycle by failing one.
final class ConcurrentWriteTests: XCTestCase {
    /// Writer 0 and writer 1 at once, each on a connection of its own, `rounds` writes each; the errors thrown.
    private func together(_ url: String, rounds: Int = 8, _ write: @escaping @Sendable (PostgresStore, Int) throws -> Void) -> [String] {
        let errors = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            do {
                let store = try PostgresStore(location: url)
                for _ in 0..<rounds { try write(store, writer) }
            } catch { errors.withLock { $0.append("\(error)") } }
        }
        return errors.withLock { $0 }
    }

    func testOverlappingUploadsInOppositeOrdersBothCommit() throws {
        let url = try PostgresServer.freshDatabase(), store = try PostgresStore(location: url)
        let info = try store.openCollection(name: "shared", root: "/photos", descriptor: "gap", embedding: nil, mapper: nil, replace: false)
        let records = (0..<60).map { n in
            ImageRecord(path: "\(n).jpg", sha256: "\(n)", bytes: 1, width: 1, height: 1, topClasses: [], descriptor: [1, Float(n)], embedding: nil)
        }
        XCTAssertEqual(together(url) { store, writer in
            try store.updateImages(of: info, upserting: writer == 0 ? records : records.reversed())
        }, [])
        // An annotation (one image's row and the collection's) beside uploads of every row.
        let last = try XCTUnwrap(try store.images(in: info, vectors: false).last?.id)
        XCTAssertEqual(together(url) { store, writer in
            if writer == 0 { _ = try store.annotateImage(last, in: info, label: .keep, tags: ["seen"]) } else { try store.updateImages(of: info, upserting: records) }
        }, [])
        XCTAssertEqual(try store.images(in: info, vectors: false).count, 60)
    }

    func testOverlappingFeatureCachesInOppositeOrdersBothCommit() throws {
        let url = try PostgresServer.freshDatabase()
        let features = (0..<60).map { n in (sha256: String(format: "%064d", n), feature: [Float(n)]) }
        XCTAssertEqual(together(url) { store, writer in
            try store.cacheFeatures(network: "lite0", writer == 0 ? features : features.reversed())
        }, [])
        XCTAssertEqual(try PostgresStore(location: url).cachedFeatures(network: "lite0", hashes: features.map(\.sha256)).count, 60)
    }
}
