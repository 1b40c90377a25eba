import Foundation
import TaxonEmbed
import TaxonModel
import TaxonVision

/// A query with its examples turned into vectors and its filters into nodes of the collection's hierarchy.
public struct ResolvedQuery: Sendable {
    public var positives: [ExampleVectors]
    public var negatives: [ExampleVectors]
    public var strategy: FeedbackStrategy
    public var ranking: Ranking
    public var within: [Int]
    public var exclude: [Int]
    /// Only images with every one of these tags.
    public var tags: [String]
    public var minSimilarity: Double?
    public var offset: Int
    public var limit: Int
    /// Words of text examples that have no vector.
    public var unknownWords: [String]
    /// The facets to rank by; nil: the object.
    public var facets: FacetChoice? = nil
}

extension SearchEngine {
    /// Resolves every example and filter of the request; errors name the field ("positive[1]", "within[0]").
    public func resolve(_ request: QueryRequest, store: Store) throws -> ResolvedQuery {
        guard !request.positive.isEmpty else { throw QueryError.badField("positive", "give at least one positive example") }
        guard request.positive.count + request.negative.count <= QueryRequest.maxExamples else {
            throw QueryError.badField("positive", "at most \(QueryRequest.maxExamples) examples, positive and negative together")
        }
        guard (1...QueryRequest.maxLimit).contains(request.limit) else { throw QueryError.badField("limit", "must lie in 1...\(QueryRequest.maxLimit)") }
        guard request.offset >= 0 else { throw QueryError.badField("offset", "must not be negative") }
        if let minimum = request.minSimilarity, !(0...1).contains(minimum) { throw QueryError.badField("min_similarity", "must lie in [0, 1]") }
        var unknown: [String] = []
        func examples(_ list: [QueryExample], _ name: String) throws -> [ExampleVectors] {
            try list.enumerated().map { n, example in
                let (vectors, words) = try self.example(example, field: "\(name)[\(n)]", store: store)
                unknown += words
                return vectors
            }
        }
        func nodes(_ references: [String], _ name: String) throws -> [Int] {
            try references.enumerated().map { n, reference in try conceptNode(reference, field: "\(name)[\(n)]", store: store) }
        }
        return ResolvedQuery(positives: try examples(request.positive, "positive"), negatives: try examples(request.negative, "negative"),
                             strategy: request.strategy, ranking: request.ranking, within: try nodes(request.within, "within"),
                             exclude: try nodes(request.exclude, "exclude"), tags: request.tags, minSimilarity: request.minSimilarity,
                             offset: request.offset, limit: request.limit, unknownWords: unknown, facets: request.facets)
    }

    /// A concept reference as a node of the collection's hierarchy.
    /// A word means its first sense in the collection's hierarchy ("primate": the mammal, not the
    /// archbishop, who is sense 1); a key or a sense name means exactly that concept.
    func conceptNode(_ reference: String, field: String, store: Store) throws -> Int {
        guard let tree else { throw QueryError.badField(field, "collection '\(index.info.name)' has no embedding, so no hierarchy to filter by") }
        let senses = try inField(field) { try store.candidates(for: reference, in: conceptTaxonomy) }
        if let node = senses.lazy.compactMap({ tree.node(forKey: $0.key) }).first { return node }
        let concept = try inField(field) { try store.resolve(reference, in: conceptTaxonomy) }  // none: the error names the first
        guard let node = tree.node(forKey: concept.key) else {
            throw QueryError.badField(field, "\(concept.label) is not in the hierarchy of the collection's classes (\(tree.taxonomy.info.name))")
        }
        return node
    }

