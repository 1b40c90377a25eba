import Foundation
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonImport

/// Every importer, and every replacement, leaves no row pointing nowhere.
final class IntegrityTests: XCTestCase {
    func testImportsAndReplacementsKeepReferencesWhole() throws {
        for store in try temporaryStores() {
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
            XCTAssertEqual(try store.contentDigest().rows["vector"], 2)
            XCTAssertEqual(try store.contentDigest().rows["class_member"], 1)

            // An embedding of the class set and a mapper into it: replacing the
            // embedding, or the taxonomy under its class set, takes the mapper too.
            try store.writeEmbedding(name: "e", classSet: "h", method: "test", parameters: [:], dims: 2, values: [1, 0], replace: false)
            try store.writeMapper(name: "m", embedding: "e", parameters: ["epochs": "1"], inputs: 3, outputs: 2, values: [1, 2, 3, 4, 5, 6, 7, 8],
                                  replace: false)
            let (info, values) = try store.mapper(named: "m")
            XCTAssertEqual(values, [1, 2, 3, 4, 5, 6, 7, 8])
            XCTAssertEqual([info.embedding, String(info.inputs), String(info.outputs)], ["e", "3", "2"])
            XCTAssertThrowsError(try store.writeMapper(name: "m", embedding: "e", parameters: [:], inputs: 3, outputs: 2,
                                                       values: [Double](repeating: 0, count: 8), replace: false))
            XCTAssertThrowsError(try store.writeMapper(name: "n", embedding: "e", parameters: [:], inputs: 3, outputs: 2,
                                                       values: [Double](repeating: .nan, count: 8), replace: false))
            try store.writeEmbedding(name: "e", classSet: "h", method: "test", parameters: [:], dims: 2, values: [0, 1], replace: true)
            XCTAssertEqual(try store.mappers().count, 0)
            try store.writeMapper(name: "m", embedding: "e", parameters: [:], inputs: 3, outputs: 2, values: [Double](repeating: 0, count: 8), replace: false)
            _ = try EdgeListImporter.run(store: store, file: try write("a e\n", to: directory, "h3.txt"), name: "h", replace: true)
            XCTAssertEqual(try store.mappers().count, 0)
            try assertReferentialIntegrity(store)
        }
    }
}
