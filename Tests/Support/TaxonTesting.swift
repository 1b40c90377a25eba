import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Helpers the test targets share: data they need, and processes they run.

/// A file or folder a test needs that the machine lacks: the test fails with
/// this message (never skips), naming the setup step that provides it.
public struct MissingTestData: Error, CustomStringConvertible {
    public let description: String
}

/// Something a test starts for itself (a server, a database) that would not start.
public struct SetupFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum TestData {
    /// The repository's root (the folder holding Package.swift).
    public static let repository: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { url.deleteLastPathComponent() }
        return url
    }()

    /// ../shared/data beside the repository (what CI lays out).
    public static let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/data")

    /// Returns `path`, or throws naming it and the step that installs it.
    @discardableResult
    public static func require(_ path: String, from step: String = "scripts/setup.sh") throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw MissingTestData(description: "missing \(path): \(step) provides it") }
        return path
    }

    /// Files the tests use, with the setup step behind each.
    @discardableResult public static func weights() throws -> String { try require(repository.appendingPathComponent("models/data/efficientnet-lite0.safetensors").path) }
    @discardableResult public static func chelsea() throws -> String { try require(repository.appendingPathComponent("models/data/chelsea.png").path) }
    @discardableResult public static func debianWordNet() throws -> String { try require("/usr/share/wordnet/data.noun", from: "scripts/setup.sh (Debian's wordnet-base)") }
    @discardableResult public static func princetonWordNet() throws -> String { try require(repository.appendingPathComponent("ontologies/data/wordnet-3.0").path) }
    @discardableResult public static func glove() throws -> String { try require(repository.appendingPathComponent("embeddings/data/glove-6b-50d.bin").path) }
    @discardableResult public static func imagenetSample() throws -> String {
        try require(shared.appendingPathComponent("imagenet-sample").path, from: "the shared data folder beside the repository (../shared/data)")
    }
    @discardableResult public static func sharedFile(_ relative: String) throws -> String {
        try require(shared.appendingPathComponent(relative).path, from: "the shared data folder beside the repository (../shared/data)")
    }
}

/// A finished process: its exit status and everything it wrote.
public struct ProcessOutput: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum Subprocess {
    /// Runs `executable` to the end. Both pipes are drained at once (standard
    /// error on a thread of its own), so a child that fills one pipe while we
    /// read the other cannot deadlock.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessOutput {
        let process = Process(), out = Pipe(), err = Pipe()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stderr = ErrorCollector()
        let reader = Thread { stderr.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessOutput(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                             stderr: String(decoding: stderr.wait(), as: UTF8.self))
    }
}

/// Standard error as the reader thread collected it.
private final class ErrorCollector: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()
    func set(_ value: Data) { data = value; done.signal() }
    func wait() -> Data { done.wait(); return data }
}

/// A blocking GET for tests of a live server: the status and body, nil when nothing answered.
public enum HTTPGet {
    /// Any method, with headers and a body; the status, the response's headers and its body (nil: no answer).
    public static func send(_ url: URL, method: String = "GET", headers: [String: String] = [:], body: Data? = nil)
        -> (status: Int, headers: [String: String], body: Data)? {
        final class Box: @unchecked Sendable { var answer: (Int, [String: String], Data)? }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let box = Box(), done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, _ in
            if let http = response as? HTTPURLResponse {
                let fields = Dictionary(http.allHeaderFields.map { ("\($0.key)".lowercased(), "\($0.value)") }, uniquingKeysWith: { first, _ in first })
                box.answer = (http.statusCode, fields, data ?? Data())
            }
            done.signal()
        }.resume()
        done.wait()
        return box.answer
    }

    public static func fetch(_ url: URL) -> (status: Int, body: Data)? {
        final class Box: @unchecked Sendable { var answer: (Int, Data)? }
        let box = Box(), done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: url) { data, response, _ in
            if let status = (response as? HTTPURLResponse)?.statusCode { box.answer = (status, data ?? Data()) }
            done.signal()
        }.resume()
        done.wait()
        return box.answer
    }
}

/// A real `taxon serve` process on a random port, up once /healthz answers; its output goes to `log` (nil: nowhere).
public final class ServerProcess: @unchecked Sendable {  // send is safe from any thread; start and stop are the test's
    public let process = Process()
    public let base: String

    /// Starts `executable serve --port P` with `arguments`; throws unless it answers within 30 s.
    public init(executable: URL, _ arguments: [String], log: URL? = nil) throws {
        let port = 20_000 + Int.random(in: 0..<20_000)
        base = "http://127.0.0.1:\(port)"
        process.executableURL = executable
        process.arguments = ["serve", "--port", String(port)] + arguments
        process.standardOutput = FileHandle.nullDevice
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        var up = false
        for _ in 0..<150 where !up {
            up = HTTPGet.fetch(URL(string: base + "/healthz")!)?.status == 200
            if !up { Thread.sleep(forTimeInterval: 0.2) }
        }
        guard up else {
            stop()
            throw SetupFailure("taxon serve \(arguments.joined(separator: " ")) did not answer on \(base) within 30 s")
        }
    }

    deinit { stop() }

    /// A request to `path`; status, lowercased headers and body as text (status 0: no answer).
    public func send(_ path: String, method: String = "GET", headers: [String: String] = [:], body: Data? = nil)
        -> (status: Int, headers: [String: String], body: String) {
        let answer = HTTPGet.send(URL(string: base + path)!, method: method, headers: headers, body: body)
        return (answer?.status ?? 0, answer?.headers ?? [:], String(decoding: answer?.body ?? Data(), as: UTF8.self))
    }

    /// SIGTERM, and waits for the exit.
    public func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    /// SIGKILL, and waits for the exit.
    public func killNine() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
