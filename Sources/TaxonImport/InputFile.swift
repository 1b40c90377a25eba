import Foundation
import TaxonModel

/// Bad input in an imported file, located by line (text) or byte offset (binary).
public struct InputError: TaxonError, Equatable {
    public let file: String
    public let line: Int?
    public let byteOffset: Int?
    public let message: String

    /// An error at a line or byte offset of a file.
    public init(file: String, line: Int? = nil, byteOffset: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.byteOffset = byteOffset
        self.message = message
    }

    public var kind: ErrorKind { .invalidInput }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        if let byteOffset { return "\(file): byte \(byteOffset): \(message)" }
        return "\(file): \(message)"
    }
}

/// A whole input file in memory as bytes, read once and split into lines
/// without copying. Text is checked to be UTF-8 up front so that any later
/// `String(decoding:)` of a slice is exact.
struct InputFile {
    let path: String
    let bytes: [UInt8]

    /// Reads `path`; refuses files over `limit` bytes with a clear message.
    init(path: String, limit: Int = 1 << 34) throws {
        self.path = path
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw InputError(file: path, "cannot read: no such file or not accessible")
        }
        if attributes[.type] as? FileAttributeType == .typeDirectory { throw InputError(file: path, "is a directory, not a file") }
        if let size = attributes[.size] as? Int, size > limit { throw InputError(file: path, "is \(size) bytes; the limit is \(limit)") }
        bytes = try Self.readAll(path)
    }

    /// The whole file with read(2) straight into the array: one copy, no mapping.
    private static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw InputError(file: path, "cannot read: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw InputError(file: path, "cannot read: \(String(cString: strerror(errno)))") }
        let size = Int(info.st_size)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while count < size {
                let got = read(fd, buffer.baseAddress! + count, min(size - count, 1 << 30))  // macOS refuses > INT_MAX
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { failure = got < 0 ? errno : 0; break }
                count += got
            }
        }
        guard bytes.count == size else {
            throw InputError(file: path, "cannot read: \(failure != 0 ? String(cString: strerror(failure)) : "the file shrank while being read")")
        }
        return bytes
    }

    init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// Throws naming the first line that is not valid UTF-8.
    func requireUTF8() throws {
        let valid = bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) != nil }
        if valid { return }
        var lineNumber = 0
        try forEachLine { line, number, _ in
            lineNumber = number
            if String(validating: line, as: UTF8.self) == nil {
                throw InputError(file: path, line: number, "is not valid UTF-8")
            }
        }
        throw InputError(file: path, line: lineNumber, "is not valid UTF-8")
    }

    /// Calls `body` with each line (without its "\n" or "\r\n"), its 1-based
    /// number and the byte offset where it starts.
    func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int, Int) throws -> Void) rethrows {
        try forEachLine(in: 0..<bytes.count, firstLine: 1, body)
    }

    /// The same over the lines of `range`, which starts at a line start; the
    /// first of them is numbered `firstLine`.
    func forEachLine(in range: Range<Int>, firstLine: Int, _ body: (UnsafeBufferPointer<UInt8>, Int, Int) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { all in
            var start = range.lowerBound
            var number = firstLine - 1
            while start < range.upperBound {
                number += 1
                var end = start
                while end < range.upperBound && all[end] != 0x0A { end += 1 }
                var stop = end
                if stop > start && all[stop - 1] == 0x0D { stop -= 1 }
                try body(UnsafeBufferPointer(rebasing: all[start..<stop]), number, start)
                start = end + 1
            }
        }
    }

    /// Splits `range` into at most `parts` pieces that each start at a line
    /// start, with the number of each piece's first line.
    func lineChunks(of range: Range<Int>, firstLine: Int, parts: Int) -> [(range: Range<Int>, firstLine: Int)] {
        var chunks: [(Range<Int>, Int)] = []
        var start = range.lowerBound, line = firstLine
        for part in 1...parts where start < range.upperBound {
            var end = part == parts ? range.upperBound : max(start, range.lowerBound + range.count * part / parts)
            while end < range.upperBound && bytes[end - 1] != 0x0A { end += 1 }
            chunks.append((start..<end, line))
            if part < parts { line += newlineCount(in: start..<end) }
            start = end
        }
        return chunks
    }

    func newlineCount(in range: Range<Int>) -> Int {
        bytes.withUnsafeBufferPointer { all in
            var count = 0
            for index in range where all[index] == 0x0A { count += 1 }
            return count
        }
    }

    func error(line: Int, _ message: String) -> InputError { InputError(file: path, line: line, message) }
}

/// Whitespace-separated fields of one line, read left to right.
struct FieldReader {
    let line: UnsafeBufferPointer<UInt8>
    private(set) var position = 0

    init(_ line: UnsafeBufferPointer<UInt8>) { self.line = line }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// The next field, or nil at the end of the line.
    mutating func next() -> UnsafeBufferPointer<UInt8>? {
        while position < line.count && Self.isSpace(line[position]) { position += 1 }
        guard position < line.count else { return nil }
        let start = position
        while position < line.count && !Self.isSpace(line[position]) { position += 1 }
        return UnsafeBufferPointer(rebasing: line[start..<position])
    }

    /// What remains of the line, without surrounding spaces.
    mutating func rest() -> UnsafeBufferPointer<UInt8> {
        while position < line.count && Self.isSpace(line[position]) { position += 1 }
        var end = line.count
        while end > position && Self.isSpace(line[end - 1]) { end -= 1 }
        defer { position = line.count }
        return UnsafeBufferPointer(rebasing: line[position..<end])
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    var string: String { String(decoding: self, as: UTF8.self) }

    /// The value of an unsigned number in `radix`, or nil if any byte is not a digit.
    func unsigned(radix: Int = 10) -> Int? {
        // 18 decimal or 15 hexadecimal digits cannot overflow an Int.
        guard !isEmpty, count <= (radix > 10 ? 15 : 18) else { return nil }
        var value = 0
        for byte in self {
            let digit: Int
            switch byte {
            case 0x30...0x39: digit = Int(byte - 0x30)
            case 0x61...0x66: digit = Int(byte - 0x61 + 10)
            case 0x41...0x46: digit = Int(byte - 0x41 + 10)
            default: return nil
            }
            guard digit < radix else { return nil }
            value = value * radix + digit
        }
        return value
    }

    func equals(_ text: StaticString) -> Bool {
        guard count == text.utf8CodeUnitCount else { return false }
        return text.withUTF8Buffer { $0.elementsEqual(self) }
    }
}

/// `value` in decimal, left-padded with zeros to `width` digits (offsets, sense numbers).
func zeroPadded(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
