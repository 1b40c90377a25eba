import Foundation

/// `taxon eval retrieval --report DIR`: the scores as CSV and the HP@k curves
/// of every ranking as one SVG line chart (written here, no plotting library).
public enum RetrievalReport {
    /// Writes DIR/summary.csv, DIR/hp.csv and DIR/hp.svg; returns their paths.
    @discardableResult
    public static func write(_ results: [RetrievalScores], labels: [String], to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cutoffs = RetrievalScores.cutoffs(upTo: results.map(\.k).min() ?? 0)
        var summary = "ranking,queries,mAP,queries_with_relevant,mAHP@k,k,NDCG@k,ndcg_k"
            + cutoffs.map { ",HP@\($0)" }.joined() + cutoffs.map { ",P@\($0)" }.joined() + "\n"
        for (label, r) in zip(labels, results) {
            summary += "\(csvField(label)),\(r.queries),\(r.meanAveragePrecision.map { "\($0)" } ?? ""),\(r.queriesWithRelevant),"
                + "\(r.meanAHP),\(r.k),\(r.meanNDCG),\(r.ndcgK)"
                + cutoffs.map { ",\(r.hierarchicalPrecision[$0 - 1])" }.joined() + cutoffs.map { ",\(r.precision[$0] ?? .nan)" }.joined() + "\n"
        }
        let k = results.map(\.k).min() ?? 0
        var curves = "k" + labels.map { "," + csvField($0) }.joined() + "\n"
        for i in 0..<k { curves += "\(i + 1)" + results.map { ",\($0.hierarchicalPrecision[i])" }.joined() + "\n" }
        let paths = ["summary.csv", "hp.csv", "hp.svg"].map { (directory as NSString).appendingPathComponent($0) }
        try summary.write(toFile: paths[0], atomically: true, encoding: .utf8)
        try curves.write(toFile: paths[1], atomically: true, encoding: .utf8)
        try chart(results.map { Array($0.hierarchicalPrecision.prefix(k)) }, labels: labels).write(toFile: paths[2], atomically: true, encoding: .utf8)
        return paths
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// HP@k against k, one polyline per ranking; the y axis from the lowest value (floored to 0.1) to 1.
    /// Other charts name their axes and put their own ticks on x (as 1-based positions).
    static func chart(_ curves: [[Double]], labels: [String], xLabel: String = "k (results retrieved)",
                      yLabel: String = "hierarchical precision HP@k", xTicks: [(position: Int, label: String)]? = nil) -> String {
        let (width, height, left, right, top, bottom) = (720.0, 440.0, 60.0, 200.0, 20.0, 50.0)
        let k = curves.map(\.count).min() ?? 0
        let lowest = (curves.flatMap { $0 }.min() ?? 0).clamped()
        let yMin = (lowest * 10).rounded(.down) / 10
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        // Coordinates to one decimal.
        func x(_ i: Int) -> String { String(format: "%.1f", left + (k > 1 ? Double(i) / Double(k - 1) : 0) * plotWidth) }
        func y(_ v: Double) -> String { String(format: "%.1f", top + (1 - (v - yMin) / max(1 - yMin, 1e-9)) * plotHeight) }
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="\(height - 10)">\(xmlEscaped(xLabel))</text>
            <text x="14" y="\(top + plotHeight / 2)" transform="rotate(-90 14 \(top + plotHeight / 2))" text-anchor="middle">\(xmlEscaped(yLabel))</text>

            """
        for step in 0...Int(((1 - yMin) * 10).rounded()) {
            let v = yMin + Double(step) / 10
            svg += "<line x1=\"\(left)\" y1=\"\(y(v))\" x2=\"\(left + plotWidth)\" y2=\"\(y(v))\" stroke=\"#ddd\"/>"
                + "<text x=\"\(left - 6)\" dy=\"4\" y=\"\(y(v))\" text-anchor=\"end\">\(String(format: "%.1f", v))</text>\n"
        }
        for (tick, label) in xTicks ?? RetrievalScores.cutoffs(upTo: k).map({ ($0, "\($0)") }) {
            svg += "<line x1=\"\(x(tick - 1))\" y1=\"\(top + plotHeight)\" x2=\"\(x(tick - 1))\" y2=\"\(top + plotHeight + 5)\" stroke=\"black\"/>"
                + "<text x=\"\(x(tick - 1))\" y=\"\(top + plotHeight + 18)\" text-anchor=\"middle\">\(label)</text>\n"
        }
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"black\"/>\n"
        for (index, curve) in curves.enumerated() {
            let colour = colours[index % colours.count]
            let points = curve.prefix(k).enumerated().map { x($0.offset) + "," + y($0.element) }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(points)\"/>\n"
            let legendY = top + 14 + Double(index) * 18
            svg += "<line x1=\"\(width - right + 12)\" y1=\"\(legendY - 4)\" x2=\"\(width - right + 32)\" y2=\"\(legendY - 4)\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
                + "<text x=\"\(width - right + 38)\" y=\"\(legendY)\">\(xmlEscaped(labels[index]))</text>\n"
        }
        return svg + "</svg>\n"
    }
}

private extension Double {
    func clamped() -> Double { Swift.min(Swift.max(self, 0), 1) }
}
