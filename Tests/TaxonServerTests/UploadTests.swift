import Foundation
import Hummingbird
import HummingbirdTesting
import TaxonKit
import TaxonSearch
@testable import TaxonServer
@testable import TaxonStore
import TaxonLinalg
import TaxonTesting
import XCTest

/// Uploads with labels and tags, PATCH, the tags and label filters, streamed progress; and every upload
/// limit and hostile body against a real `taxon serve` process.
final class UploadTests: XCTestCase {
    /// A multipart/form-data body: files (field name, file name, bytes) and text fields, in order.
    static func form(_ boundary: String, files: [(String, String, Data)], fields: [(String, String)] = []) -> Data {
        var body = Data()
        for (name, file, bytes) in files {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(file)\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
            body += bytes + Data("\r\n".utf8)
        }
        for (name, value) in fields { body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8) }
        return body + Data("--\(boundary)--\r\n".utf8)
    }

    /// Labels, tags and their filters, PATCH, and progress streamed as NDJSON; on SQLite and on PostgreSQL.
    func testLabelsTagsFiltersPatchAndStreamedProgress() async throws {
        let built = try Fixture.get()
        for db in try Fixture.backends(built) { try await labelsTagsFiltersPatchAndStreamedProgress(built, db: db) }
    }

    private func labelsTagsFiltersPatchAndStreamedProgress(_ built: Fixture.Built, db: String) async throws {
        let store = try Stores.open(db)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let writer = try KeyService(store: store).create(name: "label-writer-\(tag)", scope: .write, collection: nil).token
        let reader = try KeyService(store: store).create(name: "label-reader-\(tag)", scope: .read, collection: nil).token
        let data = built.directory.appendingPathComponent("labels-\(tag)")
        let service = try TaxonService(storePath: db, weights: Fixture.weights, dataFolder: data.path)
        let name = "labelled-\(tag)"
        _ = try CollectionCatalog(store: store, dataFolder: data.path).create(name, embedding: "unit", descriptor: .gem)
        let cats = try Fixture.samplePhotos(["n02123045", "n02123159", "n02124075"]).prefix(3).map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let boundary = "taxon-labels"
        // Every photo tagged "home"; photo 1 also "striped"; photo 0 labelled a dog (a person may say what they like).
        let form = Self.form(boundary, files: cats.enumerated().map { ("photo", "\($0.offset).jpg", $0.element) },
                             fields: [("tags", "home"), ("tags[1]", "striped, home"), ("label[0]", "dog.n.01")])
        @Sendable func headers(_ token: String, _ type: String? = nil, accept: String? = nil) -> HTTPFields {
            var fields: HTTPFields = [.authorization: "Bearer \(token)"]
            if let type { fields[.contentType] = type }
            if let accept { fields[.accept] = accept }
            return fields
        }
        @Sendable func query(_ extra: String) -> ByteBuffer { ByteBuffer(string: #"{"positive": [{"concept": "cat.n.01"}], "limit": 10\#(extra)}"#) }
        @Sendable func ids(_ response: TestResponse) throws -> [Int64] {
            try XCTUnwrap(try Check.object(response)["results"] as? [[String: Any]]).compactMap { ($0["id"] as? NSNumber)?.int64Value }
        }
        struct Box: @unchecked Sendable { var ids: [Int64] = [] }
        nonisolated(unsafe) var box = Box()

        try await Application(router: buildRouter(service)).test(.router) { client in
            let route = "/v1/collections/\(name)/images"
            // Streamed: one line per photo as it is committed, then the closing line.
            try await client.execute(uri: route, method: .post, headers: headers(writer, "multipart/form-data; boundary=\(boundary)", accept: "application/x-ndjson"),
                                      body: ByteBuffer(bytes: form)) { response in
                XCTAssertEqual(response.status, .created)
                XCTAssertEqual(response.headers[.contentType], "application/x-ndjson")
                let lines = try String(buffer: response.body).split(separator: "\n").map {
                    try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
                }
                XCTAssertEqual(lines.count, 4, "\(lines)")
                XCTAssertEqual(lines.prefix(3).compactMap { $0["photo"] as? Int }, [0, 1, 2])
                let images = lines.prefix(3).compactMap { $0["image"] as? [String: Any] }
                XCTAssertEqual(images[0]["label"] as? String, "n02084071", "dog.n.01's key")
                XCTAssertEqual(images[1]["tags"] as? [String], ["home", "striped"], "the photo's own tags after the common ones, deduplicated")
                XCTAssertEqual(images[2]["tags"] as? [String], ["home"])
                XCTAssertNil(images[2]["label"] as? String)
                XCTAssertEqual(lines[3]["done"] as? Bool, true)
                XCTAssertEqual(lines[3]["stored"] as? Int, 3)
                box.ids = images.compactMap { ($0["id"] as? NSNumber)?.int64Value }
            }
            let (dog, striped, plain) = (box.ids[0], box.ids[1], box.ids[2])
            // Uploads bring style and colour descriptors, and the collection's style PCA is learned on them.
            let written = try Stores.open(db)
            XCTAssertEqual(try written.styleProjection(of: try written.collection(named: name))?.photos, 3)
            XCTAssertTrue(try written.pathsLackingFacets(in: try written.collection(named: name)).isEmpty)
            // The label is the photo's concept for filters and results; tags filter too.
            try await client.execute(uri: "/v1/collections/\(name)/query", method: .post, body: query(#", "within": ["dog.n.01"]"#)) { response in
                XCTAssertEqual(try ids(response), [dog])
                let hit = try XCTUnwrap((try Check.object(response)["results"] as? [[String: Any]])?.first)
                XCTAssertEqual((hit["concept"] as? [String: Any])?["key"] as? String, "n02084071")
                XCTAssertEqual(hit["labelled"] as? Bool, true)
            }
            try await client.execute(uri: "/v1/collections/\(name)/query", method: .post, body: query(#", "tags": ["striped"]"#)) {
                XCTAssertEqual(try ids($0), [striped])
            }
            try await client.execute(uri: "/v1/collections/\(name)/query", method: .post, body: query(#", "tags": ["home"], "exclude": ["dog.n.01"]"#)) {
                XCTAssertEqual(Set(try ids($0)), [striped, plain])
            }

            // PATCH: absent keeps, null clears, a string sets.
            let patch = "\(route)/\(dog)"
            try await client.execute(uri: patch, method: .patch, headers: headers(writer, "application/json"), body: ByteBuffer(string: #"{"tags": ["garden"]}"#)) {
                response in
                let image = try Check.object(response)
                XCTAssertEqual(image["label"] as? String, "n02084071", "kept")
                XCTAssertEqual(image["tags"] as? [String], ["garden"])
            }
            try await client.execute(uri: patch, method: .patch, headers: headers(writer, "application/json"), body: ByteBuffer(string: #"{"label": null}"#)) {
                XCTAssertTrue(try Check.object($0)["label"] is NSNull || (try Check.object($0)["label"]) == nil)
            }
            try await client.execute(uri: "/v1/collections/\(name)/query", method: .post, body: query(#", "within": ["dog.n.01"]"#)) {
                XCTAssertEqual(try Check.object($0)["total"] as? Int, 0, "no dog once the label is gone")
            }
            try await client.execute(uri: patch, method: .patch, headers: headers(writer, "application/json"), body: ByteBuffer(string: #"{"label": "feline.n.01"}"#)) {
                XCTAssertEqual(try Check.object($0)["label"] as? String, "n02120997")
            }
            try await client.execute(uri: "/v1/images/\(dog)", method: .get) { response in
                let image = try Check.object(response)
                XCTAssertEqual(image["label"] as? String, "n02120997")
                XCTAssertEqual(image["tags"] as? [String], ["garden"])
            }
            // Bad annotations: each one 4xx naming what is wrong, nothing changed.
            let bad: [(String, String, HTTPResponse.Status, String)] = [
                (patch, #"{"label": "no-such-concept-x"}"#, .unprocessableContent, "label"),
                (patch, #"{"tags": [""]}"#, .unprocessableContent, "tags[0]"),
                (patch, #"{"tags": ["a\u0007b"]}"#, .unprocessableContent, "control characters"),
                (patch, #"{"tags": [\#((0..<40).map { "\"t\($0)\"" }.joined(separator: ","))]}"#, .unprocessableContent, "at most 32 tags"),
                (patch, "{}", .badRequest, "give label, tags or both"),
                (patch, "{not json", .badRequest, "malformed JSON"),
                ("\(route)/99999999", #"{"tags": []}"#, .notFound, "has no image 99999999"),
                ("/v1/collections/pets/images/\(dog)", #"{"tags": []}"#, .notFound, "has no image"),
            ]
            for (uri, body, status, words) in bad {
                try await client.execute(uri: uri, method: .patch, headers: headers(writer, "application/json"), body: ByteBuffer(string: body)) {
                    try Check.assertError($0, status, words)
                }
            }
            try await client.execute(uri: patch, method: .patch, headers: headers(reader, "application/json"), body: ByteBuffer(string: #"{"tags": []}"#)) {
                try Check.assertError($0, .forbidden, "this route needs write")
            }
            try await client.execute(uri: "/v1/images/\(dog)", method: .get) { XCTAssertEqual(try Check.object($0)["tags"] as? [String], ["garden"], "unchanged") }
            // An upload whose label is wrong or names a photo it lacks stores nothing.
            let wrong = Self.form(boundary, files: [("photo", "x.jpg", cats[0])], fields: [("label[3]", "dog.n.01")])
            try await client.execute(uri: route, method: .post, headers: headers(writer, "multipart/form-data; boundary=\(boundary)"), body: ByteBuffer(bytes: wrong)) {
                try Check.assertError($0, .badRequest, "label[3] or tags[3] names photo 3")
            }
            try await client.execute(uri: route + "?label=no-such-concept-x", method: .post, headers: headers(writer, "image/jpeg"), body: ByteBuffer(bytes: cats[0])) {
                try Check.assertError($0, .unprocessableContent, "photo 0: label")
            }
            try await client.execute(uri: "/v1/collections/\(name)", method: .get) { XCTAssertEqual(try Check.object($0)["images"] as? Int, 3) }
        }
    }

    /// Many groups through the library: the network a group ahead of the writes, answers in the photos' order,
    /// each heard by `stored` once recorded; one bad photo among them stores none.
    func testGroupsAreStoredInOrder() throws {
        let built = try Fixture.get()
        let store = try SQLiteStore(path: built.store)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let data = built.directory.appendingPathComponent("groups-\(tag)").path
        _ = try CollectionCatalog(store: store, dataFolder: data).create("groups-\(tag)", embedding: "unit", descriptor: .gem)
        let photos = try FileManager.default.contentsOfDirectory(atPath: Fixture.sample).filter { $0.hasSuffix(".jpg") }.sorted().prefix(19)
            .map { UploadPhoto(try Data(contentsOf: URL(fileURLWithPath: Fixture.sample + "/" + $0))) }
        XCTAssertEqual(photos.count, 19, "three groups of 8, the last short")
        var uploads = UploadService(store: store, dataFolder: data)
        uploads.workers = BackgroundWorkers(count: 2)
        let network = try VisionService.network(weights: Fixture.weights)
        XCTAssertThrowsError(try uploads.upload(photos + [UploadPhoto(Data("no photo".utf8))], to: "groups-\(tag)", network: network)) {
            XCTAssertEqual("\($0)", "photo 19: neither a JPEG nor a PNG image")
        }
        XCTAssertEqual(try store.collection(named: "groups-\(tag)").images, 0, "nothing stored")
        var heard: [String] = []
        let answers = try uploads.store(try uploads.prepare(photos, to: "groups-\(tag)", network: network)) { image in
            XCTAssertNotNil(try store.image(id: image.id), "recorded before it is heard of")
            heard.append(image.sha256)
        }
        XCTAssertEqual(answers.map(\.sha256), photos.map { ContentHash.sha256($0.data) })
        XCTAssertEqual(heard, answers.map(\.sha256))
        XCTAssertEqual(try store.collection(named: "groups-\(tag)").images, 19)

        // The same bytes in a second collection: the file stays until its last record goes.
        _ = try CollectionCatalog(store: store, dataFolder: data).create("groups-b-\(tag)", embedding: nil, descriptor: .gem)
        let twin = try XCTUnwrap(try uploads.upload([photos[0]], to: "groups-b-\(tag)", network: network).first)
        let file = data + "/" + twin.path
        try uploads.delete(image: answers[0].id, from: "groups-\(tag)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: file), "another collection still holds these bytes")
        try uploads.delete(image: twin.id, from: "groups-b-\(tag)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file), "gone with its last record")
    }

    /// Every limit of an upload answers 4xx naming it, against a real process with small limits; hostile
    /// bodies (truncated, pixel floods, non-images, traversal in names) store nothing and never crash it.
    /// On both backends.
    func testLimitsAndHostileUploadsOnARealServer() throws {
        let built = try Fixture.get()
        for db in try Fixture.backends(built) { try limitsAndHostileUploads(built, db: db) }
    }

    private func limitsAndHostileUploads(_ built: Fixture.Built, db: String) throws {
        let tag = UUID().uuidString.prefix(8).lowercased()
        func key(_ name: String, _ arguments: [String]) throws -> String {
            try Fixture.taxon(["keys", "create", "--name", "\(name)-\(tag)", "--db", db] + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let admin = try key("limits-admin", ["--scope", "admin"]), petsWriter = try key("limits-pets", ["--scope", "write", "--collection", "pets"])
        let data = built.directory.appendingPathComponent("limits-\(tag)"), serverLog = data.appendingPathExtension("log")
        let server = try ServerProcess(store: db, ["--data", data.path, "--max-photos", "3", "--max-photo-bytes", "400000", "--max-pixels", "20000000",
                                               "--max-upload-bytes", "1500000"], log: serverLog)
        let name = "limits-\(tag)", route = "/v1/collections/limits-\(tag)/images"
        XCTAssertEqual(server.send("/v1/collections/\(name)", method: "PUT", headers: ["Authorization": "Bearer \(admin)"]).status, 201)
        let photo = try Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(try Fixture.samplePhotos(["n02123045"]).first)))
        XCTAssertLessThan(photo.count, 200_000)
        @Sendable func upload(_ body: Data, type: String = "image/jpeg", token: String? = nil, query: String = "") -> (status: Int, headers: [String: String], body: String) {
            server.send(route + query, method: "POST", headers: ["Authorization": "Bearer \(token ?? admin)", "Content-Type": type], body: body)
        }
        func assertRefused(_ answer: (status: Int, headers: [String: String], body: String), _ status: Int, _ words: String,
                           file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(answer.status, status, answer.body, file: file, line: line)
            XCTAssertTrue(answer.body.contains(words), "\(answer.body) lacks \(words)", file: file, line: line)
        }
        let boundary = "hostile"
        let multipart = "multipart/form-data; boundary=\(boundary)"

        assertRefused(upload(Self.form(boundary, files: (0..<4).map { ("p", "\($0).jpg", photo) }), type: multipart), 413, "at most 3 photos per upload")
        assertRefused(upload(photo + Data(count: 400_000)), 413, "over the limit of 400000 bytes per photo")
        assertRefused(upload(Data(count: 1_600_000)), 413, "larger than 1500000 bytes")
        assertRefused(upload(Self.png(width: 60_000, height: 60_000), type: "image/png"), 413, "over the limit of 20000000 pixels")
        assertRefused(upload(try Self.jpeg(photo, width: 60_000, height: 60_000)), 413, "over the limit of 20000000 pixels")
        assertRefused(upload(photo.prefix(photo.count / 2)), 422, "photo 0")
        assertRefused(upload(Data("GIF89a but not really".utf8), type: "image/gif"), 422, "neither a JPEG nor a PNG")
        assertRefused(upload(Data("%PDF-1.4 pretending".utf8)), 422, "photo 0")
        assertRefused(upload(Data()), 422, "photo 0: the photo is empty")
        let form = Self.form(boundary, files: [("p", "a.jpg", photo)])
        assertRefused(upload(form.prefix(form.count / 2), type: multipart), 400, "multipart body holds no part")
        let two = Self.form(boundary, files: [("p", "a.jpg", photo), ("p", "b.jpg", photo + Data([1]))])
        assertRefused(upload(two.prefix(two.count - 500), type: multipart), 400, "truncated multipart/form-data: no closing '--hostile--' after part 0")
        assertRefused(upload(form, type: "multipart/form-data"), 400, "without a boundary")
        assertRefused(upload(photo, token: petsWriter), 403, "is for collection 'pets'")
        assertRefused(upload(photo, token: "taxon_\(String(repeating: "x", count: 43))"), 401, "unknown or revoked")
        assertRefused(server.send("/v1/collections/..%2F..%2Fetc/images", method: "POST", headers: ["Authorization": "Bearer \(admin)"], body: photo), 404, "no collection named")
        assertRefused(server.send("/v1/collections/\(name)/images/..%2F1", method: "DELETE", headers: ["Authorization": "Bearer \(admin)"]), 400, "id")
        assertRefused(server.send("/v1/collections/\(name)/images/424242", method: "DELETE", headers: ["Authorization": "Bearer \(admin)"]), 404, "has no image 424242")
        XCTAssertEqual(server.send("/v1/collections/\(name)").body.contains(#""images":0"#), true, "nothing stored by a refused upload")
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: data.path).filter { $0.contains(".") }, [], "and no file")

        // A name full of "..": the file is kept by its content's hash, wherever the name points.
        let traversal = upload(Self.form(boundary, files: [("../../p", "../../../../tmp/taxon-\(tag).jpg", photo)]), type: multipart)
        XCTAssertEqual(traversal.status, 201, traversal.body)
        let stored = try FileManager.default.subpathsOfDirectory(atPath: data.path).filter { $0.hasSuffix(".jpg") }
        XCTAssertEqual(stored, ["\(ContentHash.sha256(photo).prefix(2))/\(ContentHash.sha256(photo)).jpg"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/taxon-\(tag).jpg"))
        XCTAssertEqual(server.send("/healthz").status, 200, "still serving after all of it")

        // Searches keep answering while two clients upload (SQLite's WAL, PostgreSQL's MVCC; uploads on their own thread).
        let photos = try Fixture.samplePhotos(["n02085620", "n02099601", "n02123159", "n02124075"]).prefix(12).map {
            try Data(contentsOf: URL(fileURLWithPath: $0))
        }
        final class Statuses: @unchecked Sendable { let lock = NSLock(); var uploads: [Int] = [] }
        let statuses = Statuses(), uploaders = DispatchGroup()
        for client in 0..<2 {
            DispatchQueue.global().async(group: uploaders) {
                for round in 0..<2 {
                    let batch = (0..<3).map { photos[(client * 6 + round * 3 + $0) % photos.count] }
                    let answer = upload(Self.form(boundary, files: batch.enumerated().map { ("p", "\($0.offset).jpg", $0.element) }), type: multipart)
                    statuses.lock.withLock { statuses.uploads.append(answer.status) }
                }
            }
        }
        var searches: [Int] = []
        while uploaders.wait(timeout: .now()) == .timedOut {
            searches.append(server.send("/v1/search?collection=pets&concept=tabby.n.01&ranking=semantic&k=3").status)
        }
        let errors = ((try? String(contentsOf: serverLog, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains("error") }
        XCTAssertEqual(statuses.uploads, [201, 201, 201, 201], "\(db): \(errors)")
        XCTAssertGreaterThan(searches.count, 3, "searches went on during the uploads")
        XCTAssertEqual(Set(searches), [200])
    }

    /// A PNG whose header claims `width` × `height` pixels, with one tiny data chunk: a pixel flood.
    static func png(width: UInt32, height: UInt32) -> Data {
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
        }
        let header = bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]  // 8-bit RGB
        let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]  // zlib of one zero byte
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", idat) + chunk("IEND", []))
    }

    /// A real JPEG whose frame header is changed to claim `width` × `height` pixels.
    static func jpeg(_ photo: Data, width: UInt16, height: UInt16) throws -> Data {
        var bytes = [UInt8](photo)
        var at = 2
        while at + 9 < bytes.count, bytes[at] == 0xFF {
            let marker = bytes[at + 1], length = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            if (0xC0...0xC2).contains(marker) {
                bytes.replaceSubrange((at + 5)..<(at + 9), with: [UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF)])
                return Data(bytes)
            }
            at += 2 + length
        }
        throw NSError(domain: "test", code: 1, userInfo: [NSLocalizedDescriptionKey: "no frame header in the sample JPEG"])
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }

    /// The CRC-32 PNG chunks carry (ISO 3309, reflected 0xEDB88320).
    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
