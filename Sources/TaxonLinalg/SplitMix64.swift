import Foundation

/// A small deterministic generator (SplitMix64), so that benchmarks and
/// samples repeat exactly for a given seed on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// A generator starting from `seed`: the same seed, the same sequence.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box–Muller, from two uniform draws; the second value is not kept, so each call costs two draws).
    public mutating func nextGaussian() -> Double {
        let u = 1 - nextUnit()  // in (0, 1]: its logarithm is finite
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * nextUnit())
    }

    /// Fisher–Yates, from the last element down, one draw per swap.
    public mutating func shuffle<Element>(_ array: inout [Element]) {
        for i in stride(from: array.count - 1, to: 0, by: -1) { array.swapAt(i, Int(next() % UInt64(i + 1))) }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
