import Foundation
import Hummingbird
import HummingbirdTesting
import TaxonKit
import TaxonTesting
import XCTest
@testable import TaxonServer

/// The adapters are thin: one service method gives the same answer through the
/// library, the CLI and HTTP; blocking work does not hold up the server; an
/// unexpected failure answers 500 with a request id and no internals.
final class ServiceLayerTests: XCTestCase {
    func testOneServiceMethodAnswersAlikeInLibraryCLIAndHTTP() async throws {
        let built = try Fixture.get()
        let library = try EmbeddingService(store: try Stores.open(built.store)).neighbors(embedding: "unit", of: "tabby", k: 5).neighbors
        XCTAssertEqual(library.count, 5)

        let printed = try Fixture.taxon(["embedding", "neighbors", "unit", "tabby", "-k", "5", "--json", "--db", built.store])
        let cli = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [[String: Any]])

        let body = try await Application(router: buildRouter(built.service)).test(.router) { client in
            try await client.execute(uri: "/v1/embeddings/unit/neighbors?concept=tabby&k=5", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                return Data(buffer: response.body)
            }
        }
        let http = try XCTUnwrap((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["neighbors"] as? [[String: Any]])
        for answer in [cli, http] {
            XCTAssertEqual(answer.map { $0["key"] as? String }, library.map(\.key))
            XCTAssertEqual(answer.map { $0["name"] as? String }, library.map(\.name))
            for (given, expected) in zip(answer.compactMap { $0["score"] as? Double }, library.map(\.score)) {
                XCTAssertEqual(given, expected, accuracy: 1e-12)
            }
        }
    }

    /// Photo searches run the network on the service's thread pool: while
    /// several are in flight, /healthz still answers at once.
    func testHealthAnswersWhilePhotoSearchesRun() async throws {
        let built = try Fixture.get()
        let photo = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: Fixture.chelsea)))
        let service = try TaxonService(storePath: built.store, weights: Fixture.weights, threads: 2)
        let finished = Finished()
        try await Application(router: buildRouter(service)).test(.router) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await client.execute(uri: "/v1/search?collection=pets&k=3", method: .post, headers: [.contentType: "image/png"],
                                                 body: photo) { response in XCTAssertEqual(response.status, .ok) }
                        finished.add("search")
                    }
                }
                try await Task.sleep(for: .milliseconds(200))
                let started = ContinuousClock.now
                try await client.execute(uri: "/healthz", method: .get) { response in XCTAssertEqual(response.status, .ok) }
                finished.add("health")
                let waited = ContinuousClock.now - started
                try await group.waitForAll()
                // Six searches on two worker threads take several network runs each; health came before all but a few.
                XCTAssertLessThanOrEqual(finished.order.firstIndex(of: "health") ?? 99, 2, "\(finished.order), health took \(waited)")
                XCTAssertLessThan(waited, .seconds(1), "\(finished.order)")
            }
        }
    }

    func testUnexpectedFailureAnswers500WithRequestIDOnly() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-500-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let built = try Fixture.get()
        let store = directory.appendingPathComponent("s.sqlite").path
        try FileManager.default.copyItem(atPath: built.store, toPath: store)
        let service = try TaxonService(storePath: store, weights: nil)
        // The store loses a table under the running service: its SQL now fails.
        try Fixture.sqlite(store, "ALTER TABLE embedding RENAME TO lost")
        try await Application(router: buildRouter(service)).test(.router) { client in
            try await client.execute(uri: "/v1/embeddings", method: .get) { response in
                XCTAssertEqual(response.status, .internalServerError)
                let detail = try Check.object(response)["detail"] as? String ?? ""
                XCTAssertTrue(detail.contains("request id"), detail)
                XCTAssertFalse(detail.lowercased().contains("sql") || detail.contains("embedding"), detail)
            }
        }
    }
}

/// The order in which concurrent requests finished.
private final class Finished: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String] = []
    func add(_ name: String) { lock.withLock { names.append(name) } }
    var order: [String] { lock.withLock { names } }
}

/// `taxon serve --access-log`, a real process: a line per request with method, route, status, duration and request id.
final class AccessLogTests: XCTestCase {
    func testAccessLogLines() throws {
        let built = try Fixture.get()
        let port = 20_000 + Int.random(in: 0..<20_000)
        let server = Process(), out = Pipe()
        server.executableURL = Fixture.executable
        server.arguments = ["serve", "--access-log", "--port", String(port), "--db", built.store, "--weights", "/nonexistent"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = out  // swift-log's default stream
        try server.run()
        var answered = 0
        for _ in 0..<100 where answered < 3 {
            if HTTPGet.fetch(URL(string: "http://127.0.0.1:\(port)/healthz")!)?.status == 200 { answered += 1 } else { Thread.sleep(forTimeInterval: 0.2) }
        }
        XCTAssertEqual(HTTPGet.fetch(URL(string: "http://127.0.0.1:\(port)/v1/concepts/nowhere.n.09")!)?.status, 404)
        server.terminate()  // SIGTERM: a graceful stop
        server.waitUntilExit()
        let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = log.split(separator: "\n").filter { $0.contains("] request") || $0.contains(" request ") }
        XCTAssertEqual(answered, 3, log)
        XCTAssertEqual(lines.filter { $0.contains("route=/healthz") && $0.contains("status=200") && $0.contains("method=GET") }.count, 3, log)
        XCTAssertTrue(lines.contains { $0.contains("route=/v1/concepts/{ref}") && $0.contains("status=404") }, log)
        XCTAssertTrue(lines.allSatisfy { $0.contains("hb.request.id=") && $0.contains("ms=") }, log)
    }
}

/// /metrics: Prometheus text with per-route counters and latency histograms.
final class MetricsTests: XCTestCase {
    func testMetricsCountRequestsByRouteAndStatus() async throws {
        let built = try Fixture.get()
        try await Application(router: buildRouter(built.service)).test(.router) { client in
            for _ in 0..<3 { try await client.execute(uri: "/v1/similarity?a=dog.n.01&b=cat.n.01", method: .get) { XCTAssertEqual($0.status, .ok) } }
            try await client.execute(uri: "/v1/similarity?a=dog.n.01&b=nowhere.n.09", method: .get) { XCTAssertEqual($0.status, .notFound) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertTrue(response.headers[.contentType]?.hasPrefix("text/plain") ?? false)
                let text = String(buffer: response.body)
                let lines = text.split(separator: "\n")
                func value(_ prefix: String, _ labels: [String]) -> Double? {
                    lines.first { $0.hasPrefix(prefix) && labels.allSatisfy($0.contains) }.flatMap { Double($0.split(separator: " ").last!) }
                }
                let ok = ["http_route=\"/v1/similarity\"", "http_response_status_code=\"200\""]
                XCTAssertGreaterThanOrEqual(value("hb_requests{", ok) ?? 0, 3, text)
                XCTAssertGreaterThanOrEqual(value("hb_requests{", ["http_route=\"/v1/similarity\"", "http_response_status_code=\"404\""]) ?? 0, 1, text)
                XCTAssertGreaterThanOrEqual(value("http_server_request_duration_count{", ok) ?? 0, 3, text)
                XCTAssertTrue(text.contains("http_server_request_duration_bucket{"), text)
            }
        }
    }
}
