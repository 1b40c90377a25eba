import Foundation
import Hummingbird
import HummingbirdTesting
import TaxonKit
import TaxonModel
@testable import TaxonServer
import TaxonVision
@testable import TaxonStore
import XCTest

/// GET/PUT/DELETE /v1/collections…: listing, details with concept counts, creation for uploads and deletion,
/// with the keys they need (admin for PUT and DELETE). The first two run on SQLite and on PostgreSQL (`Fixture.backends`).
final class CollectionRoutesTests: XCTestCase {
    func testListDescribeCreateAndDelete() async throws {
        let built = try Fixture.get()
        for db in try Fixture.backends(built) { try await listDescribeCreateAndDelete(built, db: db) }
    }

    private func listDescribeCreateAndDelete(_ built: Fixture.Built, db: String) async throws {
        let store = try Stores.open(db)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let admin = try KeyService(store: store).create(name: "admin-\(tag)", scope: .admin, collection: nil).token
        let writer = try KeyService(store: store).create(name: "writer-\(tag)", scope: .write, collection: nil).token
        let data = built.directory.appendingPathComponent("data-\(tag)")
        let service = try TaxonService(storePath: db, weights: nil, dataFolder: data.path)
        // A folder collection to delete: its folder must survive.
        let folder = built.directory.appendingPathComponent("folder-\(tag)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixture.chelsea, toPath: folder.appendingPathComponent("c.png").path)
        _ = try store.openCollection(name: "folder-\(tag)", root: folder.path, descriptor: "gem", embedding: nil, mapper: nil, replace: false)
        let uploads = "up-\(tag)"
        @Sendable func headers(_ token: String?) -> HTTPFields { token.map { [.authorization: "Bearer \($0)"] } ?? [:] }
        let settings = ByteBuffer(string: #"{"embedding": "unit", "descriptor": "gem"}"#)

        try await Application(router: buildRouter(service)).test(.router) { client in
            try await client.execute(uri: "/v1/collections", method: .get) { response in
                let listed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
                let pets = try XCTUnwrap(listed.first { $0["name"] as? String == "pets" })
                XCTAssertEqual(pets["images"] as? Int, 5)
                XCTAssertEqual(pets["uploaded"] as? Bool, false)
                XCTAssertEqual(pets["embedding"] as? String, "unit")
            }
            try await client.execute(uri: "/v1/collections/pets", method: .get) { response in
                let details = try Check.object(response)
                let concepts = try XCTUnwrap(details["concepts"] as? [[String: Any]])
                XCTAssertGreaterThanOrEqual(concepts.count, 2, "the cats and dog part from the car somewhere: \(concepts)")
                XCTAssertEqual(concepts.compactMap { $0["images"] as? Int }.reduce(0, +), 5, "\(concepts)")
            }
            try await client.execute(uri: "/v1/collections/zoo", method: .get) { try Check.assertError($0, .notFound, "zoo") }

            try await client.execute(uri: "/v1/collections/\(uploads)", method: .put, body: settings) { try Check.assertError($0, .unauthorized, "needs an API key") }
            try await client.execute(uri: "/v1/collections/\(uploads)", method: .put, headers: headers(writer), body: settings) {
                try Check.assertError($0, .forbidden, "needs admin")
            }
            try await client.execute(uri: "/v1/collections/\(uploads)", method: .put, headers: headers(admin), body: settings) { response in
                XCTAssertEqual(response.status, .created)
                XCTAssertEqual(try Check.object(response)["uploaded"] as? Bool, true)
            }
            try await client.execute(uri: "/v1/collections/\(uploads)", method: .put, headers: headers(admin), body: settings) { XCTAssertEqual($0.status, .ok, "the same settings again") }
            try await client.execute(uri: "/v1/collections/\(uploads)", method: .put, headers: headers(admin), body: ByteBuffer(string: #"{"descriptor": "mac", "embedding": "unit"}"#)) {
                try Check.assertError($0, .conflict, "descriptor gem, not mac")
            }
            try await client.execute(uri: "/v1/collections/pets", method: .put, headers: headers(admin), body: settings) { try Check.assertError($0, .conflict, "folder") }
            try await client.execute(uri: "/v1/collections/x-\(tag)", method: .put, headers: headers(admin), body: ByteBuffer(string: #"{"descriptor": "sift"}"#)) {
                try Check.assertError($0, .badRequest, "unknown descriptor")
            }
            try await client.execute(uri: "/v1/collections/x-\(tag)", method: .put, headers: headers(admin), body: ByteBuffer(string: #"{"embedding": "nope"}"#)) {
                try Check.assertError($0, .notFound, "nope")
            }
            try await client.execute(uri: "/v1/collections/a%20b", method: .put, headers: headers(admin), body: settings) { try Check.assertError($0, .badRequest, "not a valid") }
            try await client.execute(uri: "/v1/collections/\(uploads)", method: .get) { XCTAssertEqual(try Check.object($0)["images"] as? Int, 0) }

            try await client.execute(uri: "/v1/collections/\(uploads)", method: .delete) { try Check.assertError($0, .unauthorized, "API key") }
            try await client.execute(uri: "/v1/collections/\(uploads)", method: .delete, headers: headers(admin)) { XCTAssertEqual($0.status, .noContent) }
            try await client.execute(uri: "/v1/collections/\(uploads)", method: .get) { try Check.assertError($0, .notFound, uploads) }
            try await client.execute(uri: "/v1/collections/\(uploads)", method: .delete, headers: headers(admin)) { try Check.assertError($0, .notFound, uploads) }
            try await client.execute(uri: "/v1/collections/folder-\(tag)", method: .delete, headers: headers(admin)) { XCTAssertEqual($0.status, .noContent) }
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("c.png").path), "an indexed folder is never touched")
        XCTAssertFalse(try store.collections().contains { $0.name == "folder-\(tag)" })
    }

    /// Uploads: stored once by content, analysed, searchable, idempotent; deleted with their last record;
    /// orphans (a crash between file and record) swept, and nothing else in the folder.
    func testUploadSearchAndDelete() async throws {
        let built = try Fixture.get()
        for db in try Fixture.backends(built) { try await uploadSearchAndDelete(built, db: db) }
    }

    private func uploadSearchAndDelete(_ built: Fixture.Built, db: String) async throws {
        let store = try Stores.open(db)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let admin = try KeyService(store: store).create(name: "up-admin-\(tag)", scope: .admin, collection: nil).token
        let writer = try KeyService(store: store).create(name: "up-writer-\(tag)", scope: .write, collection: nil).token
        let data = built.directory.appendingPathComponent("uploads-\(tag)")
        let service = try TaxonService(storePath: db, weights: Fixture.weights, dataFolder: data.path)
        let name = "photos-\(tag)"
        let chelsea = try Data(contentsOf: URL(fileURLWithPath: Fixture.chelsea))
        let tabbyPath = try XCTUnwrap(try Fixture.samplePhotos(["n02123045"]).first)
        let tabby = try Data(contentsOf: URL(fileURLWithPath: tabbyPath))
        let boundary = "taxon-upload-1"
        var form = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"a\"; filename=\"c.png\"\r\nContent-Type: image/png\r\n\r\n".utf8) + chelsea
        form += Data("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"b\"; filename=\"t.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8) + tabby
        form += Data("\r\n--\(boundary)--\r\n".utf8)
        let twoPhotos = ByteBuffer(bytes: form)
        @Sendable func headers(_ token: String, _ type: String? = nil) -> HTTPFields {
            var fields: HTTPFields = [.authorization: "Bearer \(token)"]
            if let type { fields[.contentType] = type }
            return fields
        }
        struct Box: @unchecked Sendable { var ids: [Int64] = [] }
        nonisolated(unsafe) var box = Box()

        try await Application(router: buildRouter(service)).test(.router) { client in
            try await client.execute(uri: "/v1/collections/\(name)", method: .put, headers: headers(admin), body: ByteBuffer(string: #"{"embedding": "unit"}"#)) {
                XCTAssertEqual($0.status, .created)
            }
            let route = "/v1/collections/\(name)/images"
            try await client.execute(uri: route, method: .post, body: ByteBuffer(bytes: chelsea)) { try Check.assertError($0, .unauthorized, "API key") }
            try await client.execute(uri: route, method: .post, headers: headers(writer, "image/png"), body: ByteBuffer(bytes: chelsea)) { response in
                XCTAssertEqual(response.status, .created)
                let image = try XCTUnwrap((try Check.object(response)["images"] as? [[String: Any]])?.first)
                XCTAssertEqual(image["created"] as? Bool, true)
                let path = try XCTUnwrap(image["path"] as? String)
                XCTAssertTrue(path.hasSuffix(".png") && path.count == 2 + 1 + 64 + 4, path)
                XCTAssertEqual(try Data(contentsOf: data.appendingPathComponent(path)), chelsea)
                box.ids.append(try XCTUnwrap((image["id"] as? NSNumber)?.int64Value))
            }
            try await client.execute(uri: route, method: .post, headers: headers(writer, "multipart/form-data; boundary=\(boundary)"), body: twoPhotos) {
                response in
                let images = try XCTUnwrap(try Check.object(response)["images"] as? [[String: Any]])
                XCTAssertEqual(images.count, 2)
                XCTAssertEqual((images[0]["id"] as? NSNumber)?.int64Value, box.ids[0], "the same bytes again: the same id")
                XCTAssertEqual(images[0]["created"] as? Bool, false)
                XCTAssertEqual(images[1]["created"] as? Bool, true)
                box.ids.append(try XCTUnwrap((images[1]["id"] as? NSNumber)?.int64Value))
            }
            try await client.execute(uri: route, method: .post, headers: headers(writer, "image/jpeg"), body: ByteBuffer(string: "not a photo")) {
                try Check.assertError($0, .unprocessableContent, "photo 0")
            }
            try await client.execute(uri: "/v1/collections/pets/images", method: .post, headers: headers(writer, "image/png"), body: ByteBuffer(bytes: chelsea)) {
                try Check.assertError($0, .conflict, "indexed folder")
            }
            // Searchable at once: the tabby finds the cat photo.
            let query = ByteBuffer(string: #"{"positive": [{"image": \#(box.ids[1])}], "limit": 5}"#)
            try await client.execute(uri: "/v1/collections/\(name)/query", method: .post, body: query) { response in
                let answer = try Check.object(response)
                XCTAssertEqual(answer["total"] as? Int, 1)
                XCTAssertEqual(((answer["results"] as? [[String: Any]])?.first?["id"] as? NSNumber)?.int64Value, box.ids[0])
            }
            try await client.execute(uri: "/v1/images/\(box.ids[0])/file", method: .get) { XCTAssertEqual(Data(buffer: $0.body), chelsea) }
            try await client.execute(uri: "/v1/collections/\(name)/images/\(box.ids[0])", method: .delete, headers: headers(writer)) { XCTAssertEqual($0.status, .noContent) }
            try await client.execute(uri: "/v1/images/\(box.ids[0])", method: .get) { XCTAssertEqual($0.status, .notFound) }
            try await client.execute(uri: "/v1/collections/pets/images/\(box.ids[1])", method: .delete, headers: headers(writer)) {
                try Check.assertError($0, .notFound, "has no image")
            }
        }
        let files = try FileManager.default.subpathsOfDirectory(atPath: data.path).filter { $0.contains(".") }
        XCTAssertEqual(files.count, 1, "the deleted photo's file went with it: \(files)")

        // What a crash between a file and its record leaves is swept; a person's own file is not.
        let catalog = CollectionCatalog(store: store, dataFolder: data.path)
        let stray = String(repeating: "ab", count: 32)
        try FileManager.default.createDirectory(at: data.appendingPathComponent("ab"), withIntermediateDirectories: true)
        for file in ["ab/\(stray).jpg", "ab/.partial-1234", "notes.txt"] { try Data("x".utf8).write(to: data.appendingPathComponent(file)) }
        XCTAssertEqual(try catalog.removeOrphans(), ["ab/.partial-1234", "ab/\(stray).jpg"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: data.appendingPathComponent("notes.txt").path))
        try catalog.delete(name)
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: data.path).filter { $0.contains(".") }, ["notes.txt"])
    }

    /// Thumbnails: a JPEG whose longer side is the size asked for, made once and then read from the cache.
    func testThumbnails() async throws {
        let built = try Fixture.get()
        let store = try SQLiteStore(path: built.store)
        let chelsea = try XCTUnwrap(try store.images(in: try store.collection(named: "pets"), vectors: false).first { $0.path == "chelsea.png" })
        let data = built.directory.appendingPathComponent("thumbs-\(UUID().uuidString.prefix(8))")
        let service = try TaxonService(storePath: built.store, weights: nil, dataFolder: data.path)
        let cached = data.appendingPathComponent("thumbnails/\(chelsea.sha256)-64.jpg")
        try await Application(router: buildRouter(service)).test(.router) { client in
            try await client.execute(uri: "/v1/images/\(chelsea.id)/thumbnail?size=64", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "image/jpeg")
                let image = try ImageDecoder.decode(Data(buffer: response.body), name: "thumbnail")
                XCTAssertEqual(max(image.width, image.height), 64)
                XCTAssertEqual(Double(image.width) / Double(image.height), Double(chelsea.width) / Double(chelsea.height), accuracy: 0.05)
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: cached.path), "kept for the next request")
            try await client.execute(uri: "/v1/images/\(chelsea.id)/thumbnail?size=64", method: .get) {
                XCTAssertEqual(Data(buffer: $0.body), try Data(contentsOf: cached), "served from the cache")
            }
            try await client.execute(uri: "/v1/images/\(chelsea.id)/thumbnail", method: .get) { response in
                XCTAssertEqual(max(try ImageDecoder.decode(Data(buffer: response.body), name: "t").width, 0), min(256, chelsea.width))
            }
            try await client.execute(uri: "/v1/images/\(chelsea.id)/thumbnail?size=8", method: .get) { try Check.assertError($0, .badRequest, "size") }
            try await client.execute(uri: "/v1/images/99999999/thumbnail", method: .get) { try Check.assertError($0, .notFound, "no image") }
        }
    }
}
