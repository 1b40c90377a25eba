import Foundation
import TaxonLinalg
import TaxonSearch

/// The style benchmark's measures on photos that each carry an object label and
/// a rendered-style label (`RenderedStyle`): per facet, mAP when the relevant
/// photos are those of the query's style and when they are those of its object;
/// and facet inference on example sets of three photos that share a style but
/// not an object (the right answer: style) or an object but not a style (semantic).
public enum StyleBenchmark {
    /// One facet's mAP when relevance is the query's style, and when it is the query's object.
    public struct FacetScores: Codable, Sendable, Equatable {
        public let facet: Facet
        public let mapByStyle: Double
        public let mapByObject: Double
    }

    /// How inference did on one kind of example set.
    public struct InferenceScores: Codable, Sendable, Equatable {
        /// The facet that is right for these sets.
        public let expected: Facet
        public let sets: Int
        /// Share of sets whose inferred facet was `expected`.
        public let accuracy: Double
        /// How often each facet was inferred.
        public let inferred: [String: Int]
        /// mAP of the query the inferred facet makes (the examples' mean in it), relevant = sharing the set's aspect.
        public let inferredQueryMAP: Double
        /// The same with the right facet given (the ceiling inference can reach).
        public let rightFacetMAP: Double
    }

    /// Every facet's scores and how facet inference did.
    public struct Report: Codable, Sendable {
        public let facets: [FacetScores]
        /// Over both kinds of sets.
        public let inferenceAccuracy: Double
        public let styleSets: InferenceScores
        public let objectSets: InferenceScores
    }

    /// `vectors`: unit rows per facet, one per photo, in the order of `styles` and `objects`.
    public static func evaluate(vectors: [Facet: [[Float]]], styles: [String], objects: [String], sets: Int = 200, seed: UInt64 = 1) -> Report {
        let count = styles.count
        precondition(objects.count == count && vectors.values.allSatisfy { $0.count == count }, "one row and label of each kind per photo")
        let facets = Facet.allCases.filter { vectors[$0] != nil }
        let similarities = Dictionary(uniqueKeysWithValues: facets.map { ($0, gram(vectors[$0]!)) })
        let scores = facets.map { facet in
            FacetScores(facet: facet, mapByStyle: meanAP(similarities[facet]!, count: count, labels: styles),
                        mapByObject: meanAP(similarities[facet]!, count: count, labels: objects))
        }
        let inference = FacetInference(vectors: vectors, seed: seed)
        var generator = SplitMix64(seed: seed)
        let styleSets = trial(.style, sets: sets, shared: styles, different: objects, vectors: vectors, inference: inference, generator: &generator)
        let objectSets = trial(.semantic, sets: sets, shared: objects, different: styles, vectors: vectors, inference: inference, generator: &generator)
        let right = styleSets.accuracy * Double(styleSets.sets) + objectSets.accuracy * Double(objectSets.sets)
        return Report(facets: scores, inferenceAccuracy: right / Double(max(1, styleSets.sets + objectSets.sets)),
                      styleSets: styleSets, objectSets: objectSets)
    }

    /// Example sets of three photos sharing one label (`shared`) and pairwise differing in the other.
    private static func trial(_ expected: Facet, sets: Int, shared: [String], different: [String], vectors: [Facet: [[Float]]],
                              inference: FacetInference, generator: inout SplitMix64) -> InferenceScores {
        let groups = Dictionary(grouping: shared.indices, by: { shared[$0] }).filter { Set($0.value.map { different[$0] }).count >= 3 }
        let keys = groups.keys.sorted()
        var right = 0, made = 0, inferredAP = 0.0, rightAP = 0.0, inferred: [String: Int] = [:]
        guard !keys.isEmpty else {
            return InferenceScores(expected: expected, sets: 0, accuracy: 0, inferred: [:], inferredQueryMAP: 0, rightFacetMAP: 0)
        }
        for _ in 0..<sets {
            var members = groups[keys[Int(generator.next() % UInt64(keys.count))]]!
            generator.shuffle(&members)
            var examples: [Int] = []
            for m in members where examples.count < 3 && !examples.contains(where: { different[$0] == different[m] }) { examples.append(m) }
            guard examples.count == 3,
                  let (facet, _) = inference.infer(vectors.mapValues { rows in examples.map { rows[$0] } }) else { continue }
            made += 1
            if facet == expected { right += 1 }
            inferred[facet.rawValue, default: 0] += 1
            let label = shared[examples[0]]
            inferredAP += queryAP(vectors[facet]!, examples: examples, relevant: { shared[$0] == label })
            rightAP += queryAP(vectors[expected]!, examples: examples, relevant: { shared[$0] == label })
        }
        let n = Double(max(made, 1))
        return InferenceScores(expected: expected, sets: made, accuracy: Double(right) / n, inferred: inferred,
                               inferredQueryMAP: inferredAP / n, rightFacetMAP: rightAP / n)
    }

    /// AP of the examples' normalised mean as a query over every other photo.
    private static func queryAP(_ rows: [[Float]], examples: [Int], relevant: (Int) -> Bool) -> Double {
        var query = [Float](repeating: 0, count: rows[0].count)
        for e in examples { for d in query.indices { query[d] += rows[e][d] } }
        var scored: [(index: Int, score: Float)] = []
        for i in rows.indices where !examples.contains(i) {
            var score: Float = 0
            for d in query.indices { score += rows[i][d] * query[d] }
            scored.append((i, score))
        }
        scored.sort { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
        return RetrievalMetrics.averagePrecision(scored.map { relevant($0.index) }) ?? 0
    }

    /// Every photo as a query over the others; the mean AP over queries that have a relevant photo.
    private static func meanAP(_ similarity: [Float], count: Int, labels: [String]) -> Double {
        var sum = 0.0, queries = 0
        for q in 0..<count {
            let row = Array(similarity[(q * count)..<((q + 1) * count)])
            let ranked = (0..<count).filter { $0 != q }.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
            if let ap = RetrievalMetrics.averagePrecision(ranked.map { labels[$0] == labels[q] }) { sum += ap; queries += 1 }
        }
        return sum / Double(max(queries, 1))
    }

    /// All pairwise dot products of the rows, count × count.
    private static func gram(_ rows: [[Float]]) -> [Float] {
        let matrix = Matrix(rows: rows.count, columns: rows[0].count, values: rows.flatMap { $0.map(Double.init) })
        return multiply(matrix, matrix, transposeB: true).values.map(Float.init)
    }
}
