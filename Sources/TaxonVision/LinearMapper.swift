import Foundation
import TaxonLinalg

/// A learned linear map from an image feature (the L2-normalised global
/// average of the CNN's last 1280-channel map) to a class embedding's space,
/// trained with Barz & Denzler's (2019) loss 1 − cos(W·f + b, φ(y)), φ(y) the
/// embedding row of the image's class. Adam, mini-batches of 32, weights
/// initialised at ±1/√inputs, bias at 0; deterministic for a seed.
public struct LinearMapper: Sendable {
    public let inputs: Int
    public let outputs: Int
    /// outputs × inputs, row-major, then the bias: the stored form.
    public private(set) var values: [Double]

    public init(inputs: Int, outputs: Int, values: [Double]) {
        precondition(values.count == (inputs + 1) * outputs, "weights then bias")
        self.inputs = inputs
        self.outputs = outputs
        self.values = values
    }

    /// The image feature the mapper reads: GAP of the feature map, L2-normalised.
    public static func feature(_ map: FeatureMap) -> [[Float]] { Descriptor.gap.describe(map) }

    /// W·f + b, L2-normalised.
    public func apply(_ feature: [Float]) -> [Float] {
        normalized(raw(feature.map(Double.init)).map(Float.init))
    }

    func raw(_ f: [Double]) -> [Double] {
        (0..<outputs).map { o in
            var sum = values[inputs * outputs + o]
            for i in 0..<inputs { sum += values[o * inputs + i] * f[i] }
            return sum
        }
    }

    public struct Options: Sendable {
        public var epochs = 100
        public var learningRate = 1e-3
        public var batch = 32
        public var seed: UInt64 = 1
        public init() {}
    }

    /// Trains on (feature, target row) pairs; `progress` gets (epoch, mean loss).
    public static func train(features: [[Float]], targets: [[Double]], options: Options = Options(),
                             progress: (Int, Double) -> Void = { _, _ in }) throws -> LinearMapper {
        precondition(features.count == targets.count && !features.isEmpty, "one target per feature")
        let inputs = features[0].count, outputs = targets[0].count
        var generator = SplitMix64(seed: options.seed)
        let scale = 1 / Double(inputs).squareRoot()
        var mapper = LinearMapper(inputs: inputs, outputs: outputs,
                                  values: (0..<(inputs * outputs)).map { _ in (generator.nextUnit() * 2 - 1) * scale }
                                      + [Double](repeating: 0, count: outputs))
        let unitTargets = targets.map { row -> [Double] in
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? row.map { $0 / norm } : row
        }
        let inputsDouble = features.map { $0.map(Double.init) }
        // Adam (Kingma & Ba 2015) with its usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
        var m = [Double](repeating: 0, count: mapper.values.count), v = m, step = 0
        var order = Array(features.indices)
        for epoch in 1...max(options.epochs, 1) {
            generator.shuffle(&order)
            var lossSum = 0.0
            for start in stride(from: 0, to: order.count, by: max(options.batch, 1)) {
                var gradient = [Double](repeating: 0, count: mapper.values.count)
                let batch = order[start..<min(start + max(options.batch, 1), order.count)]
                for index in batch {
                    let f = inputsDouble[index], t = unitTargets[index]
                    let y = mapper.raw(f)
                    let norm = max(y.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                    let cosine = zip(y, t).reduce(0) { $0 + $1.0 * $1.1 } / norm
                    lossSum += 1 - cosine
                    // ∂(1 − cos)/∂y = −(t/‖y‖ − cos·y/‖y‖²).
                    for o in 0..<outputs {
                        let dy = -(t[o] / norm - cosine * y[o] / (norm * norm)) / Double(batch.count)
                        for i in 0..<inputs { gradient[o * inputs + i] += dy * f[i] }
                        gradient[inputs * outputs + o] += dy
                    }
                }
                step += 1
                let correction1 = 1 - pow(0.9, Double(step)), correction2 = 1 - pow(0.999, Double(step))
                for k in 0..<mapper.values.count {
                    m[k] = 0.9 * m[k] + 0.1 * gradient[k]
                    v[k] = 0.999 * v[k] + 0.001 * gradient[k] * gradient[k]
                    mapper.values[k] -= options.learningRate * (m[k] / correction1) / ((v[k] / correction2).squareRoot() + 1e-8)
                }
            }
            let loss = lossSum / Double(features.count)
            guard loss.isFinite else { throw MapperError.diverged(epoch: epoch) }
            progress(epoch, loss)
        }
        return mapper
    }
}

public enum MapperError: Error, CustomStringConvertible, Equatable {
    case diverged(epoch: Int)
    case noImages(String)
    case unknownClasses(path: String, wnids: [String])

    public var description: String {
        switch self {
        case let .diverged(epoch): return "the loss became NaN in epoch \(epoch): lower the learning rate (nothing was stored)"
        case let .noImages(path): return "\(path): no .jpg, .jpeg or .png images in sub-folders named by wnid (or in the labels file)"
        case let .unknownClasses(path, wnids):
            return "\(path): \(wnids.count) label(s) are not classes of the embedding: \(wnids.prefix(10).joined(separator: ", "))"
        }
    }
}
