import Foundation
@testable import TaxonStore
import TaxonModel
import TaxonTesting
import XCTest
@testable import TaxonSearch

final class SHA256Tests: XCTestCase {
    func testFIPSVectors() {
        XCTAssertEqual(ContentHash.sha256([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(ContentHash.sha256(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(ContentHash.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Every length around the block and padding boundaries, against coreutils' sha256sum.
    func testAgreesWithSha256sum() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-sha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var bytes: [UInt8] = []
        var state: UInt32 = 7
        for length in [1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 100_003] {
            while bytes.count < length { state = state &* 1_103_515_245 &+ 12345; bytes.append(UInt8(truncatingIfNeeded: state >> 16)) }
            let file = directory.appendingPathComponent("\(length).bin")
            try Data(bytes.prefix(length)).write(to: file)
            let expected = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [file.path]).stdout.prefix(64)
            XCTAssertEqual(ContentHash.sha256(try Data(contentsOf: file)), String(expected), "length \(length)")
        }
    }
}

final class RankingTests: XCTestCase {
    func testTopKEqualsAFullSort() {
        var state: UInt64 = 3
        let scores = (0..<500).map { _ -> Double in state = state &* 6_364_136_223_846_793_005 &+ 1; return Double((state >> 33) % 50) }
        let full = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        for k in [1, 7, 50, 500] {
            XCTAssertEqual(topK(scores.count, k: k) { scores[$0] }.map(\.0), Array(full.prefix(k)))
        }
    }

    private func unit(_ values: [Float]) -> [Float] {
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return values.map { $0 / norm }
    }

    /// Four images: semantic vectors at cosines 0.95, 0.9, 0.52, 0.1 from the
    /// query's, visual descriptors at cosines 0.2, 0.8, 0.99, 0.5.
    private func index() -> CollectionIndex {
        let info = CollectionInfo(id: 1, name: "c", root: "/x", descriptor: "gap", embedding: "e", generation: 0, images: 4, createdAt: "")
        let semantic: [Float] = [0.95, 0.9, 0.52, 0.1], visual: [Float] = [0.2, 0.8, 0.99, 0.5]
        let records = (0..<4).map { i -> ImageRecord in
            let descriptor: [Float] = [visual[i], (1 - visual[i] * visual[i]).squareRoot()]
            let embedding: [Float] = [semantic[i], (1 - semantic[i] * semantic[i]).squareRoot()]
            return ImageRecord(id: Int64(10 + i), path: "\(i).jpg", sha256: "", bytes: 0, width: 1, height: 1,
                               topClasses: [ClassProbability(wnid: "n\(i)", probability: 1)], descriptor: descriptor, embedding: embedding)
        }
        return CollectionIndex(info: info, records: records)
    }

    func testRankings() throws {
        let collection = index()
        let query = SearchQuery(descriptor: [1, 0], embedding: [1, 0])
        XCTAssertEqual(try collection.search(query, ranking: .visual, k: 4).map(\.id), [12, 11, 13, 10])
        XCTAssertEqual(try collection.search(query, ranking: .semantic, k: 4).map(\.id), [10, 11, 12, 13])
        // Levels 0.25 apart: 0.95 → 3, 0.9 → 3, 0.52 → 2, 0.1 → 0; inside level 3 the visually closer 11 first.
        let first = try collection.search(query, ranking: .semanticFirst(width: 0.25), k: 4)
        XCTAssertEqual(first.map(\.id), [11, 10, 12, 13])
        XCTAssertEqual(first.map(\.level), [3, 3, 2, 0])
        // An exact level is kept despite float rounding: 0.9 / 0.3 = 2.9999….
        XCTAssertEqual(try collection.search(query, ranking: .semanticFirst(width: 0.3), k: 4).map(\.level), [3, 3, 1, 0])
        XCTAssertEqual(first[0].visual!, 0.8, accuracy: 1e-6)
        // blend 0.5: 0.575, 0.85, 0.755, 0.3.
        let blended = try collection.search(query, ranking: .blend(alpha: 0.5), k: 2)
        XCTAssertEqual(blended.map(\.id), [11, 12])
        XCTAssertEqual(blended[0].score, 0.85, accuracy: 1e-6)
        XCTAssertEqual(blended[0].path, "1.jpg")
        XCTAssertEqual(blended[0].label, "n1")
        // A concept query (no descriptor): semantic-first orders a level by the semantic cosine.
        XCTAssertEqual(try collection.search(SearchQuery(descriptor: nil, embedding: [1, 0]), ranking: .semanticFirst(width: 0.25), k: 2).map(\.id), [10, 11])
    }

    func testWhitenedIndex() throws {
        let collection = index()
        let (whitened, whitening) = try collection.whitened(dims: 1)
        XCTAssertEqual(whitened.descriptorDims, 1)
        XCTAssertEqual(whitened.descriptors.count, 4)
        // One dimension, normalised: every descriptor becomes ±1, the same transform as a query's.
        XCTAssertTrue(whitened.descriptors.allSatisfy { abs(abs($0) - 1) < 1e-6 }, "\(whitened.descriptors)")
        let query = whitening.apply(Array(collection.descriptors[0..<2]))
        XCTAssertEqual(try whitened.search(SearchQuery(descriptor: query, embedding: nil), ranking: .visual, k: 1)[0].visual ?? 0, 1, accuracy: 1e-6)
        XCTAssertThrowsError(try collection.whitened(dims: 3)) { XCTAssertTrue("\($0)".contains("1...2 dimensions (got 3)"), "\($0)") }
    }

    func testBadQueries() {
        let collection = index()
        let query = SearchQuery(descriptor: [1, 0], embedding: [1, 0])
        XCTAssertThrowsError(try collection.search(query, ranking: .visual, k: 0)) { XCTAssertEqual($0 as? SearchError, .badK(0, limit: 1000)) }
        XCTAssertThrowsError(try collection.search(query, ranking: .visual, k: 1001))
        XCTAssertThrowsError(try collection.search(SearchQuery(descriptor: nil, embedding: [1, 0]), ranking: .visual, k: 1)) {
            XCTAssertEqual($0 as? SearchError, .needsVisualQuery(ranking: "visual"))
        }
        XCTAssertThrowsError(try collection.search(SearchQuery(descriptor: [1, 0, 0], embedding: nil), ranking: .visual, k: 1)) {
            XCTAssertEqual($0 as? SearchError, .dimensionMismatch(expected: 2, got: 3))
        }
        XCTAssertThrowsError(try collection.search(query, ranking: .semanticFirst(width: 0), k: 1))
        let empty = CollectionIndex(info: CollectionInfo(id: 2, name: "empty", root: "/", descriptor: "gap", embedding: nil, generation: 0, images: 0,
                                                         createdAt: ""), records: [])
        XCTAssertThrowsError(try empty.search(query, ranking: .visual, k: 1)) { XCTAssertEqual($0 as? SearchError, .emptyCollection("empty")) }
        // k above the collection's size returns them all.
        XCTAssertEqual(try collection.search(query, ranking: .visual, k: 10).count, 4)
    }
}
