import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import TaxonStore
import TaxonModel
import TaxonTesting
import XCTest

/// Runs the built `taxon` executable the way a user does.
final class CLITests: XCTestCase {
    struct Result { let status: Int32; let stdout: String; let stderr: String }

    private var executable: URL {
        Bundle.main.bundleURL.appendingPathComponent("taxon")
    }

    @discardableResult
    private func taxon(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let output = try Subprocess.run(executable, arguments, environment: environment)
        return Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    private func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// `taxon index --workers`'s bad settings: one clear error each, a non-zero exit, and no collection made.
    func testSharedIndexingRefusesBadSettings() throws {
        let dir = try directory()
        let db = dir.appendingPathComponent("s.sqlite").path
        let edges = dir.appendingPathComponent("h.txt")
        try "animal dog\n".write(to: edges, atomically: true, encoding: .utf8)
        XCTAssertEqual(try taxon(["import", "edges", edges.path, "--name", "toy", "--db", db]).status, 0)
        let weights = try TestData.weights()
        let index = ["index", dir.path, "--collection", "c", "--weights", weights, "--db", db]
        for (extra, words) in [(["--workers", "0"], "--workers takes 1 to 64"), (["--workers", "65"], "--workers takes 1 to 64"),
                               (["--workers", "2", "--lease", "0.5"], "the lease must be 1 to 86,400 seconds"),
                               (["--workers", "1", "--replace"], "cannot be replaced by one of them")] {
            let result = try taxon(index + extra)
            XCTAssertNotEqual(result.status, 0, "\(extra)")
            XCTAssertTrue(result.stderr.contains(words), "\(extra): \(result.stderr)")
        }
        XCTAssertFalse(try taxon(["info", "--db", db]).stdout.contains("collections: 1"))
    }

    func testImportThenQueryAsJSON() throws {
        let dir = try directory()
        let db = dir.appendingPathComponent("s.sqlite").path
        let edges = dir.appendingPathComponent("h.txt")
        try "animal dog\nanimal cat\ndog puppy\n".write(to: edges, atomically: true, encoding: .utf8)
        let imported = try taxon(["import", "edges", edges.path, "--name", "toy", "--db", db])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("4 nodes, 3 edges, 2 leaves, 1 root(s), height 2"), imported.stdout)

        let concept = try taxon(["concept", "dog", "--json", "--db", db])
        XCTAssertEqual(concept.status, 0, concept.stderr)
        let object = try XCTUnwrap(try json(concept.stdout) as? [String: Any])
        XCTAssertEqual(object["key"] as? String, "dog")
        let parents = try XCTUnwrap(object["parents"] as? [[String: Any]])
        XCTAssertEqual((parents.first?["concept"] as? [String: Any])?["key"] as? String, "animal")

        // $TAXON_DB stands in for --db.
        let ancestors = try taxon(["ancestors", "puppy", "--json"], environment: ["TAXON_DB": db])
        XCTAssertEqual(ancestors.status, 0, ancestors.stderr)
        let list = try XCTUnwrap(try json(ancestors.stdout) as? [[String: Any]])
        XCTAssertEqual(list.map { $0["distance"] as? Int }, [1, 2])

        let info = try taxon(["info", "--json", "--db", db])
        let summary = try XCTUnwrap(try json(info.stdout) as? [String: Any])
        XCTAssertEqual((summary["class_sets"] as? [[String: Any]])?.first?["classes"] as? Int, 2)

        // --if-missing leaves an existing entry alone; without it the name is refused.
        let skipped = try taxon(["import", "edges", edges.path, "--name", "toy", "--if-missing", "--json", "--db", db])
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertEqual((try json(skipped.stdout) as? [String: String])?["skipped"], "taxonomy toy")
        XCTAssertNotEqual(try taxon(["import", "edges", edges.path, "--name", "toy", "--if-missing", "--replace", "--db", db]).status, 0)
        let again = try taxon(["import", "edges", edges.path, "--name", "toy", "--db", db])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
    }

