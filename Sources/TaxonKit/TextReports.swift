import Foundation
import TaxonEmbed
import TaxonEval
import TaxonImport
import TaxonModel
import TaxonSearch

/// Plain-text renderings of the services' answers, as `taxon` prints them
/// (and as a report file or a page may show them). JSON needs none of this.
public enum TextReports {
    /// A concept: name and key, words, gloss, parents, children and every other relation.
    public static func concept(_ d: ConceptDetails) -> String {
        var lines = ["\(d.name ?? d.key)  \(d.key)\(d.lexname.map { "  (\($0))" } ?? "")"]
        if !d.lemmas.isEmpty { lines.append("lemmas: " + d.lemmas.map { l in l.senseNumber.map { "\(l.word) (\($0))" } ?? l.word }.joined(separator: ", ")) }
        if let gloss = d.gloss, !gloss.isEmpty { lines.append("gloss: \(gloss)") }
        func relations(_ title: String, _ relations: [Relation], taxonomic: Bool) {
            guard !relations.isEmpty else { return }
            let labels = relations.map { $0.concept.label + (taxonomic && $0.relation.hasPrefix("instance") ? " [instance]" : "") }
            lines.append("\(title) (\(relations.count)): " + orderedUnique(labels).joined(separator: ", "))
        }
        relations("parents", d.parents, taxonomic: true)
        relations("children", d.children, taxonomic: true)
        for name in orderedUnique(d.relations.map(\.relation)) { relations(name, d.relations.filter { $0.relation == name }, taxonomic: false) }
        return lines.joined(separator: "\n")
    }

    /// One line of an embedding's fidelity to its class similarity.
    public static func fidelity(_ f: Fidelity) -> String {
        "fidelity over \(f.pairs) \(f.sampled ? "sampled " : "")pairs: max |cos − s| \(f.maxCosineError), mean |cos − s| \(f.meanCosineError), mean |⟨x, y⟩ − s| \(f.meanDotError), Spearman ρ \(f.spearman)"
    }

    /// The fidelity line and the worst class pairs by name.
    public static func embeddingAudit(_ f: Fidelity, classes: [Concept]) -> String {
        ([fidelity(f), "worst pairs:"] + f.worstPairs.map {
            String(format: "  cos %.6f  s %.6f  ", $0.cosine, $0.similarity) + "\(classes[$0.a].label) – \(classes[$0.b].label)"
        }).joined(separator: "\n")
    }

