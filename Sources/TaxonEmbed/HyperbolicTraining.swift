import TaxonModel
import Foundation
import TaxonCore
import TaxonLinalg

/// Training options out of range, or a loss that diverged.
public enum HyperbolicError: TaxonError, Equatable {
    public var kind: ErrorKind { .invalidInput }
    case emptySubtree(root: String)
    case noEdges
    case dimensionTooSmall(Int)
    case badOption(String)
    case diverged(epoch: Int)

    public var description: String {
        switch self {
        case let .emptySubtree(root): return "'\(root)' has no descendants: nothing to embed"
        case .noEdges: return "the closure has no is-a edges: nothing to learn"
        case let .dimensionTooSmall(dims): return "hyperbolic embeddings need at least 2 dimensions, not \(dims)"
        case let .badOption(message): return message
        case let .diverged(epoch): return "the loss became NaN in epoch \(epoch): lower the learning rate (nothing was stored)"
        }
    }
}

/// The training data of a hierarchy: its transitive closure over is-a edges
/// (hypernym + instance hypernym, as the Poincaré reference uses for nouns),
/// restricted to a subtree or a part of speech.
public struct TransitiveClosure: Sendable {
    /// Taxonomy node of each row.
    public let nodes: [Int]
    /// (descendant row, ancestor row) for every is-a pair, the proper ones only.
    public let edges: [(child: Int32, ancestor: Int32)]
    /// Each row's ancestors over `edges`: its neighbours in the reconstruction
    /// protocol, and the nodes never drawn as its negatives in training.
    public let ancestors: [Set<Int32>]

    /// The subtree under `root` (root included), or with no root every node of
    /// the taxonomy's part of speech `pos` (all nodes when nil). With
    /// `dropRoot`, a single node above all others (entity.n.01, or `root`) is
    /// left out with its edges, as the link-prediction reference does: every
    /// edge to it is trivially true.
    public init(taxonomy: Taxonomy, root: Int?, pos: UInt8? = nil, dropRoot: Bool = false) throws {
        var members: [Int]
        if let root {
            var seen: Set<Int> = [root], queue = [root], head = 0
            while head < queue.count {
                for child in taxonomy.hierarchy.children(of: queue[head]) where seen.insert(Int(child)).inserted { queue.append(Int(child)) }
                head += 1
            }
            guard queue.count > 1 else { throw HyperbolicError.emptySubtree(root: taxonomy.names[root]) }
            members = queue.sorted()
        } else {
            members = (0..<taxonomy.count).filter { pos == nil || taxonomy.pos[$0] == pos }
        }
        if dropRoot {
            let isMember = Set(members)
            let tops = members.filter { node in !taxonomy.ancestors(of: node).contains { $0.0 != node && isMember.contains($0.0) } }
            if tops.count == 1 { members.removeAll { $0 == tops[0] } }
        }
        var row = [Int32](repeating: -1, count: taxonomy.count)
        for (index, node) in members.enumerated() { row[node] = Int32(index) }
        var edges: [(child: Int32, ancestor: Int32)] = []
        for (index, node) in members.enumerated() {
            for (ancestor, _) in taxonomy.ancestors(of: node) where ancestor != node && row[ancestor] >= 0 {
                edges.append((Int32(index), row[ancestor]))
            }
        }
        self.init(nodes: members, edges: edges)
    }

    init(nodes: [Int], edges: [(child: Int32, ancestor: Int32)]) {
        var ancestors = [Set<Int32>](repeating: [], count: nodes.count)
        for edge in edges { ancestors[Int(edge.child)].insert(edge.ancestor) }
        self.nodes = nodes
        self.edges = edges
        self.ancestors = ancestors
    }

    /// Each row's descendants among the rows (over `edges`).
    public func descendants() -> [Set<Int32>] {
        var result = [Set<Int32>](repeating: [], count: count)
        for edge in edges { result[Int(edge.ancestor)].insert(edge.child) }
        return result
    }

    /// The same nodes with only the edges at `indices` (a training split).
    public func keeping(_ indices: [Int]) -> TransitiveClosure {
        TransitiveClosure(nodes: nodes, edges: indices.map { edges[$0] })
    }

    public var count: Int { nodes.count }
}

