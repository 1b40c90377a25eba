import Foundation
import TaxonCore
import TaxonLinalg
import TaxonModel

/// Imports a WordNet in the Princeton database format (data.* and index.* of
/// all four parts of speech, as in /usr/share/wordnet). Keys are the
/// part-of-speech letter + 8-digit offset (`n02084071`, an ImageNet wnid for
/// nouns); names are NLTK's (`dog.n.01`): first word, lower-cased, and the
/// synset's rank among that word's senses in the index file.
public enum WordNetDictImporter {
    /// What a WordNet import wrote: synsets per part of speech, senses and pointers.
    public struct Report: Codable, Sendable {
        public let taxonomy: String
        public let synsets: [String: Int]
        public let senses: Int
        public let pointers: Int
    }

    public static let defaultDirectory = "/usr/share/wordnet"

    /// Imports Princeton's data.* and index.* files from `directory` as a taxonomy, in one transaction.
    public static func run(store: Store, directory: String = defaultDirectory, name: String = "wordnet", replace: Bool = false) throws -> Report {
        let parsed = try parse(directory: directory)
        return try store.importing {
            let writer = try store.taxonomyWriter(name: name, kind: .wordnet, source: absolutePath(directory), replace: replace)
            return try parsed.write(to: writer, taxonomy: name)
        }
    }

    /// Reads and validates every file before anything is written.
    static func parse(directory: String) throws -> ParsedWordNet {
        let lexnames = try Lexnames.load(directory: directory)
        // The four files of each kind parse independently: use both cores.
        let data = try parallelMap(PosFile.allCases) { file in
            try ParsedWordNet.readData(InputFile(path: "\(directory)/data.\(file.suffix)"), file: file, lexnames: lexnames)
        }
        var wordnet = ParsedWordNet(directory: directory, synsets: data.flatMap { $0 })
        let wordnetSoFar = wordnet
        wordnet.senses = try parallelMap(PosFile.allCases) { file in
            try wordnetSoFar.readIndex(InputFile(path: "\(directory)/index.\(file.suffix)"), file: file)
        }
        try wordnet.resolvePointers()
        try wordnet.checkIsACycles()
        return wordnet
    }
}

/// The four data/index file pairs. Adjective satellites live in the adjective files.
enum PosFile: Int, CaseIterable {
    case noun, verb, adj, adv

    var suffix: String { ["noun", "verb", "adj", "adv"][rawValue] }

    /// The pointer / index letter that selects this file.
    init?(letter: UInt8) {
        switch letter {
        case UInt8(ascii: "n"): self = .noun
        case UInt8(ascii: "v"): self = .verb
        case UInt8(ascii: "a"), UInt8(ascii: "s"): self = .adj
        case UInt8(ascii: "r"): self = .adv
        default: return nil
        }
    }
}

/// WordNet pointer symbols and the WN-LMF names we store them under.
enum PointerSymbols {
    static let relations: [String: String] = [
        "!": "antonym", "@": "hypernym", "@i": "instance_hypernym", "~": "hyponym", "~i": "instance_hyponym",
        "#m": "holo_member", "#s": "holo_substance", "#p": "holo_part",
        "%m": "mero_member", "%s": "mero_substance", "%p": "mero_part",
        "=": "attribute", "+": "derivation",
        ";c": "domain_topic", "-c": "has_domain_topic", ";r": "domain_region", "-r": "has_domain_region",
        ";u": "exemplifies", "-u": "is_exemplified_by",
        "*": "entails", ">": "causes", "^": "also", "$": "verb_group", "&": "similar", "<": "participle",
        "\\": "pertainym",
    ]
}

/// Lexicographer file numbers → names (noun.animal …): the `lexnames` file when
/// the directory has one, else WordNet 3.0's fixed list.
enum Lexnames {
    static let wordnet30 = [
        "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute",
        "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
        "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon", "noun.plant",
        "noun.possession", "noun.process", "noun.quantity", "noun.relation", "noun.shape", "noun.state",
        "noun.substance", "noun.time", "verb.body", "verb.change", "verb.cognition", "verb.communication",
        "verb.competition", "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
        "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl",
    ]

    static func load(directory: String) throws -> [String] {
        let path = "\(directory)/lexnames"
        guard FileManager.default.fileExists(atPath: path) else { return wordnet30 }
        let file = try InputFile(path: path)
        try file.requireUTF8()
        var names: [String] = []
        try file.forEachLine { line, number, _ in
            var fields = FieldReader(line)
            guard let numberField = fields.next() else { return }
            guard numberField.unsigned() == names.count, let name = fields.next() else {
                throw file.error(line: number, "expected '\(zeroPadded(names.count, 2)) <name> <pos>'")
            }
            names.append(name.string)
        }
        return names
    }
}

struct ParsedWordNet {
    struct Pointer {
        var relation: String
        var file: PosFile
        var offset: Int
        var sourceWord: Int
        var targetWord: Int
    }

    struct Synset {
        var file: PosFile
        var offset: Int
        var pos: String
        var lexname: String?
        var words: [String]
        var pointers: [Pointer]
        var gloss: String
        var line: Int
    }

