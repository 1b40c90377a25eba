import Foundation
import TaxonSearch
import XCTest
@testable import TaxonEval

/// Every measure on cases worked out by hand.
final class RetrievalMetricsTests: XCTestCase {
    func testSingleRankingMeasures() {
        XCTAssertEqual(RetrievalMetrics.averagePrecision([true, false, true])!, (1.0 + 2.0 / 3) / 2, accuracy: 1e-15)
        XCTAssertNil(RetrievalMetrics.averagePrecision([false, false]))
        XCTAssertEqual(RetrievalMetrics.precision([true, false, true, false], k: 2), 0.5)
        // ranked 0.5, 1, 0 against the best order 1, 0.5, 0.
        let hp = RetrievalMetrics.hierarchicalPrecision([0.5, 1, 0], ideal: [1, 0.5, 0], upTo: 3)
        XCTAssertEqual(hp, [0.5, 1, 1])
        XCTAssertEqual(RetrievalMetrics.averageHierarchicalPrecision(hp), (2.5 - 0.75) / 3, accuracy: 1e-15)
        XCTAssertEqual(RetrievalMetrics.hierarchicalPrecision([0, 0], ideal: [0, 0], upTo: 2), [1, 1], "nothing better possible")
        // DCG@2 = 0.5/log2(2) + 1/log2(3); ideal 1/log2(2) + 0.5/log2(3).
        XCTAssertEqual(RetrievalMetrics.ndcg([0.5, 1, 0], ideal: [1, 0.5, 0], k: 2), (0.5 + 1 / log2(3.0)) / (1 + 0.5 / log2(3.0)), accuracy: 1e-15)
    }

    /// Four images on the unit circle at 0°, 12°, 30° and 5°, of classes A, A, B, C;
    /// relevance s(A,B) = 0.5, s(B,C) = 0.25, s(A,C) = 0.
    private func fourImages() -> RetrievalBenchmark {
        let angles = [0.0, 12, 30, 5].map { $0 * Double.pi / 180 }
        let points = angles.flatMap { [Float(cos($0)), Float(sin($0))] }
        return RetrievalBenchmark(descriptors: points, descriptorDims: 2, embeddings: nil, embeddingDims: 0, labels: [0, 0, 1, 2],
                                  relevance: [1, 0.5, 0, 0.5, 1, 0.25, 0, 0.25, 1], classes: 3)
    }

    func testEvaluationByHand() throws {
        let scores = try fourImages().evaluate(.visual, k: 3, ndcgK: 3)
        // Visual orders: image 0 → 3, 1, 2 (rel 0, 1, 0.5); 1 → 3, 0, 2 (0, 1, 0.5); 2 → 1, 3, 0 (0.5, 0.25, 0.5); 3 → 0, 1, 2 (0, 0, 0.25).
        let hp: [[Double]] = [[0, 2.0 / 3, 1], [0, 2.0 / 3, 1], [1, 0.75, 1], [0, 0, 1]]
        for i in 0..<3 { XCTAssertEqual(scores.hierarchicalPrecision[i], hp.reduce(0) { $0 + $1[i] } / 4, accuracy: 1e-12, "HP@\(i + 1)") }
        let ahp = hp.map { ($0.reduce(0, +) - ($0[0] + $0[2]) / 2) / 3 }
        XCTAssertEqual(scores.meanAHP, ahp.reduce(0, +) / 4, accuracy: 1e-12)
        XCTAssertEqual(scores.meanAveragePrecision!, 0.5, accuracy: 1e-15, "images 0 and 1 find each other second")
        XCTAssertEqual(scores.queriesWithRelevant, 2)
        XCTAssertEqual(scores.precision[1], 0)
        let ndcg = [([0.0, 1, 0.5], [1.0, 0.5, 0]), ([0, 1, 0.5], [1, 0.5, 0]), ([0.5, 0.25, 0.5], [0.5, 0.5, 0.25]), ([0, 0, 0.25], [0.25, 0, 0])]
            .map { RetrievalMetrics.ndcg($0.0, ideal: $0.1, k: 3) }
        XCTAssertEqual(scores.meanNDCG, ndcg.reduce(0, +) / 4, accuracy: 1e-12)
    }

    func testBadInput() {
        let four = fourImages()
        XCTAssertThrowsError(try four.evaluate(.visual, k: 4, ndcgK: 3)) { XCTAssertTrue("\($0)".contains("1...3"), "\($0)") }
        XCTAssertThrowsError(try four.evaluate(.semantic, k: 3, ndcgK: 3)) { XCTAssertTrue("\($0)".contains("no semantic vectors"), "\($0)") }
        let one = RetrievalBenchmark(descriptors: [1, 0], descriptorDims: 2, embeddings: nil, embeddingDims: 0, labels: [0], relevance: [1], classes: 1)
        XCTAssertThrowsError(try one.evaluate(.visual, k: 1, ndcgK: 1))
    }

    func testReportFiles() throws {
        let scores = try fourImages().evaluate(.visual, k: 3, ndcgK: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-report-\(UUID().uuidString)").path
        let paths = try RetrievalReport.write([scores, scores], labels: ["visual", "a <b>, c"], to: directory)
        let summary = try String(contentsOfFile: paths[0], encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(summary[0], "ranking,queries,mAP,queries_with_relevant,mAHP@k,k,NDCG@k,ndcg_k,HP@1,P@1")
        XCTAssertTrue(summary[2].hasPrefix("\"a <b>, c\",4,0.5,2,"), String(summary[2]))
        let curves = try String(contentsOfFile: paths[1], encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(curves.count, 4)
        XCTAssertEqual(curves[3], "3,1.0,1.0")
        let svg = try String(contentsOfFile: paths[2], encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2)
        XCTAssertTrue(svg.contains("a &lt;b&gt;, c"))
    }
}
