import CTurboJPEG
import Foundation

/// Small JPEG previews of photos (the web page's result grid).
public enum Thumbnail {
    /// Sizes a request may ask for: the longer side in pixels.
    public static let sizes = 16...1024

    /// The photo (JPEG or PNG bytes) scaled so that its longer side is at most `size` (never enlarged,
    /// antialiased), as a JPEG of quality 85.
    public static func make(_ data: Data, name: String, size: Int) throws -> Data {
        let image = try ImageDecoder.decode(data, name: name)
        let scale = min(1, Double(size) / Double(max(image.width, image.height)))
        let width = max(1, Int((Double(image.width) * scale).rounded())), height = max(1, Int((Double(image.height) * scale).rounded()))
        let small = scale < 1 ? Preprocessing.resize(image, width: width, height: height) : image
        return try encodeJPEG(small, quality: 85, name: name)
    }

    /// RGB pixels as a baseline JPEG (4:2:0), through TurboJPEG.
    public static func encodeJPEG(_ image: RGBImage, quality: Int32, name: String) throws -> Data {
        guard let handle = tjInitCompress() else { throw ImageError.corrupt(name, reason: "cannot start the JPEG encoder") }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>?
        var length: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue), &buffer, &length,
                        Int32(TJSAMP_420.rawValue), quality, 0)
        }
        defer { if let buffer { tjFree(buffer) } }
        guard status == 0, let buffer else { throw ImageError.corrupt(name, reason: "the JPEG encoder failed") }
        return Data(bytes: buffer, count: Int(length))
    }
}
