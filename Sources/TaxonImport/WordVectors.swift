import Foundation
import TaxonLinalg
import TaxonModel

/// Imports word vectors from the common file formats:
///   - `glove`: `token v1 … vd` per line, no header;
///   - `word2vec-txt` and `fasttext-vec`: the same after a `count dims` header line;
///   - `word2vec-bin`: a `count dims` header line, then per token its bytes, a
///     space and dims little-endian float32 values (a newline after each is optional).
/// Without `format`, a header of two integers means word2vec/fastText (text if the
/// first record reads as text, else binary) and no header means GloVe.
/// A token seen twice keeps its first vector, as gensim does; the report counts the rest.
public enum WordVectorsImporter {
    /// The word-vector file formats read.
    public enum Format: String, CaseIterable, Codable, Sendable {
        case glove
        case word2vecBin = "word2vec-bin"
        case word2vecText = "word2vec-txt"
        case fasttextVec = "fasttext-vec"
    }

    /// What a word-vector import wrote.
    public struct Report: Codable, Sendable {
        public let vectorSet: String
        public let format: Format
        public let dims: Int
        public let count: Int
        public let duplicatesSkipped: Int
    }

    /// Imports a word-vector file (format detected when not given) as a vector set, in one transaction; the first vector of a repeated token wins.
    public static func run(store: Store, file: String, name: String, format: Format? = nil, replace: Bool = false) throws -> Report {
        let input = try InputFile(path: file)
        let parsed = try parse(input, format: format)
        // Duplicates are byte-identical tokens, as SQLite's key compares them (Swift's String
        // equality would also merge canonically equivalent spellings, é and e + U+0301).
        var seen = Set<[UInt8]>(minimumCapacity: parsed.tokens.count)
        // Inserting in token order appends to the primary-key B-tree instead of
        // splitting pages all over it: twice as fast for 400k GloVe words.
        let firstRows = parsed.tokens.indices.filter { seen.insert(Array(parsed.tokens[$0].utf8)).inserted }
            .sorted { parsed.tokens[$0] < parsed.tokens[$1] }
        try store.importing {
            let writer = try store.vectorSetWriter(name: name, dims: parsed.dims, count: firstRows.count,
                                             format: parsed.format.rawValue, source: absolutePath(file), replace: replace)
            try parsed.values.withUnsafeBufferPointer { values in
                for row in firstRows {
                    try writer.add(token: parsed.tokens[row], vector: UnsafeBufferPointer(rebasing: values[row * parsed.dims..<(row + 1) * parsed.dims]))
                }
            }
        }
        return Report(vectorSet: name, format: parsed.format, dims: parsed.dims, count: firstRows.count,
                      duplicatesSkipped: parsed.tokens.count - firstRows.count)
    }

    struct Parsed {
        var format: Format
        var dims: Int
        var tokens: [String]
        var values: [Float]
    }

    static func parse(_ input: InputFile, format requested: Format?) throws -> Parsed {
        let header = try readHeader(input)
        let format: Format
        switch requested {
        case .some(let given):
            format = given
            if (given == .glove) != (header == nil) {
                throw InputError(file: input.path, line: 1, given == .glove
                    ? "starts with a 'count dims' header, which GloVe files do not have (try --format word2vec-txt)"
                    : "has no 'count dims' header line, which \(given.rawValue) files start with")
            }
        case .none:
            guard let header else { format = .glove; break }
            format = looksLikeText(input, after: header.end, dims: header.dims) ? .word2vecText : .word2vecBin
        }
        var parsed: Parsed
        if format == .word2vecBin {
            parsed = try parseBinary(input, header: header!)
        } else {
            try input.requireUTF8()
            parsed = try parseText(input, header: header)
        }
        parsed.format = format
        return parsed
    }

    struct Header { var count: Int; var dims: Int; var end: Int }

    /// A first line of exactly two positive integers, `count dims`.
    static func readHeader(_ input: InputFile) throws -> Header? {
        let bytes = input.bytes
        guard let newline = bytes.firstIndex(of: 0x0A) else { return nil }
        return try bytes.withUnsafeBufferPointer { all in
            var fields = FieldReader(UnsafeBufferPointer(rebasing: all[0..<newline]))
            guard let first = fields.next()?.unsigned(), let second = fields.next()?.unsigned(), fields.next() == nil else { return nil }
            guard first > 0, second > 0, second <= 100_000 else {
                throw InputError(file: input.path, line: 1, "header '\(first) \(second)' needs a positive count and 1 to 100000 dimensions")
            }
            return Header(count: first, dims: second, end: newline + 1)
        }
    }

    /// True when the line after the header is a token and `dims` decimal numbers.
    static func looksLikeText(_ input: InputFile, after start: Int, dims: Int) -> Bool {
        input.bytes.withUnsafeBufferPointer { all in
            var end = start
            while end < all.count && all[end] != 0x0A { end += 1 }
            let line = UnsafeBufferPointer(rebasing: all[start..<end])
            guard String(validating: line, as: UTF8.self) != nil else { return false }
            var fields = FieldReader(line)
            guard fields.next() != nil else { return false }
            var values = 0
            while let field = fields.next() {
                guard parseFloat(field) != nil else { return false }
                values += 1
            }
            return values == dims
        }
    }

