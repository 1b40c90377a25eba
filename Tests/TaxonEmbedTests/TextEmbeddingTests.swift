import Foundation
import TaxonCore
import TaxonImport
import TaxonLinalg
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonEmbed

final class TextEmbeddingTests: XCTestCase {
    /// A hierarchy with names and a small GloVe file whose vectors are easy to reason about.
    private func store() throws -> (SQLiteStore, VectorSetInfo) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path)
        let edges = directory.appendingPathComponent("h.txt"), names = directory.appendingPathComponent("n.txt")
        try "root animal\nanimal dog\nanimal cat\nanimal okapi\nroot thing\nthing red_car\n".write(to: edges, atomically: true, encoding: .utf8)
        try "root entity\nanimal animal\ndog dog\ncat house cat\nokapi Okapia johnstoni\nthing thing\nred_car red-car\n"
            .write(to: names, atomically: true, encoding: .utf8)
        _ = try EdgeListImporter.run(store: store, file: edges.path, name: "h", namesFile: names.path, leafOrder: .appearance)
        let vectors = directory.appendingPathComponent("v.txt")
        try """
            dog 1 0 0
            cat 0.8 0.6 0
            house 0 1 0
            animal 0.6 0.8 0
            red 0 0 1
            car 0 1 1
            small 0.6 -0.8 0

            """.write(to: vectors, atomically: true, encoding: .utf8)
        _ = try WordVectorsImporter.run(store: store, file: vectors.path, name: "v")
        return (store, try store.vectorSet(named: "v"))
    }

    func testDeViSERules() throws {
        let (store, set) = try store()
        XCTAssertEqual(try store.classMembers(of: "h").map(\.key), ["dog", "cat", "okapi", "red_car"])
        let result = try DeViSE.embed(store: store, classSet: "h", vectors: set)
        XCTAssertEqual(result.rules, ["word 1: dog", "word 1: house cat", "hypernym at 1: animal", "word 1: red-car"])
        XCTAssertEqual(result.coverage, TextCoverage(classes: 4, ownWord: 3, firstWord: 3, hypernym: 1))
        // house cat = normalised mean of house and cat.
        let houseCat = [0.8, 1.6, 0].map { $0 / (0.8 * 0.8 + 1.6 * 1.6).squareRoot() }
        for (got, want) in zip(result.rows.row(1), houseCat) { XCTAssertEqual(got, want, accuracy: 1e-7) }
        // red-car = normalised mean of red (0, 0, 1) and car (0, 1, 1).
        for (got, want) in zip(result.rows.row(3), [0, 0.5, 1].map { $0 / 1.25.squareRoot() }) { XCTAssertEqual(got, want, accuracy: 1e-7) }

        let (query, unknown) = try DeViSE.query("Small, DOG?! zebra", store: store, vectors: set)
        XCTAssertEqual(unknown, ["zebra"])
        for (got, want) in zip(query, [1.6, -0.8, 0].map { $0 / (1.6 * 1.6 + 0.64).squareRoot() }) { XCTAssertEqual(got, want, accuracy: 1e-7) }
        XCTAssertThrowsError(try DeViSE.query("  ?! ", store: store, vectors: set)) { XCTAssertEqual($0 as? TextEmbeddingError, .emptyQuery) }
        XCTAssertThrowsError(try DeViSE.query("zebra quagga", store: store, vectors: set)) {
            XCTAssertEqual($0 as? TextEmbeddingError, .unknownWords(["zebra", "quagga"]))
        }
    }

    func testUncoveredClassesAreAnError() throws {
        let (store, _) = try store()
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("w-\(UUID().uuidString).txt")
        try "dog 1 0\n".write(to: other, atomically: true, encoding: .utf8)
        _ = try WordVectorsImporter.run(store: store, file: other.path, name: "tiny")
        XCTAssertThrowsError(try DeViSE.embed(store: store, classSet: "h", vectors: try store.vectorSet(named: "tiny"))) { error in
            XCTAssertEqual(error as? TextEmbeddingError, .uncovered(classes: ["house cat", "Okapia johnstoni", "red-car"]))
        }
    }

    func testHUSEFollowsTextSimilarity() throws {
        let (store, set) = try store()
        let (rows, _) = try HUSE.embed(store: store, classSet: "h", vectors: set, dims: nil, gloss: false, mix: nil, hierarchy: nil)
        let text = try DeViSE.embed(store: store, classSet: "h", vectors: set).rows
        // Three-dimensional vectors: the rank-3 fit is exact, so the cosines equal A.
        let a = gram(text), c = gram(rows)
        for (got, want) in zip(c.values, a.values) { XCTAssertEqual(got, want, accuracy: 1e-9) }
        XCTAssertEqual(cosineRankCorrelation(rows, text).rho, 1, accuracy: 1e-12)
        XCTAssertThrowsError(try HUSE.embed(store: store, classSet: "h", vectors: set, dims: nil, gloss: false, mix: 1.5, hierarchy: nil)) {
            XCTAssertEqual($0 as? TextEmbeddingError, .badMix(1.5))
        }
    }

    /// Text queries: devise compares in word space; huse maps the query in by
    /// the Nyström extension, which reproduces devise's cosines when the fit is exact.
    func testTextQueryOnDeViSEAndHUSE() throws {
        let (store, set) = try store()
        let devise = try DeViSE.embed(store: store, classSet: "h", vectors: set)
        let (huse, _) = try HUSE.embed(store: store, classSet: "h", vectors: set, dims: nil, gloss: false, mix: nil, hierarchy: nil)
        let parameters = ["vectors": "v", "vector_dims": "3", "gloss": "false"]
        try store.writeEmbedding(name: "d", classSet: "h", method: "devise", parameters: parameters, dims: 3, values: devise.rows.values, replace: false)
        try store.writeEmbedding(name: "u", classSet: "h", method: "huse", parameters: parameters, dims: 3, values: huse.values, replace: false)
        func cosines(_ name: String, _ text: String) throws -> [Double] {
            let (info, values) = try store.embedding(named: name)
            return try TextQuery.scores(text, embedding: info, values: values, store: store).cosines
        }
        let fromDeViSE = try cosines("d", "small dog"), fromHUSE = try cosines("u", "small dog")
        let (query, _) = try DeViSE.query("small dog", store: store, vectors: set)
        for (got, want) in zip(fromDeViSE, multiply(devise.rows, query)) { XCTAssertEqual(got, want, accuracy: 1e-12) }
        for (got, want) in zip(fromHUSE, fromDeViSE) { XCTAssertEqual(got, want, accuracy: 1e-9) }
        XCTAssertEqual(fromDeViSE.indices.max { fromDeViSE[$0] < fromDeViSE[$1] }, 0)  // dog

        // A vector set replaced by one of another dimension no longer fits.
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("w-\(UUID().uuidString).txt")
        try "dog 1 0\n".write(to: other, atomically: true, encoding: .utf8)
        _ = try WordVectorsImporter.run(store: store, file: other.path, name: "v", replace: true)
        XCTAssertThrowsError(try cosines("u", "dog")) {
            XCTAssertEqual($0 as? TextEmbeddingError, .dimensionMismatch(vectorSet: "v", dims: 2, embedding: "u", expected: 3))
        }
    }

    /// The Nyström point is the least-squares fit: its residual is orthogonal to Φ's columns.
    func testNystromIsTheLeastSquaresFit() throws {
        var generator = SplitMix64(seed: 3)
        let rows = Matrix(rows: 7, columns: 3, values: (0..<21).map { _ in generator.nextUnit() - 0.5 })
        let a = (0..<7).map { _ in generator.nextUnit() }
        let point = try TextQuery.nystrom(rows, similarities: a)
        let residual = zip(multiply(rows, point), a).map { $0 - $1 }
        for value in multiply(rows, residual, transposeA: true) { XCTAssertEqual(value, 0, accuracy: 1e-12) }
    }
}
