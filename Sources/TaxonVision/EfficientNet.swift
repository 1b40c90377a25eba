import COpenBLAS
import CVisionKernels
import Dispatch
import Foundation
import TaxonLinalg

/// A batch of feature maps in NHWC order, float32.
public struct FeatureMap: Sendable {
    public let count: Int
    public let height: Int
    public let width: Int
    public let channels: Int
    public var values: [Float]

    /// A batch of NHWC feature maps (zeros when `values` is nil).
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
    /// pointwise: [out][in]; full: [ky][kx][in][out]; depthwise: [ky][kx][channel].
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
                        case .full: weights[((ky * kernel + kx) * inputs + i) * outputs + o] = value
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
        precondition(kind != .depthwise || relu6, "the depthwise kernel always applies ReLU6")
    }

    func outputSize(_ size: Int) -> (size: Int, padBefore: Int) {
        let out = (size + stride - 1) / stride
        let pad = max((out - 1) * stride + kernel - size, 0)
        return (out, pad / 2)
    }

    func apply(_ input: FeatureMap, adding residual: FeatureMap? = nil, parallel: Bool = true) -> FeatureMap {
        precondition(input.channels == inputs, "expected \(inputs) channels, got \(input.channels)")
        let (outHeight, top) = outputSize(input.height)
        let (outWidth, left) = outputSize(input.width)
        var values: [Float]
        switch kind {
        case .pointwise:
            precondition(stride == 1 && kernel == 1)
            values = pointwise(input, adding: residual)
        case .full, .depthwise:
            precondition(residual == nil)
            values = convolveRows(input, height: outHeight, width: outWidth, top: top, left: left, parallel: parallel)
        }
        return FeatureMap(count: input.count, height: outHeight, width: outWidth, channels: outputs, values: values)
    }

    /// in[rows × inputs] · weightsᵀ (sgemm), then bias, ReLU6 and residual in one pass.
    private func pointwise(_ input: FeatureMap, adding residual: FeatureMap?) -> [Float] {
        let rows = input.count * input.height * input.width
        var output = [Float](unsafeUninitializedCapacity: rows * outputs) { _, count in count = rows * outputs }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs), 1, input.values, Int32(inputs),
                    weights, Int32(inputs), 0, &output, Int32(outputs))
        if let residual {
            taxon_bias_relu6_residual(&output, bias, residual.values, rows, Int32(outputs), relu6 ? 1 : 0)
        } else {
            taxon_bias_relu6_residual(&output, bias, nil, rows, Int32(outputs), relu6 ? 1 : 0)
        }
        return output
    }

    /// The full and depthwise convolutions, bias and ReLU6 included, in
    /// CVisionKernels; with `parallel` each image's output rows are shared out
    /// over the cores.
    private func convolveRows(_ input: FeatureMap, height outHeight: Int, width outWidth: Int, top: Int, left: Int, parallel: Bool) -> [Float] {
        let imageOutput = outHeight * outWidth * outputs, imageInput = input.height * input.width * inputs
        var output = [Float](unsafeUninitializedCapacity: input.count * imageOutput) { _, count in count = input.count * imageOutput }
        output.withUnsafeMutableBufferPointer { out in
            input.values.withUnsafeBufferPointer { source in
                let destination = UnsafeSendable(out.baseAddress!), from = UnsafeSendable(UnsafeMutablePointer(mutating: source.baseAddress!))
                let workers = parallel ? ProcessInfo.processInfo.activeProcessorCount : 1
                DispatchQueue.concurrentPerform(iterations: input.count * workers) { band in
                    let n = band / workers, part = band % workers
                    let (first, end) = (Int32(outHeight * part / workers), Int32(outHeight * (part + 1) / workers))
                    let (image, target) = (from.pointer + n * imageInput, destination.pointer + n * imageOutput)
                    if kind == .depthwise {
                        taxon_depthwise_relu6(image, Int32(input.height), Int32(input.width), Int32(inputs), weights, bias, Int32(kernel),
                                              Int32(stride), Int32(top), Int32(left), target, Int32(outWidth), first, end)
                    } else {
                        taxon_convolution(image, Int32(input.height), Int32(input.width), Int32(inputs), weights, bias, Int32(outputs),
                                          Int32(kernel), Int32(stride), Int32(top), Int32(left), relu6 ? 1 : 0, target, Int32(outWidth), first, end)
                    }
                }
            }
        }
        return output
    }
}

/// EfficientNet-Lite0 or -Lite2 (Tan & Le 2019; the Lite variants: ReLU6,
/// no squeeze-excitation, stem and head not scaled) for ImageNet
/// classification at 224 × 224 or 260 × 260, from the weights of
/// efficientnet-lite0-57934424.pth or efficientnet-lite2-9656183e.pth.
public struct EfficientNetLite: Sendable {
    /// The variants with published weights: Lite2 scales Lite0's widths by 1.1 and its inner stages' repeats by 1.2.
    public enum Variant: String, Sendable {
        case lite0, lite2

