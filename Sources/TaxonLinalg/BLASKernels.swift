import COpenBLAS
import Foundation

/// Which kernels OpenBLAS runs. Debian 12's OpenBLAS (0.3.21) does not
/// recognise recent Xeons and falls back to its Prescott (SSE3) kernels,
/// 2–5× slower than the AVX2 (Haswell) ones those CPUs run fine; it picks the
/// kernels once, from OPENBLAS_CORETYPE, when the library loads.
public enum BLASKernels {
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// When OpenBLAS fell back to Prescott on a CPU with AVX2 and FMA, and
    /// nobody chose a core type, runs this program again (same arguments) with
    /// OPENBLAS_CORETYPE=Haswell. An explicit OPENBLAS_CORETYPE always wins.
    /// Returns only when no restart was needed (or it failed).
    public static func restartWithAVX2KernelsIfMisdetected() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              coreName.lowercased() == "prescott", cpuHasAVX2AndFMA() else { return }
        setenv("OPENBLAS_CORETYPE", "Haswell", 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv returns only on failure: carry on with the slow kernels.
        unsetenv("OPENBLAS_CORETYPE")
    }

    static func cpuHasAVX2AndFMA() -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let set = Set(flags.split(separator: " "))
        return set.contains("avx2") && set.contains("fma")
    }
}