    /// The retrieval table: a heading, one row per ranking (mAP, mAHP@k, NDCG@k, HP at the cut-offs), a note where mAP is undefined.
    public static func retrieval(_ e: RetrievalEvaluationResult, relevance: String, k: Int, ndcgK: Int) -> String {
        let cutoffs = RetrievalScores.cutoffs(upTo: k)
        var lines = ["\(e.collection.name): \(e.queries) queries, relevance \(relevance)" + (e.embedding.map { ", semantic side \($0)" } ?? "")
                     + ", \(e.collection.descriptor) descriptors"]
        let columns = ["mAP", "mAHP@\(k)", "NDCG@\(ndcgK)"] + cutoffs.map { "HP@\($0)" }
        let labelWidth = max(e.labels.map(\.count).max() ?? 0, 7)
        func row(_ label: String, _ cells: [String]) -> String {
            ([label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)]
             + cells.indices.map { cells[$0].padding(toLength: max(columns[$0].count, 6), withPad: " ", startingAt: 0) }).joined(separator: "  ")
        }
        lines.append(row("ranking", columns))
        for (label, r) in zip(e.labels, e.scores) {
            lines.append(row(label, [r.meanAveragePrecision.map { String(format: "%.4f", $0) } ?? "n/a", String(format: "%.4f", r.meanAHP),
                                     String(format: "%.4f", r.meanNDCG)] + cutoffs.map { String(format: "%.4f", r.hierarchicalPrecision[$0 - 1]) }))
        }
        if e.scores.contains(where: { $0.meanAveragePrecision == nil }) { lines.append("mAP n/a: no query has another image of its class") }
        return lines.joined(separator: "\n")
    }

    /// Everything in a store, one line per entry.
    public static func summary(_ s: StoreSummary) -> String {
        var lines = ["store \(s.store) (schema \(s.schemaVersion))", "taxonomies: \(s.taxonomies.count)"]
        lines += s.taxonomies.map {
            "  \($0.name)  \($0.base.map { "extension of \($0)" } ?? $0.kind.rawValue)  \($0.concepts) concepts  \($0.edges) edges  from \($0.source)  (\($0.importedAt))"
        }
        lines.append("class sets: \(s.classSets.count)")
        lines += s.classSets.map { "  \($0.name)  \($0.classes) classes over \($0.taxonomy)  from \($0.source)" }
        lines.append("vector sets: \(s.vectorSets.count)")
        lines += s.vectorSets.map { "  \($0.name)  \($0.count) × \($0.dims)  \($0.format)  from \($0.source)" }
        lines.append("embeddings: \(s.embeddings.count)")
        lines += s.embeddings.map { "  \($0.name)  \($0.rows) × \($0.dims)  \($0.method)  of \($0.classSet)" }
        if !s.mappers.isEmpty { lines.append("mappers: \(s.mappers.count)") }
        lines += s.mappers.map { mapper in
            (try? mapper.parameterValues()["kind"]) == "classifier"
                ? "  \(mapper.name)  classifier over \(mapper.outputs) classes  of \(mapper.embedding)"
                : "  \(mapper.name)  \(mapper.inputs) → \(mapper.outputs)  into \(mapper.embedding)"
        }
        if !s.collections.isEmpty { lines.append("collections: \(s.collections.count)") }
        lines += s.collections.map {
            "  \($0.name)  \($0.images) images  \($0.descriptor)  \($0.embedding.map { "in \($0)" } ?? "no embedding")"
                + ($0.mapper.map { " by \($0)" } ?? "") + "  from \($0.root)"
        }
        if let digest = s.digest { lines.append("digest: \(digest)") }
        return lines.joined(separator: "\n")
    }

    /// Link prediction on a split's test edges.
    public static func linkPrediction(_ r: LinkPrediction) -> String {
        String(format: "link prediction: test F1 %.1f (precision %.1f, recall %.1f) on %d edges + %d negatives; validation F1 %.1f; threshold %.6g",
               r.test.f1, r.test.precision, r.test.recall, r.testPositives, r.testNegatives, r.validation.f1, r.threshold) + (r.alpha.map { ", α \($0)" } ?? "")
    }

    /// Reconstruction of a whole closure.
    public static func reconstruction(_ r: Reconstruction) -> String {
        "reconstruction: mean rank \(r.meanRank), MAP \(r.meanAveragePrecision) over \(r.pairs) edges"
    }

    /// Whether A entails B, with the score and threshold.
    public static func entailment(_ v: EntailmentVerdict) -> String {
        let kind = v.model == HyperbolicModel.cones.rawValue ? "energy" : "is-a score"
        return "\(v.a) \(v.entails ? "entails" : "does not entail") \(v.b): \(kind) \(String(format: "%.6g", v.score)) "
            + "\(v.entails ? "≤" : ">") threshold \(String(format: "%.6g", v.threshold)) (in the taxonomy: \(v.inTaxonomy ? "yes" : "no"))"
    }

    /// What an import wrote, one line each.
    public static func imported(_ r: WordNetDictImporter.Report) -> String {
        let counts = ["n", "v", "a", "s", "r"].map { "\(r.synsets[$0] ?? 0) \($0)" }.joined(separator: ", ")
        return "imported \(r.taxonomy): \(r.synsets.values.reduce(0, +)) synsets (\(counts)), \(r.senses) senses, \(r.pointers) pointers"
    }

    /// A WN-LMF import.
    public static func imported(_ r: WNLMFImporter.Report) -> String {
        "imported \(r.taxonomy) (lexicons \(r.lexicons.joined(separator: ", "))): \(r.synsets) synsets, \(r.senses) senses, \(r.relations) relations"
    }

    /// A class-set import.
    public static func imported(_ r: ImageNetClassesImporter.Report) -> String {
        "imported class set \(r.classSet): \(r.classes) classes over \(r.taxonomy)"
    }

    /// A hierarchy-file import.
    public static func imported(_ r: EdgeListImporter.Report) -> String {
        "imported \(r.taxonomy): \(r.nodes) nodes, \(r.edges) edges, \(r.leaves) leaves, \(r.roots) root(s), height \(r.height)"
    }

    /// A word-vector import.
    public static func imported(_ r: WordVectorsImporter.Report) -> String {
        "imported \(r.vectorSet): \(r.count) × \(r.dims) (\(r.format.rawValue))"
            + (r.duplicatesSkipped > 0 ? ", \(r.duplicatesSkipped) duplicate token(s) skipped" : "")
    }

    /// The items in first-seen order, each once.
    static func orderedUnique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    /// The feedback simulation as a table: each round's scores beside the baseline's and their ratio.
    public static func feedback(_ report: FeedbackReport) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "n/a" }
        var lines = ["\(report.queries) queries, \(report.user.rawValue) user, \(report.perRound) judgements a round, strategy \(report.strategy), "
                     + "first ranking \(report.ranking); scores on the residual collection, beside the no-feedback baseline",
                     "round  mAP (baseline, ratio)          mAHP@\(report.k) (baseline, difference)   NDCG@\(report.ndcgK) (baseline)  judged +/−"]
        for r in report.rounds {
            var ratio = ""
            if let refined = r.meanAveragePrecision, let baseline = r.baseline.meanAveragePrecision { ratio = String(format: "%.2f×", refined / baseline) }
            lines.append(String(format: "%5d  ", r.round) + "\(f(r.meanAveragePrecision)) (\(f(r.baseline.meanAveragePrecision)), \(ratio))    "
                         + "\(f(r.meanAHP)) (\(f(r.baseline.meanAHP)), \(String(format: "%+.4f", r.meanAHP - r.baseline.meanAHP)))    "
                         + "\(f(r.meanNDCG)) (\(f(r.baseline.meanNDCG)))    " + String(format: "%.2f/%.2f", r.positives, r.negatives))
        }
        return lines.joined(separator: "\n")
    }

    /// A result's facet scores, the facet that ranked it most first: "style 0.8104", "colour 0.9647".
    public static func facetScores(_ match: FacetMatch) -> [String] {
        match.rankedBy.map { facet in "\(facet.rawValue) \(String(format: "%.4f", match.scores[facet.rawValue] ?? 0))" }
    }

    /// A query's page: what it was taken to mean, then each result with its concept and why it is there.
    public static func query(_ answer: QueryAnswer, offset: Int) -> String {
        var lines: [String] = []
        if let meaning = answer.meaning {
            lines.append("query means: \(meaning.concept.title)" + meaning.excluded.map { ", not \($0.title)" }.joined())
        }
        if let facets = answer.facets {
            let weights = facets.weights.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.2f", $0.value))" }.joined(separator: ", ")
            lines.append((facets.summary.map { "inferred: \($0); " } ?? "") + "ranked by facets: \(weights)")
        }
        for (n, hit) in answer.hits.enumerated() {
            var fields = ["\(hit.id)", hit.path, hit.concept?.title ?? hit.label ?? "?"]
            if let e = hit.explanation {
                fields.append("shares \(e.shared.title) (similarity \(String(format: "%.3f", e.similarity)))")
                if let band = e.band { fields.append("band \(band.title)") }
            }
            if let match = hit.facets {
                fields += facetScores(match)
            } else {
                fields += [hit.semantic.map { String(format: "semantic %.4f", $0) }, hit.visual.map { String(format: "visual %.4f", $0) }].compactMap { $0 }
            }
            lines.append(String(format: "%4d  ", offset + n + 1) + fields.joined(separator: "  "))
        }
        lines.append("\(answer.total) result(s) match; ranking \(answer.rankingName)\(answer.more ? "; more follow" : "")")
        return lines.joined(separator: "\n")
    }
}
