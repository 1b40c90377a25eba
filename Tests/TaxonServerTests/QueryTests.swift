import Foundation
import Hummingbird
import HummingbirdTesting
import TaxonEval
import TaxonKit
import TaxonModel
@testable import TaxonSearch
@testable import TaxonServer
@testable import TaxonStore
import XCTest

/// Issue #16 on real photos: a collection of the sample's 13 felines, 20 dogs
/// and every 20th other photo, queried with several examples, filters, pages,
/// explanations, strategies and the feedback simulation.
final class QueryTests: XCTestCase {
    static let feline = "n02120997", dog = "n02084071", domesticCat = "n02121808", bigCat = "n02127808"

    struct Subset: Sendable { let engine: SearchEngine; let store: String; let folder: String; let ids: [String: Int64] }
    static let subset: Result<Subset, any Error> = Result { try buildSubset() }

    private static func buildSubset() throws -> Subset {
        let built = try Fixture.get()
        let store = try SQLiteStore(path: built.store)
        let (photos, isUnder) = try Fixture.sampleClasses(store)
        let felines = try photos.filter { try isUnder($0, feline) }
        let dogs = Array(try photos.filter { try isUnder($0, dog) }.prefix(20))
        let others = stride(from: 0, to: photos.count, by: 20).map { photos[$0] }.filter { !felines.contains($0) && !dogs.contains($0) }
        let folder = try Fixture.sampleFolder("query-subset", felines + dogs + others, in: built)
        try Fixture.taxon(["index", folder.path, "--collection", "query-subset", "--embedding", "unit", "--weights", Fixture.weights, "--db", built.store])
        let engine = try SearchEngine(store: store, collection: "query-subset", network: try XCTUnwrap(built.service.network))
        let ids = Dictionary(uniqueKeysWithValues: zip(engine.index.paths.map { String($0.prefix(9)) }, engine.index.ids))
        return Subset(engine: engine, store: built.store, folder: folder.path, ids: ids)
    }

    private func query(_ subset: Subset, _ edit: (inout QueryRequest) -> Void) throws -> QueryAnswer {
        var request = QueryRequest(positive: [])
        edit(&request)
        let store = try SQLiteStore(path: subset.store)
        return try CollectionService(store: store).query(request, in: subset.engine)
    }

    func testGeneralisationOfTheExamples() throws {
        let tree = try XCTUnwrap(try Self.subset.get().engine.tree)
        func node(_ key: String) throws -> Int { try XCTUnwrap(tree.node(forKey: key), key) }
        let (tabby, persian, lion) = (try node("n02123045"), try node("n02123394"), try node("n02129165"))
        func meaning(_ positives: [Int], _ negatives: [Int] = []) -> String? {
            tree.generalise(positives: positives, negatives: negatives).map { tree.label($0.concept).name }
        }
        XCTAssertEqual(meaning([persian, tabby]), "domestic_cat.n.01")
        XCTAssertEqual(meaning([tabby, lion]), "feline.n.01")
        XCTAssertEqual(meaning([tabby, lion], [try node(Self.domesticCat)]), "big_cat.n.01", "big cats: feline without the house cats")
        XCTAssertEqual(meaning([tabby]), "tabby.n.01")
        // A negative beside the positives' branches stays a named exclusion.
        let siamese = try node("n02123597")
        let kept = try XCTUnwrap(tree.generalise(positives: [tabby, lion, persian], negatives: [siamese]))
        XCTAssertEqual(tree.label(kept.concept).name, "feline.n.01")
        XCTAssertEqual(kept.excluded.map { tree.label($0).name }, ["siamese_cat.n.01"])
        XCTAssertEqual(tree.similarity(tabby, tabby), 1)
        XCTAssertEqual(tree.similarity(tabby, persian), 1 - 1.0 / 18, accuracy: 1e-12, "their lcs, domestic cat, is 1 high in an 18-high tree")
        XCTAssertEqual(tree.similarity(tabby, lion), 1 - 3.0 / 18, accuracy: 1e-12, "feline is 3 high")
    }

