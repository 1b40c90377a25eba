import Foundation
import TaxonCore
import TaxonModel
import TaxonSearch
import TaxonVision

/// A class as a user names it: a folder name (`airplanes`, `car_side`, `yin_yang`) and, when it is a folder, its photos.
public struct NamedClass: Sendable {
    public let name: String
    public let photos: [String]
    /// A class by name, with its photos if any.
    public init(name: String, photos: [String] = []) { (self.name, self.photos) = (name, photos) }

    /// The first-level sub-folders of `folder` (hidden ones left out), each with its photos (the indexer's
    /// extensions), in name order: the torchvision `ImageFolder` convention.
    public static func folders(in folder: String) throws -> [NamedClass] {
        let manager = FileManager.default
        guard let entries = try? manager.contentsOfDirectory(atPath: folder) else { throw ServiceError.missing("\(folder): no such folder") }
        return entries.sorted().compactMap { entry -> NamedClass? in
            let path = (folder as NSString).appendingPathComponent(entry)
            guard !entry.hasPrefix("."), let files = try? manager.contentsOfDirectory(atPath: path) else { return nil }  // a file, not a folder
            let photos = files.sorted().filter { ImageIndexer.extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            return NamedClass(name: entry, photos: photos.map { (path as NSString).appendingPathComponent($0) })
        }
    }
}

/// One proposal of `taxon classes map`: the concept chosen for a class name, how sure, and what else it could be;
/// or, for a name the taxonomy lacks (or whose senses the photos contradict), a proposed parent.
public struct ClassNameMapping: Encodable, Sendable {
    /// A sense considered, with its combined score.
    public struct Candidate: Encodable, Sendable { public let key: String; public let concept: String; public let score: Double }
    public let name: String
    /// The chosen concept; nil for a new name.
    public let key: String?
    public let concept: String?
    /// The chosen sense's share of the candidates' softmax over scores (1 when only one sense fits).
    public let confidence: Double
    /// The taxonomy lacks the name: `parent` is where it would go.
    public let isNew: Bool
    public let parentKey: String?
    public let parent: String?
    /// The lemma the name matched (`airplane` for `airplanes`, `car` for `car_side`); nil when none did.
    public let matched: String?
    /// The other senses, best first.
    public let runnersUp: [Candidate]

    enum CodingKeys: String, CodingKey { case name, key, concept, confidence, isNew = "new", parentKey = "parent_key", parent, matched, runnersUp = "runners_up" }

    /// This name proposed as new under the concept it was first given (which another name keeps).
    func new(under key: String, concept: String?) -> ClassNameMapping {
        ClassNameMapping(name: name, key: nil, concept: nil, confidence: 0, isNew: true, parentKey: key, parent: concept, matched: matched,
                         runnersUp: runnersUp)
    }
}

/// Proposes a WordNet concept for each class name (docs/CLASSES.md): lemma lookup with normalisation, then a
/// choice among the senses by evidence — what the class's photos look like to the network (the sense nearest,
/// by Wu–Palmer similarity, to the photos' predicted classes), the other classes' senses (a set of animals
/// pulls `crane` to the bird), and WordNet's sense order; names without a fitting sense are marked new, with
/// the concept most of the photos' predicted probability lies under as the proposed parent.
public struct ClassNameMapper {
    /// How the evidence is weighed (docs/CLASSES.md).
    public struct Weights: Sendable {
        public var photos = 1.0, otherClasses = 0.5, senseOrder = 0.1
        /// A sense matched through one word of a compound name (`car` of `car_side`) counts this much of a whole-name match.
        public var partialMatch = 0.9
        /// A person (WordNet's noun.person: `garfield` is a president there) or a sense of one word of a compound name
        /// whose similarity to the photos' predicted classes is below this is taken for another thing.
        public var newBelow = 0.5
        /// Softmax temperature of the confidence.
        public var temperature = 0.05
        /// The defaults of docs/CLASSES.md.
        public init() {}
    }

    let store: any Store
    let similarity: Similarity
    let network: EfficientNetLite?
    let networkClasses: [Int]  // taxonomy nodes of the network's outputs
    public var weights = Weights()
    /// Photos per class looked at (the first ones by name).
    public var photosPerClass = 12

    /// Mapping into the store's default taxonomy (WordNet); without a network, photos are not used.
    public init(store: any Store, network: EfficientNetLite?, classSet: String = "ilsvrc2012") throws {
        self.store = store
        similarity = try SimilarityService(store: store).similarity(taxonomy: nil, informationContent: nil)
        self.network = network
        let taxonomy = similarity.taxonomy
        networkClasses = network == nil ? [] : try SearchEngine.networkClasses(store: store, classSet: classSet).map {
            guard let node = taxonomy.node(forKey: $0) else { throw ServiceError.unsuitable("the network's class \($0) is not in \(taxonomy.info.name)") }
            return node
        }
    }

