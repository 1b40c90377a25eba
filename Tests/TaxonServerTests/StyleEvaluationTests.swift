import Foundation
import TaxonTesting
import XCTest

/// `taxon eval style` end to end on real photos (the fixture's store for the semantic facet), and its refusals.
final class StyleEvaluationTests: XCTestCase {
    func testEvalStyleOnSamplePhotos() throws {
        let built = try Fixture.get()
        let run = try Subprocess.run(Fixture.executable, ["eval", "style", Fixture.sample, "--photos", "30", "--styles", "3", "--sets", "20",
                                                          "--embedding", "unit", "--weights", Fixture.weights, "--db", built.store, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["photos"] as? Int, 30)
        XCTAssertEqual(report["styles"] as? [String], ["greyscale", "sepia", "posterised"])
        let facets = try XCTUnwrap(report["facets"] as? [[String: Any]])
        XCTAssertEqual(facets.compactMap { $0["facet"] as? String }, ["semantic", "visual", "style", "colour"])
        for facet in facets {
            let byStyle = try XCTUnwrap(facet["map_by_style"] as? Double)
            XCTAssertTrue((0...1).contains(byStyle), "\(facet)")
        }
        let style = try XCTUnwrap(facets.first { $0["facet"] as? String == "style" }?["map_by_style"] as? Double)
        let semantic = try XCTUnwrap(facets.first { $0["facet"] as? String == "semantic" }?["map_by_style"] as? Double)
        XCTAssertGreaterThan(style, semantic, "the style facet finds the rendered style better than what the photos show")
        XCTAssertTrue((0...1).contains(try XCTUnwrap(report["inference_accuracy"] as? Double)))
        XCTAssertEqual(report["style_dims"] as? [Int], [3240, 29])  // PCA: at most photos − 1 dimensions
        let cost = try XCTUnwrap(report["cost_ms"] as? [String: Double])
        XCTAssertEqual(Set(cost.keys), ["network", "network_with_style", "colour"])
    }

    func testBadRequestsAreRefusedByName() throws {
        let built = try Fixture.get()
        let tooMany = try Subprocess.run(Fixture.executable, ["eval", "style", Fixture.sample, "--styles", "9", "--weights", Fixture.weights, "--db", built.store])
        XCTAssertNotEqual(tooMany.status, 0)
        XCTAssertTrue(tooMany.stderr.contains("--styles must lie in 2...7"), tooMany.stderr)
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-no-photos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let none = try Subprocess.run(Fixture.executable, ["eval", "style", empty.path, "--weights", Fixture.weights, "--db", built.store])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("\(empty.path): no photos"), none.stderr)
    }
}
