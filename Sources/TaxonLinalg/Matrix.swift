import COpenBLAS

/// A dense row-major matrix of Doubles: the one shape the BLAS/LAPACK
/// wrappers below take and return.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]

    /// A matrix with every entry `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        values = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix over row-major `values` (rows × columns of them).
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "\(rows)×\(columns) needs \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The entry at (row, column).
    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// One row, without copying.
    public func row(_ index: Int) -> ArraySlice<Double> { values[index * columns..<(index + 1) * columns] }

    /// The Euclidean norm of every row.
    public func rowNorms() -> [Double] { (0..<rows).map { row($0).reduce(0) { $0 + $1 * $1 }.squareRoot() } }

    public var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for r in 0..<rows { for c in 0..<columns { result.values[c * rows + r] = values[r * columns + c] } }
        return result
    }

    /// The first `count` columns.
    public func leadingColumns(_ count: Int) -> Matrix {
        var result = Matrix(rows: rows, columns: count)
        for r in 0..<rows { result.values[r * count..<(r + 1) * count] = values[r * columns..<r * columns + count] }
        return result
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> Matrix {
        var result = Matrix(rows: n, columns: n)
        for i in 0..<n { result[i, i] = 1 }
        return result
    }
}

// MARK: BLAS

/// op(A)·op(B) (dgemm).
public func multiply(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
    let m = transposeA ? a.columns : a.rows, k = transposeA ? a.rows : a.columns
    let n = transposeB ? b.rows : b.columns
    precondition(k == (transposeB ? b.columns : b.rows), "inner dimensions differ")
    var c = Matrix(rows: m, columns: n)
    guard m > 0, n > 0, k > 0 else { return c }
    cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a.values, Int32(a.columns), b.values, Int32(b.columns), 0, &c.values, Int32(n))
    return c
}

/// A·x, or Aᵀ·x with `transposeA` (dgemv).
public func multiply(_ a: Matrix, _ x: [Double], transposeA: Bool = false) -> [Double] {
    let (inputs, outputs) = transposeA ? (a.rows, a.columns) : (a.columns, a.rows)
    precondition(x.count == inputs, "A is \(a.rows) × \(a.columns), x has \(x.count) entries")
    var y = [Double](repeating: 0, count: outputs)
    guard a.rows > 0, a.columns > 0 else { return y }
    cblas_dgemv(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, Int32(a.rows), Int32(a.columns), 1, a.values, Int32(a.columns),
                x, 1, 0, &y, 1)
    return y
}

/// A·Aᵀ, the Gram matrix of A's rows (dsyrk, then the upper triangle mirrored).
public func gram(_ a: Matrix) -> Matrix {
    var c = Matrix(rows: a.rows, columns: a.rows)
    guard a.rows > 0, a.columns > 0 else { return c }
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, Int32(a.rows), Int32(a.columns), 1, a.values, Int32(a.columns), 0,
                &c.values, Int32(a.rows))
    for i in 0..<a.rows { for j in (i + 1)..<a.rows { c.values[i * a.rows + j] = c.values[j * a.rows + i] } }
    return c
}

// MARK: LAPACK

/// The lower Cholesky factor L of a symmetric positive-definite S = L·Lᵀ (dpotrf).
public func cholesky(_ s: Matrix) throws -> Matrix {
    guard s.rows == s.columns else { throw LinalgError.notSquare(rows: s.rows, elements: s.values.count) }
    var l = s
    let info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(s.rows), &l.values, Int32(s.rows))
    if info > 0 { throw LinalgError.notPositiveDefinite(minor: Int(info)) }
    guard info == 0 else { throw LinalgError.lapack(routine: "dpotrf", info: info) }
    for i in 0..<s.rows { for j in (i + 1)..<s.rows { l.values[i * s.rows + j] = 0 } }
    return l
}

