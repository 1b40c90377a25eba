import Foundation
import PostgresNIO
import TaxonModel

/// Image collections: the photos' vectors in pgvector columns (float32 `vector` for the
/// descriptor and semantic vector, `halfvec` for the facets), everything else as in SQLite.
extension PostgresStore: CollectionStore {
    /// Every collection with its image count.
    public func collections() throws -> [CollectionInfo] {
        try session.query("""
            SELECT c.id, c.name, c.root, c.descriptor, e.name, c.generation, c.created_at,
                   (SELECT count(*) FROM image i WHERE i.collection_id = c.id), m.name
            FROM collection c LEFT JOIN embedding e ON e.id = c.embedding_id LEFT JOIN mapper m ON m.id = c.mapper_id ORDER BY c.name COLLATE "C"
            """).map { row in
            let (id, name, root, descriptor, embedding, generation, created, images, mapper) =
                try row.decode((Int64, String, String, String, String?, Int64, String, Int, String?).self)
            return CollectionInfo(id: id, name: name, root: root, descriptor: descriptor, embedding: embedding, generation: generation, images: images,
                                  createdAt: created, mapper: mapper)
        }
    }

    /// The collection's id and generation alone: a cheap check for readers holding it in memory.
    public func collectionVersion(named name: String) throws -> (id: Int64, generation: Int64)? {
        try session.query("SELECT id, generation FROM collection WHERE name = \(name)").first.map { try $0.decode((Int64, Int64).self) }
    }

    /// Creates the collection, or checks that an existing one has the same folder, descriptor and mapper.
    public func openCollection(name: String, root: String, descriptor: String, embedding: String?, mapper: String?, replace: Bool) throws -> CollectionInfo {
        try transaction {
            // Workers starting together on a new collection: one makes it, the others then find it (SQLite
            // serialises the whole transaction; here a lock on the name does).
            try session.query("SELECT pg_advisory_xact_lock(hashtext('taxon.collection.' || \(name)))")
            if replace { try claimName(name, kind: .collection, replace: true) }
            let embeddingID = try embedding.map { try requireID(of: .embedding, named: $0) }
            let mapperID = try mapper.map { try requireID(of: .mapper, named: $0) }
            if let existing = try collections().first(where: { $0.name == name }) {
                try existing.checkSettings(root: root, descriptor: descriptor, mapper: mapper)
                if existing.embedding != embedding {
                    // The old semantic vectors mean nothing in the new space.
                    try session.query("UPDATE collection SET embedding_id = \(embeddingID), generation = generation + 1 WHERE id = \(existing.id)")
                    try session.query("UPDATE image SET embedding = NULL WHERE collection_id = \(existing.id)")
                    try dropIndexes(ofCollection: existing.id, only: .embedding)  // the new vectors may have another dimension
                }
            } else {
                try validateName(name, kind: .collection)
                try session.query("""
                    INSERT INTO collection (name, root, descriptor, embedding_id, created_at, mapper_id)
                    VALUES (\(name), \(root), \(descriptor), \(embeddingID), \(Self.timestamp()), \(mapperID))
                    """)
            }
            return try collection(named: name)
        }
    }

    /// Removes the collection; its images and jobs go with it.
    public func deleteCollection(named name: String) throws {
        try transaction {
            let id = try requireID(of: .collection, named: name)
            try dropIndexes(ofCollection: id)
            try session.query("DELETE FROM collection WHERE id = \(id)")
        }
    }

    /// Every image of the collection in id order; `vectors: false` leaves the vectors empty, styles always are.
    public func images(in collection: CollectionInfo, vectors: Bool) throws -> [ImageRecord] {
        try images(PostgresQuery(unsafeSQL: "SELECT \(Self.imageColumns(vectors: vectors)) FROM image WHERE collection_id = $1 ORDER BY id",
                                 binds: try Self.binds(collection.id)), vectors: vectors)
    }

    /// The columns `image(_:vectors:)` reads, styles left out (see `styles`).
    static func imageColumns(vectors: Bool) -> String {
        "id, path, sha256, bytes, width, height, top_classes, label, tags" + (vectors ? ", descriptor, embedding, NULL::halfvec, colour" : "")
    }

    /// The images a statement selecting `imageColumns` finds.
    func images(_ query: PostgresQuery, vectors: Bool) throws -> [ImageRecord] {
        try session.query(query).map { row in
            var cells = RowCells(row)
            return try Self.image(&cells, vectors: vectors)
        }
    }

    /// One image with its vectors, and its collection's name.
    public func image(id: Int64) throws -> (collection: String, image: ImageRecord)? {
        guard let row = try session.query("""
            SELECT i.id, i.path, i.sha256, i.bytes, i.width, i.height, i.top_classes, i.label, i.tags, i.descriptor, i.embedding,
                   i.style, i.colour, c.name
            FROM image i JOIN collection c ON c.id = i.collection_id WHERE i.id = \(id)
            """).first else { return nil }
        var cells = RowCells(row)
        let image = try Self.image(&cells, vectors: true)
        return (try cells.next(String.self), image)
    }

