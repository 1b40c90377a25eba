import HTTPTypes
import Hummingbird

/// One file of the web page (web/, embedded by scripts/gen-web.py).
struct WebAsset: Sendable {
    /// Its name under web/.
    let file: String
    let type: String
    let body: String
}

/// The web page at `/`: static files from memory, open to every visitor (the API
/// calls it makes carry their own key). The policy keeps it to this origin:
/// no script, style or font from elsewhere, no inline script, no framing.
enum WebPage {
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-cache",
    ]

    static func add(to router: Router<TaxonContext>) {
        for (path, asset) in webAssets {
            let headers = securityHeaders + [HTTPField(name: .contentType, value: asset.type)]
            let body = ByteBuffer(string: asset.body)
            router.get(RouterPath(path)) { _, _ in Response(status: .ok, headers: headers, body: .init(byteBuffer: body)) }
        }
    }
}
