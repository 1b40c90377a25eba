import Foundation
import TaxonKit
import TaxonModel
@testable import TaxonServer
import TaxonTesting
import XCTest

/// API keys against a real `taxon serve --auth all --rate-limit 5` process: 401 without or with a wrong or
/// revoked key, 403 for another collection, 429 with Retry-After over the rate, tokens never in the log or the store;
/// on SQLite and on PostgreSQL.
final class AuthTests: XCTestCase {
    func testKeysScopesRevocationRateLimitAndSecrecy() throws {
        let built = try Fixture.get()
        for db in try Fixture.backends(built) { try keysScopesRevocationRateLimitAndSecrecy(built, db: db) }
    }

    private func keysScopesRevocationRateLimitAndSecrecy(_ built: Fixture.Built, db: String) throws {
        let tag = UUID().uuidString.prefix(8)
        func create(_ name: String, _ arguments: [String]) throws -> String {
            try Fixture.taxon(["keys", "create", "--name", "\(name)-\(tag)", "--db", db] + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let reader = try create("reader", ["--scope", "read"]), petsOnly = try create("pets", ["--scope", "read", "--collection", "pets"])
        let doomed = try create("doomed", ["--scope", "admin"])
        XCTAssertTrue(reader.hasPrefix("taxon_") && reader.count == 49, reader)

        let log = built.directory.appendingPathComponent("auth-\(tag).log")
        let server = try ServerProcess(store: db, ["--auth", "all", "--rate-limit", "5", "--access-log"], log: log)
        func get(_ path: String, _ token: String? = nil) -> (status: Int, headers: [String: String], body: String) {
            server.send(path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
        }

        let anonymous = get("/v1/concepts/dog.n.01")
        XCTAssertEqual(anonymous.status, 401, anonymous.body)
        XCTAssertEqual(anonymous.headers["www-authenticate"], "Bearer realm=\"taxon\"")
        XCTAssertEqual(get("/v1/concepts/dog.n.01", "taxon_not-a-key").status, 401)
        XCTAssertEqual(get("/v1/concepts/dog.n.01", reader).status, 200)
        XCTAssertEqual(get("/v1/search?collection=pets&concept=tabby.n.01&ranking=semantic&k=1", petsOnly).status, 200)
        let elsewhere = get("/v1/search?collection=pets-text&text=cat&ranking=semantic&k=1", petsOnly)
        XCTAssertEqual(elsewhere.status, 403, elsewhere.body)
        XCTAssertTrue(elsewhere.body.contains("is for collection 'pets'"), elsewhere.body)
        let query = server.send("/v1/collections/pets-text/query", method: "POST",
                                headers: ["Authorization": "Bearer \(petsOnly)", "Content-Type": "application/json"],
                                body: Data(#"{"positive": [{"concept": "tabby.n.01"}]}"#.utf8))
        XCTAssertEqual(query.status, 403)

        XCTAssertEqual(get("/v1/embeddings", doomed).status, 200)
        try Fixture.taxon(["keys", "revoke", "doomed-\(tag)", "--db", db])
        Thread.sleep(forTimeInterval: 1.2)  // the server re-reads its keys at most a second later
        XCTAssertEqual(get("/v1/embeddings", doomed).status, 401, "a revoked key on \(db)")

        // Five a second with a bucket of five: a burst of twelve goes over.
        let burst = (0..<12).map { _ in get("/v1/similarity?a=dog.n.01&b=cat.n.01", reader) }
        let limited = try XCTUnwrap(burst.first { $0.status == 429 }, "\(burst.map(\.status))")
        XCTAssertGreaterThanOrEqual(Int(limited.headers["retry-after"] ?? "") ?? 0, 1)
        XCTAssertTrue(limited.body.contains("5.0 requests a second"), limited.body)
        XCTAssertEqual(get("/healthz").status, 200, "liveness needs no key")

        server.stop()
        let logText = String(decoding: try Data(contentsOf: log), as: UTF8.self)
        XCTAssertTrue(logText.contains("status=401") && logText.contains("status=429"), logText.suffix(2000).description)
        // The store's files: SQLite's file and its log, or the whole cluster's (tables, write-ahead log, server log).
        let (recursive, files) = db.hasPrefix("postgres") ? (["-r"], [PostgresServer.folder.path])
            : ([], [db, db + "-wal"].filter { FileManager.default.fileExists(atPath: $0) })
        let keyName = try Subprocess.run(URL(fileURLWithPath: "/bin/grep"), ["-F", "-l"] + recursive + ["--", "doomed-\(tag)"] + files)
        XCTAssertEqual(keyName.status, 0, "the search below reads where the keys are: a key's name is found there on \(db)")
        for token in [reader, petsOnly, doomed] {
            XCTAssertFalse(logText.contains(token), "a token in the log")
            // grep reads the store in a process of its own: opening and closing the file here would drop
            // this process's POSIX locks under its open SQLite connections.
            let grep = try Subprocess.run(URL(fileURLWithPath: "/bin/grep"), ["-F", "-l"] + recursive + ["--", token] + files)
            XCTAssertEqual(grep.status, 1, "a token in the store on \(db): \(grep.stdout)\(grep.stderr)")
        }
        let listed = try Fixture.taxon(["keys", "list", "--json", "--db", db])
        XCTAssertFalse(listed.contains("taxon_"), "no token in the listing")
        let keys = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]])
        XCTAssertNotNil(keys.first { $0["name"] as? String == "doomed-\(tag)" }?["revoked_at"] as? String)
        XCTAssertEqual(keys.first { $0["name"] as? String == "pets-\(tag)" }?["collection"] as? String, "pets")
        // Bad requests for keys: one clear error each.
        XCTAssertThrowsError(try create("reader", ["--scope", "read"])) { XCTAssertTrue("\($0)".contains("exists already"), "\($0)") }
        XCTAssertThrowsError(try create("bad/name", ["--scope", "read"])) { XCTAssertTrue("\($0)".contains("not a valid key name"), "\($0)") }
        XCTAssertThrowsError(try create("nowhere", ["--scope", "read", "--collection", "zoo"])) { XCTAssertTrue("\($0)".contains("zoo"), "\($0)") }
    }
}

/// The token bucket and the key ring on their own.
final class KeyRingTests: XCTestCase {
    func testTokenBucketRefillsAtItsRate() {
        let limiter = RateLimiter(rate: 5)
        let start = ContinuousClock.now
        for n in 0..<5 { XCTAssertNil(limiter.take("k", now: start), "request \(n) of a full bucket") }
        let wait = limiter.take("k", now: start)
        XCTAssertEqual(Double(wait?.components.attoseconds ?? 0) * 1e-18 + Double(wait?.components.seconds ?? 0), 0.2, accuracy: 1e-9)
        XCTAssertNil(limiter.take("other", now: start), "every key has its own bucket")
        XCTAssertNil(limiter.take("k", now: start + .milliseconds(201)), "one token back after 1/5 s")
        XCTAssertNotNil(limiter.take("k", now: start + .milliseconds(202)))
    }

    func testKeyRingFindsOnlyValidKeys() {
        func key(_ name: String, _ token: String, revoked: Bool = false) -> APIKey {
            APIKey(id: 1, name: name, tokenHash: KeyRing.hash(token), scope: .read, collection: nil, createdAt: "t", revokedAt: revoked ? "t" : nil)
        }
        let ring = KeyRing([key("a", "taxon_a"), key("b", "taxon_b", revoked: true)])
        XCTAssertEqual(ring.key(for: "taxon_a")?.name, "a")
        XCTAssertNil(ring.key(for: "taxon_b"), "revoked")
        XCTAssertNil(ring.key(for: "taxon_c"))
        XCTAssertEqual(KeyRing.hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "FIPS 180-2's SHA-256 of abc")
        XCTAssertEqual(AuthMiddleware.bearerToken("Bearer taxon_a"), "taxon_a")
        XCTAssertEqual(AuthMiddleware.bearerToken("bearer  taxon_a "), "taxon_a")
        XCTAssertNil(AuthMiddleware.bearerToken("Basic dXNlcjpwYXNz"))
    }
}
