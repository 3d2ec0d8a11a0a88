// swift-tools-version: 6.1
// A pipeline step written in Swift: reads its input artifact and writes its output through `fileio`
// on the active stack's artifact store, after one `ArtifactFS.activate()`.
import PackageDescription

let package = Package(
    name: "PipelineStep",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Outside this repository, point this at your ArtifactFS checkout (or its git URL).
        .package(name: "ArtifactFS", path: "../..")
    ],
    targets: [
        .executableTarget(name: "TrainStep", dependencies: [.product(name: "ArtifactFS", package: "ArtifactFS")])
    ],
    swiftLanguageModes: [.v6]
)
