import Foundation
import TaxonLinalg

/// Hyperbolic entailment cones (Ganea, Bécigneul & Hofmann 2018) in the
/// Poincaré ball. Each point x carries a cone of half-aperture
/// ψ(x) = arcsin(K(1 − ‖x‖²)/‖x‖), defined for ‖x‖ above the inner radius
/// 2K/(1 + √(1 + 4K²)); "y is-a x" when y lies in x's cone. The energy
/// E(x, y) = max(0, Ξ(x, y) − ψ(x)) is how far, in angle, y is outside it,
/// with Ξ(x, y) the angle at x between its axis and the geodesic to y:
/// cos Ξ = (⟨x, y⟩(1 + ‖x‖²) − ‖x‖²(1 + ‖y‖²)) / (‖x‖ ‖x − y‖ √(1 + ‖x‖²‖y‖² − 2⟨x, y⟩)).
public struct EntailmentCone: Sendable {
    public let dims: Int
    public let K: Double
    /// The cosine is clipped to [−1 + 1e-7, 1 − 1e-7] as in the reference, where its gradient is taken as 0.
    static let cosineClip = 1e-7

    /// Cones in a `dims`-dimensional ball with aperture constant K (Ganea et al. use 0.1).
    public init(dims: Int, K: Double = 0.1) {
        self.dims = dims
        self.K = K
    }

    /// The norm below which ψ is undefined.
    public var innerRadius: Double { 2 * K / (1 + (1 + 4 * K * K).squareRoot()) }

    /// ψ(x) of row `x`.
    public func aperture(_ p: UnsafeBufferPointer<Double>, _ x: Int) -> Double {
        var xx = 0.0
        for k in 0..<dims { xx += p[x * dims + k] * p[x * dims + k] }
        return asin(min(K * (1 - xx) / xx.squareRoot(), 1))
    }

    /// E(x, y) for parent row `x` and child row `y`.
    public func energy(_ p: UnsafeBufferPointer<Double>, parent x: Int, child y: Int) -> Double {
        let (xx, yy, xy) = rowProducts(p, dims: dims, x, y)
        let normX = xx.squareRoot()
        let distance = max(xx + yy - 2 * xy, 0).squareRoot()
        let g = max(1 + xx * yy - 2 * xy, 0).squareRoot()
        let denominator = normX * distance * g
        guard denominator > 0 else { return 0 }  // y = x: inside its own cone
        let cosine = (xy * (1 + xx) - xx * (1 + yy)) / denominator
        let xi = acos(min(max(cosine, -1 + Self.cosineClip), 1 - Self.cosineClip))
        let psi = asin(min(K * (1 - xx) / normX, 1))
        return max(0, xi - psi)
    }

    /// Adds `scale` × ∂E/∂x and ∂E/∂y (Euclidean) into `gx` and `gy`; returns E.
    @discardableResult
    public func accumulateGradient(_ p: UnsafeBufferPointer<Double>, parent x: Int, child y: Int, scale: Double,
                                   _ gx: UnsafeMutableBufferPointer<Double>, _ gy: UnsafeMutableBufferPointer<Double>) -> Double {
        let (xx, yy, xy) = rowProducts(p, dims: dims, x, y)
        let normX = xx.squareRoot()
        let distance = max(xx + yy - 2 * xy, 0).squareRoot()
        let g = max(1 + xx * yy - 2 * xy, 0).squareRoot()
        let denominator = normX * distance * g
        guard denominator > 0 else { return 0 }
        let numerator = xy * (1 + xx) - xx * (1 + yy)
        let cosine = numerator / denominator
        let clipped = min(max(cosine, -1 + Self.cosineClip), 1 - Self.cosineClip)
        let h = K * (1 - xx) / normX
        let energy = acos(clipped) - asin(min(h, 1))
        guard energy > 0 else { return 0 }
        // ∂Ξ/∂· = −(∂N − cos ∂D)/(D √(1 − cos²)), zero where the cosine was clipped.
        let dXi = clipped == cosine ? -1 / ((1 - cosine * cosine).squareRoot() * denominator) : 0
        // ∂ψ/∂x = −K(1 + ‖x‖²) x / (‖x‖² √(‖x‖² − K²(1 − ‖x‖²)²)).
        let dPsi = -K * (1 + xx) / (xx * max(xx - K * K * (1 - xx) * (1 - xx), 1e-300).squareRoot())
        let a = x * dims, b = y * dims
        for k in 0..<dims {
            let xk = p[a + k], yk = p[b + k]
            let dDistanceX = (xk - yk) / distance
            // D = ‖x‖·‖x − y‖·√g, and its partial derivatives.
            let dGX = (xk * yy - yk) / g, dGY = (yk * xx - xk) / g
            let dDX = xk / normX * distance * g + normX * (dDistanceX * g + distance * dGX)
            let dDY = normX * (-dDistanceX * g + distance * dGY)
            let dNX = yk * (1 + xx) + 2 * xk * (xy - 1 - yy)
            let dNY = xk * (1 + xx) - 2 * yk * xx
            gx[k] += scale * (dXi * (dNX - cosine * dDX) - dPsi * xk)
            gy[k] += scale * dXi * (dNY - cosine * dDY)
        }
        return energy
    }
}

