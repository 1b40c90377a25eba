import Foundation
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonImport

final class WordVectorsTests: XCTestCase {
    private func vectors(_ store: any Store, _ name: String) throws -> [String: [Float]] {
        let set = try store.vectorSet(named: name)
        return try store.vectors(for: try store.tokens(in: set), in: set)
    }

    private func binary(_ rows: [(String, [Float])], dims: Int, count: Int? = nil) -> [UInt8] {
        var bytes = Array("\(count ?? rows.count) \(dims)\n".utf8)
        for (token, values) in rows {
            bytes += Array(token.utf8) + [0x20]
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
            bytes.append(0x0A)
        }
        return bytes
    }

    func testEveryFormatGivesTheSameVectors() throws {
        let directory = try temporaryDirectory()
        let rows: [(String, [Float])] = [("the", [0.418, 0.24968, -0.41242]), ("cat", [-1e-05, 3.5e2, 0]), ("naïve", [1, -2, 0.1])]
        let text = rows.map { "\($0.0) " + $0.1.map { "\($0)" }.joined(separator: " ") }.joined(separator: "\n") + "\n"
        let glove = try write(text, to: directory, "glove.txt")
        let w2vText = try write("3 3\n" + text, to: directory, "vectors.txt")
        let w2vBin = directory.appendingPathComponent("vectors.bin")
        try Data(binary(rows, dims: 3)).write(to: w2vBin)

        for store in try temporaryStores() {
            XCTAssertEqual(try WordVectorsImporter.run(store: store, file: glove, name: "g").format, .glove)
            XCTAssertEqual(try WordVectorsImporter.run(store: store, file: w2vText, name: "t").format, .word2vecText)
            XCTAssertEqual(try WordVectorsImporter.run(store: store, file: w2vBin.path, name: "b").format, .word2vecBin)
            XCTAssertEqual(try WordVectorsImporter.run(store: store, file: w2vText, name: "f", format: .fasttextVec).format, .fasttextVec)
            let expected = Dictionary(uniqueKeysWithValues: rows)
            for name in ["g", "t", "b", "f"] { XCTAssertEqual(try vectors(store, name), expected, name) }
            XCTAssertEqual(try store.vectorSets().map(\.count), [3, 3, 3, 3])
        }
    }

    func testDuplicateTokensKeepTheFirstVector() throws {
        let directory = try temporaryDirectory()
        let file = try write("a 1 2\nb 3 4\na 5 6\n", to: directory, "dup.txt")
        for store in try temporaryStores() {
            let report = try WordVectorsImporter.run(store: store, file: file, name: "dup")
            XCTAssertEqual(report.count, 2)
            XCTAssertEqual(report.duplicatesSkipped, 1)
            XCTAssertEqual(try vectors(store, "dup")["a"], [1, 2])
            XCTAssertEqual(try store.vectorSets().first?.count, 2)
        }
    }

