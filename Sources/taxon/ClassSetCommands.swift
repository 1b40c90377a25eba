import ArgumentParser
import Foundation
import TaxonCore
import TaxonKit

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

    func run() throws {
        let report = try SimilarityService(store: try store.openExisting()).buildTree(classSet: classSet, name: outName, compareWith: compare, replace: replace)
        if output.json { return try printJSON(report) }
        print("tree \(outName): \(report.nodes) nodes, height \(report.height), \(report.classes) classes")
        if let a = report.agreement {
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

    func run() throws {
        let report = try SimilarityService(store: try store.openExisting()).writeMatrix(classSet: classSet, measure: measure, informationContent: ic, to: out)
        if output.json { return try printJSON(report) }
        print("wrote \(out): \(report.classes) × \(report.classes) \(measure.rawValue) similarities of \(classSet)")
        if let value = report.smallestEigenvalue {
            print("smallest eigenvalue \(value): \(report.positiveDefinite ? "positive definite" : "not positive definite")")
        } else {
            print("some pairs have no value (NaN): no eigenvalue")
        }
    }
}
