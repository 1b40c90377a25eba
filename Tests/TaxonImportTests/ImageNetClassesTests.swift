import Foundation
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonImport

final class ImageNetClassesTests: XCTestCase {
    private func stores() throws -> [(any Store, [String])] {
        try temporaryStores().map { store in
            _ = try WordNetDictImporter.run(store: store, directory: try MiniWordNet().write().path)
            let wordnet = try store.taxonomy(named: "wordnet")
            return (store, try ["cat", "dog.n.01", "lassie"].map { try store.resolve($0, in: wordnet).key })
        }
    }

    func testOrderedClassSet() throws {
        for (store, keys) in try stores() {
            let file = try write("# classes\n\(keys[0]) cat\n\(keys[1])\n\n\(keys[2])\n", to: try temporaryDirectory(), "wnids.txt")
            XCTAssertEqual(try ImageNetClassesImporter.run(store: store, wnidsFile: file, name: "pets").classes, 3)
            XCTAssertEqual(try store.classMembers(of: "pets").map(\.key), keys)
            XCTAssertEqual(try store.classSets().first?.classes, 3)
        }
    }

    func testUnknownWnidsAreNamed() throws {
        for (store, keys) in try stores() {
            let file = try write("\(keys[0])\nn99999999\n\(keys[1])\nn88888888\n", to: try temporaryDirectory(), "wnids.txt")
            try assertRejected(store, file: file, line: 2, message: "2 wnid(s) not in taxonomy 'wordnet': n99999999 (line 2), n88888888 (line 4)") {
                _ = try ImageNetClassesImporter.run(store: store, wnidsFile: file, name: "bad")
            }
        }
    }

    func testDuplicateWnid() throws {
        for (store, keys) in try stores() {
            let file = try write("\(keys[0])\n\(keys[1])\n\(keys[0])\n", to: try temporaryDirectory(), "wnids.txt")
            try assertRejected(store, file: file, line: 3, message: "listed twice (first on line 1)") {
                _ = try ImageNetClassesImporter.run(store: store, wnidsFile: file, name: "bad")
            }
        }
    }
}
