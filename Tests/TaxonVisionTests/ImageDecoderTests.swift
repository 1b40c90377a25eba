import CPNG
import CTurboJPEG
import Foundation
import TaxonLinalg
import TaxonTesting
import XCTest
@testable import TaxonVision

final class ImageDecoderTests: XCTestCase {
    static let repository = EfficientNetTests.repository
    static let sample = repository.deletingLastPathComponent().appendingPathComponent("shared/data/imagenet-sample")

    /// A JPEG of `pixels` (RGB, or CMYK with 4 channels) via TurboJPEG.
    private func jpeg(width: Int, height: Int, pixels: [UInt8], cmyk: Bool = false) throws -> [UInt8] {
        let handle = try XCTUnwrap(tjInitCompress())
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let format = cmyk ? TJPF_CMYK : TJPF_RGB
        XCTAssertEqual(tjCompress2(handle, pixels, Int32(width), 0, Int32(height), Int32(format.rawValue), &buffer, &size,
                                   Int32(TJSAMP_444.rawValue), 95, 0), 0)
        defer { tjFree(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }

    private func samplePhoto() throws -> Data {
        try TestData.require(Self.sample.path, from: "the shared data folder beside the repository (../shared/data)")
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: Self.sample.path).filter({ $0.hasSuffix(".jpg") }).min())
        return try Data(contentsOf: Self.sample.appendingPathComponent(name))
    }

    func testBadFilesAreClearErrors() throws {
        XCTAssertThrowsError(try ImageDecoder.decode(Data(), name: "empty.jpg")) { XCTAssertEqual($0 as? ImageError, .empty("empty.jpg")) }
        XCTAssertThrowsError(try ImageDecoder.decode(Data("just text\n".utf8), name: "text.jpg")) {
            XCTAssertEqual($0 as? ImageError, .unknownFormat("text.jpg"))
        }
        XCTAssertThrowsError(try ImageDecoder.decode(file: "/nonexistent/x.png")) { XCTAssertEqual($0 as? ImageError, .unreadable("/nonexistent/x.png")) }
        let photo = try samplePhoto()
        XCTAssertThrowsError(try ImageDecoder.decode(photo.prefix(photo.count / 2), name: "half.jpg")) { error in
            guard case .corrupt("half.jpg", _) = error as? ImageError else { return XCTFail("\(error)") }
        }
        let png = try Data(contentsOf: Self.repository.appendingPathComponent("models/data/chelsea.png"))
        XCTAssertThrowsError(try ImageDecoder.decode(png.prefix(png.count / 2), name: "half.png")) { error in
            guard case .corrupt("half.png", _) = error as? ImageError else { return XCTFail("\(error)") }
        }
        // A PNG whose header claims 100,000 × 100,000: refused before any pixel is read.
        XCTAssertThrowsError(try ImageDecoder.decode(Data(hugePNGHeader()), name: "huge.png")) {
            XCTAssertEqual($0 as? ImageError, .tooLarge("huge.png", width: 100_000, height: 100_000, limit: ImageDecoder.defaultPixelLimit))
        }
    }