/// Trains entailment cones from initial points (Poincaré embeddings, scaled by
/// `rescale` and pushed out of the inner ball), as the reference does: for
/// each training edge (child c, ancestor a), the loss E(a, c) + Σ max(0, γ −
/// E(a, c′)) over `negatives` nodes c′ that are not known descendants of a,
/// minimised by Riemannian SGD one edge at a time. The learning rate and
/// epochs differ from the reference's (0.0003, 300, batches of 10): chosen on
/// the WordNet nouns' validation F1 with per-edge updates (docs/HYPERBOLIC.md).
public struct ConeTrainer: Sendable {
    public var K = 0.1
    public var margin = 0.01
    public var epochs = 600
    public var negatives = 10
    public var learningRate = 1e-4
    public var rescale = 0.7
    public var seed: UInt64 = 1

    /// The defaults documented on each setting.
    public init() {}

    /// Trains cones from `initial` points (a Poincaré embedding, rescaled), reporting each epoch; throws when the loss stops being finite.
    public func train(_ closure: TransitiveClosure, initial: [Double], dims: Int,
                      progress: (EpochReport) -> Void = { _ in }) throws -> [Double] {
        try checkTrainingOptions(dims: dims, negatives: negatives, epochs: epochs, learningRate: learningRate, closure: closure)
        guard K > 0, K < 1 else { throw HyperbolicError.badOption("K must lie in (0, 1), not \(K)") }
        let n = closure.count
        precondition(initial.count == n * dims, "one initial point per node")
        let cone = EntailmentCone(dims: dims, K: K)
        let ball = PoincareBall(dims: dims, epsilon: 1e-5, minimumNorm: cone.innerRadius + 1e-5)
        var points = initial.map { $0 * rescale }
        points.withUnsafeMutableBufferPointer { p in
            for row in 0..<n {
                var norm = 0.0
                for k in 0..<dims { norm += p[row * dims + k] * p[row * dims + k] }
                ball.project(p, row, norm: norm.squareRoot())
            }
        }
        let descendants = closure.descendants()

        var generator = SplitMix64(seed: seed)
        var order = Array(closure.edges.indices)
        var children = [Int](repeating: 0, count: negatives + 1)
        var gx = [Double](repeating: 0, count: dims)
        var gy = [Double](repeating: 0, count: (negatives + 1) * dims)
        let clock = ContinuousClock(), started = clock.now
        for epoch in 1...epochs {
            generator.shuffle(&order)
            var lossSum = 0.0
            try points.withUnsafeMutableBufferPointer { p in
                let view = UnsafeBufferPointer(p)
                try gx.withUnsafeMutableBufferPointer { gxPointer in
                    try gy.withUnsafeMutableBufferPointer { gyPointer in
                        for index in order {
                            let parent = Int(closure.edges[index].ancestor)
                            children[0] = Int(closure.edges[index].child)
                            var count = 1, attempts = 0
                            while count <= negatives && attempts < negatives * 10 {
                                attempts += 1
                                let candidate = Int(generator.next() % UInt64(n))
                                if candidate == parent || descendants[parent].contains(Int32(candidate)) { continue }
                                children[count] = candidate
                                count += 1
                            }
                            for k in 0..<dims { gxPointer[k] = 0 }
                            for k in 0..<(count * dims) { gyPointer[k] = 0 }
                            for j in 0..<count {
                                let slot = UnsafeMutableBufferPointer(rebasing: gyPointer[j * dims..<(j + 1) * dims])
                                if j == 0 {
                                    lossSum += cone.accumulateGradient(view, parent: parent, child: children[0], scale: 1, gxPointer, slot)
                                } else {
                                    // max(0, γ − E): pushes only negatives whose energy is below the margin.
                                    let energy = cone.energy(view, parent: parent, child: children[j])
                                    guard energy < margin else { continue }
                                    lossSum += margin - energy
                                    cone.accumulateGradient(view, parent: parent, child: children[j], scale: -1, gxPointer, slot)
                                }
                            }
                            if !gxPointer.allSatisfy(\.isFinite) || !gyPointer[0..<(count * dims)].allSatisfy(\.isFinite) {
                                throw HyperbolicError.diverged(epoch: epoch)
                            }
                            ball.step(p, parent, gradient: UnsafeBufferPointer(gxPointer), learningRate: learningRate)
                            for j in 0..<count {
                                ball.step(p, children[j], gradient: UnsafeBufferPointer(rebasing: gyPointer[j * dims..<(j + 1) * dims]),
                                          learningRate: learningRate)
                            }
                            // A step too large leaves NaN coordinates, whose energies would read as 0.
                            if !p[parent * dims].isFinite || !p[children[0] * dims].isFinite { throw HyperbolicError.diverged(epoch: epoch) }
                        }
                    }
                }
            }
            let loss = lossSum / Double(order.count)
            guard loss.isFinite else { throw HyperbolicError.diverged(epoch: epoch) }
            let elapsed = clock.now - started
            progress(EpochReport(epoch: epoch, loss: loss, seconds: elapsed.inSeconds, points: points))
        }
        return points
    }
}
