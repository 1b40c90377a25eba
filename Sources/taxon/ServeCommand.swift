import ArgumentParser
import Foundation
import Hummingbird
import TaxonKit
import TaxonSearch
import TaxonServer

extension AuthMode: ExpressibleByArgument {}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the store over HTTP (JSON): concepts, similarity, embeddings and image search. Routes: docs/openapi.yaml.",
        discussion: "Logs on standard error (LOG_LEVEL sets the level): start-up, every failed request with its request id, and with --access-log every request; /metrics answers Prometheus text.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port.") var port = 8080
    @Option(help: "Information content for res/jcn/lin: a WordNet::Similarity .dat file, or 'intrinsic'.") var ic: String?
    @Option(help: "The class set naming the network's 1,000 outputs.") var classSet = "ilsvrc2012"
    @Flag(help: "Log one line per request (method, route, status, milliseconds, request id).") var accessLog = false
    @Option(help: "Which requests need an API key (taxon keys create): off, writes (reads open) or all (all but /healthz).") var auth = AuthMode.writes
    @Option(help: "Requests a second per API key (429 with Retry-After above it); default: no limit.") var rateLimit: Double?
    @Option(help: "Where uploaded photos are kept (default: beside the store, STORE-data).") var data: String?
    @Option(help: "PostgreSQL: pgvector's HNSW candidate list (hnsw.ef_search, 1-1000) for collections with an HNSW index (taxon ann build); default 100, 200 from 500,000 photos.")
    var efSearch: Int?
    @Option(help: "Photos per upload request (413 above).") var maxPhotos = TaxonService.Limits().maxPhotosPerUpload
    @Option(help: "Bytes per upload request body (413 above).") var maxUploadBytes = TaxonService.Limits().maxUploadBody
    @Option(help: "Bytes per uploaded photo (413 above).") var maxPhotoBytes = PhotoLimits().bytes
    @Option(help: "Pixels (width × height, read from the header) per uploaded photo (413 above, nothing decoded).") var maxPixels = PhotoLimits().pixels

    func run() async throws {
        _ = try store.openExisting()
        var limits = TaxonService.Limits()
        limits.keyRequestsPerSecond = rateLimit
        (limits.maxPhotosPerUpload, limits.maxUploadBody) = (maxPhotos, maxUploadBytes)
        (limits.photo.bytes, limits.photo.pixels) = (maxPhotoBytes, maxPixels)
        let service = try TaxonService(storePath: store.path, weights: weights.path, informationContent: ic, classSet: classSet, limits: limits, auth: auth, dataFolder: data,
                                       efSearch: efSearch)
        // Files left by a crash between an upload's file and its record (no upload runs yet).
        let orphans = try CollectionCatalog(store: try store.openExisting(), dataFolder: service.dataFolder).removeOrphans()
        if !orphans.isEmpty { FileHandle.standardOutput.write(Data("removed \(orphans.count) orphan file(s) from \(service.dataFolder)\n".utf8)) }
        // Written unbuffered, so that it comes before the server's own log lines also when stdout is a pipe.
        FileHandle.standardOutput.write(Data("taxon serving \(store.path) on http://\(host):\(port) (GET /healthz)\n".utf8))
        try await buildApplication(service, host: host, port: port, accessLog: accessLog).runService()
    }
}