    static func parseText(_ input: InputFile, header: Header?) throws -> Parsed {
        let body = (header?.end ?? 0)..<input.bytes.count
        let firstLine = header == nil ? 1 : 2
        guard let dims = try header?.dims ?? firstLineDims(input, in: body, line: firstLine) else {
            throw InputError(file: input.path, "holds no vectors")
        }
        // Number parsing dominates: split the lines over both cores.
        let chunks = try parallelMap(input.lineChunks(of: body, firstLine: firstLine, parts: 2)) { chunk in
            try parseLines(input, chunk.range, firstLine: chunk.firstLine, dims: dims)
        }
        let tokens = chunks.flatMap(\.tokens)
        guard !tokens.isEmpty else { throw InputError(file: input.path, "holds no vectors") }
        if let header, header.count != tokens.count {
            throw InputError(file: input.path, line: 1, "header announces \(header.count) vectors, the file has \(tokens.count)")
        }
        return Parsed(format: .glove, dims: dims, tokens: tokens, values: chunks.flatMap(\.values))
    }

    /// GloVe files have no header: the first line's value count sets the dimension.
    private static func firstLineDims(_ input: InputFile, in body: Range<Int>, line: Int) throws -> Int? {
        guard !body.isEmpty else { return nil }
        var dims: Int?
        try input.forEachLine(in: body.lowerBound..<(input.bytes[body].firstIndex(of: 0x0A) ?? body.upperBound), firstLine: line) { text, number, _ in
            var fields = FieldReader(text)
            guard let token = fields.next() else { throw input.error(line: number, "empty line (expected a token and its values)") }
            var count = 0
            while fields.next() != nil { count += 1 }
            guard count > 0 else { throw input.error(line: number, "'\(token.string)' has no values") }
            dims = count
        }
        return dims
    }

    private static func parseLines(_ input: InputFile, _ range: Range<Int>, firstLine: Int, dims: Int) throws -> (tokens: [String], values: [Float]) {
        var tokens: [String] = []
        var values: [Float] = []
        values.reserveCapacity(range.count / 8)
        try input.forEachLine(in: range, firstLine: firstLine) { line, number, _ in
            var fields = FieldReader(line)
            guard let token = fields.next() else {
                throw input.error(line: number, "empty line (expected a token and its values)")
            }
            var found = 0
            while let field = fields.next() {
                guard let value = parseFloat(field), value.isFinite else {
                    throw input.error(line: number, "'\(field.string)' is not a finite number")
                }
                values.append(value)
                found += 1
            }
            guard found == dims else {
                throw input.error(line: number, "'\(token.string)' has \(found) values; expected \(dims)")
            }
            tokens.append(token.string)
        }
        return (tokens, values)
    }

    static func parseBinary(_ input: InputFile, header: Header) throws -> Parsed {
        // Each vector takes at least its floats: refuse an impossible count before allocating for it
        // (a merely truncated file gets the precise error below).
        guard header.count <= (input.bytes.count - header.end) / (header.dims * 4) else {
            throw InputError(file: input.path, line: 1, "header announces \(header.count) vectors of \(header.dims) floats, more than the file can hold")
        }
        return try input.bytes.withUnsafeBufferPointer { all in
            var tokens: [String] = []
            tokens.reserveCapacity(header.count)
            var values = [Float](repeating: 0, count: header.count * header.dims)
            var position = header.end
            let vectorBytes = header.dims * 4
            try values.withUnsafeMutableBytes { out in
                for row in 0..<header.count {
                    while position < all.count && (all[position] == 0x0A || all[position] == 0x20) { position += 1 }
                    let start = position
                    while position < all.count && all[position] != 0x20 { position += 1 }
                    guard position < all.count, position > start else {
                        throw InputError(file: input.path, byteOffset: start, "truncated: expected vector \(row + 1) of \(header.count)")
                    }
                    guard let token = String(validating: UnsafeBufferPointer(rebasing: all[start..<position]), as: UTF8.self) else {
                        throw InputError(file: input.path, byteOffset: start, "token \(row + 1) is not valid UTF-8")
                    }
                    position += 1
                    guard position + vectorBytes <= all.count else {
                        throw InputError(file: input.path, byteOffset: position, "truncated: the vector of '\(token)' needs \(vectorBytes) bytes")
                    }
                    let target = UnsafeMutableRawBufferPointer(rebasing: out[row * vectorBytes..<(row + 1) * vectorBytes])
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(all)[position..<position + vectorBytes]))
                    for index in 0..<header.dims {
                        let value = Float(bitPattern: UInt32(littleEndian: target.load(fromByteOffset: index * 4, as: UInt32.self)))
                        guard value.isFinite else {
                            throw InputError(file: input.path, byteOffset: position + index * 4, "the vector of '\(token)' holds a non-finite value")
                        }
                        target.storeBytes(of: value, toByteOffset: index * 4, as: Float.self)
                    }
                    position += vectorBytes
                    tokens.append(token)
                }
            }
            while position < all.count && (all[position] == 0x0A || all[position] == 0x20) { position += 1 }
            if position < all.count {
                throw InputError(file: input.path, byteOffset: position, "more data after the \(header.count) vectors the header announces")
            }
            return Parsed(format: .word2vecBin, dims: header.dims, tokens: tokens, values: values)
        }
    }
}
