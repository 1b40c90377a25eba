import Foundation
import TaxonModel

extension SQLiteStore {
    /// Every collection with its image count.
    public func collections() throws -> [CollectionInfo] {
        let statement = try db.prepare("""
            SELECT c.id, c.name, c.root, c.descriptor, e.name, c.generation, c.created_at,
                   (SELECT count(*) FROM image i WHERE i.collection_id = c.id), m.name
            FROM collection c LEFT JOIN embedding e ON e.id = c.embedding_id LEFT JOIN mapper m ON m.id = c.mapper_id ORDER BY c.name
            """)
        var result: [CollectionInfo] = []
        while try statement.step() {
            result.append(CollectionInfo(id: statement.int64(0), name: statement.text(1), root: statement.text(2), descriptor: statement.text(3),
                                         embedding: statement.optionalText(4), generation: statement.int64(5), images: statement.int(7),
                                         createdAt: statement.text(6), mapper: statement.optionalText(8)))
        }
        return result
    }

    /// The collection's id and generation alone: a cheap check for readers holding it in memory.
    public func collectionVersion(named name: String) throws -> (id: Int64, generation: Int64)? {
        let statement = try db.prepare("SELECT id, generation FROM collection WHERE name = ?")
        try statement.bind(name, at: 1)
        return try statement.step() ? (statement.int64(0), statement.int64(1)) : nil
    }

    /// Creates the collection, or checks that an existing one has the same
    /// folder, descriptor and mapper (`replace` deletes it first). Points it at
    /// `embedding` (nil: none); `mapper` (nil: none) names the photos' classes.
    public func openCollection(name: String, root: String, descriptor: String, embedding: String?, mapper: String?, replace: Bool) throws -> CollectionInfo {
        try transaction {
            if replace { try claimName(name, kind: .collection, replace: true) }
            let embeddingID = try embedding.map { embedding in
                guard let id = try db.scalarInt("SELECT id FROM embedding WHERE name = ?", [.text(embedding)]) else {
                    throw CatalogError.notFound(kind: .embedding, name: embedding)
                }
                return id
            }
            let mapperID = try mapper.map { mapper in
                guard let id = try db.scalarInt("SELECT id FROM mapper WHERE name = ?", [.text(mapper)]) else {
                    throw CatalogError.notFound(kind: .mapper, name: mapper)
                }
                return id
            }
            if let existing = try collections().first(where: { $0.name == name }) {
                try existing.checkSettings(root: root, descriptor: descriptor, mapper: mapper)
                if existing.embedding != embedding {
                    // The old semantic vectors mean nothing in the new space.
                    let update = try db.prepare("UPDATE collection SET embedding_id = ?, generation = generation + 1 WHERE id = ?")
                    try update.bind([embeddingID.map { .integer($0) } ?? .null, .integer(existing.id)])
                    try update.run()
                    try db.execute("UPDATE image SET embedding = NULL WHERE collection_id = \(existing.id)")
                }
            } else {
                try validateName(name, kind: .collection)
                let insert = try db.prepare("INSERT INTO collection (name, root, descriptor, embedding_id, created_at, mapper_id) VALUES (?, ?, ?, ?, ?, ?)")
                try insert.bind([.text(name), .text(root), .text(descriptor), embeddingID.map { .integer($0) } ?? .null, .text(SQLiteStore.timestamp()),
                                 mapperID.map { .integer($0) } ?? .null])
                try insert.run()
            }
            return try collection(named: name)
        }
    }

    /// Removes the collection; its images go with it (ON DELETE CASCADE).
    public func deleteCollection(named name: String) throws {
        try transaction {
            guard let id = try db.scalarInt("SELECT id FROM collection WHERE name = ?", [.text(name)]) else {
                throw CatalogError.notFound(kind: .collection, name: name)
            }
            try db.execute("DELETE FROM collection WHERE id = \(id)")
        }
    }

    /// Every image of the collection, in id order; `vectors: false` leaves the vectors empty. Style descriptors are
    /// left out (6.5 KB a photo): `styles(in:batch:_:)` streams them.
    public func images(in collection: CollectionInfo, vectors: Bool) throws -> [ImageRecord] {
        let statement = try db.prepare("""
            SELECT id, path, sha256, bytes, width, height, top_classes, label, tags\(vectors ? ", descriptor, embedding, NULL, colour" : "")
            FROM image WHERE collection_id = ? ORDER BY id
            """)
        try statement.bind(collection.id, at: 1)
        var result: [ImageRecord] = []
        while try statement.step() { result.append(try readImage(statement, vectors: vectors)) }
        return result
    }

    /// One image with its vectors, and its collection's name.
    public func image(id: Int64) throws -> (collection: String, image: ImageRecord)? {
        let statement = try db.prepare("""
            SELECT i.id, i.path, i.sha256, i.bytes, i.width, i.height, i.top_classes, i.label, i.tags, i.descriptor, i.embedding,
                   i.style, i.colour, c.name
            FROM image i JOIN collection c ON c.id = i.collection_id WHERE i.id = ?
            """)
        try statement.bind(id, at: 1)
        guard try statement.step() else { return nil }
        return (statement.text(13), try readImage(statement, vectors: true))
    }

