import Foundation
import Hummingbird
import Synchronization
import TaxonKit
import TaxonModel
import TaxonVision

@Sendable func collections(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    try json(try await service.blocking { try CollectionCatalog(store: $0, dataFolder: service.dataFolder).list() }
        .filter { summary in context.key?.collection.map { $0 == summary.name } ?? true }, context)
}

@Sendable func collectionDetails(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let name = try context.path("name")
    return try json(try await service.blocking { try CollectionCatalog(store: $0, dataFolder: service.dataFolder).details(name) }, context)
}

/// `PUT`: 201 with the new collection, 200 when it exists with these settings, 409 with others.
@Sendable func createCollection(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    struct Settings: Decodable { let embedding: String?; let descriptor: String? }
    let name = try context.path("name")
    let body = try await request.collectBody(upTo: service.limits.maxBody)
    let settings = body.readableBytes == 0 ? Settings(embedding: nil, descriptor: nil) : try JSONDecoder.snakeCase.decode(Settings.self, from: Data(buffer: body))
    let descriptor = try settings.descriptor.map { name in
        guard let descriptor = Descriptor(rawValue: name) else { throw APIError.badRequest("descriptor: unknown descriptor '\(name.prefix(100))': use gap, gem, mac or rmac") }
        return descriptor
    } ?? .gem
    let (summary, created) = try await service.blocking { store in
        try CollectionCatalog(store: store, dataFolder: service.dataFolder).create(name, embedding: settings.embedding, descriptor: descriptor)
    }
    return try json(summary, context, status: created ? .created : .ok)
}

/// `DELETE`: 204; an uploaded collection's photos go too (unless another collection holds them), an indexed folder stays.
@Sendable func deleteCollection(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let name = try context.path("name")
    try await service.blocking { try CollectionCatalog(store: $0, dataFolder: service.dataFolder).delete(name) }
    return Response(status: .noContent)
}

/// `POST …/images`: one photo as the body, or many as multipart file parts (labels and tags: `UploadForm`);
/// 201 with each photo's id. With `Accept: application/x-ndjson` the answer streams one line per photo as
/// it is committed, then a closing line; photos are checked and decoded before the first line, so a bad
/// one still answers 4xx with nothing stored.
@Sendable func uploadImages(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let name = try context.path("name")
    let body = try await request.collectBody(upTo: service.limits.maxUploadBody)
    guard let network = service.network else { throw ServiceError.unavailable("uploads need the network's weights (scripts/setup.sh)") }
    let uploads = { @Sendable (store: any Store) in
        var uploads = UploadService(store: store, dataFolder: service.dataFolder, classSet: service.classSet)
        (uploads.analyzers, uploads.workers) = (service.analyzers, service.uploadWorkers)
        return uploads
    }
    // Parsed on the write thread too: megabytes of multipart are work searches should not wait behind.
    let prepared = try await service.uploading { store in
        let photos = try UploadForm.photos(request, body: body, maxPhotos: service.limits.maxPhotosPerUpload)
        return try uploads(store).prepare(photos, to: name, network: network, limits: service.limits.photo)
    }
    struct Uploaded: Encodable { let images: [UploadedImage] }
    guard request.headers[.accept]?.contains("application/x-ndjson") == true else {
        return try json(Uploaded(images: try await service.uploading { try uploads($0).store(prepared) }), context, status: .created)
    }
    return Response(status: .created, headers: [.contentType: "application/x-ndjson"], body: ResponseBody { writer in
        let (lines, sink) = AsyncStream<ByteBuffer>.makeStream()
        struct Stored: Encodable { let photo: Int; let image: UploadedImage }
        struct Done: Encodable { let done = true; let stored: Int }
        struct Failed: Encodable { let error: String; let detail: String; let stored: Int }
        Task {
            let counter = Mutex(0)
            do {
                _ = try await service.uploading { store in
                    try uploads(store).store(prepared) { image in
                        let n = counter.withLock { count in defer { count += 1 }; return count }
                        sink.yield(ndjsonLine(Stored(photo: n, image: image)))
                    }
                }
                sink.yield(ndjsonLine(Done(stored: prepared.count)))
            } catch {
                // Headers are sent: the failure is the last line (the log has what is not for the client).
                let answer = APIError(error) ?? APIError(status: .internalServerError, detail: "internal error; the server's log has it under request id \(context.id)")
                if answer.status == .internalServerError { context.logger.error("upload failed", metadata: ["error": "\(String(reflecting: error))"]) }
                sink.yield(ndjsonLine(Failed(error: answer.status.reasonPhrase, detail: answer.detail, stored: counter.withLock { $0 })))
            }
            sink.finish()
        }
        for await buffer in lines { try await writer.write(buffer) }
        try await writer.finish(nil)
    })
}

/// `PATCH …/images/{id}`: `{"label": ref | null, "tags": [...]}`; an absent key leaves that part as it is. 200 with the image.
@Sendable func annotateImage(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let name = try context.path("name"), id = try imageID(context)
    let body = try await request.collectBody(upTo: service.limits.maxBody)
    let change = try JSONDecoder().decode(AnnotationBody.self, from: Data(buffer: body))
    return try json(try await service.uploading { store in
        let record = try UploadService(store: store, dataFolder: service.dataFolder, classSet: service.classSet)
            .annotate(image: id, in: name, label: change.label, tags: change.tags)
        return ImageDescription(record, collection: name)
    }, context)
}

/// The body of a PATCH: `label` absent keeps it, null clears it, a string sets it.
struct AnnotationBody: Decodable {
    let label: LabelChange
    let tags: [String]?

    enum CodingKeys: String, CodingKey { case label, tags }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if !container.contains(.label) { label = .keep } else if try container.decodeNil(forKey: .label) { label = .clear } else {
            label = .set(try container.decode(String.self, forKey: .label))
        }
        tags = try container.decodeIfPresent([String].self, forKey: .tags)
        guard label != .keep || tags != nil else { throw APIError.badRequest("give label, tags or both") }
    }
}

/// `DELETE …/images/{id}`: 204; the file goes with its last record.
@Sendable func deleteImage(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let name = try context.path("name"), id = try imageID(context)
    try await service.uploading { try UploadService(store: $0, dataFolder: service.dataFolder, classSet: service.classSet).delete(image: id, from: name) }
    return Response(status: .noContent)
}

/// One line of an NDJSON stream: `value` as the API writes JSON, and a newline.
private func ndjsonLine(_ value: some Encodable) -> ByteBuffer {
    ByteBuffer(bytes: ((try? TaxonContext.encoder.encode(value)) ?? Data("{}".utf8)) + Data("\n".utf8))
}
