import XCTest
@testable import TaxonLinalg

final class BLASKernelsTests: XCTestCase {
    func testCoreTypeFromCPUFlags() {
        let avx2: Set<Substring> = ["sse4_2", "avx", "avx2", "fma"]
        XCTAssertEqual(BLASKernels.bestCoreType(cpuFlags: avx2), "Haswell")
        XCTAssertEqual(BLASKernels.bestCoreType(cpuFlags: avx2.union(["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])), "SkylakeX")
        // AVX-512 F alone (no BW/DQ/VL, as on Xeon Phi) is not enough for the SkylakeX kernels.
        XCTAssertEqual(BLASKernels.bestCoreType(cpuFlags: avx2.union(["avx512f"])), "Haswell")
        XCTAssertNil(BLASKernels.bestCoreType(cpuFlags: ["sse4_2", "avx"]))
    }
}