/// The checks both trainers make before any work.
func checkTrainingOptions(dims: Int, negatives: Int, epochs: Int, learningRate: Double, closure: TransitiveClosure) throws {
    guard dims >= 2 else { throw HyperbolicError.dimensionTooSmall(dims) }
    guard negatives >= 1 else { throw HyperbolicError.badOption("--negatives must be at least 1, not \(negatives)") }
    guard epochs >= 1 else { throw HyperbolicError.badOption("--epochs must be at least 1, not \(epochs)") }
    guard learningRate > 0 else {  // also refuses NaN; too large a rate shows up as a NaN loss
        throw HyperbolicError.badOption("the learning rate must be positive, not \(learningRate)")
    }
    guard !closure.edges.isEmpty else { throw HyperbolicError.noEdges }
}

/// What a trainer reports after each epoch.
public struct EpochReport: Sendable {
    public let epoch: Int
    /// The mean loss per training edge.
    public let loss: Double
    public let seconds: Double
    /// The points after this epoch, row-major.
    public let points: [Double]
}

/// Riemannian SGD for Poincaré embeddings (Nickel & Kiela 2017): for each
/// closure edge (u, v), the loss −log(e^{−d(u,v)} / Σ e^{−d(u,v')}) over v and
/// `negatives` nodes v' not above u; `burnIn` epochs first at learning rate ×
/// `burnInFactor` with negatives drawn ∝ degree^0.75, then uniform negatives.
public struct PoincareTrainer: Sendable {
    public var dims = 5
    public var epochs = 200
    public var negatives = 50
    public var learningRate = 0.1
    public var burnIn = 20
    public var burnInFactor = 0.01
    public var seed: UInt64 = 1

    /// The Poincaré reference's defaults for mammals.
    public init() {}

    /// The trained points, row-major (closure.count × dims); `progress` gets a report after every epoch.
    public func train(_ closure: TransitiveClosure, progress: (EpochReport) -> Void = { _ in }) throws -> [Double] {
        try checkTrainingOptions(dims: dims, negatives: negatives, epochs: epochs, learningRate: learningRate, closure: closure)
        let ball = PoincareBall(dims: dims)
        let n = closure.count
        var generator = SplitMix64(seed: seed)
        var points = (0..<n * dims).map { _ in (generator.nextUnit() * 2 - 1) * 1e-3 }

        // Degree^0.75 table for burn-in negatives, as the reference's "dampening".
        var degree = [Double](repeating: 0, count: n)
        for edge in closure.edges { degree[Int(edge.child)] += 1; degree[Int(edge.ancestor)] += 1 }
        var cumulative = [Double](repeating: 0, count: n)
        var total = 0.0
        for i in 0..<n { total += pow(degree[i], 0.75); cumulative[i] = total }
        func sampleByDegree() -> Int {
            let x = generator.nextUnit() * total
            var lo = 0, hi = n - 1
            while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < x { lo = mid + 1 } else { hi = mid } }
            return lo
        }