    /// An image from the next cells: id … tags, then (with `vectors`) descriptor, embedding, style and colour.
    private static func image(_ cells: inout RowCells, vectors: Bool) throws -> ImageRecord {
        let (id, path, sha256, bytes) = (try cells.next(Int64.self), try cells.next(String.self), try cells.next(String.self), try cells.next(Int.self))
        let (width, height, top) = (try cells.next(Int.self), try cells.next(Int.self), try cells.next(String.self))
        let (label, tags) = (try cells.next(String?.self), try cells.next(String.self))
        var descriptor: [Float] = [], embedding: [Float]?, style: [Float]?, colour: [Float]?
        if vectors {
            descriptor = try cells.next(PGVector.self).values
            embedding = try cells.next(PGVector?.self)?.values
            style = try cells.next(PGVector?.self)?.values
            colour = try cells.next(PGVector?.self)?.values
        }
        return ImageRecord(id: id, path: path, sha256: sha256, bytes: bytes, width: width, height: height,
                           topClasses: try JSONDecoder().decode([ClassProbability].self, from: Data(top.utf8)),
                           descriptor: descriptor, embedding: embedding, label: label,
                           tags: try JSONDecoder().decode([String].self, from: Data(tags.utf8)), style: style, colour: colour)
    }

    /// Adds or replaces (by path) images and removes the ids in `removing`, in one transaction that bumps the generation.
    public func updateImages(of collection: CollectionInfo, upserting records: [ImageRecord], removing: [Int64]) throws {
        guard !records.isEmpty || !removing.isEmpty else { return }
        try writing(collection) {
            try upsertImages(records, in: collection)
            if !removing.isEmpty {
                try session.query("DELETE FROM image WHERE id = ANY(\(removing)) AND collection_id = \(collection.id)")
            }
            try bumpGeneration(of: collection)
        }
    }

    /// Inserts or updates `records` by path; the caller holds the transaction and bumps the generation.
    func upsertImages(_ records: [ImageRecord], in collection: CollectionInfo) throws {
        let encoder = JSONEncoder()
        for record in records {
            let top = String(decoding: try encoder.encode(record.topClasses), as: UTF8.self)
            let tags = String(decoding: try encoder.encode(record.tags), as: UTF8.self)
            try session.query("""
                INSERT INTO image (collection_id, path, sha256, bytes, width, height, top_classes, descriptor, embedding, label, tags, style, colour)
                VALUES (\(collection.id), \(record.path), \(record.sha256), \(record.bytes), \(record.width), \(record.height), \(top),
                        \(PGVector(record.descriptor)), \(record.embedding.map { PGVector($0) }), \(record.label), \(tags),
                        \(record.style.map { PGVector($0, half: true) }), \(record.colour.map { PGVector($0, half: true) }))
                ON CONFLICT (collection_id, path) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes, width = excluded.width,
                    height = excluded.height, top_classes = excluded.top_classes, descriptor = excluded.descriptor, embedding = excluded.embedding,
                    style = excluded.style, colour = excluded.colour,
                    label = coalesce(excluded.label, image.label),
                    tags = CASE excluded.tags WHEN '[]' THEN image.tags ELSE excluded.tags END
                """)
        }
    }

    /// A transaction writing the collection's images that first takes the collection's row: writers to one
    /// collection queue there, instead of locking image rows in different orders (a deadlock PostgreSQL
    /// breaks by failing one of them: two uploads sharing photos, an annotation beside an upload).
    func writing<T>(_ collection: CollectionInfo, _ body: () throws -> T) throws -> T {
        try transaction {
            try session.query("SELECT 1 FROM collection WHERE id = \(collection.id) FOR NO KEY UPDATE")
            return try body()
        }
    }

    /// Tells readers holding the collection in memory to load it again.
    func bumpGeneration(of collection: CollectionInfo) throws {
        try session.query("UPDATE collection SET generation = generation + 1 WHERE id = \(collection.id)")
    }