        /// (repeats, kernel, stride, expansion, input channels, output channels) per stage.
        var stages: [(Int, Int, Int, Int, Int, Int)] {
            switch self {
            case .lite0: return [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
                                 (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
            case .lite2: return [(1, 3, 1, 1, 32, 16), (3, 3, 2, 6, 16, 24), (3, 5, 2, 6, 24, 48), (4, 3, 2, 6, 48, 88),
                                 (4, 5, 1, 6, 88, 120), (5, 5, 2, 6, 120, 208), (1, 3, 1, 6, 208, 352)]
            }
        }

        /// The side of the square input: photos are resized to it + 32 on their shorter side and centre-cropped.
        public var inputSize: Int { self == .lite0 ? 224 : 260 }
    }

    struct Block: Sendable {
        let expand: FoldedConvolution?
        let depthwise: FoldedConvolution
        let project: FoldedConvolution
        let skip: Bool
    }

    public static let featureChannels = 1280
    public static let classes = 1000

    public let variant: Variant
    /// The side of the square input (224 for Lite0, 260 for Lite2).
    public var inputSize: Int { variant.inputSize }

    let stem: FoldedConvolution
    let blocks: [Block]
    let head: FoldedConvolution
    let fcWeights: [Float]
    let fcBias: [Float]

    /// Loads the weights — Lite2's when they hold its 21st block, else Lite0's — folding each BatchNorm into its
    /// convolution; throws naming a missing or misshapen tensor.
    public init(weights tensors: SafeTensors) throws {
        variant = tensors.names.contains("_blocks.20._project_conv.weight") ? .lite2 : .lite0
        stem = try FoldedConvolution(tensors, conv: "_conv_stem", batchNorm: "_bn0", kind: .full, kernel: 3, stride: 2, inputs: 3,
                                     outputs: 32, relu6: true)
        var blocks: [Block] = []
        for (repeats, kernel, stride, expansion, inputs, outputs) in variant.stages {
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
        head = try FoldedConvolution(tensors, conv: "_conv_head", batchNorm: "_bn1", kind: .pointwise, kernel: 1, stride: 1, inputs: variant.stages.last!.5,
                                     outputs: Self.featureChannels, relu6: true)
        fcWeights = try tensors.tensor("_fc.weight", shape: [Self.classes, Self.featureChannels])
        fcBias = try tensors.tensor("_fc.bias", shape: [Self.classes])
    }

    /// A photo as this network's input: its shorter side resized to the input size + 32, the centre cropped.
    public func input(_ image: RGBImage, name: String, resize: Bool = true) throws -> FeatureMap {
        try Preprocessing.input(image, name: name, resize: resize, size: inputSize)
    }

    /// The logits of every image and the last feature map (for descriptors and mappers).
    public struct Output: Sendable {
        /// count × 1000, row-major.
        public let logits: [Float]
        /// The last feature map (count × 7 × 7 × 1280 for 224² inputs, 9 × 9 for 260²), after the head's ReLU6.
        public let features: FeatureMap
        /// Each image's style descriptor (`StyleDescriptor.gram` of the `styleBlocks`' outputs) when asked for, else empty.
        public var style: [[Float]] = []
    }

    /// The blocks whose outputs the style descriptor taps: the last of the fourth stage (Lite0: block 7, 80 channels
    /// at 14²). Measured on the rendered sample (docs/SEARCH.md, facets): it alone ranks styles better than any earlier
    /// or later block and than every mix of them tried.
    public var styleBlocks: [Int] {
        let ends = variant.stages.map(\.0).reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1) }
        return [ends[3] - 1]
    }

    /// The network on a batch of preprocessed images (NHWC, 3 channels). Each
    /// image goes through alone, so that its largest feature maps (112 × 112
    /// × 96 floats, 4.8 MB) stay in cache. With two or more images, the cores
    /// take whole images, each running OpenBLAS single-threaded: no
    /// synchronisation inside the small late layers (7 × 7 pixels). A single
    /// image shares every layer out over the cores instead. On `workers` (background threads) the images
    /// are always shared out whole, however few.
    public func forward(_ input: FeatureMap, workers background: BackgroundWorkers? = nil, style: Bool = false) -> Output {
        let size = input.height * input.width * input.channels
        let image = { @Sendable (n: Int) in
            FeatureMap(count: 1, height: input.height, width: input.width, channels: input.channels,
                       values: Array(input.values[(n * size)..<((n + 1) * size)]))
        }
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, input.count)
        let outputs: [Output]
        if workers < 2 && background == nil {
            outputs = (0..<input.count).map { forwardOne(image($0), parallel: true, style: style) }
        } else {
            let blasThreads = openblas_get_num_threads()
            openblas_set_num_threads(1)
            defer { openblas_set_num_threads(blasThreads) }
            let network = self
            let yielding = background != nil
            outputs = (try? parallelMap(Array(0..<input.count), on: background) { network.forwardOne(image($0), parallel: false, yielding: yielding, style: style) }) ?? []
        }
        let last = outputs[0].features
        return Output(logits: outputs.flatMap(\.logits),
                      features: FeatureMap(count: input.count, height: last.height, width: last.width, channels: Self.featureChannels,
                                           values: outputs.flatMap(\.features.values)),
                      style: outputs.flatMap(\.style))
    }

    /// `yielding` (on background workers): the core is offered to waiting threads after every layer.
    private func forwardOne(_ input: FeatureMap, parallel: Bool, yielding: Bool = false, style: Bool = false) -> Output {
        let step = { if yielding { BackgroundWorkers.yieldToForeground() } }
        let taps = style ? Set(styleBlocks) : []
        var tapped: [FeatureMap] = []
        var x = stem.apply(input, parallel: parallel)
        step()
        for (n, block) in blocks.enumerated() {
            let inputs = x
            if let expand = block.expand { x = expand.apply(x, parallel: parallel); step() }
            x = block.depthwise.apply(x, parallel: parallel)
            step()
            x = block.project.apply(x, adding: block.skip ? inputs : nil, parallel: parallel)
            step()
            if taps.contains(n) { tapped.append(x) }
        }
        let features = head.apply(x, parallel: parallel)
        var logits = fcBias
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(Self.classes), Int32(Self.featureChannels), 1, fcWeights, Int32(Self.featureChannels),
                    globalAveragePool(features), 1, 1, &logits, 1)
        return Output(logits: logits, features: features, style: style ? [StyleDescriptor.gram(tapped)] : [])
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
