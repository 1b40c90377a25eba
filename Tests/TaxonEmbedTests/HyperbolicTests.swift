import Foundation
import TaxonCore
import TaxonImport
import TaxonStore
import XCTest
@testable import TaxonEmbed

final class HyperbolicTests: XCTestCase {
    func testGradientMatchesFiniteDifferences() {
        let ball = PoincareBall(dims: 3)
        let points: [Double] = [0.1, -0.3, 0.2, -0.4, 0.25, 0.5]
        var gu = [Double](repeating: 0, count: 3), gv = [Double](repeating: 0, count: 3)
        points.withUnsafeBufferPointer { p in
            gu.withUnsafeMutableBufferPointer { u in gv.withUnsafeMutableBufferPointer { v in ball.accumulateGradient(p, 0, 1, scale: 1, u, v) } }
        }
        let h = 1e-6
        for k in 0..<6 {
            var plus = points, minus = points
            plus[k] += h
            minus[k] -= h
            let numeric = (plus.withUnsafeBufferPointer { ball.distance($0, 0, 1) } - minus.withUnsafeBufferPointer { ball.distance($0, 0, 1) }) / (2 * h)
            XCTAssertEqual(k < 3 ? gu[k] : gv[k - 3], numeric, accuracy: 1e-6, "coordinate \(k)")
        }
        // d(u, u) = 0 and d is symmetric.
        XCTAssertEqual(points.withUnsafeBufferPointer { ball.distance($0, 0, 0) }, 0, accuracy: 1e-12)
        XCTAssertEqual(points.withUnsafeBufferPointer { ball.distance($0, 0, 1) }, points.withUnsafeBufferPointer { ball.distance($0, 1, 0) })
    }

    func testStepsStayInsideTheBall() {
        let ball = PoincareBall(dims: 2)
        var points: [Double] = [0.9, 0.3]
        let gradient: [Double] = [-100, -100]
        points.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in for _ in 0..<50 { ball.step(p, 0, gradient: g, learningRate: 10) } }
        }
        XCTAssertLessThan((points[0] * points[0] + points[1] * points[1]).squareRoot(), 1)
    }

    private func toyTree() throws -> (Taxonomy, TransitiveClosure) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-hyp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try Store(path: directory.appendingPathComponent("s.sqlite").path)
        let file = directory.appendingPathComponent("t.txt")
        // A binary tree of depth 4: 31 nodes.
        let edges = (1..<16).flatMap { parent in ["\(parent) \(2 * parent)", "\(parent) \(2 * parent + 1)"] }.joined(separator: "\n")
        try edges.write(to: file, atomically: true, encoding: .utf8)
        _ = try EdgeListImporter.run(store: store, file: file.path, name: "toy")
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "toy"))
        return (taxonomy, try TransitiveClosure(taxonomy: taxonomy, root: nil))
    }

    func testToyTreeIsReconstructedPerfectly() throws {
        let (_, closure) = try toyTree()
        XCTAssertEqual(closure.count, 31)
        XCTAssertEqual(closure.edges.count, 2 * 1 + 4 * 2 + 8 * 3 + 16 * 4)  // every node with each of its ancestors
        var trainer = PoincareTrainer()
        trainer.dims = 2
        trainer.epochs = 1000
        trainer.negatives = 5
        trainer.learningRate = 0.1
        let points = try trainer.train(closure)
        for row in 0..<closure.count {
            let norm: Double = points[2 * row] * points[2 * row] + points[2 * row + 1] * points[2 * row + 1]
            XCTAssertLessThan(norm, 1)
        }
        let result = Reconstruction.evaluate(closure, points: points, manifold: PoincareBall(dims: 2))
        XCTAssertEqual(result.meanRank, 1, accuracy: 1e-12)
        XCTAssertEqual(result.meanAveragePrecision, 1, accuracy: 1e-12)
        // The same seed gives the same embedding; another seed another one.
        XCTAssertEqual(try trainer.train(closure), points)
        trainer.seed = 2
        XCTAssertNotEqual(try trainer.train(closure), points)
    }

    func testBadInput() throws {
        let (taxonomy, closure) = try toyTree()
        XCTAssertThrowsError(try TransitiveClosure(taxonomy: taxonomy, root: taxonomy.node(forKey: "31")!)) { error in
            XCTAssertEqual(error as? HyperbolicError, .emptySubtree(root: "31"))
        }
        var trainer = PoincareTrainer()
        trainer.dims = 1
        XCTAssertThrowsError(try trainer.train(closure)) { XCTAssertEqual($0 as? HyperbolicError, .dimensionTooSmall(1)) }
        trainer.dims = 2
        trainer.negatives = 0
        XCTAssertThrowsError(try trainer.train(closure)) { XCTAssertEqual($0 as? HyperbolicError, .badOption("--negatives must be at least 1, not 0")) }
        trainer.negatives = 5
        trainer.learningRate = -1
        XCTAssertThrowsError(try trainer.train(closure)) { XCTAssertEqual($0 as? HyperbolicError, .badOption("the learning rate must be positive, not -1.0")) }
        let edgeless = try TransitiveClosure(taxonomy: taxonomy, root: nil, pos: UInt8(ascii: "n"))  // hierarchy files have no nouns
        XCTAssertThrowsError(try PoincareTrainer().train(edgeless)) { XCTAssertEqual($0 as? HyperbolicError, .noEdges) }
        trainer.learningRate = .infinity
        trainer.burnIn = 0
        XCTAssertThrowsError(try trainer.train(closure)) { error in
            guard case .diverged = error as? HyperbolicError else { return XCTFail("\(error)") }
        }
    }
}
