import TaxonModel

/// Imports an ordered class set from a list of wnids, one per line in
/// class-index order (`n01440764`, or `n01440764 tench, Tinca tinca` as in
/// LOC_synset_mapping.txt: only the first field counts). Every wnid must be a
/// concept of the taxonomy; blank lines and lines starting with '#' are skipped.
public enum ImageNetClassesImporter {
    /// What a class-set import wrote.
    public struct Report: Codable, Sendable {
        public let classSet: String
        public let taxonomy: String
        public let classes: Int
    }

    /// Imports an ordered class set from a wnid list over `taxonomy` (default: wordnet), in one transaction; an unknown wnid is an error naming its line.
    public static func run(store: Store, wnidsFile: String, name: String, taxonomy: String? = nil, replace: Bool = false) throws -> Report {
        let input = try InputFile(path: wnidsFile)
        try input.requireUTF8()
        var wnids: [(key: String, line: Int)] = []
        input.forEachLine { line, number, _ in
            var fields = FieldReader(line)
            guard let first = fields.next(), first[0] != UInt8(ascii: "#") else { return }
            wnids.append((first.string, number))
        }
        guard !wnids.isEmpty else { throw InputError(file: wnidsFile, "holds no wnids") }

        let target = try store.taxonomy(named: taxonomy)
        var seen: [String: Int] = [:]
        for (key, line) in wnids {
            if let earlier = seen.updateValue(line, forKey: key) {
                throw InputError(file: wnidsFile, line: line, "'\(key)' is listed twice (first on line \(earlier))")
            }
        }
        let ids = try store.conceptIDs(keys: wnids.map(\.key), in: target)
        let missing = wnids.indices.filter { ids[$0] == nil }
        if let first = missing.first {
            let listed = missing.prefix(10).map { "\(wnids[$0].key) (line \(wnids[$0].line))" }.joined(separator: ", ")
            throw InputError(file: wnidsFile, line: wnids[first].line,
                             "\(missing.count) wnid(s) not in taxonomy '\(target.name)': \(listed)\(missing.count > 10 ? ", …" : "")")
        }
        try store.importing {
            try store.writeClassSet(name: name, taxonomyID: target.id, source: absolutePath(wnidsFile), concepts: ids.map { $0! }, replace: replace)
        }
        return Report(classSet: name, taxonomy: target.name, classes: wnids.count)
    }
}
