import Foundation
import TaxonLinalg
import XCTest
@testable import TaxonVision

final class DescriptorTests: XCTestCase {
    /// One image, 2 × 2 pixels, 2 channels: channel 0 = 1, 2, 3, 4; channel 1 = 0, 0, 0, 8.
    let map = FeatureMap(count: 1, height: 2, width: 2, channels: 2, values: [1, 0, 2, 0, 3, 0, 4, 8])

    private func assertUnit(_ row: [Float], _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        let norm = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for (got, want) in zip(row, expected) { XCTAssertEqual(Double(got), want / norm, accuracy: 1e-5, file: file, line: line) }
    }

    func testGlobalDescriptorsByHand() {
        assertUnit(Descriptor.gap.describe(map)[0], [2.5, 2])
        assertUnit(Descriptor.mac.describe(map)[0], [4, 8])
        // GeM, p = 3: ((1 + 8 + 27 + 64)/4)^(1/3) and (512/4)^(1/3); zeros count as 1e-6.
        assertUnit(Descriptor.gem.describe(map)[0], [pow(25.0, 1.0 / 3), pow(128.0, 1.0 / 3)])
        // R-MAC on 2 × 2: scale 1 the whole map; scale 2 and 3 regions of side 1 (every pixel, and more).
        let regions = Descriptor.rmacRegions(height: 2, width: 2)
        XCTAssertEqual(regions.first.map { [$0.0, $0.1, $0.2, $0.3] }, [0, 0, 2, 2])
    }

    func testRMACRegionsOfA7By7Map() {
        // Tolias et al.: 1 region at scale 1 (side 7), 4 at scale 2 (side 4, starts 0 and 3), 9 at scale 3 (side 3, starts 0, 2, 4).
        let regions = Descriptor.rmacRegions(height: 7, width: 7)
        XCTAssertEqual(regions.count, 14)
        XCTAssertEqual(Set(regions.filter { $0.2 == 4 }.map { $0.0 }), [0, 3])
        XCTAssertEqual(Set(regions.filter { $0.2 == 3 }.map { $0.1 }), [0, 2, 4])
        XCTAssertTrue(regions.allSatisfy { $0.0 + $0.2 <= 7 && $0.1 + $0.3 <= 7 })
        // A wider map gets extra regions along its width.
        let wide = Descriptor.rmacRegions(height: 7, width: 10)
        XCTAssertGreaterThan(wide.count, 14)
        XCTAssertTrue(wide.allSatisfy { $0.0 + $0.2 <= 7 && $0.1 + $0.3 <= 10 })
    }

    func testPCAWhiteningDecorrelates() throws {
        var generator = SplitMix64(seed: 2)
        // Correlated 3-d data: y = x + small noise, z independent.
        let rows: [[Float]] = (0..<500).map { _ in
            let x = generator.nextUnit(), z = generator.nextUnit()
            return [Float(x), Float(x + 0.1 * generator.nextUnit()), Float(3 * z)]
        }
        let whitening = try PCAWhitening(learnedOn: rows, dims: 3)
        let projected = rows.map { row in multiply(whitening.projection, zip(row, whitening.mean).map { Double($0) - $1 }) }
        for i in 0..<3 {
            for j in 0..<3 {
                let covariance = projected.reduce(0) { $0 + $1[i] * $1[j] } / Double(rows.count - 1)
                XCTAssertEqual(covariance, i == j ? 1 : 0, accuracy: 1e-4)  // ε = 1e-9 on a variance of ~4e-4
            }
        }
        let applied = whitening.apply(rows[0])
        XCTAssertEqual(applied.reduce(Float(0)) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
    }

    func testPCAWithFewerRowsThanInputsFindsTheCovariancesEigenvectors() throws {
        var generator = SplitMix64(seed: 5)
        let rows: [[Float]] = (0..<8).map { _ in (0..<20).map { d in Float(generator.nextUnit() * Double(d % 4 + 1)) } }
        let plain = try PCAWhitening(learnedOn: rows, dims: 5, whiten: false)
        var centred = Matrix(rows: 8, columns: 20)
        for r in 0..<8 { for c in 0..<20 { centred[r, c] = Double(rows[r][c]) - plain.mean[c] } }
        var covariance = multiply(centred, centred, transposeA: true)
        for i in 0..<covariance.values.count { covariance.values[i] /= 7 }
        let (values, _) = try symmetricEigenpairs(covariance)
        for k in 0..<5 {
            let v = (0..<20).map { plain.projection[k, $0] }
            XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-9, "unit components")
            // C v = λ v with λ the k-th largest eigenvalue of the 20 × 20 covariance: the same directions its route finds.
            let cv = multiply(covariance, v)
            for c in 0..<20 { XCTAssertEqual(cv[c], values[k] * v[c], accuracy: 1e-9) }
        }
        // Whitened, the projections have the identity as covariance.
        let whitening = try PCAWhitening(learnedOn: rows, dims: 5)
        let projected = rows.map { row in multiply(whitening.projection, zip(row, whitening.mean).map { Double($0) - $1 }) }
        for i in 0..<5 { for j in 0..<5 {
            XCTAssertEqual(projected.reduce(0) { $0 + $1[i] * $1[j] } / 7, i == j ? 1 : 0, accuracy: 1e-6)
        } }
    }