    /// One proposal per class, in the order given; each name's senses are weighed against all the others'.
    public func map(_ classes: [NamedClass]) throws -> [ClassNameMapping] {
        let taxonomy = similarity.taxonomy
        let senses = try classes.map { try nounSenses(of: $0.name) }
        let looks = try classes.map { try predictedClasses($0.photos) }
        var bestScores = [Double](repeating: 0, count: classes.count)
        var mappings = classes.indices.map { i in
            let name = classes[i].name
            let otherClasses = senses.indices.filter { $0 != i && !senses[$0].candidates.isEmpty }
            var scored: [(node: Int, score: Double, visual: Double?, doubtful: Bool)] = senses[i].candidates.enumerated().map { rank, candidate in
                let visual = looks[i].map { resemblance(candidate.node, $0) }
                let others = otherClasses.map { j in senses[j].candidates.map { similarity.wup(candidate.node, $0.node) ?? 0 }.max() ?? 0 }
                    .reduce(0, +) / Double(max(otherClasses.count, 1))
                var score = weights.otherClasses * others + weights.senseOrder / Double(rank + 1)
                if let visual { score += weights.photos * visual }
                return (candidate.node, candidate.whole ? score : score * weights.partialMatch, visual, candidate.person || !candidate.whole)
            }
            scored.sort { $0.score > $1.score }
            // A person, or one word of a compound name, that the photos do not resemble is taken for another thing
            // (`garfield`, `yang` of `yin_yang`); with no other sense, the name is new.
            let fitting = scored.filter { !($0.doubtful && $0.visual.map { $0 < weights.newBelow } == true) }
            let best = fitting.first
            bestScores[i] = best?.score ?? 0
            let parent = best == nil ? looks[i].flatMap { generalConcept($0) } : nil
            let confidence = best.map { best in 1 / fitting.map { exp(($0.score - best.score) / weights.temperature) }.reduce(0, +) } ?? 0
            let candidate = { (node: Int, score: Double) in
                ClassNameMapping.Candidate(key: taxonomy.keys[node], concept: taxonomy.names[node], score: rounded(score))
            }
            return ClassNameMapping(
                name: name, key: best.map { taxonomy.keys[$0.node] }, concept: best.map { taxonomy.names[$0.node] },
                confidence: rounded(confidence), isNew: best == nil,
                parentKey: parent.map { taxonomy.keys[$0] }, parent: parent.map { taxonomy.names[$0] },
                matched: senses[i].matched, runnersUp: scored.filter { $0.node != best?.node }.prefix(3).map { candidate($0.node, $0.score) })
        }
        // One concept, one class: of names given the same concept, the best-scoring keeps it and the others are
        // proposed new under it (`crocodile_head` under crocodile.n.01, beside `crocodile`).
        for key in Set(mappings.compactMap(\.key)).sorted() {
            let sharing = mappings.indices.filter { mappings[$0].key == key }
            guard let keeper = sharing.max(by: { bestScores[$0] < bestScores[$1] }), sharing.count > 1 else { continue }
            for i in sharing where i != keeper { mappings[i] = mappings[i].new(under: key, concept: mappings[keeper].concept) }
        }
        return mappings
    }

    /// The noun senses a class name can mean, most frequent first: a key of the taxonomy maps to itself; then
    /// the whole name (case, `-` and spaces folded to `_`), its singular, one edit away (`water_lilly`); failing
    /// those, each word of a compound name on its own (`car_side` → car, side), last word first.
    func nounSenses(of name: String) throws -> (candidates: [Sense], matched: String?) {
        let taxonomy = similarity.taxonomy
        if let node = taxonomy.node(forKey: name) { return ([Sense(node: node, whole: true, person: false)], name) }
        let folded = Self.fold(name)
        for form in [folded] + Self.singulars(folded) {
            let senses = try nouns(form, whole: true)
            if !senses.isEmpty { return (senses, form) }
        }
        if folded.count >= 5 {
            for form in Self.oneEditAway(folded) {
                let senses = try nouns(form, whole: true)
                if !senses.isEmpty { return (senses, form) }
            }
        }
        let words = folded.split(separator: "_").map(String.init)
        guard words.count > 1 else { return ([], nil) }
        var found: [Sense] = [], matched: [String] = []
        for word in words.reversed() where word.count > 1 {
            for form in [word] + Self.singulars(word) {
                let senses = try nouns(form, whole: false)
                if senses.isEmpty { continue }
                found += senses.filter { sense in !found.contains { $0.node == sense.node } }
                matched.append(form)
                break
            }
        }
        return (found, matched.isEmpty ? nil : matched.joined(separator: " "))
    }

    /// A noun sense a name matched, through the whole name or one of its words.
    struct Sense { let node: Int, whole: Bool, person: Bool }

