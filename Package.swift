// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Taxon",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "taxon", targets: ["taxon"]),
        .library(name: "TaxonStore", targets: ["TaxonStore"]),
        .library(name: "TaxonCore", targets: ["TaxonCore"]),
        .library(name: "TaxonLinalg", targets: ["TaxonLinalg"]),
        .library(name: "TaxonEmbed", targets: ["TaxonEmbed"]),
        .library(name: "TaxonImport", targets: ["TaxonImport"]),
        .library(name: "TaxonVision", targets: ["TaxonVision"]),
        .library(name: "TaxonSearch", targets: ["TaxonSearch"]),
        .library(name: "TaxonServer", targets: ["TaxonServer"]),
        .library(name: "TaxonEval", targets: ["TaxonEval"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The HTTP API; of its traits only FullFoundation (swift-configuration support is not used).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
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

        .target(name: "TaxonStore", dependencies: ["CSQLite"]),
        .target(name: "TaxonLinalg", dependencies: ["COpenBLAS"]),
        .target(name: "TaxonCore", dependencies: ["TaxonStore", "TaxonLinalg"]),
        .target(name: "TaxonImport", dependencies: ["TaxonStore", "TaxonCore", "CLibXML2"]),
        .target(name: "TaxonEmbed", dependencies: ["TaxonCore", "TaxonLinalg", "TaxonStore"]),
        .target(name: "TaxonVision", dependencies: ["TaxonLinalg", "COpenBLAS", "CVisionKernels", "CTurboJPEG", "CPNG"]),
        .target(name: "TaxonSearch", dependencies: ["TaxonStore", "TaxonCore", "TaxonEmbed", "TaxonLinalg", "TaxonVision", "COpenBLAS"]),
        .target(name: "TaxonEval", dependencies: ["TaxonStore", "TaxonCore", "TaxonEmbed", "TaxonLinalg", "TaxonSearch", "TaxonVision", "COpenBLAS"]),
        .target(name: "TaxonServer", dependencies: [
            "TaxonStore", "TaxonCore", "TaxonEmbed", "TaxonSearch", "TaxonVision",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .executableTarget(
            name: "taxon",
            dependencies: [
                "TaxonStore", "TaxonCore", "TaxonImport", "TaxonEmbed", "TaxonLinalg", "TaxonVision", "TaxonSearch", "TaxonServer", "TaxonEval",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "TaxonStoreTests", dependencies: ["TaxonStore"]),
        .testTarget(name: "TaxonLinalgTests", dependencies: ["TaxonLinalg"]),
        .testTarget(name: "TaxonCoreTests", dependencies: ["TaxonCore", "TaxonImport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TaxonEmbedTests", dependencies: ["TaxonEmbed", "TaxonImport"]),
        .testTarget(name: "TaxonImportTests", dependencies: ["TaxonImport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TaxonVisionTests", dependencies: ["TaxonVision", "TaxonLinalg", "CVisionKernels", "CTurboJPEG", "CPNG"]),
        .testTarget(name: "TaxonSearchTests", dependencies: ["TaxonSearch", "TaxonStore", "TaxonVision"]),
        .testTarget(name: "TaxonEvalTests", dependencies: ["TaxonEval", "TaxonSearch", "TaxonCore", "TaxonImport", "TaxonStore"]),
        .testTarget(name: "TaxonServerTests", dependencies: [
            "taxon", "TaxonServer", "TaxonSearch", "TaxonStore", "TaxonVision",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "taxonTests", dependencies: ["taxon", "TaxonStore"]),
    ],
    swiftLanguageModes: [.v6]
)
