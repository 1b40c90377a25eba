import COpenBLAS
import Foundation

/// How a photo looks apart from what it shows: the style of its textures and
/// strokes, and the composition of its colours (docs/SEARCH.md, facets).
public enum StyleDescriptor {
    /// Gram matrices G = FᵀF / (H·W) of the feature maps F (pixels × channels) the
    /// network taps in the same pass as its other outputs (Gatys et al. 2016; Gairola
    /// et al. use them for style retrieval): each one's upper triangle, signed square
    /// root, L2-normalised, so every tapped block weighs the same; then all of them
    /// together, normalised again. One image per map.
    public static func gram(_ maps: [FeatureMap]) -> [Float] {
        var row: [Float] = []
        for map in maps {
            precondition(map.count == 1, "one image per map")
            let channels = map.channels, pixels = map.height * map.width
            var gram = [Float](repeating: 0, count: channels * channels)
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(channels), Int32(pixels), 1 / Float(pixels), map.values, Int32(channels),
                        0, &gram, Int32(channels))
            var triangle: [Float] = []
            triangle.reserveCapacity(channels * (channels + 1) / 2)
            for i in 0..<channels { for j in i..<channels { let g = gram[i * channels + j]; triangle.append(g < 0 ? -(-g).squareRoot() : g.squareRoot()) } }
            row += normalized(triangle)
        }
        return normalized(row)
    }
}

/// Colour composition (Ha et al. define style by it): a CIELAB histogram of the
/// whole photo and of its four quarters, each pixel shared among the eight bins
/// around it (trilinear), so that near colours land in shared bins — which is how
/// the comparison respects colour proximity. Each region's histogram sums to 1 and
/// is stored as its square root, so the cosine of two descriptors is the mean
/// Bhattacharyya coefficient of their regions (Hellinger).
public enum ColourComposition {
    /// Bins of L* over [0, 100] and of a* and b* over [−96, 96] (clamped).
    public static let lightnessBins = 4, chromaBins = 6
    /// The whole photo, then the top-left, top-right, bottom-left and bottom-right quarters.
    public static let regions = 5
    public static var dims: Int { regions * lightnessBins * chromaBins * chromaBins }
    /// Photos are first shrunk so their longer side is at most this (the histogram barely changes; the cost does).
    public static let side = 128

    /// The photo's colour composition: `dims` values, unit length.
    public static func describe(_ image: RGBImage) -> [Float] {
        let scale = Double(side) / Double(max(image.width, image.height))
        let small = scale < 1
            ? Preprocessing.resize(image, width: max(1, Int((Double(image.width) * scale).rounded())), height: max(1, Int((Double(image.height) * scale).rounded())))
            : image
        let perRegion = lightnessBins * chromaBins * chromaBins
        var histogram = [Double](repeating: 0, count: dims)
        for y in 0..<small.height {
            for x in 0..<small.width {
                let p = (y * small.width + x) * 3
                let (l, a, b) = lab(small.pixels[p], small.pixels[p + 1], small.pixels[p + 2])
                let quarter = 1 + (y * 2 >= small.height ? 2 : 0) + (x * 2 >= small.width ? 1 : 0)
                for region in [0, quarter] { vote(l, a, b, into: &histogram, offset: region * perRegion) }
            }
        }
        var row = [Float](repeating: 0, count: dims)
        for region in 0..<regions {
            let range = (region * perRegion)..<((region + 1) * perRegion)
            let total = histogram[range].reduce(0, +)
            for i in range where total > 0 { row[i] = Float((histogram[i] / total).squareRoot()) }
        }
        return normalized(row)
    }

    /// Shares one pixel among the 2 × 2 × 2 bins whose centres surround it.
    private static func vote(_ l: Double, _ a: Double, _ b: Double, into histogram: inout [Double], offset: Int) {
        func position(_ value: Double, _ low: Double, _ high: Double, _ bins: Int) -> (Int, Int, Double) {
            let t = min(max((value - low) / (high - low) * Double(bins) - 0.5, 0), Double(bins - 1))
            let lower = min(Int(t), bins - 1)
            return (lower, min(lower + 1, bins - 1), t - Double(lower))
        }
        let (l0, l1, lw) = position(l, 0, 100, lightnessBins)
        let (a0, a1, aw) = position(a, -96, 96, chromaBins)
        let (b0, b1, bw) = position(b, -96, 96, chromaBins)
        for (li, lweight) in [(l0, 1 - lw), (l1, lw)] where lweight > 0 {
            for (ai, aweight) in [(a0, 1 - aw), (a1, aw)] where aweight > 0 {
                for (bi, bweight) in [(b0, 1 - bw), (b1, bw)] where bweight > 0 {
                    histogram[offset + (li * chromaBins + ai) * chromaBins + bi] += lweight * aweight * bweight
                }
            }
        }
    }

    /// sRGB (D65) to CIELAB.
    static func lab(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (Double, Double, Double) {
        let (lr, lg, lb) = (linear[Int(r)], linear[Int(g)], linear[Int(b)])
        let x = (0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / 0.95047
        let y = 0.2126729 * lr + 0.7151522 * lg + 0.0721750 * lb
        let z = (0.0193339 * lr + 0.1191920 * lg + 0.9503041 * lb) / 1.08883
        func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
        let (fx, fy, fz) = (f(x), f(y), f(z))
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    }

    /// The sRGB transfer curve undone, per byte value.
    private static let linear: [Double] = (0..<256).map { value in
        let c = Double(value) / 255
        return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
    }
}
