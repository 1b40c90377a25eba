import Foundation
import TaxonKit
import TaxonModel
import TaxonPostgres
import TaxonStore
import TaxonTesting
import XCTest

/// `StoreCopy` (taxon store copy) both ways on a small store holding one of every kind of row.
final class StoreCopyTests: XCTestCase {
    /// A taxonomy and an extension of it, a class set, word vectors, an embedding, a mapper, a collection with
    /// every vector, label and tag and a style projection, a revoked and a valid key, and cached features.
    private func fill(_ store: any Store) throws {
        try store.importing {
            let toy = try store.taxonomyWriter(name: "toy", kind: .hierarchy, source: "/toy.txt", replace: false)
            var ids: [String: Int64] = [:]
            for key in ["animal", "dog", "cat", "puppy"] {
                ids[key] = try toy.addConcept(key: key, name: key + ".n.01", pos: "n", lexname: nil, gloss: key == "dog" ? "a \"loyal\" friend" : nil)
                try toy.addLemma(concept: ids[key]!, position: 1, word: key.capitalized, senseNumber: key == "cat" ? nil : 1)
            }
            for (child, parent) in [("dog", "animal"), ("cat", "animal"), ("puppy", "dog")] { try toy.addEdge(from: ids[child]!, "hypernym", to: ids[parent]!) }
            try toy.addEdge(from: ids["dog"]!, "antonym", to: ids["cat"]!, sourceWord: 1, targetWord: 1)
            let more = try store.taxonomyWriter(name: "toy-more", kind: .hierarchy, source: "/more.txt", base: try store.taxonomy(named: "toy"), replace: false)
            let kitten = try more.addConcept(key: "kitten", name: nil, pos: nil, lexname: nil, gloss: "ünïcode ✓")
            try more.addLemma(concept: kitten, position: 1, word: "kitten", senseNumber: nil)
            try more.addEdge(from: kitten, "hypernym", to: ids["cat"]!)
            let vectors = try store.vectorSetWriter(name: "tiny", dims: 3, count: 2, format: "word2vec-txt", source: "/tiny.txt", replace: false)
            for (token, vector) in [("dog", [Float(0.5), -1, 2]), ("Cat", [1e-8, 0, .pi])] {
                try vector.withUnsafeBufferPointer { try vectors.add(token: token, vector: $0) }
            }
            try store.writeClassSet(name: "pets", taxonomyID: try store.taxonomy(named: "toy").id, source: "test", concepts: [ids["dog"]!, ids["cat"]!], replace: false)
        }
        try store.writeEmbedding(name: "pets-space", classSet: "pets", method: "unitsphere", parameters: ["dims": "2"], dims: 2,
                                 values: [1, 0, 0.6, 0.8], replace: false)
        try store.writeMapper(name: "pets-map", embedding: "pets-space", parameters: ["kind": "regression"], inputs: 3, outputs: 2,
                              values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, -0.1, -0.2], replace: false)
        let collection = try store.openCollection(name: "photos", root: "/photos", descriptor: "gem", embedding: "pets-space", mapper: nil, replace: false)
        try store.updateImages(of: collection, upserting: (0..<3).map { n in
            ImageRecord(path: "dir/\(n).jpg", sha256: String(repeating: "\(n)", count: 64), bytes: 1_000 + n, width: 64, height: 48,
                        topClasses: [ClassProbability(wnid: "dog", probability: 0.75), ClassProbability(wnid: "cat", probability: 0.25)],
                        descriptor: [Float(n), 1, -2, 0.125], embedding: n == 2 ? nil : [0.6, 0.8], label: n == 0 ? "cat" : nil,
                        tags: n == 1 ? ["sofa", "night"] : [], style: [0.5, Float(n) / 4, -0.25], colour: n == 1 ? nil : [0.25, 0.75])
        })
        try store.setStyleProjection(StyleProjection(photos: 3, dims: 1, inputs: 3, mean: [0, 0.25, 0], components: [1, 0, 0]), of: collection)
        _ = try store.insertAPIKey(name: "reader", tokenHash: String(repeating: "a", count: 64), scope: .read, collection: nil)
        _ = try store.insertAPIKey(name: "uploader", tokenHash: String(repeating: "b", count: 64), scope: .write, collection: "photos")
        _ = try store.revokeAPIKey(named: "reader")
        try store.cacheFeatures(network: "net", [("h1", [1, 2]), ("h2", [3, 4])])
    }

    func testACopyBothWaysKeepsEveryRow() throws {
        let original = try SQLiteStore(path: try PostgresServer.sqlitePath())
        try fill(original)
        let expected = try StoreCopy.summary(of: original)
        for kind in ["taxonomies", "concepts", "lemmas", "edges", "class sets", "word vectors", "embeddings", "mappers", "collections", "images",
                     "api keys", "cached features"] {
            XCTAssertGreaterThan(expected.counts[kind] ?? 0, 0, kind)
        }
        let postgres = try PostgresStore(location: try PostgresServer.freshDatabase())
        XCTAssertEqual(try StoreCopy.copy(from: original, to: postgres), expected)
        let back = try SQLiteStore(path: try PostgresServer.sqlitePath())
        XCTAssertEqual(try StoreCopy.copy(from: postgres, to: back), expected)
        XCTAssertEqual(try StoreCopy.summary(of: back), expected)

        // What the copies answer, not only their summary: keys keep their times, extensions their base, records their facets.
        XCTAssertEqual(try back.apiKeys(), try original.apiKeys())
        XCTAssertEqual(try back.taxonomy(named: "toy-more").base, "toy")
        let kitten = try XCTUnwrap(try back.candidates(for: "kitten", in: try back.taxonomy(named: "toy-more")).first)
        XCTAssertEqual(try back.ancestors(of: kitten).map(\.concept.key), ["cat", "animal"])
        let images = try postgres.images(in: try postgres.collection(named: "photos"))
        XCTAssertEqual(images.map(\.tags), [[], ["sofa", "night"], []])
        XCTAssertEqual(try postgres.image(id: images[0].id)?.image.style, [0.5, 0, -0.25])

        // Into a store that is not empty: refused, and nothing written.
        XCTAssertThrowsError(try StoreCopy.copy(from: original, to: back)) { XCTAssertTrue("\($0)".contains("is not empty"), "\($0)") }
        XCTAssertEqual(try StoreCopy.summary(of: back), expected)
    }

    /// The summary sees a change anywhere, on either backend.
    func testTheSummarySeesEveryKindOfChange() throws {
        for store in [try SQLiteStore(path: try PostgresServer.sqlitePath()) as any Store, try PostgresStore(location: try PostgresServer.freshDatabase())] {
            try fill(store)
            var seen: Set<String> = [try StoreCopy.summary(of: store).checksum]
            let collection = try store.collection(named: "photos")
            let changes: [() throws -> Void] = [
                { _ = try store.annotateImage(try store.imageIDs(in: collection, paths: ["dir/2.jpg"])["dir/2.jpg"]!, in: collection, label: .set("dog"), tags: nil) },
                { _ = try store.revokeAPIKey(named: "uploader") },
                { try store.cacheFeatures(network: "net", [("h1", [1, 2.5])]) },
                { try store.writeEmbedding(name: "pets-space", classSet: "pets", method: "unitsphere", parameters: ["dims": "2"], dims: 2,
                                           values: [1, 0, 0.8, 0.6], replace: true) },
            ]
            for change in changes {
                try change()
                XCTAssertTrue(seen.insert(try StoreCopy.summary(of: store).checksum).inserted, "\(store.location)")
            }
        }
    }
}
