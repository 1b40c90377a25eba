import Foundation
@testable import TaxonLinalg
import XCTest

/// Background workers: every iteration exactly once, results in order, the first error thrown, jobs of two
/// callers at once taking turns, the iterations run at the idle scheduling class and the callers' own class
/// untouched.
final class BackgroundWorkersTests: XCTestCase {
    func testEveryIterationOnceInOrderAtIdlePriority() throws {
        final class Outcome: @unchecked Sendable {
            let lock = NSLock()
            var errors: [any Error] = [], policies: Set<Int32> = [], callers: [Int32] = []
        }
        let outcome = Outcome(), workers = BackgroundWorkers(count: 3), done = DispatchGroup()
        // Two callers on threads of their own, in case a regression lowers a caller's class for good.
        for caller in 0..<2 {
            done.enter()
            Thread {
                do {
                    for round in 0..<200 {
                        let n = (round + caller * 5) % 17
                        let squares = try parallelMap(Array(0..<n), on: workers) { value -> Int in
                            let policy = sched_getscheduler(0)
                            outcome.lock.withLock { _ = outcome.policies.insert(policy) }
                            return value * value
                        }
                        XCTAssertEqual(squares, (0..<n).map { $0 * $0 }, "caller \(caller), round \(round)")
                    }
                    struct Odd: Error, Equatable { let value: Int }
                    XCTAssertThrowsError(try parallelMap(Array(0..<10), on: workers) { value -> Int in
                        if value % 2 == 1 { throw Odd(value: value) }
                        return value
                    }) { XCTAssertEqual($0 as? Odd, Odd(value: 1), "the first error in order") }
                } catch { outcome.lock.withLock { outcome.errors.append(error) } }
                outcome.lock.withLock { outcome.callers.append(sched_getscheduler(0)) }
                done.leave()
            }.start()
        }
        done.wait()
        XCTAssertTrue(outcome.errors.isEmpty, "\(outcome.errors)")
        XCTAssertEqual(outcome.policies, [5], "SCHED_IDLE on every thread that ran an iteration")
        XCTAssertEqual(outcome.callers, [0, 0], "the calling threads stay SCHED_OTHER")
        XCTAssertEqual(sched_getscheduler(0), 0, "and so does the test runner's")
    }
}
