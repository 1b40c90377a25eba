import CPNG
import CTurboJPEG
import Foundation

/// 8-bit RGB pixels, row-major, interleaved.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// An image from RGB bytes, row by row.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "pixels do not fill the image")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// A photo that cannot be decoded: not a JPEG or PNG, truncated, corrupt or over the pixel limit; named by file.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case empty(String)
    case unknownFormat(String)
    case tooLarge(String, width: Int, height: Int, limit: Int)
    case corrupt(String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(name): return "\(name): cannot read the file"
        case let .empty(name): return "\(name): the file is empty"
        case let .unknownFormat(name): return "\(name): neither a JPEG nor a PNG image"
        case let .tooLarge(name, width, height, limit):
            return "\(name): \(width) × \(height) pixels is over the limit of \(limit) pixels; nothing was decoded"
        case let .corrupt(name, reason): return "\(name): \(reason)"
        }
    }
}

/// JPEG (libjpeg-turbo) and PNG (libpng's simplified API) to RGB. The pixel
/// count is checked from the header before any pixel is decoded; a JPEG's
/// EXIF orientation is applied; a truncated or damaged file is an error,
/// never a partly grey image.
public enum ImageDecoder {
    /// 64 megapixels: 192 MB of RGB.
    public static let defaultPixelLimit = 64_000_000

    /// Reads and decodes a JPEG or PNG file.
    public static func decode(file path: String, pixelLimit: Int = defaultPixelLimit) throws -> RGBImage {
        guard let data = FileManager.default.contents(atPath: path) else { throw ImageError.unreadable(path) }
        return try decode(data, name: path, pixelLimit: pixelLimit)
    }

