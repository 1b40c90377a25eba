import Foundation
@testable import TaxonStore
import TaxonModel
import TaxonTesting
import XCTest
@testable import TaxonImport

/// A fresh store in its own temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func temporaryStore() throws -> SQLiteStore {
    try SQLiteStore(path: try temporaryDirectory().appendingPathComponent("test.sqlite").path)
}

/// A fresh store on each backend: every import must behave the same, and fail the same, on both.
func temporaryStores() throws -> [any Store] { try TestStores.fresh() }

func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!.path
}

func write(_ text: String, to directory: URL, _ name: String) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// Asserts that `body` fails with an InputError naming `file` (and `line`, when
/// given) whose message contains `message`, and that the store's rows are
/// exactly what they were before.
func assertRejected(
    _ store: any Store, file: String, line: Int? = nil, byteOffset: Int? = nil, message: String,
    sourceFile: StaticString = #filePath, sourceLine: UInt = #line, _ body: () throws -> Void
) throws {
    let before = try store.contentDigest()
    do {
        try body()
        XCTFail("the import succeeded; expected an error about \(message)", file: sourceFile, line: sourceLine)
    } catch let error as InputError {
        XCTAssertEqual(error.file, file, "\(error)", file: sourceFile, line: sourceLine)
        if let line { XCTAssertEqual(error.line, line, "\(error)", file: sourceFile, line: sourceLine) }
        if let byteOffset { XCTAssertEqual(error.byteOffset, byteOffset, "\(error)", file: sourceFile, line: sourceLine) }
        XCTAssertTrue(error.message.contains(message), "'\(error.message)' lacks '\(message)'", file: sourceFile, line: sourceLine)
    }
    XCTAssertEqual(try store.contentDigest(), before, "the failed import changed the store", file: sourceFile, line: sourceLine)
}

/// Writes a small WordNet in the Princeton database format, with byte offsets
/// computed the way grind does, so tests can corrupt one thing at a time.
struct MiniWordNet {
    struct Synset {
        var pos: Character          // n v a s r
        var lexfile: Int
        var words: [String]
        var pointers: [(symbol: String, target: String, pos: Character, words: String)] = []
        var gloss: String
    }

    /// Synsets by a local label; pointers name their target by that label.
    var synsets: [(label: String, synset: Synset)] = [
        ("entity", Synset(pos: "n", lexfile: 3, words: ["entity"], pointers: [("~", "animal", "n", "0000")], gloss: "that which exists")),
        ("animal", Synset(pos: "n", lexfile: 3, words: ["animal"],
                          pointers: [("@", "entity", "n", "0000"), ("~", "dog", "n", "0000"), ("~", "cat", "n", "0000")],
                          gloss: "a living organism")),
        ("dog", Synset(pos: "n", lexfile: 5, words: ["dog", "domestic_dog", "Canis_familiaris"],
                       pointers: [("@", "animal", "n", "0000"), ("~i", "lassie", "n", "0000")], gloss: "a member of the genus Canis; \"the dog barked\"")),
        ("cat", Synset(pos: "n", lexfile: 5, words: ["cat"], pointers: [("@", "animal", "n", "0000")], gloss: "feline mammal")),
        ("frump", Synset(pos: "n", lexfile: 18, words: ["frump", "dog"], pointers: [("@", "entity", "n", "0000")], gloss: "a dull woman")),
        ("lassie", Synset(pos: "n", lexfile: 18, words: ["Lassie"], pointers: [("@i", "dog", "n", "0000")], gloss: "a famous dog")),
        ("run", Synset(pos: "v", lexfile: 38, words: ["run"], gloss: "move fast by using one's feet")),
        ("good", Synset(pos: "a", lexfile: 0, words: ["good"], pointers: [("!", "bad", "a", "0101"), ("&", "great", "a", "0000")], gloss: "having desirable qualities")),
        ("great", Synset(pos: "s", lexfile: 0, words: ["great(a)"], pointers: [("&", "good", "a", "0000")], gloss: "very good")),
        ("bad", Synset(pos: "a", lexfile: 0, words: ["bad"], pointers: [("!", "good", "a", "0101")], gloss: "having undesirable qualities")),
        ("well", Synset(pos: "r", lexfile: 2, words: ["well"], pointers: [("\\", "good", "a", "0101")], gloss: "in a good manner")),
    ]

