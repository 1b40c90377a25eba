import Foundation
import TaxonCore
import TaxonImport
@testable import TaxonStore
import TaxonModel
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
        let store = try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path)
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
        let result = Reconstruction.evaluate(closure, score: HyperbolicScorer(model: .poincare, points: points, dims: 2).reconstructionScore)
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

    // MARK: Entailment cones

    func testConeEnergyGradientMatchesFiniteDifferences() {
        let cone = EntailmentCone(dims: 3)
        // Parent x, child y outside x's cone (E > 0), several configurations.
        for points in [[0.3, -0.2, 0.1, -0.4, 0.25, 0.5], [0.5, 0.1, 0.0, 0.2, 0.6, -0.3], [-0.2, 0.3, 0.4, 0.1, -0.7, 0.2]] {
            let energy = points.withUnsafeBufferPointer { cone.energy($0, parent: 0, child: 1) }
            XCTAssertGreaterThan(energy, 0)
            var gx = [Double](repeating: 0, count: 3), gy = [Double](repeating: 0, count: 3)
            let returned = points.withUnsafeBufferPointer { p in
                gx.withUnsafeMutableBufferPointer { x in gy.withUnsafeMutableBufferPointer { y in cone.accumulateGradient(p, parent: 0, child: 1, scale: 1, x, y) } }
            }
            XCTAssertEqual(returned, energy, accuracy: 1e-15)
            let h = 1e-7
            for k in 0..<6 {
                var plus = points, minus = points
                plus[k] += h
                minus[k] -= h
                let numeric = (plus.withUnsafeBufferPointer { cone.energy($0, parent: 0, child: 1) }
                    - minus.withUnsafeBufferPointer { cone.energy($0, parent: 0, child: 1) }) / (2 * h)
                XCTAssertEqual(k < 3 ? gx[k] : gy[k - 3], numeric, accuracy: 1e-6, "\(points) coordinate \(k)")
            }
        }
    }

    func testConeGeometry() {
        let cone = EntailmentCone(dims: 2, K: 0.1)
        XCTAssertEqual(cone.innerRadius, 2 * 0.1 / (1 + 1.04.squareRoot()), accuracy: 1e-15)
        // ψ at the inner radius is π/2: the cone is a half-space there.
        let inner = [cone.innerRadius, 0.0]
        XCTAssertEqual(inner.withUnsafeBufferPointer { cone.aperture($0, 0) }, Double.pi / 2, accuracy: 1e-6)
        // Along x's own axis, farther out: inside the cone. Back towards the origin: outside.
        let x = [0.3, 0.4]
        let outward = x + [0.45, 0.6], inward = x + [0.12, 0.16]
        XCTAssertEqual(outward.withUnsafeBufferPointer { cone.energy($0, parent: 0, child: 1) }, 0)
        XCTAssertGreaterThan(inward.withUnsafeBufferPointer { cone.energy($0, parent: 0, child: 1) }, 1)
        // Cones shrink outwards: ψ decreases with the norm.
        XCTAssertGreaterThan([0.2, 0].withUnsafeBufferPointer { cone.aperture($0, 0) }, [0.6, 0].withUnsafeBufferPointer { cone.aperture($0, 0) })
    }

    func testConesOnAToyTree() throws {
        // Without the top node, as in the reference's protocol: every node is below it, so it never gets negatives.
        let (taxonomy, _) = try toyTree()
        let closure = try TransitiveClosure(taxonomy: taxonomy, root: nil, dropRoot: true)
        var pretrain = PoincareTrainer()
        pretrain.dims = 2
        pretrain.epochs = 200
        pretrain.negatives = 5
        let initial = try pretrain.train(closure)
        var trainer = ConeTrainer()
        trainer.epochs = 300
        trainer.learningRate = 0.003
        let points = try trainer.train(closure, initial: initial, dims: 2)
        let cone = EntailmentCone(dims: 2)
        for row in 0..<closure.count {
            let norm = (points[2 * row] * points[2 * row] + points[2 * row + 1] * points[2 * row + 1]).squareRoot()
            XCTAssertLessThan(norm, 1)
            XCTAssertGreaterThan(norm, cone.innerRadius)
        }
        // Every descendant inside its ancestors' cones.
        let scorer = HyperbolicScorer(model: .cones, points: points, dims: 2)
        for edge in closure.edges { XCTAssertEqual(scorer.isAScore(alpha: 0, parent: Int(edge.ancestor), child: Int(edge.child)), 0, accuracy: 1e-9) }
        let result = Reconstruction.evaluate(closure, score: scorer.reconstructionScore)
        XCTAssertGreaterThan(result.meanAveragePrecision, 0.95)
        XCTAssertEqual(try trainer.train(closure, initial: initial, dims: 2), points)

        trainer.learningRate = .infinity
        XCTAssertThrowsError(try trainer.train(closure, initial: initial, dims: 2)) { error in
            guard case .diverged = error as? HyperbolicError else { return XCTFail("\(error)") }
        }
    }

    // MARK: Link prediction

    func testSplitFollowsGanea() throws {
        let (taxonomy, full) = try toyTree()
        let closure = try TransitiveClosure(taxonomy: taxonomy, root: nil, dropRoot: true)
        XCTAssertEqual(closure.count, 30)  // node 1 left out
        XCTAssertEqual(closure.edges.count, full.edges.count - 30)
        let split = try LinkPredictionSplit(closure, trainPercent: 50, seed: 7)
        // Basic edges: the 28 parent links below the top; non-basic: 68 − 28 = 40, of which 2 test, 2 validation, 20 train.
        XCTAssertEqual(split.basicEdges, 28)
        XCTAssertEqual(split.test.count, 2)
        XCTAssertEqual(split.validation.count, 2)
        XCTAssertEqual(split.train.count, 28 + 20)
        let trainPairs = Set(split.train.map { "\(closure.edges[$0].ancestor)>\(closure.edges[$0].child)" })
        for pair in split.test + split.validation {
            XCTAssertTrue(closure.ancestors[Int(pair.child)].contains(pair.parent))
            XCTAssertFalse(trainPairs.contains("\(pair.parent)>\(pair.child)"), "held-out edges never train")
        }
        XCTAssertEqual(split.testNegatives.count, 20)
        for pair in split.testNegatives + split.validationNegatives {
            XCTAssertNotEqual(pair.parent, pair.child)
            XCTAssertFalse(closure.ancestors[Int(pair.child)].contains(pair.parent), "negatives are true negatives")
        }
        let again = try LinkPredictionSplit(closure, trainPercent: 50, seed: 7)
        XCTAssertEqual(again.train, split.train)
        XCTAssertEqual(again.testNegatives.map { [$0.parent, $0.child] }, split.testNegatives.map { [$0.parent, $0.child] })
        XCTAssertThrowsError(try LinkPredictionSplit(closure, trainPercent: 30, seed: 7)) {
            XCTAssertEqual($0 as? HyperbolicError, .badOption("--split-percent must be one of 0, 10, 25, 50 or 90, not 30"))
        }
    }

    func testThresholdAndF1ByHand() {
        // Positives 1, 2, 4; negatives 3, 5, 6. Thresholds: 1 → F1 50, 2 → 80, 3 → 66.7, 4 → 85.7, 5 → 75.
        let best = Classification.bestThreshold(positives: [1, 2, 4], negatives: [3, 5, 6])
        XCTAssertEqual(best.threshold, 4)
        XCTAssertEqual(best.f1, 100 * 6.0 / 7.0, accuracy: 1e-9)
        let atTwo = Classification(positives: [1, 2, 4], negatives: [3, 5, 6], threshold: 2)
        XCTAssertEqual(atTwo.precision, 100)
        XCTAssertEqual(atTwo.recall, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(atTwo.f1, 80, accuracy: 1e-9)
        // Ties go to the negatives first: a shared score cannot count a positive without its negative.
        XCTAssertEqual(Classification.bestThreshold(positives: [1], negatives: [1, 1]).f1, 50, accuracy: 1e-9)
    }
}
