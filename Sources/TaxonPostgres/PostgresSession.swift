import Foundation
import PostgresNIO
import Synchronization

/// One connection to the server, used synchronously: the storage protocols are
/// synchronous, and their callers (the CLI, the server's thread pool) run them
/// on threads of their own, never on an event loop, so waiting here is safe.
/// Not thread-safe, like a SQLite connection: a session belongs to one thread at a time.
final class PostgresSession {
    private(set) var connection: PostgresConnection
    let location: PostgresLocation
    private let logger = Logger(label: "taxon.postgres")
    /// Nesting depth of `transaction`: inner levels are savepoints.
    private var depth = 0
    /// Bulk writers holding rows not yet sent: sent before any other statement, so that every
    /// statement (a class set naming new concepts, COMMIT) sees all that was written before it.
    private var pendingWriters: [any PendingRows] = []
    private var flushing = false

    /// Connections made so far in this process: ids for the client's log lines.
    private static let counter = Atomic<Int>(0)

    init(_ location: PostgresLocation) throws {
        self.location = location
        connection = try Self.connect(location, logger: logger)
    }

    private static func connect(_ location: PostgresLocation, logger: Logger) throws -> PostgresConnection {
        let id = counter.wrappingAdd(1, ordering: .relaxed).newValue
        do {
            return try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: try location.configuration(),
                                                  id: id, logger: logger).wait()
        } catch {
            let reason = (PostgresStoreError.wrapping(error, statement: "connect") as? PostgresStoreError).map {
                if case let .server(message, _, _) = $0 { return message }
                return "\($0)"
            } ?? "\(error)"
            throw PostgresLocationError.unreachable(location: location.description, reason: reason)
        }
    }

    /// A connection the server closed (a restart, a fail-over, an idle timeout) is opened again before the
    /// next statement outside a transaction. A statement that was under way when it closed is not sent
    /// again — it may have run — and inside a transaction the error stands: the transaction is lost.
    private func reopenIfClosed() throws {
        if connection.isClosed, depth == 0 { connection = try Self.connect(location, logger: logger) }
    }

    deinit { try? connection.close().wait() }

    /// Runs one statement with bound values and returns its rows.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        try flushPending()
        try reopenIfClosed()
        // Row by row into an array of our own: postgres-nio's collect-all future copies its array on every
        // row (quadratic: a million-photo collection took over ten minutes to read).
        let collected = CollectedRows()
        do {
            _ = try connection.query(query, logger: logger) { collected.rows.append($0) }.wait()
            return collected.rows
        } catch {
            throw PostgresStoreError.wrapping(error, statement: query.sql)
        }
    }

    /// The first column of the first row, nil without rows.
    func scalar<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) throws -> T? {
        guard let row = try self.query(query).first else { return nil }
        return try row.decode(T.self)
    }

    /// Registers a bulk writer until the outermost transaction ends.
    func register(_ writer: any PendingRows) { pendingWriters.append(writer) }

    /// Sends the rows the bulk writers hold.
    func flushPending() throws {
        guard !pendingWriters.isEmpty, !flushing else { return }
        flushing = true
        defer { flushing = false }
        for writer in pendingWriters { try writer.flush() }
    }

    /// Runs a script of statements with no values (schema steps, BEGIN, COMMIT …), one statement at a time:
    /// the client speaks only the extended protocol, which takes one statement per message.
    func execute(_ script: String) throws {
        for statement in Self.statements(of: script) {
            try query(PostgresQuery(unsafeSQL: statement))
        }
    }

    /// The statements of a script, split at semicolons outside quotes and comments. Enough for the
    /// migrations, which hold no function bodies (no dollar quoting).
    static func statements(of script: String) -> [String] {
        var statements: [String] = [], current = ""
        var quote: Character? = nil, comment = false, previous: Character = " "
        for character in script {
            if comment {
                if character == "\n" { comment = false }
                previous = character
                continue
            }
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "-", previous == "-" {
                current.removeLast()
                comment = true
                previous = character
                continue
            } else if character == ";" {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
                previous = character
                continue
            }
            current.append(character)
            previous = character
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }

    /// Runs `body` in one transaction, committed when it returns and rolled back when it throws;
    /// a nested call is a savepoint, so an inner failure undoes only its own part.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        let savepoint = "taxon_\(depth)"
        try execute(depth == 0 ? "BEGIN" : "SAVEPOINT \(savepoint)")
        depth += 1
        defer {
            depth -= 1
            if depth == 0 { pendingWriters.removeAll() }
        }
        do {
            let result = try body()
            try execute(depth == 1 ? "COMMIT" : "RELEASE SAVEPOINT \(savepoint)")
            return result
        } catch {
            try? execute(depth == 1 ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT \(savepoint)")
            throw error
        }
    }
}

/// The rows of one statement as they arrive. Appended to on the connection's event loop, one row at a
/// time, and read only after the statement's future has completed (which orders the two).
private final class CollectedRows: @unchecked Sendable {
    var rows: [PostgresRow] = []
}
