// swift-tools-version: 6.1
// An ArtifactFS model-registry plugin: the `folder` flavor, which keeps models and versions as JSON
// files in a folder, built separately from `artifactfs` and registered with
// `artifactfs model-registry flavor register <this folder>`.
import PackageDescription

let package = Package(
    name: "FolderModelRegistry",
    products: [
        // The plugin: a shared library (`.dynamic`) that exports `artifactfs_plugin_entry`.
        .library(name: "FolderModelRegistry", type: .dynamic, targets: ["FolderModelRegistry"])
    ],
    dependencies: [
        // The ArtifactFS SDK. Outside this repository, point this at your ArtifactFS checkout (or its git URL).
        .package(name: "ArtifactFS", path: "../..")
    ],
    targets: [
        // The registry, its flavor and the entry point; the SDK brings `ModelRegistry` and its types, no SQLite.
        .target(name: "FolderModelRegistry", dependencies: [.product(name: "ArtifactFSPlugin", package: "ArtifactFS")])
    ],
    swiftLanguageModes: [.v6]
)
