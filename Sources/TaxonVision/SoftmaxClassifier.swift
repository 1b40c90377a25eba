import Foundation
import TaxonLinalg

/// A linear softmax classifier on frozen image features (the L2-normalised
/// GeM of the CNN's last feature map): the head that names a photo's classes
/// in a class set of your own. Trained by Adam on the cross-entropy, in
/// mini-batches, from zero weights; deterministic for a seed. With a
/// validation set it keeps the epoch of the lowest validation loss and stops
/// `patience` epochs after it.
public struct SoftmaxClassifier: Sendable {
    public let inputs: Int
    public let classes: Int
    /// classes × inputs, row-major, then the bias: the stored form (a mapper with one output per class).
    public let values: [Double]

    /// A classifier from its stored values: weights (classes × inputs, row-major) then bias.
    public init(inputs: Int, classes: Int, values: [Double]) {
        precondition(values.count == (inputs + 1) * classes, "weights then bias")
        (self.inputs, self.classes, self.values) = (inputs, classes, values)
    }

    /// The feature a classifier reads: GeM (p = 3) of the feature map, L2-normalised; one row per image.
    public static func features(_ map: FeatureMap) -> [[Float]] { Descriptor.gem.describe(map) }

    /// Each feature's class logits, one row per feature.
    public func logits(_ features: [[Float]]) -> [[Double]] {
        guard !features.isEmpty else { return [] }
        let x = Matrix(rows: features.count, columns: inputs, values: features.flatMap { $0.map(Double.init) })
        let weights = Matrix(rows: classes, columns: inputs, values: Array(values.prefix(classes * inputs)))
        let product = multiply(x, weights, transposeB: true)
        let bias = values.suffix(classes)
        return (0..<features.count).map { n in zip(product.row(n), bias).map { $0 + $1 } }
    }

    /// Training settings: at most `epochs` epochs, Adam's learning rate, batch size, seed, L2 weight decay and
    /// how many epochs without a better validation loss end training.
    public struct Options: Sendable {
        public var epochs = 100
        public var learningRate = 0.01
        public var batch = 32
        public var seed: UInt64 = 1
        public var weightDecay = 0.0
        public var patience = 5
        /// The defaults: up to 100 epochs, learning rate 0.01, batches of 32, seed 1, no weight decay, patience 5.
        public init() {}
    }

    /// One epoch of the learning curve: mean training cross-entropy, and the validation set's loss and accuracy.
    public struct Epoch: Encodable, Sendable {
        public let epoch: Int
        public let trainingLoss: Double
        public let validationLoss: Double?
        public let validationAccuracy: Double?
    }

