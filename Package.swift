// swift-tools-version: 6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ArtifactFS",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FileIO", targets: ["FileIO"]),
        .library(name: "ArtifactStoreConformance", targets: ["ArtifactStoreConformance"]),
        .executable(name: "artifactfs", targets: ["artifactfs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "CSystemShims"),
        .target(name: "FileIO", dependencies: ["CSystemShims"], swiftSettings: strictSettings),
        .target(
            name: "ArtifactStoreConformance",
            dependencies: ["FileIO"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ArtifactFSCLI",
            dependencies: [
                "FileIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "artifactfs", dependencies: ["ArtifactFSCLI"], swiftSettings: strictSettings),
        .testTarget(
            name: "FileIOTests",
            dependencies: ["FileIO", "ArtifactStoreConformance"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ArtifactFSCLITests",
            dependencies: ["artifactfs", "FileIO"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