    /// Decodes JPEG or PNG bytes (EXIF orientation applied); `name` appears in errors.
    public static func decode(_ data: Data, name: String, pixelLimit: Int = defaultPixelLimit) throws -> RGBImage {
        guard !data.isEmpty else { throw ImageError.empty(name) }
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return try decodeJPEG(bytes, name: name, pixelLimit: pixelLimit) }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return try decodePNG(bytes, name: name, pixelLimit: pixelLimit) }
        throw ImageError.unknownFormat(name)
    }

    static func decodeJPEG(_ bytes: [UInt8], name: String, pixelLimit: Int) throws -> RGBImage {
        guard let handle = tjInitDecompress() else { throw ImageError.corrupt(name, reason: "cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        func failure() -> ImageError { ImageError.corrupt(name, reason: "JPEG: " + String(cString: tjGetErrorStr2(handle))) }
        guard tjDecompressHeader3(handle, bytes, UInt(bytes.count), &width, &height, &subsampling, &colorspace) == 0 else { throw failure() }
        guard width > 0, height > 0 else { throw ImageError.corrupt(name, reason: "JPEG: no pixels") }
        guard Int(width) * Int(height) <= pixelLimit else {
            throw ImageError.tooLarge(name, width: Int(width), height: Int(height), limit: pixelLimit)
        }
        let cmyk = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        let channels = cmyk ? 4 : 3
        var decoded = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let format = cmyk ? TJPF_CMYK : TJPF_RGB
        // Warnings (a premature end of data) are errors: no partly grey images. A progressive JPEG of
        // hundreds of scans (a CPU bomb in a small file) is refused rather than decoded.
        let flags = Int32(TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS)
        guard tjDecompress2(handle, bytes, UInt(bytes.count), &decoded, width, 0, height, Int32(format.rawValue), flags) == 0 else {
            throw failure()
        }
        var pixels = decoded
        if cmyk {
            // Adobe's CMYK JPEGs store inverted ink values: R = C·K/255, and so on.
            pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
            for p in 0..<(Int(width) * Int(height)) {
                let k = UInt16(decoded[4 * p + 3])
                for c in 0..<3 { pixels[3 * p + c] = UInt8((UInt16(decoded[4 * p + c]) * k + 127) / 255) }
            }
        }
        return oriented(RGBImage(width: Int(width), height: Int(height), pixels: pixels), exifOrientation(bytes))
    }

    static func decodePNG(_ bytes: [UInt8], name: String, pixelLimit: Int) throws -> RGBImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        func failure() -> ImageError {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return ImageError.corrupt(name, reason: "PNG: " + message)
        }
        guard png_image_begin_read_from_memory(&image, bytes, bytes.count) != 0 else { throw failure() }
        let width = Int(image.width), height = Int(image.height)
        guard width * height <= pixelLimit else { throw ImageError.tooLarge(name, width: width, height: height, limit: pixelLimit) }
        // Grey, palette, 16-bit and alpha all come out as 8-bit RGB; alpha is composited on white.
        image.format = UInt32(PNG_FORMAT_RGB)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var white = png_color(red: 255, green: 255, blue: 255)
        guard png_image_finish_read(&image, &white, &pixels, Int32(width * 3), nil) != 0, image.warning_or_error & UInt32(PNG_IMAGE_ERROR) == 0
        else { throw failure() }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// The EXIF orientation (1–8) of a JPEG's APP1 segment, 1 when absent or unreadable.
    static func exifOrientation(_ bytes: [UInt8]) -> Int {
        var position = 2
        while position + 4 <= bytes.count, bytes[position] == 0xFF {
            let marker = bytes[position + 1]
            let length = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
            if marker == 0xDA || marker == 0xD9 || length < 2 { break }  // image data starts: no more metadata
            let start = position + 4, end = min(position + 2 + length, bytes.count)
            if marker == 0xE1, end - start > 14, Array(bytes[start..<(start + 6)]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                return tiffOrientation(Array(bytes[(start + 6)..<end])) ?? 1
            }
            position += 2 + length
        }
        return 1
    }

    /// Tag 0x0112 of IFD0 in a TIFF block.
    static func tiffOrientation(_ tiff: [UInt8]) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let little = tiff[0] == 0x49
        func read(_ offset: Int, _ size: Int) -> Int? {
            guard offset >= 0, offset + size <= tiff.count else { return nil }
            return (0..<size).reduce(0) { $0 | Int(tiff[offset + (little ? $1 : size - 1 - $1)]) << (8 * $1) }
        }
        guard let ifd = read(4, 4), let entries = read(ifd, 2) else { return nil }
        for entry in 0..<entries {
            let at = ifd + 2 + 12 * entry
            guard let tag = read(at, 2) else { return nil }
            if tag == 0x0112, let value = read(at + 8, 2), (1...8).contains(value) { return value }
        }
        return nil
    }

    /// The image turned upright for EXIF orientation 2–8.
    static func oriented(_ image: RGBImage, _ orientation: Int) -> RGBImage {
        guard orientation != 1 else { return image }
        let swap = orientation >= 5
        let (width, height) = swap ? (image.height, image.width) : (image.width, image.height)
        var pixels = [UInt8](repeating: 0, count: image.pixels.count)
        for y in 0..<height {
            for x in 0..<width {
                // The source pixel shown at (x, y) after the transform.
                let (sx, sy): (Int, Int)
                switch orientation {
                case 2: (sx, sy) = (image.width - 1 - x, y)
                case 3: (sx, sy) = (image.width - 1 - x, image.height - 1 - y)
                case 4: (sx, sy) = (x, image.height - 1 - y)
                case 5: (sx, sy) = (y, x)
                case 6: (sx, sy) = (y, image.height - 1 - x)
                case 7: (sx, sy) = (image.width - 1 - y, image.height - 1 - x)
                default: (sx, sy) = (image.width - 1 - y, x)  // 8
                }
                let from = (sy * image.width + sx) * 3, to = (y * width + x) * 3
                pixels[to] = image.pixels[from]
                pixels[to + 1] = image.pixels[from + 1]
                pixels[to + 2] = image.pixels[from + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
