import Crypto
import Foundation

/// The SHA-256 of a file's bytes, in lower-case hex: how the indexer
/// recognises unchanged files (and, later, content-addressed uploads).
public enum ContentHash {
    /// SHA-256 of the bytes as 64 lower-case hex digits.
    public static func sha256<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// A SHA-256 fed piece by piece (a store's whole content, say), never held in memory at once.
    public struct Running {
        private var hasher = SHA256()

        /// An empty hash.
        public init() {}

        /// Adds the text and a line break, so that "ab"+"c" and "a"+"bc" differ.
        public mutating func add(_ text: String) {
            hasher.update(data: Data(text.utf8))
            hasher.update(data: Data([10]))
        }

        /// Adds the values' little-endian bytes.
        public mutating func add<Value: BinaryFloatingPoint>(_ values: [Value]) {
            values.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }

        /// The hash as 64 lower-case hex digits.
        public func hex() -> String {
            hasher.finalize().map { byte in byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined()
        }
    }
}
