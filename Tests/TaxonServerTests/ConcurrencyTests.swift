import Foundation
import Hummingbird
import HummingbirdTesting
import TaxonSearch
@testable import TaxonStore
import TaxonModel
import TaxonVision
import XCTest
@testable import TaxonServer

/// Queries keep being answered, and answered right, while `taxon index`
/// writes to the same store (WAL: readers never wait for the writer).
final class ConcurrencyTests: XCTestCase {
    private final class Progress: @unchecked Sendable {
        private let lock = NSLock()
        private var finished = false, failure: (any Error)?
        var isFinished: Bool { lock.withLock { finished } }
        func finish(_ error: (any Error)?) { lock.withLock { (finished, failure) = (true, error) } }
        func error() -> (any Error)? { lock.withLock { failure } }
    }

    func testQueriesAreAnsweredWhileIndexing() async throws {
        let built = try Fixture.get()
        let folder = built.directory.appendingPathComponent("growing")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sample = try FileManager.default.contentsOfDirectory(atPath: Fixture.sample).filter { $0.hasSuffix(".jpg") }.sorted()
        let chosen = stride(from: 0, to: sample.count, by: max(sample.count / 12, 1)).prefix(12).map { sample[$0] }
        for name in chosen { try FileManager.default.copyItem(atPath: Fixture.sample + "/" + name, toPath: folder.appendingPathComponent(name).path) }

        // The writer: its own connection, two photos per transaction.
        let progress = Progress(), storePath = built.store, network = try XCTUnwrap(built.service.network)
        Thread.detachNewThread {
            do {
                let store = try SQLiteStore(path: storePath)
                let classes = try SearchEngine.networkClasses(store: store, classSet: "ilsvrc2012")
                let space = try SemanticSpace(store: store, embedding: "unit", networkClasses: classes)
                var indexer = ImageIndexer(store: store, analyzer: ImageAnalyzer(network: network, classes: classes, descriptor: .gem, space: space))
                indexer.batch = 2
                _ = try indexer.index(folder: folder.path, collection: "growing")
                progress.finish(nil)
            } catch {
                progress.finish(error)
            }
        }

        let (answered, sizes) = try await Application(router: buildRouter(built.service)).test(.router) { client in
            var answered = 0, sizes: [Int] = []
            while !progress.isFinished {
                try await client.execute(uri: "/v1/similarity?a=dog.n.01&b=cat.n.01&measure=wup", method: .get) { response in
                    XCTAssertEqual(try Check.object(response)["score"] as? Double, 0.8571428571428571)
                }
                try await client.execute(uri: "/v1/search?collection=pets&concept=tabby.n.01&ranking=semantic&k=5", method: .get) { response in
                    XCTAssertEqual((try Check.object(response)["results"] as? [Any])?.count, 5)
                }
                let size = try await client.execute(uri: "/v1/search?collection=growing&concept=tabby.n.01&ranking=semantic&k=1000", method: .get) {
                    response -> Int? in
                    // Before the collection exists: 404; before its first batch: 422; after: every image committed so far.
                    if response.status == .notFound { try Check.assertError(response, .notFound, "growing"); return nil }
                    if response.status == .unprocessableContent { try Check.assertError(response, .unprocessableContent, "has no images"); return nil }
                    return (try Check.object(response)["results"] as? [Any])?.count ?? -1
                }
                if let size { sizes.append(size) }
                answered += 3
            }
            try await client.execute(uri: "/v1/search?collection=growing&concept=tabby.n.01&ranking=semantic&k=1000", method: .get) { response in
                XCTAssertEqual((try Check.object(response)["results"] as? [Any])?.count, chosen.count)
            }
            return (answered, sizes)
        }
        XCTAssertNil(progress.error())
        XCTAssertGreaterThanOrEqual(answered, 6, "queries answered during the indexing")
        XCTAssertEqual(sizes, sizes.sorted(), "the collection only grows, batch by batch: \(sizes)")
        XCTAssertTrue(sizes.allSatisfy { $0 % 2 == 0 || $0 == chosen.count }, "whole batches only: \(sizes)")
    }
}