    /// The ids of the images at these paths.
    public func imageIDs(in collection: CollectionInfo, paths: [String]) throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        for row in try session.query("SELECT path, id FROM image WHERE collection_id = \(collection.id) AND path = ANY(\(Array(Set(paths))))") {
            let (path, id) = try row.decode((String, Int64).self)
            ids[path] = id
        }
        return ids
    }

    /// Sets the image's label and tags (nil: kept) and bumps the generation; false when the collection has no such image.
    public func annotateImage(_ id: Int64, in collection: CollectionInfo, label: LabelChange, tags: [String]?) throws -> Bool {
        try writing(collection) {
            guard try session.scalar("SELECT count(*) FROM image WHERE id = \(id) AND collection_id = \(collection.id)", as: Int.self) == 1 else { return false }
            let tagsJSON = try tags.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            switch label {
            case .keep: try session.query("UPDATE image SET tags = coalesce(\(tagsJSON), tags) WHERE id = \(id)")
            case .clear: try session.query("UPDATE image SET label = NULL, tags = coalesce(\(tagsJSON), tags) WHERE id = \(id)")
            case let .set(key): try session.query("UPDATE image SET label = \(key), tags = coalesce(\(tagsJSON), tags) WHERE id = \(id)")
            }
            try bumpGeneration(of: collection)
            return true
        }
    }

    /// The images without a semantic vector, with their stored top classes.
    public func imagesLackingEmbedding(in collection: CollectionInfo) throws -> [(id: Int64, topClasses: [ClassProbability])] {
        try session.query("SELECT id, top_classes FROM image WHERE collection_id = \(collection.id) AND embedding IS NULL ORDER BY id").map { row in
            let (id, top) = try row.decode((Int64, String).self)
            return (id, try JSONDecoder().decode([ClassProbability].self, from: Data(top.utf8)))
        }
    }

    /// Replaces the semantic vectors of the given images, bumping the generation.
    public func setEmbeddings(of collection: CollectionInfo, _ vectors: [(id: Int64, embedding: [Float])]) throws {
        try writing(collection) {
            for (id, vector) in vectors {
                try session.query("UPDATE image SET embedding = \(PGVector(vector)) WHERE id = \(id) AND collection_id = \(collection.id)")
            }
            try bumpGeneration(of: collection)
        }
    }

    /// The paths of images without a style or colour descriptor.
    public func pathsLackingFacets(in collection: CollectionInfo) throws -> Set<String> {
        Set(try session.query("SELECT path FROM image WHERE collection_id = \(collection.id) AND (style IS NULL OR colour IS NULL)")
            .map { try $0.decode(String.self) })
    }

    /// Read a page at a time (ids after the last one seen), so a collection's triangles are never all in memory.
    public func styles(in collection: CollectionInfo, batch: Int, _ body: ([[Float]?]) throws -> Void) throws {
        var after = Int64.min
        while true {
            let rows = try session.query("""
                SELECT id, style FROM image WHERE collection_id = \(collection.id) AND id > \(after) ORDER BY id LIMIT \(max(1, batch))
                """)
            guard !rows.isEmpty else { return }
            var styles: [[Float]?] = []
            for row in rows {
                let (id, style) = try row.decode((Int64, PGVector?).self)
                styles.append(style?.values)
                after = id
            }
            try body(styles)
        }
    }

    /// How many images have a style descriptor, and up to `limit` of them spread evenly over the id order.
    public func styleSample(of collection: CollectionInfo, limit: Int) throws -> (count: Int, sample: [[Float]]) {
        let count = try session.scalar("SELECT count(*) FROM image WHERE collection_id = \(collection.id) AND style IS NOT NULL", as: Int.self) ?? 0
        guard count > 0, limit > 0 else { return (count, []) }
        // Every step-th image in id order: a sample spread over the whole collection, the same each time.
        let step = (count + limit - 1) / limit
        let sample = try session.query("""
            SELECT style FROM (SELECT style, row_number() OVER (ORDER BY id) - 1 AS n FROM image
                               WHERE collection_id = \(collection.id) AND style IS NOT NULL) AS numbered
            WHERE n % \(step) = 0 ORDER BY n
            """).map { try $0.decode(PGVector.self).values }
        return (count, sample)
    }

    /// The collection's style PCA, nil before one is learned.
    public func styleProjection(of collection: CollectionInfo) throws -> StyleProjection? {
        guard let row = try session.query("""
            SELECT photos, dims, inputs, mean, components FROM style_projection WHERE collection_id = \(collection.id)
            """).first else { return nil }
        let (photos, dims, inputs, mean, components) = try row.decode((Int, Int, Int, Data, Data).self)
        return StyleProjection(photos: photos, dims: dims, inputs: inputs, mean: try Self.floats(mean), components: try Self.floats(components))
    }

    /// Replaces the collection's style PCA and bumps its generation.
    public func setStyleProjection(_ projection: StyleProjection, of collection: CollectionInfo) throws {
        try writing(collection) {
            try session.query("""
                INSERT INTO style_projection (collection_id, photos, dims, inputs, mean, components)
                VALUES (\(collection.id), \(projection.photos), \(projection.dims), \(projection.inputs), \(Self.bytes(projection.mean)),
                        \(Self.bytes(projection.components)))
                ON CONFLICT (collection_id) DO UPDATE SET photos = excluded.photos, dims = excluded.dims, inputs = excluded.inputs,
                    mean = excluded.mean, components = excluded.components
                """)
            try bumpGeneration(of: collection)
        }
    }
}
