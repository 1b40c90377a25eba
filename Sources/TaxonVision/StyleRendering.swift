import Foundation

/// Reproducible renderings of a photo in one of several styles, for a style
/// benchmark that needs no new labels: every rendered photo keeps its object and
/// gains a style label (`taxon eval style`).
public enum RenderedStyle: String, CaseIterable, Sendable, Codable {
    case greyscale, sepia, posterised, inverted, blurred, pencil, hueRotated = "hue-rotated"

    /// The photo in this style, the same size.
    public func render(_ image: RGBImage) -> RGBImage {
        var out = image
        let count = image.width * image.height
        func pixel(_ i: Int) -> (Double, Double, Double) {
            (Double(image.pixels[3 * i]), Double(image.pixels[3 * i + 1]), Double(image.pixels[3 * i + 2]))
        }
        func set(_ i: Int, _ r: Double, _ g: Double, _ b: Double) {
            out.pixels[3 * i] = Self.byte(r); out.pixels[3 * i + 1] = Self.byte(g); out.pixels[3 * i + 2] = Self.byte(b)
        }
        switch self {
        case .greyscale:
            for i in 0..<count { let (r, g, b) = pixel(i), y = 0.299 * r + 0.587 * g + 0.114 * b; set(i, y, y, y) }
        case .sepia:
            for i in 0..<count {
                let (r, g, b) = pixel(i)
                set(i, 0.393 * r + 0.769 * g + 0.189 * b, 0.349 * r + 0.686 * g + 0.168 * b, 0.272 * r + 0.534 * g + 0.131 * b)
            }
        case .posterised:  // contrast × 1.6 about mid-grey, then 4 levels a channel
            for i in 0..<3 * count {
                let stretched = min(max((Double(image.pixels[i]) - 128) * 1.6 + 128, 0), 255)
                out.pixels[i] = Self.byte((stretched / 255 * 3).rounded() * 85)
            }
        case .inverted:
            for i in 0..<3 * count { out.pixels[i] = 255 - image.pixels[i] }
        case .blurred:  // three box passes each way ≈ a Gaussian of σ ≈ radius
            let radius = max(2, min(image.width, image.height) / 40)
            for _ in 0..<3 { out = Self.boxBlur(out, radius: radius) }
        case .pencil:  // dark strokes where the greyscale photo has edges (Sobel), on white
            let grey = RenderedStyle.greyscale.render(image)
            for y in 0..<image.height {
                for x in 0..<image.width {
                    func at(_ dx: Int, _ dy: Int) -> Double {
                        Double(grey.pixels[3 * (min(max(y + dy, 0), image.height - 1) * image.width + min(max(x + dx, 0), image.width - 1))])
                    }
                    let gx = at(1, -1) + 2 * at(1, 0) + at(1, 1) - at(-1, -1) - 2 * at(-1, 0) - at(-1, 1)
                    let gy = at(-1, 1) + 2 * at(0, 1) + at(1, 1) - at(-1, -1) - 2 * at(0, -1) - at(1, -1)
                    let value = 255 - min((gx * gx + gy * gy).squareRoot(), 255)
                    set(y * image.width + x, value, value, value)
                }
            }
        case .hueRotated:  // hue turned half way round in YIQ: chroma (I, Q) negated, brightness kept
            for i in 0..<count {
                let (r, g, b) = pixel(i)
                let y = 0.299 * r + 0.587 * g + 0.114 * b
                let ci = -(0.596 * r - 0.274 * g - 0.322 * b), cq = -(0.211 * r - 0.523 * g + 0.312 * b)
                set(i, y + 0.956 * ci + 0.621 * cq, y - 0.272 * ci - 0.647 * cq, y - 1.106 * ci + 1.703 * cq)
            }
        }
        return out
    }

    private static func byte(_ value: Double) -> UInt8 { UInt8(min(max(value.rounded(), 0), 255)) }

    /// A box blur of the given radius along rows, then along columns (edges repeated).
    private static func boxBlur(_ image: RGBImage, radius: Int) -> RGBImage {
        func pass(_ source: [UInt8], width: Int, height: Int, horizontal: Bool) -> [UInt8] {
            var out = source
            let (lines, length) = horizontal ? (height, width) : (width, height)
            let window = Double(2 * radius + 1)
            for line in 0..<lines {
                func index(_ t: Int) -> Int {
                    let clamped = min(max(t, 0), length - 1)
                    return 3 * (horizontal ? line * width + clamped : clamped * width + line)
                }
                for c in 0..<3 {
                    var sum = 0.0
                    for t in -radius...radius { sum += Double(source[index(t) + c]) }
                    for t in 0..<length {
                        out[index(t) + c] = byte(sum / window)
                        sum += Double(source[index(t + radius + 1) + c]) - Double(source[index(t - radius) + c])
                    }
                }
            }
            return out
        }
        let rows = pass(image.pixels, width: image.width, height: image.height, horizontal: true)
        return RGBImage(width: image.width, height: image.height, pixels: pass(rows, width: image.width, height: image.height, horizontal: false))
    }
}