    func testProbabilisticSemanticProjection() {
        let classRows: [[Double]] = [[1, 0], [0, 1], [1, 1]]
        // Softmax of (ln 3, ln 1, ln 0.000001): p ≈ 0.75, 0.25, tiny. Top 2 renormalised: 0.75·(1, 0) + 0.25·(0, 1).
        let logits: [Float] = [Float(log(3.0)), 0, Float(log(1e-6))]
        let embedded = SemanticProjection.probabilistic(logits: logits, classRows: classRows, top: 2)
        XCTAssertEqual(Double(embedded[0]), 0.75 / (0.75 * 0.75 + 0.0625).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(Double(embedded[1]), 0.25 / (0.75 * 0.75 + 0.0625).squareRoot(), accuracy: 1e-5)
        // Top 1: exactly the first row.
        XCTAssertEqual(SemanticProjection.probabilistic(logits: logits, classRows: classRows, top: 1), [1, 0])
    }
}

final class LinearMapperTests: XCTestCase {
    /// Three classes: 20-d features around a class centre; the class rows three random 5-d vectors.
    private func threeClasses() -> (features: [[Float]], labels: [Int], rows: [[Double]]) {
        var generator = SplitMix64(seed: 4)
        let centres = (0..<3).map { _ in (0..<20).map { _ in generator.nextUnit() } }
        let rows = (0..<3).map { _ in (0..<5).map { _ in generator.nextUnit() - 0.5 } }
        let features = (0..<60).map { i in normalized(centres[i % 3].map { Float($0 + 0.05 * generator.nextUnit()) }) }
        return (features, (0..<60).map { $0 % 3 }, rows)
    }

    func testLearnsToMapClassesOntoTheirRows() throws {
        let (features, labels, rows) = threeClasses()
        var options = LinearMapper.Options()
        options.epochs = 150
        options.learningRate = 0.01
        var losses: [Double] = []
        let mapper = try LinearMapper.train(features: features, labels: labels, classRows: rows, options: options) { _, loss, crossEntropy in
            losses.append(loss)
            XCTAssertEqual(crossEntropy, 0)
        }
        XCTAssertLessThan(losses.last!, 0.01)
        XCTAssertLessThan(losses.last!, losses.first! / 10)
        for (feature, label) in zip(features, labels) {
            let mapped = mapper.apply(feature).map(Double.init), target = rows[label]
            let cosine = zip(mapped, target).reduce(0) { $0 + $1.0 * $1.1 } / target.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertGreaterThan(cosine, 0.98)
        }
        XCTAssertEqual(try LinearMapper.train(features: features, labels: labels, classRows: rows, options: options).values, mapper.values,
                       "same seed")
        options.learningRate = .nan
        XCTAssertThrowsError(try LinearMapper.train(features: features, labels: labels, classRows: rows, options: options)) {
            XCTAssertEqual($0 as? MapperError, .diverged(epoch: 1))
        }
    }

    func testCrossEntropyTermTrainsTheClassifierToo() throws {
        let (features, labels, rows) = threeClasses()
        var options = LinearMapper.Options()
        options.epochs = 150
        options.learningRate = 0.01
        options.crossEntropyWeight = 0.1
        var losses: [(Double, Double)] = []
        let mapper = try LinearMapper.train(features: features, labels: labels, classRows: rows, options: options) { losses.append(($1, $2)) }
        XCTAssertLessThan(losses.last!.0, 0.02)
        XCTAssertLessThan(losses.last!.1, losses.first!.1 / 5, "the cross-entropy falls")
        XCTAssertEqual(mapper.values.count, 21 * 5, "only W and b are kept")
    }

