/// Errors the library reports to a person. Each says what went wrong with the
/// id, name, file or line concerned, in one sentence without CLI flags or HTTP
/// words; the edges add those (the CLI a hint naming its option, the server a
/// status code from `kind`).
public protocol TaxonError: Error, CustomStringConvertible {
    var kind: ErrorKind { get }
}

/// What sort of failure an error is, so that each adapter can answer it in its own terms.
public enum ErrorKind: Sendable, Equatable {
    /// The request itself is malformed or out of range (HTTP 400).
    case invalidInput
    /// A named thing does not exist (404).
    case notFound
    /// A name is taken, or the thing exists with other settings (409).
    case conflict
    /// Well-formed, but it cannot be processed: a photo that does not decode, a query without words (422).
    case unprocessable
    /// Over a size limit (413).
    case tooLarge
    /// A resource the service needs is missing, e.g. the network's weights (503).
    case unavailable
}

/// A concept reference that names nothing, or more than one thing.
public enum ReferenceError: TaxonError, Equatable {
    case unknown(reference: String, taxonomy: String)
    case ambiguous(reference: String, candidates: [Concept])
    case taxonomyRequired(available: [String])

    public var kind: ErrorKind {
        if case .unknown = self { return .notFound }
        return .invalidInput
    }

    public var description: String {
        switch self {
        case let .unknown(reference, taxonomy):
            return "unknown concept '\(reference)' in taxonomy '\(taxonomy)'"
        case let .ambiguous(reference, candidates):
            let listed = candidates.prefix(12).map { "\($0.label) (\($0.key))" }.joined(separator: ", ")
            let more = candidates.count > 12 ? ", … \(candidates.count - 12) more" : ""
            return "'\(reference)' has \(candidates.count) senses: \(listed)\(more); name one of them"
        case let .taxonomyRequired(available):
            return "the store holds several taxonomies (\(available.joined(separator: ", "))); name one"
        }
    }
}

/// A named catalogue entry that is missing, taken or badly named.
public enum CatalogError: TaxonError, Equatable {
    case exists(kind: CatalogKind, name: String)
    case notFound(kind: CatalogKind, name: String)
    case invalidName(kind: CatalogKind, name: String)
    /// A mapper a collection's photos were analysed with (deleting it would leave their classes unnamed).
    case mapperInUse(mapper: String, collection: String)

    public var kind: ErrorKind {
        switch self {
        case .exists, .mapperInUse: return .conflict
        case .notFound: return .notFound
        case .invalidName: return .invalidInput
        }
    }

    public var description: String {
        switch self {
        case let .exists(kind, name): return "a \(kind.rawValue) named '\(name)' already exists"
        case let .notFound(kind, name): return "no \(kind.rawValue) named '\(name)' in the store"
        case let .invalidName(kind, name): return "'\(name)' is not a valid \(kind.rawValue) name (use letters, digits, '.', '_' or '-', at most 100)"
        case let .mapperInUse(mapper, collection):
            return "mapper '\(mapper)' names the classes of collection '\(collection)': delete the collection, or index it again with --replace, first"
        }
    }
}

/// An embedding that cannot be stored as given.
public enum EmbeddingError: TaxonError, Equatable {
    case shape(rows: Int, dims: Int, values: Int, classes: Int)
    case notFinite(row: Int)
    case tooLarge(bytes: Int)

    public var kind: ErrorKind {
        switch self {
        case .shape: return .invalidInput
        case .notFinite: return .unprocessable
        case .tooLarge: return .tooLarge
        }
    }

    public var description: String {
        switch self {
        case let .shape(rows, dims, values, classes):
            return "an embedding of \(rows) × \(dims) needs \(rows * dims) values and one row per class (\(classes)); got \(values)"
        case let .notFinite(row): return "row \(row) of the embedding is not finite (NaN or infinity); nothing was stored"
        case let .tooLarge(bytes): return "the embedding takes \(bytes) bytes, over the store's limit of 1e9 for one value; use fewer dimensions"
        }
    }
}

/// A collection asked for with other settings than it was indexed with.
public enum CollectionError: TaxonError, Equatable {
    case differentSetting(collection: String, setting: String, stored: String, requested: String)

    public var kind: ErrorKind { .conflict }

