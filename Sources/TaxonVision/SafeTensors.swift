import Foundation

/// A weights file that is missing, unreadable or not safetensors, or a tensor with an unexpected shape.
public enum WeightsError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case missingTensor(path: String, name: String)
    case wrongShape(path: String, name: String, shape: [Int], expected: [Int])

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): \(reason); scripts/setup.sh fetches the EfficientNet-Lite0 weights"
        case let .malformed(path, reason): return "\(path): not a safetensors file: \(reason)"
        case let .missingTensor(path, name): return "\(path): no tensor '\(name)'"
        case let .wrongShape(path, name, shape, expected): return "\(path): tensor '\(name)' has shape \(shape), expected \(expected)"
        }
    }
}

/// The float32 tensors of a .safetensors file: an 8-byte little-endian
/// header length, a JSON header {name: {dtype, shape, data_offsets}}, then
/// the raw little-endian data. Other dtypes (BatchNorm's int64 counters) are
/// skipped.
public struct SafeTensors: Sendable {
    public let path: String
    private let tensors: [String: (shape: [Int], values: [Float])]

    /// Reads the whole file and parses its header.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsError.unreadable(path: path, reason: "cannot read the file")
        }
        guard data.count >= 8 else { throw WeightsError.malformed(path: path, reason: "shorter than its header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else {
            throw WeightsError.malformed(path: path, reason: "header length \(headerLength) beyond the file")
        }
        let body = data.count - 8 - Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + Int(headerLength)))) as? [String: Any] else {
            throw WeightsError.malformed(path: path, reason: "the header is not a JSON object")
        }
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String, let shape = info["shape"] as? [Int],
                  let offsets = info["data_offsets"] as? [Int], offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= body
            else { throw WeightsError.malformed(path: path, reason: "bad entry for '\(name)'") }
            guard dtype == "F32" else { continue }
            let count = shape.reduce(1, *)
            guard shape.allSatisfy({ $0 >= 0 }), count * 4 == offsets[1] - offsets[0] else {
                throw WeightsError.malformed(path: path, reason: "'\(name)': shape \(shape) does not fill its \(offsets[1] - offsets[0]) bytes")
            }
            let start = 8 + Int(headerLength) + offsets[0]
            let values = data.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: start + 4 * $0, as: UInt32.self).littleEndian) }
            }
            tensors[name] = (shape, values)
        }
        self.path = path
        self.tensors = tensors
    }

    public var names: [String] { tensors.keys.sorted() }

    /// The tensor's values (row-major), checked against `shape`.
    public func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        guard let tensor = tensors[name] else { throw WeightsError.missingTensor(path: path, name: name) }
        guard tensor.shape == shape else { throw WeightsError.wrongShape(path: path, name: name, shape: tensor.shape, expected: shape) }
        return tensor.values
    }
}
