/// A directed acyclic "is-a" graph over nodes 0..<count in compressed
/// sparse-row form: parents and children of each node as slices of two flat
/// arrays. Built once, read many times; the importers use it to validate
/// hierarchy files and the similarity code builds on it.
public struct Hierarchy: Sendable {
    public let count: Int
    private let parentStart: [Int32]
    private let parentList: [Int32]
    private let childStart: [Int32]
    private let childList: [Int32]

    /// Builds the graph from child→parent edges. Duplicate edges are kept once.
    /// Throws `CycleError` if following parents can return to a node.
    public init(count: Int, edges: [(child: Int32, parent: Int32)]) throws(CycleError) {
        self.count = count
        var unique = edges.map { UInt64(UInt32($0.child)) << 32 | UInt64(UInt32($0.parent)) }
        unique.sort()
        var previous: UInt64?
        unique.removeAll { edge in defer { previous = edge }; return edge == previous }
        let pairs = unique.map { (child: Int32(truncatingIfNeeded: $0 >> 32), parent: Int32(truncatingIfNeeded: $0)) }
        (parentStart, parentList) = Self.csr(count: count, pairs.map { ($0.child, $0.parent) })
        (childStart, childList) = Self.csr(count: count, pairs.map { ($0.parent, $0.child) })
        if let cycle = Self.findCycle(count: count, start: parentStart, list: parentList) { throw cycle }
    }

    private static func csr(count: Int, _ pairs: [(Int32, Int32)]) -> ([Int32], [Int32]) {
        var start = [Int32](repeating: 0, count: count + 1)
        for (from, _) in pairs { start[Int(from) + 1] += 1 }
        for i in 0..<count { start[i + 1] += start[i] }
        var fill = start
        var list = [Int32](repeating: 0, count: pairs.count)
        for (from, to) in pairs {
            list[Int(fill[Int(from)])] = to
            fill[Int(from)] += 1
        }
        return (start, list)
    }

    /// The parents of a node (its is-a targets), in the taxonomy's edge order.
    public func parents(of node: Int) -> ArraySlice<Int32> { parentList[Int(parentStart[node])..<Int(parentStart[node + 1])] }
    /// The children of a node.
    public func children(of node: Int) -> ArraySlice<Int32> { childList[Int(childStart[node])..<Int(childStart[node + 1])] }
    public var edgeCount: Int { parentList.count }

    /// Nodes without parents, ascending.
    public var roots: [Int] { (0..<count).filter { parentStart[$0] == parentStart[$0 + 1] } }
    /// Nodes without children, ascending.
    public var leaves: [Int] { (0..<count).filter { childStart[$0] == childStart[$0 + 1] } }

    /// Nodes ordered so that every parent comes before its children.
    public func topologicalOrder() -> [Int] {
        var pending = (0..<count).map { parentStart[$0 + 1] - parentStart[$0] }
        var order = roots
        order.reserveCapacity(count)
        var next = 0
        while next < order.count {
            for child in children(of: order[next]) {
                pending[Int(child)] -= 1
                if pending[Int(child)] == 0 { order.append(Int(child)) }
            }
            next += 1
        }
        return order
    }

    /// height(leaf) = 0, height(v) = 1 + max height of v's children (Barz & Denzler).
    public func heights() -> [Int] {
        var height = [Int](repeating: 0, count: count)
        for node in topologicalOrder().reversed() {
            for child in children(of: node) { height[node] = max(height[node], height[Int(child)] + 1) }
        }
        return height
    }

    /// The greatest height in the graph (0 for a graph without edges).
    public func maxHeight() -> Int { heights().max() ?? 0 }

    /// Finds one cycle by iterative depth-first search over parent edges.
    private static func findCycle(count: Int, start: [Int32], list: [Int32]) -> CycleError? {
        enum Mark: UInt8 { case new, onPath, done }
        var mark = [Mark](repeating: .new, count: count)
        var stack: [(node: Int, next: Int)] = []
        for root in 0..<count where mark[root] == .new {
            stack.append((root, Int(start[root])))
            mark[root] = .onPath
            while let top = stack.last {
                if top.next == Int(start[top.node + 1]) {
                    mark[top.node] = .done
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let parent = Int(list[top.next])
                switch mark[parent] {
                case .new:
                    mark[parent] = .onPath
                    stack.append((parent, Int(start[parent])))
                case .onPath:
                    let from = stack.firstIndex { $0.node == parent }!
                    return CycleError(nodes: stack[from...].map(\.node))
                case .done:
                    break
                }
            }
        }
        return nil
    }
}

/// A cycle found while following parent edges: each node's parent is the next
/// node, and the last node's parent is the first.
public struct CycleError: Error, Equatable, Sendable {
    public let nodes: [Int]
}
