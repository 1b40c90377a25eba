import Foundation
import TaxonCore
import TaxonImport
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonEval

final class MeasureAuditTests: XCTestCase {
    private func taxonomy(_ edges: String) throws -> Taxonomy {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path)
        let file = directory.appendingPathComponent("edges.txt")
        try edges.write(to: file, atomically: true, encoding: .utf8)
        _ = try EdgeListImporter.run(store: store, file: file.path, name: "h")
        return try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "h"))
    }

    /// r → a → {a1, a2}, r → b → b1: lcs-height S = [[1, ½, 0], [½, 1, 0], [0, 0, 1]], eigenvalues ½, 1, 3/2.
    func testATreeIsPositiveDefiniteAndUltrametric() throws {
        let t = try taxonomy("r a\nr b\na a1\na a2\nb b1\n")
        let audit = try MeasureAudit(similarity: Similarity(taxonomy: t), classes: ["a1", "a2", "b1"].map { t.node(forKey: $0)! }, measure: .lcsHeight)
        XCTAssertEqual(audit.classes, 3)
        XCTAssertEqual(audit.maxAsymmetry, 0)
        XCTAssertEqual(audit.selfSimilarity, [1, 1])
        XCTAssertEqual(audit.range, [0, 0.5])
        XCTAssertEqual(audit.smallestEigenvalue!, 0.5, accuracy: 1e-12)
        XCTAssertTrue(audit.positiveDefinite)
        XCTAssertEqual(audit.triples, 3)
        XCTAssertEqual([audit.triangleViolationsOneMinus, audit.triangleViolationsChord, audit.ultrametricViolations], [0, 0, 0])
    }

    /// r → x → p, r → y → r1, and q under both x and y: lcs(p, q) = x, lcs(q, r1) = y, lcs(p, r1) = r,
    /// so 1 − s is ½, ½ and 1: a metric, but not an ultrametric (1 > max(½, ½)).
    func testADAGIsNotUltrametric() throws {
        let t = try taxonomy("r x\nr y\nx p\nx q\ny q\ny r1\n")
        let audit = try MeasureAudit(similarity: Similarity(taxonomy: t), classes: ["p", "q", "r1"].map { t.node(forKey: $0)! }, measure: .lcsHeight)
        XCTAssertEqual(audit.range, [0, 0.5])
        XCTAssertEqual(audit.triangleViolationsOneMinus, 0)
        XCTAssertEqual(audit.ultrametricViolations, 1)
        XCTAssertEqual(audit.smallestEigenvalue!, 1 - 0.5 * 2.0.squareRoot(), accuracy: 1e-12)
    }

    /// path similarity with a pair that has none... every pair of one tree has a path; wup is symmetric here.
    func testNLTKMeasuresAreAuditedOnTheWholeTaxonomy() throws {
        let t = try taxonomy("r a\nr b\na a1\na a2\nb b1\n")
        let audit = try MeasureAudit(similarity: Similarity(taxonomy: t), classes: ["a1", "a2", "b1"].map { t.node(forKey: $0)! }, measure: .path)
        // path = 1/(edges + 1): a1–a2 two edges, a1–b1 four.
        XCTAssertEqual(audit.range, [0.2, 1.0 / 3])
        XCTAssertEqual(audit.missingPairs, 0)
    }
}
