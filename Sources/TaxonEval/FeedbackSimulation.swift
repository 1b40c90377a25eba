import Foundation
import TaxonLinalg
import TaxonSearch

/// How the simulated user judges what it is shown (docs/EVALUATION.md).
public enum SimulatedUser: String, CaseIterable, Sendable, Codable {
    /// Judges every shown result rightly.
    case ideal
    /// Judges only the first relevant and the first irrelevant result of each round.
    case lazy
    /// Judges every shown result, each judgement flipped with the mistake rate.
    case mistaken
}

/// The feedback simulation protocol's settings.
public struct FeedbackOptions: Sendable {
    public var rounds = 10
    public var perRound = 4
    public var user: SimulatedUser = .ideal
    public var mistakeRate = 0.1
    public var strategy: FeedbackStrategy = .learned(gamma: 0.5)
    public var ranking: Ranking = .semanticFirst(width: nil)
    /// Sample this many query images (seeded); nil: every image.
    public var queries: Int?
    public var seed: UInt64 = 1
    /// The ideal user's relevance: lcs-height similarity of the labels at least this; nil: the same label.
    public var relevantAt: Double?
    public var k = 250
    public var ndcgK = 100
    /// 10 rounds of 4 judgements by the ideal user, learned strategy, semantic-first.
    public init() {}
}

/// Mean scores over the queries of one round.
public struct FeedbackScores: Codable, Sendable {
    /// Over the queries that still have an image of their class left; nil when none has.
    public let meanAveragePrecision: Double?
    public let meanAHP: Double
    public let meanNDCG: Double
}

/// One round: the refined ranking's scores, and the no-feedback baseline's on the same residual collection.
public struct FeedbackRound: Codable, Sendable {
    public let round: Int
    public let meanAveragePrecision: Double?
    public let meanAHP: Double
    public let meanNDCG: Double
    public let baseline: FeedbackScores
    /// Mean judgements so far per query.
    public let positives: Double
    public let negatives: Double
}

/// A whole simulation's outcome.
public struct FeedbackReport: Codable, Sendable {
    public let queries: Int
    public let user: SimulatedUser
    public let strategy: String
    public let ranking: String
    public let perRound: Int
    public let k: Int
    public let ndcgK: Int
    public let rounds: [FeedbackRound]
}

/// The feedback simulation protocol: every (or N sampled) image is a query;
/// each round the simulated user judges the top `perRound` results not yet
/// shown, and the query is refined with them. Scores are taken on the
/// residual collection (the query and every image shown so far removed),
/// for the refined ranking and for the round-0 ranking with the same images removed.
public struct FeedbackSimulation: Sendable {
    public let engine: SearchEngine
    public let benchmark: RetrievalBenchmark

    /// The engine's images and the benchmark's must be the same, in the same order (both load the collection by id).
    public init(engine: SearchEngine, benchmark: RetrievalBenchmark) throws {
        guard engine.index.count == benchmark.count else {
            throw SearchError.badParameter("every image needs a label for the feedback simulation (\(benchmark.count) of \(engine.index.count) labelled)")
        }
        (self.engine, self.benchmark) = (engine, benchmark)
    }

    /// Runs the protocol: every round's mean scores, refined and baseline, over the (sampled) queries.
    public func run(_ options: FeedbackOptions) throws -> FeedbackReport {
        let count = benchmark.count
        let residual = count - 1 - options.rounds * options.perRound
        guard options.rounds >= 0, options.perRound >= 1 else { throw SearchError.badParameter("rounds must be ≥ 0 and judgements per round ≥ 1") }
        guard options.k >= 1, options.ndcgK >= 1, options.k < residual, options.ndcgK < residual else {
            throw SearchError.badParameter("k and the NDCG cut-off must stay below the residual collection (\(residual) images after \(options.rounds) rounds)")
        }
        guard (0...1).contains(options.mistakeRate) else { throw SearchError.badParameter("the mistake rate must lie in [0, 1]") }
        var queries = Array(0..<count)
        if let n = options.queries, n < count {
            guard n >= 1 else { throw SearchError.badParameter("--queries must be at least 1") }
            var random = SplitMix64(seed: options.seed)
            random.shuffle(&queries)
            queries = Array(queries.prefix(n)).sorted()
        }
        // Both cores, one query at a time each; sums per round: [AP, with relevant, AHP, NDCG] × (refined, baseline), judged.
        let sums = try parallelMap(queries) { query in try simulate(query: query, options) }
        let rounds = (0...options.rounds).map { r -> FeedbackRound in
            func total(_ i: Int) -> Double { sums.reduce(0) { $0 + $1[r][i] } }
            let n = Double(queries.count)
            func scores(_ base: Int) -> FeedbackScores {
                FeedbackScores(meanAveragePrecision: total(base + 1) > 0 ? total(base) / total(base + 1) : nil,
                               meanAHP: total(base + 2) / n, meanNDCG: total(base + 3) / n)
            }
            let refined = scores(0)
            return FeedbackRound(round: r, meanAveragePrecision: refined.meanAveragePrecision, meanAHP: refined.meanAHP, meanNDCG: refined.meanNDCG,
                                 baseline: scores(4), positives: total(8) / n, negatives: total(9) / n)
        }
        let applied = try options.ranking.withLevelWidth(engine.levelWidth)
        return FeedbackReport(queries: queries.count, user: options.user, strategy: options.strategy.kind.rawValue, ranking: applied.name,
                              perRound: options.perRound, k: options.k, ndcgK: options.ndcgK, rounds: rounds)
    }

