import XCTest
@testable import TaxonCore

final class HierarchyTests: XCTestCase {
    //        0
    //      /   \
    //     1     2
    //    / \   /
    //   3   4 /      (4 has two parents: 1 and 2)
    //   |
    //   5
    private func sample() throws -> Hierarchy {
        try Hierarchy(count: 6, edges: [(1, 0), (2, 0), (3, 1), (4, 1), (4, 2), (5, 3), (4, 2)])
    }

    func testStructure() throws {
        let h = try sample()
        XCTAssertEqual(h.edgeCount, 6, "the repeated edge 4→2 counts once")
        XCTAssertEqual(h.roots, [0])
        XCTAssertEqual(h.leaves, [4, 5])
        XCTAssertEqual(Array(h.parents(of: 4)), [1, 2])
        XCTAssertEqual(Array(h.children(of: 1)), [3, 4])
        XCTAssertEqual(h.heights(), [3, 2, 1, 1, 0, 0])
        XCTAssertEqual(h.maxHeight(), 3)
    }

    func testTopologicalOrderPutsParentsFirst() throws {
        let h = try sample()
        let order = h.topologicalOrder()
        XCTAssertEqual(order.count, 6)
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        for node in 0..<h.count {
            for parent in h.parents(of: node) { XCTAssertLessThan(rank[Int(parent)]!, rank[node]!) }
        }
    }

    func testCycleIsFound() {
        XCTAssertThrowsError(try Hierarchy(count: 4, edges: [(1, 0), (2, 1), (3, 2), (1, 3)])) { error in
            let cycle = (error as! CycleError).nodes
            XCTAssertEqual(Set(cycle), [1, 2, 3])
        }
        XCTAssertThrowsError(try Hierarchy(count: 1, edges: [(0, 0)]))
    }

    func testSeveralRootsAndIsolatedNodes() throws {
        let h = try Hierarchy(count: 4, edges: [(1, 0), (3, 2)])
        XCTAssertEqual(h.roots, [0, 2])
        XCTAssertEqual(h.heights(), [1, 0, 1, 0])
        let lone = try Hierarchy(count: 2, edges: [])
        XCTAssertEqual(lone.leaves, [0, 1])
        XCTAssertEqual(lone.maxHeight(), 0)
    }
}
