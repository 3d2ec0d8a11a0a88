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
        .library(name: "StackModel", targets: ["StackModel"]),
        .library(name: "Stacks", targets: ["Stacks"]),
        .library(name: "ModelRegistry", targets: ["ModelRegistry"]),
        .library(name: "FuseBridge", targets: ["FuseBridge"]),
        .executable(name: "artifactfs", targets: ["artifactfs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(name: "CSystemShims"),
        .target(name: "FileIO", dependencies: ["CSystemShims"], swiftSettings: strictSettings),
        .target(
            name: "ArtifactStoreConformance",
            dependencies: ["FileIO"],
            swiftSettings: strictSettings
        ),
        .systemLibrary(name: "CFuse", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
        .target(name: "FuseBridge", dependencies: ["FileIO", "CFuse"], swiftSettings: strictSettings),
        .target(name: "StackModel", dependencies: ["FileIO"], swiftSettings: strictSettings),
        .target(
            name: "Stacks",
            dependencies: [
                "FileIO",
                "StackModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ModelRegistry",
            dependencies: ["FileIO", "Stacks", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ArtifactFSCLI",
            dependencies: [
                "FileIO",
                "Stacks",
                "ModelRegistry",
                "FuseBridge",
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
            name: "StacksTests",
            dependencies: ["Stacks", "FileIO"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ModelRegistryTests",
            dependencies: ["ModelRegistry", "Stacks", "FileIO"],
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
