import Foundation
import TaxonTesting
import XCTest
@testable import TaxonPostgres

/// The same store built and queried through the `taxon` command on SQLite and on PostgreSQL: every
/// command prints the same thing on both (taxonomy, class sets, embeddings, word vectors, a collection of
/// real photos and its searches, keys, deletions and their errors).
final class BackendParityTests: XCTestCase {
    private var executable: URL { Bundle.main.bundleURL.appendingPathComponent("taxon") }

    private func taxon(_ arguments: [String], db: String) throws -> ProcessOutput {
        try Subprocess.run(executable, arguments + ["--db", db])
    }

    func testEveryCommandAnswersTheSameOnBothBackends() throws {
        let repository = TestData.repository
        let weights = try TestData.weights()
        try TestData.debianWordNet()
        let sample = try TestData.imagenetSample()
        let glove = try TestData.glove()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-parity-\(UUID().uuidString)")
        let photos = folder.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        // 25 photos spread over the sample's 1,000 classes (every 40th): dogs, birds, tools, food …
        let names = try FileManager.default.contentsOfDirectory(atPath: sample).filter { $0.hasSuffix(".jpg") }.sorted()
        for name in stride(from: 0, to: names.count, by: 40).map({ names[$0] }) {
            try FileManager.default.copyItem(atPath: sample + "/" + name, toPath: photos.appendingPathComponent(name).path)
        }
        let sqlite = folder.appendingPathComponent("store.sqlite").path
        let postgres = try PostgresServer.freshDatabase()

        // Building: the same steps (as scripts/default-store.sh takes them), the same reports but for times and places.
        let build: [[String]] = [
            ["import", "wordnet"],
            ["import", "imagenet", "--wnids", repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt").path, "--name", "ilsvrc2012"],
            ["tree", "--class-set", "ilsvrc2012", "--out-name", "ilsvrc2012-tree"],
            ["embed", "--class-set", "ilsvrc2012", "--tree", "ilsvrc2012-tree", "--method", "unitsphere", "--name", "unitsphere"],
            ["import", "vectors", glove, "--name", "glove", "--format", "word2vec-bin"],
            ["embed", "--class-set", "ilsvrc2012", "--method", "devise", "--vectors", "glove", "--gloss", "--name", "devise"],
            ["index", photos.path, "--collection", "photos", "--embedding", "unitsphere", "--weights", weights],
        ]
        for step in build {
            let outputs = try [sqlite, postgres].map { try taxon(step, db: $0) }
            for output in outputs { XCTAssertEqual(output.status, 0, "\(step): \(output.stderr)") }
            XCTAssertEqual(outputs.map { Self.withoutTimes($0.stdout) }.first, Self.withoutTimes(outputs[1].stdout), "\(step)")
        }

        try summariesAgree(sqlite: sqlite, postgres: postgres)

        let photo = photos.appendingPathComponent(try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: photos.path).sorted().first)).path
        try searchesInTheDatabaseAnswerAsExactOnes(sqlite: sqlite, postgres: postgres, photo: photo, weights: weights)
        try routesAnswerTheSameOnBothBackends(sqlite: sqlite, postgres: postgres, weights: weights, folder: folder)
        let queries: [[String]] = [
            ["concept", "dog"], ["concept", "bank", "--json"], ["concept", "n02084071"], ["ancestors", "tabby.n.01"],
            ["similarity", "dog.n.01", "cat.n.01", "--measure", "wup"], ["similarity", "dog.n.01", "cat.n.01", "--measure", "lch"],
            ["lcs", "dog.n.01", "cat.n.01"], ["concept", "no_such_word"],
            ["embedding", "list"], ["text-to-class", "a small furry animal", "--embedding", "devise"],
            ["search", "--collection", "photos", "--concept", "dog.n.01", "-k", "5", "--json"],
            ["search", "--collection", "photos", "--text", "a red sports car", "-k", "5"],
            ["search", photo, "--collection", "photos", "-k", "5", "--weights", weights, "--json"],
            ["search", photo, "--collection", "photos", "-k", "5", "--weights", weights, "--facet", "style"],
            ["search", photo, "--collection", "photos", "-k", "5", "--weights", weights, "--facet", "colour"],
            ["query", "concept:bird.n.01", "--exclude", "hen.n.02", "--collection", "photos", "-k", "5", "--weights", weights],
            ["check"],
            ["keys", "create", "--name", "reader", "--scope", "read"], ["keys", "create", "--name", "reader", "--scope", "read"],
            ["keys", "revoke", "nobody"],
            // A name taken, then replaced: the tree's dependants go with it, the collection keeps its photos.
            ["tree", "--class-set", "ilsvrc2012", "--out-name", "ilsvrc2012-tree"],
            ["tree", "--class-set", "ilsvrc2012", "--out-name", "ilsvrc2012-tree", "--replace"],
            ["embed", "--class-set", "ilsvrc2012", "--tree", "ilsvrc2012-tree", "--method", "unitsphere", "--name", "unitsphere", "--replace"],
            ["embedding", "list"], ["search", "--collection", "photos", "--concept", "dog.n.01", "-k", "3"],
        ]
        for query in queries {
            let (a, b) = (try taxon(query, db: sqlite), try taxon(query, db: postgres))
            XCTAssertEqual(a.status, b.status, "\(query): \(a.stderr) | \(b.stderr)")
            if query.starts(with: ["keys", "create"]) {
                XCTAssertEqual(a.stdout.isEmpty, b.stdout.isEmpty, "\(query)")  // a fresh token each time
            } else {
                XCTAssertEqual(Self.withoutTimes(a.stdout), Self.withoutTimes(b.stdout), "\(query)")
            }
            XCTAssertEqual(a.stderr.replacingOccurrences(of: sqlite, with: "STORE"),
                           b.stderr.replacingOccurrences(of: postgres, with: "STORE"), "\(query)")
        }
        let listed = try [sqlite, postgres].map { try taxon(["info"], db: $0).stdout }
        XCTAssertTrue(listed[1].contains("photos  25 images"), listed[1])
        XCTAssertEqual(Self.withoutTimes(listed[0]).split(separator: "\n").dropFirst(), Self.withoutTimes(listed[1]).split(separator: "\n").dropFirst())

