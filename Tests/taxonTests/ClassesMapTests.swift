import Foundation
import TaxonTesting
import XCTest

/// `taxon classes map` on real Caltech-101 photos and on names alone, against a store with WordNet and the ILSVRC classes.
final class ClassesMapTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private var executable: URL { Bundle.main.bundleURL.appendingPathComponent("taxon") }
    private var db = ""
    private var weights = ""

    override func setUpWithError() throws {
        weights = try TestData.weights()
        try TestData.debianWordNet()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-classes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        db = dir.appendingPathComponent("s.sqlite").path
        let wnids = Self.repository.appendingPathComponent("ontologies/imagenet/ilsvrc2012_wnids.txt").path
        for arguments in [["import", "wordnet"], ["import", "imagenet", "--wnids", wnids, "--name", "ilsvrc2012"]] {
            let imported = try Subprocess.run(executable, arguments + ["--db", db])
            XCTAssertEqual(imported.status, 0, imported.stderr)
        }
    }

    private func map(_ arguments: [String]) throws -> [String: [String: Any]] {
        let result = try Subprocess.run(executable, ["classes", "map"] + arguments + ["--json", "--weights", weights, "--db", db])
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as! String, $0) })
    }

    /// Folders of photos: the photos pick the sense (bass: the fish, not the voice); garfield (a president in WordNet) is new.
    func testFoldersOfPhotos() throws {
        let caltech = try TestData.sharedFile("caltech101/train")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-classes-photos-\(UUID().uuidString)")
        for name in ["airplanes", "bass", "garfield"] {
            let source = (caltech as NSString).appendingPathComponent(name)
            let target = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for photo in try FileManager.default.contentsOfDirectory(atPath: source).sorted().prefix(8) {
                try FileManager.default.createSymbolicLink(atPath: target.appendingPathComponent(photo).path,
                                                           withDestinationPath: (source as NSString).appendingPathComponent(photo))
            }
        }
        let mapped = try map([folder.path, "--photos", "8"])
        XCTAssertEqual(mapped["airplanes"]?["key"] as? String, "n02691156")  // airplane.n.01
        XCTAssertEqual(mapped["airplanes"]?["matched"] as? String, "airplane")
        XCTAssertEqual(mapped["bass"]?["key"] as? String, "n02565573")  // bass.n.08, the spiny-finned fishes
        XCTAssertEqual(mapped["garfield"]?["new"] as? Bool, true)
        XCTAssertNil(mapped["garfield"]?["key"] as? String)
        XCTAssertNotNil(mapped["garfield"]?["parent_key"] as? String)
        let runnersUp = try XCTUnwrap(mapped["garfield"]?["runners_up"] as? [[String: Any]])
        XCTAssertEqual(runnersUp.first?["concept"] as? String, "garfield.n.01")

        // The reviewable file.
        let out = folder.appendingPathComponent("map.tsv").path
        let written = try Subprocess.run(executable, ["classes", "map", folder.path, "--photos", "8", "--out", out, "--weights", weights, "--db", db])
        XCTAssertEqual(written.status, 0, written.stderr)
        XCTAssertTrue(written.stdout.contains("3 classes, 1 new"), written.stdout)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(lines.first?.first, "# name")
        XCTAssertEqual(lines.first { $0.first == "bass" }?[1...2], ["n02565573", "bass.n.08"])
        XCTAssertEqual(lines.first { $0.first == "garfield" }?[4], "new")
    }

    /// Names alone: the other classes choose the sense; case, hyphens, plurals, one typo and keys are taken.
    func testNamesAlone() throws {
        XCTAssertEqual(try map(["crane", "flamingo", "ibis", "pigeon"])["crane"]?["concept"] as? String, "crane.n.05")  // the bird
        XCTAssertEqual(try map(["crane", "bulldozer", "forklift"])["crane"]?["concept"] as? String, "crane.n.04")  // the machine
        let mapped = try map(["Airplanes", "water-lilly", "car_side", "n02084071", "xyzzyq"])
        XCTAssertEqual(mapped["Airplanes"]?["concept"] as? String, "airplane.n.01")
        XCTAssertEqual(mapped["water-lilly"]?["concept"] as? String, "water_lily.n.01")
        XCTAssertEqual(mapped["car_side"]?["matched"] as? String, "side car")
        XCTAssertEqual(mapped["n02084071"]?["concept"] as? String, "dog.n.01")
        XCTAssertEqual(mapped["xyzzyq"]?["new"] as? Bool, true)
        // Two names, one concept: the whole-name match keeps it, the other is proposed new under it.
        let parts = try map(["crocodile", "crocodile_head", "flamingo"])
        XCTAssertEqual(parts["crocodile"]?["concept"] as? String, "crocodile.n.01")
        XCTAssertEqual(parts["crocodile_head"]?["new"] as? Bool, true)
        XCTAssertEqual(parts["crocodile_head"]?["parent"] as? String, "crocodile.n.01")

        let missing = try Subprocess.run(executable, ["classes", "map", "/no/such/folder", "--db", db])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/no/such/folder"), missing.stderr)

        // A folder without class folders, and a "photo" that is not one: one error each, naming the folder or the file.
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-classes-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let none = try Subprocess.run(executable, ["classes", "map", empty.path, "--weights", weights, "--db", db])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("no classes: \(empty.path) has no sub-folders"), none.stderr)
        let fake = empty.appendingPathComponent("cat/fake.jpg")
        try FileManager.default.createDirectory(at: fake.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not a photo".utf8).write(to: fake)
        let bad = try Subprocess.run(executable, ["classes", "map", empty.path, "--weights", weights, "--db", db])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains(fake.path), bad.stderr)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
    }
}
