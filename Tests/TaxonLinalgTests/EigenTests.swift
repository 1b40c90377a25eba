import XCTest
@testable import TaxonLinalg

final class EigenTests: XCTestCase {
    func testKnownSpectrum() throws {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        XCTAssertEqual(try smallestEigenvalues(ofSymmetric: [2, 1, 1, 2], n: 2, count: 2), [1, 3].map { Double($0) })
        // A diagonal matrix: its diagonal, sorted.
        let diagonal: [Double] = [5, 0, 0, 0, -2, 0, 0, 0, 7]
        XCTAssertEqual(try smallestEigenvalues(ofSymmetric: diagonal, n: 3), [-2])
    }

    func testAgainstTheTraceAndDeterminantOfRandomMatrices() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let (a, b, c) = (Double.random(in: -3...3, using: &generator), Double.random(in: -3...3, using: &generator),
                             Double.random(in: -3...3, using: &generator))
            let values = try smallestEigenvalues(ofSymmetric: [a, b, b, c], n: 2, count: 2)
            XCTAssertEqual(values[0] + values[1], a + c, accuracy: 1e-12)
            XCTAssertEqual(values[0] * values[1], a * c - b * b, accuracy: 1e-12)
            XCTAssertLessThanOrEqual(values[0], values[1])
        }
    }

    func testShapeIsChecked() {
        XCTAssertThrowsError(try smallestEigenvalues(ofSymmetric: [1, 2, 3], n: 2))
    }
}

final class NPYTests: XCTestCase {
    func testHeaderAndDataFollowTheFormat() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString).npy").path
        let values: [Double] = [1, 0.5, 0.5, 1, -0.25, 2]
        try NPY.write(values, shape: [3, 2], to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes[0..<8]), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }"), header)
        XCTAssertTrue(header.hasSuffix(" \n"))
        let data = Array(bytes[(10 + headerLength)...])
        XCTAssertEqual(data.count, 48)
        let decoded = data.withUnsafeBytes { raw in (0..<6).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) } }
        XCTAssertEqual(decoded, values)
        XCTAssertTrue(String(decoding: NPY.header(descr: "<f4", shape: [7]), as: UTF8.self).contains("'shape': (7,)"))
    }
}