    let directory: String
    let synsets: [Synset]
    /// (file, offset) → index in `synsets`.
    let byLocation: [Int: Int]
    /// Per file: lower-cased lemma → synset offsets in sense order.
    var senses: [[String: [Int]]] = []
    /// Per synset, per pointer: the index of its target in `synsets` (set by `resolvePointers`).
    var targets: [[Int]] = []

    init(directory: String, synsets: [Synset]) {
        self.directory = directory
        self.synsets = synsets
        var byLocation: [Int: Int] = [:]
        byLocation.reserveCapacity(synsets.count)
        for (index, synset) in synsets.enumerated() { byLocation[Self.location(synset.file, synset.offset)] = index }
        self.byLocation = byLocation
    }

    static func location(_ file: PosFile, _ offset: Int) -> Int { file.rawValue << 32 | offset }

    /// The synsets of one data file, in file order.
    static func readData(_ input: InputFile, file: PosFile, lexnames: [String]) throws -> [Synset] {
        try input.requireUTF8()
        var synsets: [Synset] = []
        var seen = Set<Int>()
        try input.forEachLine { line, number, start in
            if line.isEmpty || line[0] == 0x20 { return }  // licence header
            var fields = FieldReader(line)
            func field(_ what: String) throws -> UnsafeBufferPointer<UInt8> {
                guard let value = fields.next() else { throw input.error(line: number, "truncated line: expected \(what)") }
                return value
            }
            func integer(_ what: String, radix: Int = 10) throws -> Int {
                let value = try field(what)
                guard let parsed = value.unsigned(radix: radix) else {
                    throw input.error(line: number, "expected \(what), found '\(value.string)'")
                }
                return parsed
            }
            let offset = try integer("a synset offset")
            guard offset == start else {
                throw input.error(line: number, "synset offset \(zeroPadded(offset, 8)) does not match its byte position \(start) in the file")
            }
            let lexfile = try integer("a lexicographer file number")
            let posField = try field("a part of speech")
            guard posField.count == 1, PosFile(letter: posField[0]) == file else {
                throw input.error(line: number, "part of speech '\(posField.string)' does not belong in data.\(file.suffix)")
            }
            let wordCount = try integer("a word count", radix: 16)
            var words: [String] = []
            for _ in 0..<wordCount {
                var word = try field("a word").string
                _ = try integer("a lex_id", radix: 16)
                // Adjectives may carry a syntactic marker: "(a)", "(p)" or "(ip)".
                if word.hasSuffix(")"), let open = word.lastIndex(of: "(") { word = String(word[..<open]) }
                words.append(word)
            }
            guard wordCount > 0 else { throw input.error(line: number, "a synset needs at least one word") }
            let pointerCount = try integer("a pointer count")
            var pointers: [Pointer] = []
            for _ in 0..<pointerCount {
                let symbol = try field("a pointer symbol").string
                guard let relation = PointerSymbols.relations[symbol] else {
                    throw input.error(line: number, "unknown pointer symbol '\(symbol)'")
                }
                let targetOffset = try integer("a pointer's target offset")
                let letter = try field("a pointer's part of speech")
                guard letter.count == 1, let targetFile = PosFile(letter: letter[0]) else {
                    throw input.error(line: number, "bad part of speech '\(letter.string)' in a pointer")
                }
                let words = try integer("a pointer's source/target word numbers", radix: 16)
                pointers.append(Pointer(relation: relation, file: targetFile, offset: targetOffset,
                                        sourceWord: words >> 8, targetWord: words & 0xFF))
            }
            if file == .verb {
                let frameCount = try integer("a verb frame count")
                for _ in 0..<frameCount {
                    guard try field("a verb frame").equals("+") else { throw input.error(line: number, "expected '+' before a verb frame") }
                    _ = try integer("a frame number")
                    _ = try integer("a frame's word number", radix: 16)
                }
            }
            guard try field("'|' and a gloss").equals("|") else {
                throw input.error(line: number, "expected '|' before the gloss, found more fields than the counts announce")
            }
            guard seen.insert(offset).inserted else { throw input.error(line: number, "duplicate synset offset \(offset)") }
            synsets.append(Synset(
                file: file, offset: offset, pos: posField.string, lexname: lexfile < lexnames.count ? lexnames[lexfile] : nil,
                words: words, pointers: pointers, gloss: fields.rest().string, line: number))
        }
        return synsets
    }

