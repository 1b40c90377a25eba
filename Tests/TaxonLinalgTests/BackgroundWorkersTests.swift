import Foundation
@testable import TaxonLinalg
import XCTest

/// Background workers: every iteration exactly once, results in order, the first error thrown, the
/// iterations run at the idle scheduling class and the caller's own class untouched.
final class BackgroundWorkersTests: XCTestCase {
    func testEveryIterationOnceInOrderAtIdlePriority() throws {
        // Off the test runner's own thread, in case a regression lowers the caller's class for good.
        final class Outcome: @unchecked Sendable { var error: (any Error)?; var policies: Set<Int32> = []; let lock = NSLock() }
        let outcome = Outcome(), done = DispatchSemaphore(value: 0)
        final class CallerPolicy: @unchecked Sendable { var value: Int32 = -1 }
        let caller = CallerPolicy()
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
            caller.value = sched_getscheduler(0)
            done.signal()
        }.start()
        done.wait()
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.policies, [5], "SCHED_IDLE on every thread that ran an iteration")
        XCTAssertEqual(caller.value, 0, "the calling thread stays SCHED_OTHER")
        XCTAssertEqual(sched_getscheduler(0), 0, "and so does the test runner's")
    }
}