    /// The signature and an IHDR chunk (with its CRC) for a 100,000² RGB image, then an empty IDAT and IEND.
    private func hugePNGHeader() -> [UInt8] {
        func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        func crc(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                c ^= UInt32(byte)
                for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            }
            return c ^ 0xFFFF_FFFF
        }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return bigEndian(UInt32(body.count)) + typed + bigEndian(crc(typed))
        }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", bigEndian(100_000) + bigEndian(100_000) + [8, 2, 0, 0, 0])
            + chunk("IDAT", []) + chunk("IEND", [])
    }

    func testCMYKJPEGDecodes() throws {
        // Adobe-style inverted CMYK: (C, M, Y, K) = (255, 0, 0, 255) is pure red once inverted back.
        let pixels = [UInt8]((0..<(16 * 8)).map { _ -> [UInt8] in [255, 0, 0, 255] }.joined())
        let image = try ImageDecoder.decode(Data(try jpeg(width: 16, height: 8, pixels: pixels, cmyk: true)), name: "cmyk.jpg")
        XCTAssertEqual(image.width, 16)
        XCTAssertEqual(image.height, 8)
        for p in 0..<(16 * 8) {
            XCTAssertGreaterThan(image.pixels[3 * p], 240)
            XCTAssertLessThan(image.pixels[3 * p + 1], 15)
            XCTAssertLessThan(image.pixels[3 * p + 2], 15)
        }
    }

    func testEXIFOrientationIsApplied() throws {
        // 16 × 8: left half black, right half white.
        let pixels = (0..<8).flatMap { _ in (0..<16).flatMap { x in [UInt8](repeating: x < 8 ? 0 : 255, count: 3) } }
        var bytes = try jpeg(width: 16, height: 8, pixels: pixels)
        // APP1 "Exif\0\0", little-endian TIFF, one IFD0 entry: orientation (0x0112, SHORT, 1) = 6 (rotate 90° clockwise).
        let tiff: [UInt8] = [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        bytes.insert(contentsOf: [0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload, at: 2)
        XCTAssertEqual(ImageDecoder.exifOrientation(bytes), 6)
        let image = try ImageDecoder.decode(Data(bytes), name: "rotated.jpg")
        XCTAssertEqual(image.width, 8)
        XCTAssertEqual(image.height, 16)
        // Turned clockwise, the black left half is now on top.
        XCTAssertLessThan(image.pixels[(2 * 8 + 4) * 3], 30)
        XCTAssertGreaterThan(image.pixels[(13 * 8 + 4) * 3], 225)
    }

    /// Random byte flips in real JPEG and PNG files: errors are fine, crashes are not.
    func testCorruptedFilesNeverCrash() throws {
        let photo = [UInt8](try samplePhoto())
        let png = [UInt8](try Data(contentsOf: Self.repository.appendingPathComponent("models/data/chelsea.png")))
        var generator = SplitMix64(seed: 5)
        var decoded = 0, refused = 0
        for iteration in 0..<2_000 {
            var bytes = iteration % 4 == 0 ? png : photo
            for _ in 0..<(1 + Int(generator.next() % 8)) {
                // Mostly near the start, where the headers are.
                let limit = generator.next() % 2 == 0 ? min(bytes.count, 2_048) : bytes.count
                bytes[Int(generator.next() % UInt64(limit))] = UInt8(truncatingIfNeeded: generator.next())
            }
            if generator.next() % 5 == 0 { bytes.removeLast(Int(generator.next() % UInt64(bytes.count / 2))) }
            do {
                let image = try ImageDecoder.decode(Data(bytes), name: "fuzz")
                XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                decoded += 1
            } catch is ImageError {
                refused += 1
            }
        }
        XCTAssertEqual(decoded + refused, 2_000)
    }

    func testPreprocessing() throws {
        // A constant image stays constant through the resize; sizes follow the shorter side.
        let grey = RGBImage(width: 500, height: 300, pixels: [UInt8](repeating: 128, count: 500 * 300 * 3))
        let resized = Preprocessing.resizeShorterSide(grey, to: 256)
        XCTAssertEqual(resized.height, 256)
        XCTAssertEqual(resized.width, 427)
        XCTAssertTrue(resized.pixels.allSatisfy { $0 == 128 })
        let input = try Preprocessing.input(grey, name: "grey", size: 224)
        XCTAssertEqual(input.values.count, 224 * 224 * 3)
        XCTAssertTrue(input.values.allSatisfy { abs($0 - (128.0 / 255 - 0.5) / 0.5) < 1e-6 })
        XCTAssertThrowsError(try Preprocessing.input(grey, name: "grey", resize: false, size: 224)) {
            XCTAssertEqual($0 as? Preprocessing.PreprocessingError, .notNetworkSized("grey", width: 500, height: 300, size: 224))
        }
        // Downscaling averages: alternate black and white columns become mid-grey.
        let stripes = RGBImage(width: 512, height: 512, pixels: (0..<512).flatMap { _ in (0..<512).flatMap { x in [UInt8](repeating: x % 2 == 0 ? 0 : 255, count: 3) } })
        let small = Preprocessing.resize(stripes, width: 256, height: 256)
        for y in 0..<256 {
            // Inside, weights 1/8, 3/8, 3/8, 1/8 over a black-white-black-white run; at the edges the taps are renormalised.
            for x in 1..<255 { XCTAssertEqual(small.pixels[(y * 256 + x) * 3], 128) }
        }
    }

    /// A PNG written by libpng's simplified API from `pixels` in `format` (2-byte channels for the linear formats).
    private func png(width: Int, height: Int, format: Int32, pixels: [UInt8], colormap: [UInt8]? = nil) throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(format)
        if let colormap { image.colormap_entries = UInt32(colormap.count / 3) }
        var size = 0
        XCTAssertNotEqual(png_image_write_to_memory(&image, nil, &size, 0, pixels, 0, colormap), 0)
        var memory = [UInt8](repeating: 0, count: size)
        XCTAssertNotEqual(png_image_write_to_memory(&image, &memory, &size, 0, pixels, 0, colormap), 0)
        return Data(memory.prefix(size))
    }

    func testPNGVariantsBecomeRGB() throws {
        // Grey: each value copied to R, G and B.
        let grey = try ImageDecoder.decode(try png(width: 4, height: 1, format: Int32(PNG_FORMAT_GRAY), pixels: [0, 50, 100, 255]), name: "grey.png")
        XCTAssertEqual(grey.pixels, [0, 0, 0, 50, 50, 50, 100, 100, 100, 255, 255, 255])
        // Grey + alpha: transparent black shows the white background, opaque black stays black.
        let alpha = try ImageDecoder.decode(try png(width: 2, height: 1, format: Int32(PNG_FORMAT_GA), pixels: [0, 0, 0, 255]), name: "ga.png")
        XCTAssertEqual(alpha.pixels, [255, 255, 255, 0, 0, 0])
        // RGBA half-transparent red over white: red stays full, green and blue in between.
        let rgba = try ImageDecoder.decode(try png(width: 1, height: 1, format: Int32(PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA), pixels: [255, 0, 0, 128]), name: "rgba.png")
        XCTAssertEqual(rgba.pixels[0], 255)
        XCTAssertTrue((100...220).contains(rgba.pixels[1]) && rgba.pixels[1] == rgba.pixels[2], "\(rgba.pixels)")
        // 16-bit (linear) grey: the extremes map to 0 and 255, and the order is kept.
        let levels: [UInt16] = [0, 1_000, 30_000, 65_535]
        let wide = try ImageDecoder.decode(try png(width: 4, height: 1, format: Int32(PNG_FORMAT_LINEAR_Y),
                                                   pixels: levels.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }), name: "16bit.png")
        let reds = stride(from: 0, to: 12, by: 3).map { wide.pixels[$0] }
        XCTAssertEqual(reds.first, 0)
        XCTAssertEqual(reds.last, 255)
        XCTAssertEqual(reds, reds.sorted())
        // Palette: indices into a red/blue colour map.
        let palette = try ImageDecoder.decode(try png(width: 3, height: 1, format: Int32(PNG_FORMAT_RGB | PNG_FORMAT_FLAG_COLORMAP), pixels: [0, 1, 0],
                                                      colormap: [255, 0, 0, 0, 0, 255]), name: "palette.png")
        XCTAssertEqual(palette.pixels, [255, 0, 0, 0, 0, 255, 255, 0, 0])
    }
}