    func testFiltersFillThePageAndPagesConcatenate() throws {
        let subset = try Self.subset.get()
        let tree = try XCTUnwrap(subset.engine.tree)
        let tabby = try XCTUnwrap(subset.ids["n02123045"])
        let everything = try query(subset) { $0.positive = [.image(tabby)]; $0.limit = 1000 }
        XCTAssertEqual(everything.total, subset.engine.index.count - 1, "every image but the example")
        XCTAssertFalse(everything.more)

        let felines = try query(subset) { $0.positive = [.image(tabby)]; $0.within = ["feline.n.01"]; $0.limit = 1000 }
        let felineNode = try XCTUnwrap(tree.node(forKey: Self.feline))
        let predictedFelines = subset.engine.index.labels.filter { label in label.flatMap { tree.node(forKey: $0) }.map { tree.isUnder($0, felineNode) } ?? false }
        XCTAssertGreaterThanOrEqual(predictedFelines.count, 10, "the network knows most of the 13 felines")
        XCTAssertEqual(felines.total, predictedFelines.count - 1, "the other images predicted feline")
        let fullPage = try query(subset) { $0.positive = [.image(tabby)]; $0.within = ["carnivore.n.01"]; $0.exclude = ["dog.n.01"]; $0.limit = 10 }
        XCTAssertEqual(fullPage.hits.count, 10, "a full page whenever that many match")
        XCTAssertTrue(fullPage.more)
        for hit in fullPage.hits {
            let node = try XCTUnwrap(tree.node(forKey: try XCTUnwrap(hit.concept?.key)))
            XCTAssertTrue(tree.isUnder(node, try XCTUnwrap(tree.node(forKey: "n02075296"))), "\(hit.path) is a carnivore")
            XCTAssertFalse(tree.isUnder(node, try XCTUnwrap(tree.node(forKey: Self.dog))), "\(hit.path) is no dog")
        }

        // Pages of 7 concatenate to the unpaged list; `more` until the last.
        var paged: [Int64] = []
        for offset in stride(from: 0, to: everything.total, by: 7) {
            let page = try query(subset) { $0.positive = [.image(tabby)]; $0.offset = offset; $0.limit = 7 }
            paged += page.hits.map(\.id)
            XCTAssertEqual(page.more, offset + 7 < everything.total)
        }
        XCTAssertEqual(paged, everything.hits.map(\.id))

        let close = try query(subset) { $0.positive = [.image(tabby)]; $0.minSimilarity = 0.8; $0.limit = 1000 }
        XCTAssertFalse(close.hits.isEmpty)
        XCTAssertTrue(close.hits.allSatisfy { ($0.explanation?.similarity ?? 0) >= 0.8 })
        XCTAssertEqual(close.total, everything.hits.filter { ($0.explanation?.similarity ?? 0) >= 0.8 }.count)
    }

    /// A plain semantic-first query computes visual cosines only for the levels that reach its page: every
    /// page, filtered or not, equals the one computed from every cosine (ids, cosines, scores, explanations).
    func testVisualCosinesOnlyWhereThePageNeedsThemChangeNothing() throws {
        let subset = try Self.subset.get()
        let store = try SQLiteStore(path: subset.store)
        for (photo, within, offset, limit) in [("n02123045", [], 0, 1), ("n02123045", [], 0, 20), ("n02123045", [], 7, 7), ("n02085620", [], 0, 3),
                                               ("n02085620", ["carnivore.n.01"], 2, 10), ("n02123045", [], 0, 1000)] as [(String, [String], Int, Int)] {
            var request = QueryRequest(positive: [.image(try XCTUnwrap(subset.ids[photo]))])
            (request.within, request.offset, request.limit) = (within, offset, limit)
            let resolved = try subset.engine.resolve(request, store: store)
            let pruned = try subset.engine.answer(resolved), full = try subset.engine.answer(resolved, deferVisual: false)
            XCTAssertEqual(pruned.hits, full.hits, "\(photo) within \(within), offset \(offset), limit \(limit)")
            XCTAssertEqual(pruned.total, full.total)
            XCTAssertEqual(pruned.more, full.more)
            XCTAssertFalse(pruned.hits.isEmpty)
        }
    }