    public var description: String {
        switch self {
        case let .differentSetting(collection, setting, stored, requested):
            return "collection '\(collection)' was indexed with \(setting) \(stored), not \(requested); use another collection name"
        }
    }
}

/// Search inside the database refused: its parameters, or a store or collection that cannot have it.
public enum DatabaseSearchError: TaxonError, Equatable {
    /// The store searches its collections in memory (SQLite).
    case notSupported(store: String)
    case badParameter(String)
    /// The collection has no image with that vector to learn the index's dimension from.
    case nothingToIndex(collection: String, vector: String)

    public var kind: ErrorKind {
        switch self {
        case .notSupported, .badParameter: return .invalidInput
        case .nothingToIndex: return .unprocessable
        }
    }

    public var description: String {
        switch self {
        case let .notSupported(store): return "\(store) searches its collections in memory; HNSW indexes need a PostgreSQL store (postgres://…)"
        case let .badParameter(message): return message
        case let .nothingToIndex(collection, vector): return "collection '\(collection)' has no image with a \(vector) to index"
        }
    }
}

/// The checks every backend makes before it stores a class embedding or a mapper.
extension EmbeddingError {
    /// Largest value a store takes (SQLite's default limit on one value, PostgreSQL's on one field are both 1e9 bytes).
    public static let maxBytes = 1_000_000_000

    /// Refuses embedding rows that do not fill `classes` × `dims`, are not finite, or are too large to store.
    public static func checkEmbedding(_ values: [Double], classes: Int, dims: Int) throws {
        guard classes > 0, dims > 0, values.count == classes * dims else {
            throw EmbeddingError.shape(rows: dims > 0 ? values.count / dims : 0, dims: dims, values: values.count, classes: classes)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw EmbeddingError.notFinite(row: bad / dims) }
        guard values.count * 8 <= maxBytes else { throw EmbeddingError.tooLarge(bytes: values.count * 8) }
    }

    /// Refuses mapper values that are not weights (outputs × inputs) then bias (outputs), or not finite.
    public static func checkMapper(_ values: [Double], inputs: Int, outputs: Int) throws {
        guard inputs > 0, outputs > 0, values.count == (inputs + 1) * outputs else {
            throw EmbeddingError.shape(rows: outputs, dims: inputs + 1, values: values.count, classes: outputs)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw EmbeddingError.notFinite(row: bad / (inputs + 1)) }
    }
}

extension CollectionInfo {
    /// Refuses to open this stored collection with another mapper, folder or descriptor: its records were made with these.
    public func checkSettings(root: String, descriptor: String, mapper: String?) throws {
        // Stored top classes name the mapper's classes (or the network's): another set needs every photo analysed again.
        if self.mapper != mapper {
            throw CollectionError.differentSetting(collection: name, setting: "mapper", stored: self.mapper ?? "none", requested: mapper ?? "none")
        }
        if self.root != root { throw CollectionError.differentSetting(collection: name, setting: "folder", stored: self.root, requested: root) }
        if self.descriptor != descriptor {
            throw CollectionError.differentSetting(collection: name, setting: "descriptor", stored: self.descriptor, requested: descriptor)
        }
    }
}

/// Names of catalogue entries: they end up in URLs and file names.
public func validateName(_ name: String, kind: CatalogKind) throws {
    guard isValidName(name) else { throw CatalogError.invalidName(kind: kind, name: name) }
}

/// 1 to 100 of A–Z a–z 0–9 _ - . (names travel in URLs, file names and logs).
public func isValidName(_ name: String) -> Bool {
    let allowed = name.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }
    return allowed && !name.isEmpty && name.utf8.count <= 100
}

/// An API key request that cannot be carried out.
public enum KeyError: TaxonError, Equatable {
    case exists(String)
    case notFound(String)
    case invalidName(String)

    public var kind: ErrorKind {
        switch self {
        case .exists: return .conflict
        case .notFound: return .notFound
        case .invalidName: return .invalidInput
        }
    }

    public var description: String {
        switch self {
        case let .exists(name): return "an API key named '\(name)' exists already"
        case let .notFound(name): return "no API key named '\(name)'"
        case let .invalidName(name): return "'\(name.prefix(100))' is not a valid key name: use 1 to 100 of A-Z a-z 0-9 _ - ."
        }
    }
}