    /// Trains on `features` labelled 0..<classes; `validation` (may be empty) chooses the epoch kept.
    public static func train(features: [[Float]], labels: [Int], classes: Int, validation: (features: [[Float]], labels: [Int]),
                             options: Options = Options(), progress: (Epoch) -> Void = { _ in }) throws -> (classifier: SoftmaxClassifier, curve: [Epoch], kept: Int) {
        precondition(features.count == labels.count && !features.isEmpty && classes > 0, "one label per feature")
        precondition(validation.features.count == validation.labels.count, "one label per validation feature")
        let inputs = features[0].count
        let x = Matrix(rows: features.count, columns: inputs, values: features.flatMap { $0.map(Double.init) })
        let validationX = Matrix(rows: validation.features.count, columns: inputs, values: validation.features.flatMap { $0.map(Double.init) })
        var parameters = [Double](repeating: 0, count: (inputs + 1) * classes)
        // Adam (Kingma & Ba 2015) with its usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
        var m = parameters, v = parameters, step = 0
        var generator = SplitMix64(seed: options.seed)
        var order = Array(features.indices)
        var curve: [Epoch] = [], best = (loss: Double.infinity, epoch: 0, parameters: parameters)
        for epoch in 1...max(options.epochs, 1) {
            generator.shuffle(&order)
            var lossSum = 0.0
            for start in stride(from: 0, to: order.count, by: max(options.batch, 1)) {
                let batch = Array(order[start..<min(start + max(options.batch, 1), order.count)])
                let batchX = Matrix(rows: batch.count, columns: inputs, values: batch.flatMap { x.row($0) })
                var (loss, residual) = crossEntropy(parameters, batchX, batch.map { labels[$0] }, classes: classes)
                lossSum += loss * Double(batch.count)
                // ∂/∂W = (P − Y)ᵀ·X / n, ∂/∂b = column sums of (P − Y) / n.
                for k in residual.values.indices { residual.values[k] /= Double(batch.count) }
                var gradient = multiply(residual, batchX, transposeA: true).values
                gradient += (0..<classes).map { c in (0..<batch.count).reduce(0) { $0 + residual[$1, c] } }
                if options.weightDecay > 0 { for k in 0..<(classes * inputs) { gradient[k] += options.weightDecay * parameters[k] } }
                step += 1
                let correction1 = 1 - pow(0.9, Double(step)), correction2 = 1 - pow(0.999, Double(step))
                for k in parameters.indices {
                    m[k] = 0.9 * m[k] + 0.1 * gradient[k]
                    v[k] = 0.999 * v[k] + 0.001 * gradient[k] * gradient[k]
                    parameters[k] -= options.learningRate * (m[k] / correction1) / ((v[k] / correction2).squareRoot() + 1e-8)
                }
            }
            let trainingLoss = lossSum / Double(features.count)
            guard trainingLoss.isFinite else { throw MapperError.diverged(epoch: epoch) }
            var record = Epoch(epoch: epoch, trainingLoss: trainingLoss, validationLoss: nil, validationAccuracy: nil)
            if validationX.rows > 0 {
                let (loss, residual) = crossEntropy(parameters, validationX, validation.labels, classes: classes)
                // A row of P − Y holds the true class's probability − 1: right when no other class is more probable.
                let correct = validation.labels.enumerated().filter { n, truth in
                    let row = Array(residual.row(n))
                    return row.enumerated().allSatisfy { c, value in c == truth || value <= row[truth] + 1 }
                }.count
                record = Epoch(epoch: epoch, trainingLoss: trainingLoss, validationLoss: loss, validationAccuracy: Double(correct) / Double(validationX.rows))
            }
            curve.append(record)
            progress(record)
            let watched = record.validationLoss ?? trainingLoss
            if watched < best.loss { best = (watched, epoch, parameters) }
            if validationX.rows > 0 && epoch - best.epoch >= max(options.patience, 1) { break }
        }
        return (SoftmaxClassifier(inputs: inputs, classes: classes, values: best.parameters), curve, best.epoch)
    }

    /// The mean cross-entropy of the rows of `x` and the residual P − Y (softmax minus one-hot), one row per example.
    static func crossEntropy(_ parameters: [Double], _ x: Matrix, _ labels: [Int], classes: Int) -> (loss: Double, residual: Matrix) {
        let weights = Matrix(rows: classes, columns: x.columns, values: Array(parameters.prefix(classes * x.columns)))
        var z = multiply(x, weights, transposeB: true)
        var loss = 0.0
        for n in 0..<x.rows {
            let offset = n * classes
            var largest = -Double.infinity
            for c in 0..<classes {
                z.values[offset + c] += parameters[classes * x.columns + c]
                largest = max(largest, z.values[offset + c])
            }
            var total = 0.0
            for c in 0..<classes { z.values[offset + c] = exp(z.values[offset + c] - largest); total += z.values[offset + c] }
            for c in 0..<classes { z.values[offset + c] /= total }
            loss -= log(max(z.values[offset + labels[n]], 1e-300))
            z.values[offset + labels[n]] -= 1
        }
        return (loss / Double(max(x.rows, 1)), z)
    }
}
