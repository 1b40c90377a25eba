import Foundation
import TaxonCore
import TaxonImport
import TaxonLinalg
@testable import TaxonStore
import TaxonModel
import TaxonTesting
import XCTest
@testable import TaxonEmbed

/// DeViSE on ILSVRC-2012 over Debian's WordNet with GloVe 6B 50-d, all fetched
/// or installed by scripts/setup.sh.
final class RealVectorTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testDeViSEOnILSVRCWithGloVe() throws {
        let glove = Self.repository.appendingPathComponent("embeddings/data/glove-6b-50d.bin").path
        try TestData.require(glove)
        try TestData.debianWordNet()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-glove-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path)
        _ = try WordNetDictImporter.run(store: store)
        _ = try ImageNetClassesImporter.run(store: store, wnidsFile: Self.repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt").path,
                                            name: "ilsvrc2012")
        _ = try WordVectorsImporter.run(store: store, file: glove, name: "glove")
        let set = try store.vectorSet(named: "glove")
        XCTAssertEqual(set.count, 400_000)
        XCTAssertEqual(set.dims, 50)

        let result = try DeViSE.embed(store: store, classSet: "ilsvrc2012", vectors: set)
        XCTAssertGreaterThanOrEqual(Double(result.coverage.ownWord) / 1000, 0.97, "\(result.coverage)")
        XCTAssertEqual(result.coverage.ownWord + result.coverage.hypernym, 1000)

        // "small dog": dog breeds (hyponyms of dog.n.01) among the first ten classes.
        let members = try store.classMembers(of: "ilsvrc2012")
        let (query, _) = try DeViSE.query("small dog", store: store, vectors: set)
        let scores = (0..<1000).map { i in zip(result.rows.row(i), query).reduce(0) { $0 + $1.0 * $1.1 } }
        let top = (0..<1000).sorted { scores[$0] > scores[$1] }.prefix(10)
        let dogs = try top.filter { try store.ancestors(of: members[$0]).contains { $0.concept.key == "n02084071" } }
        XCTAssertGreaterThanOrEqual(dogs.count, 2, top.map { members[$0].label }.joined(separator: ", "))
    
        // tabby.n.01: with its gloss ("a cat with a grey or tawny coat mottled
        // with black"), another cat class is among its five nearest; the name
        // alone is not enough with these vectors (docs/EMBEDDINGS.md).
        let withGloss = try DeViSE.embed(store: store, classSet: "ilsvrc2012", vectors: set, gloss: true).rows
        let tabby = try XCTUnwrap(members.firstIndex { $0.key == "n02123045" })
        let toTabby = multiply(withGloss, Array(withGloss.row(tabby)))
        let nearTabby = (0..<1000).filter { $0 != tabby }.sorted { toTabby[$0] > toTabby[$1] }.prefix(5)
        let cats = try nearTabby.filter { try store.ancestors(of: members[$0]).contains { $0.concept.key == "n02121620" } }  // cat.n.01
        XCTAssertFalse(cats.isEmpty, nearTabby.map { members[$0].label }.joined(separator: ", "))
    }
}
