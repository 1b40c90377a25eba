import Foundation
import TaxonLinalg
import TaxonModel

/// Labelled photos in the torchvision `ImageFolder` convention: one sub-folder per class, named by the class.
public struct FolderDataset: Sendable {
    /// A photo (absolute path) and the name of its class folder.
    public struct Photo: Sendable, Equatable { public let path: String; public let className: String }
    /// The class folders, in name order.
    public let classNames: [String]
    public let photos: [Photo]
    /// The folder holding the class folders (absolute).
    public let root: String

    /// The classes and photos below `folder`; a folder holding no class folder with photos is an error naming it.
    public init(folder: String) throws {
        root = URL(fileURLWithPath: absolutePath(folder)).standardizedFileURL.path
        let classes = try NamedClass.folders(in: root).filter { !$0.photos.isEmpty }
        guard !classes.isEmpty else { throw ServiceError.invalid("\(folder): no sub-folders with .jpg, .jpeg or .png photos (one folder per class)") }
        classNames = classes.map(\.name)
        photos = classes.flatMap { named in named.photos.map { Photo(path: $0, className: named.name) } }
    }

    init(root: String, classNames: [String], photos: [Photo]) { (self.root, self.classNames, self.photos) = (root, classNames, photos) }

    /// A dataset's training and test photos: `DIR/train` and `DIR/test` when both are there, else `DIR` cut
    /// `perClass` photos of each class for training (a seeded shuffle) and the rest for test; without either, all
    /// of `DIR` for training and no test photos.
    public static func splits(of folder: String, perClass: Int?, seed: UInt64) throws -> (train: FolderDataset, test: FolderDataset?) {
        let train = (folder as NSString).appendingPathComponent("train"), test = (folder as NSString).appendingPathComponent("test")
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: train, isDirectory: &isFolder), isFolder.boolValue,
           FileManager.default.fileExists(atPath: test, isDirectory: &isFolder), isFolder.boolValue {
            guard perClass == nil else { throw ServiceError.invalid("\(folder) has train/ and test/ already: leave out --split") }
            return (try FolderDataset(folder: train), try FolderDataset(folder: test))
        }
        let all = try FolderDataset(folder: folder)
        guard let perClass else { return (all, nil) }
        guard perClass > 0 else { throw ServiceError.invalid("--split must be at least 1 photo per class") }
        let (kept, rest) = all.split(perClass: { _ in perClass }, seed: seed)
        return (kept, rest)
    }

    /// Each class's photos shuffled (seeded) and cut: the first `count(photos of the class)` into the first part.
    public func split(perClass count: (Int) -> Int, seed: UInt64) -> (FolderDataset, FolderDataset) {
        var generator = SplitMix64(seed: seed)
        var first: [Photo] = [], second: [Photo] = []
        for name in classNames {
            var members = photos.filter { $0.className == name }
            generator.shuffle(&members)
            let cut = min(max(count(members.count), 0), members.count)
            first += members[..<cut]
            second += members[cut...]
        }
        return (FolderDataset(root: root, classNames: classNames, photos: first), FolderDataset(root: root, classNames: classNames, photos: second))
    }

    /// `share` of each class's photos held out (seeded; at least one of a class with two or more, none of a class with one).
    public func holdOut(_ share: Double, seed: UInt64) -> (kept: FolderDataset, heldOut: FolderDataset) {
        let (heldOut, kept) = split(perClass: { count in count < 2 || share <= 0 ? 0 : max(1, Int((Double(count) * share).rounded())) }, seed: seed)
        return (kept, heldOut)
    }
}

/// Class names (folder names) to concept keys: a reviewed map file's, else each name that is a key already.
public struct ClassKeys: Sendable {
    /// Name → key.
    public let keys: [String: String]

    /// The keys of a reviewed map file (mapped names → their concept's key; new names → the key
    /// `taxon taxonomy extend` gives them), resolved in `taxonomy` (the extension's base, or the extension; nil:
    /// the store's default taxonomy).
    public init(map: String, store: Store, taxonomy: TaxonomyInfo? = nil) throws {
        let file = try ClassMapFile.read(map, store: store, taxonomy: try taxonomy ?? store.taxonomy(named: nil))
        keys = Dictionary(uniqueKeysWithValues: file.entries.map { name, target in
            switch target {
            case let .mapped(concept): return (name, concept.key)
            case .new: return (name, ClassMapFile.newKey(name))
            }
        })
    }

    /// Names that are keys map to themselves.
    public init(identity names: [String]) { keys = Dictionary(uniqueKeysWithValues: names.map { ($0, $0) }) }

    /// Name → key pairs as they are (an extension's, `TaxonomyExtensionReport.keys`).
    public init(_ keys: [String: String]) { self.keys = keys }

    /// The key of each name, or an error naming the ones without a key.
    public func keys(of names: [String], source: String) throws -> [String] {
        let missing = names.filter { keys[$0] == nil }
        guard missing.isEmpty else {
            throw ServiceError.invalid("\(source): \(missing.count) class folder(s) name no class: \(missing.prefix(5).joined(separator: ", ")) "
                                       + "(give --map with a reviewed map file from taxon classes map)")
        }
        return names.map { keys[$0]! }
    }
}
