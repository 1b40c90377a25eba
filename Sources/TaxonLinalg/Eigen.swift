import COpenBLAS

/// A matrix of the wrong shape, one that is not positive definite, or a LAPACK routine's failure (its info code).
public enum LinalgError: Error, CustomStringConvertible, Equatable {
    case notSquare(rows: Int, elements: Int)
    case notPositiveDefinite(minor: Int)
    case lapack(routine: String, info: Int32)

    public var description: String {
        switch self {
        case let .notSquare(rows, elements): return "expected a \(rows)×\(rows) matrix, got \(elements) elements"
        case let .notPositiveDefinite(minor): return "the matrix is not positive definite (its leading minor of order \(minor) is not)"
        case let .lapack(routine, info): return "LAPACK \(routine) failed (info \(info))"
        }
    }
}

/// The `count` smallest eigenvalues of a symmetric n×n matrix (row-major,
/// only the lower triangle is read), ascending — LAPACK's dsyevr with an index
/// range, so only those eigenvalues are computed.
public func smallestEigenvalues(ofSymmetric matrix: [Double], n: Int, count: Int = 1) throws -> [Double] {
    guard matrix.count == n * n else { throw LinalgError.notSquare(rows: n, elements: matrix.count) }
    guard n > 0 else { return [] }
    var a = matrix  // dsyevr destroys its input; lapack_int is a macro for Int32 here
    var found: Int32 = 0
    var values = [Double](repeating: 0, count: n)
    var vectors = [Double](repeating: 0, count: 1)
    var support = [Int32](repeating: 0, count: 2 * n)
    let wanted = Int32(min(count, n))
    let info = LAPACKE_dsyevr(
        LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "I")), CChar(UInt8(ascii: "L")), Int32(n), &a, Int32(n),
        0, 0, 1, wanted, 0, &found, &values, &vectors, 1, &support)
    guard info == 0 else { throw LinalgError.lapack(routine: "dsyevr", info: info) }
    return Array(values.prefix(Int(found)))
}