        try twoServersShareOneDatabase(postgres, weights: weights, photos: photos, folder: folder)
    }

    /// With HNSW indexes, PostgreSQL answers queries in the database: candidates from the indexes, filters as joins on
    /// the concept closure, the candidates ranked exactly. With a candidate list (ef_search 100) larger than the
    /// collection, every photo that passes the filters is a candidate, so each answer must equal SQLite's exact one.
    private func searchesInTheDatabaseAnswerAsExactOnes(sqlite: String, postgres: String, photo: String, weights: String) throws {
        let refused = try taxon(["ann", "build", "--collection", "photos"], db: sqlite)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("HNSW indexes need a PostgreSQL store"), refused.stderr)
        let built = try taxon(["ann", "build", "--collection", "photos"], db: postgres)
        XCTAssertEqual(built.status, 0, built.stderr)
        XCTAssertEqual(built.stdout, "descriptor: 1280 dimensions, m 16, ef_construction 64\nembedding: 1000 dimensions, m 16, ef_construction 64\n")
        XCTAssertEqual(try taxon(["ann", "list", "--collection", "photos"], db: postgres).stdout, built.stdout)
        let store = try PostgresStore(location: postgres)
        XCTAssertEqual(try store.session.scalar("SELECT count(*) FROM concept_closure", as: Int.self), 0)

        let queries: [[String]] = [
            ["search", "--collection", "photos", "--concept", "dog.n.01", "-k", "5", "--json"],
            ["search", photo, "--collection", "photos", "-k", "10", "--weights", weights, "--json"],
            ["search", photo, "--collection", "photos", "-k", "6", "--weights", weights, "--ranking", "visual"],
            ["search", photo, "--collection", "photos", "-k", "6", "--weights", weights, "--ranking", "blend", "--alpha", "0.3"],
            ["search", "--collection", "photos", "--text", "a red sports car", "-k", "5", "--ranking", "semantic"],
            ["query", "--positive", "concept:bird.n.01", "--exclude", "hen.n.02", "--collection", "photos", "--limit", "5", "--weights", weights],
            ["query", "--positive", "image:3", "--within", "animal.n.01", "--collection", "photos", "--weights", weights, "--json"],
            ["query", "--positive", "image:3", "--within", "animal.n.01", "--within", "artifact.n.01", "--exclude", "dog.n.01", "--collection", "photos",
             "--offset", "2", "--limit", "4", "--weights", weights],
            ["query", "--positive", "image:2", "--positive", "image:9", "--negative", "image:4", "--strategy", "rocchio", "--collection", "photos",
             "--min-similarity", "0.3", "--weights", weights, "--json"],
            ["query", "--positive", "image:5", "--positive", "concept:cat.n.01", "--collection", "photos", "--weights", weights, "--json"],
            ["query", "--positive", "concept:dog.n.01", "--within", "cat.n.01", "--collection", "photos", "--weights", weights, "--json"],  // nothing passes
            ["query", "--positive", "concept:dog.n.01", "--offset", "40", "--collection", "photos", "--weights", weights],  // past the end
            ["query", "--positive", "image:999", "--collection", "photos", "--weights", weights],  // no such photo
        ]
        for query in queries {
            let (exact, inDatabase) = (try taxon(query, db: sqlite), try taxon(query, db: postgres))
            XCTAssertEqual(exact.status, inDatabase.status, "\(query): \(exact.stderr) | \(inDatabase.stderr)")
            XCTAssertEqual(exact.stdout, inDatabase.stdout, "\(query)")
            XCTAssertEqual(exact.stderr.replacingOccurrences(of: sqlite, with: "STORE"),
                           inDatabase.stderr.replacingOccurrences(of: postgres, with: "STORE"), "\(query)")
        }
        // They ran there: the first search stored the embedding's concept closure (its 1,000 classes and their ancestors).
        XCTAssertGreaterThan(try store.session.scalar("SELECT count(DISTINCT concept_key) FROM concept_closure", as: Int.self) ?? 0, 1_000)
        let dropped = try taxon(["ann", "drop", "--collection", "photos"], db: postgres)
        XCTAssertEqual(dropped.status, 0, dropped.stderr)
        XCTAssertTrue(try taxon(["ann", "list", "--collection", "photos"], db: postgres).stdout.hasPrefix("no HNSW index"))
    }

    /// The HTTP API on either backend: one server on each store, the same requests (reads of every kind, a
    /// label and tags written, the query route before and after, bad requests), the same statuses and bodies.
    private func routesAnswerTheSameOnBothBackends(sqlite: String, postgres: String, weights: String, folder: URL) throws {
        let tokens = try [sqlite, postgres].map { db in
            try taxon(["keys", "create", "--name", "api-parity", "--scope", "admin"], db: db).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let servers = try [sqlite, postgres].enumerated().map { n, db in
            try ServerProcess(executable: executable, ["--db", db, "--weights", weights, "--data", folder.appendingPathComponent("api-data-\(n)").path])
        }
        defer { servers.forEach { $0.stop() } }
        let json = ["Content-Type": "application/json"]
        let requests: [(method: String, path: String, body: String?, admin: Bool)] = [
            ("GET", "/v1/concepts?lemma=dog", nil, false), ("GET", "/v1/concepts?prefix=tabb&limit=5", nil, false),
            ("GET", "/v1/concepts/dog.n.01", nil, false), ("GET", "/v1/concepts/tabby.n.01/ancestors", nil, false),
            ("GET", "/v1/similarity?a=dog.n.01&b=cat.n.01&measure=wup", nil, false),
            ("POST", "/v1/similarity", #"{"measure": "path", "pairs": [["dog.n.01", "cat.n.01"], ["car.n.01", "tabby.n.01"]]}"#, false),
            ("GET", "/v1/embeddings", nil, false), ("GET", "/v1/embeddings/unitsphere/neighbors?concept=n02123045&k=5", nil, false),
            ("GET", "/v1/search?collection=photos&concept=dog.n.01&k=5", nil, false),
            ("GET", "/v1/search?collection=photos&concept=n02123045&k=3&ranking=semantic", nil, false),
            ("GET", "/v1/collections", nil, false), ("GET", "/v1/collections/photos", nil, false), ("GET", "/v1/images/3", nil, false),
            ("POST", "/v1/collections/photos/query", #"{"positive": [{"image": 3}], "within": ["animal.n.01"], "limit": 5}"#, false),
            ("POST", "/v1/collections/photos/query/batch",
             #"{"queries": [{"positive": [{"concept": "bird.n.01"}], "limit": 3}, {"positive": [{"image": 2}], "negative": [{"image": 4}], "strategy": "rocchio"}]}"#, false),
            ("PATCH", "/v1/collections/photos/images/3", #"{"label": "n02084071", "tags": ["parity"]}"#, true),
            ("POST", "/v1/collections/photos/query", #"{"positive": [{"concept": "dog.n.01"}], "tags": ["parity"]}"#, false),
            ("POST", "/v1/collections/photos/query", #"{"positive": [{"image": 5}], "within": ["dog.n.01"], "limit": 5}"#, false),
            ("GET", "/v1/images/3", nil, false),
            ("GET", "/v1/concepts/no_such_thing", nil, false), ("GET", "/v1/collections/nope", nil, false), ("GET", "/v1/images/99999", nil, false),
            ("POST", "/v1/collections/photos/query", #"{"positive": [{"image": 3}], "limit": 0}"#, false),
            ("POST", "/v1/collections/photos/query", #"{"positive": [{"image": 99999}]}"#, false),
            ("PATCH", "/v1/collections/photos/images/3", #"{"label": "n02084071"}"#, false),  // no key
        ]
        let firstError = requests.firstIndex { $0.path == "/v1/concepts/no_such_thing" }!
        for (n, request) in requests.enumerated() {
            let answers = zip(servers, tokens).map { server, token in
                server.send(request.path, method: request.method, headers: request.admin ? json.merging(["Authorization": "Bearer \(token)"]) { $1 } : json,
                            body: request.body.map { Data($0.utf8) })
            }
            XCTAssertTrue(n < firstError ? (200..<300).contains(answers[0].status) : (400..<500).contains(answers[0].status),
                          "\(request.method) \(request.path): \(answers[0].status) \(answers[0].body)")
            XCTAssertEqual(answers[0].status, answers[1].status, "\(request.method) \(request.path): \(answers[0].body) | \(answers[1].body)")
            XCTAssertEqual(Self.withoutTimes(answers[0].body), Self.withoutTimes(answers[1].body), "\(request.method) \(request.path)")
        }
        // What was written shows in the CLI too, alike.
        XCTAssertEqual(try taxon(["query", "--positive", "concept:dog.n.01", "--collection", "photos", "--weights", weights], db: sqlite).stdout,
                       try taxon(["query", "--positive", "concept:dog.n.01", "--collection", "photos", "--weights", weights], db: postgres).stdout)
    }

    /// Built apart, the two stores hold the same content: the same rows and, as the network runs the same way on
    /// both, the same checksum over every row and vector (`taxon store summary`).
    private func summariesAgree(sqlite: String, postgres: String) throws {
        let summaries = try [sqlite, postgres].map { db -> [String: Any] in
            let output = try taxon(["store", "summary", "--json"], db: db)
            XCTAssertEqual(output.status, 0, output.stderr)
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        }
        XCTAssertEqual((summaries[0]["counts"] as? [String: Int])?["images"], 25)
        XCTAssertEqual(summaries[0]["counts"] as? [String: Int], summaries[1]["counts"] as? [String: Int])
        XCTAssertEqual(summaries[0]["checksum"] as? String, summaries[1]["checksum"] as? String)
    }

    /// Two `taxon serve` processes on one database (and one data folder), as behind a load balancer: what
    /// one is told, the other answers at once — it keeps no state the other needs.
    private func twoServersShareOneDatabase(_ postgres: String, weights: String, photos: URL, folder: URL) throws {
        let token = try taxon(["keys", "create", "--name", "uploader", "--scope", "admin"], db: postgres).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let data = folder.appendingPathComponent("uploads").path
        let servers = try (0..<2).map { _ in try ServerProcess(executable: executable, ["--db", postgres, "--weights", weights, "--data", data]) }
        defer { servers.forEach { $0.stop() } }
        let auth = ["Authorization": "Bearer \(token)"]
        XCTAssertEqual(servers[0].send("/v1/collections/shared", method: "PUT", headers: auth).status, 201)
        let files = try FileManager.default.contentsOfDirectory(atPath: photos.path).sorted().prefix(3)
        var ids: [Int64] = []
        for (index, file) in files.enumerated() {  // uploads alternate between the two
            let answer = servers[index % 2].send("/v1/collections/shared/images", method: "POST", headers: auth.merging(["Content-Type": "image/jpeg"]) { $1 },
                                                 body: try Data(contentsOf: photos.appendingPathComponent(file)))
            XCTAssertEqual(answer.status, 201, answer.body)
            let body = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
            ids += ((body?["images"] as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value }
        }
        XCTAssertEqual(ids.count, 3)
        for server in servers {
            let query = server.send("/v1/collections/shared/query", method: "POST", headers: ["Content-Type": "application/json"],
                                    body: Data(#"{"positive": [{"image": \#(ids[0])}], "ranking": "visual", "limit": 10}"#.utf8))
            XCTAssertEqual(query.status, 200, query.body)
            XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(query.body.utf8)) as? [String: Any])?["total"] as? Int, 2, query.body)
            for id in ids { XCTAssertEqual(server.send("/v1/images/\(id)/file").status, 200, "image \(id)") }
        }
        // A deletion through one is seen by the other.
        XCTAssertEqual(servers[1].send("/v1/collections/shared", method: "DELETE", headers: auth).status, 204)
        XCTAssertEqual(servers[0].send("/v1/collections/shared/query", method: "POST", headers: ["Content-Type": "application/json"],
                                       body: Data(#"{"positive": [{"concept": "dog.n.01"}]}"#.utf8)).status, 404)
    }

    /// A report with what differs between any two runs taken out: durations, rates and timestamps.
    static func withoutTimes(_ text: String) -> String {
        text.replacingOccurrences(of: #"\d+(\.\d+)? ?(ms|s|photos/s|images/s)\b"#, with: "T", options: .regularExpression)
            .replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, with: "DATE", options: .regularExpression)
    }
}

