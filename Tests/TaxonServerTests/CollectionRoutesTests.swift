import Foundation
import Hummingbird
import HummingbirdTesting
import TaxonKit
import TaxonModel
@testable import TaxonServer
@testable import TaxonStore
import XCTest

/// GET/PUT/DELETE /v1/collections…: listing, details with concept counts, creation for uploads and deletion,
/// with the keys they need (admin for PUT and DELETE).
final class CollectionRoutesTests: XCTestCase {
    func testListDescribeCreateAndDelete() async throws {
        let built = try Fixture.get()
        let store = try SQLiteStore(path: built.store)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let admin = try KeyService(store: store).create(name: "admin-\(tag)", scope: .admin, collection: nil).token
        let writer = try KeyService(store: store).create(name: "writer-\(tag)", scope: .write, collection: nil).token
        let data = built.directory.appendingPathComponent("data-\(tag)")
        let service = try TaxonService(storePath: built.store, weights: nil, dataFolder: data.path)
        // A folder collection to delete: its folder must survive.
        let folder = built.directory.appendingPathComponent("folder-\(tag)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixture.chelsea, toPath: folder.appendingPathComponent("c.png").path)
        _ = try store.openCollection(name: "folder-\(tag)", root: folder.path, descriptor: "gem", embedding: nil, replace: false)
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
}