    func testBadInputFailsWithOneClearErrorAndChangesNothing() throws {
        let dir = try directory()
        let db = dir.appendingPathComponent("s.sqlite").path
        let good = dir.appendingPathComponent("good.txt")
        try "a b\n".write(to: good, atomically: true, encoding: .utf8)
        XCTAssertEqual(try taxon(["import", "edges", good.path, "--name", "good", "--db", db]).status, 0)
        let before = try taxon(["info", "--digest", "--json", "--db", db]).stdout

        let cycle = dir.appendingPathComponent("cycle.txt")
        try "r a\na b\nb a\n".write(to: cycle, atomically: true, encoding: .utf8)
        let failed = try taxon(["import", "edges", cycle.path, "--name", "bad", "--db", db])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.stderr.contains("\(cycle.path):2: the hierarchy has a cycle"), failed.stderr)
        XCTAssertEqual(failed.stderr.split(separator: "\n").count, 1, failed.stderr)
        XCTAssertEqual(try taxon(["info", "--digest", "--json", "--db", db]).stdout.replacingOccurrences(of: "\"store\"", with: ""),
                       before.replacingOccurrences(of: "\"store\"", with: ""))

        let vectors = dir.appendingPathComponent("v.txt")
        try "a 1 2\nb 3\n".write(to: vectors, atomically: true, encoding: .utf8)
        let wrong = try taxon(["import", "vectors", vectors.path, "--name", "v", "--db", db])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("\(vectors.path):2: 'b' has 1 values; expected 2"), wrong.stderr)

        let unknown = try taxon(["concept", "zebra", "--db", db])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown concept 'zebra' in taxonomy 'good'"), unknown.stderr)
    }

    func testStoreFromANewerTaxonIsRefused() throws {
        let db = try directory().appendingPathComponent("s.sqlite").path
        let missing = try taxon(["info", "--db", db])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no store at \(db)"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: db), "a query must not create a store")
        _ = try SQLiteStore(path: db)
        XCTAssertEqual(try taxon(["info", "--db", db]).status, 0)
        try Database(path: db).execute("PRAGMA user_version = 999")
        let refused = try taxon(["info", "--db", db])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("has schema version 999"), refused.stderr)
    }

    func testSimilarityPairsAndLCS() throws {
        let dir = try directory()
        let db = dir.appendingPathComponent("s.sqlite").path
        let edges = dir.appendingPathComponent("h.txt")
        try "r a\nr b\na c\na d\nb e\nq z\n".write(to: edges, atomically: true, encoding: .utf8)
        XCTAssertEqual(try taxon(["import", "edges", edges.path, "--name", "h", "--db", db]).status, 0)

        let one = try taxon(["similarity", "c", "d", "--measure", "lcs-height", "--db", db])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(one.stdout, "0.5\n")
        XCTAssertEqual(try taxon(["similarity", "c", "z", "--db", db]).stdout, "none\n")

        let pairs = dir.appendingPathComponent("pairs.tsv")
        try "c\td\n# comment\nc\te\nc\tz\n".write(to: pairs, atomically: true, encoding: .utf8)
        let scored = try taxon(["similarity", "--pairs", pairs.path, "--measure", "path", "--db", db])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        XCTAssertEqual(scored.stdout, "c\td\t\(1.0 / 3)\nc\te\t0.2\nc\tz\t\n")

        try "c\td\r\n#\r\nc\te\r\n".write(to: pairs, atomically: true, encoding: .utf8)  // Windows line ends
        XCTAssertEqual(try taxon(["similarity", "--pairs", pairs.path, "--measure", "path", "--db", db]).stdout, "c\td\t\(1.0 / 3)\nc\te\t0.2\n")

        try "c\td\nc\tnowhere\n".write(to: pairs, atomically: true, encoding: .utf8)
        let unknown = try taxon(["similarity", "--pairs", pairs.path, "--db", db])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("\(pairs.path):2: unknown concept 'nowhere'"), unknown.stderr)

        XCTAssertEqual(try taxon(["lcs", "c", "d", "--db", db]).stdout, "a\n")
        let needsIC = try taxon(["similarity", "c", "d", "--measure", "res", "--db", db])
        XCTAssertNotEqual(needsIC.status, 0)
        XCTAssertTrue(needsIC.stderr.contains("needs information content"), needsIC.stderr)
        XCTAssertEqual(try taxon(["similarity", "c", "d", "--measure", "res", "--ic", "intrinsic", "--db", db]).status, 0)

        let npy = dir.appendingPathComponent("m.npy").path
        let matrix = try taxon(["simmatrix", "--class-set", "h", "--out", npy, "--json", "--db", db])
        XCTAssertEqual(matrix.status, 0, matrix.stderr)
        let report = try XCTUnwrap(try json(matrix.stdout) as? [String: Any])
        XCTAssertEqual(report["classes"] as? Int, 4)
        XCTAssertEqual(report["positive_definite"] as? Bool, false, "c, d, e and z: z shares no ancestor, so NaN")
        XCTAssertTrue(FileManager.default.fileExists(atPath: npy))
    }

    func testEmbedExportNeighborsAndFidelity() throws {
        let dir = try directory()
        let db = dir.appendingPathComponent("s.sqlite").path
        let edges = dir.appendingPathComponent("h.txt")
        try "r a\nr b\na c\na d\nb e\nb f\n".write(to: edges, atomically: true, encoding: .utf8)
        XCTAssertEqual(try taxon(["import", "edges", edges.path, "--name", "h", "--leaf-order", "sorted", "--db", db]).status, 0)

        let embedded = try taxon(["embed", "--class-set", "h", "--method", "unitsphere", "--name", "u", "--fidelity", "--json", "--db", db])
        XCTAssertEqual(embedded.status, 0, embedded.stderr)
        let report = try XCTUnwrap(try json(embedded.stdout) as? [String: Any])
        XCTAssertEqual(report["dims"] as? Int, 4)
        let fidelity = try XCTUnwrap(report["fidelity"] as? [String: Any])
        XCTAssertLessThanOrEqual(try XCTUnwrap(fidelity["max_cosine_error"] as? Double), 1e-12)

        let list = try taxon(["embedding", "list", "--db", db])
        XCTAssertTrue(list.stdout.hasPrefix("u  4 × 4  unitsphere  class set h"), list.stdout)

        let npy = dir.appendingPathComponent("u.npy").path, labels = dir.appendingPathComponent("u.txt").path
        XCTAssertEqual(try taxon(["embedding", "export", "u", "--out", npy, "--labels", labels, "--db", db]).status, 0)
        XCTAssertEqual(try String(contentsOfFile: labels, encoding: .utf8), "c\nd\ne\nf\n")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: npy))
        XCTAssertTrue(String(decoding: bytes.prefix(80), as: UTF8.self).contains("'descr': '<f4'"))
        XCTAssertEqual(bytes.count, 128 + 16 * 4)

        let neighbors = try taxon(["embedding", "neighbors", "u", "c", "-k", "1", "--json", "--db", db])
        XCTAssertEqual(neighbors.status, 0, neighbors.stderr)
        let nearest = try XCTUnwrap(try json(neighbors.stdout) as? [[String: Any]])
        XCTAssertEqual(nearest.first?["key"] as? String, "d")
        XCTAssertEqual(try XCTUnwrap(nearest.first?["score"] as? Double), 0.5, accuracy: 1e-12)

        XCTAssertEqual(try taxon(["embedding", "fidelity", "u", "--db", db]).status, 0)
        let tooMany = try taxon(["embed", "--class-set", "h", "--method", "approx-sim", "--dims", "9", "--name", "x", "--db", db])
        XCTAssertNotEqual(tooMany.status, 0)
        XCTAssertTrue(tooMany.stderr.contains("9 dimensions requested, but at most 4"), tooMany.stderr)
        XCTAssertFalse(try taxon(["embedding", "list", "--db", db]).stdout.contains("x  "), "nothing stored")
    }

    func testTextEmbeddingsAndQueries() throws {
        let dir = try directory()
        let db = dir.appendingPathComponent("s.sqlite").path
        let edges = dir.appendingPathComponent("h.txt"), names = dir.appendingPathComponent("n.txt"), vectors = dir.appendingPathComponent("v.txt")
        try "animal dog\nanimal cat\nthing car\n".write(to: edges, atomically: true, encoding: .utf8)
        try "dog dog\ncat cat\ncar car\n".write(to: names, atomically: true, encoding: .utf8)
        try "dog 1 0 0\ncat 0.8 0.6 0\ncar 0 0 1\nsmall 0.6 -0.8 0\n".write(to: vectors, atomically: true, encoding: .utf8)
        XCTAssertEqual(try taxon(["import", "edges", edges.path, "--name", "h", "--names", names.path, "--db", db]).status, 0)
        XCTAssertEqual(try taxon(["import", "vectors", vectors.path, "--name", "v", "--db", db]).status, 0)
        for (name, method) in [("d", "devise"), ("u", "huse")] {
            let embedded = try taxon(["embed", "--class-set", "h", "--method", method, "--vectors", "v", "--name", name, "--db", db])
            XCTAssertEqual(embedded.status, 0, embedded.stderr)
            XCTAssertTrue(embedded.stdout.contains("coverage: 3 of 3 classes by one of their own words (3 by the first), 0 by a hypernym's"),
                          embedded.stdout)
            let hits = try taxon(["text-to-class", "Small dog", "--embedding", name, "-k", "2", "--json", "--db", db])
            XCTAssertEqual(hits.status, 0, hits.stderr)
            let list = try XCTUnwrap(try json(hits.stdout) as? [[String: Any]])
            XCTAssertEqual(list.map { $0["key"] as? String }, ["dog", "cat"])
        }
        XCTAssertTrue(try taxon(["embedding", "list", "--db", db]).stdout.contains("rules=(3 lines)"))

        let empty = try taxon(["text-to-class", " ?! ", "--embedding", "d", "--db", db])
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains("the query is empty"), empty.stderr)
        let unknown = try taxon(["text-to-class", "zebra", "--embedding", "u", "--db", db])
        XCTAssertTrue(unknown.stderr.contains("no word of the query has a vector: zebra"), unknown.stderr)
        XCTAssertEqual(try taxon(["embed", "--class-set", "h", "--method", "unitsphere", "--name", "s", "--db", db]).status, 0)
        let notText = try taxon(["text-to-class", "dog", "--embedding", "s", "--db", db])
        XCTAssertTrue(notText.stderr.contains("'s' is not a text embedding"), notText.stderr)
    }

    func testHyperbolicTrainEvalAndEntails() throws {
        let dir = try directory()
        let db = dir.appendingPathComponent("s.sqlite").path
        let edges = dir.appendingPathComponent("t.txt")
        // A binary tree of depth 4 (31 nodes).
        try (1..<16).flatMap { ["\($0) \(2 * $0)", "\($0) \(2 * $0 + 1)"] }.joined(separator: "\n").write(to: edges, atomically: true, encoding: .utf8)
        XCTAssertEqual(try taxon(["import", "edges", edges.path, "--name", "toy", "--db", db]).status, 0)

        let trained = try taxon(["hyperbolic", "train", "--model", "cones", "--dim", "2", "--split-percent", "50", "--pretrain-epochs", "100",
                                 "--epochs", "100", "--learning-rate", "0.003", "--name", "c", "--db", db])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stdout.contains("closure: 30 nodes, 68 edges"), trained.stdout)
        XCTAssertTrue(trained.stdout.contains("trained on 48 edges"), trained.stdout)
        XCTAssertTrue(trained.stdout.contains("link prediction: test F1"), trained.stdout)
        let evaluated = try taxon(["hyperbolic", "eval", "c", "--protocol", "link-prediction", "--json", "--db", db])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let result = try XCTUnwrap(try json(evaluated.stdout) as? [String: Any])
        XCTAssertEqual(result["test_positives"] as? Int, 2)
        XCTAssertEqual(result["test_negatives"] as? Int, 20)
        XCTAssertEqual(try taxon(["hyperbolic", "eval", "c", "--db", db]).status, 0)

        // 8 is-a 2 (through 4) is a training edge; 2 is-a 8 is not: it scores higher.
        func entails(_ a: String, _ b: String) throws -> [String: Any] {
            let result = try taxon(["entails", a, b, "--embedding", "c", "--json", "--db", db])
            XCTAssertEqual(result.status, 0, result.stderr)
            let verdict = try XCTUnwrap(try json(result.stdout) as? [String: Any])
            let score = try XCTUnwrap(verdict["score"] as? Double), threshold = try XCTUnwrap(verdict["threshold"] as? Double)
            XCTAssertEqual(verdict["entails"] as? Bool, score <= threshold)
            return verdict
        }
        let down = try entails("8", "2"), up = try entails("2", "8")
        XCTAssertEqual(down["in_taxonomy"] as? Bool, true)
        XCTAssertEqual(up["in_taxonomy"] as? Bool, false)
        XCTAssertLessThan(try XCTUnwrap(down["score"] as? Double), try XCTUnwrap(up["score"] as? Double))
        let text = try taxon(["entails", "2", "8", "--embedding", "c", "--db", db])
        XCTAssertTrue(text.stdout.hasPrefix("2 \((up["entails"] as? Bool) == true ? "entails" : "does not entail") 8: energy"), text.stdout)
        let top = try taxon(["entails", "2", "1", "--embedding", "c", "--db", db])
        XCTAssertTrue(top.stderr.contains("1 is not among the nodes of 'c'"), top.stderr)
        XCTAssertTrue(try taxon(["embedding", "neighbors", "c", "8", "-k", "1", "--db", db]).stdout.contains("  "))

        // Bad input: one clear error each, nothing stored.
        let unknownRoot = try taxon(["hyperbolic", "train", "--root", "99", "--name", "x", "--db", db])
        XCTAssertEqual(unknownRoot.status, 1)
        XCTAssertTrue(unknownRoot.stderr.contains("99"), unknownRoot.stderr)
        let leaf = try taxon(["hyperbolic", "train", "--root", "31", "--name", "x", "--db", db])
        XCTAssertTrue(leaf.stderr.contains("'31' has no descendants"), leaf.stderr)
        let flat = try taxon(["hyperbolic", "train", "--dim", "1", "--name", "x", "--db", db])
        XCTAssertTrue(flat.stderr.contains("at least 2 dimensions, not 1"), flat.stderr)
        let nan = try taxon(["hyperbolic", "train", "--model", "cones", "--dim", "2", "--learning-rate", "inf", "--pretrain-epochs", "5",
                             "--epochs", "5", "--name", "x", "--db", db])
        XCTAssertTrue(nan.stderr.contains("lower the learning rate (nothing was stored)"), nan.stderr)
        XCTAssertEqual(try taxon(["hyperbolic", "train", "--dim", "2", "--epochs", "5", "--name", "p", "--db", db]).status, 0)
        let whole = try taxon(["hyperbolic", "eval", "p", "--protocol", "link-prediction", "--db", db])
        XCTAssertTrue(whole.stderr.contains("trained on its whole closure"), whole.stderr)
        XCTAssertFalse(try taxon(["embedding", "list", "--db", db]).stdout.contains("x  "), "nothing stored")
    }

    func testClassify() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let weights = repository.appendingPathComponent("models/data/efficientnet-lite0.safetensors").path
        let chelsea = repository.appendingPathComponent("models/data/chelsea.png").path
        try TestData.require(weights)
        try TestData.debianWordNet()
        let dir = try directory()
        let db = dir.appendingPathComponent("s.sqlite").path
        XCTAssertEqual(try taxon(["import", "wordnet", "--db", db]).status, 0)
        let wnids = repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt").path
        XCTAssertEqual(try taxon(["import", "imagenet", "--wnids", wnids, "--name", "ilsvrc2012", "--db", db]).status, 0)

        let result = try taxon(["classify", chelsea, "--top", "3", "--json", "--weights", weights, "--db", db])
        XCTAssertEqual(result.status, 0, result.stderr)
        let images = try XCTUnwrap(try json(result.stdout) as? [[String: Any]])
        XCTAssertEqual(images.first?["image"] as? String, chelsea)
        let top = try XCTUnwrap(images.first?["top"] as? [[String: Any]])
        XCTAssertEqual(top.count, 3)
        let cats = ["n02123045", "n02123159", "n02123394", "n02123597", "n02124075"]
        XCTAssertTrue(cats.contains(top[0]["wnid"] as? String ?? ""), "\(top)")
        XCTAssertGreaterThan(try XCTUnwrap(top[0]["prob"] as? Double), try XCTUnwrap(top[1]["prob"] as? Double))

        let notSized = try taxon(["classify", chelsea, "--no-resize", "--weights", weights, "--db", db])
        XCTAssertTrue(notSized.stderr.contains("--no-resize needs a 224 × 224 image, this one is 451 × 300"), notSized.stderr)
        let text = dir.appendingPathComponent("notes.jpg")
        try "not an image".write(to: text, atomically: true, encoding: .utf8)
        let bad = try taxon(["classify", text.path, "--weights", weights, "--db", db])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("notes.jpg: neither a JPEG nor a PNG image"), bad.stderr)
        let noWeights = try taxon(["classify", chelsea, "--weights", dir.appendingPathComponent("none.safetensors").path, "--db", db])
        XCTAssertTrue(noWeights.stderr.contains("scripts/setup.sh fetches the EfficientNet-Lite0 weights"), noWeights.stderr)

        // embed-image: chelsea in the space of a unitsphere embedding of the classes, with its R-MAC descriptor.
        XCTAssertEqual(try taxon(["tree", "--class-set", "ilsvrc2012", "--out-name", "tree", "--db", db]).status, 0)
        XCTAssertEqual(try taxon(["embed", "--class-set", "ilsvrc2012", "--tree", "tree", "--method", "unitsphere", "--name", "unit", "--db", db]).status, 0)
        let embedded = try taxon(["embed-image", chelsea, "--embedding", "unit", "--descriptor", "rmac", "--weights", weights, "--db", db])
        XCTAssertEqual(embedded.status, 0, embedded.stderr)
        let rows = try XCTUnwrap(try json(embedded.stdout) as? [[String: Any]])
        let vector = try XCTUnwrap(rows.first?["embedding"] as? [Double]), descriptor = try XCTUnwrap(rows.first?["descriptor"] as? [Double])
        XCTAssertEqual(vector.count, 1000)
        XCTAssertEqual(descriptor.count, 1280)
        XCTAssertEqual(vector.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4)
        XCTAssertEqual(descriptor.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4)
        let unknown = try taxon(["embed-image", chelsea, "--embedding", "nope", "--weights", weights, "--db", db])
        XCTAssertTrue(unknown.stderr.contains("nope"), unknown.stderr)
        XCTAssertEqual(unknown.status, 1)

        // train-mapper on a folder per wnid, then embed-image through it.
        let photos = dir.appendingPathComponent("photos")
        for wnid in ["n02123045", "n02124075"] {
            try FileManager.default.createDirectory(at: photos.appendingPathComponent(wnid), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: chelsea, toPath: photos.appendingPathComponent("\(wnid)/chelsea.png").path)
        }
        let trained = try taxon(["train-mapper", photos.path, "--embedding", "unit", "--head", "regression", "--name", "m", "--epochs", "20", "--cross-entropy-weight", "0.1",
                                 "--weights", weights, "--db", db])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stdout.contains("stored mapper m: 1280 → 1000 into unit, trained on 2 photos"), trained.stdout)
        XCTAssertTrue(trained.stdout.contains("epoch 20  mean 1 − cos "), trained.stdout)
        XCTAssertTrue(trained.stdout.contains("mean cross-entropy "), trained.stdout)
        let negative = try taxon(["train-mapper", photos.path, "--embedding", "unit", "--head", "regression", "--name", "m4", "--cross-entropy-weight=-1", "--db", db])
        XCTAssertTrue(negative.stderr.contains("--cross-entropy-weight must be a number ≥ 0"), negative.stderr)
        let mapped = try taxon(["embed-image", chelsea, "--mapper", "m", "--weights", weights, "--db", db])
        XCTAssertEqual(mapped.status, 0, mapped.stderr)
        let mappedRow = try XCTUnwrap((try json(mapped.stdout) as? [[String: Any]])?.first?["embedding"] as? [Double])
        XCTAssertEqual(mappedRow.count, 1000)
        XCTAssertTrue(try taxon(["info", "--db", db]).stdout.contains("m  1280 → 1000  into unit"))
        try FileManager.default.createDirectory(at: photos.appendingPathComponent("n99999999"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: chelsea, toPath: photos.appendingPathComponent("n99999999/chelsea.png").path)
        let stranger = try taxon(["train-mapper", photos.path, "--embedding", "unit", "--head", "regression", "--name", "m2", "--weights", weights, "--db", db])
        XCTAssertTrue(stranger.stderr.contains("1 label(s) are not classes of the embedding: n99999999"), stranger.stderr)
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let none = try taxon(["train-mapper", empty.path, "--embedding", "unit", "--head", "regression", "--name", "m3", "--weights", weights, "--db", db])
        XCTAssertTrue(none.stderr.contains("no .jpg, .jpeg or .png images"), none.stderr)
    }
}

