import Foundation
import TaxonModel

/// A reviewed map file (`taxon classes map --out`, then edited by a person): per class name, the concept of
/// the base taxonomy it is, or — for a name marked `new` — the concept it goes under.
public struct ClassMapFile: Sendable {
    /// What a class name is.
    public enum Target: Sendable, Equatable {
        case mapped(Concept)
        case new(parent: Concept)
    }
    /// The classes in file order.
    public let entries: [(name: String, target: Target)]

    /// The key a new class name gets in its extension: `new:` and the name folded as lemmas are (`Yin-Yang` →
    /// `new:yin_yang`). Not the bare word: an exact key wins over a lemma, and would hide the base's senses of it.
    public static func newKey(_ name: String) -> String { "new:" + foldLemma(name) }

    /// Reads `path`, resolving every key, concept name and parent in `taxonomy`. The `key` and `concept`
    /// columns must agree when both are given (a reviewer who edits one blanks the other with `-`);
    /// a parent is its first word (`n02121620 cat.n.01` → `n02121620`). Any fault names the file and line.
    public static func read(_ path: String, store: Store, taxonomy: TaxonomyInfo) throws -> ClassMapFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ServiceError.missing("\(path): cannot read the map file") }
        var entries: [(name: String, target: Target)] = []
        var lineOfName: [String: Int] = [:]
        func fail(_ line: Int, _ message: String) -> ServiceError { .invalid("\(path):\(line): \(message)") }
        func resolve(_ reference: String, line: Int) throws -> Concept {
            let found = try store.candidates(for: reference, in: taxonomy)
            guard !found.isEmpty else { throw fail(line, "'\(reference)' is not a concept of \(taxonomy.name)") }
            guard found.count == 1 else {
                throw fail(line, "'\(reference)' has \(found.count) senses (\(found.prefix(3).map(\.label).joined(separator: ", ")), …): write a key or a sense name")
            }
            return found[0]
        }
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = offset + 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = raw.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 6 else { throw fail(line, "expected tab-separated name, key, concept, confidence, status, parent") }
            let name = fields[0]
            guard !name.isEmpty, name != "-" else { throw fail(line, "the name is empty") }
            if let earlier = lineOfName.updateValue(line, forKey: name) { throw fail(line, "'\(name)' is listed twice (first on line \(earlier))") }
            let given = (key: fields[1] == "-" ? "" : fields[1], concept: fields[2] == "-" ? "" : fields[2])
            switch fields[4] {
            case "mapped":
                guard !given.key.isEmpty || !given.concept.isEmpty else { throw fail(line, "'\(name)' is mapped but names no key or concept") }
                let byKey = given.key.isEmpty ? nil : try resolve(given.key, line: line)
                let byConcept = given.concept.isEmpty ? nil : try resolve(given.concept, line: line)
                if let byKey, let byConcept, byKey.id != byConcept.id {
                    throw fail(line, "key \(given.key) is \(byKey.label), not \(given.concept): edit both columns, or write - in one")
                }
                entries.append((name, .mapped((byKey ?? byConcept)!)))
            case "new":
                guard let parent = fields[5].split(separator: " ").first.map(String.init), parent != "-" else {
                    throw fail(line, "'\(name)' is new but has no parent")
                }
                entries.append((name, .new(parent: try resolve(parent, line: line))))
            default:
                throw fail(line, "status must be 'mapped' or 'new', not '\(fields[4])'")
            }
        }
        guard !entries.isEmpty else { throw ServiceError.invalid("\(path): no classes") }
        return ClassMapFile(entries: entries)
    }
}
