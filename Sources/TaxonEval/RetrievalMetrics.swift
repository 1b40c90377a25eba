import Foundation

/// Retrieval measures for one query's ranking (the query itself left out),
/// as ../shared/DESIGN.md defines them.
public enum RetrievalMetrics {
    /// Average precision with binary relevance: the mean, over the relevant
    /// items, of the precision at each one's rank; nil when nothing is relevant.
    public static func averagePrecision(_ relevant: [Bool]) -> Double? {
        var hits = 0, sum = 0.0
        for (rank, isRelevant) in relevant.enumerated() where isRelevant {
            hits += 1
            sum += Double(hits) / Double(rank + 1)
        }
        return hits > 0 ? sum / Double(hits) : nil
    }

    /// Precision@k: the share of the first k that are relevant.
    public static func precision(_ relevant: [Bool], k: Int) -> Double {
        Double(relevant.prefix(k).filter { $0 }.count) / Double(k)
    }

    /// HP@1…k (Deng et al. 2011): the similarities of the first i results
    /// summed, over the best possible sum of i (`ideal`: every database item's
    /// similarity to the query, sorted descending). Where that best sum is 0
    /// nothing better is possible and HP is 1.
    public static func hierarchicalPrecision(_ ranked: [Double], ideal: [Double], upTo k: Int) -> [Double] {
        var got = 0.0, best = 0.0
        return (0..<k).map { i in
            got += ranked[i]
            best += ideal[i]
            return best > 0 ? got / best : 1
        }
    }

    /// AHP@k (Barz & Denzler): the area under HP@1…k by the trapezoid rule,
    /// over k: (1/k)·(Σ_{i≤k} HP@i − (HP@1 + HP@k)/2).
    public static func averageHierarchicalPrecision(_ hp: [Double]) -> Double {
        guard let first = hp.first, let last = hp.last else { return 0 }
        return (hp.reduce(0, +) - (first + last) / 2) / Double(hp.count)
    }

    /// NDCG@k with graded relevance: gain = the relevance itself, discount
    /// log₂(rank + 1) (rank from 1); normalised by the ideal order's DCG@k
    /// (1 where that is 0).
    public static func ndcg(_ ranked: [Double], ideal: [Double], k: Int) -> Double {
        func dcg(_ gains: [Double]) -> Double {
            gains.prefix(k).enumerated().reduce(0) { $0 + $1.element / log2(Double($1.offset + 2)) }
        }
        let best = dcg(ideal)
        return best > 0 ? dcg(ranked) / best : 1
    }
}
