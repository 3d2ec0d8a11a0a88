// swift-tools-version: 6.1
// An ArtifactFS flavor plugin: the `blob` artifact store, built separately from `artifactfs` and
// registered with `artifactfs artifact-store flavor register <this folder>`.
import PackageDescription

let package = Package(
    name: "BlobStoreFlavor",
    products: [
        // The plugin: a shared library (`.dynamic`) that exports `artifactfs_plugin_entry`.
        .library(name: "BlobStoreFlavor", type: .dynamic, targets: ["BlobStoreFlavor"])
    ],
    dependencies: [
        // The ArtifactFS SDK. Outside this repository, point this at your ArtifactFS checkout (or its git URL).
        .package(name: "ArtifactFS", path: "../..")
    ],
    targets: [
        // The implementation: an `ArtifactStore` and its file handles. Heavy dependencies belong here only.
        .target(name: "BlobStore", dependencies: [.product(name: "ArtifactFSPlugin", package: "ArtifactFS")]),
        // The flavor and its config, plus the entry point that exports them through the plugin ABI.
        .target(
            name: "BlobStoreFlavor",
            dependencies: ["BlobStore", .product(name: "ArtifactFSPlugin", package: "ArtifactFS")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
