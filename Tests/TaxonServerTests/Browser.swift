import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TaxonTesting
import XCTest

/// A headless Chromium driven through WebDriver: Debian's chromedriver on a
/// random port, spoken to with plain JSON over HTTP (the W3C protocol's dozen
/// endpoints the page tests need, and chromedriver's browser log). The HTTP is
/// a few lines over a socket: URLSession on Linux refuses chromedriver's
/// answers ("Failed writing header": it writes `Content-Length:252`, no space).
final class Browser {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let driver = Process()
    private let port: UInt16
    private var session = ""

    static let chromedriver = "/usr/bin/chromedriver"
    static let chromium = "/usr/bin/chromium"

    /// Starts chromedriver and one browser window of this size (CSS pixels).
    init(width: Int = 1280, height: Int = 1000) throws {
        try TestData.require(Self.chromedriver, from: "scripts/setup.sh (Debian's chromium-driver)")
        try TestData.require(Self.chromium, from: "scripts/setup.sh (Debian's chromium)")
        port = UInt16.random(in: 40_000..<60_000)
        driver.executableURL = URL(fileURLWithPath: Self.chromedriver)
        driver.arguments = ["--port=\(port)"]
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-chromedriver-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        driver.standardOutput = try FileHandle(forWritingTo: log)
        driver.standardError = driver.standardOutput
        try driver.run()
        var ready = false
        for _ in 0..<100 where !ready {
            ready = ((try? call("GET", "/status")) as? [String: Any])?["ready"] as? Bool == true
            if !ready { Thread.sleep(forTimeInterval: 0.1) }
        }
        guard ready else {
            stop()
            throw Failure(description: "chromedriver did not start on port \(port): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-chromium-\(UUID().uuidString)").path
        // Root (as in CI) cannot use Chromium's sandbox; the page under test is our own.
        let options: [String: Any] = ["binary": Self.chromium, "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile)", "--window-size=\(width),\(height)",
        ]]
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome", "goog:chromeOptions": options, "goog:loggingPrefs": ["browser": "ALL"],
        ]]]
        do {
            let answer = try call("POST", "/session", capabilities) as? [String: Any]
            guard let id = answer?["sessionId"] as? String else { throw Failure(description: "no session id in \(String(describing: answer))") }
            session = id
        } catch { stop(); throw error }
    }

    deinit { stop() }

    /// Ends the session and chromedriver (and with it the browser).
    func stop() {
        if !session.isEmpty { _ = try? call("DELETE", "/session/\(session)"); session = "" }
        if driver.isRunning { driver.terminate(); driver.waitUntilExit() }
    }

    // MARK: - Commands

    func open(_ url: String) throws { try command("POST", "/url", ["url": url]) }

    /// Runs `body` as a function in the page; its return value, as JSON gives it.
    @discardableResult
    func run(_ body: String, _ arguments: [Any] = []) throws -> Any? {
        try command("POST", "/execute/sync", ["script": body, "args": arguments])
    }

    /// Types into the first element matching `selector` (a file input takes a path).
    func type(_ selector: String, _ text: String) throws { try command("POST", "/element/\(try element(selector))/value", ["text": text]) }

    func click(_ selector: String) throws { try command("POST", "/element/\(try element(selector))/click", [:]) }

    func resize(width: Int, height: Int) throws { try command("POST", "/window/rect", ["width": width, "height": height]) }

    /// A PNG of the window, written to `file`.
    func screenshot(to file: URL) throws {
        guard let encoded = try command("GET", "/screenshot") as? String, let png = Data(base64Encoded: encoded) else {
            throw Failure(description: "no screenshot")
        }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try png.write(to: file)
    }

    /// The console's errors since the last call (chromedriver's browser log, level SEVERE).
    func consoleErrors() throws -> [String] {
        let entries = try command("POST", "/se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.filter { $0["level"] as? String == "SEVERE" }.map { "\($0["message"] ?? "")" }
    }

    /// Polls `condition` (a function body returning a truthy value once done) until it holds; its value.
    @discardableResult
    func wait(for what: String, timeout: TimeInterval = 30, _ condition: String) throws -> Any {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let value = try run(condition), !(value is NSNull), (value as? Bool) != false { return value }
            guard Date() < deadline else { throw Failure(description: "timed out after \(Int(timeout)) s waiting for \(what)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    // MARK: - The protocol

    private func element(_ selector: String) throws -> String {
        let found = try command("POST", "/element", ["using": "css selector", "value": selector]) as? [String: Any]
        guard let id = found?.values.first as? String else { throw Failure(description: "no element \(selector)") }
        return id
    }

    @discardableResult
    private func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        try call(method, "/session/\(session)\(path)", body)
    }

    /// One WebDriver request: its `value`, or the driver's error as a thrown Failure.
    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let (status, answer) = try exchange(method, path, data)
        let json = try? JSONSerialization.jsonObject(with: answer, options: [.fragmentsAllowed]) as? [String: Any]
        guard status == 200 else {
            let value = json?["value"] as? [String: Any]
            throw Failure(description: "\(method) \(path): \(value?["error"] ?? status): \(String(describing: value?["message"] ?? "").prefix(500))")
        }
        return json?["value"]
    }

    /// One HTTP/1.1 exchange with chromedriver on its own connection (closed after the answer): status and body.
    private func exchange(_ method: String, _ path: String, _ body: Data?) throws -> (status: Int, body: Data) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "no socket: errno \(errno)") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 120, tv_usec: 0)  // a hung driver fails the test instead of the run
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "chromedriver refused a connection on port \(port)") }
        var request = Data("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body?.count ?? 0)\r\n\r\n".utf8)
        request.append(body ?? Data())
        let sent = request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { throw Failure(description: "could not send \(method) \(path) to chromedriver") }
        // chromedriver keeps the connection open: read the head, then Content-Length bytes of body.
        var answer = Data(), buffer = [UInt8](repeating: 0, count: 65_536)
        var head: (end: Int, status: Int, length: Int)?
        while head.map({ answer.count < $0.end + $0.length }) ?? true {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { throw Failure(description: "chromedriver did not finish answering \(method) \(path) (errno \(errno))") }
            answer.append(contentsOf: buffer[..<count])
            if head == nil, let end = answer.range(of: Data("\r\n\r\n".utf8)) {
                let lines = String(decoding: answer[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }),
                      let length = lines.dropFirst().compactMap({ line -> Int? in
                          let parts = line.split(separator: ":", maxSplits: 1)
                          return parts.count == 2 && parts[0].lowercased() == "content-length" ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : nil
                      }).first else {
                    throw Failure(description: "chromedriver's answer to \(method) \(path) has no status or Content-Length")
                }
                head = (end.upperBound, status, length)
            }
        }
        let (end, status, length) = head!
        return (status, Data(answer[end..<(end + length)]))
    }
}