    private func readImage(_ statement: Statement, vectors: Bool) throws -> ImageRecord {
        let top = try JSONDecoder().decode([ClassProbability].self, from: Data(statement.text(6).utf8))
        let tags = try JSONDecoder().decode([String].self, from: Data(statement.text(8).utf8))
        return ImageRecord(id: statement.int64(0), path: statement.text(1), sha256: statement.text(2), bytes: statement.int(3),
                           width: statement.int(4), height: statement.int(5), topClasses: top,
                           descriptor: vectors ? Self.floats(statement.blob(9)) : [],
                           embedding: vectors && !statement.isNull(10) ? Self.floats(statement.blob(10)) : nil,
                           label: statement.optionalText(7), tags: tags,
                           style: vectors && !statement.isNull(11) ? Self.halfFloats(statement.blob(11)) : nil,
                           colour: vectors && !statement.isNull(12) ? Self.halfFloats(statement.blob(12)) : nil)
    }

    /// Adds or replaces (by path) images and removes the ids in `removing`, in
    /// one transaction that also bumps the collection's generation.
    public func updateImages(of collection: CollectionInfo, upserting records: [ImageRecord], removing: [Int64]) throws {
        guard !records.isEmpty || !removing.isEmpty else { return }
        try transaction {
            try upsertImages(records, in: collection)
            let delete = try db.prepare("DELETE FROM image WHERE id = ? AND collection_id = ?")
            for id in removing {
                try delete.bind([.integer(id), .integer(collection.id)])
                try delete.run()
            }
            try db.execute("UPDATE collection SET generation = generation + 1 WHERE id = \(collection.id)")
        }
    }

    /// Inserts or updates `records` by path; the caller holds the transaction and bumps the generation.
    func upsertImages(_ records: [ImageRecord], in collection: CollectionInfo) throws {
        let upsert = try db.prepare("""
            INSERT INTO image (collection_id, path, sha256, bytes, width, height, top_classes, descriptor, embedding, label, tags, style, colour)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (collection_id, path) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes, width = excluded.width,
                height = excluded.height, top_classes = excluded.top_classes, descriptor = excluded.descriptor, embedding = excluded.embedding,
                style = excluded.style, colour = excluded.colour,
                label = coalesce(excluded.label, image.label),
                tags = CASE excluded.tags WHEN '[]' THEN image.tags ELSE excluded.tags END
            """)
        let encoder = JSONEncoder()
        for record in records {
            try upsert.bind([.integer(collection.id), .text(record.path), .text(record.sha256), .integer(Int64(record.bytes)),
                             .integer(Int64(record.width)), .integer(Int64(record.height)),
                             .text(String(decoding: try encoder.encode(record.topClasses), as: UTF8.self)),
                             .blob(Self.bytes(record.descriptor)), record.embedding.map { .blob(Self.bytes($0)) } ?? .null,
                             record.label.map { .text($0) } ?? .null, .text(String(decoding: try encoder.encode(record.tags), as: UTF8.self)),
                             record.style.map { .blob(Self.halfBytes($0)) } ?? .null, record.colour.map { .blob(Self.halfBytes($0)) } ?? .null])
            try upsert.run()
        }
    }

    /// The ids of the images at these paths.
    public func imageIDs(in collection: CollectionInfo, paths: [String]) throws -> [String: Int64] {
        let statement = try db.prepare("SELECT id FROM image WHERE collection_id = ? AND path = ?")
        var ids: [String: Int64] = [:]
        for path in paths {
            try statement.bind([.integer(collection.id), .text(path)])
            if try statement.step() { ids[path] = statement.int64(0) }
            statement.reset()
        }
        return ids
    }

    /// Sets the image's label and tags (nil: kept) and bumps the generation; false when the collection has no such image.
    public func annotateImage(_ id: Int64, in collection: CollectionInfo, label: LabelChange, tags: [String]?) throws -> Bool {
        try transaction {
            guard try db.scalarInt("SELECT count(*) FROM image WHERE id = ? AND collection_id = ?", [.integer(id), .integer(collection.id)]) == 1
            else { return false }
            let update = try db.prepare("UPDATE image SET label = CASE ?1 WHEN 0 THEN label ELSE ?2 END, tags = coalesce(?3, tags) WHERE id = ?4")
            let (keep, value): (Int64, SQLValue) = switch label {
            case .keep: (0, .null)
            case .clear: (1, .null)
            case let .set(key): (1, .text(key))
            }
            let tagsJSON = try tags.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            try update.bind([.integer(keep), value, tagsJSON.map { .text($0) } ?? .null, .integer(id)])
            try update.run()
            try db.execute("UPDATE collection SET generation = generation + 1 WHERE id = \(collection.id)")
            return true
        }
    }