        var order = Array(closure.edges.indices)
        var targets = [Int](repeating: 0, count: negatives + 1)
        var weights = [Double](repeating: 0, count: negatives + 1)
        var gu = [Double](repeating: 0, count: dims)
        var gv = [Double](repeating: 0, count: (negatives + 1) * dims)
        let clock = ContinuousClock(), started = clock.now
        for epoch in 1...epochs {
            let burning = epoch <= burnIn
            let rate = learningRate * (burning ? burnInFactor : 1)
            generator.shuffle(&order)
            var lossSum = 0.0
            try points.withUnsafeMutableBufferPointer { p in
                let view = UnsafeBufferPointer(p)
                for index in order {
                    let (child, ancestor) = closure.edges[index]
                    let u = Int(child)
                    targets[0] = Int(ancestor)
                    var count = 1
                    var attempts = 0
                    while count <= negatives && attempts < negatives * 10 {
                        attempts += 1
                        let candidate = burning ? sampleByDegree() : Int(generator.next() % UInt64(n))
                        if candidate == u || closure.ancestors[u].contains(Int32(candidate)) { continue }
                        targets[count] = candidate
                        count += 1
                    }
                    // Softmax over −d: L = d₀ + log Σ e^{−dⱼ}; ∂L/∂d₀ = 1 − p₀, ∂L/∂dⱼ = −pⱼ.
                    var largest = -Double.infinity
                    for j in 0..<count {
                        weights[j] = -ball.distance(view, u, targets[j])
                        largest = max(largest, weights[j])
                    }
                    var sum = 0.0
                    for j in 0..<count { weights[j] = exp(weights[j] - largest); sum += weights[j] }
                    lossSum += -(-ball.distance(view, u, targets[0]) - largest - log(sum))
                    for k in 0..<dims { gu[k] = 0 }
                    for k in 0..<(count * dims) { gv[k] = 0 }
                    try gu.withUnsafeMutableBufferPointer { guPointer in
                        try gv.withUnsafeMutableBufferPointer { gvPointer in
                            for j in 0..<count {
                                let p = weights[j] / sum
                                let dL = j == 0 ? 1 - p : -p
                                ball.accumulateGradient(view, u, targets[j], scale: dL, guPointer,
                                                        UnsafeMutableBufferPointer(rebasing: gvPointer[j * dims..<(j + 1) * dims]))
                            }
                            if !guPointer.allSatisfy(\.isFinite) { throw HyperbolicError.diverged(epoch: epoch) }
                            ball.step(p, u, gradient: UnsafeBufferPointer(guPointer), learningRate: rate)
                            for j in 0..<count {
                                ball.step(p, targets[j], gradient: UnsafeBufferPointer(rebasing: gvPointer[j * dims..<(j + 1) * dims]),
                                          learningRate: rate)
                            }
                        }
                    }
                }
            }
            let loss = lossSum / Double(max(order.count, 1))
            guard loss.isFinite else { throw HyperbolicError.diverged(epoch: epoch) }
            let elapsed = clock.now - started
            progress(EpochReport(epoch: epoch, loss: loss, seconds: elapsed.inSeconds, points: points))
        }
        return points
    }
}

/// Nickel & Kiela's reconstruction protocol: for every row u with ancestors,
/// rank each ancestor v among all rows that are not u's ancestors (u itself
/// left out) by `score(u, v)` (a distance, or a cone energy: lower is nearer);
/// mean rank over all (u, v), and the mean over u of the average precision of
/// the whole ranking. Rows are shared out over the cores.
public struct Reconstruction: Codable, Sendable {
    public let meanRank: Double
    public let meanAveragePrecision: Double
    public let pairs: Int

    /// Ranks every node as a candidate parent of every child (lower score is closer) and averages over the closure's edges, on both cores.
    public static func evaluate(_ closure: TransitiveClosure, score: @escaping @Sendable (_ child: Int, _ candidate: Int) -> Double) -> Reconstruction {
        let n = closure.count
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let partials = try! parallelMap(Array(0..<workers)) { worker in
            var total = (rankSum: 0.0, pairs: 0, apSum: 0.0, evaluated: 0)
            var scores = [Double](repeating: 0, count: n)
            for u in stride(from: worker, to: n, by: workers) where !closure.ancestors[u].isEmpty {
                for w in 0..<n { scores[w] = score(u, w) }
                let relevant = closure.ancestors[u]
                let others = (0..<n).filter { $0 != u && !relevant.contains(Int32($0)) }.map { scores[$0] }.sorted()
                // How many non-ancestors score strictly lower than d.
                func closer(_ d: Double) -> Int {
                    var lo = 0, hi = others.count
                    while lo < hi { let mid = (lo + hi) / 2; if others[mid] < d { lo = mid + 1 } else { hi = mid } }
                    return lo
                }
                let positions = relevant.map { scores[Int($0)] }.sorted()
                var ap = 0.0
                for (k, d) in positions.enumerated() {
                    let before = closer(d)
                    total.rankSum += Double(before + 1)
                    ap += Double(k + 1) / Double(k + 1 + before)
                }
                total.pairs += positions.count
                total.apSum += ap / Double(positions.count)
                total.evaluated += 1
            }
            return [total.rankSum, Double(total.pairs), total.apSum, Double(total.evaluated)]
        }
        let sum = (0..<4).map { i in partials.reduce(0) { $0 + $1[i] } }
        let (rankSum, pairs, apSum, evaluated) = (sum[0], Int(sum[1]), sum[2], sum[3])
        return Reconstruction(meanRank: pairs > 0 ? rankSum / Double(pairs) : 0,
                              meanAveragePrecision: evaluated > 0 ? apSum / evaluated : 0, pairs: pairs)
    }
}
