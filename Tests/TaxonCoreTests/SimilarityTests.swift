import Foundation
import TaxonImport
@testable import TaxonStore
import TaxonModel
import TaxonTesting
import XCTest
@testable import TaxonCore

/// Measures on small hand-made hierarchies, where every value can be worked out
/// by hand, and on Debian's WordNet.
final class SimilarityTests: XCTestCase {
    private func store() throws -> SQLiteStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path)
    }

    private func hierarchy(_ edges: String) throws -> (SQLiteStore, Taxonomy) {
        let store = try store()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("h-\(UUID().uuidString).txt")
        try edges.write(to: file, atomically: true, encoding: .utf8)
        _ = try EdgeListImporter.run(store: store, file: file.path, name: "h")
        return (store, try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "h")))
    }

    //          r
    //        /   \
    //       a     b
    //      / \     \
    //     c   d     e
    //     |
    //     f
    func testTreeByHand() throws {
        let (_, t) = try hierarchy("r a\nr b\na c\na d\nb e\nc f\n")
        let s = Similarity(taxonomy: t)
        let n = { (key: String) in t.node(forKey: key)! }
        XCTAssertEqual(t.maxHeight, 3)
        XCTAssertEqual(s.shortestPathDistance(n("f"), n("d"), simulateRoot: false), 3)
        XCTAssertEqual(s.path(n("f"), n("e")), 1.0 / 6)
        // lcs-height: lcs(f, d) = a, height 2 of 3; lcs(f, e) = r.
        XCTAssertEqual(s.lcsHeight(n("f"), n("d"))!, 1 - 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(s.lcsHeight(n("f"), n("e")), 0)
        XCTAssertEqual(s.lcsHeight(n("f"), n("f")), 1)
        XCTAssertEqual(s.lcsHeight(n("c"), n("c"))!, 1 - 1.0 / 3, accuracy: 1e-15)
        // wup: lcs a (depth 1 → 2), len f = 2 + 2, len d = 1 + 2: 4 / 7.
        XCTAssertEqual(s.wup(n("f"), n("d"))!, 4.0 / 7, accuracy: 1e-15)
        // lch with D = 3 (hierarchy files: no simulated root): −log(4 / 6).
        XCTAssertEqual(try s.lch(n("f"), n("d"))!, -log(4.0 / 6), accuracy: 1e-15)
        XCTAssertThrowsError(try s.score(.res, n("f"), n("d"))) { error in
            XCTAssertEqual(error as? SimilarityError, .needsInformationContent(.res))
        }
        // Intrinsic IC: N = 7; f and d are leaves (IC 1); a has 3 descendants.
        let ic = Similarity(taxonomy: t, informationContent: .intrinsic(for: t))
        let icA = 1 - log(4.0) / log(7.0)
        XCTAssertEqual(try ic.score(.res, n("f"), n("d"))!, icA, accuracy: 1e-15)
        XCTAssertEqual(try ic.lin(n("f"), n("d"))!, 2 * icA / 2, accuracy: 1e-15)
        XCTAssertEqual(try ic.jcn(n("f"), n("d"))!, 1 / (2 - 2 * icA), accuracy: 1e-12)
        XCTAssertEqual(try ic.jcn(n("f"), n("f")), nltkInfinity)
    }

    func testSeveralRootsGiveNoneWithoutACommonAncestor() throws {
        let (_, t) = try hierarchy("r a\nq b\n")
        let s = Similarity(taxonomy: t)
        let a = t.node(forKey: "a")!, b = t.node(forKey: "b")!
        for measure in [Measure.path, .wup, .lch, .lcsHeight] {
            XCTAssertNil(try s.score(measure, a, b), measure.rawValue)
        }
        XCTAssertEqual(s.lowestCommonHypernyms(a, b, simulateRoot: false, useMinDepth: false), [])
        XCTAssertEqual(s.lowestCommonHypernyms(a, b, simulateRoot: true, useMinDepth: false), [.simulatedRoot])
    }

    func testCycleInAStoredTaxonomyIsAnError() throws {
        // The importer refuses cycles; a taxonomy edited in SQL can still have one.
        let (store, _) = try hierarchy("r a\na b\n")
        try store.db.execute("""
            INSERT INTO edge (source_id, relation, target_id) SELECT r.id, 'hypernym', b.id FROM concept r, concept b WHERE r.key = 'r' AND b.key = 'b'
            """)
        XCTAssertThrowsError(try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "h"))) { error in
            XCTAssertTrue("\(error)".contains("has an is-a cycle"), "\(error)")
        }
    }

    // MARK: Debian's WordNet (scripts/setup.sh installs it)

    nonisolated(unsafe) private static var debian: (SQLiteStore, Taxonomy)?

    private func debianWordNet() throws -> (SQLiteStore, Taxonomy) {
        try TestData.debianWordNet()
        if let debian = Self.debian { return debian }
        let store = try store()
        _ = try WordNetDictImporter.run(store: store)
        let loaded = (store, try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "wordnet")))
        Self.debian = loaded
        return loaded
    }

    func testDoctestValuesOnDebianWordNet() throws {
        let (store, t) = try debianWordNet()
        try assertNLTKDoctestValues(t) { try t.node(for: $0, in: store) }
    }

    /// ic-brown.dat is keyed by Princeton 3.0 offsets; Debian renumbered its verbs.
    func testICFileForAnotherReleaseIsRefused() throws {
        let (store, t) = try debianWordNet()
        let brown = Similarity(taxonomy: t, informationContent: try InformationContent.load(
            file: NLTKEquivalenceTests.icDirectory + "/ic-brown.dat", for: t))
        let run = try t.node(for: "run.v.01", in: store), walk = try t.node(for: "walk.v.01", in: store)
        XCTAssertThrowsError(try brown.score(.res, run, walk)) { error in
            XCTAssertTrue("\(error)".contains("verb offsets are not verbs of taxonomy 'wordnet'"), "\(error)")
            XCTAssertTrue("\(error)".contains("for another WordNet release"), "\(error)")
        }
    }

    func testCrossPartOfSpeech() throws {
        let (store, t) = try debianWordNet()
        let s = Similarity(taxonomy: t, informationContent: .intrinsic(for: t))
        let dog = try t.node(for: "dog.n.01", in: store), run = try t.node(for: "run.v.01", in: store)
        // As NLTK: path and wup go through the simulated root; lch and the IC measures raise.
        XCTAssertNotNil(s.path(dog, run))
        XCTAssertNotNil(s.wup(dog, run))
        for measure in [Measure.lch, .res, .jcn, .lin] {
            XCTAssertThrowsError(try s.score(measure, dog, run), measure.rawValue) { error in
                XCTAssertTrue("\(error)".contains("same part of speech"), "\(error)")
            }
        }
        XCTAssertNil(s.lcsHeight(dog, run), "nouns and verbs share no ancestor")
    }
}
