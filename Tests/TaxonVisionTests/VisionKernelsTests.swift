import CVisionKernels
import TaxonLinalg
import XCTest

/// The C kernels against plain loops, on sizes that reach every channel-block
/// path (64, 16, single) and the padding at every border.
final class VisionKernelsTests: XCTestCase {
    /// TensorFlow "same" padding: (output size, padding before).
    private func same(_ size: Int, kernel: Int, stride: Int) -> (Int, Int) {
        let out = (size + stride - 1) / stride
        return (out, max((out - 1) * stride + kernel - size, 0) / 2)
    }

    private func random(_ count: Int, _ generator: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in Float(generator.nextUnit() * 2 - 1) }
    }

    func testDepthwiseMatchesPlainLoops() {
        var generator = SplitMix64(seed: 5)
        for (height, width, channels, kernel, stride) in [(9, 7, 85, 3, 1), (8, 11, 37, 5, 2), (5, 5, 3, 5, 1)] {
            let input = random(height * width * channels, &generator)
            let weights = random(kernel * kernel * channels, &generator), bias = random(channels, &generator)
            let (outHeight, top) = same(height, kernel: kernel, stride: stride), (outWidth, left) = same(width, kernel: kernel, stride: stride)
            var output = [Float](repeating: .nan, count: outHeight * outWidth * channels)
            // Two calls for two bands of rows, as the network's workers make them.
            taxon_depthwise_relu6(input, Int32(height), Int32(width), Int32(channels), weights, bias, Int32(kernel), Int32(stride),
                                  Int32(top), Int32(left), &output, Int32(outWidth), 0, Int32(outHeight / 2))
            taxon_depthwise_relu6(input, Int32(height), Int32(width), Int32(channels), weights, bias, Int32(kernel), Int32(stride),
                                  Int32(top), Int32(left), &output, Int32(outWidth), Int32(outHeight / 2), Int32(outHeight))
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    for c in 0..<channels {
                        var sum = bias[c]
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let (iy, ix) = (oy * stride + ky - top, ox * stride + kx - left)
                                if iy >= 0 && iy < height && ix >= 0 && ix < width {
                                    sum += input[(iy * width + ix) * channels + c] * weights[(ky * kernel + kx) * channels + c]
                                }
                            }
                        }
                        XCTAssertEqual(output[(oy * outWidth + ox) * channels + c], min(max(sum, 0), 6), accuracy: 1e-5)
                    }
                }
            }
        }
    }

    func testConvolutionMatchesPlainLoops() {
        var generator = SplitMix64(seed: 6)
        for (height, width, inputs, outputs, kernel, stride, relu6) in [(9, 8, 3, 40, 3, 2, true), (6, 7, 2, 5, 3, 1, false)] {
            let input = random(height * width * inputs, &generator)
            let weights = random(kernel * kernel * inputs * outputs, &generator), bias = random(outputs, &generator)
            let (outHeight, top) = same(height, kernel: kernel, stride: stride), (outWidth, left) = same(width, kernel: kernel, stride: stride)
            var output = [Float](repeating: .nan, count: outHeight * outWidth * outputs)
            taxon_convolution(input, Int32(height), Int32(width), Int32(inputs), weights, bias, Int32(outputs), Int32(kernel), Int32(stride),
                              Int32(top), Int32(left), relu6 ? 1 : 0, &output, Int32(outWidth), 0, Int32(outHeight))
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    for o in 0..<outputs {
                        var sum = bias[o]
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let (iy, ix) = (oy * stride + ky - top, ox * stride + kx - left)
                                guard iy >= 0 && iy < height && ix >= 0 && ix < width else { continue }
                                for i in 0..<inputs {
                                    sum += input[(iy * width + ix) * inputs + i] * weights[((ky * kernel + kx) * inputs + i) * outputs + o]
                                }
                            }
                        }
                        XCTAssertEqual(output[(oy * outWidth + ox) * outputs + o], relu6 ? min(max(sum, 0), 6) : sum, accuracy: 1e-5)
                    }
                }
            }
        }
    }

    func testBiasReLU6Residual() {
        var values: [Float] = [-1, 2, 7, 0.5, 3, -4]
        let bias: [Float] = [0.5, 1, -2], residual: [Float] = [1, 1, 1, 2, 2, 2]
        var plain = values
        taxon_bias_relu6_residual(&plain, bias, nil, 2, 3, 0)
        XCTAssertEqual(plain, [-0.5, 3, 5, 1, 4, -6])
        taxon_bias_relu6_residual(&values, bias, residual, 2, 3, 1)
        XCTAssertEqual(values, [1, 4, 6, 3, 6, 2])
    }
}