    static let header = "  1 This software and database is being provided to you, the LICENSEE, by Princeton University. \n"

    static func file(_ pos: Character) -> String {
        switch pos {
        case "n": return "noun"
        case "v": return "verb"
        case "a", "s": return "adj"
        default: return "adv"
        }
    }

    /// The data and index files' text, keyed by file name.
    func render() -> [String: String] {
        // Offset fields are 8 digits wide, so a line's length does not depend on the offsets in it.
        func line(_ synset: Synset, offsets: [String: Int]) -> String {
            var fields = [String(format: "%08d", offsets[label(of: synset)] ?? 0), String(format: "%02d", synset.lexfile), String(synset.pos),
                          String(format: "%02x", synset.words.count)]
            for word in synset.words { fields += [word, "0"] }
            fields.append(String(format: "%03d", synset.pointers.count))
            for pointer in synset.pointers {
                fields += [pointer.symbol, String(format: "%08d", offsets[pointer.target] ?? 0), String(pointer.pos), pointer.words]
            }
            if synset.pos == "v" { fields += ["01", "+", "02", "00"] }
            return fields.joined(separator: " ") + " | " + synset.gloss + "  \n"
        }
        var offsets: [String: Int] = [:]
        var sizes: [String: Int] = [:]
        for (label, synset) in synsets {
            let name = "data." + Self.file(synset.pos)
            let start = sizes[name] ?? Self.header.utf8.count
            offsets[label] = start
            sizes[name] = start + line(synset, offsets: [:]).utf8.count
        }
        var files: [String: String] = [:]
        for name in ["noun", "verb", "adj", "adv"] { files["data.\(name)"] = Self.header; files["index.\(name)"] = Self.header }
        var senses: [String: [String: [Int]]] = [:]
        for (label, synset) in synsets {
            files["data." + Self.file(synset.pos)]! += line(synset, offsets: offsets)
            for word in synset.words {
                let lemma = word.lowercased().replacingOccurrences(of: "(a)", with: "")
                senses[Self.file(synset.pos), default: [:]][lemma, default: []].append(offsets[label]!)
            }
        }
        for (file, lemmas) in senses {
            let letter = file == "adj" ? "a" : String(file.first! == "a" ? "r" : file.first!)
            for lemma in lemmas.keys.sorted() {
                let list = lemmas[lemma]!
                files["index.\(file)"]! += "\(lemma) \(letter) \(list.count) 0 \(list.count) 0 "
                    + list.map { String(format: "%08d", $0) }.joined(separator: " ") + "  \n"
            }
        }
        return files
    }

    private func label(of synset: Synset) -> String {
        synsets.first { $0.synset.words == synset.words && $0.synset.pos == synset.pos }!.label
    }

    /// Writes the files into a new directory and returns it.
    func write(transform: (inout [String: String]) -> Void = { _ in }) throws -> URL {
        var files = render()
        transform(&files)
        let directory = try temporaryDirectory()
        for (name, text) in files { _ = try TaxonImportTests.write(text, to: directory, name) }
        return directory
    }
}

/// Imports into SQLite run with foreign-key enforcement off: prove they left no dangling row, and that
/// enforcement is back on. (PostgreSQL enforces its foreign keys throughout.)
func assertReferentialIntegrity(_ store: any Store, file: StaticString = #filePath, line: UInt = #line) throws {
    guard let store = store as? SQLiteStore else { return }
    XCTAssertEqual(try store.db.scalarInt("PRAGMA foreign_keys"), 1, "enforcement is back on after an import", file: file, line: line)
    let check = try store.db.prepare("PRAGMA foreign_key_check")
    var problems: [String] = []
    while try check.step() { problems.append("\(check.text(0)) row \(check.int(1)) → \(check.text(2))") }
    XCTAssertEqual(problems, [], "dangling references", file: file, line: line)
}
