import Foundation
import TaxonTesting
import XCTest

/// From a folder of labelled photos to a semantic search over them (issue #20): a reviewed map, `taxonomy
/// extend`, `train-mapper`, `index --mapper`, and `eval dataset`, on real Caltech-101 photos.
final class OwnPhotosTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private var executable: URL { Bundle.main.bundleURL.appendingPathComponent("taxon") }
    private var dir = URL(fileURLWithPath: "/")
    private var db = ""
    private var weights = ""
    private var map = ""

    /// A store with WordNet and the ILSVRC classes; Caltech's airplanes, bass, garfield and yin_yang as
    /// DIR/train (8 photos each) and DIR/test (3 each); the reviewed map of those names.
    override func setUpWithError() throws {
        weights = try TestData.weights()
        try TestData.debianWordNet()
        let caltech = try TestData.sharedFile("caltech101/train")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-own-\(UUID().uuidString)")
        db = dir.appendingPathComponent("s.sqlite").path
        for name in ["airplanes", "bass", "garfield", "yin_yang"] {
            let source = (caltech as NSString).appendingPathComponent(name)
            let photos = try FileManager.default.contentsOfDirectory(atPath: source).sorted()
            for (part, range) in [("train", 0..<8), ("test", 8..<11)] {
                let target = dir.appendingPathComponent("photos/\(part)/\(name)")
                try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
                for photo in photos[range] {
                    try FileManager.default.copyItem(atPath: (source as NSString).appendingPathComponent(photo), toPath: target.appendingPathComponent(photo).path)
                }
            }
        }
        // As a reviewer leaves it: a key, a concept name alone, and two new names with edited parents.
        map = dir.appendingPathComponent("map.tsv").path
        try """
            # name\tkey\tconcept\tconfidence\tstatus\tparent\trunners_up
            airplanes\tn02691156\tairplane.n.01\t1.0\tmapped\t-\t-
            bass\t-\tbass.n.08\t0.99\tmapped\t-\t-
            garfield\t-\t-\t0.0\tnew\tn02121620 cat.n.01\tgarfield.n.01=0.6563
            yin_yang\t-\t-\t0.0\tnew\tsymbol.n.01\t-

            """.write(toFile: map, atomically: true, encoding: .utf8)
        let wnids = Self.repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt").path
        for arguments in [["import", "wordnet"], ["import", "imagenet", "--wnids", wnids, "--name", "ilsvrc2012"]] {
            let imported = try taxon(arguments)
            XCTAssertEqual(imported.status, 0, imported.stderr)
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func taxon(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let output = try Subprocess.run(executable, arguments + ["--db", db])
        return (output.status, output.stdout, output.stderr)
    }

    private func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try taxon(arguments + ["--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
    }

    private func wordnetLine() throws -> String {
        try XCTUnwrap(try taxon(["info"]).stdout.split(separator: "\n").first { $0.hasPrefix("  wordnet ") }.map(String.init))
    }

    /// New names become concepts of the extension under their parents; WordNet itself is left as it was, and
    /// every measure, the tree and the embedding work on the extension.
    func testExtensionSemantics() throws {
        let before = try wordnetLine()
        let extended = try taxon(["taxonomy", "extend", "--map", map, "--name", "mine"])
        XCTAssertEqual(extended.status, 0, extended.stderr)
        XCTAssertTrue(extended.stdout.contains("extension mine of wordnet: 4 classes, 2 new"), extended.stdout)
        // WordNet has garfield.n.01 (the president): the new one is the second sense.
        XCTAssertTrue(extended.stdout.contains("garfield.n.02  (new:garfield) under cat.n.01"), extended.stdout)
        XCTAssertTrue(extended.stdout.contains("yin_yang.n.01  (new:yin_yang) under symbol.n.01"), extended.stdout)
        XCTAssertTrue(extended.stdout.contains("tree mine-tree, embedding mine"), extended.stdout)
        XCTAssertEqual(try wordnetLine(), before)

        let info = try taxon(["info"]).stdout
        XCTAssertTrue(info.contains("  mine  4 classes over mine"), info)
        XCTAssertTrue(info.contains("  mine  extension of wordnet  2 concepts  2 edges"), info)
        XCTAssertTrue(info.contains("  mine  4 × 4  unitsphere  of mine"), info)
        XCTAssertEqual(try taxon(["concept", "garfield", "--all", "--taxonomy", "wordnet"]).stdout.components(separatedBy: "garfield.n.").count - 1, 1)
        let both = try taxon(["concept", "garfield", "--all", "--taxonomy", "mine"])
        XCTAssertTrue(both.stdout.contains("garfield.n.01") && both.stdout.contains("garfield.n.02"), both.stdout)

        // Measures on the extension: a child of cat.n.01 is one edge from it; its lowest common subsumer with a tabby is cat.n.01.
        let path = try json(["similarity", "garfield.n.02", "cat.n.01", "--measure", "path", "--taxonomy", "mine"])
        XCTAssertEqual(path["score"] as? Double, 0.5, "\(path)")
        let lcs = try taxon(["lcs", "garfield.n.02", "tabby.n.01", "--taxonomy", "mine"])
        XCTAssertTrue(lcs.stdout.contains("cat.n.01"), lcs.stdout + lcs.stderr)
        let ancestors = try taxon(["ancestors", "yin_yang.n.01", "--taxonomy", "mine"])
        XCTAssertTrue(ancestors.stdout.contains("symbol.n.01") && ancestors.stdout.contains("entity.n.01"), ancestors.stdout)
        let audit = try taxon(["audit", "embedding", "mine"])
        XCTAssertEqual(audit.status, 0, audit.stderr)

        // A second extension of the same name needs --replace; bad map files name their line.
        XCTAssertTrue(try taxon(["taxonomy", "extend", "--map", map, "--name", "mine"]).stderr.contains("already exists"))
        for (line, error) in [("foo\t-\t-\t0\tnew\t-\t-", "map.tsv:2: 'foo' is new but has no parent"),
                              ("foo\tcat\t-\t0\tmapped\t-\t-", "map.tsv:2: 'cat' has 10 senses"),
                              ("foo\tn02121620\tdog.n.01\t0\tmapped\t-\t-", "map.tsv:2: key n02121620 is cat.n.01, not dog.n.01"),
                              ("foo\tn02121620\t-\t0\tmaybe\t-\t-", "map.tsv:2: status must be 'mapped' or 'new', not 'maybe'"),
                              ("foo\tn99999999\t-\t0\tmapped\t-\t-", "map.tsv:2: 'n99999999' is not a concept of wordnet")] {
            let bad = dir.appendingPathComponent("bad/map.tsv")
            try FileManager.default.createDirectory(at: bad.deletingLastPathComponent(), withIntermediateDirectories: true)
            try "# header\n\(line)\n".write(to: bad, atomically: true, encoding: .utf8)
            let refused = try taxon(["taxonomy", "extend", "--map", bad.path, "--name", "bad"])
            XCTAssertEqual(refused.status, 1)
            XCTAssertTrue(refused.stderr.contains(error), refused.stderr)
        }
        let twice = dir.appendingPathComponent("twice.tsv").path
        try "a\tn02121620\t-\t0\tmapped\t-\t-\nb\t-\tcat.n.01\t0\tmapped\t-\t-\n".write(toFile: twice, atomically: true, encoding: .utf8)
        XCTAssertTrue(try taxon(["taxonomy", "extend", "--map", twice, "--name", "bad"]).stderr.contains("'a' and 'b' are both cat.n.01"))
        XCTAssertFalse(try taxon(["info"]).stdout.contains("  bad "))
    }

    /// train-mapper on the extension (features cached), index with the mapper and folder labels, search and evaluate.
    func testTrainIndexSearchEvaluate() throws {
        XCTAssertEqual(try taxon(["taxonomy", "extend", "--map", map, "--name", "mine"]).status, 0)
        let photos = dir.appendingPathComponent("photos").path
        let trained = try json(["train-mapper", photos, "--embedding", "mine", "--map", map, "--name", "m", "--weights", weights])
        XCTAssertEqual(trained["training_photos"] as? Int, 28)  // 8 per class, one per class held out
        XCTAssertEqual(trained["validation_photos"] as? Int, 4)
        XCTAssertEqual(trained["computed_features"] as? Int, 32)
        XCTAssertEqual(trained["cached_features"] as? Int, 0)
        let curve = try XCTUnwrap(trained["curve"] as? [[String: Any]])
        let kept = try XCTUnwrap(trained["kept_epoch"] as? Int)
        XCTAssertTrue(curve.count >= kept && kept >= 1)
        XCTAssertLessThan(try XCTUnwrap(curve.last?["training_loss"] as? Double), try XCTUnwrap(curve.first?["training_loss"] as? Double))
        // The second run reads every feature from the store.
        let again = try json(["train-mapper", photos, "--embedding", "mine", "--map", map, "--name", "m", "--replace", "--weights", weights])
        XCTAssertEqual(again["cached_features"] as? Int, 32)
        XCTAssertEqual(again["computed_features"] as? Int, 0)
        XCTAssertEqual(again["kept_epoch"] as? Int, kept)

        let indexed = try taxon(["index", photos + "/test", "--collection", "c", "--mapper", "m", "--labels", "folders", "--map", map, "--weights", weights])
        XCTAssertEqual(indexed.status, 0, indexed.stderr)
        XCTAssertTrue(indexed.stdout.contains("collection c: 12 images"), indexed.stdout)
        let listing = try taxon(["info"]).stdout
        XCTAssertTrue(listing.contains("c  12 images  gem  in mine by m  from"), listing)
        XCTAssertTrue(listing.contains("m  classifier over 4 classes  of mine"), listing)

        // A concept of the extension as the query: the garfield photos come first.
        let search = try taxon(["search", "--collection", "c", "--concept", "garfield.n.02", "-k", "3", "--json", "--weights", weights])
        XCTAssertEqual(search.status, 0, search.stderr)
        let hits = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [[String: Any]], search.stdout)
        XCTAssertEqual(hits.compactMap { ($0["path"] as? String)?.hasPrefix("garfield/") }, [true, true, true], search.stdout)

        // Stored folder labels grade the evaluation; the semantic side beats the visual one on these four classes.
        let evaluation = try taxon(["eval", "retrieval", "--collection", "c", "--labels", "stored", "--k", "11", "--ndcg-k", "11", "--json"])
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        let scores = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(evaluation.stdout.utf8)) as? [[String: Any]])
        let mAP = Dictionary(uniqueKeysWithValues: scores.map { ($0["ranking"] as! String, $0["mean_average_precision"] as! Double) })
        XCTAssertGreaterThan(mAP["semantic-first"]!, 0.9, "\(mAP)")
        XCTAssertGreaterThan(mAP["semantic"]!, mAP["visual"]!, "\(mAP)")

        // A mapper a collection's classes come from is not replaced under it.
        let refused = try taxon(["train-mapper", photos, "--embedding", "mine", "--map", map, "--name", "m", "--replace", "--weights", weights])
        XCTAssertTrue(refused.stderr.contains("mapper 'm' names the classes of collection 'c'"), refused.stderr)
        // A classifier trained on Lite2's features is not applied to Lite0's.
        let lite2 = Self.repository.appendingPathComponent("models/data/efficientnet-lite2.safetensors").path
        let onLite2 = try taxon(["train-mapper", photos, "--embedding", "mine", "--map", map, "--name", "m2", "--weights", lite2])
        XCTAssertEqual(onLite2.status, 0, onLite2.stderr)
        let mixed = try taxon(["index", photos + "/test", "--collection", "c2", "--mapper", "m2", "--weights", weights])
        XCTAssertTrue(mixed.stderr.contains("mapper 'm2' was trained on EfficientNet-Lite2 features, not Lite0's"), mixed.stderr)
        // Folder names that are not keys of the classes, without a map.
        let unmapped = try taxon(["train-mapper", photos, "--embedding", "mine", "--name", "m5", "--weights", weights])
        XCTAssertTrue(unmapped.stderr.contains("4 class(es) are not classes of embedding 'mine' (class set mine): airplanes (airplanes)"), unmapped.stderr)
    }

    /// One command from folders to scores, on throwaway names, with the given split or a seeded one.
    func testEvalDataset() throws {
        let photos = dir.appendingPathComponent("photos").path
        let report = try json(["eval", "dataset", "--train", photos + "/train", "--test", photos + "/test", "--map", map, "--weights", weights])
        let rankings = try XCTUnwrap(report["rankings"] as? [[String: Any]])
        XCTAssertEqual(rankings.map { $0["ranking"] as? String }, ["visual", "semantic", "semantic-first"])
        XCTAssertEqual(report["k"] as? Int, 11)  // 12 test photos − 1
        XCTAssertEqual(report["test_photos"] as? Int, 12)
        XCTAssertEqual(report["mapping"] as? String, "map file")
        XCTAssertEqual(report["new_classes"] as? [String], ["garfield", "yin_yang"])
        XCTAssertGreaterThan(try XCTUnwrap(report["accuracy"] as? Double), 0.75)
        for ranking in rankings { XCTAssertNotNil(ranking["mean_ahp"] as? Double) }
        XCTAssertFalse(try taxon(["info"]).stdout.contains("eval-dataset-"), "throwaway names are removed")

        // Without --test: train/ and test/ of the folder, or --split per class.
        let split = try json(["eval", "dataset", "--train", photos + "/train", "--split", "6", "--map", map, "--weights", weights])
        XCTAssertEqual(split["test_photos"] as? Int, 8)
        let own = try json(["eval", "dataset", "--train", photos, "--map", map, "--weights", weights])
        XCTAssertEqual(own["test_photos"] as? Int, 12)
        let neither = try taxon(["eval", "dataset", "--train", photos + "/train", "--map", map, "--weights", weights])
        XCTAssertTrue(neither.stderr.contains("no test photos"), neither.stderr)
        // The indexer does not follow symbolic links: a linked test photo is named, not silently left out.
        let linked = dir.appendingPathComponent("linked/airplanes")
        try FileManager.default.createDirectory(at: linked, withIntermediateDirectories: true)
        let original = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: photos + "/test/airplanes").first)
        try FileManager.default.createSymbolicLink(atPath: linked.appendingPathComponent(original).path, withDestinationPath: photos + "/test/airplanes/" + original)
        let links = try taxon(["eval", "dataset", "--train", photos + "/train", "--test", linked.deletingLastPathComponent().path, "--map", map, "--weights", weights])
        XCTAssertTrue(links.stderr.contains("airplanes/\(original): a test photo the indexer passed over"), links.stderr)
    }
}
