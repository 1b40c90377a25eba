import Foundation
import Hummingbird
import TaxonKit

/// The photos of an upload request and what it says of each. The body is one photo, or a
/// multipart/form-data body whose file parts are the photos (every part other than the fields below
/// when none is a file). Labels and tags: query parameters `label` and `tags` (comma-separated) and
/// form fields `label` and `tags` apply to every photo; fields `label[N]` and `tags[N]` to photo N
/// (from 0), and win. Repeated tag fields add up.
enum UploadForm {
    static func photos(_ request: Request, body: ByteBuffer, maxPhotos: Int) throws -> [UploadPhoto] {
        let query = request.uri.queryParameters
        var label = try query.get("label").map { try checked($0, field: "label") }
        var tags = try query.get("tags").map { split(try checked($0, field: "tags")) } ?? []
        guard let parts = try Multipart.parts(body, contentType: request.headers[.contentType]) else {
            return [UploadPhoto(Data(buffer: body), label: label, tags: tags)]
        }
        let anyFile = parts.contains(where: \.isFile)
        var photos: [Data] = [], labels: [Int: String] = [:], tagsOf: [Int: [String]] = [:]
        for part in parts {
            if part.isFile || (!anyFile && field(part.name) == nil) {
                photos.append(part.content)
                guard photos.count <= maxPhotos else { throw APIError(status: .contentTooLarge, detail: "at most \(maxPhotos) photos per upload") }
                continue
            }
            guard let (name, index) = field(part.name) else { continue }  // other fields are not ours
            let text = try checked(String(decoding: part.content, as: UTF8.self), field: part.name ?? name)
            switch (name, index) {
            case ("label", nil): label = text
            case ("tags", nil): tags += split(text)
            case let ("label", n?): labels[n] = text
            case let (_, n?): tagsOf[n, default: []] += split(text)
            default: break
            }
        }
        if let n = (Array(labels.keys) + Array(tagsOf.keys)).first(where: { $0 >= photos.count }) {
            throw APIError.badRequest("label[\(n)] or tags[\(n)] names photo \(n), but the upload holds \(photos.count) photo(s)")
        }
        return photos.enumerated().map { n, data in UploadPhoto(data, label: labels[n] ?? label, tags: tags + (tagsOf[n] ?? [])) }
    }

    /// `label` → ("label", nil); `tags[3]` → ("tags", 3); anything else nil.
    static func field(_ name: String?) -> (name: String, index: Int?)? {
        guard let name else { return nil }
        for base in ["label", "tags"] {
            if name == base { return (base, nil) }
            if name.hasPrefix(base + "["), name.hasSuffix("]"), let n = Int(name.dropFirst(base.count + 1).dropLast()), n >= 0 { return (base, n) }
        }
        return nil
    }

    private static func checked(_ value: String, field: String) throws -> String {
        let limit = TaxonService.Limits.maxParameterLength
        guard value.count <= limit else { throw APIError.badRequest("\(field) is longer than \(limit) characters") }
        return value
    }

    private static func split(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
