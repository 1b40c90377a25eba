import Foundation
import TaxonStore
import XCTest
@testable import TaxonImport

/// Every importer, and every replacement, leaves no row pointing nowhere.
final class IntegrityTests: XCTestCase {
    func testImportsAndReplacementsKeepReferencesWhole() throws {
        let store = try temporaryStore()
        let directory = try temporaryDirectory()
        let wordnet = try MiniWordNet().write().path
        _ = try WordNetDictImporter.run(store: store, directory: wordnet)
        let dog = try store.resolve("dog.n.01", in: try store.taxonomy(named: "wordnet")).key
        let wnids = try write("\(dog)\n", to: directory, "wnids.txt")
        _ = try ImageNetClassesImporter.run(store: store, wnidsFile: wnids, name: "dogs")
        _ = try WNLMFImporter.run(store: store, file: fixture("mini-lmf.xml"), name: "mini")
        _ = try EdgeListImporter.run(store: store, file: try write("a b\nb c\n", to: directory, "h.txt"), name: "h")
        _ = try WordVectorsImporter.run(store: store, file: try write("x 1 2\n", to: directory, "v.txt"), name: "v")
        try assertReferentialIntegrity(store)

        // Replacing a taxonomy takes its class sets with it; the others stay.
        _ = try WordNetDictImporter.run(store: store, directory: wordnet, replace: true)
        XCTAssertEqual(try store.classSets().map(\.name), ["h"])
        _ = try EdgeListImporter.run(store: store, file: try write("a d\n", to: directory, "h2.txt"), name: "h", replace: true)
        _ = try WordVectorsImporter.run(store: store, file: try write("y 3 4\nz 5 6\n", to: directory, "v2.txt"), name: "v", replace: true)
        try assertReferentialIntegrity(store)
        XCTAssertEqual(try store.db.scalarInt("SELECT count(*) FROM vector"), 2)
        XCTAssertEqual(try store.db.scalarInt("SELECT count(*) FROM class_member"), 1)
        XCTAssertEqual(try store.db.scalarInt("PRAGMA foreign_keys"), 1, "enforcement is back on after an import")
    }
}
