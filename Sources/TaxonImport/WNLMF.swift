import TaxonCore
import TaxonModel

/// Imports a WordNet in the Global WordNet Association's WN-LMF XML format
/// (LexicalResource / Lexicon / LexicalEntry / Lemma / Sense / Synset /
/// Definition / SynsetRelation / SenseRelation), streamed with XMLStream.
///
/// Keys: a synset id of the form `<lexicon>-<8 digits>-<pos>` (oewn-02084071-n)
/// becomes pos + offset (n02084071), as for the Princeton files; any other id is
/// kept as written. Words of a synset follow its `members` attribute when given,
/// else the order of their Sense elements. Sense numbers count, in document
/// order, the senses of one word and part of speech across entries (satellites
/// with adjectives), as the Princeton index does; names are NLTK-style from
/// the first word.
public enum WNLMFImporter {
    /// What a WN-LMF import wrote.
    public struct Report: Codable, Sendable {
        public let taxonomy: String
        public let lexicons: [String]
        public let synsets: Int
        public let senses: Int
        public let relations: Int
    }

    /// Imports a WN-LMF XML file (streamed, no network, no entity expansion) as a taxonomy, in one transaction.
    public static func run(store: Store, file: String, name: String, replace: Bool = false) throws -> Report {
        let document = try LMFDocument.read(file)
        return try store.importing {
            let writer = try store.taxonomyWriter(name: name, kind: .lmf, source: absolutePath(file), replace: replace)
            return try document.write(to: writer, taxonomy: name)
        }
    }
}

/// What the importer keeps of a WN-LMF file, resolved and checked.
struct LMFDocument {
    struct Sense { var id: String; var entry: Int; var synset: String; var line: Int }
    struct Entry { var id: String; var lemma: String; var pos: String; var senses: [Int] }
    struct Link { var type: String; var source: String; var target: String; var line: Int }
    struct Synset {
        var id: String
        var pos: String
        var members: [String]?
        var definition: String?
        var line: Int
    }

    let path: String
    var lexicons: [String] = []
    var entries: [Entry] = []
    var senses: [Sense] = []
    var synsets: [Synset] = []
    var synsetRelations: [Link] = []
    var senseRelations: [Link] = []
    /// Whether the latest <Sense> was one of a LexicalEntry (its SenseRelations attach to it).
    private var currentSenseOpen = false

    static func read(_ path: String) throws -> LMFDocument {
        var document = LMFDocument(path: path)
        let xml = try XMLStream(path: path)
        var stack: [String] = []
        var definition: String?
        var sawRoot = false
        while let event = try xml.next() {
            switch event {
            case let .start(name, attributes, isEmpty):
                if !sawRoot {
                    guard name == "LexicalResource" else { throw xml.error("the root element is <\(name)>, not <LexicalResource>: not a WN-LMF file") }
                    sawRoot = true
                }
                try document.start(name, attributes, parent: stack.last, xml: xml)
                if name == "Definition" && stack.last == "Synset" { definition = "" }
                if !isEmpty { stack.append(name) }
            case let .end(name):
                stack.removeLast()
                if name == "Definition", let text = definition {
                    if document.synsets[document.synsets.count - 1].definition == nil {
                        document.synsets[document.synsets.count - 1].definition = text.trimmingWhitespace()
                    }
                    definition = nil
                }
            case let .text(text):
                if definition != nil { definition! += text }
            }
        }
        guard sawRoot else { throw InputError(file: path, "holds no <LexicalResource>") }
        return document
    }

    private mutating func start(_ name: String, _ attributes: [String: String], parent: String?, xml: XMLStream) throws {
        func required(_ key: String) throws -> String {
            guard let value = attributes[key], !value.isEmpty else { throw xml.error("<\(name)> lacks the attribute \(key)") }
            return value
        }
        switch name {
        case "Lexicon":
            lexicons.append(try required("id"))
        case "LexicalEntry":
            entries.append(Entry(id: try required("id"), lemma: "", pos: "", senses: []))
        case "Lemma" where parent == "LexicalEntry":
            entries[entries.count - 1].lemma = try required("writtenForm")
            entries[entries.count - 1].pos = try required("partOfSpeech")
        case "Sense":
            guard parent == "LexicalEntry", !entries.isEmpty else { currentSenseOpen = false; break }
            currentSenseOpen = true
            entries[entries.count - 1].senses.append(senses.count)
            senses.append(Sense(id: try required("id"), entry: entries.count - 1, synset: try required("synset"), line: xml.line))
        case "SenseRelation" where parent == "Sense":
            guard let current = senses.last, currentSenseOpen else { throw xml.error("<SenseRelation> outside a <Sense> of a <LexicalEntry>") }
            senseRelations.append(Link(type: try required("relType"), source: current.id,
                                       target: try required("target"), line: xml.line))
        case "Synset":
            let members = attributes["members"].map { $0.split(separator: " ").map(String.init) }
            synsets.append(Synset(id: try required("id"), pos: try required("partOfSpeech"), members: members, definition: nil, line: xml.line))
        case "SynsetRelation" where parent == "Synset":
            synsetRelations.append(Link(type: try required("relType"), source: synsets[synsets.count - 1].id,
                                        target: try required("target"), line: xml.line))
        default:
            break
        }
    }

