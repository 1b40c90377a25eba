import Foundation
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonImport

final class WordNetDictTests: XCTestCase {
    func testImportsNamesKeysLemmasAndPointers() throws {
        for store in try temporaryStores() {
            let report = try WordNetDictImporter.run(store: store, directory: try MiniWordNet().write().path)
            XCTAssertEqual(report.synsets, ["n": 6, "v": 1, "a": 2, "s": 1, "r": 1])
            let wordnet = try store.taxonomy(named: nil)

            let dog = try store.resolve("dog.n.01", in: wordnet)
            XCTAssertEqual(dog.name, "dog.n.01")
            XCTAssertTrue(dog.key.hasPrefix("n") && dog.key.count == 9)
            XCTAssertEqual(dog.lexname, "noun.animal")
            XCTAssertEqual(dog.gloss, "a member of the genus Canis; \"the dog barked\"")
            XCTAssertEqual(try store.lemmas(of: dog).map(\.word), ["dog", "domestic_dog", "Canis_familiaris"])
            XCTAssertEqual(try store.lemmas(of: dog).map(\.senseNumber), [1, 1, 1])

            // The second sense of "dog" is named after its own first word, like NLTK's frump.n.01.
            let frump = try store.resolve("dog.n.02", in: wordnet)
            XCTAssertEqual(frump.name, "frump.n.01")
            XCTAssertEqual(try store.lemmas(of: frump).map(\.senseNumber), [1, 2])
            XCTAssertEqual(try store.resolve("domestic_dog.n.01", in: wordnet), dog)
            XCTAssertEqual(try store.resolve(dog.key, in: wordnet), dog)
            XCTAssertEqual(try store.resolve("Domestic Dog", in: wordnet), dog)
            XCTAssertEqual(try store.candidates(for: "dog", in: wordnet), [dog, frump])
            XCTAssertThrowsError(try store.resolve("dog", in: wordnet, choice: .requireUnique)) { error in
                XCTAssertTrue("\(error)".contains("2 senses: dog.n.01"), "\(error)")
            }
            XCTAssertThrowsError(try store.resolve("wolf", in: wordnet)) { error in
                XCTAssertEqual("\(error)", "unknown concept 'wolf' in taxonomy 'wordnet'")
            }

            // Satellites: pos 's', the marker "(a)" dropped, numbered with the adjectives.
            let great = try store.resolve("great.s.01", in: wordnet)
            XCTAssertEqual(great.pos, "s")
            XCTAssertEqual(try store.resolve("great.a.01", in: wordnet), great)

            let parents = try store.outgoing(from: dog).filter { Relations.taxonomic.contains($0.relation) }
            XCTAssertEqual(parents.map(\.concept.name), ["animal.n.01"])
            let lassie = try store.resolve("lassie", in: wordnet)
            XCTAssertEqual(try store.outgoing(from: lassie).map(\.relation), ["instance_hypernym"])
            XCTAssertEqual(try store.ancestors(of: lassie).map { "\($0.concept.name!)@\($0.distance)" },
                           ["dog.n.01@1", "animal.n.01@2", "entity.n.01@3"])
            XCTAssertEqual(try store.incoming(to: dog, relations: Relations.taxonomic).map(\.concept.name), ["lassie.n.01"])

            // Lexical pointers keep the word positions at both ends.
            let antonym = try store.outgoing(from: try store.resolve("good.a.01", in: wordnet)).first { $0.relation == "antonym" }!
            XCTAssertEqual(antonym.concept.name, "bad.a.01")
            XCTAssertEqual(antonym.sourceWord, 1)
            XCTAssertEqual(antonym.targetWord, 1)
        }
    }

    func testExistingNameNeedsReplace() throws {
        for store in try temporaryStores() {
            let directory = try MiniWordNet().write().path
            _ = try WordNetDictImporter.run(store: store, directory: directory)
            let before = try store.contentDigest()
            XCTAssertThrowsError(try WordNetDictImporter.run(store: store, directory: directory)) { error in
                XCTAssertTrue("\(error)".contains("already exists"), "\(error)")
            }
            XCTAssertEqual(try store.contentDigest(), before)
            _ = try WordNetDictImporter.run(store: store, directory: directory, replace: true)
            XCTAssertEqual(try store.contentDigest().rows, before.rows)
        }
    }

    // MARK: bad input: one clear error naming the file and line, and the store unchanged

