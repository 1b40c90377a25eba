import Foundation
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonImport

final class EdgeListTests: XCTestCase {
    func testStringIdsNamesAndLeafOrder() throws {
        let directory = try temporaryDirectory()
        let file = try write("# a comment\nanimal dog\nanimal cat\n\nthing animal\nthing rock\ndog dog2\n", to: directory, "h.txt")
        let names = try write("dog Canis familiaris\ncat Felis catus\n", to: directory, "names.txt")
        for store in try temporaryStores() {
            let report = try EdgeListImporter.run(store: store, file: file, name: "toy", namesFile: names)
            XCTAssertEqual(report.nodes, 6)
            XCTAssertEqual(report.leaves, 3)
            XCTAssertEqual(report.roots, 1)
            XCTAssertEqual(report.height, 3)
            XCTAssertEqual(try store.classMembers(of: "toy").map(\.key), ["cat", "rock", "dog2"])
            let toy = try store.taxonomy(named: "toy")
            XCTAssertEqual(try store.resolve("felis catus", in: toy).key, "cat")
            XCTAssertEqual(try store.ancestors(of: try store.resolve("dog2", in: toy)).map(\.concept.key), ["dog", "animal", "thing"])

            _ = try EdgeListImporter.run(store: store, file: file, name: "toy", leafOrder: .sorted, replace: true)
            XCTAssertEqual(try store.classMembers(of: "toy").map(\.key), ["cat", "dog2", "rock"])
        }
    }

    func testChildParentAndNumericOrder() throws {
        let file = try write("10 1\n2 1\n1 0\n9 0\n", to: try temporaryDirectory(), "cp.txt")
        for store in try temporaryStores() {
            let report = try EdgeListImporter.run(store: store, file: file, name: "n", childParent: true, leafOrder: .sorted)
            XCTAssertEqual(report.roots, 1)
            XCTAssertEqual(try store.classMembers(of: "n").map(\.key), ["2", "9", "10"])
        }
    }

    // MARK: bad input

    private func populatedStores() throws -> [any Store] {
        try temporaryStores().map { store in
            _ = try EdgeListImporter.run(store: store, file: try write("a b\n", to: try temporaryDirectory(), "base.txt"), name: "base")
            return store
        }
    }

    func testCycle() throws {
        for store in try populatedStores() {
            let file = try write("root a\na b\nb c\nc a\n", to: try temporaryDirectory(), "cycle.txt")
            try assertRejected(store, file: file, line: 2, message: "has a cycle") {
                _ = try EdgeListImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    func testSelfLoop() throws {
        for store in try populatedStores() {
            let file = try write("a b\nb b\n", to: try temporaryDirectory(), "loop.txt")
            try assertRejected(store, file: file, line: 2, message: "'b' is given as its own parent") {
                _ = try EdgeListImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    func testWrongFieldCount() throws {
        for store in try populatedStores() {
            let file = try write("a b\nb c d\n", to: try temporaryDirectory(), "three.txt")
            try assertRejected(store, file: file, line: 2, message: "expected two ids") {
                _ = try EdgeListImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    func testNameForUnknownID() throws {
        for store in try populatedStores() {
            let directory = try temporaryDirectory()
            let file = try write("a b\n", to: directory, "h.txt")
            let names = try write("a A\nz Zed\n", to: directory, "names.txt")
            try assertRejected(store, file: names, line: 2, message: "'z' is not a node") {
                _ = try EdgeListImporter.run(store: store, file: file, name: "bad", namesFile: names)
            }
        }
    }
}
