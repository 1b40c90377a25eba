import CLibXML2
import Foundation

/// A forward-only XML reader over libxml2's xmlTextReader that is safe on
/// untrusted files: no network access, no DTD loading, no entity substitution,
/// and any document that declares entities (billion laughs, external entities)
/// is refused before its content is read. Memory stays bounded: only the
/// current node is held.
final class XMLStream {
    enum Event {
        case start(name: String, attributes: [String: String], isEmpty: Bool)
        case end(name: String)
        case text(String)
    }

    private let reader: xmlTextReaderPtr
    private let path: String
    private let errors = ErrorSink()

    /// Collects the first error libxml2 reports, with its line.
    private final class ErrorSink {
        var message: String?
        var line: Int?
    }

    init(path: String) throws {
        self.path = path
        try Self.refuseEntityDeclarations(inPrologOf: path)
        let options = Int32(XML_PARSE_NONET.rawValue)
        guard let reader = xmlReaderForFile(path, nil, options) else {
            throw InputError(file: path, "cannot open as XML")
        }
        self.reader = reader
        let sink = Unmanaged.passUnretained(errors).toOpaque()
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            let sink = Unmanaged<ErrorSink>.fromOpaque(context).takeUnretainedValue()
            guard sink.message == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            sink.message = error.pointee.message.map { String(cString: $0).trimmingWhitespace() } ?? "malformed XML"
            sink.line = Int(error.pointee.line)
        }, sink)
    }

    deinit { xmlFreeTextReader(reader) }

    /// The line of the current node (libxml2 records it per element), else the parser's line.
    var line: Int {
        if let node = xmlTextReaderCurrentNode(reader), case let line = xmlGetLineNo(node), line > 0 { return Int(line) }
        return Int(xmlTextReaderGetParserLineNumber(reader))
    }

    func error(_ message: String, line: Int? = nil) -> InputError {
        InputError(file: path, line: line ?? self.line, message)
    }

    /// The next element start, element end or text; nil at the end of the document.
    func next() throws -> Event? {
        while true {
            let rc = xmlTextReaderRead(reader)
            if rc == 0 { return nil }
            if rc < 0 || errors.message != nil {
                throw error("malformed XML: \(errors.message ?? "parse error")", line: errors.line ?? line)
            }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue):
                try refuseEntityDeclarations()
            case Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue), Int32(XML_READER_TYPE_ENTITY.rawValue):
                throw error("entity references are not allowed")
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
                return .start(name: localName, attributes: readAttributes(), isEmpty: isEmpty)
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                return .end(name: localName)
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue):
                return .text(xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? "")
            default:
                continue
            }
        }
    }

    private var localName: String {
        xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? ""
    }

    private func readAttributes() -> [String: String] {
        var attributes: [String: String] = [:]
        guard xmlTextReaderHasAttributes(reader) == 1 else { return attributes }
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            let name = xmlTextReaderConstName(reader).map { String(cString: $0) } ?? ""
            attributes[name] = xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
        }
        xmlTextReaderMoveToElement(reader)
        return attributes
    }

    /// Entity declarations can only stand in the prolog, before the root element.
    /// Scanning its bytes first refuses them before libxml2 parses (and checks by
    /// expanding) any entity. A prolog over 1 MiB is refused outright.
    private static func refuseEntityDeclarations(inPrologOf path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError(file: path, "cannot read: no such file or not accessible") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 1 << 20)) ?? Data())
        var index = 0, line = 1
        var depth = 0          // inside how many <! … > declarations
        var quote: UInt8?      // inside a quoted literal of one
        while index < head.count {
            let byte = head[index]
            if byte == 0x0A { line += 1 }
            if let open = quote {
                if byte == open { quote = nil }
                index += 1
                continue
            }
            if depth > 0 && (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")) {
                quote = byte
            } else if byte == UInt8(ascii: ">") && depth > 0 {
                depth -= 1
            } else if byte == UInt8(ascii: "<"), index + 1 < head.count {
                // Skip comments and processing instructions whole: their text may hold anything.
                var skipped = false
                for (open, close) in [("<!--", "-->"), ("<?", "?>")] where head[index...].starts(with: Array(open.utf8)) {
                    guard let end = head[(index + open.utf8.count)...].firstRange(of: Array(close.utf8)) else {
                        // Past what was read: refuse rather than let libxml2 see what follows unchecked.
                        if head.count == 1 << 20 { throw InputError(file: path, "the prolog before the root element exceeds 1 MiB") }
                        return  // unterminated in a small file: libxml2 rejects it
                    }
                    line += head[index..<end.lowerBound].count { $0 == 0x0A }
                    index = end.upperBound
                    skipped = true
                    break
                }
                if skipped { continue }
                if head[index...].starts(with: Array("<!ENTITY".utf8)) {
                    throw InputError(file: path, line: line, "the DOCTYPE declares entities, which are refused (no entity expansion)")
                }
                if head[index + 1] == UInt8(ascii: "!") { depth += 1 } else if depth == 0 { return }  // the root element
            }
            index += 1
        }
        if head.count == 1 << 20 { throw InputError(file: path, "the prolog before the root element exceeds 1 MiB") }
    }

    /// A second guard for encodings the byte scan cannot read (UTF-16): a DOCTYPE
    /// may name an external DTD (never fetched) but may not declare entities.
    private func refuseEntityDeclarations() throws {
        guard let doc = xmlTextReaderCurrentDoc(reader), let subset = doc.pointee.intSubset else { return }
        if subset.pointee.entities != nil || subset.pointee.pentities != nil {
            throw error("the DOCTYPE declares entities, which are refused (no entity expansion)")
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
