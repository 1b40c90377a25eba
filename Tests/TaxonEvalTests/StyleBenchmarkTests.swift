import Foundation
import TaxonLinalg
import TaxonSearch
import XCTest
@testable import TaxonEval

/// The style benchmark's measures and facet inference on constructed vectors whose answers are known.
final class StyleBenchmarkTests: XCTestCase {
    /// 60 photos: 6 objects × 10, styles 0…4 in turn; each facet a unit vector of its cluster plus noise —
    /// semantic by object, style and colour by style, visual pure noise.
    private func constructed() -> (vectors: [Facet: [[Float]]], styles: [String], objects: [String]) {
        var generator = SplitMix64(seed: 3)
        let gaussian = { (g: inout SplitMix64) -> Float in Float((-2 * log(max(g.nextUnit(), 1e-12))).squareRoot() * cos(2 * .pi * g.nextUnit())) }
        func centres(_ count: Int, _ dims: Int) -> [[Float]] { (0..<count).map { _ in (0..<dims).map { _ in gaussian(&generator) } } }
        let (objectCentres, styleCentres, colourCentres) = (centres(6, 16), centres(5, 16), centres(5, 16))
        var vectors: [Facet: [[Float]]] = [:], styles: [String] = [], objects: [String] = []
        for n in 0..<60 {
            let (object, style) = (n / 10, n % 5)
            objects.append("o\(object)"); styles.append("s\(style)")
            func noisy(_ centre: [Float], _ spread: Float) -> [Float] {
                let row = centre.map { $0 + spread * gaussian(&generator) }
                let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return row.map { $0 / norm }
            }
            vectors[.semantic, default: []].append(noisy(objectCentres[object], 0.3))
            vectors[.style, default: []].append(noisy(styleCentres[style], 0.3))
            vectors[.colour, default: []].append(noisy(colourCentres[style], 0.8))
            vectors[.visual, default: []].append(noisy([Float](repeating: 0, count: 16), 1))
        }
        return (vectors, styles, objects)
    }

    func testEachFacetFindsWhatItEncodes() {
        let (vectors, styles, objects) = constructed()
        let report = StyleBenchmark.evaluate(vectors: vectors, styles: styles, objects: objects, sets: 100, seed: 1)
        let scores = Dictionary(uniqueKeysWithValues: report.facets.map { ($0.facet, $0) })
        XCTAssertEqual(report.facets.map(\.facet), Facet.allCases)
        XCTAssertGreaterThan(scores[.style]!.mapByStyle, 0.95)
        XCTAssertGreaterThan(scores[.semantic]!.mapByObject, 0.95)
        XCTAssertLessThan(scores[.style]!.mapByObject, 0.4)
        XCTAssertLessThan(scores[.visual]!.mapByStyle, 0.4)
        XCTAssertGreaterThan(scores[.style]!.mapByStyle, scores[.colour]!.mapByStyle, "the tighter cluster ranks better")
        // Inference: style sets → style (its z beats colour's looser cluster), object sets → semantic.
        XCTAssertEqual(report.styleSets.expected, .style)
        XCTAssertEqual(report.styleSets.sets, 100)
        XCTAssertGreaterThan(report.styleSets.accuracy, 0.9)
        XCTAssertGreaterThan(report.objectSets.accuracy, 0.9)
        XCTAssertEqual(report.inferenceAccuracy, (report.styleSets.accuracy + report.objectSets.accuracy) / 2, accuracy: 1e-12)
        XCTAssertGreaterThan(report.styleSets.inferredQueryMAP, 0.9)
        XCTAssertLessThanOrEqual(report.styleSets.inferredQueryMAP, report.styleSets.rightFacetMAP + 1e-12)
        // Reproducible for a seed.
        XCTAssertEqual(StyleBenchmark.evaluate(vectors: vectors, styles: styles, objects: objects, sets: 100, seed: 1).styleSets, report.styleSets)
    }

    func testInferenceScoresAreZScoresOverRandomPairs() throws {
        let (vectors, _, _) = constructed()
        let inference = FacetInference(vectors: vectors, pairs: 4000, seed: 2)
        // The baseline of pure noise in 16 dimensions: mean near 0, deviation near 1/√16.
        let (mean, deviation) = try XCTUnwrap(inference.baseline[.visual])
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(deviation, 0.25, accuracy: 0.03)
        // Three copies of one photo: the mean pairwise cosine is 1 in every facet, so z = (1 − μ) / σ.
        let same = vectors.mapValues { rows in [rows[0], rows[0], rows[0]] }
        let scores = inference.scores(same)
        for facet in Facet.allCases {
            let (m, d) = inference.baseline[facet]!
            XCTAssertEqual(try XCTUnwrap(scores[facet]), (1 - m) / d, accuracy: 1e-4, facet.rawValue)
        }
        XCTAssertEqual(FacetInference.candidates, [.semantic, .style, .colour], "the visual descriptor is never the shared aspect")
        XCTAssertEqual(inference.infer(same)?.facet, FacetInference.candidates.max { scores[$0]! < scores[$1]! })
        XCTAssertNil(inference.infer(vectors.mapValues { [$0[0]] }), "one example shares nothing")
    }
}
