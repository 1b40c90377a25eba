import Foundation
@testable import TaxonStore
import TaxonModel
import TaxonVision
import TaxonTesting
import XCTest
@testable import TaxonSearch

/// `ImageIndexer` on a real folder with the real network (weights from scripts/setup.sh).
final class IndexerTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testIndexSkipsUnchangedRemovesVanishedAndReportsBadFiles() throws {
        for store in try TestStores.fresh() { try indexSkipsUnchangedRemovesVanishedAndReportsBadFiles(store) }
    }

    private func indexSkipsUnchangedRemovesVanishedAndReportsBadFiles(_ store: any Store) throws {
        let weights = Self.repository.appendingPathComponent("models/data/efficientnet-lite0.safetensors").path
        let chelsea = Self.repository.appendingPathComponent("models/data/chelsea.png").path
        try TestData.weights()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-index-\(UUID().uuidString)")
        let photos = directory.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: chelsea, toPath: photos.appendingPathComponent("a.png").path)
        try FileManager.default.copyItem(atPath: chelsea, toPath: photos.appendingPathComponent("sub/b.PNG").path)
        try Data("not an image".utf8).write(to: photos.appendingPathComponent("broken.jpg"))
        try Data("notes".utf8).write(to: photos.appendingPathComponent("readme.txt"))

        let network = try EfficientNetLite(weights: try SafeTensors(path: weights))
        let classes = (0..<1000).map { String(format: "n%08d", $0) }
        let indexer = ImageIndexer(store: store, analyzer: ImageAnalyzer(network: network, classes: classes, descriptor: .gem, space: nil))
        var ticks: [Int] = []
        let first = try indexer.index(folder: photos.path, collection: "pets") { done, _ in ticks.append(done) }
        XCTAssertEqual(first.added, 2)
        XCTAssertEqual(first.failed.map(\.path), ["broken.jpg"])
        XCTAssertTrue(first.failed[0].reason.contains("broken.jpg"), first.failed[0].reason)
        XCTAssertEqual(ticks, [0, 3])

        let info = try store.collection(named: "pets")
        XCTAssertEqual(info.images, 2)
        XCTAssertEqual(info.descriptor, "gem")
        let images = try store.images(in: info)
        XCTAssertEqual(images.map(\.path), ["a.png", "sub/b.PNG"])
        XCTAssertEqual(images[0].sha256, ContentHash.sha256(try Data(contentsOf: URL(fileURLWithPath: chelsea))))
        XCTAssertEqual(images[0].descriptor.count, 1280)
        XCTAssertEqual(images[0].topClasses.count, 10)
        XCTAssertEqual(Double(images[0].descriptor.reduce(0) { $0 + $1 * $1 }), 1, accuracy: 1e-5)
        XCTAssertNil(images[0].embedding)

        // Again: nothing to do but the broken file; then one file vanishes and one changes.
        let second = try indexer.index(folder: photos.path, collection: "pets")
        XCTAssertEqual([second.added, second.updated, second.unchanged, second.removed], [0, 0, 2, 0])
        try FileManager.default.removeItem(at: photos.appendingPathComponent("sub/b.PNG"))
        let sample = Self.repository.deletingLastPathComponent().appendingPathComponent("shared/data/imagenet-sample")
        let other = try FileManager.default.contentsOfDirectory(atPath: sample.path).filter { $0.hasSuffix(".jpg") }.sorted().first
        try FileManager.default.removeItem(at: photos.appendingPathComponent("a.png"))
        try FileManager.default.copyItem(atPath: other.map { sample.appendingPathComponent($0).path } ?? chelsea,
                                         toPath: photos.appendingPathComponent("a.png").path)
        let generation = try XCTUnwrap(try store.collectionVersion(named: "pets")).generation
        let third = try indexer.index(folder: photos.path, collection: "pets")
        XCTAssertEqual([third.added, third.updated, third.unchanged, third.removed], [0, other == nil ? 0 : 1, other == nil ? 1 : 0, 1])
        XCTAssertGreaterThan(try XCTUnwrap(try store.collectionVersion(named: "pets")).generation, generation)
        XCTAssertEqual(try store.images(in: try store.collection(named: "pets")).map(\.path), ["a.png"])

        // Another descriptor into the same collection is refused; a folder that is not there is an error.
        let gap = ImageIndexer(store: store, analyzer: ImageAnalyzer(network: network, classes: classes, descriptor: .gap, space: nil))
        XCTAssertThrowsError(try gap.index(folder: photos.path, collection: "pets")) { XCTAssertTrue("\($0)".contains("descriptor gem, not gap"), "\($0)") }
        XCTAssertThrowsError(try gap.index(folder: directory.appendingPathComponent("nothing").path, collection: "x")) {
            XCTAssertTrue("\($0)".contains("no such folder"), "\($0)")
        }
        XCTAssertThrowsError(try gap.index(folder: photos.path, collection: "bad name")) { XCTAssertTrue("\($0)".contains("not a valid collection name"), "\($0)") }
    }
}
