import FileIO
import Foundation
import Synchronization
import Testing

@Suite("fileio routing")
struct FileIORoutingTests {
    @Test func routesByScheme() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let memoryPath = "memory://routing-\(UUID().uuidString)/a.txt"
        let handle = try fileio.open(memoryPath, mode: "w")
        try handle.write("from memory")
        try handle.close()
        try fileio.copy(memoryPath, scratch.path + "/copied.txt")
        #expect(try String(contentsOfFile: scratch.path + "/copied.txt", encoding: .utf8) == "from memory")
        try fileio.copy("file://" + scratch.path + "/copied.txt", scratch.path + "/again.txt")
        #expect(try fileio.listdir(scratch.path) == ["again.txt", "copied.txt"])
    }

    @Test func unknownSchemeNamesItAndListsTheRegisteredOnes() {
        do {
            _ = try fileio.exists("gopher://host/x")
            Issue.record("an unknown scheme was accepted")
        } catch let error as ArtifactStoreError {
            #expect(error.code == .unsupportedScheme)
            #expect(error.description.contains("gopher://"))
            #expect(error.description.contains("memory://"))
            #expect(error.description.contains("file://"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func longestRegisteredRootWins() throws {
        let registry = FilesystemRegistry()
        let wide = try MemoryArtifactStore(root: "memory://")
        let narrow = try MemoryArtifactStore(root: "memory://team/art")
        registry.register(wide)
        registry.register(narrow)
        #expect(try registry.store(for: "memory://team/art/x") === narrow)
        #expect(try registry.store(for: "memory://team/artifacts2/x") === wide)
        #expect(try registry.store(for: "memory://team") === wide)
    }

    @Test func crossStoreCopyAndMoveOfATree() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let source = "memory://tree-\(UUID().uuidString)"
        for name in ["a.txt", "sub/b.txt", "sub/deeper/c.txt"] {
            let handle = try fileio.open("\(source)/\(name)", mode: "w")
            try handle.write(name)
            try handle.close()
        }
        try fileio.makedirs("\(source)/empty")
        try fileio.copyTree(source, scratch.path + "/copy")
        #expect(
            try String(contentsOfFile: scratch.path + "/copy/sub/deeper/c.txt", encoding: .utf8) == "sub/deeper/c.txt"
        )
        #expect(try fileio.isdir(scratch.path + "/copy/empty"))

        try fileio.rename(scratch.path + "/copy", "\(source)-moved")
        #expect(try !fileio.exists(scratch.path + "/copy"))
        #expect(try fileio.size("\(source)-moved") == UInt64("a.txtsub/b.txtsub/deeper/c.txt".utf8.count))
    }

    @Test func crossStoreMoveRefusesAnExistingDestinationAndKeepsBoth() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let source = "memory://refuse-\(UUID().uuidString)/f"
        let handle = try fileio.open(source, mode: "w")
        try handle.write("src")
        try handle.close()
        try "dst".write(toFile: scratch.path + "/f", atomically: false, encoding: .utf8)
        #expect(throws: ArtifactStoreError.self) { try fileio.rename(source, scratch.path + "/f") }
        #expect(try fileio.exists(source))
        #expect(try String(contentsOfFile: scratch.path + "/f", encoding: .utf8) == "dst")
    }
}

@Suite("registry factories")
struct RegistryFactoryTests {
    @Test func aFactoryServesPathsOutsideEveryRegisteredStoreAndIsReused() throws {
        let registry = FilesystemRegistry()
        registry.register(scheme: "memory://") { path in
            try MemoryArtifactStore(root: "memory://" + (path.components.first ?? ""))
        }
        let first = try registry.store(for: "memory://bucket-a/x/y")
        #expect(first.root.description == "memory://bucket-a")
        #expect(try registry.store(for: "memory://bucket-a/other") === first)
        #expect(try registry.store(for: "memory://bucket-b/z") !== first)
        #expect(registry.registeredSchemes == ["memory://"])
    }

    @Test func aFactoryWhoseStoreMissesThePathIsAnError() throws {
        let registry = FilesystemRegistry()
        registry.register(scheme: "memory://") { _ in try MemoryArtifactStore(root: "memory://elsewhere") }
        #expect(throws: ArtifactStoreError.self) { try registry.store(for: "memory://bucket/x") }
    }
}

@Suite("registry lazy stores")
struct RegistryLazyStoreTests {
    @Test func aLazyStoreIsMadeOnlyWhenAPathBelowItsRootIsUsed() throws {
        let registry = FilesystemRegistry.withDefaults()
        let made = Mutex(0)
        let root = try ArtifactPath(parsing: "memory://team/models")
        registry.register(root: root, schemes: ["memory://"]) {
            made.withLock { $0 += 1 }
            return try MemoryArtifactStore(root: "memory://team/models")
        }
        #expect(try registry.store(for: "memory://elsewhere/x").root.description == "memory://")
        #expect(made.withLock { $0 } == 0)
        let store = try registry.store(for: "memory://team/models/resnet")
        #expect(store.root == root)
        #expect(try registry.store(for: "memory://team/models/other") === store)
        #expect(made.withLock { $0 } == 1)
    }

    @Test func aFailingLazyStoreReportsItsErrorAndStaysPending() throws {
        let registry = FilesystemRegistry()
        registry.register(root: try ArtifactPath(parsing: "memory://x"), schemes: ["memory://"]) {
            throw ArtifactStoreError(.permissionDenied, path: "memory://x", "no credentials")
        }
        #expect(throws: ArtifactStoreError.self) { try registry.store(for: "memory://x/a") }
        #expect(throws: ArtifactStoreError.self) { try registry.store(for: "memory://x/a") }
    }
}
