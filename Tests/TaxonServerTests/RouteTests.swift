import Foundation
import Hummingbird
import HummingbirdTesting
import TaxonSearch
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonServer

/// Every endpoint in process (HummingbirdTesting's router client), good and bad requests; those that read the
/// store on SQLite and on PostgreSQL.
final class RouteTests: XCTestCase {
    private func app(_ built: Fixture.Built) -> some ApplicationProtocol {
        Application(router: buildRouter(built.service))
    }

    /// The router on both backends: the fixture's SQLite store and its PostgreSQL copy.
    private func apps(_ built: Fixture.Built) throws -> [some ApplicationProtocol] {
        try Fixture.services(built).map { Application(router: buildRouter($0)) }
    }

    func testEveryRouteIsInTheOpenAPIDocument() throws {
        let text = try String(contentsOf: Fixture.repository.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var documented = Set<String>(), path = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()) }
            if let method = ["get", "post", "put", "patch", "delete"].first(where: { line == "    \($0):" }) { documented.insert("\(method.uppercased()) \(path)") }
        }
        let routed = Set(Routes.all.map { "\($0.method.rawValue) \($0.path)" })
        XCTAssertEqual(routed.count, Routes.all.count, "a route listed twice")
        XCTAssertEqual(routed, documented)
    }

    func testHealthAndConcepts() async throws {
        let built = try Fixture.get()
        for app in try apps(built) {
            try await app.test(.router) { client in
                try await client.execute(uri: "/healthz", method: .get) { response in
                    XCTAssertEqual(response.status, .ok)
                    XCTAssertTrue((try Check.object(response)["collections"] as? [String] ?? []).contains("pets"))
                }
                try await client.execute(uri: "/v1/concepts/dog.n.01", method: .get) { response in
                    XCTAssertEqual(response.status, .ok)
                    let body = try Check.object(response)
                    XCTAssertEqual(body["key"] as? String, "n02084071")
                    XCTAssertEqual(response.headers[.contentType], "application/json")
                    XCTAssertFalse((body["parents"] as? [Any] ?? []).isEmpty)
                }
                try await client.execute(uri: "/v1/concepts/n02084071/ancestors", method: .get) { response in
                    let ancestors = try Check.array(response)
                    XCTAssertEqual(ancestors.first?["distance"] as? Int, 1)
                    XCTAssertTrue(ancestors.contains { $0["key"] as? String == "n00001740" }, "entity")
                }
                try await client.execute(uri: "/v1/concepts?lemma=dog", method: .get) { response in
                    XCTAssertEqual(try Check.array(response).first?["name"] as? String, "dog.n.01")
                }
                // Completions: the whole word first, nouns before verbs, each with the word that matched; limit and bad input.
                try await client.execute(uri: "/v1/concepts?prefix=Tabb&limit=3", method: .get) { response in
                    let found = try Check.array(response)
                    XCTAssertEqual(found.count, 3)
                    XCTAssertEqual(found.first?["name"] as? String, "tabby.n.01")
                    XCTAssertTrue(found.allSatisfy { ($0["word"] as? String)?.lowercased().hasPrefix("tabb") == true }, "\(found)")
                }
                try await client.execute(uri: "/v1/concepts?prefix=dog", method: .get) { response in
                    let found = try Check.array(response)
                    XCTAssertEqual(found.first?["name"] as? String, "dog.n.01")
                    XCTAssertEqual(found.count, 10)
                    let verb = try XCTUnwrap(found.firstIndex { $0["name"] as? String == "chase.v.01" }, "the verb dog")
                    XCTAssertTrue(found[..<verb].allSatisfy { $0["pos"] as? String == "n" })
                }
                try await client.execute(uri: "/v1/concepts?prefix=Golden%20retr", method: .get) { response in  // spaces fold to '_' as in lemmas
                    XCTAssertEqual(try Check.array(response).first?["name"] as? String, "golden_retriever.n.01")
                }
                try await client.execute(uri: "/v1/concepts?prefix=zzzzqx", method: .get) { XCTAssertEqual(try Check.array($0).count, 0) }
                try await client.execute(uri: "/v1/concepts?prefix=do&lemma=dog", method: .get) { try Check.assertError($0, .badRequest, "not both") }
                try await client.execute(uri: "/v1/concepts?prefix=do&limit=0", method: .get) { try Check.assertError($0, .badRequest, "limit") }
                // Found by the fuzz run: a malformed limit beside lemma (which does not use it) was accepted.
                try await client.execute(uri: "/v1/concepts?lemma=zero&limit=null", method: .get) { try Check.assertError($0, .badRequest, "limit") }
                try await client.execute(uri: "/v1/concepts?prefix=%25'%22;--", method: .get) { XCTAssertEqual(try Check.array($0).count, 0) }
                try await client.execute(uri: "/v1/concepts/no_such_thing_xyz", method: .get) { try Check.assertError($0, .notFound, "unknown concept") }
                try await client.execute(uri: "/v1/concepts", method: .get) { try Check.assertError($0, .badRequest, "'lemma' is required") }
                try await client.execute(uri: "/v1/concepts/dog?taxonomy=nope", method: .get) { try Check.assertError($0, .notFound, "nope") }
                try await client.execute(uri: "/v1/nothing", method: .get) { XCTAssertEqual($0.status, .notFound) }
            }
        }
    }

    /// The web page: every file of web/ served from the binary as it is in the repository, with its type and a
    /// policy that keeps it to this origin, at most 100 KB of the page's own code and style.
    func testTheWebPageIsServedAsInTheRepository() async throws {
        let built = try Fixture.get()
        let folder = Fixture.repository.appendingPathComponent("web")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(webAssets.values.map(\.file).sorted(), files, "run `make web`")
        try await app(built).test(.router) { client in
            for (path, asset) in webAssets {
                let text = try String(contentsOf: folder.appendingPathComponent(asset.file), encoding: .utf8)
                try await client.execute(uri: path, method: .get) { response in
                    XCTAssertEqual(response.status, .ok)
                    XCTAssertEqual(String(buffer: response.body), text, "\(asset.file) changed: run `make web`")
                    XCTAssertEqual(response.headers[.contentType], asset.type)
                    XCTAssertEqual(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'"), true)
                    XCTAssertEqual(response.headers[.xContentTypeOptions], "nosniff")
                }
            }
        }
        let code = webAssets.values.filter { $0.file.hasSuffix(".js") || $0.file.hasSuffix(".css") }.map(\.body.utf8.count).reduce(0, +)
        XCTAssertLessThanOrEqual(code, 100_000)
        let namespace = "xmlns=\"http://www.w3.org/2000/svg\""  // a name, not a load
        for asset in webAssets.values {
            let text = asset.body.replacingOccurrences(of: namespace, with: "")
            XCTAssertFalse(text.contains("http://") || text.contains("https://"), "\(asset.file) loads something from elsewhere")
        }
    }

    func testSimilarity() async throws {
        let built = try Fixture.get()
        for app in try apps(built) {
            try await app.test(.router) { client in
                // NLTK: dog.n.01 wup cat.n.01 = 0.8571428571428571, path 0.2.
                try await client.execute(uri: "/v1/similarity?a=dog.n.01&b=cat.n.01&measure=wup", method: .get) { response in
                    XCTAssertEqual(try Check.object(response)["score"] as? Double, 0.8571428571428571)
                }
                try await client.execute(uri: "/v1/similarity?a=n02084071&b=cat", method: .get) { response in
                    XCTAssertEqual(try Check.object(response)["score"] as? Double, 0.2)
                }
                try await client.execute(uri: "/v1/similarity?a=dog&b=cat&measure=bogus", method: .get) { try Check.assertError($0, .badRequest, "unknown measure") }
                try await client.execute(uri: "/v1/similarity?a=dog&b=zzzqqq", method: .get) { try Check.assertError($0, .notFound, "zzzqqq") }
                try await client.execute(uri: "/v1/similarity?a=dog&b=cat&measure=res", method: .get) {
                    try Check.assertError($0, .unprocessableContent, "information content")
                }
                try await client.execute(uri: "/v1/similarity?a=dog", method: .get) { try Check.assertError($0, .badRequest, "'b' is required") }

                let batch = #"{"measure": "path", "pairs": [["dog.n.01", "cat.n.01"], ["dog", "dog"]]}"#
                try await client.execute(uri: "/v1/similarity", method: .post, body: ByteBuffer(string: batch)) { response in
                    let results = try XCTUnwrap(try Check.object(response)["results"] as? [[String: Any]])
                    XCTAssertEqual(results.map { $0["score"] as? Double }, [0.2, 1.0])
                }
                try await client.execute(uri: "/v1/similarity", method: .post, body: ByteBuffer(string: "{\"pairs\": [")) {
                    try Check.assertError($0, .badRequest, "malformed JSON")
                }
                try await client.execute(uri: "/v1/similarity", method: .post, body: ByteBuffer(string: #"{"pairs": [["dog"]]}"#)) {
                    try Check.assertError($0, .badRequest, "pairs[0] must hold two concepts")
                }
                try await client.execute(uri: "/v1/similarity", method: .post, body: ByteBuffer(string: #"{"pairs": [["dog", "cat"], ["dog", "zzzqqq"]]}"#)) {
                    try Check.assertError($0, .notFound, "pairs[1]")
                }
                let many = "{\"pairs\": [" + Array(repeating: #"["dog","cat"]"#, count: 10_001).joined(separator: ",") + "]}"
                try await client.execute(uri: "/v1/similarity", method: .post, body: ByteBuffer(string: many)) {
                    try Check.assertError($0, .contentTooLarge, "at most 10000 pairs")
                }
                let huge = ByteBuffer(repeating: UInt8(ascii: " "), count: TaxonService.Limits().maxBody + 1)
                try await client.execute(uri: "/v1/similarity", method: .post, body: huge) { try Check.assertError($0, .contentTooLarge, "larger than") }
            }
        }
        }

    func testEmbeddings() async throws {
        let built = try Fixture.get()
        for app in try apps(built) {
            try await app.test(.router) { client in
                try await client.execute(uri: "/v1/embeddings", method: .get) { response in
                    XCTAssertEqual(try Check.array(response).map { $0["name"] as? String }, ["devise", "unit"])
                }
                try await client.execute(uri: "/v1/embeddings/unit/neighbors?concept=tabby.n.01&k=3", method: .get) { response in
                    let body = try Check.object(response)
                    let neighbors = try XCTUnwrap(body["neighbors"] as? [[String: Any]])
                    XCTAssertEqual(neighbors.count, 3)
                    // The tabby's siblings under domestic cat share its parent: cosine 1 − 1/18.
                    XCTAssertEqual(neighbors[0]["score"] as? Double ?? 0, 1 - 1.0 / 18, accuracy: 1e-12)
                }
                for k in ["0", "1001", "x"] {
                    try await client.execute(uri: "/v1/embeddings/unit/neighbors?concept=tabby.n.01&k=\(k)", method: .get) {
                        try Check.assertError($0, .badRequest, "k must be an integer in 1...1000")
                    }
                }
                try await client.execute(uri: "/v1/embeddings/nope/neighbors?concept=tabby.n.01", method: .get) { try Check.assertError($0, .notFound, "nope") }
                try await client.execute(uri: "/v1/embeddings/unit/neighbors?concept=entity.n.01", method: .get) {
                    try Check.assertError($0, .notFound, "not a class")
                }
            }
        }
    }

    func testSearch() async throws {
        let built = try Fixture.get()
        let photo = try Data(contentsOf: URL(fileURLWithPath: Fixture.chelsea))
        for app in try apps(built) {
            try await app.test(.router) { client in
                var first: [[String: Any]] = []
                try await client.execute(uri: "/v1/search?collection=pets&ranking=visual&k=5", method: .post, headers: [.contentType: "image/png"],
                                         body: ByteBuffer(bytes: photo)) { response in
                    first = try XCTUnwrap(try Check.object(response)["results"] as? [[String: Any]])
                    XCTAssertEqual(first.count, 5)
                    XCTAssertEqual(first[0]["path"] as? String, "chelsea.png")
                    XCTAssertEqual(first[0]["visual"] as? Double ?? 0, 1, accuracy: 1e-5)
                }
                // Descriptors PCA-whitened on the collection: the photo still finds itself first.
                try await client.execute(uri: "/v1/search?collection=pets&ranking=visual&k=5&whiten=3", method: .post, body: ByteBuffer(bytes: photo)) {
                    response in
                    let results = try XCTUnwrap(try Check.object(response)["results"] as? [[String: Any]])
                    XCTAssertEqual(results.first?["path"] as? String, "chelsea.png")
                    XCTAssertEqual(results.first?["visual"] as? Double ?? 0, 1, accuracy: 1e-4)
                }
                try await client.execute(uri: "/v1/search?collection=pets&whiten=0", method: .post, body: ByteBuffer(bytes: photo)) {
                    try Check.assertError($0, .badRequest, "whiten must be an integer")
                }
                // The same photo as a form's file part.
                let boundary = "taxon-boundary-1"
                var form = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8)
                form += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"c.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
                form += photo + Data("\r\n--\(boundary)--\r\n".utf8)
                try await client.execute(uri: "/v1/search?collection=pets&ranking=visual&k=5", method: .post,
                                         headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(bytes: form)) { response in
                    let results = try XCTUnwrap(try Check.object(response)["results"] as? [[String: Any]])
                    XCTAssertEqual(results.map { $0["id"] as? Int }, first.map { $0["id"] as? Int })
                }
                // semantic-first: the cats (chelsea, tabby, Egyptian cat) before the dog and the car.
                try await client.execute(uri: "/v1/search?collection=pets", method: .post, body: ByteBuffer(bytes: photo)) { response in
                    let results = try XCTUnwrap(try Check.object(response)["results"] as? [[String: Any]])
                    XCTAssertEqual(Set(results.prefix(3).compactMap { $0["path"] as? String }.map { String($0.prefix(9)) }), ["chelsea.p", "n02123045", "n02124075"])
                    XCTAssertNotNil(results[0]["level"] as? Int)
                }
                try await client.execute(uri: "/v1/search?collection=pets&concept=golden_retriever.n.01&ranking=semantic&k=1", method: .get) { response in
                    let results = try XCTUnwrap(try Check.object(response)["results"] as? [[String: Any]])
                    XCTAssertEqual((results.first?["path"] as? String)?.prefix(9), "n02099601")
                }
                try await client.execute(uri: "/v1/search?collection=pets", method: .post, headers: [.contentType: "image/jpeg"],
                                         body: ByteBuffer(string: "this is not a photo")) { try Check.assertError($0, .unprocessableContent, "neither a JPEG nor a PNG") }
                try await client.execute(uri: "/v1/search?collection=pets", method: .post) { try Check.assertError($0, .badRequest, "empty") }
                try await client.execute(uri: "/v1/search?collection=zoo", method: .post, body: ByteBuffer(bytes: photo)) {
                    try Check.assertError($0, .notFound, "zoo")
                }
                try await client.execute(uri: "/v1/search?collection=pets&k=5000", method: .post, body: ByteBuffer(bytes: photo)) {
                    try Check.assertError($0, .badRequest, "k must be")
                }
                try await client.execute(uri: "/v1/search?collection=pets&ranking=sideways", method: .post, body: ByteBuffer(bytes: photo)) {
                    try Check.assertError($0, .badRequest, "unknown ranking")
                }
                try await client.execute(uri: "/v1/search?collection=pets&ranking=blend", method: .post, body: ByteBuffer(bytes: photo)) {
                    try Check.assertError($0, .badRequest, "alpha")
                }
                try await client.execute(uri: "/v1/search?collection=pets", method: .get) { try Check.assertError($0, .badRequest, "'concept' and 'text'") }
                try await client.execute(uri: "/v1/search?collection=pets&concept=golden_retriever.n.01&ranking=visual", method: .get) {
                    try Check.assertError($0, .badRequest, "needs an image query")
                }
                try await client.execute(uri: "/v1/search?collection=pets&text=cat", method: .get) {
                    try Check.assertError($0, .unprocessableContent, "not a text embedding")
                }
                // Free text in the DeViSE collection: the words' vectors against the photos' semantic vectors.
                try await client.execute(uri: "/v1/search?collection=pets-text&text=golden%20retriever&ranking=semantic&k=1", method: .get) { response in
                    let results = try XCTUnwrap(try Check.object(response)["results"] as? [[String: Any]])
                    XCTAssertEqual((results.first?["path"] as? String)?.prefix(9), "n02099601")
                }
                try await client.execute(uri: "/v1/search?collection=pets-text&text=\(String(repeating: "a", count: 1001))", method: .get) {
                    try Check.assertError($0, .badRequest, "longer than 1000")
                }
            }
        }
    }

    func testImagesNeverLeaveTheirFolder() async throws {
        let built = try Fixture.get()
        let store = try SQLiteStore(path: built.store)
        let images = try store.images(in: try store.collection(named: "pets"), vectors: false)
        let chelsea = try XCTUnwrap(images.first { $0.path == "chelsea.png" })
        try await app(built).test(.router) { client in
            try await client.execute(uri: "/v1/images/\(chelsea.id)", method: .get) { response in
                let body = try Check.object(response)
                XCTAssertEqual(body["path"] as? String, "chelsea.png")
                XCTAssertEqual(body["collection"] as? String, "pets")
                XCTAssertEqual((body["top_classes"] as? [Any])?.count, 5)
            }
            try await client.execute(uri: "/v1/images/\(chelsea.id)/file", method: .get) { response in
                XCTAssertEqual(response.headers[.contentType], "image/png")
                XCTAssertEqual(Data(buffer: response.body), try Data(contentsOf: URL(fileURLWithPath: Fixture.chelsea)))
            }
            try await client.execute(uri: "/v1/images/99999999", method: .get) { try Check.assertError($0, .notFound, "no image 99999999") }
            for bad in ["..%2F..%2Fetc%2Fpasswd", "abc", "-1", "0"] {
                try await client.execute(uri: "/v1/images/\(bad)", method: .get) { try Check.assertError($0, .badRequest, "positive integer") }
                try await client.execute(uri: "/v1/images/\(bad)/file", method: .get) { try Check.assertError($0, .badRequest, "positive integer") }
            }
            try await client.execute(uri: "/v1/images/../../etc/passwd", method: .get) { XCTAssertNotEqual($0.status, .ok) }
        }
        // A record whose path points out of the folder (a tampered store): refused, the outside file not read.
        let outside = built.directory.appendingPathComponent("secret.png")
        try FileManager.default.copyItem(atPath: Fixture.chelsea, toPath: outside.path)
        let tampered = try XCTUnwrap(images.first { $0.path != "chelsea.png" })
        try store.db.execute("UPDATE image SET path = '../secret.png' WHERE id = \(tampered.id)")
        defer { try? store.db.execute("UPDATE image SET path = '\(tampered.path)' WHERE id = \(tampered.id)") }
        try await app(built).test(.router) { client in
            try await client.execute(uri: "/v1/images/\(tampered.id)/file", method: .get) { try Check.assertError($0, .badRequest, "leaves its collection's folder") }
        }
    }
}

/// JSON bodies and error checks (static: the test closures are Sendable).
enum Check {
    static func object(_ response: TestResponse) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any], String(buffer: response.body))
    }

    static func array(_ response: TestResponse) throws -> [[String: Any]] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]], String(buffer: response.body))
    }

    /// A JSON error with the status and a detail containing `fragment`.
    static func assertError(_ response: TestResponse, _ status: HTTPResponse.Status, _ fragment: String, line: UInt = #line) throws {
        XCTAssertEqual(response.status, status, String(buffer: response.body), line: line)
        let body = try Check.object(response)
        XCTAssertEqual(body["error"] as? String, status.reasonPhrase, line: line)
        XCTAssertTrue((body["detail"] as? String ?? "").contains(fragment), "\(body)", line: line)
    }

}
