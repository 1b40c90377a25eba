import Dispatch

/// `items.map(transform)` with the items spread over the machine's cores.
/// Results keep the items' order; the first item's error (in order) is thrown.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) throws -> R) throws -> [R] {
    let slots = Slots<Result<R, any Error>>(count: items.count)
    DispatchQueue.concurrentPerform(iterations: items.count) { index in
        slots.set(index, Result { try transform(items[index]) })
    }
    return try slots.values().map { try $0.get() }
}

/// One result slot per iteration. Each slot is written by exactly one
/// iteration and read only after all have finished, so no lock is needed.
private final class Slots<Value>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Value?>

    init(count: Int) {
        base = .allocate(capacity: count)
        base.initialize(repeating: nil, count: count)
        self.count = count
    }

    private let count: Int

    func set(_ index: Int, _ value: Value) { base[index] = value }

    func values() -> [Value] { (0..<count).map { base[$0]! } }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
}