    /// Lemma → synset offsets in sense order, from one index file.
    func readIndex(_ input: InputFile, file: PosFile) throws -> [String: [Int]] {
        try input.requireUTF8()
        var senses: [String: [Int]] = [:]
        try input.forEachLine { line, number, _ in
            if line.isEmpty || line[0] == 0x20 { return }
            var fields = FieldReader(line)
            func field(_ what: String) throws -> UnsafeBufferPointer<UInt8> {
                guard let value = fields.next() else { throw input.error(line: number, "truncated line: expected \(what)") }
                return value
            }
            func count(_ what: String) throws -> Int {
                let value = try field(what)
                guard let parsed = value.unsigned() else { throw input.error(line: number, "expected \(what), found '\(value.string)'") }
                return parsed
            }
            let lemma = try field("a lemma").string
            _ = try field("a part of speech")
            let synsetCount = try count("a synset count")
            let pointerCount = try count("a pointer count")
            for _ in 0..<pointerCount { _ = try field("a pointer symbol") }
            _ = try count("a sense count")
            _ = try count("a tagged sense count")
            var offsets: [Int] = []
            for _ in 0..<synsetCount {
                let offset = try count("a synset offset")
                guard byLocation[Self.location(file, offset)] != nil else {
                    throw input.error(line: number, "'\(lemma)' points to synset offset \(zeroPadded(offset, 8)), which data.\(file.suffix) does not have")
                }
                offsets.append(offset)
            }
            if fields.next() != nil { throw input.error(line: number, "more synset offsets than the synset count \(synsetCount)") }
            senses[lemma] = offsets
        }
        return senses
    }

    /// Points every pointer at its target synset; each must exist (and have the
    /// word a lexical pointer names).
    mutating func resolvePointers() throws {
        targets = try synsets.map { synset in
            try synset.pointers.map { pointer in
                let source = "\(directory)/data.\(synset.file.suffix)"
                guard let target = byLocation[Self.location(pointer.file, pointer.offset)] else {
                    throw InputError(file: source, line: synset.line, "\(pointer.relation) pointer to synset \(zeroPadded(pointer.offset, 8)), which data.\(pointer.file.suffix) does not have")
                }
                if pointer.sourceWord > synset.words.count || pointer.targetWord > synsets[target].words.count {
                    throw InputError(file: source, line: synset.line, "\(pointer.relation) pointer names a word number its synset does not have")
                }
                return target
            }
        }
    }

    /// Hypernym and instance-hypernym pointers must not loop (depths and
    /// `taxon ancestors` would never end).
    func checkIsACycles() throws {
        var edges: [(child: Int32, parent: Int32)] = []
        for (index, synset) in synsets.enumerated() {
            for (pointer, target) in zip(synset.pointers, targets[index])
            where pointer.relation == Relations.hypernym || pointer.relation == Relations.instanceHypernym {
                edges.append((Int32(index), Int32(target)))
            }
        }
        do { _ = try Hierarchy(count: synsets.count, edges: edges) } catch {
            let first = synsets[error.nodes[0]]
            let path = error.nodes.map { zeroPadded(synsets[$0].offset, 8) }.joined(separator: " → ")
            throw InputError(file: "\(directory)/data.\(first.file.suffix)", line: first.line,
                             "hypernym pointers loop: \(path) → \(zeroPadded(first.offset, 8))")
        }
    }

    /// A synset's rows as the store wants them.
    struct Row: Sendable {
        var key: String
        var name: String
        var folded: [String]
        var senseNumbers: [Int?]
    }

    /// Builds every synset's key, name and lemma lookups, half the synsets on each core.
    func rows() throws -> [Row] {
        let halves = [0..<synsets.count / 2, synsets.count / 2..<synsets.count]
        return try parallelMap(halves) { range in
            try range.map { index in
                let synset = synsets[index]
                let folded = synset.words.map(foldLemma)
                let senseNumbers = folded.map { senses[synset.file.rawValue][$0]?.firstIndex(of: synset.offset).map { $0 + 1 } }
                guard let sense = senseNumbers[0] else {
                    throw InputError(file: "\(directory)/data.\(synset.file.suffix)", line: synset.line,
                                     "word '\(synset.words[0])' is missing from index.\(synset.file.suffix)")
                }
                // NLTK: the first word, lower-cased, and the synset's rank among its senses.
                return Row(key: synset.pos + zeroPadded(synset.offset, 8), name: "\(folded[0]).\(synset.pos).\(zeroPadded(sense, 2))",
                           folded: folded, senseNumbers: senseNumbers)
            }
        }.flatMap { $0 }
    }

    func write(to writer: any TaxonomyWriting, taxonomy: String) throws -> WordNetDictImporter.Report {
        let rows = try rows()
        var ids = [Int64](repeating: 0, count: synsets.count)
        var senseCount = 0, edgeCount = 0
        var perPos: [String: Int] = [:]
        for (index, (synset, row)) in zip(synsets, rows).enumerated() {
            ids[index] = try writer.addConcept(key: row.key, name: row.name, pos: synset.pos, lexname: synset.lexname, gloss: synset.gloss)
            for (position, word) in synset.words.enumerated() {
                try writer.addLemma(concept: ids[index], position: position + 1, word: word, folded: row.folded[position],
                                    senseNumber: row.senseNumbers[position])
            }
            senseCount += synset.words.count
            perPos[synset.pos, default: 0] += 1
        }
        for (index, synset) in synsets.enumerated() {
            for (pointer, target) in zip(synset.pointers, targets[index]) {
                try writer.addEdge(from: ids[index], pointer.relation, to: ids[target], sourceWord: pointer.sourceWord, targetWord: pointer.targetWord)
                edgeCount += 1
            }
        }
        return .init(taxonomy: taxonomy, synsets: perPos, senses: senseCount, pointers: edgeCount)
    }
}
