import COpenBLAS
import Foundation

/// Which kernels OpenBLAS runs. Debian 12's OpenBLAS (0.3.21) does not
/// recognise recent Xeons and falls back to its Prescott (SSE3) kernels,
/// 2–5× slower than the AVX2 (Haswell) or AVX-512 (SkylakeX) ones those CPUs
/// run fine; it picks the kernels once, from OPENBLAS_CORETYPE, when the
/// library loads.
public enum BLASKernels {
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// When OpenBLAS fell back to Prescott and nobody chose a core type, runs
    /// this program again (same arguments) with the best core type the CPU's
    /// flags allow: SkylakeX with AVX-512 (F, CD, BW, DQ, VL), else Haswell
    /// with AVX2 and FMA. An explicit OPENBLAS_CORETYPE always wins. Returns
    /// only when no restart was needed (or it failed).
    public static func restartIfKernelsMisdetected() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              coreName.lowercased() == "prescott", let coreType = bestCoreType(cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv returns only on failure: carry on with the slow kernels.
        unsetenv("OPENBLAS_CORETYPE")
    }

    static func bestCoreType(cpuFlags flags: Set<Substring>) -> String? {
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    static func cpuFlags() -> Set<Substring> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(flags.split(separator: " "))
    }
}