/// The `count` largest eigenvalues of a symmetric matrix, descending, with
/// their eigenvectors as columns (dsyevr with an index range).
public func largestEigenpairs(_ s: Matrix, count: Int) throws -> (values: [Double], vectors: Matrix) {
    let n = s.rows
    guard s.rows == s.columns else { throw LinalgError.notSquare(rows: s.rows, elements: s.values.count) }
    let k = min(count, n)
    guard k > 0 else { return ([], Matrix(rows: n, columns: 0)) }
    var a = s.values
    var found: Int32 = 0
    var values = [Double](repeating: 0, count: n)
    var vectors = [Double](repeating: 0, count: n * k)
    var support = [Int32](repeating: 0, count: 2 * k)
    let info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "I")), CChar(UInt8(ascii: "L")),
                              Int32(n), &a, Int32(n), 0, 0, Int32(n - k + 1), Int32(n), 0, &found, &values, &vectors, Int32(k), &support)
    guard info == 0, Int(found) == k else { throw LinalgError.lapack(routine: "dsyevr", info: info) }
    // dsyevr returns them ascending: reverse to descending.
    var ordered = Matrix(rows: n, columns: k)
    for r in 0..<n { for c in 0..<k { ordered.values[r * k + c] = vectors[r * k + (k - 1 - c)] } }
    return (Array(values.prefix(k).reversed()), ordered)
}

/// Every eigenpair of a symmetric matrix, eigenvalues descending, eigenvectors
/// as columns (dsyevd: divide and conquer, the fastest route when most
/// eigenvectors are wanted).
public func symmetricEigenpairs(_ s: Matrix) throws -> (values: [Double], vectors: Matrix) {
    guard s.rows == s.columns else { throw LinalgError.notSquare(rows: s.rows, elements: s.values.count) }
    let n = s.rows
    var a = s.values
    var values = [Double](repeating: 0, count: n)
    let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")), Int32(n), &a, Int32(n), &values)
    guard info == 0 else { throw LinalgError.lapack(routine: "dsyevd", info: info) }
    var ordered = Matrix(rows: n, columns: n)
    for r in 0..<n { for c in 0..<n { ordered.values[r * n + c] = a[r * n + (n - 1 - c)] } }
    return (values.reversed(), ordered)
}

/// An orthonormal basis of A's column space, A tall (dgeqrf + dorgqr).
public func orthonormalColumns(_ a: Matrix) throws -> Matrix {
    precondition(a.rows >= a.columns, "orthonormalColumns needs a tall matrix")
    var q = a
    var tau = [Double](repeating: 0, count: a.columns)
    var info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, Int32(a.rows), Int32(a.columns), &q.values, Int32(a.columns), &tau)
    guard info == 0 else { throw LinalgError.lapack(routine: "dgeqrf", info: info) }
    info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, Int32(a.rows), Int32(a.columns), Int32(a.columns), &q.values, Int32(a.columns), &tau)
    guard info == 0 else { throw LinalgError.lapack(routine: "dorgqr", info: info) }
    return q
}

/// Top-k eigenpairs of a symmetric positive-semidefinite operator known only by
/// its product with a block of vectors (randomized subspace iteration, Halko,
/// Martinsson & Tropp 2011, with `oversampling` extra vectors and `iterations`
/// power steps). Deterministic for a given seed.
public func randomizedEigenpairs(
    size n: Int, count k: Int, oversampling: Int = 16, iterations: Int = 4, seed: UInt64 = 1,
    apply: (Matrix) throws -> Matrix
) throws -> (values: [Double], vectors: Matrix) {
    let width = min(n, k + oversampling)
    var generator = SplitMix64(seed: seed)
    let start = Matrix(rows: n, columns: width, values: (0..<n * width).map { _ in generator.nextUnit() * 2 - 1 })
    var basis = try orthonormalColumns(try apply(start))
    for _ in 0..<iterations { basis = try orthonormalColumns(try apply(basis)) }
    // Rayleigh–Ritz: the small projected problem, then back to n dimensions.
    let projected = multiply(basis, try apply(basis), transposeA: true)
    var symmetric = projected
    for i in 0..<width { for j in 0..<width { symmetric[i, j] = (projected[i, j] + projected[j, i]) / 2 } }
    let (values, small) = try largestEigenpairs(symmetric, count: min(k, width))
    return (values, multiply(basis, small))
}
