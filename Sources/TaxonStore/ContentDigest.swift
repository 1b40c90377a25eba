import TaxonModel

/// The digest: row counts per table and a 64-bit FNV-1a hash over every row in primary-key order.
extension SQLiteStore {
    /// Row counts per table and an FNV-1a hash over every row in primary-key order.
    public func contentDigest() throws -> ContentDigest {
        let tables = try db.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        var names: [String] = []
        while try tables.step() { names.append(tables.text(0)) }

        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix<C: Collection>(_ bytes: C) where C.Element == UInt8 {
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        var rows: [String: Int] = [:]
        for name in names {
            mix(name.utf8)
            let probe = try db.prepare("SELECT * FROM \"\(name)\" LIMIT 0")
            let order = (1...max(1, Int(probe.columnCount))).map(String.init).joined(separator: ", ")
            let statement = try db.prepare("SELECT * FROM \"\(name)\" ORDER BY \(order)")
            var count = 0
            while try statement.step() {
                count += 1
                for column in 0..<statement.columnCount {
                    if statement.isNull(column) { mix([0]); continue }
                    let value = statement.blob(column)  // any type, as its bytes
                    withUnsafeBytes(of: UInt64(value.count).littleEndian) { mix($0) }
                    mix(value)
                }
            }
            rows[name] = count
        }
        return ContentDigest(rows: rows, hash: String(hash, radix: 16))
    }
}