    func testEveryResultExplainsItself() throws {
        let subset = try Self.subset.get()
        let tabby = try XCTUnwrap(subset.ids["n02123045"]), lion = try XCTUnwrap(subset.ids["n02129165"])
        let answer = try query(subset) { $0.positive = [.image(tabby), .image(lion)]; $0.strategy = .average(gamma: 0.5); $0.limit = 60 }
        let meaning = try XCTUnwrap(answer.meaning)
        let expected = try XCTUnwrap(subset.engine.tree?.generalise(
            positives: [tabby, lion].map { subset.engine.imageExample(row: subset.engine.rowByID[$0]!).concept! }, negatives: []))
        XCTAssertEqual(meaning.concept, subset.engine.tree!.label(expected.concept))
        for hit in answer.hits {
            let explanation = try XCTUnwrap(hit.explanation, hit.path)
            XCTAssertEqual(explanation.query, meaning.concept)
            XCTAssertTrue((0...1).contains(explanation.similarity))
            XCTAssertEqual(explanation.semantic, hit.semantic)
            XCTAssertEqual(explanation.visual, hit.visual)
            let band = try XCTUnwrap(explanation.band, "semantic-first names the band")
            XCTAssertFalse(band.title.contains("_"))
            XCTAssertLessThanOrEqual(explanation.shared.depth, try XCTUnwrap(hit.concept).depth)
        }
        // One photo means its own (predicted) class.
        let single = try query(subset) { $0.positive = [.image(tabby)]; $0.limit = 1 }
        let first = try XCTUnwrap(single.hits.first?.explanation)
        let predicted = try XCTUnwrap(subset.engine.index.labels[subset.engine.rowByID[tabby]!])
        XCTAssertEqual(first.query.key, predicted)
        XCTAssertEqual(first.similarity, subset.engine.tree!.similarity(subset.engine.tree!.node(forKey: predicted)!,
                                                                        subset.engine.tree!.node(forKey: single.hits[0].concept!.key)!))
    }

    /// generalise ranks by the taxonomy: {tabby, lion} − {domestic cat} puts every photo taken for a big cat first.
    func testGeneraliseRanksBigCatsFirst() throws {
        let subset = try Self.subset.get()
        let tree = try XCTUnwrap(subset.engine.tree)
        let bigCat = try XCTUnwrap(tree.node(forKey: Self.bigCat))
        let answer = try query(subset) {
            $0.positive = [.concept("tabby.n.01"), .concept("lion.n.01")]
            $0.negative = [.concept("domestic_cat.n.01")]
            $0.strategy = .generalise(gamma: 0.5)
            $0.limit = 1000
        }
        XCTAssertEqual(answer.meaning?.concept.name, "big_cat.n.01")
        let isBigCat = try answer.hits.map { tree.isUnder(try XCTUnwrap(tree.node(forKey: try XCTUnwrap($0.concept?.key))), bigCat) }
        let bigCats = isBigCat.filter { $0 }.count
        XCTAssertGreaterThan(bigCats, 0)
        XCTAssertEqual(Array(isBigCat.prefix(bigCats)), Array(repeating: true, count: bigCats), "every big cat before anything else")
        XCTAssertEqual(answer.hits.first?.explanation?.band?.name, "big_cat.n.01")
    }

    /// A word means its first sense in the collection's hierarchy: "primate" is the mammal (WordNet's
    /// sense 2; sense 1 is the archbishop), in examples and filters alike; a sense name stays exact.
    func testAWordMeansItsSenseInTheHierarchy() throws {
        let subset = try Self.subset.get()
        let answer = try query(subset) { $0.positive = [.concept("primate")]; $0.within = ["primate"]; $0.limit = 5 }
        XCTAssertEqual(answer.meaning?.concept.name, "primate.n.02")
        XCTAssertThrowsError(try query(subset) { $0.positive = [.concept("primate.n.01")] }) { error in
            XCTAssertTrue("\(error)".contains("archpriest.n.01 is not in the hierarchy"), "\(error)")
        }
    }

