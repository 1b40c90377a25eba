import XCTest
@testable import TaxonLinalg

/// Each wrapper against a naive implementation on random matrices.
final class MatrixTests: XCTestCase {
    private var generator = SystemRandomNumberGenerator()

    private func random(_ rows: Int, _ columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, values: (0..<rows * columns).map { _ in Double.random(in: -1...1, using: &generator) })
    }

    private func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
        var c = Matrix(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows { for j in 0..<b.columns { for k in 0..<a.columns { c[i, j] += a[i, k] * b[k, j] } } }
        return c
    }

    private func assertClose(_ a: Matrix, _ b: Matrix, _ tolerance: Double = 1e-10, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.rows, b.rows, file: file, line: line)
        XCTAssertEqual(a.columns, b.columns, file: file, line: line)
        let worst = zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, file: file, line: line)
    }

    /// A random symmetric positive-definite matrix with unit diagonal.
    private func correlation(_ n: Int) -> Matrix {
        let g = gram(random(n, n + 3))
        var s = g
        for i in 0..<n { for j in 0..<n { s[i, j] = g[i, j] / (g[i, i] * g[j, j]).squareRoot() } }
        return s
    }

    func testGemmGemvAndSyrk() {
        let a = random(5, 7), b = random(7, 3)
        assertClose(multiply(a, b), naiveProduct(a, b))
        assertClose(multiply(a.transposed, b, transposeA: true), naiveProduct(a, b))
        assertClose(multiply(a, b.transposed, transposeB: true), naiveProduct(a, b))
        let x = (0..<7).map { Double($0) - 3 }
        assertClose(Matrix(rows: 5, columns: 1, values: multiply(a, x)), naiveProduct(a, Matrix(rows: 7, columns: 1, values: x)))
        assertClose(gram(a), naiveProduct(a, a.transposed))
    }

    func testCholesky() throws {
        let s = correlation(12)
        let l = try cholesky(s)
        assertClose(naiveProduct(l, l.transposed), s)
        for i in 0..<12 { for j in (i + 1)..<12 { XCTAssertEqual(l[i, j], 0) } }
        XCTAssertThrowsError(try cholesky(Matrix(rows: 2, columns: 2, values: [1, 2, 2, 1]))) { error in
            XCTAssertEqual(error as? LinalgError, .notPositiveDefinite(minor: 2))
        }
    }

    func testEigenpairsSatisfyTheirEquation() throws {
        let s = correlation(10)
        let (values, vectors) = try largestEigenpairs(s, count: 4)
        XCTAssertEqual(values, values.sorted(by: >))
        for c in 0..<4 {
            let v = (0..<10).map { vectors[$0, c] }
            let sv = multiply(s, v)
            for r in 0..<10 { XCTAssertEqual(sv[r], values[c] * v[r], accuracy: 1e-10) }
            XCTAssertEqual(v.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-12)
        }
        XCTAssertEqual(try smallestEigenvalues(ofSymmetric: s.values, n: 10, count: 10).last!, values[0], accuracy: 1e-10)
    }

    func testOrthonormalColumns() throws {
        let q = try orthonormalColumns(random(20, 6))
        assertClose(multiply(q, q, transposeA: true), .identity(6), 1e-12)
    }

    func testRandomizedEigenpairsMatchTheExactOnes() throws {
        // A rank-5 matrix plus a little: the randomized method must find its top 5.
        let factor = random(60, 5)
        var s = gram(factor)
        for i in 0..<60 { s[i, i] += 1e-3 }
        let exact = try largestEigenpairs(s, count: 5)
        let approximate = try randomizedEigenpairs(size: 60, count: 5) { multiply(s, $0) }
        for (a, b) in zip(exact.values, approximate.values) { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, a)) }
        // Same subspace: |⟨u, v⟩| = 1 for matching vectors (signs may differ).
        for c in 0..<5 {
            let dot = (0..<60).reduce(0.0) { $0 + exact.vectors[$1, c] * approximate.vectors[$1, c] }
            XCTAssertEqual(abs(dot), 1, accuracy: 1e-6)
        }
    }
}
