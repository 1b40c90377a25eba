import Foundation
import PostgresNIO

/// pgvector's `vector` (float32) and `halfvec` (float16) in their binary wire
/// format: a 16-bit dimension, 16 unused bits, then the values, big-endian.
/// Bound with type 0 (unspecified), the server reads them as the column's type,
/// so the extension's type ids (which differ between databases) are never needed.
struct PGVector: PostgresEncodable, PostgresNonThrowingEncodable, PostgresDecodable {
    var values: [Float]
    /// True for `halfvec`: two bytes a value.
    var half = false

    static var psqlType: PostgresDataType { PostgresDataType(0) }
    static var psqlFormat: PostgresFormat { .binary }

    init(_ values: [Float], half: Bool = false) { (self.values, self.half) = (values, half) }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(Int16(values.count))
        buffer.writeInteger(Int16(0))
        for value in values {
            if half { buffer.writeInteger(Float16(value).bitPattern) } else { buffer.writeInteger(value.bitPattern) }
        }
    }

    /// Either type: the byte count says which (4 + 4·n for vector, 4 + 2·n for halfvec).
    init<JSONDecoder: PostgresJSONDecoder>(from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
                                          context: PostgresDecodingContext<JSONDecoder>) throws {
        guard format == .binary, let dims = buffer.readInteger(as: Int16.self), buffer.readInteger(as: Int16.self) != nil, dims >= 0 else {
            throw PostgresDecodingError.Code.failure
        }
        let count = Int(dims)
        if buffer.readableBytes == count * 4 {
            values = (0..<count).map { _ in Float(bitPattern: buffer.readInteger(as: UInt32.self)!) }
        } else if buffer.readableBytes == count * 2 {
            half = true
            values = (0..<count).map { _ in Float(Float16(bitPattern: buffer.readInteger(as: UInt16.self)!)) }
        } else {
            throw PostgresDecodingError.Code.typeMismatch
        }
    }
}

extension PostgresStore {
    /// Little-endian float64 bytes (class embeddings and mappers, kept exact as in SQLite).
    static func bytes(_ values: [Double]) -> Data {
        values.withUnsafeBytes { Data($0) }  // x86-64 and arm64 are little-endian, as the SQLite store assumes too
    }

    static func doubles(_ data: Data) throws -> [Double] {
        guard data.count % 8 == 0 else { throw PostgresStoreError.corrupt("a float64 value of \(data.count) bytes") }
        return data.withUnsafeBytes { raw in
            (0..<raw.count / 8).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }
}

/// Many rows of one table inserted with one statement (`INSERT … VALUES (…), (…)`), every value bound:
/// bulk imports would otherwise pay a round trip per row.
struct RowBatch {
    let prefix: String
    let suffix: String
    let columns: Int
    private(set) var rows = 0
    private var tuples: [String] = []
    private var bindings = PostgresBindings()

    /// The server takes at most 65,535 values a statement.
    var isFull: Bool { (rows + 1) * columns > 60_000 }

    init(table: String, columns names: [String], onConflict: String = "") {
        prefix = "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES "
        suffix = onConflict.isEmpty ? "" : " ON CONFLICT \(onConflict)"
        columns = names.count
    }

    mutating func add(_ values: [(any PostgresThrowingDynamicTypeEncodable)?]) throws {
        precondition(values.count == columns)
        let first = rows * columns
        tuples.append("(" + (1...columns).map { "$\(first + $0)" }.joined(separator: ", ") + ")")
        for value in values {
            if let value { try bindings.append(value) } else { bindings.appendNull() }
        }
        rows += 1
    }

    /// Inserts the rows gathered so far and starts empty again.
    mutating func flush(_ session: PostgresSession) throws {
        guard rows > 0 else { return }
        try session.query(PostgresQuery(unsafeSQL: prefix + tuples.joined(separator: ", ") + suffix, binds: bindings))
        (rows, tuples, bindings) = (0, [], PostgresBindings())
    }
}
