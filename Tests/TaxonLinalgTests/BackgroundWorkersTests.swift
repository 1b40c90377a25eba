import Foundation
@testable import TaxonLinalg
import XCTest

/// Background workers: every iteration exactly once, results in order, the first error thrown, and the
/// threads (the caller's too) at the idle scheduling class.
final class BackgroundWorkersTests: XCTestCase {
    func testEveryIterationOnceInOrderAtIdlePriority() throws {
        // Off the test runner's own thread: forEach lowers its caller's priority for good.
        final class Outcome: @unchecked Sendable { var error: (any Error)?; var policies: Set<Int32> = []; let lock = NSLock() }
        let outcome = Outcome(), done = DispatchSemaphore(value: 0)
        Thread {
            let workers = BackgroundWorkers(count: 3)
            do {
                for round in 0..<200 {
                    let n = round % 17
                    let squares = try parallelMap(Array(0..<n), on: workers) { value -> Int in
                        let policy = sched_getscheduler(0)
                        outcome.lock.withLock { _ = outcome.policies.insert(policy) }
                        return value * value
                    }
                    XCTAssertEqual(squares, (0..<n).map { $0 * $0 }, "round \(round)")
                }
                struct Odd: Error, Equatable { let value: Int }
                XCTAssertThrowsError(try parallelMap(Array(0..<10), on: workers) { value -> Int in
                    if value % 2 == 1 { throw Odd(value: value) }
                    return value
                }) { XCTAssertEqual($0 as? Odd, Odd(value: 1), "the first error in order") }
            } catch { outcome.error = error }
            done.signal()
        }.start()
        done.wait()
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.policies, [5], "SCHED_IDLE on every thread that ran an iteration")
        XCTAssertNotEqual(sched_getscheduler(0), 5, "the test runner's thread is untouched")
    }
}
