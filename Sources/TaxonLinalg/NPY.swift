import Foundation

/// NumPy's .npy format, version 1.0: magic, a header dict padded with spaces
/// to a multiple of 64 bytes and ended by a newline, then the raw data
/// (little-endian, C order).
public enum NPY {
    /// Writes float64 values (C order) as a .npy file.
    public static func write(_ values: [Double], shape: [Int], to path: String) throws {
        try write(values.withUnsafeBytes { Data($0) }, descr: "<f8", shape: shape, to: path)
    }

    /// Writes float32 values (C order) as a .npy file.
    public static func write(_ values: [Float], shape: [Int], to path: String) throws {
        try write(values.withUnsafeBytes { Data($0) }, descr: "<f4", shape: shape, to: path)
    }

    static func header(descr: String, shape: [Int]) -> Data {
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var header = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        withUnsafeBytes(of: UInt16(dict.utf8.count).littleEndian) { header.append(contentsOf: $0) }
        header.append(contentsOf: Array(dict.utf8))
        return header
    }

    private static func write(_ data: Data, descr: String, shape: [Int], to path: String) throws {
        precondition(UInt32(1).littleEndian == 1, "NPY writes little-endian data as it is in memory")
        var file = header(descr: descr, shape: shape)
        file.append(data)
        try file.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
