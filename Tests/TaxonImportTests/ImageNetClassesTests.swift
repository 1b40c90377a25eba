import Foundation
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonImport

final class ImageNetClassesTests: XCTestCase {
    private func store() throws -> (SQLiteStore, [String]) {
        let store = try temporaryStore()
        _ = try WordNetDictImporter.run(store: store, directory: try MiniWordNet().write().path)
        let wordnet = try store.taxonomy(named: "wordnet")
        let keys = try ["cat", "dog.n.01", "lassie"].map { try store.resolve($0, in: wordnet).key }
        return (store, keys)
    }

    func testOrderedClassSet() throws {
        let (store, keys) = try store()
        let file = try write("# classes\n\(keys[0]) cat\n\(keys[1])\n\n\(keys[2])\n", to: try temporaryDirectory(), "wnids.txt")
        XCTAssertEqual(try ImageNetClassesImporter.run(store: store, wnidsFile: file, name: "pets").classes, 3)
        XCTAssertEqual(try store.classMembers(of: "pets").map(\.key), keys)
        XCTAssertEqual(try store.classSets().first?.classes, 3)
    }

    func testUnknownWnidsAreNamed() throws {
        let (store, keys) = try store()
        let file = try write("\(keys[0])\nn99999999\n\(keys[1])\nn88888888\n", to: try temporaryDirectory(), "wnids.txt")
        try assertRejected(store, file: file, line: 2, message: "2 wnid(s) not in taxonomy 'wordnet': n99999999 (line 2), n88888888 (line 4)") {
            _ = try ImageNetClassesImporter.run(store: store, wnidsFile: file, name: "bad")
        }
    }

    func testDuplicateWnid() throws {
        let (store, keys) = try store()
        let file = try write("\(keys[0])\n\(keys[1])\n\(keys[0])\n", to: try temporaryDirectory(), "wnids.txt")
        try assertRejected(store, file: file, line: 3, message: "listed twice (first on line 1)") {
            _ = try ImageNetClassesImporter.run(store: store, wnidsFile: file, name: "bad")
        }
    }
}
