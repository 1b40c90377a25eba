import Foundation

/// The network's input: the shorter side resized to size + 32 (256 for
/// Lite0's 224) with an antialiased bilinear (triangle) filter, the centre
/// size × size cropped, and each value mapped to (x/255 − 0.5)/0.5 ∈ [−1, 1].
public enum Preprocessing {
    /// An image the network cannot take as asked (without resizing it must already be size × size).
    public enum PreprocessingError: Error, CustomStringConvertible, Equatable {
        case notNetworkSized(String, width: Int, height: Int, size: Int)

        public var description: String {
            switch self {
            case let .notNetworkSized(name, width, height, size):
                return "\(name): --no-resize needs a \(size) × \(size) image, this one is \(width) × \(height)"
            }
        }
    }

    /// The image as one NHWC input (1 × size × size × 3); with `resize` false it must already be size × size.
    public static func input(_ image: RGBImage, name: String, resize: Bool = true, size: Int) throws -> FeatureMap {
        var image = image
        if resize {
            image = centreCrop(resizeShorterSide(image, to: size + 32), to: size)
        } else if image.width != size || image.height != size {
            throw PreprocessingError.notNetworkSized(name, width: image.width, height: image.height, size: size)
        }
        return FeatureMap(count: 1, height: size, width: size, channels: 3, values: image.pixels.map { (Float($0) / 255 - 0.5) / 0.5 })
    }

    /// Several inputs of one size as one batch.
    public static func batch(_ inputs: [FeatureMap]) -> FeatureMap {
        FeatureMap(count: inputs.count, height: inputs.first?.height ?? 0, width: inputs.first?.width ?? 0, channels: 3, values: inputs.flatMap(\.values))
    }

    /// Resizes so that the shorter side is `size`, antialiased (a triangle filter widened when shrinking).
    public static func resizeShorterSide(_ image: RGBImage, to size: Int) -> RGBImage {
        let scale = Double(size) / Double(min(image.width, image.height))
        let width = image.width <= image.height ? size : max(1, Int((Double(image.width) * scale).rounded()))
        let height = image.height < image.width ? size : max(1, Int((Double(image.height) * scale).rounded()))
        return resize(image, width: width, height: height)
    }

    /// The central `size` × `size` square.
    public static func centreCrop(_ image: RGBImage, to size: Int) -> RGBImage {
        let width = min(size, image.width), height = min(size, image.height)
        let left = (image.width - width) / 2, top = (image.height - height) / 2
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        for y in top..<(top + height) { pixels += image.pixels[((y * image.width + left) * 3)..<((y * image.width + left + width) * 3)] }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Separable resampling with a triangle filter whose support widens with
    /// the downscaling factor (antialiasing), pixel centres aligned as in PIL.
    public static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        let horizontal = taps(from: image.width, to: width), vertical = taps(from: image.height, to: height)
        // Rows first, kept in floating point, then columns, rounded once.
        var rows = [Float](repeating: 0, count: image.height * width * 3)
        for y in 0..<image.height {
            for x in 0..<width {
                var sum: (Float, Float, Float) = (0, 0, 0)
                for (index, weight) in horizontal[x] {
                    let p = (y * image.width + index) * 3
                    sum.0 += weight * Float(image.pixels[p])
                    sum.1 += weight * Float(image.pixels[p + 1])
                    sum.2 += weight * Float(image.pixels[p + 2])
                }
                let q = (y * width + x) * 3
                (rows[q], rows[q + 1], rows[q + 2]) = sum
            }
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                var sum: (Float, Float, Float) = (0, 0, 0)
                for (index, weight) in vertical[y] {
                    let p = (index * width + x) * 3
                    sum.0 += weight * rows[p]
                    sum.1 += weight * rows[p + 1]
                    sum.2 += weight * rows[p + 2]
                }
                let q = (y * width + x) * 3
                pixels[q] = UInt8(min(max(sum.0.rounded(), 0), 255))
                pixels[q + 1] = UInt8(min(max(sum.1.rounded(), 0), 255))
                pixels[q + 2] = UInt8(min(max(sum.2.rounded(), 0), 255))
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// For each output position, the source indices and normalised weights.
    static func taps(from source: Int, to target: Int) -> [[(Int, Float)]] {
        let scale = Double(source) / Double(target)
        let support = max(scale, 1)
        return (0..<target).map { i in
            let centre = (Double(i) + 0.5) * scale
            let low = max(Int((centre - support).rounded(.down)), 0), high = min(Int((centre + support).rounded(.up)), source)
            var taps: [(Int, Float)] = []
            for j in low..<high {
                let weight = max(0, 1 - abs((Double(j) + 0.5 - centre) / support))
                if weight > 0 { taps.append((j, Float(weight))) }
            }
            let total = taps.reduce(Float(0)) { $0 + $1.1 }
            return taps.map { ($0.0, $0.1 / total) }
        }
    }
}
