import ArtifactFS
import Foundation
import Testing

@Suite("sync: the engine over store pairs")
struct SyncEngineTests {
    private func fill(_ store: any ArtifactStore, _ root: String, _ files: [String: String]) throws {
        for (path, text) in files { try store.write(root + "/" + path, contents: Array(text.utf8)) }
    }

    private func contents(_ store: any ArtifactStore, _ root: String) throws -> [String: String] {
        var found: [String: String] = [:]
        let top = try store.resolve(root)
        for entry in try store.walk(root) {
            let dir = try store.resolve(entry.dir)
            let prefix = top.relativeComponents(of: dir).map { $0.joined(separator: "/") } ?? ""
            for name in entry.files {
                found[prefix.isEmpty ? name : prefix + "/" + name] = String(
                    decoding: try store.read(dir.appending(name).description),
                    as: UTF8.self
                )
            }
        }
        return found
    }

    @Test func memoryToLocalAndWithinOneStore() throws {
        let memory = try MemoryArtifactStore()
        let local = try LocalArtifactStore()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sync-engine-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = ["a.txt": "a", "deep/b/c.bin": "c", "deep/d.log": "d"]
        try fill(memory, "memory://src", files)

        let out = try Sync.run(from: memory, "memory://src", to: local, folder, options: SyncOptions(jobs: 3))
        #expect(out.copied.map(\.path) == ["a.txt", "deep/b/c.bin", "deep/d.log"])
        #expect(try contents(local, folder) == files)
        let within = try Sync.run(from: memory, "memory://src", to: memory, "memory://dst", options: SyncOptions())
        #expect(within.copied.count == 3)
        #expect(try contents(memory, "memory://dst") == files)

        // Memory keeps write times, so the copy made first is newer: nothing to do either way.
        let back = try Sync.run(from: local, folder, to: memory, "memory://src", options: SyncOptions())
        #expect(back.copied.isEmpty && back.unchanged == 3)
        let again = try Sync.run(from: memory, "memory://src", to: local, folder, options: SyncOptions())
        #expect(again.copied.isEmpty && again.unchanged == 3)
    }

    @Test func deletionsPruneEmptiedFoldersAndWaitForEveryCopy() throws {
        let memory = try MemoryArtifactStore()
        try fill(memory, "memory://src", ["kept.txt": "k", "sub/keep-dir.txt": "s"])
        try fill(memory, "memory://dst", ["gone/deep/x.txt": "x", "sub/old.txt": "o"])
        let options = SyncOptions(delete: true)
        let synced = try Sync.run(from: memory, "memory://src", to: memory, "memory://dst", options: options)
        #expect(synced.deleted.map(\.path) == ["gone/deep/x.txt", "sub/old.txt"])
        #expect(try !memory.exists("memory://dst/gone"))
        #expect(try memory.isdir("memory://dst/sub"))
        #expect(try contents(memory, "memory://dst") == ["kept.txt": "k", "sub/keep-dir.txt": "s"])

        // A file whose destination path is a folder cannot be copied: nothing is deleted then.
        try fill(memory, "memory://src2", ["clash": "file", "other.txt": "o"])
        try fill(memory, "memory://dst2", ["clash/inside.txt": "i", "stale.txt": "s"])
        let held = try Sync.run(from: memory, "memory://src2", to: memory, "memory://dst2", options: options)
        #expect(held.failed.map(\.path) == ["memory://dst2/clash"])
        #expect(held.failed.first?.code == "isADirectory")
        #expect(held.deletionsSkipped)
        #expect(held.deleted.isEmpty)
        #expect(held.copied.map(\.path) == ["other.txt"])
        #expect(try memory.exists("memory://dst2/stale.txt"))
    }

    @Test func jobsBelowOneAreRefused() throws {
        let memory = try MemoryArtifactStore()
        try fill(memory, "memory://src", ["a": "a"])
        #expect(throws: ArtifactStoreError.self) {
            try Sync.run(from: memory, "memory://src", to: memory, "memory://dst", options: SyncOptions(jobs: 0))
        }
        #expect(try !memory.exists("memory://dst"))
    }
}
