import COpenBLAS
import Dispatch
import Foundation

/// A batch of feature maps in NHWC order, float32.
public struct FeatureMap: Sendable {
    public let count: Int
    public let height: Int
    public let width: Int
    public let channels: Int
    public var values: [Float]

    public init(count: Int, height: Int, width: Int, channels: Int, values: [Float]? = nil) {
        self.count = count
        self.height = height
        self.width = width
        self.channels = channels
        self.values = values ?? [Float](repeating: 0, count: count * height * width * channels)
        precondition(self.values.count == count * height * width * channels, "values do not fill the map")
    }
}

/// A convolution with its BatchNorm folded in: w′ = w·γ/√(σ² + ε),
/// b′ = β − μ·γ/√(σ² + ε), followed by ReLU6 or nothing. TensorFlow's "same"
/// padding: the output is ⌈input/stride⌉ and an odd padding puts the extra
/// pixel at the bottom and right, as the reference's static padding does.
struct FoldedConvolution: Sendable {
    enum Kind { case pointwise, full, depthwise }
    let kind: Kind
    let kernel: Int
    let stride: Int
    let inputs: Int
    let outputs: Int
    /// pointwise: [out][in]; full: [out][ky][kx][in]; depthwise: [ky][kx][channel].
    let weights: [Float]
    let bias: [Float]
    let relu6: Bool

    static let epsilon: Float = 1e-3

    init(_ tensors: SafeTensors, conv: String, batchNorm: String, kind: Kind, kernel: Int, stride: Int, inputs: Int, outputs: Int,
         relu6: Bool) throws {
        let raw = try tensors.tensor(conv + ".weight", shape: [outputs, kind == .depthwise ? 1 : inputs, kernel, kernel])
        let gamma = try tensors.tensor(batchNorm + ".weight", shape: [outputs])
        let beta = try tensors.tensor(batchNorm + ".bias", shape: [outputs])
        let mean = try tensors.tensor(batchNorm + ".running_mean", shape: [outputs])
        let variance = try tensors.tensor(batchNorm + ".running_var", shape: [outputs])
        let scale = (0..<outputs).map { gamma[$0] / (variance[$0] + Self.epsilon).squareRoot() }
        var weights = [Float](repeating: 0, count: raw.count)
        for o in 0..<outputs {
            for i in 0..<(kind == .depthwise ? 1 : inputs) {
                for ky in 0..<kernel {
                    for kx in 0..<kernel {
                        // PyTorch's OIHW to this layout.
                        let value = raw[((o * (kind == .depthwise ? 1 : inputs) + i) * kernel + ky) * kernel + kx] * scale[o]
                        switch kind {
                        case .pointwise: weights[o * inputs + i] = value
                        case .full: weights[((o * kernel + ky) * kernel + kx) * inputs + i] = value
                        case .depthwise: weights[(ky * kernel + kx) * outputs + o] = value
                        }
                    }
                }
            }
        }
        self.kind = kind
        self.kernel = kernel
        self.stride = stride
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.bias = (0..<outputs).map { beta[$0] - mean[$0] * scale[$0] }
        self.relu6 = relu6
    }

    func outputSize(_ size: Int) -> (size: Int, padBefore: Int) {
        let out = (size + stride - 1) / stride
        let pad = max((out - 1) * stride + kernel - size, 0)
        return (out, pad / 2)
    }