    private func nouns(_ lemma: String, whole: Bool) throws -> [Sense] {
        try store.candidates(for: lemma, in: similarity.taxonomy.info).filter { $0.pos == "n" }.compactMap { concept in
            similarity.taxonomy.node(forKey: concept.key).map { Sense(node: $0, whole: whole, person: concept.lexname == "noun.person") }
        }
    }

    /// The network's mean class probabilities over the photos, the classes holding the most of it (nil: no photos or no network).
    func predictedClasses(_ photos: [String]) throws -> [(node: Int, probability: Double)]? {
        guard let network, !photos.isEmpty else { return nil }
        var mean = [Double](repeating: 0, count: networkClasses.count)
        let chosen = Array(photos.prefix(photosPerClass))
        let inputs = try chosen.map { try network.input(try ImageDecoder.decode(file: $0), name: $0) }
        let logits = network.forward(Preprocessing.batch(inputs)).logits
        for n in chosen.indices {
            let probabilities = softmax(Array(logits[(n * networkClasses.count)..<((n + 1) * networkClasses.count)]))
            for c in probabilities.indices { mean[c] += probabilities[c] / Double(chosen.count) }
        }
        return mean.indices.sorted { mean[$0] > mean[$1] }.prefix(10).map { (networkClasses[$0], mean[$0]) }
    }

    /// How much a sense resembles the photos: Wu–Palmer similarity to their predicted classes, weighted by probability.
    func resemblance(_ node: Int, _ predicted: [(node: Int, probability: Double)]) -> Double {
        let total = predicted.map(\.probability).reduce(0, +)
        guard total > 0 else { return 0 }
        return predicted.map { (similarity.wup(node, $0.node) ?? 0) * $0.probability }.reduce(0, +) / total
    }

    /// The deepest concept holding at least half the predicted probability (the proposed parent of a new name).
    func generalConcept(_ predicted: [(node: Int, probability: Double)]) -> Int? {
        let taxonomy = similarity.taxonomy
        let total = predicted.map(\.probability).reduce(0, +)
        var mass: [Int: Double] = [:]
        for (node, probability) in predicted {
            for ancestor in taxonomy.ancestors(of: node) { mass[ancestor.node, default: 0] += probability / total }
        }
        return mass.filter { $0.value >= 0.5 }.max { a, b in
            (taxonomy.minDepth[a.key], a.value) < (taxonomy.minDepth[b.key], b.value)
        }?.key
    }

    /// Lower case, `-` and spaces as `_`, no leading, trailing or doubled `_`.
    static func fold(_ name: String) -> String {
        name.lowercased().map { $0 == "-" || $0 == " " ? "_" : $0 }.reduce(into: "") { folded, character in
            if character == "_" && (folded.isEmpty || folded.last == "_") { return }
            folded.append(character)
        }.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
    }

    /// Singular forms by WordNet's noun detachment rules (morphy), on the last word.
    static func singulars(_ word: String) -> [String] {
        let rules = [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")]
        return rules.compactMap { suffix, replacement in
            word.hasSuffix(suffix) && word.count > suffix.count + 1 ? String(word.dropLast(suffix.count)) + replacement : nil
        }
    }

    /// Every string one deletion, transposition, substitution or insertion (letters and `_`) away.
    static func oneEditAway(_ word: String) -> [String] {
        let characters = Array(word), alphabet = Array("abcdefghijklmnopqrstuvwxyz_")
        var edits: [String] = []
        for i in characters.indices {
            edits.append(String(characters[..<i] + characters[(i + 1)...]))
            if i + 1 < characters.count { var swapped = characters; swapped.swapAt(i, i + 1); edits.append(String(swapped)) }
        }
        for i in 0...characters.count {
            for letter in alphabet {
                edits.append(String(characters[..<i] + [letter] + characters[i...]))
                if i < characters.count && characters[i] != letter { var changed = characters; changed[i] = letter; edits.append(String(changed)) }
            }
        }
        var seen = Set([word])
        return edits.filter { seen.insert($0).inserted }
    }
}

private func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

extension ClassNameMapping {
    /// The reviewable map file: a header, then per class `name  key  concept  confidence  status  parent  runners-up`
    /// (tab-separated; status `mapped` or `new`; `-` for an empty field; runners-up as `concept=score` joined by `,`).
    public static func tsv(_ mappings: [ClassNameMapping]) -> String {
        var lines = ["# name\tkey\tconcept\tconfidence\tstatus\tparent\trunners_up"]
        for m in mappings {
            let parent = m.parentKey.map { "\($0) \(m.parent ?? $0)" } ?? "-"
            let others = m.runnersUp.map { "\($0.concept)=\($0.score)" }.joined(separator: ",")
            lines.append([m.name, m.key ?? "-", m.concept ?? "-", String(m.confidence), m.isNew ? "new" : "mapped", parent, others.isEmpty ? "-" : others]
                .joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
