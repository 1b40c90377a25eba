import Foundation
import TaxonKit
import XCTest

/// Folder datasets (torchvision's ImageFolder convention) and their seeded splits.
final class FolderDatasetTests: XCTestCase {
    /// DIR/<class>/<n>.jpg for each class with that many (undecoded) files, plus things that are no class.
    private func folder(_ classes: [String: Int]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-dataset-\(UUID().uuidString)")
        for (name, count) in classes {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
            for n in 0..<count { try Data([0xFF, 0xD8]).write(to: root.appendingPathComponent("\(name)/\(n).jpg")) }
        }
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".hidden"), withIntermediateDirectories: true)
        try Data().write(to: root.appendingPathComponent(".hidden/0.jpg"))
        try Data().write(to: root.appendingPathComponent("notes.jpg"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("empty"), withIntermediateDirectories: true)
        return root.path
    }

    func testClassesAreTheFirstFolderLevel() throws {
        let dataset = try FolderDataset(folder: try folder(["b": 2, "a": 3]))
        XCTAssertEqual(dataset.classNames, ["a", "b"])
        XCTAssertEqual(dataset.photos.map(\.className), ["a", "a", "a", "b", "b"])
        XCTAssertTrue(dataset.photos.allSatisfy { $0.path.hasPrefix(dataset.root + "/") })
        let bare = try folder([:])
        XCTAssertThrowsError(try FolderDataset(folder: bare)) { XCTAssertTrue("\($0)".contains("\(bare): no sub-folders with"), "\($0)") }
    }

    func testSeededSplitPerClass() throws {
        let root = try folder(["a": 10, "b": 5, "c": 1])
        let (train, test) = try FolderDataset.splits(of: root, perClass: 3, seed: 1)
        let testPhotos = try XCTUnwrap(test)
        XCTAssertEqual(train.photos.filter { $0.className == "a" }.count, 3)
        XCTAssertEqual(train.photos.filter { $0.className == "c" }.count, 1)
        XCTAssertEqual(testPhotos.photos.filter { $0.className == "a" }.count, 7)
        XCTAssertEqual(testPhotos.photos.filter { $0.className == "c" }.count, 0)
        XCTAssertEqual(Set(train.photos.map(\.path)).union(testPhotos.photos.map(\.path)).count, 16)
        XCTAssertTrue(Set(train.photos.map(\.path)).isDisjoint(with: testPhotos.photos.map(\.path)))
        XCTAssertEqual(try FolderDataset.splits(of: root, perClass: 3, seed: 1).train.photos, train.photos, "same seed, same split")
        XCTAssertNotEqual(try FolderDataset.splits(of: root, perClass: 3, seed: 2).train.photos, train.photos)
        XCTAssertNil(try FolderDataset.splits(of: root, perClass: nil, seed: 1).test)
        XCTAssertThrowsError(try FolderDataset.splits(of: root, perClass: 0, seed: 1))

        // A tenth held out for validation: at least one of a class with two or more photos, none of a class with one.
        let (kept, heldOut) = try FolderDataset(folder: root).holdOut(0.1, seed: 1)
        XCTAssertEqual(heldOut.photos.map(\.className), ["a", "b"])
        XCTAssertEqual(kept.photos.count, 14)
    }

    func testTrainAndTestFolders() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-dataset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: try folder(["a": 4, "b": 4]), toPath: root.appendingPathComponent("train").path)
        try FileManager.default.moveItem(atPath: try folder(["a": 2]), toPath: root.appendingPathComponent("test").path)
        let (train, test) = try FolderDataset.splits(of: root.path, perClass: nil, seed: 1)
        XCTAssertEqual(train.photos.count, 8)
        XCTAssertEqual(test?.photos.count, 2)
        XCTAssertThrowsError(try FolderDataset.splits(of: root.path, perClass: 3, seed: 1)) { XCTAssertTrue("\($0)".contains("has train/ and test/ already")) }
    }
}
