import Foundation
import TaxonSearch
import TaxonTesting
import XCTest

/// Issue #17's crash promise with a real process: a stream of uploads, `kill -9` of the server in the middle,
/// a restart — every acknowledged photo is there and searchable, no orphan file, and `taxon check` agrees;
/// on SQLite and on PostgreSQL.
final class CrashTests: XCTestCase {
    func testKillNineLosesNoAcknowledgedUpload() throws {
        let built = try Fixture.get()
        for db in try Fixture.backends(built) { try killNineLosesNoAcknowledgedUpload(built, db: db) }
    }

    private func killNineLosesNoAcknowledgedUpload(_ built: Fixture.Built, db: String) throws {
        let tag = UUID().uuidString.prefix(8).lowercased()
        let admin = try Fixture.taxon(["keys", "create", "--name", "crash-admin-\(tag)", "--scope", "admin", "--db", db])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let data = built.directory.appendingPathComponent("crash-\(tag)").path
        func start() throws -> ServerProcess { try ServerProcess(store: db, ["--data", data]) }
        let auth = ["Authorization": "Bearer \(admin)"]
        let name = "crash-\(tag)"
        var server = try start()
        XCTAssertEqual(server.send("/v1/collections/\(name)", method: "PUT", headers: auth).status, 201)

        // Uploads one at a time on another thread; the server is killed once eight have been acknowledged.
        let photos = try FileManager.default.contentsOfDirectory(atPath: Fixture.sample).filter { $0.hasSuffix(".jpg") }.sorted().prefix(40)
        final class Acknowledged: @unchecked Sendable {
            let lock = NSLock()
            var uploads: [(id: Int64, sha256: String)] = []
            var count: Int { lock.withLock { uploads.count } }
        }
        let acknowledged = Acknowledged(), finished = DispatchSemaphore(value: 0)
        let uploadURL = URL(string: server.base + "/v1/collections/\(name)/images")!
        let files = photos.map { Fixture.sample + "/" + $0 }
        Thread {
            for file in files {
                guard let bytes = FileManager.default.contents(atPath: file),
                      let answer = HTTPGet.send(uploadURL, method: "POST", headers: auth.merging(["Content-Type": "image/jpeg"]) { $1 }, body: bytes),
                      answer.status == 201,
                      let body = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
                      let image = (body["images"] as? [[String: Any]])?.first,
                      let id = (image["id"] as? NSNumber)?.int64Value, let sha = image["sha256"] as? String else { break }
                acknowledged.lock.withLock { acknowledged.uploads.append((id, sha)) }
            }
            finished.signal()
        }.start()
        for _ in 0..<600 where acknowledged.count < 8 { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertGreaterThanOrEqual(acknowledged.count, 8, "uploads did not get going")
        server.killNine()
        finished.wait()
        let kept = acknowledged.lock.withLock { acknowledged.uploads }
        XCTAssertLessThan(kept.count, files.count, "the kill came before the stream ended")

        server = try start()
        for (id, sha) in kept {
            XCTAssertEqual(server.send("/v1/images/\(id)").status, 200, "acknowledged image \(id) on \(db)")
            let file = HTTPGet.fetch(URL(string: server.base + "/v1/images/\(id)/file")!)
            XCTAssertEqual(file.map { ContentHash.sha256($0.body) }, sha, "image \(id)'s bytes")
        }
        let query = HTTPGet.send(URL(string: server.base + "/v1/collections/\(name)/query")!, method: "POST", headers: ["Content-Type": "application/json"],
                                 body: Data(#"{"positive": [{"image": \#(kept[0].id)}], "ranking": "visual", "limit": 1000}"#.utf8))
        let total = (try JSONSerialization.jsonObject(with: query?.body ?? Data()) as? [String: Any])?["total"] as? Int
        XCTAssertGreaterThanOrEqual(total ?? -1, kept.count - 1, "every acknowledged photo is searchable")
        server.stop()
        let check = try Subprocess.run(Fixture.executable, ["check", "--db", db, "--data", data])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("0 problem(s), 0 orphan file(s)"), check.stdout)

        // A lost file and a stray one are found, and --repair mends both.
        let stored = try FileManager.default.subpathsOfDirectory(atPath: data).filter { $0.hasSuffix(".jpg") }.sorted()
        try FileManager.default.removeItem(atPath: data + "/" + stored[0])
        let stray = "ff/" + String(repeating: "f", count: 64) + ".jpg"
        try FileManager.default.createDirectory(atPath: data + "/ff", withIntermediateDirectories: true)
        try Data("stray".utf8).write(to: URL(fileURLWithPath: data + "/" + stray))
        let found = try Subprocess.run(Fixture.executable, ["check", "--db", db, "--data", data])
        XCTAssertNotEqual(found.status, 0)
        XCTAssertTrue(found.stdout.contains("the file is missing") && found.stdout.contains("orphan file \(stray)"), found.stdout)
        XCTAssertEqual(try Subprocess.run(Fixture.executable, ["check", "--repair", "--db", db, "--data", data]).status, 0)
        XCTAssertEqual(try Subprocess.run(Fixture.executable, ["check", "--db", db, "--data", data]).status, 0)
    }
}
