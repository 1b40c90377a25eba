import Foundation
import Hummingbird
import TaxonKit
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

/// `POST …/images`: one photo as the body, or many as multipart file parts; 201 with each photo's id.
@Sendable func uploadImages(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let name = try context.path("name")
    let body = try await request.collectBody(upTo: service.limits.maxBody)
    let photos = try Multipart.files(body, contentType: request.headers[.contentType])
    guard photos.count <= service.limits.maxPhotosPerUpload else {
        throw APIError(status: .contentTooLarge, detail: "at most \(service.limits.maxPhotosPerUpload) photos per upload, got \(photos.count)")
    }
    if let empty = photos.firstIndex(where: \.isEmpty) { throw APIError.badRequest("photo \(empty) is empty") }
    guard let network = service.network else { throw ServiceError.unavailable("uploads need the network's weights (scripts/setup.sh)") }
    struct Uploaded: Encodable { let images: [UploadedImage] }
    let images = try await service.blocking { store in
        try UploadService(store: store, dataFolder: service.dataFolder, classSet: service.classSet).upload(photos, to: name, network: network)
    }
    return try json(Uploaded(images: images), context, status: .created)
}

/// `DELETE …/images/{id}`: 204; the file goes with its last record.
@Sendable func deleteImage(_ request: Request, _ context: TaxonContext, _ service: TaxonService) async throws -> Response {
    let name = try context.path("name"), id = try imageID(context)
    try await service.blocking { try UploadService(store: $0, dataFolder: service.dataFolder, classSet: service.classSet).delete(image: id, from: name) }
    return Response(status: .noContent)
}
