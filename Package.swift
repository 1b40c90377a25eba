// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Taxon",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "taxon", targets: ["taxon"]),
        .library(name: "TaxonModel", targets: ["TaxonModel"]),
        .library(name: "TaxonStore", targets: ["TaxonStore"]),
        .library(name: "TaxonPostgres", targets: ["TaxonPostgres"]),
        .library(name: "TaxonCore", targets: ["TaxonCore"]),
        .library(name: "TaxonLinalg", targets: ["TaxonLinalg"]),
        .library(name: "TaxonEmbed", targets: ["TaxonEmbed"]),
        .library(name: "TaxonImport", targets: ["TaxonImport"]),
        .library(name: "TaxonVision", targets: ["TaxonVision"]),
        .library(name: "TaxonSearch", targets: ["TaxonSearch"]),
        .library(name: "TaxonKit", targets: ["TaxonKit"]),
        .library(name: "TaxonServer", targets: ["TaxonServer"]),
        .library(name: "TaxonEval", targets: ["TaxonEval"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The HTTP API; of its traits only FullFoundation (swift-configuration support is not used).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        // Already built for Hummingbird; named for NIOThreadPool, where the server runs blocking work.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // SHA-256 of indexed files (BoringSSL on Linux).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Multipart/form-data photo uploads.
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        // /metrics in the Prometheus text format, fed by Hummingbird's MetricsMiddleware through swift-metrics.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // The PostgreSQL backend's client (its wire protocol, binds and TLS).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // System-library shims: a module map and a header each, nothing else.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng"),

        // The image network's innermost loops in C, built for several x86-64 levels (see its header).
        .target(name: "CVisionKernels"),

        // Rows, errors and the storage protocols: no SQL, no dependencies.
        .target(name: "TaxonModel"),
        // The SQLite implementation of the storage protocols; the only module that sees SQL.
        .target(name: "TaxonStore", dependencies: ["TaxonModel", "CSQLite"]),
        // The PostgreSQL (+ pgvector) implementation of the same protocols; the only module that sees its SQL.
        .target(name: "TaxonPostgres", dependencies: ["TaxonModel", .product(name: "PostgresNIO", package: "postgres-nio")]),
        .target(name: "TaxonLinalg", dependencies: ["COpenBLAS"]),
        .target(name: "TaxonCore", dependencies: ["TaxonModel", "TaxonLinalg"]),
        .target(name: "TaxonImport", dependencies: ["TaxonModel", "TaxonCore", "CLibXML2"]),
        .target(name: "TaxonEmbed", dependencies: ["TaxonModel", "TaxonCore", "TaxonLinalg"]),
        .target(name: "TaxonVision", dependencies: ["TaxonLinalg", "COpenBLAS", "CVisionKernels", "CTurboJPEG", "CPNG"]),
        .target(name: "TaxonSearch", dependencies: [
            "TaxonModel", "TaxonCore", "TaxonEmbed", "TaxonLinalg", "TaxonVision", "COpenBLAS", "CVisionKernels", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "TaxonEval", dependencies: ["TaxonModel", "TaxonCore", "TaxonEmbed", "TaxonLinalg", "TaxonSearch", "TaxonVision", "COpenBLAS"]),
        // The service layer: every capability as one call, for the CLI, the HTTP API and the web page alike.
        .target(name: "TaxonKit", dependencies: [
            "TaxonModel", "TaxonStore", "TaxonPostgres", "TaxonCore", "TaxonImport", "TaxonEmbed", "TaxonLinalg", "TaxonVision", "TaxonSearch", "TaxonEval",
        ]),
        .target(name: "TaxonServer", dependencies: [
            "TaxonKit", "TaxonModel", "TaxonCore", "TaxonEmbed", "TaxonSearch", "TaxonVision", "TaxonLinalg",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "MultipartKit", package: "multipart-kit"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .executableTarget(
            name: "taxon",
            dependencies: [
                "TaxonKit", "TaxonModel", "TaxonCore", "TaxonImport", "TaxonEmbed", "TaxonLinalg", "TaxonVision", "TaxonSearch", "TaxonServer", "TaxonEval",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // What the test targets share: required data (failing, never skipping) and a subprocess runner.
        .target(name: "TaxonTesting", dependencies: ["TaxonModel", "TaxonStore", "TaxonPostgres"], path: "Tests/Support"),
        .testTarget(name: "TaxonStoreTests", dependencies: ["TaxonTesting", "TaxonStore", "TaxonPostgres", "TaxonModel"]),
        .testTarget(name: "TaxonPostgresTests", dependencies: ["TaxonTesting", "taxon", "TaxonKit", "TaxonPostgres", "TaxonStore", "TaxonModel", "TaxonLinalg"]),
        .testTarget(name: "TaxonLinalgTests", dependencies: ["TaxonTesting", "TaxonLinalg"]),
        .testTarget(name: "TaxonCoreTests", dependencies: ["TaxonTesting", "TaxonCore", "TaxonImport", "TaxonStore", "TaxonModel"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TaxonEmbedTests", dependencies: ["TaxonTesting", "TaxonEmbed", "TaxonImport", "TaxonStore", "TaxonModel"]),
        .testTarget(name: "TaxonImportTests", dependencies: ["TaxonTesting", "TaxonImport", "TaxonStore", "TaxonModel"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TaxonVisionTests", dependencies: ["TaxonTesting", "TaxonVision", "TaxonLinalg", "CVisionKernels", "CTurboJPEG", "CPNG"]),
        .testTarget(name: "TaxonSearchTests", dependencies: ["TaxonTesting", "TaxonSearch", "TaxonStore", "TaxonModel", "TaxonVision"]),
        .testTarget(name: "TaxonEvalTests", dependencies: ["TaxonTesting", "TaxonEval", "TaxonSearch", "TaxonLinalg", "TaxonCore", "TaxonImport", "TaxonStore", "TaxonModel"]),
        .testTarget(name: "TaxonServerTests", dependencies: [
            "TaxonTesting", "taxon", "TaxonServer", "TaxonKit", "TaxonSearch", "TaxonStore", "TaxonModel", "TaxonVision", "TaxonLinalg",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "taxonTests", dependencies: ["TaxonTesting", "taxon", "TaxonStore", "TaxonModel"]),
    ],
    swiftLanguageModes: [.v6]
)
