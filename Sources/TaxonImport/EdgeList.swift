import TaxonCore
import TaxonModel

/// Imports a hierarchy file: one `parent child` pair per line (or `child parent`
/// with `childParent`), ids of any kind (integers, wnids, words), blank lines and
/// '#' comments skipped. An optional names file gives `id name` lines. The
/// hierarchy becomes a taxonomy whose edges are `hypernym` (child → parent), plus
/// a class set of the same name holding its leaves.
public enum EdgeListImporter {
    /// The order of the leaf class set: as the leaves first appear in the file, or sorted by id.
    public enum LeafOrder: String, CaseIterable, Sendable {
        /// In the order the leaves first appear in the file.
        case appearance
        /// By id: numerically when every leaf id is an integer (CIFAR-100's labels),
        /// else by byte order (ILSVRC's wnids, which is its class-index order).
        case sorted
    }

    /// What an edge-list import wrote.
    public struct Report: Codable, Sendable {
        public let taxonomy: String
        public let nodes: Int
        public let edges: Int
        public let leaves: Int
        public let roots: Int
        public let height: Int
    }

    /// Imports a 'parent child' (or 'child parent') file as a taxonomy with a class set of its leaves, in one transaction.
    public static func run(
        store: Store, file: String, name: String, childParent: Bool = false, namesFile: String? = nil,
        leafOrder: LeafOrder = .appearance, replace: Bool = false
    ) throws -> Report {
        let input = try InputFile(path: file)
        try input.requireUTF8()
        var ids: [String] = []
        var index: [String: Int32] = [:]
        func node(_ id: String) -> Int32 {
            if let known = index[id] { return known }
            index[id] = Int32(ids.count)
            ids.append(id)
            return Int32(ids.count - 1)
        }
        var edges: [(child: Int32, parent: Int32)] = []
        var edgeLines: [Int] = []
        try input.forEachLine { line, number, _ in
            var fields = FieldReader(line)
            guard let first = fields.next(), first[0] != UInt8(ascii: "#") else { return }
            guard let second = fields.next(), fields.next() == nil else {
                throw input.error(line: number, "expected two ids, '\(childParent ? "child parent" : "parent child")'")
            }
            let (parent, child) = childParent ? (second.string, first.string) : (first.string, second.string)
            if parent == child { throw input.error(line: number, "'\(child)' is given as its own parent") }
            edges.append((node(child), node(parent)))
            edgeLines.append(number)
        }
        guard !edges.isEmpty else { throw InputError(file: file, "holds no edges") }

        let hierarchy: Hierarchy
        do { hierarchy = try Hierarchy(count: ids.count, edges: edges) } catch {
            throw cycleError(error, file: file, ids: ids, edges: edges, lines: edgeLines)
        }
        let names = try namesFile.map { try readNames($0, index: index) } ?? [:]
        var leaves = hierarchy.leaves
        switch leafOrder {
        case .appearance: break
        case .sorted:
            if leaves.allSatisfy({ Int(ids[$0]) != nil }) {
                leaves.sort { Int(ids[$0])! < Int(ids[$1])! }
            } else {
                leaves.sort { ids[$0].utf8.lexicographicallyPrecedes(ids[$1].utf8) }
            }
        }

        try store.importing {
            let writer = try store.taxonomyWriter(name: name, kind: .hierarchy, source: absolutePath(file), replace: replace)
            var conceptIDs: [Int64] = []
            var senses: [String: Int] = [:]
            for (node, id) in ids.enumerated() {
                let label = names[Int32(node)]
                conceptIDs.append(try writer.addConcept(key: id, name: label, pos: nil, lexname: nil, gloss: nil))
                if let label {
                    let sense = (senses[foldLemma(label)] ?? 0) + 1
                    senses[foldLemma(label)] = sense
                    try writer.addLemma(concept: conceptIDs[node], position: 1, word: label, senseNumber: sense)
                }
            }
            for node in 0..<ids.count {
                for parent in hierarchy.parents(of: node) {
                    try writer.addEdge(from: conceptIDs[node], Relations.hypernym, to: conceptIDs[Int(parent)])
                }
            }
            try store.writeClassSet(name: name, taxonomyID: writer.taxonomyID, source: absolutePath(file),
                                    concepts: leaves.map { conceptIDs[$0] }, replace: replace)
        }
        return Report(taxonomy: name, nodes: ids.count, edges: hierarchy.edgeCount, leaves: leaves.count,
                      roots: hierarchy.roots.count, height: hierarchy.maxHeight())
    }

    /// Names the cycle and the earliest line that closes part of it.
    private static func cycleError(_ cycle: CycleError, file: String, ids: [String], edges: [(child: Int32, parent: Int32)], lines: [Int]) -> InputError {
        let nodes = cycle.nodes
        var line = Int.max
        for (step, child) in nodes.enumerated() {
            let parent = nodes[(step + 1) % nodes.count]
            if let at = edges.indices.first(where: { Int(edges[$0].child) == child && Int(edges[$0].parent) == parent }) {
                line = min(line, lines[at])
            }
        }
        let path = (nodes + [nodes[0]]).map { ids[$0] }.joined(separator: " → ")
        return InputError(file: file, line: line, "the hierarchy has a cycle (child → parent): \(path)")
    }

    /// `id name` lines; every id must be a node of the hierarchy.
    private static func readNames(_ path: String, index: [String: Int32]) throws -> [Int32: String] {
        let input = try InputFile(path: path)
        try input.requireUTF8()
        var names: [Int32: String] = [:]
        try input.forEachLine { line, number, _ in
            var fields = FieldReader(line)
            guard let id = fields.next(), id[0] != UInt8(ascii: "#") else { return }
            let name = fields.rest()
            guard !name.isEmpty else { throw input.error(line: number, "expected 'id name'") }
            guard let node = index[id.string] else { throw input.error(line: number, "'\(id.string)' is not a node of the hierarchy") }
            guard names.updateValue(name.string, forKey: node) == nil else {
                throw input.error(line: number, "'\(id.string)' is named twice")
            }
        }
        return names
    }
}
