import Foundation
@testable import TaxonStore
import TaxonModel
import XCTest
@testable import TaxonImport

final class WNLMFTests: XCTestCase {
    func testImportsTheFixture() throws {
        for store in try temporaryStores() {
            let report = try WNLMFImporter.run(store: store, file: fixture("mini-lmf.xml"), name: "mini")
            XCTAssertEqual(report.lexicons, ["mini"])
            XCTAssertEqual(report.synsets, 7)
            XCTAssertEqual(report.senses, 9)
            let mini = try store.taxonomy(named: "mini")
            XCTAssertEqual(mini.kind, .lmf)

            let dog = try store.resolve("n02084071", in: mini)
            XCTAssertEqual(dog.name, "dog.n.01")
            XCTAssertEqual(dog.gloss, "a member of the genus Canis & a friend of man")
            XCTAssertEqual(try store.lemmas(of: dog).map(\.word), ["dog", "domestic dog"])
            XCTAssertEqual(try store.resolve("domestic_dog.n.01", in: mini), dog)
            // members="frump dog": frump comes first and names the synset; it is dog's second sense.
            let frump = try store.resolve("dog.n.02", in: mini)
            XCTAssertEqual(frump.name, "frump.n.01")
            XCTAssertEqual(try store.lemmas(of: frump).map(\.senseNumber), [1, 2])
            XCTAssertEqual(try store.resolve("cat", in: mini).gloss, "feline mammal usually having thick soft fur")
            XCTAssertEqual(try store.ancestors(of: dog).map(\.concept.key), ["n00015388", "n00001740"])

            let antonym = try store.outgoing(from: try store.resolve("good", in: mini)).first!
            XCTAssertEqual(antonym.relation, "antonym")
            XCTAssertEqual(antonym.concept.key, "a01125429")
            XCTAssertEqual(antonym.sourceWord, 1)
        }
    }

    func testKeysFromSynsetIDs() {
        XCTAssertEqual(LMFDocument.key(forSynsetID: "oewn-02084071-n"), "n02084071")
        XCTAssertEqual(LMFDocument.key(forSynsetID: "omw-en-00001740-n"), "n00001740")
        XCTAssertEqual(LMFDocument.key(forSynsetID: "my-synset"), "my-synset")
        XCTAssertEqual(LMFDocument.key(forSynsetID: "x-0208407-n"), "x-0208407-n")
    }

    // MARK: bad input

    private func populatedStores() throws -> [any Store] {
        try temporaryStores().map { store in
            _ = try WNLMFImporter.run(store: store, file: fixture("mini-lmf.xml"), name: "base")
            return store
        }
    }

    private let lexicon = #"<LexicalResource><Lexicon id="x" label="x" language="en" email="e" license="l" version="1">"#
    private let close = "</Lexicon></LexicalResource>\n"