    func testFloatParsingMatchesStrtof() {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "1e-05", "3.", ".5", "-.25", "1E+3", "0.1", "0.30000001192092896", "340282346638528859811704183484516925440",
                     "1e-45", "7.006492321624085e-46", "123456789012345678901234567890", "2.5e-08", "+7"]
        for _ in 0..<20_000 {
            let value = Double.random(in: -1000...1000, using: &generator) * pow(10, Double(Int.random(in: -12...12, using: &generator)))
            texts.append(String(format: "%.\(Int.random(in: 1...9, using: &generator))g", value))
            texts.append(String(format: "%.\(Int.random(in: 0...8, using: &generator))f", value))
        }
        for text in texts {
            let expected = strtof(text, nil)
            let parsed = Array(text.utf8).withUnsafeBufferPointer { parseFloat($0) }
            XCTAssertEqual(parsed?.bitPattern, expected.bitPattern, text)
        }
        for bad in ["", "-", "1.2.3", "1e", "abc", "1,5", "0x10"] {
            XCTAssertNil(Array(bad.utf8).withUnsafeBufferPointer { parseFloat($0) }, bad)
        }
    }

    // MARK: bad input

    private func populatedStores() throws -> [any Store] {
        try temporaryStores().map { store in
            _ = try WordVectorsImporter.run(store: store, file: try write("x 1 2 3\n", to: try temporaryDirectory(), "base.txt"), name: "base")
            return store
        }
    }

    func testWrongDimension() throws {
        for store in try populatedStores() {
            let file = try write("a 1 2 3\nb 4 5 6\nc 7 8\n", to: try temporaryDirectory(), "short.txt")
            try assertRejected(store, file: file, line: 3, message: "'c' has 2 values; expected 3") {
                _ = try WordVectorsImporter.run(store: store, file: file, name: "v")
            }
        }
    }

    func testHeaderCountMismatch() throws {
        for store in try populatedStores() {
            let file = try write("3 2\na 1 2\nb 3 4\n", to: try temporaryDirectory(), "count.txt")
            try assertRejected(store, file: file, line: 1, message: "header announces 3 vectors, the file has 2") {
                _ = try WordVectorsImporter.run(store: store, file: file, name: "v")
            }
        }
    }

    func testNotANumber() throws {
        for store in try populatedStores() {
            let file = try write("a 1 2\nb 3 nan\n", to: try temporaryDirectory(), "nan.txt")
            try assertRejected(store, file: file, line: 2, message: "'nan' is not a finite number") {
                _ = try WordVectorsImporter.run(store: store, file: file, name: "v")
            }
        }
    }

    func testNonUTF8Token() throws {
        for store in try populatedStores() {
            let directory = try temporaryDirectory()
            let text = directory.appendingPathComponent("latin1.txt")
            try Data(Array("a 1 2\n".utf8) + [0x63, 0x61, 0x66, 0xE9] + Array(" 3 4\n".utf8)).write(to: text)
            try assertRejected(store, file: text.path, line: 2, message: "not valid UTF-8") {
                _ = try WordVectorsImporter.run(store: store, file: text.path, name: "v")
            }
            let bin = directory.appendingPathComponent("latin1.bin")
            var bytes = binary([("ok", [1, 2])], dims: 2, count: 2)
            let offset = bytes.count
            bytes += [0x63, 0x61, 0x66, 0xE9, 0x20] + [UInt8](repeating: 0, count: 8)
            try Data(bytes).write(to: bin)
            try assertRejected(store, file: bin.path, byteOffset: offset, message: "token 2 is not valid UTF-8") {
                _ = try WordVectorsImporter.run(store: store, file: bin.path, name: "v", format: .word2vecBin)
            }
        }
    }

    func testTruncatedBinary() throws {
        for store in try populatedStores() {
            let bin = try temporaryDirectory().appendingPathComponent("cut.bin")
            let bytes = binary([("a", [1, 2, 3]), ("b", [4, 5, 6])], dims: 3)
            try Data(bytes.dropLast(5)).write(to: bin)
            let secondVector = bytes.count - 1 - 12
            try assertRejected(store, file: bin.path, byteOffset: secondVector, message: "the vector of 'b' needs 12 bytes") {
                _ = try WordVectorsImporter.run(store: store, file: bin.path, name: "v")
            }
        }
    }

    func testFormatThatContradictsTheFile() throws {
        for store in try populatedStores() {
            let file = try write("2 2\na 1 2\nb 3 4\n", to: try temporaryDirectory(), "headed.txt")
            try assertRejected(store, file: file, line: 1, message: "which GloVe files do not have") {
                _ = try WordVectorsImporter.run(store: store, file: file, name: "v", format: .glove)
            }
        }
    }

    func testImpossibleHeaderCountIsRefusedBeforeAllocating() throws {
        for store in try populatedStores() {
            let bin = try temporaryDirectory().appendingPathComponent("huge.bin")
            var bytes = Array("3000000000 300\n".utf8)
            bytes += Array("a ".utf8) + [UInt8](repeating: 0, count: 1200)
            try Data(bytes).write(to: bin)
            try assertRejected(store, file: bin.path, line: 1, message: "more than the file can hold") {
                _ = try WordVectorsImporter.run(store: store, file: bin.path, name: "v", format: .word2vecBin)
            }
        }
    }

    func testCanonicallyEquivalentTokensAreDistinct() throws {
        // "é" precomposed and "e" + combining acute: equal as Swift Strings, different bytes (and SQLite keys).
        let file = try write("caf\u{E9} 1 2\ncafe\u{301} 3 4\n", to: try temporaryDirectory(), "nfc.txt")
        for store in try temporaryStores() {
            let report = try WordVectorsImporter.run(store: store, file: file, name: "v")
            XCTAssertEqual(report.count, 2)
            XCTAssertEqual(report.duplicatesSkipped, 0)
        }
    }
}
