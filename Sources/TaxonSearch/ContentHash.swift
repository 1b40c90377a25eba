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
}