    /// The analytic gradient of 1 − cos + λ·CE against central differences, every parameter.
    func testObjectiveGradientMatchesFiniteDifferences() {
        var generator = SplitMix64(seed: 9)
        let layout = LinearMapper.Layout(inputs: 4, outputs: 3, classes: 5)
        let parameters = (0..<layout.total).map { _ in generator.nextUnit() * 2 - 1 }
        let feature = (0..<4).map { _ in generator.nextUnit() }
        let target = normalized([0.3, -0.5, 0.8].map(Float.init)).map(Double.init)
        func loss(_ p: [Double]) -> Double {
            var unused = [Double](repeating: 0, count: layout.total)
            let (cosine, crossEntropy) = LinearMapper.objective(p, layout, feature: feature, target: target, label: 2, crossEntropyWeight: 0.7,
                                                                scale: 1, gradient: &unused)
            return cosine + 0.7 * crossEntropy
        }
        var gradient = [Double](repeating: 0, count: layout.total)
        _ = LinearMapper.objective(parameters, layout, feature: feature, target: target, label: 2, crossEntropyWeight: 0.7, scale: 1,
                                   gradient: &gradient)
        for k in 0..<layout.total {
            var plus = parameters, minus = parameters
            plus[k] += 1e-6
            minus[k] -= 1e-6
            XCTAssertEqual(gradient[k], (loss(plus) - loss(minus)) / 2e-6, accuracy: 1e-6, "parameter \(k)")
        }
    }
}

final class SoftmaxClassifierTests: XCTestCase {
    /// Four classes of 16-d features around class centres, with noise; every fourth photo is a validation photo.
    private func fourClasses(noise: Double) -> (train: ([[Float]], [Int]), validation: ([[Float]], [Int])) {
        var generator = SplitMix64(seed: 7)
        let centres = (0..<4).map { _ in (0..<16).map { _ in generator.nextUnit() - 0.5 } }
        let all = (0..<200).map { i in normalized(centres[i % 4].map { Float($0 + noise * (generator.nextUnit() - 0.5)) }) }
        let split = (0..<200).map { $0 % 5 == 4 }
        let pick = { (held: Bool) in (all.indices.filter { split[$0] == held }.map { all[$0] }, all.indices.filter { split[$0] == held }.map { $0 % 4 }) }
        return (pick(false), pick(true))
    }

    /// The residual P − Y is the gradient of the cross-entropy in the logits: finite differences of the loss agree.
    func testGradientMatchesFiniteDifferences() {
        let (inputs, classes) = (3, 4)
        var generator = SplitMix64(seed: 3)
        let x = Matrix(rows: 5, columns: inputs, values: (0..<15).map { _ in generator.nextUnit() - 0.5 })
        let labels = [0, 1, 2, 3, 1]
        let parameters = (0..<((inputs + 1) * classes)).map { _ in generator.nextUnit() - 0.5 }
        let (_, residual) = SoftmaxClassifier.crossEntropy(parameters, x, labels, classes: classes)
        let analytic = multiply(residual, x, transposeA: true).values.map { $0 / 5 }
        for k in 0..<(inputs * classes) {
            var plus = parameters, minus = parameters
            plus[k] += 1e-6
            minus[k] -= 1e-6
            let numeric = (SoftmaxClassifier.crossEntropy(plus, x, labels, classes: classes).loss
                           - SoftmaxClassifier.crossEntropy(minus, x, labels, classes: classes).loss) / 2e-6
            XCTAssertEqual(analytic[k], numeric, accuracy: 1e-6, "weight \(k)")
        }
    }

    func testLearnsSeparableClassesAndKeepsTheBestEpoch() throws {
        let data = fourClasses(noise: 0.3)
        var options = SoftmaxClassifier.Options()
        options.epochs = 60
        let (classifier, curve, kept) = try SoftmaxClassifier.train(features: data.train.0, labels: data.train.1, classes: 4,
                                                                    validation: data.validation, options: options)
        XCTAssertEqual(curve.first { $0.epoch == kept }?.validationAccuracy, 1)
        let best = curve.compactMap(\.validationLoss).min()!
        XCTAssertEqual(curve.first { $0.epoch == kept }?.validationLoss, best)
        for (feature, label) in zip(data.validation.0, data.validation.1) {
            let logits = classifier.logits([feature])[0]
            XCTAssertEqual(logits.indices.max { logits[$0] < logits[$1] }, label)
        }
        let again = try SoftmaxClassifier.train(features: data.train.0, labels: data.train.1, classes: 4, validation: data.validation, options: options)
        XCTAssertEqual(again.classifier.values, classifier.values, "same seed")
    }

    func testStopsAfterPatienceWithoutABetterValidationLoss() throws {
        // Noise so large the validation loss soon stops improving.
        let data = fourClasses(noise: 40)
        var options = SoftmaxClassifier.Options()
        (options.epochs, options.patience, options.learningRate) = (200, 3, 0.05)
        let (_, curve, kept) = try SoftmaxClassifier.train(features: data.train.0, labels: data.train.1, classes: 4,
                                                           validation: data.validation, options: options)
        XCTAssertLessThan(curve.count, 200)
        XCTAssertEqual(curve.count, kept + 3)
        options.learningRate = .nan
        XCTAssertThrowsError(try SoftmaxClassifier.train(features: data.train.0, labels: data.train.1, classes: 4, validation: data.validation,
                                                         options: options)) { XCTAssertEqual($0 as? MapperError, .diverged(epoch: 1)) }
    }
}