    /// One example's vectors, classes and concept (and the words of a text that have no vector).
    public func example(_ example: QueryExample, field: String, store: Store) throws -> (ExampleVectors, unknownWords: [String]) {
        switch example {
        case let .image(id):
            guard let row = rowByID[id] else { throw QueryError.unknownImage(field: field, id: id, collection: index.info.name) }
            return (imageExample(row: row), [])
        case let .upload(data):
            let analysis = try inField(field) {
                analyzer.analyze([try ImageAnalyzer.prepare(data, name: "upload", size: analyzer.network.inputSize)], style: index.styleSpace != nil)[0]
            }
            let classes = analysis.topClasses.compactMap { entry in
                analyzer.classes.firstIndex(of: entry.wnid).map { (index: $0, probability: Float(entry.probability)) }
            }
            let concept = classes.first.map { classNodes[$0.index] }.flatMap { $0 >= 0 ? $0 : nil }
            return (ExampleVectors(descriptor: whitening.map { $0.apply(analysis.descriptor) } ?? analysis.descriptor,
                                   embedding: analysis.embedding, classes: classes, concept: concept,
                                   style: try analysis.style.flatMap { try index.styleSpace?.apply($0) }, colour: analysis.colour), [])
        case let .concept(reference):
            guard let space = analyzer.space else { throw QueryError.badField(field, SearchError.noEmbedding(collection: index.info.name).description) }
            let node = try conceptNode(reference, field: field, store: store)
            // A class: its own row; a concept above classes: the mean of theirs, each class voting equally.
            let below = classNodes.firstIndex(of: node).map { [$0] } ?? classNodes.indices.filter { classNodes[$0] >= 0 && tree!.isUnder(classNodes[$0], node) }
            guard !below.isEmpty else { throw QueryError.badField(field, "\(tree!.label(node).name) has none of the network's classes below it") }
            var sum = [Double](repeating: 0, count: space.classRows[0].count)
            for c in below { for d in sum.indices { sum[d] += space.classRows[c][d] } }
            return (ExampleVectors(descriptor: nil, embedding: normalized(sum.map(Float.init)),
                                   classes: below.map { ($0, 1 / Float(below.count)) }, concept: node), [])
        case let .text(text):
            guard let space = analyzer.space else { throw QueryError.badField(field, SearchError.noEmbedding(collection: index.info.name).description) }
            let (info, values) = try store.embedding(named: space.embedding.name)
            let (point, unknown) = try inField(field) { try TextQuery.point(text, embedding: info, values: values, store: store) }
            // Its concept: the class nearest to it in the embedding.
            let nearest = space.classRows.indices.max { zip(space.classRows[$0], point).reduce(0) { $0 + $1.0 * $1.1 } < zip(space.classRows[$1], point).reduce(0) { $0 + $1.0 * $1.1 } }
            return (ExampleVectors(descriptor: nil, embedding: normalized(point.map(Float.init)), classes: [],
                                   concept: nearest.map { classNodes[$0] }.flatMap { $0 >= 0 ? $0 : nil }), unknown)
        }
    }

    /// The indexed image at `row` as an example: its stored vectors and top classes.
    public func imageExample(row: Int) -> ExampleVectors {
        let k = index.topClassesPerImage
        let classes = ((row * k)..<((row + 1) * k)).compactMap { j -> (index: Int, probability: Float)? in
            let id = Int(index.topClassIDs[j])
            return id >= 0 && classOfVocabulary[id] >= 0 ? (classOfVocabulary[id], index.topClassProbabilities[j]) : nil
        }
        func stored(_ facet: Facet) -> [Float]? { index.matrix(facet).map { matrix, dims in Array(matrix[(row * dims)..<((row + 1) * dims)]) } }
        return ExampleVectors(descriptor: stored(.visual), embedding: stored(.semantic), classes: classes,
                              concept: imageConcepts[row] >= 0 ? imageConcepts[row] : nil, row: row, style: stored(.style), colour: stored(.colour))
    }

