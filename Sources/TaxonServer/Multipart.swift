import Foundation
import Hummingbird
import MultipartKit

/// Request bodies that carry photos: the body itself, or the parts of a
/// multipart/form-data body (parsed by MultipartKit).
enum Multipart {
    /// One part: its form field name, whether it carries a file, and its bytes.
    struct Part {
        let name: String?
        let isFile: Bool
        let content: Data
    }

    /// The photo of a query upload: the body itself, or the first file part (else the first part).
    static func imageBytes(_ body: ByteBuffer, contentType: String?) throws -> Data {
        guard let parts = try parts(body, contentType: contentType) else { return Data(buffer: body) }
        return (parts.first(where: \.isFile) ?? parts[0]).content
    }

    /// The parts of a multipart/form-data body (at least one); nil for any other type.
    static func parts(_ body: ByteBuffer, contentType: String?) throws -> [Part]? {
        guard let contentType, let type = MediaType(from: contentType), type.isType(.multipartForm) else { return nil }
        guard let boundary = type.parameter.flatMap({ $0.name.lowercased() == "boundary" ? $0.value : nil }), !boundary.isEmpty else {
            throw APIError.badRequest("multipart/form-data without a boundary")
        }
        guard headerNamesAreASCII(body, boundary: boundary) else {
            throw APIError.badRequest("malformed multipart/form-data: a part's header name is not ASCII")
        }
        var parts: [Part] = []
        var disposition = "", content = ByteBuffer()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in if name.lowercased() == "content-disposition" { disposition = value } }
        parser.onBody = { content.writeBuffer(&$0) }
        parser.onPartComplete = {
            let fields = dispositionParameters(disposition)
            parts.append(Part(name: fields["name"], isFile: fields["filename"] != nil, content: Data(buffer: content)))
            (disposition, content) = ("", ByteBuffer())
        }
        do { try parser.execute(body) } catch { throw APIError.badRequest("malformed multipart/form-data: \(error)") }
        guard !parts.isEmpty else { throw APIError.badRequest("the multipart body holds no part") }
        // The parser stops quietly where a body is cut: without the closing delimiter the last parts are lost.
        guard body.withUnsafeReadableBytes({ !occurrences(of: Array("--\(boundary)--".utf8), in: $0).isEmpty }) else {
            throw APIError.badRequest("truncated multipart/form-data: no closing '--\(boundary.prefix(70))--' after part \(parts.count - 1)")
        }
        return parts
    }

    /// `form-data; name="label[2]"; filename="a.jpg"` → ["name": "label[2]", "filename": "a.jpg"] (keys lowercased).
    static func dispositionParameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        for item in value.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var text = pair[1].trimmingCharacters(in: .whitespaces)
            if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
            result[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = text
        }
        return result
    }
}

extension Multipart {
    /// MultipartKit 4.7.1 looks header-name bytes up in a 128-entry table and
    /// traps on a byte ≥ 0x80 (the API fuzz test found it: one request took the
    /// server down). So before parsing: every line of every part's header block
    /// (after each "--boundary" up to the blank line) must be ASCII up to its
    /// first colon.
    static func headerNamesAreASCII(_ body: ByteBuffer, boundary: String) -> Bool {
        let delimiter = Array(("--" + boundary).utf8)
        return body.withUnsafeReadableBytes { bytes in
            for start in occurrences(of: delimiter, in: bytes) {
                var line = start + delimiter.count
                while line < bytes.count {
                    var end = line
                    while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                    let content = bytes[line..<end].prefix { $0 != UInt8(ascii: "\r") }
                    if line > start + delimiter.count && content.isEmpty { break }  // the blank line ends the headers
                    if content.prefix(while: { $0 != UInt8(ascii: ":") }).contains(where: { $0 >= 0x80 }) { return false }
                    line = end + 1
                }
            }
            return true
        }
    }

    /// Where `needle` starts in `bytes`, each occurrence after the end of the one before (memchr and
    /// memcmp: a body of many photos is megabytes).
    static func occurrences(of needle: [UInt8], in bytes: UnsafeRawBufferPointer) -> [Int] {
        guard !needle.isEmpty, let base = bytes.baseAddress else { return [] }
        var found: [Int] = [], offset = 0
        while offset + needle.count <= bytes.count,
              let hit = memchr(base + offset, Int32(needle[0]), bytes.count - offset - needle.count + 1) {
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(hit, needle, needle.count) == 0 { found.append(at); offset = at + needle.count } else { offset = at + 1 }
        }
        return found
    }
}

/// A path stored relative to a collection's folder, resolved so that it
/// cannot leave it: `..`, absolute paths and symbolic links pointing out are refused.
enum ConfinedPath {
    static func resolve(_ relative: String, under root: String) throws -> URL {
        let base = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath()
        let file = base.appendingPathComponent(relative).standardizedFileURL.resolvingSymlinksInPath()
        guard !relative.hasPrefix("/"), file.path.hasPrefix(base.path + "/") else {
            throw APIError.badRequest("the image's path leaves its collection's folder")
        }
        return file
    }
}
