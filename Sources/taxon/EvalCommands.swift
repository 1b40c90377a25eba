import ArgumentParser
import Foundation
import TaxonCore
import TaxonEval
import TaxonKit
import TaxonSearch
import TaxonVision

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate retrieval on an indexed collection.", subcommands: [EvalRetrieval.self, EvalFeedback.self, EvalDataset.self, EvalStyle.self, MakeStyleSet.self])
}

struct EvalRetrieval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrieval",
        abstract: "Every image of a collection as a query: mAP, mAHP@k, NDCG@k, HP@k and P@k per ranking.",
        discussion: """
            Labels come from file names (<wnid>_…) or --labels (folders, stored, or a file of 'PATH WNID' lines). Graded relevance is --similarity between \
            the labels' classes on --tree (default: the taxonomy behind the embedding: a unitsphere embedding's tree). \
            HP@k = Σ top-k relevance ÷ the best possible sum; AHP@k its trapezoid area ÷ k; NDCG@k with gain = relevance and \
            discount log2(rank + 1). The query is left out of its own ranking. Definitions: docs/EVALUATION.md.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The collection.") var collection: String
    @Option(help: "A ranking: visual, semantic, semantic-first or blend (repeat the option for several).") var ranking: [Ranking.Kind] = []
    @Option(help: "blend's weight of the semantic cosine.") var alpha: Double?
    @Option(help: "semantic-first's level width (default: 1/H of the embedding's taxonomy).") var levelWidth: Double?
    @Option(help: "The collection's descriptor, checked (descriptors are chosen at indexing: taxon index --descriptor).") var descriptor: Descriptor?
    @Option(help: "The embedding of the semantic rankings (default: the collection's).") var embedding: String?
    @Option(help: "The relevance measure: lcs-height, wup, path, lch.") var similarity: Measure = .lcsHeight
    @Option(help: "The taxonomy relevance is measured on.") var tree: String?
    @Option(help: "HP curve and AHP cut-off.") var k = 250
    @Option(help: "NDCG cut-off.") var ndcgK = 100
    @OptionGroup var labels: LabelOptions
    @Flag(help: "Leave out images without a label in the taxonomy instead of stopping.") var skipUnlabelled = false
    @Option(help: "Write summary.csv, hp.csv and hp.svg (HP@k curves of every ranking) into this folder.") var report: String?
    @Option(help: "PCA-whiten the visual descriptors to this many dimensions, learned on the collection.") var whiten: Int?

    func run() throws {
        var options = EvaluationOptions()
        (options.embedding, options.measure, options.tree, options.skipUnlabelled) = (embedding, similarity, tree, skipUnlabelled)
        let opened = try store.openExisting()
        options.labels = try labels.source(store: opened)
        options.whiten = whiten
        let evaluation = try EvaluationService(store: opened).retrieval(
            collection: collection, rankings: ranking, alpha: alpha, levelWidth: levelWidth, descriptor: descriptor, options: options, k: k, ndcgK: ndcgK)
        if !evaluation.skipped.isEmpty { note("left out \(evaluation.skipped.count) unlabelled image(s): \(evaluation.skipped.prefix(10).joined(separator: ", "))") }
        if let report {
            let written = try RetrievalReport.write(evaluation.scores, labels: evaluation.labels, to: report)
            note("wrote \(written.joined(separator: ", "))")
        }
        if output.json { return try printJSON(evaluation.scores) }
        print(TextReports.retrieval(evaluation, relevance: similarity.rawValue, k: k, ndcgK: ndcgK))
    }
}

extension SimulatedUser: ExpressibleByArgument {}
extension FeedbackStrategy.Kind: ExpressibleByArgument {}

struct EvalFeedback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "The feedback simulation protocol: a simulated user judges results round by round and the query is refined.",
        discussion: """
            Every image (or --queries N sampled with --seed) is a query. Each round the user judges the top --per-round results \
            not yet shown (ideal: relevant iff the same label, or lcs-height ≥ --relevant-at; lazy: only the first relevant and \
            the first irrelevant; mistaken: each judgement flipped with --mistake-rate) and the query is refined with them \
            (--strategy). Scores are on the residual collection (the images shown so far removed), beside the no-feedback \
            baseline with the same images removed. Labels as in 'eval retrieval'. Protocol: docs/EVALUATION.md.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The collection (indexed with an embedding).") var collection: String
    @OptionGroup var labels: LabelOptions
    @Option(help: "Feedback rounds after the first ranking.") var rounds = 10
    @Option(help: "Results judged per round.") var perRound = 4
    @Option(help: "ideal, lazy or mistaken.") var user = SimulatedUser.ideal
    @Option(help: "The mistaken user's chance of flipping a judgement.") var mistakeRate = 0.1
    @Option(help: "The ideal user's relevance: lcs-height of the labels at least this (default: the same label).") var relevantAt: Double?
    @Option(help: "rocchio, average, best-score, generalise or learned.") var strategy = FeedbackStrategy.Kind.learned
    @Option(help: "Rocchio's α (weight of the first positive).") var alpha: Double?
    @Option(help: "Rocchio's β (weight of the positives' mean).") var beta: Double?
    @Option(help: "The negatives' weight γ.") var gamma: Double?
    @Option(help: "The ranking of the first round and of every strategy but learned: visual, semantic, semantic-first, blend.")
    var ranking = Ranking.Kind.semanticFirst
    @Option(help: "blend's weight of the semantic side.") var rankingAlpha: Double?
    @Option(help: "Sample this many query images (default: every image).") var queries: Int?
    @Option(help: "Seed of the query sample and of the mistaken user.") var seed: UInt64 = 1
    @Option(help: "AHP cut-off.") var k = 250
    @Option(help: "NDCG cut-off.") var ndcgK = 100
    @Option(help: "Write feedback.csv and feedback.svg (the curves by round) into this folder.") var report: String?
    @Option(help: "The class set naming the network's 1,000 outputs.") var classSet = "ilsvrc2012"

    func run() throws {
        var evaluation = EvaluationOptions()
        let opened = try store.openExisting()
        evaluation.labels = try labels.source(store: opened)
        var options = FeedbackOptions()
        (options.rounds, options.perRound, options.user, options.mistakeRate, options.relevantAt) = (rounds, perRound, user, mistakeRate, relevantAt)
        options.strategy = try FeedbackStrategy(strategy, alpha: alpha, beta: beta, gamma: gamma)
        options.ranking = try Ranking(ranking, alpha: rankingAlpha, width: nil)
        (options.queries, options.seed, options.k, options.ndcgK) = (queries, seed, k, ndcgK)
        let report = try EvaluationService(store: opened).feedback(
            collection: collection, network: try weights.network(), classSet: classSet, evaluation: evaluation, feedback: options)
        if let folder = self.report { note("wrote \(try report.write(to: folder).joined(separator: ", "))") }
        if output.json { return try printJSON(report) }
        print(TextReports.feedback(report))
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Audit an embedding against its class similarity, or a similarity measure's properties.",
        subcommands: [AuditEmbedding.self, AuditMeasure.self])
}

