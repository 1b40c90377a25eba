import Foundation
@testable import TaxonStore
import TaxonModel
import TaxonTesting
import XCTest
@testable import TaxonImport

/// Tests on the real data: Debian's WordNet 3.0 (installed by scripts/setup.sh),
/// the ImageNet class lists under ontologies/, and the hierarchies in ../shared/data.
final class RealDataTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sharedData = repository.deletingLastPathComponent().appendingPathComponent("shared/data/semantic-embeddings")

    /// One WordNet import shared by the tests of this class (it takes seconds in a debug build).
    nonisolated(unsafe) private static var wordnetStore: SQLiteStore?

    private func wordnet() throws -> SQLiteStore {
        try TestData.debianWordNet()
        if let store = Self.wordnetStore { return store }
        let store = try temporaryStore()
        _ = try WordNetDictImporter.run(store: store)
        Self.wordnetStore = store
        return store
    }

    private func shared(_ path: String) throws -> String {
        let url = Self.sharedData.appendingPathComponent(path)
        try TestData.require(url.path, from: "the shared data folder beside the repository (../shared/data)")
        return url.path
    }

    func testWordNetCountsAndDog() throws {
        let store = try wordnet()
        let wordnet = try store.taxonomy(named: "wordnet")
        let counts = try store.db.prepare("SELECT pos, count(*) FROM concept WHERE taxonomy_id = ? GROUP BY pos")
        try counts.bind([.integer(wordnet.id)])
        var perPos: [String: Int] = [:]
        while try counts.step() { perPos[counts.text(0)] = counts.int(1) }
        XCTAssertEqual(perPos, ["n": 82_115, "v": 13_767, "a": 7_463, "s": 10_693, "r": 3_621])
        XCTAssertEqual(try store.db.scalarInt("SELECT count(*) FROM lemma WHERE taxonomy_id = ?", [.integer(wordnet.id)]), 206_978)

        let dog = try store.resolve("dog.n.01", in: wordnet)
        XCTAssertEqual(dog.key, "n02084071")
        XCTAssertEqual(try store.resolve("n02084071", in: wordnet), dog)
        XCTAssertEqual(try store.lemmas(of: dog).map(\.word), ["dog", "domestic_dog", "Canis_familiaris"])
        let hypernyms = try store.outgoing(from: dog).filter { $0.relation == Relations.hypernym }.map { $0.concept.name! }
        XCTAssertEqual(Set(hypernyms), ["canine.n.02", "domestic_animal.n.01"])
        // NLTK's names for senses whose first word differs from the word looked up.
        XCTAssertEqual(try store.resolve("dog.n.02", in: wordnet).name, "frump.n.01")
        let run = try store.resolve("run.v.01", in: wordnet)
        XCTAssertEqual(run.name, "run.v.01")
        XCTAssertEqual(run.gloss?.hasPrefix("move fast by using one's feet"), true)
        XCTAssertEqual(try store.candidates(for: "dog", in: wordnet).map { $0.name! }.prefix(3), ["dog.n.01", "frump.n.01", "dog.n.03"])
        XCTAssertEqual(try store.ancestors(of: dog).last?.concept.name, "entity.n.01")
    }

    func testImageNetClassListsResolveToNouns() throws {
        let store = try wordnet()
        let ontologies = Self.repository.appendingPathComponent("ontologies/imagenet")
        for (file, count) in [("ilsvrc2012_wnids.txt", 1_000), ("imagenet21k_wnids.txt", 21_843)] {
            let name = String(file.prefix { $0 != "_" })
            let report = try ImageNetClassesImporter.run(
                store: store, wnidsFile: ontologies.appendingPathComponent(file).path, name: name, replace: true)
            XCTAssertEqual(report.classes, count, file)
            let members = try store.classMembers(of: name)
            XCTAssertEqual(members.count, count)
            XCTAssertTrue(members.allSatisfy { $0.pos == "n" }, file)
        }
        XCTAssertEqual(try store.classMembers(of: "ilsvrc2012").first?.name, "tench.n.01")
    }

    func testCIFAR100Hierarchy() throws {
        let store = try temporaryStore()
        let report = try EdgeListImporter.run(
            store: store, file: try shared("Cifar-Hierarchy/cifar.parent-child.txt"), name: "cifar100",
            namesFile: try shared("Cifar-Hierarchy/class_names.txt"), leafOrder: .sorted)
        XCTAssertEqual(report.nodes, 163)
        XCTAssertEqual(report.leaves, 100)
        XCTAssertEqual(report.height, 8)
        XCTAssertEqual(report.roots, 1)
        XCTAssertEqual(try store.classMembers(of: "cifar100").map(\.key), (0..<100).map(String.init))
        XCTAssertEqual(try store.classMembers(of: "cifar100").first?.name, "apple")
    }

    func testNABirdsChildParent() throws {
        let store = try temporaryStore()
        let report = try EdgeListImporter.run(
            store: store, file: try shared("NAB-Hierarchy/hierarchy.txt"), name: "nabirds", childParent: true,
            namesFile: try shared("NAB-Hierarchy/classes.txt"))
        XCTAssertEqual(report.leaves, 555)
        XCTAssertEqual(report.height, 4)
        XCTAssertEqual(try store.resolve("0", in: try store.taxonomy(named: "nabirds")).name, "Birds")
    }

    func testILSVRCMintree() throws {
        let store = try temporaryStore()
        let report = try EdgeListImporter.run(
            store: store, file: try shared("ILSVRC/wordnet.parent-child.mintree.txt"), name: "mintree", leafOrder: .sorted)
        XCTAssertEqual(report.nodes, 1_785)
        XCTAssertEqual(report.leaves, 1_000)
        XCTAssertEqual(report.height, 18)
        // Sorted wnids are ILSVRC-2012's class-index order.
        let ilsvrc = try String(contentsOf: Self.repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt"), encoding: .utf8)
        XCTAssertEqual(try store.classMembers(of: "mintree").map(\.key), ilsvrc.split(separator: "\n").map(String.init))
    }
}
