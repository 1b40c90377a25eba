import Foundation
import TaxonTesting
import XCTest
@testable import TaxonVision

/// The style facet's parts: the renderings of the style benchmark, the colour
/// histogram, and the Gram style descriptor on real photos.
final class StyleDescriptorTests: XCTestCase {
    private func photo(_ path: String) throws -> RGBImage { try ImageDecoder.decode(file: path) }
    private func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// A 2 × 1 image: pure red, then mid-grey.
    private let tiny = RGBImage(width: 2, height: 1, pixels: [255, 0, 0, 128, 128, 128])

    func testRenderingsByHand() {
        XCTAssertEqual(RenderedStyle.greyscale.render(tiny).pixels, [76, 76, 76, 128, 128, 128])  // 0.299 · 255
        XCTAssertEqual(RenderedStyle.inverted.render(tiny).pixels, [0, 255, 255, 127, 127, 127])
        XCTAssertEqual(RenderedStyle.sepia.render(tiny).pixels, [100, 89, 69, 173, 154, 120])  // 0.393 · 255 = 100.2, 1.351 · 128 = 172.9 …
        XCTAssertEqual(RenderedStyle.posterised.render(tiny).pixels, [255, 0, 0, 170, 170, 170])  // 128 stays 128 → 1.5 → level 2 of 0…3
        // Hue half way round: grey stays, red turns cyan (YIQ by hand: R −102 → 0, G 152.4, B 152.7).
        XCTAssertEqual(RenderedStyle.hueRotated.render(tiny).pixels, [0, 152, 153, 128, 128, 128])
    }

    func testRenderingsAreReproducibleAndChangeThePhoto() throws {
        let cat = try photo(try TestData.chelsea())
        for style in RenderedStyle.allCases {
            let once = style.render(cat), twice = style.render(cat)
            XCTAssertEqual(once, twice, style.rawValue)
            XCTAssertNotEqual(once.pixels, cat.pixels, style.rawValue)
            XCTAssertEqual([once.width, once.height], [cat.width, cat.height])
        }
        XCTAssertEqual(RenderedStyle.inverted.render(RenderedStyle.inverted.render(cat)), cat)
        let pencil = RenderedStyle.pencil.render(cat).pixels
        XCTAssertGreaterThan(Double(pencil.filter { $0 > 200 }.count) / Double(pencil.count), 0.5, "mostly white paper")
    }

    /// Lab of sRGB white, black and red against the standard values (D65).
    func testCIELAB() {
        let white = ColourComposition.lab(255, 255, 255), black = ColourComposition.lab(0, 0, 0), red = ColourComposition.lab(255, 0, 0)
        XCTAssertEqual(white.0, 100, accuracy: 0.01); XCTAssertEqual(white.1, 0, accuracy: 0.01); XCTAssertEqual(white.2, 0, accuracy: 0.01)
        XCTAssertEqual(black.0, 0, accuracy: 0.01)
        XCTAssertEqual(red.0, 53.24, accuracy: 0.05); XCTAssertEqual(red.1, 80.09, accuracy: 0.05); XCTAssertEqual(red.2, 67.20, accuracy: 0.05)
    }

    func testColourCompositionRespectsColourProximity() throws {
        let cat = try photo(try TestData.chelsea())
        let row = ColourComposition.describe(cat)
        XCTAssertEqual(row.count, ColourComposition.dims)
        XCTAssertEqual(ColourComposition.dims, 720)
        // Every region holds a fifth of the squared mass: each is a unit Hellinger vector before the whole is normalised.
        let perRegion = ColourComposition.dims / ColourComposition.regions
        for region in 0..<ColourComposition.regions {
            XCTAssertEqual(row[(region * perRegion)..<((region + 1) * perRegion)].reduce(0) { $0 + $1 * $1 }, 0.2, accuracy: 1e-4)
        }
        // A slightly brighter copy shares nearly every bin (soft binning); the same photo hue-turned or inverted does not.
        let brighter = RGBImage(width: cat.width, height: cat.height, pixels: cat.pixels.map { UInt8(min(Int($0) + 10, 255)) })
        let near = cosine(row, ColourComposition.describe(brighter))
        XCTAssertGreaterThan(near, 0.95)
        XCTAssertLessThan(cosine(row, ColourComposition.describe(RenderedStyle.hueRotated.render(cat))), near - 0.2)
        XCTAssertLessThan(cosine(row, ColourComposition.describe(RenderedStyle.inverted.render(cat))), near - 0.2)
        // Where the colours are counts: the photo mirrored left to right has the same whole-photo histogram, other quarters.
        var mirrored = cat
        for y in 0..<cat.height { for x in 0..<cat.width { for c in 0..<3 { mirrored.pixels[(y * cat.width + x) * 3 + c] = cat.pixels[(y * cat.width + cat.width - 1 - x) * 3 + c] } } }
        let flipped = ColourComposition.describe(mirrored)
        XCTAssertEqual(cosine(Array(row[..<perRegion]), Array(flipped[..<perRegion])) / 0.2, 1, accuracy: 0.02)
        XCTAssertLessThan(cosine(row, flipped), 0.999)
    }

    /// The Gram style descriptor on real photos: a rendering style is shared across photos (two pencil drawings of
    /// different things are nearer in style than a drawing and a photo of the same thing), and unit length.
    func testGramStyleSeesTheRenderingAcrossPhotos() throws {
        let network = try EfficientNetLite(weights: SafeTensors(path: try TestData.weights()))
        XCTAssertEqual(network.styleBlocks, [7])
        let sample = try TestData.imagenetSample()
        let files = try FileManager.default.contentsOfDirectory(atPath: sample).filter { $0.hasPrefix("n02099601") || $0.hasPrefix("n04285008") }.sorted()
        let dog = try photo(sample + "/" + files[0]), car = try photo(sample + "/" + files[1])
        func style(_ image: RGBImage) throws -> [Float] {
            let output = network.forward(try network.input(image, name: "photo"), style: true)
            return output.style[0]
        }
        let dogPencil = try style(RenderedStyle.pencil.render(dog)), carPencil = try style(RenderedStyle.pencil.render(car))
        XCTAssertEqual(dogPencil.count, 80 * 81 / 2)
        XCTAssertEqual(dogPencil.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4)
        XCTAssertGreaterThan(cosine(dogPencil, carPencil), cosine(dogPencil, try style(dog)))
        let dogGrey = try style(RenderedStyle.greyscale.render(dog)), carGrey = try style(RenderedStyle.greyscale.render(car))
        XCTAssertGreaterThan(cosine(dogGrey, carGrey), cosine(dogGrey, try style(car)), "two greyscale photos share a style a colour photo lacks")
        XCTAssertGreaterThan(cosine(dogGrey, try style(dog)), cosine(dogGrey, try style(car)), "a greyscale copy is nearer its photo than another photo")
        // The taps change nothing else.
        let plain = network.forward(try network.input(dog, name: "dog")), styled = network.forward(try network.input(dog, name: "dog"), style: true)
        XCTAssertEqual(plain.logits, styled.logits)
        XCTAssertTrue(plain.style.isEmpty)
    }
}
