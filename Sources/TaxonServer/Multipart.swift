import Foundation
import Hummingbird
import MultipartKit

/// The photo of an upload: the body itself, or for multipart/form-data the
/// first part that carries a file (else the first part), parsed by MultipartKit.
enum Multipart {
    static func imageBytes(_ body: ByteBuffer, contentType: String?) throws -> Data {
        try files(body, contentType: contentType)[0]
    }

    /// The photos of an upload: the body itself, or for multipart/form-data every part that carries a file
    /// (every part when none does).
    static func files(_ body: ByteBuffer, contentType: String?) throws -> [Data] {
        guard let contentType, let type = MediaType(from: contentType), type.isType(.multipartForm) else { return [Data(buffer: body)] }
        guard let boundary = type.parameter.flatMap({ $0.name.lowercased() == "boundary" ? $0.value : nil }), !boundary.isEmpty else {
            throw APIError.badRequest("multipart/form-data without a boundary")
        }
        guard headerNamesAreASCII(body, boundary: boundary) else {
            throw APIError.badRequest("malformed multipart/form-data: a part's header name is not ASCII")
        }
        var parts: [(hasFile: Bool, content: ByteBuffer)] = []
        var hasFile = false, content = ByteBuffer()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in
            if name.lowercased() == "content-disposition", value.lowercased().contains("filename=") { hasFile = true }
        }
        parser.onBody = { content.writeBuffer(&$0) }
        parser.onPartComplete = {
            parts.append((hasFile, content))
            (hasFile, content) = (false, ByteBuffer())
        }
        do { try parser.execute(body) } catch { throw APIError.badRequest("malformed multipart/form-data: \(error)") }
        guard !parts.isEmpty else { throw APIError.badRequest("the multipart body holds no part") }
        let files = parts.filter(\.hasFile)
        return (files.isEmpty ? parts : files).map { Data(buffer: $0.content) }
    }
}

extension Multipart {
    /// MultipartKit 4.7.1 looks header-name bytes up in a 128-entry table and
    /// traps on a byte ≥ 0x80 (the API fuzz test found it: one request took the
    /// server down). So before parsing: every line of every part's header block
    /// (after each "--boundary" up to the blank line) must be ASCII up to its
    /// first colon.
    static func headerNamesAreASCII(_ body: ByteBuffer, boundary: String) -> Bool {
        let bytes = Array(body.readableBytesView), delimiter = Array(("--" + boundary).utf8)
        guard !delimiter.isEmpty, bytes.count >= delimiter.count else { return true }
        var index = 0
        while index + delimiter.count <= bytes.count {
            guard bytes[index] == delimiter[0], bytes[index..<(index + delimiter.count)].elementsEqual(delimiter) else { index += 1; continue }
            var line = index + delimiter.count
            while line < bytes.count {
                var end = line
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                let content = bytes[line..<end].prefix { $0 != UInt8(ascii: "\r") }
                if line > index + delimiter.count && content.isEmpty { break }  // the blank line ends the headers
                if content.prefix(while: { $0 != UInt8(ascii: ":") }).contains(where: { $0 >= 0x80 }) { return false }
                line = end + 1
            }
            index += delimiter.count
        }
        return true
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
