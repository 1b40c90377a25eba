import ArgumentParser
import Foundation
import TaxonCore
import TaxonLinalg
import TaxonStore

struct TreeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Turn the DAG above a class set into a tree (one path to the root per class, chosen to keep the tree small) and store it as a taxonomy with a class set of the same name.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The class set.") var classSet: String
    @Option(help: "Name of the new taxonomy and class set.") var outName: String
    @Option(help: "A reference tree ('parent child' lines) to compare with.") var compare: String?
    @Flag(help: "Replace an existing taxonomy of that name.") var replace = false

    struct Report: Encodable {
        let taxonomy: String
        let nodes: Int
        let height: Int
        let classes: Int
        let agreement: TreeAgreement?
    }

    func run() throws {
        let db = try store.openExisting()
        let setInfo = try db.classSet(named: classSet)
        let source = try Taxonomy.load(from: db, taxonomy: try db.taxonomy(named: setInfo.taxonomy))
        let classes = try source.nodes(of: classSet, in: db)
        let tree = TreeBuilder(taxonomy: source, classes: classes)
        try tree.store(into: db, source: source, classes: classes, name: outName, replace: replace)
        let stored = try Taxonomy.load(from: db, taxonomy: try db.taxonomy(named: outName))
        var agreement: TreeAgreement?
        if let compare {
            let reference = try PairsFile.readHierarchy(compare)
            let mine = Dictionary(uniqueKeysWithValues: tree.parent.map { (source.keys[$0.key], source.keys[$0.value]) })
            agreement = TreeAgreement(tree: mine, reference: reference, classes: classes.map { source.keys[$0] })
        }
        let report = Report(taxonomy: outName, nodes: stored.count, height: Int(stored.maxHeight), classes: classes.count, agreement: agreement)
        if output.json { return try printJSON(report) }
        print("tree \(outName): \(report.nodes) nodes, height \(report.height), \(report.classes) classes")
        if let a = agreement {
            print("against \(compare!): \(a.referenceNodes) nodes there, \(a.sharedNodes) shared; \(a.identicalPaths) of \(a.classes) classes have the same path to the root")
        }
    }
}

struct SimMatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simmatrix",
        abstract: "Write the similarity matrix of a class set (float64 .npy, class-index order) and report its smallest eigenvalue.",
        discussion: "lcs-height is computed on the hierarchy induced by the classes (their ancestors only); NaN marks pairs without a value.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The class set.") var classSet: String
    @Option(help: "path, lch, wup, res, jcn, lin or lcs-height.") var measure: Measure = .lcsHeight
    @Option(help: "Information content for res/jcn/lin: a .dat file or 'intrinsic'.") var ic: String?
    @Option(help: "The .npy file to write.") var out: String

    struct Report: Encodable {
        let classSet: String
        let measure: String
        let classes: Int
        let smallestEigenvalue: Double?
        let positiveDefinite: Bool
        let out: String
    }

    func run() throws {
        BLASKernels.restartIfKernelsMisdetected()
        let db = try store.openExisting()
        let setInfo = try db.classSet(named: classSet)
        let options = try TaxonomyOptions.parse(["--taxonomy", setInfo.taxonomy] + (ic.map { ["--ic", $0] } ?? []))
        let similarity = try options.similarity(db)
        let classes = try similarity.taxonomy.nodes(of: classSet, in: db)
        let matrix = try ClassSimilarityMatrix(similarity: similarity, classes: classes, measure: measure)
        try NPY.write(matrix.values, shape: [matrix.classes, matrix.classes], to: out)
        let report = Report(classSet: classSet, measure: measure.rawValue, classes: matrix.classes,
                            smallestEigenvalue: matrix.smallestEigenvalue, positiveDefinite: matrix.isPositiveDefinite, out: out)
        if output.json { return try printJSON(report) }
        print("wrote \(out): \(matrix.classes) × \(matrix.classes) \(measure.rawValue) similarities of \(classSet)")
        if let value = matrix.smallestEigenvalue {
            print("smallest eigenvalue \(value): \(matrix.isPositiveDefinite ? "positive definite" : "not positive definite")")
        } else {
            print("some pairs have no value (NaN): no eigenvalue")
        }
    }
}
