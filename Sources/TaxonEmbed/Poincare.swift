import Foundation

/// A Riemannian manifold that embeddings are trained on. Points are rows of a
/// flat row-major buffer of `dims` coordinates each.
public protocol Manifold: Sendable {
    var dims: Int { get }
    /// d(u, v) between rows `u` and `v`.
    func distance(_ points: UnsafeBufferPointer<Double>, _ u: Int, _ v: Int) -> Double
    /// Adds `scale` × the Euclidean gradients ∂d/∂u and ∂d/∂v into `gu` and `gv`.
    func accumulateGradient(_ points: UnsafeBufferPointer<Double>, _ u: Int, _ v: Int, scale: Double,
                            _ gu: UnsafeMutableBufferPointer<Double>, _ gv: UnsafeMutableBufferPointer<Double>)
    /// One Riemannian SGD step on row `row` from its Euclidean gradient.
    func step(_ points: UnsafeMutableBufferPointer<Double>, _ row: Int, gradient: UnsafeBufferPointer<Double>, learningRate: Double)
}

/// ‖u‖², ‖v‖² and ⟨u, v⟩ of rows `u` and `v` of a row-major buffer.
@inline(__always)
func rowProducts(_ p: UnsafeBufferPointer<Double>, dims: Int, _ u: Int, _ v: Int) -> (uu: Double, vv: Double, uv: Double) {
    var uu = 0.0, vv = 0.0, uv = 0.0
    let a = u * dims, b = v * dims
    for k in 0..<dims {
        uu += p[a + k] * p[a + k]
        vv += p[b + k] * p[b + k]
        uv += p[a + k] * p[b + k]
    }
    return (uu, vv, uv)
}

/// The Poincaré ball of Nickel & Kiela (2017): d(u, v) = arcosh(1 + 2‖u − v‖² /
/// ((1 − ‖u‖²)(1 − ‖v‖²))); the Riemannian gradient is (1 − ‖θ‖²)²/4 times
/// the Euclidean one; after each step a point is pulled back to ‖θ‖ ≤ 1 − ε
/// (and, for entailment cones, pushed out to ‖θ‖ ≥ `minimumNorm`).
public struct PoincareBall: Manifold {
    public let dims: Int
    public let epsilon: Double
    public let minimumNorm: Double

    /// A ball of `dims` dimensions; points are kept `epsilon` inside its boundary and, for cones, at least `minimumNorm` from the origin.
    public init(dims: Int, epsilon: Double = 1e-5, minimumNorm: Double = 0) {
        self.dims = dims
        self.epsilon = epsilon
        self.minimumNorm = minimumNorm
    }

    @inline(__always)
    private func terms(_ p: UnsafeBufferPointer<Double>, _ u: Int, _ v: Int) -> (uu: Double, vv: Double, uv: Double, diff: Double) {
        let (uu, vv, uv) = rowProducts(p, dims: dims, u, v)
        return (uu, vv, uv, max(uu + vv - 2 * uv, 0))
    }

    /// The Poincaré distance between rows u and v.
    public func distance(_ points: UnsafeBufferPointer<Double>, _ u: Int, _ v: Int) -> Double {
        let t = terms(points, u, v)
        return acosh(max(1 + 2 * t.diff / ((1 - t.uu) * (1 - t.vv)), 1))
    }

    /// Adds `scale` × the Euclidean gradient of d(u, v) to the two rows' gradients.
    public func accumulateGradient(_ points: UnsafeBufferPointer<Double>, _ u: Int, _ v: Int, scale: Double,
                                   _ gu: UnsafeMutableBufferPointer<Double>, _ gv: UnsafeMutableBufferPointer<Double>) {
        let t = terms(points, u, v)
        let alpha = 1 - t.uu, beta = 1 - t.vv
        let gamma = 1 + 2 * t.diff / (alpha * beta)
        // ∂arcosh(γ)/∂γ = 1/√(γ² − 1): undefined at u = v, where the gradient is taken as 0.
        let root = (gamma * gamma - 1).squareRoot()
        guard root > 1e-12 else { return }
        // ∂γ/∂u = 4 / (β α²) · ((‖v‖² − 2⟨u, v⟩ + 1) u − α v), and symmetrically for v.
        let fu = scale * 4 / (beta * alpha * alpha * root), fv = scale * 4 / (alpha * beta * beta * root)
        let cu = t.vv - 2 * t.uv + 1, cv = t.uu - 2 * t.uv + 1
        let a = u * dims, b = v * dims
        for k in 0..<dims {
            gu[k] += fu * (cu * points[a + k] - alpha * points[b + k])
            gv[k] += fv * (cv * points[b + k] - beta * points[a + k])
        }
    }

    /// One Riemannian SGD step of a row, projected back into the ball.
    public func step(_ points: UnsafeMutableBufferPointer<Double>, _ row: Int, gradient: UnsafeBufferPointer<Double>, learningRate: Double) {
        let base = row * dims
        var norm = 0.0
        for k in 0..<dims { norm += points[base + k] * points[base + k] }
        let scale = (1 - norm) * (1 - norm) / 4
        norm = 0
        for k in 0..<dims {
            points[base + k] -= learningRate * scale * gradient[k]
            norm += points[base + k] * points[base + k]
        }
        project(points, row, norm: norm.squareRoot())
    }

    /// Pulls row `row` (of Euclidean norm `norm`) into minimumNorm ≤ ‖θ‖ ≤ 1 − ε.
    func project(_ points: UnsafeMutableBufferPointer<Double>, _ row: Int, norm: Double) {
        let base = row * dims
        if norm >= 1 - epsilon {
            for k in 0..<dims { points[base + k] *= (1 - epsilon) / norm }
        } else if minimumNorm > 0 && norm < minimumNorm && norm > 0 {
            for k in 0..<dims { points[base + k] *= minimumNorm / norm }
        }
    }
}
