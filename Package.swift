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
        .library(name: "ModelRegistryAPI", targets: ["ModelRegistryAPI"]),
        .library(name: "ArtifactFSPlugin", targets: ["ArtifactFSPlugin"]),
        .library(name: "Stacks", targets: ["Stacks"]),
        .library(name: "ModelRegistry", targets: ["ModelRegistry"]),
        .library(name: "CurlHTTP", targets: ["CurlHTTP"]),
        .library(name: "ObjectStore", targets: ["ObjectStore"]),
        .library(name: "S3Store", targets: ["S3Store"]),
        .library(name: "FuseBridge", targets: ["FuseBridge"]),
        .library(name: "GCSStore", targets: ["GCSStore"]),
        .library(name: "AzureStore", targets: ["AzureStore"]),
        .library(name: "ArtifactFS", targets: ["ArtifactFS"]),
        .library(name: "ArtifactFSC", type: .dynamic, targets: ["ArtifactFSC"]),
        .executable(name: "artifactfs", targets: ["artifactfs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
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
        .target(
            name: "FuseBridge",
            dependencies: [
                "FileIO", "CFuse", "CSystemShims", .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        .target(name: "StackModel", dependencies: ["FileIO"], swiftSettings: strictSettings),
        .target(name: "ModelRegistryAPI", dependencies: ["FileIO"], swiftSettings: strictSettings),
        .target(name: "CArtifactFSPlugin"),
        .target(
            name: "ArtifactFSPlugin",
            dependencies: ["FileIO", "StackModel", "ModelRegistryAPI", "CArtifactFSPlugin"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PluginHost",
            dependencies: [
                "FileIO", "StackModel", "ModelRegistryAPI", "ArtifactFSPlugin", "CArtifactFSPlugin",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(
            name: "Stacks",
            dependencies: [
                "FileIO",
                "StackModel",
                "CLibPQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ModelRegistry",
            dependencies: [
                "FileIO", "Stacks", "ModelRegistryAPI", "ArtifactFSPlugin", "CurlHTTP",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "CurlHTTP", dependencies: ["CCurl"], swiftSettings: strictSettings),
        .target(
            name: "ObjectStore",
            dependencies: ["FileIO", "CurlHTTP", "StackModel"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "S3Store",
            dependencies: [
                "FileIO", "StackModel", "CurlHTTP", "ObjectStore", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "GCSStore",
            dependencies: [
                "FileIO", "StackModel", "CurlHTTP", "ObjectStore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AzureStore",
            dependencies: [
                "FileIO", "StackModel", "CurlHTTP", "ObjectStore", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TestServers",
            dependencies: ["FileIO", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ArtifactFS",
            dependencies: [
                "FileIO", "Stacks", "ModelRegistry", "PluginHost", "ArtifactFSPlugin", "ObjectStore", "S3Store",
                "GCSStore", "AzureStore", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ArtifactFSC",
            dependencies: ["ArtifactFS"],
            exclude: ["include"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ArtifactFSCLI",
            dependencies: [
                "ArtifactFS",
                "PluginHost",
                "FuseBridge",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "artifactfs", dependencies: ["ArtifactFSCLI"], swiftSettings: strictSettings),
        .executableTarget(
            name: "artifactfs-bench",
            dependencies: ["ArtifactFS", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FileIOTests",
            dependencies: ["FileIO", "ArtifactStoreConformance"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StacksTests",
            dependencies: ["Stacks", "FileIO", "TestServers"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ModelRegistryTests",
            dependencies: ["ModelRegistry", "Stacks", "FileIO", "TestServers"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ArtifactFSCLITests",
            dependencies: [
                "artifactfs", "ArtifactFS", "FileIO", "FuseBridge", "Stacks", "PluginHost", "ArtifactFSPlugin",
                "ModelRegistry", "ArtifactStoreConformance",
                "TestServers", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP"], swiftSettings: strictSettings),
        .testTarget(
            name: "S3StoreTests",
            dependencies: [
                "S3Store", "ObjectStore", "CurlHTTP", "FileIO", "StackModel", "ArtifactStoreConformance", "TestServers",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GCSStoreTests",
            dependencies: [
                "GCSStore", "ObjectStore", "CurlHTTP", "FileIO", "StackModel", "ArtifactStoreConformance",
                "TestServers",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AzureStoreTests",
            dependencies: [
                "AzureStore", "ObjectStore", "CurlHTTP", "FileIO", "StackModel", "ArtifactStoreConformance",
                "TestServers",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: - A slice of the test targets

/// `ARTIFACTFS_TEST_TARGETS=FileIOTests,CurlHTTPTests` keeps only those test targets and the
/// targets they depend on (and no products), so a sanitized `swift test` (`scripts/sanitize`, in
/// its own build path) builds only what it runs.
if let slice = Context.environment["ARTIFACTFS_TEST_TARGETS"] {
    var kept = Set(slice.split(separator: ",").map(String.init))
    var pending = Array(kept)
    while let name = pending.popLast() {
        for dependency in package.targets.first(where: { $0.name == name })?.dependencies ?? [] {
            switch dependency {
            case .targetItem(let name, _), .byNameItem(let name, _):
                if kept.insert(name).inserted { pending.append(name) }
            default: continue
            }
        }
    }
    package.targets.removeAll { !kept.contains($0.name) }
    package.products.removeAll()
}

// MARK: - Fuzz targets

/// libFuzzer targets (`Fuzz/Sources/<name>`), declared only when `ARTIFACTFS_FUZZ=1`, so the normal
/// build and `swift test` never compile them; `scripts/fuzz` builds them with `-sanitize=fuzzer` in
/// their own build path.
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("fuzz-artifact-path", ["FileIO"]),
    ("fuzz-glob", ["FileIO"]),
    ("fuzz-settings", ["StackModel", "S3Store", "GCSStore", "AzureStore"]),
    ("fuzz-stack-import", ["FileIO", "StackModel", "Stacks", "S3Store", "GCSStore", "AzureStore"]),
    ("fuzz-s3-answers", ["ObjectStore", "S3Store"]),
    ("fuzz-gcs-answers", ["ObjectStore", "GCSStore"]),
    ("fuzz-azure-answers", ["ObjectStore", "AzureStore"]),
    ("fuzz-sigv4", ["S3Store", "CurlHTTP"]),
]
if Context.environment["ARTIFACTFS_FUZZ"] == "1" {
    package.targets.append(.systemLibrary(name: "CLibFuzzer", path: "Fuzz/Sources/CLibFuzzer"))
    package.targets.append(
        .target(
            name: "FuzzSupport",
            dependencies: ["CLibFuzzer", "ObjectStore"],
            path: "Fuzz/Sources/FuzzSupport",
            swiftSettings: strictSettings
        )
    )
    for target in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: target.name,
                dependencies: ["FuzzSupport"] + target.dependencies,
                path: "Fuzz/Sources/\(target.name)",
                swiftSettings: strictSettings
            )
        )
    }
}