    /// A store already holding one import, so "unchanged" is not trivially empty.
    private func populatedStores() throws -> [any Store] {
        try temporaryStores().map { store in
            _ = try WordNetDictImporter.run(store: store, directory: try MiniWordNet().write().path, name: "base")
            return store
        }
    }

    private func dataLine(_ files: [String: String], _ file: String, containing text: String) -> Int {
        files[file]!.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(text) }! + 1
    }

    func testTruncatedLine() throws {
        for store in try populatedStores() {
            var line = 0
            let directory = try MiniWordNet().write { files in
                line = dataLine(files, "data.noun", containing: "feline mammal")
                var lines = files["data.noun"]!.components(separatedBy: "\n")
                lines[line - 1] = String(lines[line - 1].prefix(30))
                files["data.noun"] = lines.joined(separator: "\n")
            }
            try assertRejected(store, file: directory.path + "/data.noun", line: line, message: "truncated line") {
                _ = try WordNetDictImporter.run(store: store, directory: directory.path)
            }
        }
    }

    func testOffsetThatDoesNotMatchItsPosition() throws {
        for store in try populatedStores() {
            var line = 0
            let directory = try MiniWordNet().write { files in
                line = dataLine(files, "data.noun", containing: "a living organism")
                var lines = files["data.noun"]!.components(separatedBy: "\n")
                lines[line - 1] = "00000001" + lines[line - 1].dropFirst(8)
                files["data.noun"] = lines.joined(separator: "\n")
            }
            try assertRejected(store, file: directory.path + "/data.noun", line: line, message: "does not match its byte position") {
                _ = try WordNetDictImporter.run(store: store, directory: directory.path)
            }
        }
    }

    func testPointerToMissingSynset() throws {
        for store in try populatedStores() {
            var mini = MiniWordNet()
            mini.synsets[3].synset.pointers.append(("@", "nowhere", "n", "0000"))  // offset 00000000: no synset there
            var line = 0
            let directory = try mini.write { line = dataLine($0, "data.noun", containing: "feline mammal") }
            try assertRejected(store, file: directory.path + "/data.noun", line: line, message: "hypernym pointer to synset 00000000") {
                _ = try WordNetDictImporter.run(store: store, directory: directory.path)
            }
        }
    }

    func testIndexEntryForMissingSynset() throws {
        for store in try populatedStores() {
            let directory = try MiniWordNet().write { files in files["index.verb"]! += "walk v 1 0 1 0 00099999  \n" }
            let line = MiniWordNet.header.split(separator: "\n").count + 2
            try assertRejected(store, file: directory.path + "/index.verb", line: line, message: "which data.verb does not have") {
                _ = try WordNetDictImporter.run(store: store, directory: directory.path)
            }
        }
    }

    func testNonUTF8Bytes() throws {
        for store in try populatedStores() {
            let directory = try MiniWordNet().write()
            let path = directory.appendingPathComponent("data.adv").path
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let secondLine = bytes.firstIndex(of: 0x0A)! + 1
            bytes.replaceSubrange(secondLine + 30..<secondLine + 31, with: [0xFF, 0xFE])
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            try assertRejected(store, file: path, line: 2, message: "not valid UTF-8") {
                _ = try WordNetDictImporter.run(store: store, directory: directory.path)
            }
        }
    }

    func testUnknownPointerSymbol() throws {
        for store in try populatedStores() {
            var mini = MiniWordNet()
            mini.synsets[6].synset.pointers.append(("?", "run", "v", "0000"))
            var line = 0
            let directory = try mini.write { line = dataLine($0, "data.verb", containing: "move fast") }
            try assertRejected(store, file: directory.path + "/data.verb", line: line, message: "unknown pointer symbol '?'") {
                _ = try WordNetDictImporter.run(store: store, directory: directory.path)
            }
        }
    }

    func testMissingFile() throws {
        for store in try populatedStores() {
            let directory = try MiniWordNet().write()
            try FileManager.default.removeItem(at: directory.appendingPathComponent("index.adv"))
            try assertRejected(store, file: directory.path + "/index.adv", message: "cannot read") {
                _ = try WordNetDictImporter.run(store: store, directory: directory.path)
            }
        }
    }

    func testHypernymCycle() throws {
        for store in try populatedStores() {
            var mini = MiniWordNet()
            mini.synsets[1].synset.pointers.append(("@", "dog", "n", "0000"))  // animal is-a dog, and dog is-a animal
            let directory = try mini.write()
            try assertRejected(store, file: directory.path + "/data.noun", message: "hypernym pointers loop") {
                _ = try WordNetDictImporter.run(store: store, directory: directory.path)
            }
        }
    }
}
