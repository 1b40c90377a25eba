import Dispatch
import Foundation

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

/// Threads at the lowest CPU priority (Linux's SCHED_IDLE) for work that must give way, such as analysing
/// uploaded photos while searches are answered: a search thread that wakes takes a core from them (at
/// once when they yield, see `yieldToForeground`), and they have every core nobody else wants. (Nice 10
/// was measured first: a waking search still waited behind them often enough to double its p99.) The
/// caller only waits: an unprivileged thread cannot leave the idle class again, so the caller's own
/// class is never touched.
public final class BackgroundWorkers: @unchecked Sendable {
    private let helpers: Int
    private let lock = NSCondition()
    /// Held for a whole job: callers on several threads take turns.
    private let turn = NSLock()
    /// The job in progress: its body, the next iteration to take, how many there are, helpers still in it.
    private var body: (@Sendable (Int) -> Void)?
    private var next = 0, iterations = 0, busy = 0, generation = 0
    private var started = false

    /// `count` helper threads, started by the first `forEach` and kept for the life of the process.
    public init(count: Int = ProcessInfo.processInfo.activeProcessorCount) { helpers = max(count, 1) }

    /// Moves the calling thread to the idle class for good (Linux schedules threads one by one; pid 0 is the
    /// caller): only for threads kept for background work.
    public static func enterIdleClass() {
        var parameters = sched_param(sched_priority: 0)
        let idle: Int32 = 5  // SCHED_IDLE, which Glibc's Swift overlay leaves out
        _ = sched_setscheduler(0, idle, &parameters)
    }

    /// Gives the core to any thread waiting for it; the helpers call it between iterations, and long work on
    /// them between its steps (the network between layers). A woken search thread is often left queued behind
    /// an idle-class thread until the next scheduler tick (4 ms on a HZ=250 kernel: `perf sched timehist`
    /// showed it, docs/BENCHMARKS.md); an idle-class thread's yield hands it the core at once.
    public static func yieldToForeground() { sched_yield() }

    /// Runs `body` for 0..<iterations on the helpers; returns when all are done. Jobs of several callers take turns.
    public func forEach(_ iterations: Int, _ body: @escaping @Sendable (Int) -> Void) {
        turn.lock()
        defer { turn.unlock() }
        lock.lock()
        if !started {
            started = true
            for _ in 0..<helpers {
                Thread { [self] in
                    Self.enterIdleClass()
                    serve()
                }.start()
            }
        }
        (self.body, next, self.iterations, busy, generation) = (body, 0, iterations, helpers, generation + 1)
        lock.broadcast()
        while busy > 0 { lock.wait() }
        self.body = nil
        lock.unlock()
    }

    /// Takes iterations until none is left.
    private func work(_ body: (Int) -> Void) {
        while true {
            lock.lock()
            let n = next, last = iterations
            next += 1
            lock.unlock()
            guard n < last else { return }
            Self.yieldToForeground()
            body(n)
        }
    }

    private func serve() {
        var seen = 0
        while true {
            lock.lock()
            while generation == seen || body == nil { lock.wait() }
            seen = generation
            let body = self.body!
            lock.unlock()
            work(body)
            lock.lock()
            busy -= 1
            lock.broadcast()
            lock.unlock()
        }
    }
}

/// `items.map(transform)` on background workers (`parallelMap` on them).
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], on workers: BackgroundWorkers?, _ transform: @escaping @Sendable (T) throws -> R) throws -> [R] {
    guard let workers else { return try parallelMap(items, transform) }
    let slots = Slots<Result<R, any Error>>(count: items.count)
    workers.forEach(items.count) { index in slots.set(index, Result { try transform(items[index]) }) }
    return try slots.values().map { try $0.get() }
}

/// A pointer handed to concurrentPerform workers that read shared input or write disjoint parts.
public struct UnsafeSendable: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    /// Wraps `pointer`.
    public init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
