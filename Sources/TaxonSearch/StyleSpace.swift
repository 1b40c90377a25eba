import COpenBLAS
import Foundation
import TaxonLinalg
import TaxonModel
import TaxonVision

/// A collection's style descriptors shrunk by a PCA learned on its own photos (no labels): the stored Gram
/// triangles (thousands of values) become `dims` values, their cosines kept. Not whitened: whitening halved
/// the style mAP on the rendered benchmark (docs/EVALUATION.md).
public struct StyleSpace: Sendable {
    public let projection: StyleProjection

    /// The most dimensions kept, and the most photos a PCA is learned on (spread over the collection).
    public static let maxDims = 256, maxSample = 4096

    /// The space of a stored projection.
    public init(_ projection: StyleProjection) { self.projection = projection }

    /// Learns the PCA on these raw descriptors (at least two): min(`dims`, rows − 1, inputs) dimensions.
    public static func learn(_ sample: [[Float]], dims wanted: Int = maxDims) throws -> StyleSpace {
        let inputs = sample.first?.count ?? 0
        let dims = min(wanted, sample.count - 1, inputs)
        let pca = try PCAWhitening(learnedOn: sample, dims: dims, whiten: false)
        return StyleSpace(StyleProjection(photos: sample.count, dims: dims, inputs: inputs, mean: pca.mean.map(Float.init),
                                          components: pca.projection.values.map(Float.init)))
    }

    /// A raw style descriptor in the space, unit length: the same arithmetic as a collection's (`apply(rows:)`).
    public func apply(_ raw: [Float]) throws -> [Float] { try apply(rows: [raw]) }

    /// Many raw descriptors in the space: count × dims, row-major, unit rows (one sgemm per block of 512 rows,
    /// so the centred copy stays small however large the collection).
    public func apply(rows: [[Float]]) throws -> [Float] {
        let (inputs, dims, block) = (projection.inputs, projection.dims, 512)
        if let bad = rows.first(where: { $0.count != inputs }) { throw SearchError.dimensionMismatch(expected: inputs, got: bad.count) }
        var out = [Float](repeating: 0, count: rows.count * dims)
        var centred = [Float](repeating: 0, count: min(block, rows.count) * inputs)
        for start in stride(from: 0, to: rows.count, by: block) {
            let count = min(block, rows.count - start)
            for r in 0..<count { for c in 0..<inputs { centred[r * inputs + c] = rows[start + r][c] - projection.mean[c] } }
            out.withUnsafeMutableBufferPointer { out in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(dims), Int32(inputs), 1, centred, Int32(inputs),
                            projection.components, Int32(inputs), 0, out.baseAddress! + start * dims, Int32(dims))
            }
        }
        for r in 0..<rows.count {
            let norm = (0..<dims).reduce(Float(0)) { $0 + out[r * dims + $1] * out[r * dims + $1] }.squareRoot()
            if norm > 0 { for d in 0..<dims { out[r * dims + d] /= norm } }
        }
        return out
    }

    /// Every stored style descriptor of the collection in the space (count × dims, id order), read and projected
    /// a block at a time; nil when a photo has none or another length (a projection learned for another network).
    public func project(store: Store, collection: CollectionInfo) throws -> [Float]? {
        var matrix: [Float] = [], complete = true
        try store.styles(in: collection, batch: 512) { rows in
            guard complete, rows.allSatisfy({ $0?.count == projection.inputs }) else { complete = false; return }
            matrix += try apply(rows: rows.map { $0! })
        }
        return complete ? matrix : nil
    }

    /// Learns the collection's projection when it has none, or when it has doubled since (until the sample
    /// is full size): what every writer of photos calls after writing. Returns the projection now in use.
    @discardableResult
    public static func refresh(store: Store, collection: CollectionInfo) throws -> StyleProjection? {
        let stored = try store.styleProjection(of: collection)
        if let stored, stored.photos >= maxSample { return stored }
        let (count, _) = try store.styleSample(of: collection, limit: 0)
        guard count >= 2, count >= 2 * (stored?.photos ?? 1) else { return stored }
        let learned = try learn(try store.styleSample(of: collection, limit: maxSample).sample).projection
        try store.setStyleProjection(learned, of: collection)
        return learned
    }
}
