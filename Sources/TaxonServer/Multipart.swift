import Foundation

/// The photo of an upload: the body itself, or for multipart/form-data the
/// first part that carries a file (else the first part). Only what is needed
/// to take one file out of a form; the parts' headers are not interpreted.
enum Multipart {
    static func imageBytes(_ body: Data, contentType: String?) throws -> Data {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return body }
        guard let boundary = contentType.split(separator: ";").lazy
            .map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { $0.lowercased().hasPrefix("boundary=") })?
            .dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")),
            !boundary.isEmpty else {
            throw APIError.badRequest("multipart/form-data without a boundary")
        }
        let delimiter = Data(("--" + boundary).utf8), blank = Data("\r\n\r\n".utf8)
        var parts: [(headers: String, content: Data)] = []
        var cursor = body.startIndex
        while let start = body.range(of: delimiter, in: cursor..<body.endIndex) {
            // The part runs to the next delimiter, less the CRLF before it.
            guard let next = body.range(of: delimiter, in: start.upperBound..<body.endIndex) else { break }
            let part = body[start.upperBound..<next.lowerBound]
            if let split = part.range(of: blank) {
                var end = part.endIndex
                if part[..<end].suffix(2) == Data("\r\n".utf8) { end -= 2 }
                parts.append((String(decoding: part[part.startIndex..<split.lowerBound], as: UTF8.self), Data(part[split.upperBound..<end])))
            }
            cursor = next.lowerBound
        }
        guard let chosen = parts.first(where: { $0.headers.lowercased().contains("filename=") }) ?? parts.first else {
            throw APIError.badRequest("the multipart body holds no part")
        }
        return chosen.content
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
