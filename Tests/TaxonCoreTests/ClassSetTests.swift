import Foundation
import TaxonImport
@testable import TaxonStore
import TaxonModel
import TaxonTesting
import XCTest
@testable import TaxonCore

final class ClassSetTests: XCTestCase {
    private func store() throws -> SQLiteStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-cs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path)
    }

    //      r            x has two parents (a, b); the tree keeps the one that adds
    //     / \           fewer nodes: b, since y (fewer paths, placed first)
    //    a   b          already hangs below b; a and c stay out.
    //    |  / \
    //    c x   y        classes: x, y
    func testTreeBuilderPrefersPathsThatAddNoNodes() throws {
        let store = try store()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dag-\(UUID().uuidString).txt")
        try "r a\nr b\na c\na x\nb x\nb y\n".write(to: file, atomically: true, encoding: .utf8)
        _ = try EdgeListImporter.run(store: store, file: file.path, name: "dag")
        let t = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "dag"))
        let n = { t.node(forKey: $0)! }
        let classes = [n("x"), n("y")]
        let tree = TreeBuilder(taxonomy: t, classes: classes)
        XCTAssertEqual(tree.parent[n("x")], n("b"))
        XCTAssertEqual(tree.nodes, [n("r"), n("b"), n("x"), n("y")])
        try tree.store(into: store, source: t, classes: classes, name: "dag-tree", replace: false)
        XCTAssertEqual(try store.classMembers(of: "dag-tree").map(\.key), ["x", "y"])
        let stored = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "dag-tree"))
        XCTAssertTrue((0..<stored.count).allSatisfy { stored.hierarchy.parents(of: $0).count <= 1 }, "a tree")
        // In the tree r → b → {x, y}: lcs(x, y) = b, height 1 of 2.
        let matrix = try ClassSimilarityMatrix(similarity: Similarity(taxonomy: stored), classes: try stored.nodes(of: "dag-tree", in: store), measure: .lcsHeight)
        XCTAssertEqual(matrix.values, [1, 0.5, 0.5, 1])
        XCTAssertEqual(matrix.smallestEigenvalue!, 0.5, accuracy: 1e-12)
        XCTAssertTrue(matrix.isPositiveDefinite)
    }

    /// ILSVRC-2012 on Debian's WordNet: the raw DAG's lcs-height matrix is not
    /// positive definite; tree-ified it is, with smallest eigenvalue 1/18, as
    /// Barz & Denzler's mintree.
    func testILSVRCTreeification() throws {
        let mintree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data/semantic-embeddings/ILSVRC/wordnet.parent-child.mintree.txt").path
        try TestData.debianWordNet()
        try TestData.require(mintree, from: "the shared data folder beside the repository (../shared/data)")
        let store = try store()
        _ = try WordNetDictImporter.run(store: store)
        let wnids = NLTKEquivalenceTests.repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt").path
        _ = try ImageNetClassesImporter.run(store: store, wnidsFile: wnids, name: "ilsvrc2012")
        let wordnet = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "wordnet"))
        let classes = try wordnet.nodes(of: "ilsvrc2012", in: store)

        let raw = try ClassSimilarityMatrix(similarity: Similarity(taxonomy: wordnet), classes: classes, measure: .lcsHeight)
        XCTAssertFalse(raw.isPositiveDefinite)
        XCTAssertLessThan(raw.smallestEigenvalue!, -1)

        let tree = TreeBuilder(taxonomy: wordnet, classes: classes)
        try tree.store(into: store, source: wordnet, classes: classes, name: "ilsvrc2012-tree", replace: false)
        let treeTaxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "ilsvrc2012-tree"))
        XCTAssertEqual(treeTaxonomy.maxHeight, 18)
        // The tree keeps WordNet's words and glosses: references work as on WordNet.
        let tabby = try store.resolve("tabby", in: try store.taxonomy(named: "ilsvrc2012-tree"))
        XCTAssertEqual(tabby.key, "n02123045")
        XCTAssertEqual(tabby.gloss?.isEmpty, false)
        XCTAssertEqual(treeTaxonomy.count, 1_784, "Barz & Denzler's mintree has 1,785")
        let matrix = try ClassSimilarityMatrix(similarity: Similarity(taxonomy: treeTaxonomy),
                                               classes: try treeTaxonomy.nodes(of: "ilsvrc2012-tree", in: store), measure: .lcsHeight)
        XCTAssertEqual(matrix.smallestEigenvalue!, 1.0 / 18, accuracy: 1e-9)

        _ = try EdgeListImporter.run(store: store, file: mintree, name: "mintree", leafOrder: .sorted)
        let reference = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "mintree"))
        let referenceMatrix = try ClassSimilarityMatrix(similarity: Similarity(taxonomy: reference),
                                                        classes: try reference.nodes(of: "mintree", in: store), measure: .lcsHeight)
        XCTAssertEqual(referenceMatrix.smallestEigenvalue!, 1.0 / 18, accuracy: 1e-9)
    }
}