    /// Each strategy's scores against its formula computed here from the stored vectors.
    func testStrategiesFollowTheirFormulas() throws {
        let engine = try Self.subset.get().engine
        let rows = [0, 5, 9].map { engine.imageExample(row: $0) }
        let (a, b, n) = (rows[0], rows[1], rows[2])
        func dot(_ x: [Float], _ y: [Float]) -> Double { zip(x, y).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        func semantic(_ row: Int) -> [Float] { Array(engine.index.embeddings![(row * engine.index.embeddingDims)..<((row + 1) * engine.index.embeddingDims)]) }
        func keys(_ strategy: FeedbackStrategy) throws -> [Double] {
            try engine.keys(positives: [a, b], negatives: [n], strategy: strategy, ranking: .semantic).keys
        }
        let average = try keys(.average(gamma: 0.3)), best = try keys(.bestScore(gamma: 0.3)), rocchio = try keys(.rocchio(alpha: 1, beta: 0.75, gamma: 0.15))
        var moved = (0..<engine.index.embeddingDims).map { d in
            Double(a.embedding![d]) + 0.75 * Double(a.embedding![d] + b.embedding![d]) / 2 - 0.15 * Double(n.embedding![d])
        }
        let norm = moved.reduce(0) { $0 + $1 * $1 }.squareRoot()
        moved = moved.map { $0 / norm }
        for row in stride(from: 0, to: engine.index.count, by: 7) {
            let v = semantic(row)
            let (ca, cb, cn) = (dot(v, a.embedding!), dot(v, b.embedding!), dot(v, n.embedding!))
            XCTAssertEqual(average[row], (ca + cb) / 2 - 0.3 * cn, accuracy: 1e-5)
            XCTAssertEqual(best[row], max(ca, cb) - 0.3 * cn, accuracy: 1e-5)
            XCTAssertEqual(rocchio[row], zip(v, moved).reduce(0) { $0 + Double($1.0) * $1.1 }, accuracy: 1e-5)
        }
        // One positive and nothing judged: every strategy is the plain search.
        let plain = try engine.keys(positives: [a], negatives: [], strategy: .learned(gamma: 0.5), ranking: .semantic)
        XCTAssertEqual(plain.ranking, .semantic)
        XCTAssertEqual(plain.keys[3], dot(semantic(3), a.embedding!), accuracy: 1e-5)
        // Judged examples: learned blends, with a weight it chose among its candidates.
        let learned = try engine.keys(positives: [a, b], negatives: [n], strategy: .learned(gamma: 0.5), ranking: .semanticFirst(width: nil))
        guard case let .blend(alpha) = learned.ranking else { return XCTFail("learned should blend, got \(learned.ranking)") }
        XCTAssertTrue(LearnedStrategy.alphas.contains(alpha))
    }

    func testQueryRouteBatchAndBadInput() async throws {
        let built = try Fixture.get()
        let subset = try Self.subset.get()
        let tabby = try XCTUnwrap(subset.ids["n02123045"])
        let app = Application(router: buildRouter(built.service))
        let request: [String: Any] = ["positive": [["concept": "tabby.n.01"], ["concept": "lion.n.01"]], "negative": [["concept": "domestic_cat.n.01"]],
                                      "strategy": "average", "within": ["carnivore.n.01"], "limit": 5]
        let photo = try Data(contentsOf: URL(fileURLWithPath: subset.folder).appendingPathComponent(
            try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: subset.folder).first { $0.hasPrefix("n02123045") })))
        let cases: [(Any, HTTPResponse.Status, String)] = [
            (["positive": [["image": 999_999]]], .notFound, "positive[0]: collection 'query-subset' has no image 999999"),
            (["positive": [["concept": "no_such_concept_xyz"]]], .notFound, "positive[0]"),
            (["positive": [] as [Any]], .badRequest, "positive: give at least one"),
            (["negative": [["image": tabby]]], .badRequest, "positive: give at least one"),
            (["positive": [["image": tabby, "text": "cat"]]], .badRequest, "positive[0]: give exactly one"),
            (["positive": [["image": tabby]], "offset": 5000], .badRequest, "offset: 5000 is past the end"),
            (["positive": [["image": tabby]], "limit": 0], .badRequest, "limit"),
            (["positive": [["image": tabby]], "within": ["no_such_concept_xyz"]], .notFound, "within[0]"),
            (["positive": [["image": tabby]], "strategy": "magic"], .badRequest, "strategy: unknown strategy 'magic'"),
            (["positive": [["image": tabby]], "min_similarity": 2], .badRequest, "min_similarity"),
            (["positive": [["upload": "@@@"]]], .badRequest, "positive[0].upload: not a base64"),
            (["positive": [["upload": Data("not a photo".utf8).base64EncodedString()]]], .unprocessableContent, "positive[0]"),
            (["positive": [["upload": String(repeating: "A", count: 12_000_000)]]], .contentTooLarge, "positive[0].upload"),
            ([["image": tabby]] as [Any], .badRequest, "malformed JSON"),
        ]
        let bad = try cases.map { (try Self.body($0.0), $0.1, $0.2) }
        let (single, pair, tooMany) = (try Self.body(request), try Self.body(["queries": [request, request]]),
                                       try Self.body(["queries": Array(repeating: request, count: 101)]))
        let uploaded = try Self.body(["positive": [["upload": photo.base64EncodedString()]], "ranking": "visual"])
        let elsewhere = try Self.body(["positive": [["image": tabby]]])
        try await app.test(.router) { client in
            let route = "/v1/collections/query-subset/query"
            var first: [[String: Any]] = []
            try await client.execute(uri: route, method: .post, body: single) { response in
                XCTAssertEqual(response.status, .ok)
                let answer = try Check.object(response)
                let meaning = try XCTUnwrap(answer["meaning"] as? [String: Any])
                XCTAssertEqual((meaning["concept"] as? [String: Any])?["name"] as? String, "big_cat.n.01")
                first = try XCTUnwrap(answer["results"] as? [[String: Any]])
                XCTAssertEqual(first.count, 5)
                XCTAssertEqual(answer["more"] as? Bool, true)
                XCTAssertNotNil((first[0]["explanation"] as? [String: Any])?["shared"])
                XCTAssertNotNil((first[0]["concept"] as? [String: Any])?["title"])
            }
            try await client.execute(uri: route + "/batch", method: .post, body: pair) { response in
                let results = try XCTUnwrap(try Check.object(response)["results"] as? [[String: Any]])
                XCTAssertEqual(results.count, 2)
                XCTAssertEqual((results[1]["results"] as? [[String: Any]])?.map { $0["id"] as? Int }, first.map { $0["id"] as? Int })
            }
            // An uploaded photo as an example finds its own indexed copy first.
            try await client.execute(uri: route, method: .post, body: uploaded) { response in
                XCTAssertEqual((try Check.object(response)["results"] as? [[String: Any]])?.first?["id"] as? Int64, tabby)
            }
            for (payload, status, fragment) in bad {
                try await client.execute(uri: route, method: .post, body: payload) { try Check.assertError($0, status, fragment) }
            }
            try await client.execute(uri: "/v1/collections/zoo/query", method: .post, body: elsewhere) {
                try Check.assertError($0, .notFound, "zoo")
            }
            try await client.execute(uri: route + "/batch", method: .post, body: tooMany) {
                try Check.assertError($0, .contentTooLarge, "at most 100")
            }
        }
    }

    private static func body(_ object: Any) throws -> ByteBuffer { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)) }

    func testFeedbackSimulationAndItsCLI() throws {
        let subset = try Self.subset.get()
        let store = try SQLiteStore(path: subset.store)
        let (benchmark, _) = try RetrievalBenchmark.load(store: store, collection: "query-subset", options: EvaluationOptions())
        let simulation = try FeedbackSimulation(engine: subset.engine, benchmark: benchmark)
        var options = FeedbackOptions()
        (options.rounds, options.perRound, options.k, options.ndcgK) = (3, 4, 20, 20)
        let ideal = try simulation.run(options)
        XCTAssertEqual(ideal.rounds.count, 4)
        XCTAssertEqual(ideal.queries, subset.engine.index.count)
        let start = ideal.rounds[0]
        XCTAssertEqual(start.meanAHP, start.baseline.meanAHP, "round 0 is the baseline")
        XCTAssertEqual(start.meanAveragePrecision, start.baseline.meanAveragePrecision)
        for round in ideal.rounds {
            XCTAssertEqual(round.positives + round.negatives, Double(round.round * 4), accuracy: 1e-9, "the ideal user judges all it is shown")
            for value in [round.meanAHP, round.meanNDCG, round.baseline.meanAHP, round.baseline.meanNDCG] { XCTAssertTrue((0...1).contains(value)) }
        }
        options.user = .lazy
        let lazy = try simulation.run(options)
        XCTAssertTrue(lazy.rounds.allSatisfy { $0.positives + $0.negatives <= Double($0.round * 2) + 1e-9 }, "at most one of each a round")
        // Every judgement flipped: the user calls exactly the irrelevant ones relevant.
        options.user = .mistaken
        options.mistakeRate = 1
        let contrary = try simulation.run(options)
        let (idealRound1, contraryRound1) = (ideal.rounds[1], contrary.rounds[1])
        XCTAssertEqual(contraryRound1.positives, idealRound1.negatives, accuracy: 1e-9, "the same first four, judged the other way")
        options.queries = 10
        options.user = .ideal
        XCTAssertEqual(try simulation.run(options).rounds.map(\.meanAHP), try simulation.run(options).rounds.map(\.meanAHP), "seeded")

        let json = try Fixture.taxon(["eval", "feedback", "--collection", "query-subset", "--rounds", "2", "--k", "20", "--ndcg-k", "20",
                                      "--queries", "10", "--json", "--weights", Fixture.weights, "--db", subset.store])
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let rounds = try XCTUnwrap(report["rounds"] as? [[String: Any]])
        XCTAssertEqual(rounds.count, 3)
        XCTAssertNotNil((rounds[2]["baseline"] as? [String: Any])?["mean_ahp"])
        let text = try Fixture.taxon(["query", "--collection", "query-subset", "--positive", "concept:tabby.n.01", "--positive", "image:\(subset.ids["n02123045"]!)",
                                      "--positive", "concept:lion", "--within", "feline.n.01", "--limit", "3",
                                      "--weights", Fixture.weights, "--db", subset.store])
        XCTAssertTrue(text.hasPrefix("query means: feline"), text)
        // The CLI's JSON is the library's page.
        let tabby = try XCTUnwrap(subset.ids["n02123045"])
        let page = try Fixture.taxon(["query", "--collection", "query-subset", "--positive", "image:\(tabby)", "--negative", "concept:dog",
                                      "--limit", "5", "--json", "--weights", Fixture.weights, "--db", subset.store])
        let cli = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(page.utf8)) as? [String: Any])
        let library = try query(subset) { $0.positive = [.image(tabby)]; $0.negative = [.concept("dog")]; $0.limit = 5 }
        XCTAssertEqual((cli["results"] as? [[String: Any]])?.compactMap { ($0["id"] as? NSNumber)?.int64Value }, library.hits.map(\.id))
        XCTAssertEqual(cli["total"] as? Int, library.total)
        XCTAssertTrue(text.contains("result(s) match; ranking blend"), text)
    }
}
