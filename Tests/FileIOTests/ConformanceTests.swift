import ArtifactStoreConformance
import FileIO
import Foundation
import Testing

@Suite("local flavor conformance")
struct LocalConformanceTests {
    @Test(arguments: ArtifactStoreConformance.cases)
    func conformance(_ check: ConformanceCase) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        try check.run(on: LocalArtifactStore(root: scratch.path), under: scratch.path)
    }
}

@Suite("memory flavor conformance")
struct MemoryConformanceTests {
    @Test(arguments: ArtifactStoreConformance.cases)
    func conformance(_ check: ConformanceCase) throws {
        try check.run(on: MemoryArtifactStore(root: "memory://conformance"), under: "memory://conformance")
    }
}

@Suite("local flavor specifics")
struct LocalSpecificTests {
    @Test func lstatReportsALinkAndWhereItPointsWhileStatFollowsIt() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let store = try LocalArtifactStore(root: scratch.path)
        try store.write(scratch.path + "/real.txt", contents: Array("content".utf8))
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/link.txt", withDestinationPath: "real.txt")
        let link = try store.lstat(scratch.path + "/link.txt")
        #expect(link.kind == .symlink && link.linkTarget == "real.txt")
        #expect(try store.readlink(scratch.path + "/link.txt") == "real.txt")
        #expect(try store.stat(scratch.path + "/link.txt").kind == .file)
        #expect(try store.lstat(scratch.path + "/real.txt").kind == .file)
        #expect(throws: ArtifactStoreError.self) { _ = try store.readlink(scratch.path + "/real.txt") }
    }

    @Test func writingThroughASymlinkReplacesItsTarget() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let store = try LocalArtifactStore(root: scratch.path)
        try store.write(scratch.path + "/real.txt", contents: Array("old".utf8))
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/link.txt", withDestinationPath: "real.txt")
        try store.write(scratch.path + "/link.txt", contents: Array("new".utf8))
        #expect(try String(contentsOfFile: scratch.path + "/real.txt", encoding: .utf8) == "new")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.path + "/link.txt") == "real.txt")
    }

    @Test func rmtreeRemovesASymlinkNotWhatItPointsAt() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let store = try LocalArtifactStore(root: scratch.path)
        try store.write(scratch.path + "/keep/precious.bin", contents: [1, 2, 3])
        try store.makedirs(scratch.path + "/tree")
        try FileManager.default.createSymbolicLink(
            atPath: scratch.path + "/tree/link",
            withDestinationPath: scratch.path + "/keep"
        )
        try store.rmtree(scratch.path + "/tree")
        #expect(try store.read(scratch.path + "/keep/precious.bin") == [1, 2, 3])
        #expect(try !store.exists(scratch.path + "/tree"))
    }

    @Test func theStoreRootCannotBeRemoved() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let store = try LocalArtifactStore(root: scratch.path)
        #expect(throws: ArtifactStoreError.self) { try store.rmtree(scratch.path) }
        #expect(FileManager.default.fileExists(atPath: scratch.path))
    }
}

@Suite("local store with a missing root")
struct LocalMissingRootTests {
    @Test func theFirstWriteCreatesTheRootFolder() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let root = scratch.path + "/not/yet/there"
        let store = try LocalArtifactStore(root: root)
        try store.write(root + "/run/model.bin", contents: [7])
        #expect(try store.read(root + "/run/model.bin") == [7])
    }
}

/// A tree deeper than `PATH_MAX` below the store's root: the kernel refuses such a path whole,
/// so the local store reaches it a piece at a time (a mount of a deep root relies on it).
@Suite("local store beyond PATH_MAX")
struct LocalLongPathTests {
    @Test func aTreeDeeperThanPathMaxIsWrittenReadChangedAndRemoved() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let store = try LocalArtifactStore(root: scratch.path)
        var deep = scratch.path
        while deep.utf8.count < 4_400 { deep += "/" + String(repeating: "d", count: 200) }
        try store.makedirs(deep)
        try store.write(deep + "/model.bin", contents: Array("weights".utf8))
        #expect(try store.read(deep + "/model.bin") == Array("weights".utf8))
        try store.setPermissions(deep + "/model.bin", 0o600)
        #expect(try store.stat(deep + "/model.bin").permissions == 0o600)
        try store.symlink("model.bin", at: deep + "/link")
        #expect(try store.readlink(deep + "/link") == "model.bin")
        try store.rename(deep + "/model.bin", deep + "/renamed.bin")
        #expect(try store.listdir(deep) == ["link", "renamed.bin"])
        try store.rmtree(scratch.path + "/" + String(repeating: "d", count: 200))
        #expect(try store.listdir(scratch.path).isEmpty)
    }
}