    /// Hypernym and instance-hypernym relations must not loop (`taxon ancestors` and
    /// every depth would never end).
    private func checkIsACycles(_ synsetIndex: [String: Int]) throws {
        let isA = synsetRelations.filter { $0.type == Relations.hypernym || $0.type == Relations.instanceHypernym }
        let edges = isA.compactMap { link in synsetIndex[link.target].map { (child: Int32(synsetIndex[link.source]!), parent: Int32($0)) } }
        do { _ = try Hierarchy(count: synsets.count, edges: edges) } catch {
            let first = synsets[error.nodes[0]]
            throw InputError(file: path, line: first.line,
                             "the hypernym relations loop: \(error.nodes.map { synsets[$0].id }.joined(separator: " → ")) → \(first.id)")
        }
    }

    /// `oewn-02084071-n` → `n02084071`; other ids unchanged.
    static func key(forSynsetID id: String) -> String {
        let parts = id.split(separator: "-")
        guard parts.count >= 3, let pos = parts.last, pos.count == 1, "nvasr".contains(pos),
              let offset = parts.dropLast().last, offset.count == 8, offset.allSatisfy(\.isASCII), Int(offset) != nil
        else { return id }
        return "\(pos)\(offset)"
    }

    func write(to writer: any TaxonomyWriting, taxonomy: String) throws -> WNLMFImporter.Report {
        if let entry = entries.first(where: { $0.lemma.isEmpty }) {
            throw InputError(file: path, "lexical entry '\(entry.id)' has no <Lemma>")
        }
        var synsetIndex: [String: Int] = [:]
        var keys = Set<String>()
        for (index, synset) in synsets.enumerated() {
            guard synsetIndex.updateValue(index, forKey: synset.id) == nil, keys.insert(Self.key(forSynsetID: synset.id)).inserted else {
                throw InputError(file: path, line: synset.line, "synset '\(synset.id)' is defined twice")
            }
        }
        // The words of each synset, in order, as indices into `senses`.
        var words = [[Int]](repeating: [], count: synsets.count)
        for (index, sense) in senses.enumerated() {
            guard let synset = synsetIndex[sense.synset] else {
                throw InputError(file: path, line: sense.line, "sense '\(sense.id)' points to synset '\(sense.synset)', which the file does not define")
            }
            words[synset].append(index)
        }
        for (index, synset) in synsets.enumerated() {
            guard let members = synset.members else { continue }
            let rank = Dictionary(members.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            words[index].sort { (rank[entries[senses[$0].entry].id] ?? .max) < (rank[entries[senses[$1].entry].id] ?? .max) }
        }
        // A sense's number is its rank among all senses of its word and part of speech (satellites counted
        // with adjectives), in document order, as the Princeton index numbers them; its word position is
        // its rank in the synset.
        var senseNumber = [Int](repeating: 0, count: senses.count)
        var counted: [String: Int] = [:]
        for entry in entries {
            let key = foldLemma(entry.lemma) + "|" + (entry.pos == "s" ? "a" : entry.pos)
            for sense in entry.senses {
                counted[key, default: 0] += 1
                senseNumber[sense] = counted[key]!
            }
        }
        var wordPosition = [Int](repeating: 0, count: senses.count)
        var senseIndex: [String: Int] = [:]
        for (index, sense) in senses.enumerated() {
            guard senseIndex.updateValue(index, forKey: sense.id) == nil else {
                throw InputError(file: path, line: sense.line, "sense '\(sense.id)' is defined twice")
            }
        }
        for list in words { for (position, sense) in list.enumerated() { wordPosition[sense] = position + 1 } }

        try checkIsACycles(synsetIndex)
        var ids = [Int64](repeating: 0, count: synsets.count)
        for (index, synset) in synsets.enumerated() {
            var name: String?
            if let first = words[index].first {
                let sense = senseNumber[first]
                name = "\(foldLemma(entries[senses[first].entry].lemma)).\(synset.pos).\(zeroPadded(sense, 2))"
            }
            ids[index] = try writer.addConcept(key: Self.key(forSynsetID: synset.id), name: name, pos: synset.pos, lexname: nil,
                                               gloss: synset.definition)
            for sense in words[index] {
                try writer.addLemma(concept: ids[index], position: wordPosition[sense], word: entries[senses[sense].entry].lemma,
                                    senseNumber: senseNumber[sense])
            }
        }
        for link in synsetRelations {
            guard let target = synsetIndex[link.target] else {
                throw InputError(file: path, line: link.line, "\(link.type) relation to synset '\(link.target)', which the file does not define")
            }
            try writer.addEdge(from: ids[synsetIndex[link.source]!], link.type, to: ids[target])
        }
        for link in senseRelations {
            guard let target = senseIndex[link.target] else {
                throw InputError(file: path, line: link.line, "\(link.type) relation to sense '\(link.target)', which the file does not define")
            }
            let source = senseIndex[link.source]!
            try writer.addEdge(from: ids[synsetIndex[senses[source].synset]!], link.type, to: ids[synsetIndex[senses[target].synset]!],
                               sourceWord: wordPosition[source], targetWord: wordPosition[target])
        }
        return .init(taxonomy: taxonomy, lexicons: lexicons, synsets: synsets.count, senses: senses.count,
                     relations: synsetRelations.count + senseRelations.count)
    }
}
