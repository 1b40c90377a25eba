import Foundation
import TaxonSearch
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonServer

/// Issue #8's must-show on real photos of ../shared/data/imagenet-sample:
/// for the tabby photo, semantic-first ranks the other domestic-cat classes
/// before any non-feline. Here on the 13 feline photos and every 25th other
/// photo (a debug build runs the network slowly); docs/SEARCH.md has the
/// whole sample through the release CLI.
final class SemanticFirstTests: XCTestCase {
    static let domesticCat = "n02121808", feline = "n02120997"

    func testTabbyFindsTheOtherCatsBeforeAnyNonFeline() throws {
        let built = try Fixture.get()
        let store = try SQLiteStore(path: built.store)
        let (photos, isUnder) = try Fixture.sampleClasses(store)
        let felines = try photos.filter { try isUnder($0, Self.feline) }
        XCTAssertEqual(felines.count, 13)
        let others = stride(from: 0, to: photos.count, by: 25).map { photos[$0] }.filter { !felines.contains($0) }
        let folder = try Fixture.sampleFolder("sample-subset", felines + others, in: built)

        let network = try XCTUnwrap(built.service.network)
        let classes = try SearchEngine.networkClasses(store: store, classSet: "ilsvrc2012")
        let space = try SemanticSpace(store: store, embedding: "unit", networkClasses: classes)
        let indexer = ImageIndexer(store: store, analyzer: ImageAnalyzer(network: network, classes: classes, descriptor: .gem, space: space))
        _ = try indexer.index(folder: folder.path, collection: "sample-subset")
        let engine = try SearchEngine(store: store, collection: "sample-subset", network: network)
        XCTAssertEqual(engine.levelWidth ?? 0, 1.0 / 18, accuracy: 1e-12, "the ILSVRC tree is 18 high")

        let tabby = try XCTUnwrap(felines.first { $0.hasPrefix("n02123045") })
        let photo = try Data(contentsOf: folder.appendingPathComponent(tabby))
        let ranked = try engine.search(.upload(photo), ranking: .semanticFirst(width: nil), k: 1000, store: store).hits.map { String($0.path.prefix(9)) }
        let otherCats = try ranked.indices.filter { index in
            let cat = try isUnder(ranked[index], Self.domesticCat)
            return cat && ranked[index] != "n02123045"
        }
        let firstNonFeline = try XCTUnwrap(try ranked.firstIndex { !(try isUnder($0, Self.feline)) })
        XCTAssertEqual(otherCats.count, 4, "tiger cat, Persian, Siamese, Egyptian cat")
        XCTAssertLessThan(otherCats.max()!, firstNonFeline, "\(ranked.prefix(16))")
        XCTAssertEqual(ranked.first, "n02123045", "the photo itself")
    }
}
