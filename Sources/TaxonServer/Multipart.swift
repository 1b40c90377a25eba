import Foundation
import Hummingbird
import MultipartKit

/// The photo of an upload: the body itself, or for multipart/form-data the
/// first part that carries a file (else the first part), parsed by MultipartKit.
enum Multipart {
    static func imageBytes(_ body: ByteBuffer, contentType: String?) throws -> Data {
        guard let contentType, let type = MediaType(from: contentType), type.isType(.multipartForm) else { return Data(buffer: body) }
        guard let boundary = type.parameter.flatMap({ $0.name.lowercased() == "boundary" ? $0.value : nil }), !boundary.isEmpty else {
            throw APIError.badRequest("multipart/form-data without a boundary")
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
        guard let chosen = parts.first(where: \.hasFile) ?? parts.first else { throw APIError.badRequest("the multipart body holds no part") }
        return Data(buffer: chosen.content)
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
