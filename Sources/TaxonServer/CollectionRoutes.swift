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
