import ArgumentParser
import Foundation
import TaxonKit

struct Classes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classes", abstract: "Your own classes: map their names to WordNet concepts.", subcommands: [ClassesMap.self])
}

struct ClassesMap: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Propose a WordNet concept for each class name, to review before use.",
        discussion: """
            Give a folder (its sub-folders are the classes, their photos the evidence) or class names. Each name is looked \
            up as a lemma (case, '-' and spaces folded, plurals made singular, one typing error forgiven, else each word of a \
            compound name); among the senses the one nearest to what the photos look like to the network, to the other \
            classes' senses and first in WordNet's order wins. Names without a fitting sense are marked new, with a proposed \
            parent. Writes a tab-separated map (--out) or prints it; the method: docs/CLASSES.md.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "A folder of class folders, or class names.") var classes: [String]
    @Option(help: "Write the map here (tab-separated) instead of printing it.") var out: String?
    @Option(help: "Photos per class the network looks at.") var photos = 12

    func run() throws {
        var isFolder: ObjCBool = false
        let folder = classes.count == 1 && FileManager.default.fileExists(atPath: classes[0], isDirectory: &isFolder) && isFolder.boolValue
        if !folder, let path = classes.first(where: { $0.contains("/") }) { throw ValidationError("no folder \(path) (class names have no '/')") }
        let named = folder ? try NamedClass.folders(in: classes[0]) : classes.map { NamedClass(name: $0) }
        guard !named.isEmpty else { throw ValidationError("no classes: \(classes[0]) has no sub-folders") }
        var mapper = try ClassNameMapper(store: try store.openExisting(), network: folder ? try weights.network() : nil)
        mapper.photosPerClass = photos
        let mappings = try mapper.map(named)
        if output.json { return try printJSON(mappings) }
        let table = ClassNameMapping.tsv(mappings)
        guard let out else { return print(table, terminator: "") }
        try table.write(toFile: out, atomically: true, encoding: .utf8)
        print("wrote \(out): \(mappings.count) classes, \(mappings.filter(\.isNew).count) new")
    }
}
