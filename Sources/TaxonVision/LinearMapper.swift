import Foundation
import TaxonLinalg

/// A learned linear map from an image feature (the L2-normalised global
/// average of the CNN's last 1280-channel map) to a class embedding's space,
/// trained with Barz & Denzler's (2019) loss 1 − cos(W·f + b, φ(y)), φ(y) the
/// embedding row of the image's class, plus optionally λ times the softmax
/// cross-entropy of a classification layer V·ẑ + c on the normalised
/// embedding ẑ (their second loss term; the layer only guides training and is
/// not kept). Adam, mini-batches of 32, weights initialised at ±1/√inputs,
/// biases at 0; deterministic for a seed.
public struct LinearMapper: Sendable {
    public let inputs: Int
    public let outputs: Int
    /// outputs × inputs, row-major, then the bias: the stored form.
    public private(set) var values: [Double]

    /// A mapper from its stored values: weights (outputs × inputs, row-major) then bias.
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
        normalized(Self.raw(values, inputs: inputs, outputs: outputs, feature.map(Double.init)).map(Float.init))
    }

    /// W·f + b from the parameter vector (W row-major, then b).
    static func raw(_ parameters: [Double], inputs: Int, outputs: Int, _ f: [Double]) -> [Double] {
        (0..<outputs).map { o in
            var sum = parameters[inputs * outputs + o]
            for i in 0..<inputs { sum += parameters[o * inputs + i] * f[i] }
            return sum
        }
    }

    /// Training settings: epochs, Adam's learning rate, batch size, seed and the cross-entropy weight λ.
    public struct Options: Sendable {
        public var epochs = 100
        public var learningRate = 1e-3
        public var batch = 32
        public var seed: UInt64 = 1
        /// λ, the weight of the cross-entropy term; 0 trains on 1 − cos alone.
        public var crossEntropyWeight = 0.0
        /// The defaults: 100 epochs, learning rate 1e-3, batches of 32, seed 1, no cross-entropy term.
        public init() {}
    }

    /// The training parameters: the mapper's W and b, then (for λ > 0) the
    /// classification layer's V (classes × outputs) and c.
    struct Layout {
        let inputs: Int, outputs: Int, classes: Int
        var mapper: Int { (inputs + 1) * outputs }
        var total: Int { mapper + (outputs + 1) * classes }
    }

    /// One example's 1 − cos and cross-entropy; adds `scale` × their
    /// (λ-weighted) gradient to `gradient`. With y = W·f + b, n = ‖y‖, ẑ = y/n
    /// and g = −t + λ·Vᵀ(p − e_label) (t the unit target row, p the softmax of
    /// V·ẑ + c), the gradient in y is (g − (g·ẑ)·ẑ)/n.
    static func objective(_ parameters: [Double], _ layout: Layout, feature f: [Double], target t: [Double], label: Int,
                          crossEntropyWeight lambda: Double, scale: Double, gradient: inout [Double]) -> (cosine: Double, crossEntropy: Double) {
        let (inputs, outputs, classes) = (layout.inputs, layout.outputs, layout.classes)
        let y = raw(parameters, inputs: inputs, outputs: outputs, f)
        let norm = max(y.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        let unit = y.map { $0 / norm }
        let cosine = zip(unit, t).reduce(0) { $0 + $1.0 * $1.1 }
        var g = t.map { -$0 }, crossEntropy = 0.0
        if lambda > 0 {
            let v = layout.mapper, c = v + classes * outputs
            let logits = (0..<classes).map { k in parameters[c + k] + (0..<outputs).reduce(0) { $0 + parameters[v + k * outputs + $1] * unit[$1] } }
            let largest = logits.max()!
            let exps = logits.map { exp($0 - largest) }, total = exps.reduce(0, +)
            crossEntropy = log(total) - (logits[label] - largest)
            for k in 0..<classes {
                let d = exps[k] / total - (k == label ? 1 : 0)
                gradient[c + k] += scale * lambda * d
                for o in 0..<outputs {
                    gradient[v + k * outputs + o] += scale * lambda * d * unit[o]
                    g[o] += lambda * d * parameters[v + k * outputs + o]
                }
            }
        }
        let along = zip(g, unit).reduce(0) { $0 + $1.0 * $1.1 }
        for o in 0..<outputs {
            let dy = scale * (g[o] - along * unit[o]) / norm
            for i in 0..<inputs { gradient[o * inputs + i] += dy * f[i] }
            gradient[inputs * outputs + o] += dy
        }
        return (1 - cosine, crossEntropy)
    }

    /// Trains on features labelled with rows of `classRows`; `progress` gets
    /// (epoch, mean 1 − cos, mean cross-entropy — 0 when λ is 0).
    public static func train(features: [[Float]], labels: [Int], classRows: [[Double]], options: Options = Options(),
                             progress: (Int, Double, Double) -> Void = { _, _, _ in }) throws -> LinearMapper {
        precondition(features.count == labels.count && !features.isEmpty && !classRows.isEmpty, "one label per feature")
        let layout = Layout(inputs: features[0].count, outputs: classRows[0].count, classes: options.crossEntropyWeight > 0 ? classRows.count : 0)
        var generator = SplitMix64(seed: options.seed)
        var parameters = [Double](repeating: 0, count: layout.total)
        for k in 0..<(layout.inputs * layout.outputs) { parameters[k] = (generator.nextUnit() * 2 - 1) / Double(layout.inputs).squareRoot() }
        for k in layout.mapper..<(layout.mapper + layout.classes * layout.outputs) {
            parameters[k] = (generator.nextUnit() * 2 - 1) / Double(layout.outputs).squareRoot()
        }
        let unitRows = classRows.map { row -> [Double] in
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? row.map { $0 / norm } : row
        }
        let inputsDouble = features.map { $0.map(Double.init) }
        // Adam (Kingma & Ba 2015) with its usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
        var m = [Double](repeating: 0, count: layout.total), v = m, step = 0
        var order = Array(features.indices)
        let batchSize = max(options.batch, 1)
        for epoch in 1...max(options.epochs, 1) {
            generator.shuffle(&order)
            var cosineSum = 0.0, crossEntropySum = 0.0
            for start in stride(from: 0, to: order.count, by: batchSize) {
                var gradient = [Double](repeating: 0, count: layout.total)
                let batch = order[start..<min(start + batchSize, order.count)]
                for index in batch {
                    let (cosine, crossEntropy) = objective(parameters, layout, feature: inputsDouble[index], target: unitRows[labels[index]],
                                                           label: labels[index], crossEntropyWeight: options.crossEntropyWeight,
                                                           scale: 1 / Double(batch.count), gradient: &gradient)
                    cosineSum += cosine
                    crossEntropySum += crossEntropy
                }
                step += 1
                let correction1 = 1 - pow(0.9, Double(step)), correction2 = 1 - pow(0.999, Double(step))
                for k in 0..<layout.total {
                    m[k] = 0.9 * m[k] + 0.1 * gradient[k]
                    v[k] = 0.999 * v[k] + 0.001 * gradient[k] * gradient[k]
                    parameters[k] -= options.learningRate * (m[k] / correction1) / ((v[k] / correction2).squareRoot() + 1e-8)
                }
            }
            let n = Double(features.count)
            guard (cosineSum + crossEntropySum).isFinite else { throw MapperError.diverged(epoch: epoch) }
            progress(epoch, cosineSum / n, crossEntropySum / n)
        }
        return LinearMapper(inputs: layout.inputs, outputs: layout.outputs, values: Array(parameters.prefix(layout.mapper)))
    }
}

/// Mapper training that cannot go on: a diverged loss, no photos, labels outside the embedding.
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