    /// One page of results for a resolved query, with what the query was taken to mean.
    /// `deferVisual` false computes every visual cosine even where a page cannot need it (tests compare).
    public func answer(_ query: ResolvedQuery, deferVisual: Bool = true) throws -> QueryAnswer {
        let facets = try facetWeights(query)
        // The object facet alone is the search as before facets (semantic-first bands and all); any other facet ranks by the weighted mean.
        let blended = try facets.flatMap { facets in facets.weights.keys.contains { $0 != .semantic } ? try facetScores(query, weights: facets.weights) : nil }
        let scores: SideScores
        if let blended {
            guard index.count > 0 else { throw SearchError.emptyCollection(index.info.name) }
            scores = SideScores(semantic: blended.perFacet[.semantic], visual: blended.perFacet[.visual], ranking: .semantic,
                                meaning: generalisation(positives: query.positives, negatives: query.negatives))
        } else {
            scores = try scored(positives: query.positives, negatives: query.negatives, strategy: query.strategy, ranking: query.ranking, meaning: true,
                                deferVisual: deferVisual)
        }
        let (ranking, meaning) = (scores.ranking, scores.meaning)
        if query.minSimilarity != nil && meaning == nil {
            throw QueryError.badField("min_similarity", "the examples have no concept in common to measure it from")
        }

        // Filters apply per concept; the examples themselves are not results.
        let seen = Set((query.positives + query.negatives).compactMap(\.row))
        let filtered = !query.within.isEmpty || !query.exclude.isEmpty || query.minSimilarity != nil
        let tags = Set(query.tags)
        var admitted: [Int: Bool] = [:]
        func admits(_ node: Int) -> Bool {
            if let known = admitted[node] { return known }
            guard let tree, node >= 0 else { return false }
            let verdict = (query.within.isEmpty || query.within.contains { tree.isUnder(node, $0) })
                && !query.exclude.contains { tree.isUnder(node, $0) }
                && (query.minSimilarity.map { tree.similarity(meaning!.concept, node) >= $0 - 1e-12 } ?? true)
            admitted[node] = verdict
            return verdict
        }
        let candidates = (0..<index.count).filter { row in
            !seen.contains(row) && (!filtered || admits(imageConcepts[row])) && (tags.isEmpty || tags.isSubset(of: index.tags[row]))
        }
        if query.offset > 0 && query.offset >= candidates.count {
            throw QueryError.badField("offset", "\(query.offset) is past the end: \(candidates.count) result(s) match")
        }
        let semantic = scores.semantic
        var visual = scores.visual
        if let descriptor = scores.deferredVisual, let semantic {
            visual = try visualCosines(descriptor, reaching: query.offset + query.limit + 1, of: candidates, semantic: semantic, ranking: ranking)
        }
        let top = topK(candidates.count, k: min(query.offset + query.limit + 1, candidates.count)) { n in
            blended.map { Double($0.combined[candidates[n]]) } ?? ranking.key(semantic: semantic?[candidates[n]], visual: visual?[candidates[n]])
        }
        let hits = top.dropFirst(query.offset).prefix(query.limit).map { n, score in
            var hit = hit(row: candidates[n], score: score, semantic: semantic, visual: visual, ranking: ranking, meaning: meaning)
            if let facets { hit.facets = facetMatch(row: candidates[n], weights: facets.weights, perFacet: blended?.perFacet ?? semantic.map { [.semantic: $0] } ?? [:]) }
            return hit
        }
        var answer = QueryAnswer(hits: Array(hits), total: candidates.count, more: top.count > query.offset + query.limit,
                                 meaning: meaning.map(self.meaning),
                                 ranking: ranking, unknownWords: query.unknownWords)
        answer.facets = facets?.summary
        return answer
    }

    /// A result's score in each weighted facet, the facet adding most to its rank first.
    private func facetMatch(row: Int, weights: [Facet: Double], perFacet: [Facet: [Float]]) -> FacetMatch {
        let scores = perFacet.mapValues { $0[row] }
        func added(_ facet: Facet) -> Double { weights[facet]! * Double(scores[facet] ?? 0) }
        let order = weights.keys.sorted { (added($0), $1.rawValue) > (added($1), $0.rawValue) }
        return FacetMatch(scores: Dictionary(uniqueKeysWithValues: scores.map { ($0.key.rawValue, $0.value) }), rankedBy: order)
    }

    /// A result with its concept and, where the query has a concept, its explanation.
    private func hit(row: Int, score: Double, semantic: [Float]?, visual: [Float]?, ranking: Ranking, meaning: Generalisation?) -> SearchHit {
        let level = semantic.flatMap { ranking.level(semantic: $0[row]) }
        var hit = SearchHit(id: index.ids[row], path: index.paths[row], label: index.labels[row], visual: visual?[row], semantic: semantic?[row],
                            level: level, score: score)
        hit.tags = index.tags[row].isEmpty ? nil : index.tags[row]
        guard let tree, imageConcepts[row] >= 0 else { return hit }
        let node = imageConcepts[row]
        hit.concept = tree.label(node)
        hit.labelled = index.assignedLabels[row] != nil ? true : nil
        if let query = meaning?.concept, let shared = tree.subsumer(of: [query, node]) {
            hit.explanation = Explanation(query: tree.label(query), shared: tree.label(shared), similarity: tree.similarity(query, node),
                                          semantic: semantic?[row], visual: visual?[row],
                                          band: level.map { tree.label(tree.bandConcept(of: query, level: $0)) })
        }
        return hit
    }

    /// Runs `body`, giving a library error the field it came from.
    private func inField<T>(_ field: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as any TaxonError {
            throw QueryError.inField(field, kind: error.kind, message: error.description)
        } catch let error as ImageError {
            throw QueryError.inField(field, kind: .unprocessable, message: error.description)
        } catch let error as Preprocessing.PreprocessingError {
            throw QueryError.inField(field, kind: .unprocessable, message: error.description)
        }
    }
}