/// `taxon index`, `taxon search` and `taxon serve` as a user runs them.
final class SearchCLITests: XCTestCase {
    private let executable = Bundle.main.bundleURL.appendingPathComponent("taxon")
    private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let output = try Subprocess.run(executable, arguments)
        return (output.status, output.stdout, output.stderr)
    }

    /// The body of a 200 answer, nil for anything else (or no answer yet).
    private func get(_ url: URL) -> Data? {
        HTTPGet.fetch(url).flatMap { $0.status == 200 ? $0.body : nil }
    }

    func testIndexSearchAndServe() throws {
        let weights = repository.appendingPathComponent("models/data/efficientnet-lite0.safetensors").path
        let chelsea = repository.appendingPathComponent("models/data/chelsea.png").path
        try TestData.require(weights)
        try TestData.debianWordNet()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-search-\(UUID().uuidString)")
        let photos = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: chelsea, toPath: photos.appendingPathComponent("chelsea.png").path)
        try Data("not a photo".utf8).write(to: photos.appendingPathComponent("broken.jpg"))
        let db = dir.appendingPathComponent("s.sqlite").path
        let wnids = repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt").path
        for arguments in [["import", "wordnet"], ["import", "imagenet", "--wnids", wnids, "--name", "ilsvrc2012"],
                          ["tree", "--class-set", "ilsvrc2012", "--out-name", "tree"],
                          ["embed", "--class-set", "ilsvrc2012", "--tree", "tree", "--method", "unitsphere", "--name", "unit"]] {
            XCTAssertEqual(try run(arguments + ["--db", db]).status, 0, "\(arguments)")
        }

        let indexed = try run(["index", photos.path, "--collection", "pets", "--embedding", "unit", "--weights", weights, "--db", db])
        XCTAssertEqual(indexed.status, 0, indexed.stderr)
        XCTAssertTrue(indexed.stdout.contains("collection pets: 1 images (1 added, 0 updated, 0 unchanged, 0 removed, 1 skipped)"), indexed.stdout)
        XCTAssertTrue(indexed.stderr.contains("skipped broken.jpg: broken.jpg: neither a JPEG nor a PNG image"), indexed.stderr)
        XCTAssertFalse(indexed.stderr.contains("["), "no progress bar when standard error is not a terminal")
        let again = try run(["index", photos.path, "--collection", "pets", "--weights", weights, "--db", db])
        XCTAssertTrue(again.stdout.contains("(0 added, 0 updated, 1 unchanged, 0 removed, 1 skipped)"), again.stdout)
        XCTAssertTrue(try run(["info", "--db", db]).stdout.contains("pets  1 images  gem  in unit  from"))

        let found = try run(["search", chelsea, "--collection", "pets", "--json", "--weights", weights, "--db", db])
        XCTAssertEqual(found.status, 0, found.stderr)
        let hits = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(hits.first?["path"] as? String, "chelsea.png")
        XCTAssertNotNil(hits.first?["level"])
        let concept = try run(["search", "--concept", "tabby.n.01", "--collection", "pets", "--ranking", "semantic", "--weights", weights, "--db", db])
        XCTAssertTrue(concept.stdout.contains("chelsea.png"), concept.stdout + concept.stderr)
        XCTAssertTrue(try run(["search", "--collection", "pets", "--db", db]).stderr.contains("give one query"))
        XCTAssertTrue(try run(["search", chelsea, "--collection", "zoo", "--weights", weights, "--db", db]).stderr.contains("no collection named 'zoo'"))

        // serve: answers on a real socket until it is stopped.
        let port = 20_000 + Int.random(in: 0..<20_000)
        let server = Process()
        server.executableURL = executable
        server.arguments = ["serve", "--port", String(port), "--weights", weights, "--db", db]
        // Nobody reads its log here: it goes nowhere rather than into a pipe that could fill up.
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        var health: Data?
        for _ in 0..<100 where health == nil {
            health = get(URL(string: "http://127.0.0.1:\(port)/healthz")!)
            if health == nil { Thread.sleep(forTimeInterval: 0.2) }
        }
        let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: try XCTUnwrap(health)) as? [String: Any])
        XCTAssertEqual(body["status"] as? String, "ok")
        XCTAssertEqual(body["collections"] as? [String], ["pets"])
    }

    func testEvalRetrievalAndAudits() throws {
        let weights = repository.appendingPathComponent("models/data/efficientnet-lite0.safetensors").path
        let sample = repository.deletingLastPathComponent().appendingPathComponent("shared/data/imagenet-sample").path
        try TestData.require(weights)
        try TestData.debianWordNet()
        try TestData.imagenetSample()
        let files = try FileManager.default.contentsOfDirectory(atPath: sample)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-eval-\(UUID().uuidString)")
        let photos = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        // tabby, Egyptian cat, golden retriever.
        for wnid in ["n02123045", "n02124075", "n02099601"] {
            let name = try XCTUnwrap(files.first { $0.hasPrefix(wnid) })
            try FileManager.default.copyItem(atPath: sample + "/" + name, toPath: photos.appendingPathComponent(name).path)
        }
        let db = dir.appendingPathComponent("s.sqlite").path
        let wnids = repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt").path
        for arguments in [["import", "wordnet"], ["import", "imagenet", "--wnids", wnids, "--name", "ilsvrc2012"],
                          ["tree", "--class-set", "ilsvrc2012", "--out-name", "tree"],
                          ["embed", "--class-set", "ilsvrc2012", "--tree", "tree", "--method", "unitsphere", "--name", "unit"],
                          ["index", photos.path, "--collection", "three", "--embedding", "unit", "--weights", weights]] {
            XCTAssertEqual(try run(arguments + ["--db", db]).status, 0, "\(arguments)")
        }

        let report = dir.appendingPathComponent("report").path
        let evaluated = try run(["eval", "retrieval", "--collection", "three", "--k", "2", "--ndcg-k", "2", "--json", "--report", report, "--db", db])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let results = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(results.map { $0["ranking"] as? String }, ["visual", "semantic", "semantic-first"])
        // Semantically each cat finds the other cat first (HP@1 = 1 for both), the dog a cat (its best possible).
        XCTAssertEqual((results[1]["hierarchical_precision"] as? [Double])?.first ?? 0, 1, accuracy: 1e-9)
        for file in ["summary.csv", "hp.csv", "hp.svg"] { XCTAssertTrue(FileManager.default.fileExists(atPath: report + "/" + file), file) }
        let whitened = try run(["eval", "retrieval", "--collection", "three", "--ranking", "visual", "--whiten", "2", "--k", "2", "--ndcg-k", "2",
                                "--json", "--db", db])
        XCTAssertEqual(whitened.status, 0, whitened.stderr)
        XCTAssertTrue(try run(["eval", "retrieval", "--collection", "three", "--whiten", "5000", "--db", db]).stderr.contains("1...1280 dimensions"))
        let text = try run(["eval", "retrieval", "--collection", "three", "--k", "2", "--ndcg-k", "2", "--db", db])
        XCTAssertTrue(text.stdout.contains("mAP n/a: no query has another image of its class"), text.stdout)
        XCTAssertTrue(try run(["eval", "retrieval", "--collection", "three", "--k", "3", "--db", db]).stderr.contains("must lie in 1...2"))
        XCTAssertTrue(try run(["eval", "retrieval", "--collection", "three", "--descriptor", "mac", "--db", db]).stderr
            .contains("holds gem descriptors, not mac"))
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertEqual(try run(["index", empty.path, "--collection", "none", "--weights", weights, "--db", db]).status, 0)
        XCTAssertTrue(try run(["eval", "retrieval", "--collection", "none", "--db", db]).stderr.contains("collection 'none' has no images"))
        // A photo without a wnid in its name: listed, or left out with --skip-unlabelled.
        try FileManager.default.copyItem(atPath: repository.appendingPathComponent("models/data/chelsea.png").path,
                                         toPath: photos.appendingPathComponent("chelsea.png").path)
        XCTAssertEqual(try run(["index", photos.path, "--collection", "three", "--weights", weights, "--db", db]).status, 0)
        let unlabelled = try run(["eval", "retrieval", "--collection", "three", "--k", "2", "--ndcg-k", "2", "--db", db])
        XCTAssertTrue(unlabelled.stderr.contains("1 image(s) have no label that is a class of 'tree': chelsea.png"), unlabelled.stderr)
        let skipping = try run(["eval", "retrieval", "--collection", "three", "--k", "2", "--ndcg-k", "2", "--skip-unlabelled", "--db", db])
        XCTAssertEqual(skipping.status, 0, skipping.stderr)
        XCTAssertTrue(skipping.stderr.contains("left out 1 unlabelled image(s): chelsea.png"), skipping.stderr)

        // Audits: the unitsphere embedding is exact; lcs-height on a small tree is positive definite and ultrametric.
        let embedding = try run(["audit", "embedding", "unit", "--json", "--db", db])
        let fidelity = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(embedding.stdout.utf8)) as? [String: Any])
        XCTAssertLessThanOrEqual(try XCTUnwrap(fidelity["max_cosine_error"] as? Double), 1e-12)
        XCTAssertEqual((fidelity["worst_pairs"] as? [Any])?.count, 10)
        let edges = dir.appendingPathComponent("edges.txt")
        try "r a\nr b\na a1\na a2\nb b1\n".write(to: edges, atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(["import", "edges", edges.path, "--name", "small", "--db", db]).status, 0)
        let markdown = dir.appendingPathComponent("audit.md").path
        let audited = try run(["audit", "measure", "lcs-height", "--class-set", "small", "--report", markdown, "--db", db])
        XCTAssertEqual(audited.status, 0, audited.stderr)
        XCTAssertTrue(audited.stdout.contains("| positive definite: smallest eigenvalue of S | 0.5 | yes |"), audited.stdout)
        XCTAssertTrue(audited.stdout.contains("| ultrametric (1 − s): violating triples | 0 of 3 | yes |"), audited.stdout)
        XCTAssertEqual(try String(contentsOfFile: markdown, encoding: .utf8), audited.stdout)
        let elsewhere = try run(["audit", "measure", "lcs-height", "--class-set", "small", "--tree", "tree", "--db", db])
        XCTAssertEqual(elsewhere.status, 1)
        XCTAssertTrue(elsewhere.stderr.contains("3 class(es) of small are not in tree: a1, a2, b1"), elsewhere.stderr)
    }
}