    func apply(_ input: FeatureMap, adding residual: FeatureMap? = nil) -> FeatureMap {
        precondition(input.channels == inputs, "expected \(inputs) channels, got \(input.channels)")
        let (outHeight, top) = outputSize(input.height)
        let (outWidth, left) = outputSize(input.width)
        let pixels = input.count * outHeight * outWidth
        var values: [Float]
        switch kind {
        case .pointwise:
            precondition(stride == 1 && kernel == 1)
            values = gemm(rows: pixels, input.values)
            finish(&values, residual: residual)
        case .full:
            // im2col: one row of kernel·kernel·inputs values per output pixel (zeros where the padding is).
            let patch = kernel * kernel * inputs
            var columns = [Float](repeating: 0, count: pixels * patch)
            columns.withUnsafeMutableBufferPointer { target in
                input.values.withUnsafeBufferPointer { source in
                    for n in 0..<input.count {
                        for oy in 0..<outHeight {
                            for ox in 0..<outWidth {
                                let row = target.baseAddress! + ((n * outHeight + oy) * outWidth + ox) * patch
                                for ky in 0..<kernel {
                                    let iy = oy * stride + ky - top
                                    guard iy >= 0 && iy < input.height else { continue }
                                    for kx in 0..<kernel {
                                        let ix = ox * stride + kx - left
                                        guard ix >= 0 && ix < input.width else { continue }
                                        (row + (ky * kernel + kx) * inputs)
                                            .update(from: source.baseAddress! + ((n * input.height + iy) * input.width + ix) * inputs, count: inputs)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            values = gemm(rows: pixels, columns)
            finish(&values, residual: residual)
        case .depthwise:
            precondition(residual == nil)
            values = depthwise(input, height: outHeight, width: outWidth, top: top, left: left)
        }
        return FeatureMap(count: input.count, height: outHeight, width: outWidth, channels: outputs, values: values)
    }

    /// in[rows × k] · weightsᵀ + bias (sgemm onto rows prefilled with the bias).
    private func gemm(rows: Int, _ input: [Float]) -> [Float] {
        let k = kind == .pointwise ? inputs : kernel * kernel * inputs
        var output = [Float](unsafeUninitializedCapacity: rows * outputs) { buffer, count in
            for r in 0..<rows { _ = UnsafeMutableBufferPointer(rebasing: buffer[(r * outputs)..<((r + 1) * outputs)]).initialize(from: bias) }
            count = rows * outputs
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(k), 1, input, Int32(k),
                    weights, Int32(k), 1, &output, Int32(outputs))
        return output
    }

    /// Depthwise: each channel filtered alone; per output pixel the channels
    /// start at the bias, each tap adds in a contiguous (vectorised) loop over
    /// the channels, and ReLU6 is applied while the pixel is in cache. Output
    /// rows are shared out over the cores.
    private func depthwise(_ input: FeatureMap, height outHeight: Int, width outWidth: Int, top: Int, left: Int) -> [Float] {
        let channels = outputs, rows = input.count * outHeight
        var output = [Float](unsafeUninitializedCapacity: rows * outWidth * channels) { _, count in count = rows * outWidth * channels }
        output.withUnsafeMutableBufferPointer { out in
            input.values.withUnsafeBufferPointer { source in
                weights.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        let destination = UnsafeSendable(out.baseAddress!), from = UnsafeSendable(UnsafeMutablePointer(mutating: source.baseAddress!))
                        let filter = UnsafeSendable(UnsafeMutablePointer(mutating: w.baseAddress!))
                        let shift = UnsafeSendable(UnsafeMutablePointer(mutating: b.baseAddress!))
                        let workers = ProcessInfo.processInfo.activeProcessorCount
                        let (kernel, stride, height, width) = (kernel, stride, input.height, input.width)
                        DispatchQueue.concurrentPerform(iterations: workers) { worker in
                            for row in Swift.stride(from: worker, to: rows, by: workers) {
                                let n = row / outHeight, oy = row % outHeight
                                for ox in 0..<outWidth {
                                    let target = destination.pointer + ((n * outHeight + oy) * outWidth + ox) * channels
                                    target.update(from: shift.pointer, count: channels)
                                    for ky in 0..<kernel {
                                        let iy = oy * stride + ky - top
                                        guard iy >= 0 && iy < height else { continue }
                                        for kx in 0..<kernel {
                                            let ix = ox * stride + kx - left
                                            guard ix >= 0 && ix < width else { continue }
                                            let pixel = from.pointer + ((n * height + iy) * width + ix) * channels
                                            let tap = filter.pointer + (ky * kernel + kx) * channels
                                            for c in 0..<channels { target[c] += pixel[c] * tap[c] }
                                        }
                                    }
                                    for c in 0..<channels { target[c] = min(max(target[c], 0), 6) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// ReLU6 (where this convolution has it), then the residual.
    private func finish(_ values: inout [Float], residual: FeatureMap?) {
        values.withUnsafeMutableBufferPointer { v in
            switch (relu6, residual) {
            case (true, nil): for i in 0..<v.count { v[i] = min(max(v[i], 0), 6) }
            case (false, let residual?): residual.values.withUnsafeBufferPointer { r in for i in 0..<v.count { v[i] += r[i] } }
            case (true, let residual?): residual.values.withUnsafeBufferPointer { r in for i in 0..<v.count { v[i] = min(max(v[i], 0), 6) + r[i] } }
            case (false, nil): break
            }
        }
    }
}

/// A pointer handed to concurrentPerform workers that write disjoint parts.
struct UnsafeSendable: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}

/// EfficientNet-Lite0 (Tan & Le 2019; the Lite variant: ReLU6, no
/// squeeze-excitation, stem and head not scaled) for 224 × 224 ImageNet
/// classification, from the weights of efficientnet-lite0-57934424.pth.
public struct EfficientNetLite0: Sendable {
    struct Block: Sendable {
        let expand: FoldedConvolution?
        let depthwise: FoldedConvolution
        let project: FoldedConvolution
        let skip: Bool
    }

    /// (repeats, kernel, stride, expansion, input channels, output channels) per stage.
    static let stages = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
                         (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
    public static let featureChannels = 1280
    public static let classes = 1000
    public static let inputSize = 224

    let stem: FoldedConvolution
    let blocks: [Block]
    let head: FoldedConvolution
    let fcWeights: [Float]
    let fcBias: [Float]

    public init(weights tensors: SafeTensors) throws {
        stem = try FoldedConvolution(tensors, conv: "_conv_stem", batchNorm: "_bn0", kind: .full, kernel: 3, stride: 2, inputs: 3,
                                     outputs: 32, relu6: true)
        var blocks: [Block] = []
        for (repeats, kernel, stride, expansion, inputs, outputs) in Self.stages {
            for r in 0..<repeats {
                let p = "_blocks.\(blocks.count)."
                let cin = r == 0 ? inputs : outputs, hidden = cin * expansion
                let expand = expansion == 1 ? nil : try FoldedConvolution(
                    tensors, conv: p + "_expand_conv", batchNorm: p + "_bn0", kind: .pointwise, kernel: 1, stride: 1, inputs: cin,
                    outputs: hidden, relu6: true)
                let depthwise = try FoldedConvolution(tensors, conv: p + "_depthwise_conv", batchNorm: p + "_bn1", kind: .depthwise,
                                                      kernel: kernel, stride: r == 0 ? stride : 1, inputs: hidden, outputs: hidden, relu6: true)
                let project = try FoldedConvolution(tensors, conv: p + "_project_conv", batchNorm: p + "_bn2", kind: .pointwise, kernel: 1,
                                                    stride: 1, inputs: hidden, outputs: outputs, relu6: false)
                blocks.append(Block(expand: expand, depthwise: depthwise, project: project, skip: r > 0 || (stride == 1 && inputs == outputs)))
            }
        }
        self.blocks = blocks
        head = try FoldedConvolution(tensors, conv: "_conv_head", batchNorm: "_bn1", kind: .pointwise, kernel: 1, stride: 1, inputs: 320,
                                     outputs: Self.featureChannels, relu6: true)
        fcWeights = try tensors.tensor("_fc.weight", shape: [Self.classes, Self.featureChannels])
        fcBias = try tensors.tensor("_fc.bias", shape: [Self.classes])
    }

    public struct Output: Sendable {
        /// count × 1000, row-major.
        public let logits: [Float]
        /// The last feature map (count × 7 × 7 × 1280 for 224² inputs), after the head's ReLU6.
        public let features: FeatureMap
    }

    /// The network on a batch of preprocessed images (NHWC, 3 channels). The
    /// images go through one at a time: a single image's largest feature maps
    /// (112 × 112 × 96 floats, 4.8 MB) stay in cache, a batch's do not
    /// (measured: 67 images/s one by one, 54 in batches of 16).
    public func forward(_ input: FeatureMap) -> Output {
        let size = input.height * input.width * input.channels
        var logits: [Float] = [], features: [Float] = []
        var shape = (height: 0, width: 0)
        for n in 0..<input.count {
            let image = FeatureMap(count: 1, height: input.height, width: input.width, channels: input.channels,
                                   values: Array(input.values[(n * size)..<((n + 1) * size)]))
            let output = forwardOne(image)
            logits += output.logits
            features += output.features.values
            shape = (output.features.height, output.features.width)
        }
        return Output(logits: logits, features: FeatureMap(count: input.count, height: shape.height, width: shape.width,
                                                            channels: Self.featureChannels, values: features))
    }

    private func forwardOne(_ input: FeatureMap) -> Output {
        var x = stem.apply(input)
        for block in blocks {
            let inputs = x
            if let expand = block.expand { x = expand.apply(x) }
            x = block.depthwise.apply(x)
            x = block.project.apply(x, adding: block.skip ? inputs : nil)
        }
        let features = head.apply(x)
        var logits = fcBias
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(Self.classes), Int32(Self.featureChannels), 1, fcWeights, Int32(Self.featureChannels),
                    globalAveragePool(features), 1, 1, &logits, 1)
        return Output(logits: logits, features: features)
    }
}

/// The mean over each image's pixels: count × channels.
public func globalAveragePool(_ map: FeatureMap) -> [Float] {
    var pooled = [Float](repeating: 0, count: map.count * map.channels)
    let pixels = map.height * map.width
    for n in 0..<map.count {
        for p in 0..<pixels {
            let base = (n * pixels + p) * map.channels
            for c in 0..<map.channels { pooled[n * map.channels + c] += map.values[base + c] }
        }
    }
    return pooled.map { $0 / Float(pixels) }
}

/// exp(x − max) / Σ exp(x − max), in double precision.
public func softmax(_ logits: [Float]) -> [Double] {
    let largest = Double(logits.max() ?? 0)
    let exps = logits.map { exp(Double($0) - largest) }
    let total = exps.reduce(0, +)
    return exps.map { $0 / total }
}
