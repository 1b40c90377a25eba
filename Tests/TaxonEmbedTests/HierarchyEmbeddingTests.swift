import Foundation
import TaxonCore
import TaxonImport
import TaxonLinalg
@testable import TaxonStore
import TaxonModel
import TaxonTesting
import XCTest
@testable import TaxonEmbed

final class HierarchyEmbeddingTests: XCTestCase {
    static let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/semantic-embeddings")

    private func store() throws -> SQLiteStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-embed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path)
    }

    /// A class set's hierarchy from a file in ../shared/data.
    private func hierarchy(_ file: String, name: String) throws -> ClassHierarchy {
        let path = Self.shared.appendingPathComponent(file).path
        try TestData.require(path, from: "the shared data folder beside the repository (../shared/data)")
        let store = try store()
        _ = try EdgeListImporter.run(store: store, file: path, name: name, leafOrder: .sorted)
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: name))
        return try ClassHierarchy(taxonomy: taxonomy, classKeys: try store.classMembers(of: name).map(\.key))
    }

    private func hierarchy(edges: String, classes: [String]) throws -> ClassHierarchy {
        let store = try store()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("h-\(UUID().uuidString).txt")
        try edges.write(to: file, atomically: true, encoding: .utf8)
        _ = try EdgeListImporter.run(store: store, file: file.path, name: "h")
        return try ClassHierarchy(taxonomy: try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "h")), classKeys: classes)
    }

    /// max |⟨x_i, x_j⟩ − s_ij| over every pair, diagonal included.
    private func worstDotError(_ h: ClassHierarchy, _ rows: Matrix) -> Double {
        let g = gram(rows)
        var worst = 0.0
        for i in 0..<h.count { for j in 0..<h.count { worst = max(worst, abs(g[i, j] - h.similarity(i, j))) } }
        return worst
    }

    func testCIFAR100AndILSVRCAreExact() throws {
        for (file, name, classes) in [("Cifar-Hierarchy/cifar.parent-child.txt", "cifar", 100),
                                      ("ILSVRC/wordnet.parent-child.mintree.txt", "ilsvrc", 1_000)] {
            let h = try hierarchy(file, name: name)
            XCTAssertEqual(h.count, classes)
            let unitsphere = try HierarchyEmbedder.embed(h, method: .unitsphere)
            XCTAssertEqual(unitsphere.columns, classes)
            for r in 0..<h.count { XCTAssertEqual(unitsphere.row(r).reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-12) }
            XCTAssertLessThanOrEqual(worstDotError(h, unitsphere), 1e-12, name)
            let fidelity = Fidelity.measure(h, rows: unitsphere)
            XCTAssertLessThanOrEqual(fidelity.maxCosineError, 1e-12)
            XCTAssertEqual(fidelity.spearman, 1, accuracy: 1e-12)

            let sparse = try HierarchyEmbedder.embed(h, method: .sparse)
            XCTAssertLessThanOrEqual(worstDotError(h, sparse), 1e-12, name)
        }
    }

    func testApproxSimOnILSVRC() throws {
        let h = try hierarchy("ILSVRC/wordnet.parent-child.mintree.txt", name: "ilsvrc")
        let dense = try HierarchyEmbedder.embed(h, method: .approxSim, dims: 256)
        XCTAssertEqual(dense.columns, 256)
        let fidelity = Fidelity.measure(h, rows: dense)
        XCTAssertLessThanOrEqual(fidelity.meanDotError, 3e-4, "the reference gets 2.6e-4")
        // The same rank-256 fit from the sparse factor, S never formed.
        let sparse = try HierarchyEmbedder.embed(h, method: .sparse, dims: 256)
        XCTAssertLessThanOrEqual(Fidelity.measure(h, rows: sparse).meanDotError, 3e-4)
        let normalized = try HierarchyEmbedder.embed(h, method: .approxSim, dims: 256, normalize: true)
        for r in 0..<10 { XCTAssertEqual(normalized.row(r).reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-12) }
    }

    // MARK: bad input

    func testDAGIsRefusedWithItsEigenvalueAndAHint() throws {
        // x and y both have parents a and b: on the DAG, S = [[1, .5], [.5, 1]] … with lcs ties; make it indefinite:
        let h = try hierarchy(edges: "r a\nr b\na x\nb x\na y\nb z\na w\nb w\n", classes: ["x", "y", "z", "w"])
        XCTAssertThrowsError(try HierarchyEmbedder.embed(h, method: .sparse)) { error in
            XCTAssertTrue("\(error)".contains("needs a tree"), "\(error)")
        }
        do {
            _ = try HierarchyEmbedder.embed(h, method: .unitsphere)
        } catch let error as HierarchyEmbeddingError {
            guard case .notPositiveDefinite(let value) = error else { return XCTFail("\(error)") }
            XCTAssertLessThan(value, 0)
            XCTAssertTrue("\(error)".contains("tree-ify"), "\(error)")
        }
    }

    func testMissingClassesAndTooManyDimensions() throws {
        XCTAssertThrowsError(try hierarchy(edges: "r a\nr b\n", classes: ["a", "nope", "zilch"])) { error in
            XCTAssertEqual("\(error)", "2 class(es) are not in taxonomy 'h': nope, zilch")
        }
        let h = try hierarchy(edges: "r a\nr b\n", classes: ["a", "b"])
        XCTAssertThrowsError(try HierarchyEmbedder.embed(h, method: .approxSim, dims: 3)) { error in
            XCTAssertEqual(error as? HierarchyEmbeddingError, .tooManyDimensions(requested: 3, available: 2))
        }
    }

    /// A class that is an ancestor of another keeps self-similarity 1, as in the
    /// reference, and is reported; sparse gives it a dimension of its own.
    func testClassThatIsAnAncestorOfAnother() throws {
        let h = try hierarchy(edges: "r a\na b\nr c\n", classes: ["a", "b", "c"])
        XCTAssertEqual(h.ancestorsOfOthers, [0])
        XCTAssertEqual(h.similarity(0, 0), 1)
        XCTAssertEqual(h.similarity(0, 1), 0.5)
        for method in HierarchyMethod.allCases {
            let rows = try HierarchyEmbedder.embed(h, method: method)
            XCTAssertLessThanOrEqual(worstDotError(h, rows), 1e-12, method.rawValue)
        }
        XCTAssertEqual(try SparseFactor(h).columns, 3 + 1, "a, b, c (the root's Δ is 0) and b's private column")
    }

    func testNonFiniteRowsAreNotStored() throws {
        let store = try store()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("h-\(UUID().uuidString).txt")
        try "r a\nr b\n".write(to: file, atomically: true, encoding: .utf8)
        _ = try EdgeListImporter.run(store: store, file: file.path, name: "h")
        let before = try store.contentDigest()
        XCTAssertThrowsError(try store.writeEmbedding(name: "e", classSet: "h", method: "unitsphere", parameters: [:], dims: 2,
                                                      values: [1, 0, .nan, 1], replace: false)) { error in
            XCTAssertEqual(error as? EmbeddingError, .notFinite(row: 1))
        }
        XCTAssertThrowsError(try store.writeEmbedding(name: "e", classSet: "h", method: "unitsphere", parameters: [:], dims: 2,
                                                      values: [1, 0, 0], replace: false))
        XCTAssertEqual(try store.contentDigest(), before)
        try store.writeEmbedding(name: "e", classSet: "h", method: "unitsphere", parameters: ["dims": "2"], dims: 2, values: [1, 0, 0, 1], replace: false)
        let (info, values) = try store.embedding(named: "e")
        XCTAssertEqual(info.rows, 2)
        XCTAssertEqual(info.parameters, #"{"dims":"2"}"#)
        XCTAssertEqual(values, [1, 0, 0, 1])

        // Replacing the taxonomy takes its class set and the class set's embeddings with it.
        _ = try EdgeListImporter.run(store: store, file: file.path, name: "h", replace: true)
        XCTAssertEqual(try store.embeddings(), [])
        let check = try store.db.prepare("PRAGMA foreign_key_check")
        XCTAssertFalse(try check.step(), "no dangling rows")
    }

    func testSpearman() {
        XCTAssertEqual(spearmanCorrelation([1, 2, 3, 4], [10, 20, 30, 40]), 1, accuracy: 1e-15)
        XCTAssertEqual(spearmanCorrelation([1, 2, 3, 4], [4, 3, 2, 1]), -1, accuracy: 1e-15)
        // Ties get mean ranks: x ranks 1.5 1.5 3 4, y ranks 1 2 3 4.
        XCTAssertEqual(spearmanCorrelation([5, 5, 6, 7], [1, 2, 3, 4]), 0.9486832980505138, accuracy: 1e-12)
    }
}
