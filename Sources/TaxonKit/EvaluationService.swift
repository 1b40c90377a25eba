import Foundation
import TaxonCore
import TaxonEmbed
import TaxonEval
import TaxonModel
import TaxonSearch
import TaxonVision

/// A retrieval evaluation: what was asked and what every ranking scored.
public struct RetrievalEvaluationResult: Sendable {
    public let collection: CollectionInfo
    public let queries: Int
    /// The embedding of the semantic side, if any.
    public let embedding: String?
    /// One label per ranking ("blend 0.5" for blends) and its scores.
    public let labels: [String]
    public let scores: [RetrievalScores]
    /// Images left out for want of a label.
    public let skipped: [String]
}

/// Retrieval evaluation and audits of embeddings and similarity measures.
public struct EvaluationService {
    public let store: any Store
    /// A service over one store connection (use it from one thread at a time).
    public init(store: any Store) { self.store = store }

    /// Every image of the collection as a query, under each ranking.
    /// With no rankings given: visual, plus semantic and semantic-first when there is an embedding.
    public func retrieval(collection: String, rankings: [Ranking.Kind], alpha: Double?, levelWidth: Double?, descriptor: Descriptor?,
                          options: EvaluationOptions, k: Int, ndcgK: Int) throws -> RetrievalEvaluationResult {
        guard !options.measure.needsInformationContent else {
            throw ServiceError.invalid("relevance by \(options.measure.rawValue) would need information content; grade by lcs-height, wup, path or lch")
        }
        let info = try store.collection(named: collection)
        if let descriptor, descriptor.rawValue != info.descriptor {
            throw ServiceError.unsuitable("collection '\(collection)' holds \(info.descriptor) descriptors, not \(descriptor.rawValue): index one with that descriptor")
        }
        let (benchmark, skipped) = try RetrievalBenchmark.load(store: store, collection: collection, options: options)
        let embeddingName = options.embedding ?? info.embedding
        let kinds: [Ranking.Kind] = rankings.isEmpty ? (embeddingName == nil ? [.visual] : [.visual, .semantic, .semanticFirst]) : rankings
        let width = try levelWidth ?? embeddingName.map { try SearchEngine.levelWidth(store: store, embedding: try store.embeddingInfo(named: $0)) }
        var scores: [RetrievalScores] = [], labels: [String] = []
        for kind in kinds {
            let parsed = try Ranking(kind, alpha: alpha, width: levelWidth).withLevelWidth(width)
            scores.append(try benchmark.evaluate(parsed, k: k, ndcgK: ndcgK))
            labels.append(kind == .blend ? "blend \(alpha ?? 0)" : kind.rawValue)
        }
        return RetrievalEvaluationResult(collection: info, queries: benchmark.count, embedding: embeddingName, labels: labels, scores: scores,
                                         skipped: skipped)
    }

    /// The feedback simulation protocol on a collection (every image labelled; relevance graded as `options` says).
    public func feedback(collection: String, network: EfficientNetLite, classSet: String = "ilsvrc2012", evaluation: EvaluationOptions,
                         feedback: FeedbackOptions) throws -> FeedbackReport {
        let engine = try CollectionService(store: store, classSet: classSet).engine(collection: collection, network: network)
        // The engine scores in the collection's own embedding; relevance is graded on that embedding's taxonomy too.
        var evaluation = evaluation
        evaluation.embedding = nil
        let (benchmark, _) = try RetrievalBenchmark.load(store: store, collection: collection, options: evaluation)
        return try FeedbackSimulation(engine: engine, benchmark: benchmark).run(feedback)
    }

    /// An embedding's fidelity to lcs-height on its tree, with the names of its classes (for its worst pairs).
    public func auditEmbedding(_ name: String) throws -> (fidelity: Fidelity, classes: [Concept]) {
        let fidelity = try EmbeddingService(store: store).fidelity(of: name)
        return (fidelity, try store.classMembers(of: try store.embeddingInfo(named: name).classSet))
    }

    /// A measure's properties on a class set, measured on the class set's taxonomy or `tree`.
    public func auditMeasure(_ measure: Measure, classSet: String, tree: String?, informationContent: String?) throws -> (audit: MeasureAudit, taxonomy: String) {
        let setInfo = try store.classSet(named: classSet)
        let similarity = try SimilarityService(store: store).similarity(taxonomy: tree ?? setInfo.taxonomy, informationContent: informationContent)
        let keys = try store.classMembers(of: classSet).map(\.key)
        let missing = keys.filter { similarity.taxonomy.node(forKey: $0) == nil }
        guard missing.isEmpty else {
            throw ServiceError.unsuitable("\(missing.count) class(es) of \(classSet) are not in \(similarity.taxonomy.info.name): \(missing.prefix(5).joined(separator: ", "))")
        }
        let audit = try MeasureAudit(similarity: similarity, classes: keys.map { similarity.taxonomy.node(forKey: $0)! }, measure: measure)
        return (audit, similarity.taxonomy.info.name)
    }
}

/// A measure audit as a short Markdown report.
public enum MeasureAuditText {
    /// The audit's properties as a Markdown table, each with whether it holds.
    public static func markdown(_ a: MeasureAudit, measure: String, classSet: String, taxonomy: String) -> String {
        func yesNo(_ ok: Bool) -> String { ok ? "yes" : "**no**" }
        let e = a.smallestEigenvalue.map { String(format: "%.6g", $0) } ?? "n/a (missing values)"
        return """
            # \(measure) on \(classSet) (\(taxonomy)), \(a.classes) classes

            | property | value | holds |
            |---|---|---|
            | symmetric: max \\|s(a,b) − s(b,a)\\| | \(String(format: "%.3g", a.maxAsymmetry)) | \(yesNo(a.maxAsymmetry <= 1e-12)) |
            | self-similarity s(a,a) | \(a.selfSimilarity.map { String(format: "%.6g", $0) }.joined(separator: " … ")) | \(yesNo(a.selfSimilarity.allSatisfy { abs($0 - 1) <= 1e-12 })) (all 1) |
            | range of s(a,b), a ≠ b | \(a.range.map { String(format: "%.6g", $0) }.joined(separator: " … ")) | |
            | pairs without a value | \(a.missingPairs) | \(yesNo(a.missingPairs == 0)) |
            | positive definite: smallest eigenvalue of S | \(e) | \(yesNo(a.positiveDefinite)) |
            | triangle inequality of 1 − s: violating triples | \(a.triangleViolationsOneMinus) of \(a.triples) | \(yesNo(a.triangleViolationsOneMinus == 0)) |
            | triangle inequality of √(2 − 2s): violating triples | \(a.triangleViolationsChord) of \(a.triples) | \(yesNo(a.triangleViolationsChord == 0)) |
            | ultrametric (1 − s): violating triples | \(a.ultrametricViolations) of \(a.triples) | \(yesNo(a.ultrametricViolations == 0)) |

            """
    }
}
