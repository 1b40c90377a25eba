import Foundation
import TaxonLinalg
import TaxonTesting
import XCTest
@testable import TaxonVision

/// The network against an independent NumPy forward pass of the same
/// state_dict (models/efficientnet_numpy.py), and on real photos. The weights,
/// chelsea.png and the Python environment come from scripts/setup.sh.
final class EfficientNetTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let weights = repository.appendingPathComponent("models/data/efficientnet-lite0.safetensors").path
    static let lite2 = repository.appendingPathComponent("models/data/efficientnet-lite2.safetensors").path
    static let python = repository.appendingPathComponent(".cache/py/bin/python").path
    static let cats: Set<Int> = [281, 282, 283, 284, 285]  // tabby, tiger cat, Persian, Siamese, Egyptian cat

    private func network(_ weights: String = weights) throws -> EfficientNetLite {
        try TestData.require(weights)
        return try EfficientNetLite(weights: try SafeTensors(path: weights))
    }

    /// Logits of the NumPy reference for an NHWC batch.
    private func referenceLogits(_ input: FeatureMap, weights: String = weights) throws -> [Double] {
        try TestData.require(Self.python)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-cnn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = directory.appendingPathComponent("in.npy").path, target = directory.appendingPathComponent("out.npy").path
        // NHWC to NCHW for the reference.
        var nchw = [Float](repeating: 0, count: input.values.count)
        let plane = input.height * input.width
        for n in 0..<input.count { for p in 0..<plane { for c in 0..<3 { nchw[(n * 3 + c) * plane + p] = input.values[(n * plane + p) * 3 + c] } } }
        try NPY.write(nchw, shape: [input.count, 3, input.height, input.width], to: source)
        let reference = try Subprocess.run(URL(fileURLWithPath: Self.python),
                                           [Self.repository.appendingPathComponent("models/efficientnet_numpy.py").path, weights, source, target])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let data = try Data(contentsOf: URL(fileURLWithPath: target))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertTrue(String(decoding: data[10..<(10 + headerLength)], as: UTF8.self).contains("'<f8'"))
        return data.withUnsafeBytes { raw in
            (0..<(input.count * 1000)).map { raw.loadUnaligned(fromByteOffset: 10 + headerLength + 8 * $0, as: Double.self) }
        }
    }

    func testLogitsEqualTheNumPyReference() throws {
        let network = try network()
        var generator = SplitMix64(seed: 11)
        let random = FeatureMap(count: 2, height: 224, width: 224, channels: 3,
                                values: (0..<(2 * 224 * 224 * 3)).map { _ in Float(generator.nextUnit() * 2 - 1) })
        let photo = try network.input(try ImageDecoder.decode(file: Self.repository.appendingPathComponent("models/data/chelsea.png").path),
                                      name: "chelsea.png")
        let batch = Preprocessing.batch([FeatureMap(count: 1, height: 224, width: 224, channels: 3, values: Array(random.values.prefix(224 * 224 * 3))),
                                         FeatureMap(count: 1, height: 224, width: 224, channels: 3, values: Array(random.values.suffix(224 * 224 * 3))),
                                         photo])
        let ours = network.forward(batch)
        XCTAssertEqual(ours.features.height, 7)
        XCTAssertEqual(ours.features.channels, 1280)
        let reference = try referenceLogits(batch)
        let worst = zip(ours.logits, reference).map { abs(Double($0) - $1) }.max()!
        XCTAssertLessThanOrEqual(worst, 1e-3)
        // chelsea.png (scikit-image) is a tabby cat.
        let chelsea = Array(ours.logits[2000..<3000])
        XCTAssertTrue(Self.cats.contains(chelsea.indices.max { chelsea[$0] < chelsea[$1] }!))
    }

    /// Lite2 from its own weights: 21 blocks, 260 × 260 inputs (chelsea resized to 292 and cropped), logits as the reference's.
    func testLite2EqualsTheNumPyReference() throws {
        let network = try network(Self.lite2)
        XCTAssertEqual(network.variant, .lite2)
        XCTAssertEqual(network.inputSize, 260)
        let photo = try network.input(try ImageDecoder.decode(file: Self.repository.appendingPathComponent("models/data/chelsea.png").path),
                                      name: "chelsea.png")
        XCTAssertEqual(photo.height, 260)
        let ours = network.forward(photo)
        XCTAssertEqual(ours.features.height, 9)
        XCTAssertEqual(ours.features.channels, 1280)
        let reference = try referenceLogits(photo, weights: Self.lite2)
        XCTAssertLessThanOrEqual(zip(ours.logits, reference).map { abs(Double($0) - $1) }.max()!, 1e-3)
        XCTAssertTrue(Self.cats.contains(ours.logits.indices.max { ours.logits[$0] < ours.logits[$1] }!))
    }

    func testImageNetSampleAccuracy() throws {
        let network = try network()
        let directory = Self.repository.deletingLastPathComponent().appendingPathComponent("shared/data/imagenet-sample")
        try TestData.imagenetSample()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter({ $0.hasSuffix(".jpg") }).sorted()
        XCTAssertFalse(files.isEmpty)
        let wnids = try String(contentsOf: Self.repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        // A spread-out twentieth of the sample here (a debug build is slow); the benchmark runs all 1,000.
        let chosen = stride(from: 0, to: files.count, by: 20).map { files[$0] }
        var correct = 0
        for file in chosen {
            let input = try network.input(try ImageDecoder.decode(file: directory.appendingPathComponent(file).path), name: file)
            let logits = network.forward(input).logits
            if wnids[logits.indices.max { logits[$0] < logits[$1] }!] == String(file.prefix(9)) { correct += 1 }
        }
        XCTAssertGreaterThanOrEqual(Double(correct) / Double(chosen.count), 0.7, "\(correct) of \(chosen.count)")
    }
}
