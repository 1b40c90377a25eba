import PostgresNIO
import TaxonModel

extension PostgresStore: CatalogStore {
    /// Row counts per table (named as in SQLite) and a hash over every row, computed in the server: an
    /// MD5 of each row's text, sorted, hashed again per table, then over the tables in name order. It tells
    /// whether this store changed; it is not comparable with a SQLite store's digest (values print differently).
    public func contentDigest() throws -> ContentDigest {
        let tables = try session.query("""
            SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'taxon_schema' ORDER BY tablename COLLATE "C"
            """).map { try $0.decode(String.self) }
        var rows: [String: Int] = [:], hashes: [String] = []
        for table in tables {
            let (count, hash) = try session.query(PostgresQuery(unsafeSQL: """
                SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM (SELECT md5(t::text) AS h FROM "\(table)" t) AS hashed
                """)).first!.decode((Int, String).self)
            let name = table == "word_vector" ? "vector" : table
            rows[name] = count
            hashes.append("\(name):\(hash)")
        }
        let total = try session.scalar("SELECT md5(\(hashes.joined(separator: ",")))", as: String.self) ?? ""
        return ContentDigest(rows: rows, hash: String(total.prefix(16)))
    }
}