    func testBillionLaughsIsRefused() throws {
        for store in try populatedStores() {
            var doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE LexicalResource [\n<!ENTITY lol \"lol\">\n"
            for level in 1...9 { doc += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level == 1 ? "" : String(level - 1));", count: 10) + "\">\n" }
            doc += "]>\n\(lexicon)<Synset id=\"x-1\" partOfSpeech=\"n\"><Definition>&lol9;</Definition></Synset>\(close)"
            let file = try write(doc, to: try temporaryDirectory(), "laughs.xml")
            try assertRejected(store, file: file, message: "declares entities") {
                _ = try WNLMFImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    func testExternalEntityIsRefused() throws {
        for store in try populatedStores() {
            let secret = try write("secret", to: try temporaryDirectory(), "secret.txt")
            let doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE LexicalResource [ <!ENTITY leak SYSTEM \"file://\(secret)\"> ]>\n"
                + "\(lexicon)<Synset id=\"x-1\" partOfSpeech=\"n\"><Definition>&leak;</Definition></Synset>\(close)"
            let file = try write(doc, to: try temporaryDirectory(), "xxe.xml")
            try assertRejected(store, file: file, message: "declares entities") {
                _ = try WNLMFImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    func testEntitiesBehindACommentAreRefused() throws {
        for store in try populatedStores() {
            let doc = "<?xml version=\"1.0\"?>\n<!-- a <tag> in a comment -->\n<!DOCTYPE LexicalResource [\n<!ENTITY e \"x\">\n]>\n\(lexicon)\(close)"
            let file = try write(doc, to: try temporaryDirectory(), "commented.xml")
            try assertRejected(store, file: file, line: 4, message: "declares entities") {
                _ = try WNLMFImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    func testMalformedXMLNamesTheLine() throws {
        for store in try populatedStores() {
            let file = try write("<?xml version=\"1.0\"?>\n\(lexicon)\n<Synset id=\"x-1\" partOfSpeech=\"n\">\n</Lexicon>\n", to: try temporaryDirectory(), "bad.xml")
            try assertRejected(store, file: file, line: 4, message: "malformed XML") {
                _ = try WNLMFImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    func testNonUTF8IsRefused() throws {
        for store in try populatedStores() {
            let url = try temporaryDirectory().appendingPathComponent("latin1.xml")
            let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\(lexicon)\n<Synset id=\"x-1\" partOfSpeech=\"n\"><Definition>caf"
            try Data(Array(text.utf8) + [0xE9] + Array("</Definition></Synset>\(close)".utf8)).write(to: url)
            try assertRejected(store, file: url.path, line: 3, message: "malformed XML") {
                _ = try WNLMFImporter.run(store: store, file: url.path, name: "bad")
            }
        }
    }

    func testRelationToMissingSynset() throws {
        for store in try populatedStores() {
            let doc = "\(lexicon)\n<Synset id=\"x-1\" partOfSpeech=\"n\">\n<SynsetRelation relType=\"hypernym\" target=\"x-2\"/>\n</Synset>\(close)"
            let file = try write(doc, to: try temporaryDirectory(), "dangling.xml")
            try assertRejected(store, file: file, line: 3, message: "hypernym relation to synset 'x-2'") {
                _ = try WNLMFImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    func testNotLMF() throws {
        for store in try populatedStores() {
            let file = try write("<html><body/></html>\n", to: try temporaryDirectory(), "page.xml")
            try assertRejected(store, file: file, line: 1, message: "not a WN-LMF file") {
                _ = try WNLMFImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    func testHypernymLoopIsRefused() throws {
        for store in try populatedStores() {
            let doc = "\(lexicon)\n<Synset id=\"x-1\" partOfSpeech=\"n\"><SynsetRelation relType=\"hypernym\" target=\"x-2\"/></Synset>\n"
                + "<Synset id=\"x-2\" partOfSpeech=\"n\"><SynsetRelation relType=\"hypernym\" target=\"x-1\"/></Synset>\(close)"
            let file = try write(doc, to: try temporaryDirectory(), "loop.xml")
            try assertRejected(store, file: file, line: 2, message: "the hypernym relations loop: x-1 → x-2 → x-1") {
                _ = try WNLMFImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    func testEntityBehindAQuotedAngleBracketIsRefused() throws {
        for store in try populatedStores() {
            let doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE LexicalResource SYSTEM \"a<b\" [\n<!ENTITY e \"x\">\n]>\n\(lexicon)\(close)"
            let file = try write(doc, to: try temporaryDirectory(), "quoted.xml")
            try assertRejected(store, file: file, line: 3, message: "declares entities") {
                _ = try WNLMFImporter.run(store: store, file: file, name: "bad")
            }
        }
    }

    /// Senses are numbered per word and part of speech across entries (satellites with adjectives), as the Princeton index does.
    func testSenseNumbersSpanEntries() throws {
        for store in try temporaryStores() {
            let doc = """
                \(lexicon)
                <LexicalEntry id="x-good-a"><Lemma writtenForm="good" partOfSpeech="a"/><Sense id="s1" synset="x-1"/></LexicalEntry>
                <LexicalEntry id="x-good-s"><Lemma writtenForm="good" partOfSpeech="s"/><Sense id="s2" synset="x-2"/></LexicalEntry>
                <LexicalEntry id="x-Good-a"><Lemma writtenForm="Good" partOfSpeech="a"/><Sense id="s3" synset="x-3"/></LexicalEntry>
                <Synset id="x-1" partOfSpeech="a"/><Synset id="x-2" partOfSpeech="s"/><Synset id="x-3" partOfSpeech="a"/>
                \(close)
                """
            let file = try write(doc, to: try temporaryDirectory(), "senses.xml")
            _ = try WNLMFImporter.run(store: store, file: file, name: "x")
            let taxonomy = try store.taxonomy(named: "x")
            XCTAssertEqual(try ["good.a.01", "good.s.02", "good.a.03"].map { try store.resolve($0, in: taxonomy, choice: .requireUnique).key }, ["x-1", "x-2", "x-3"])
            XCTAssertEqual(try store.resolve("x-2", in: taxonomy).name, "good.s.02")
        }
    }
}