    /// The images without a semantic vector, with their stored top classes.
    public func imagesLackingEmbedding(in collection: CollectionInfo) throws -> [(id: Int64, topClasses: [ClassProbability])] {
        let statement = try db.prepare("SELECT id, top_classes FROM image WHERE collection_id = ? AND embedding IS NULL ORDER BY id")
        try statement.bind(collection.id, at: 1)
        var result: [(id: Int64, topClasses: [ClassProbability])] = []
        while try statement.step() {
            result.append((statement.int64(0), try JSONDecoder().decode([ClassProbability].self, from: Data(statement.text(1).utf8))))
        }
        return result
    }

    /// Replaces the semantic vectors of the given images (id → vector).
    public func setEmbeddings(of collection: CollectionInfo, _ vectors: [(id: Int64, embedding: [Float])]) throws {
        try transaction {
            let update = try db.prepare("UPDATE image SET embedding = ? WHERE id = ? AND collection_id = ?")
            for (id, vector) in vectors {
                try update.bind([.blob(Self.bytes(vector)), .integer(id), .integer(collection.id)])
                try update.run()
            }
            try db.execute("UPDATE collection SET generation = generation + 1 WHERE id = \(collection.id)")
        }
    }

    /// The paths of images without a style or colour descriptor.
    public func pathsLackingFacets(in collection: CollectionInfo) throws -> Set<String> {
        let statement = try db.prepare("SELECT path FROM image WHERE collection_id = ? AND (style IS NULL OR colour IS NULL)")
        try statement.bind(collection.id, at: 1)
        var paths: Set<String> = []
        while try statement.step() { paths.insert(statement.text(0)) }
        return paths
    }

    /// The images' style descriptors in id order, `batch` at a time (nil where an image has none).
    public func styles(in collection: CollectionInfo, batch: Int, _ body: ([[Float]?]) throws -> Void) throws {
        let statement = try db.prepare("SELECT style FROM image WHERE collection_id = ? ORDER BY id")
        try statement.bind(collection.id, at: 1)
        var rows: [[Float]?] = []
        while try statement.step() {
            rows.append(statement.isNull(0) ? nil : Self.halfFloats(statement.blob(0)))
            if rows.count == batch { try body(rows); rows.removeAll(keepingCapacity: true) }
        }
        if !rows.isEmpty { try body(rows) }
    }

    /// How many images have a style descriptor, and up to `limit` of them spread evenly over the id order.
    public func styleSample(of collection: CollectionInfo, limit: Int) throws -> (count: Int, sample: [[Float]]) {
        let count = Int(try db.scalarInt("SELECT count(*) FROM image WHERE collection_id = ? AND style IS NOT NULL", [.integer(collection.id)]) ?? 0)
        guard count > 0, limit > 0 else { return (count, []) }
        // Every step-th image in id order: a sample spread over the whole collection, the same each time.
        let step = (count + limit - 1) / limit
        let statement = try db.prepare("""
            SELECT style FROM (SELECT style, row_number() OVER (ORDER BY id) - 1 AS n FROM image WHERE collection_id = ? AND style IS NOT NULL)
            WHERE n % ? = 0
            """)
        try statement.bind([.integer(collection.id), .integer(Int64(step))])
        var sample: [[Float]] = []
        while try statement.step() { sample.append(Self.halfFloats(statement.blob(0))) }
        return (count, sample)
    }

    /// The collection's style PCA, nil before one is learned.
    public func styleProjection(of collection: CollectionInfo) throws -> StyleProjection? {
        let statement = try db.prepare("SELECT photos, dims, inputs, mean, components FROM style_projection WHERE collection_id = ?")
        try statement.bind(collection.id, at: 1)
        guard try statement.step() else { return nil }
        return StyleProjection(photos: statement.int(0), dims: statement.int(1), inputs: statement.int(2),
                               mean: Self.floats(statement.blob(3)), components: Self.floats(statement.blob(4)))
    }

    /// Replaces the collection's style PCA and bumps its generation, so readers load it.
    public func setStyleProjection(_ projection: StyleProjection, of collection: CollectionInfo) throws {
        try transaction {
            let upsert = try db.prepare("""
                INSERT INTO style_projection (collection_id, photos, dims, inputs, mean, components) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (collection_id) DO UPDATE SET photos = excluded.photos, dims = excluded.dims, inputs = excluded.inputs,
                    mean = excluded.mean, components = excluded.components
                """)
            try upsert.bind([.integer(collection.id), .integer(Int64(projection.photos)), .integer(Int64(projection.dims)),
                             .integer(Int64(projection.inputs)), .blob(Self.bytes(projection.mean)), .blob(Self.bytes(projection.components))])
            try upsert.run()
            try db.execute("UPDATE collection SET generation = generation + 1 WHERE id = \(collection.id)")
        }
    }
}
