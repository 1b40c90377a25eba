import Foundation
import TaxonImport
@testable import TaxonStore
import TaxonModel
import TaxonTesting
import XCTest
@testable import TaxonCore

/// Taxon against NLTK on Princeton WordNet 3.0: the committed table
/// Fixtures/nltk_similarity.tsv (scripts/nltk_similarity_table.py) holds NLTK's
/// six measures for 455 pairs, fixed and random, nouns and verbs.
final class NLTKEquivalenceTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let princeton = repository.appendingPathComponent("ontologies/data/wordnet-3.0").path
    static let icDirectory = repository.appendingPathComponent("ontologies/data/wordnet_ic").path

    nonisolated(unsafe) private static var loaded: Taxonomy?

    static func wordnet30() throws -> Taxonomy {
        try TestData.require(princeton + "/data.noun")
        if let loaded { return loaded }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-core-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("wn30.sqlite").path)
        _ = try WordNetDictImporter.run(store: store, directory: princeton, name: "wordnet")
        let taxonomy = try Taxonomy.load(from: store, taxonomy: try store.taxonomy(named: "wordnet"))
        loaded = taxonomy
        return taxonomy
    }

    private func node(_ taxonomy: Taxonomy, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        try XCTUnwrap(taxonomy.names.firstIndex(of: name), "no synset named \(name)", file: file, line: line)
    }

    func testEveryPairOfTheNLTKTable() throws {
        let taxonomy = try Self.wordnet30()
        let brown = Similarity(taxonomy: taxonomy, informationContent: try InformationContent.load(file: Self.icDirectory + "/ic-brown.dat", for: taxonomy))
        let semcor = Similarity(taxonomy: taxonomy, informationContent: try InformationContent.load(file: Self.icDirectory + "/ic-semcor.dat", for: taxonomy))
        let table = try String(contentsOf: Bundle.module.url(forResource: "Fixtures/nltk_similarity.tsv", withExtension: nil)!, encoding: .utf8)
        var rows = 0, compared = 0
        for line in table.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("a\t") {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(cells.count, 8, String(line))
            let a = try node(taxonomy, cells[0]), b = try node(taxonomy, cells[1])
            let checks: [(Measure, Similarity, String)] = [(.path, brown, cells[2]), (.lch, brown, cells[3]), (.wup, brown, cells[4]),
                                                           (.res, brown, cells[5]), (.jcn, brown, cells[6]), (.lin, semcor, cells[7])]
            for (measure, similarity, expected) in checks {
                let context = "\(measure.rawValue)(\(cells[0]), \(cells[1]))"
                switch expected {
                case "error":
                    XCTAssertThrowsError(try similarity.score(measure, a, b), context)
                case "":
                    XCTAssertNil(try similarity.score(measure, a, b), context)
                default:
                    let want = try XCTUnwrap(Double(expected), context)
                    let got = try XCTUnwrap(try similarity.score(measure, a, b), context)
                    XCTAssertEqual(got, want, accuracy: max(1e-9, abs(want) * 1e-12), context)
                }
                compared += 1
            }
            rows += 1
        }
        XCTAssertGreaterThanOrEqual(rows, 420)
        XCTAssertEqual(compared, rows * 6)
    }

    func testNLTKDoctestValues() throws {
        let taxonomy = try Self.wordnet30()
        try assertNLTKDoctestValues(taxonomy) { try self.node(taxonomy, $0) }
        let dog = try node(taxonomy, "dog.n.01"), cat = try node(taxonomy, "cat.n.01")
        let similarity = Similarity(taxonomy: taxonomy)
        XCTAssertEqual(similarity.lowestCommonHypernyms(dog, cat, simulateRoot: false, useMinDepth: false), [.node(try node(taxonomy, "carnivore.n.01"))])
        XCTAssertEqual(taxonomy.minDepth[dog], 8)
        XCTAssertEqual(taxonomy.maxDepth[dog], 13)
        // NLTK: dog.hypernym_paths() has two paths, entity … canine … dog and entity … domestic_animal … dog.
        let paths = taxonomy.hypernymPaths(of: dog)
        XCTAssertEqual(paths.count, 2)
        XCTAssertEqual(Set(paths.map { $0.count }), [9, 14])
        XCTAssertTrue(paths.allSatisfy { taxonomy.names[$0.first!] == "entity.n.01" && $0.last! == dog })
    }
}

/// NLTK's doctest values (and the data README's IC values) on a WordNet 3.0.
func assertNLTKDoctestValues(_ taxonomy: Taxonomy, file: StaticString = #filePath, line: UInt = #line,
                             node: (String) throws -> Int) throws {
    let ic = NLTKEquivalenceTests.icDirectory
    let brown = Similarity(taxonomy: taxonomy, informationContent: try InformationContent.load(file: ic + "/ic-brown.dat", for: taxonomy))
    let semcor = Similarity(taxonomy: taxonomy, informationContent: try InformationContent.load(file: ic + "/ic-semcor.dat", for: taxonomy))
    let dog = try node("dog.n.01"), cat = try node("cat.n.01")
    XCTAssertEqual(brown.path(dog, cat), 0.2, file: file, line: line)
    XCTAssertEqual(try brown.lch(dog, cat)!, 2.0281482472922856, accuracy: 1e-12, file: file, line: line)
    XCTAssertEqual(brown.wup(dog, cat)!, 0.8571428571428571, accuracy: 1e-12, file: file, line: line)
    XCTAssertEqual(try brown.score(.res, dog, cat)!, 7.911666509036577, accuracy: 1e-9, file: file, line: line)
    XCTAssertEqual(try brown.jcn(dog, cat)!, 0.4497755285516739, accuracy: 1e-9, file: file, line: line)
    XCTAssertEqual(try semcor.lin(dog, cat)!, 0.8863288628086228, accuracy: 1e-9, file: file, line: line)
    XCTAssertEqual(brown.wup(try node("hit.v.01"), try node("slap.v.01"))!, 0.25, accuracy: 1e-12, file: file, line: line)
}