    /// One query's rounds: per round the sums its scores add.
    private func simulate(query: Int, _ options: FeedbackOptions) throws -> [[Double]] {
        var random = SplitMix64(seed: options.seed ^ (UInt64(query) &* 0x9E37_79B9_7F4A_7C15))
        let label = benchmark.labels[query]
        func isRelevant(_ image: Int) -> Bool {
            guard let threshold = options.relevantAt else { return benchmark.labels[image] == label }
            return benchmark.relevance[label * benchmark.classes + benchmark.labels[image]] >= threshold - 1e-12
        }
        var positives = [engine.imageExample(row: query)], negatives: [ExampleVectors] = []
        var shown = Set([query])
        let baseline = order(try keys(positives, negatives, options), excluding: shown)
        var current = baseline
        var rows: [[Double]] = []
        for round in 0...options.rounds {
            if round > 0 {
                let judged = Array(current.prefix(options.perRound))
                var seenRelevant = false, seenIrrelevant = false
                for image in judged {
                    shown.insert(image)
                    var relevant = isRelevant(image)
                    if options.user == .lazy {
                        if relevant ? seenRelevant : seenIrrelevant { continue }
                        if relevant { seenRelevant = true } else { seenIrrelevant = true }
                    }
                    if options.user == .mistaken && random.nextUnit() < options.mistakeRate { relevant.toggle() }
                    if relevant { positives.append(engine.imageExample(row: image)) } else { negatives.append(engine.imageExample(row: image)) }
                }
                current = order(try keys(positives, negatives, options), excluding: shown)
            }
            rows.append(scores(current, query: query, options) + scores(baseline.filter { !shown.contains($0) }, query: query, options)
                        + [Double(positives.count - 1), Double(negatives.count)])
        }
        return rows
    }

    private func keys(_ positives: [ExampleVectors], _ negatives: [ExampleVectors], _ options: FeedbackOptions) throws -> [Double] {
        try engine.keys(positives: positives, negatives: negatives, strategy: options.strategy, ranking: options.ranking).keys
    }

    /// Image rows by key, best first (ties by row), without `excluded`.
    private func order(_ keys: [Double], excluding excluded: Set<Int>) -> [Int] {
        keys.indices.filter { !excluded.contains($0) }.sorted { keys[$0] > keys[$1] || (keys[$0] == keys[$1] && $0 < $1) }
    }

    /// [AP, 1 if AP exists, AHP@k, NDCG@k] of one ranking of the residual collection.
    private func scores(_ ranked: [Int], query: Int, _ options: FeedbackOptions) -> [Double] {
        let row = benchmark.labels[query] * benchmark.classes
        let graded = ranked.map { benchmark.relevance[row + benchmark.labels[$0]] }
        let ideal = graded.sorted(by: >)
        let ap = RetrievalMetrics.averagePrecision(ranked.map { benchmark.labels[$0] == benchmark.labels[query] })
        let hp = RetrievalMetrics.hierarchicalPrecision(graded, ideal: ideal, upTo: options.k)
        return [ap ?? 0, ap == nil ? 0 : 1, RetrievalMetrics.averageHierarchicalPrecision(hp), RetrievalMetrics.ndcg(graded, ideal: ideal, k: options.ndcgK)]
    }
}

extension FeedbackReport {
    /// DIR/feedback.csv (one row per round, refined and baseline) and DIR/feedback.svg (mAP and mAHP@k of both by round).
    @discardableResult
    public func write(to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var csv = "round,mAP,mAHP@k,NDCG@k,baseline_mAP,baseline_mAHP@k,baseline_NDCG@k,positives,negatives\n"
        func value(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
        for r in rounds {
            csv += "\(r.round),\(value(r.meanAveragePrecision)),\(r.meanAHP),\(r.meanNDCG),\(value(r.baseline.meanAveragePrecision)),"
                + "\(r.baseline.meanAHP),\(r.baseline.meanNDCG),\(r.positives),\(r.negatives)\n"
        }
        let curves = [rounds.map { $0.meanAveragePrecision ?? 0 }, rounds.map { $0.baseline.meanAveragePrecision ?? 0 },
                      rounds.map(\.meanAHP), rounds.map(\.baseline.meanAHP)]
        let labels = ["mAP, \(strategy)", "mAP, no feedback", "mAHP@\(k), \(strategy)", "mAHP@\(k), no feedback"]
        let svg = RetrievalReport.chart(curves, labels: labels, xLabel: "round (\(perRound) judgements each, \(user.rawValue) user, \(queries) queries)",
                                        yLabel: "score on the residual collection", xTicks: rounds.map { ($0.round + 1, "\($0.round)") })
        let paths = ["feedback.csv", "feedback.svg"].map { (directory as NSString).appendingPathComponent($0) }
        try csv.write(toFile: paths[0], atomically: true, encoding: .utf8)
        try svg.write(toFile: paths[1], atomically: true, encoding: .utf8)
        return paths
    }
}