struct AuditEmbedding: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedding",
        abstract: "max and mean |cos − s|, Spearman's ρ and the worst class pairs (s: lcs-height on the embedding's tree).")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The embedding.") var name: String

    func run() throws {
        let (fidelity, members) = try EvaluationService(store: try store.openExisting()).auditEmbedding(name)
        if output.json { return try printJSON(fidelity) }
        print(TextReports.embeddingAudit(fidelity, classes: members))
    }
}

struct AuditMeasure: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "A similarity measure on a class set: symmetry, self-similarity, range, positive definiteness, triangle inequality, ultrametricity.",
        discussion: "lcs-height is taken on the hierarchy the classes induce; the NLTK measures on the whole taxonomy (the class set's, or --tree's).")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "path, lch, wup, res, jcn, lin or lcs-height.") var measure: Measure
    @Option(help: "The class set.") var classSet: String
    @Option(help: "Another taxonomy holding the classes' keys (e.g. their tree).") var tree: String?
    @Option(help: "Information content for res/jcn/lin: a .dat file or 'intrinsic'.") var ic: String?
    @Option(help: "Also write the audit as Markdown here.") var report: String?

    func run() throws {
        let (audit, taxonomy) = try EvaluationService(store: try store.openExisting()).auditMeasure(measure, classSet: classSet, tree: tree, informationContent: ic)
        if output.json { return try printJSON(audit) }
        let text = MeasureAuditText.markdown(audit, measure: measure.rawValue, classSet: classSet, taxonomy: taxonomy)
        print(text, terminator: "")
        if let report { try text.write(toFile: report, atomically: true, encoding: .utf8) }
    }
}
