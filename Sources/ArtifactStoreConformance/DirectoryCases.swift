import FileIO
import Foundation

extension ArtifactStoreConformance {
    static let directoryCases: [ConformanceCase] = [
        ConformanceCase("mkdir and makedirs") { ctx in
            try ctx.store.mkdir(ctx.path("one"))
            try expect(try ctx.store.isdir(ctx.path("one")), "mkdir creates a directory")
            try expectError(.alreadyExists, naming: "one", "mkdir of an existing directory") {
                try ctx.store.mkdir(ctx.path("one"))
            }
            try expectError(.notFound, naming: "child", "mkdir with a missing parent") {
                try ctx.store.mkdir(ctx.path("missing/child"))
            }
            try ctx.store.makedirs(ctx.path("x/y/z"))
            try expect(try ctx.store.isdir(ctx.path("x/y/z")), "makedirs creates every level")
            try ctx.store.makedirs(ctx.path("x/y/z"))
            try ctx.write("file", "f")
            try expectError(.notADirectory, naming: "file", "makedirs through a file") {
                try ctx.store.makedirs(ctx.path("file/sub"))
            }
        },
        ConformanceCase("empty directories are listed") { ctx in
            try ctx.store.makedirs(ctx.path("parent/empty"))
            try expectEqual(try ctx.store.listdir(ctx.path("parent")), ["empty"], "listdir shows an empty directory")
            try expectEqual(try ctx.store.listdir(ctx.path("parent/empty")), [], "an empty directory lists nothing")
            try expectEqual(try ctx.store.stat(ctx.path("parent/empty")).kind, .directory, "stat kind of a directory")
        },
        ConformanceCase("listdir") { ctx in
            for name in ["b.txt", "a.txt", "c.bin"] { try ctx.write("d/\(name)", name) }
            try ctx.store.makedirs(ctx.path("d/sub"))
            try expectEqual(
                try ctx.store.listdir(ctx.path("d")),
                ["a.txt", "b.txt", "c.bin", "sub"],
                "sorted base names"
            )
            try expectError(.notFound, naming: "nowhere", "listdir of a missing path") {
                _ = try ctx.store.listdir(ctx.path("nowhere"))
            }
            try expectError(.notADirectory, naming: "a.txt", "listdir of a file") {
                _ = try ctx.store.listdir(ctx.path("d/a.txt"))
            }
            let kinds = try Dictionary(
                uniqueKeysWithValues: ctx.store.scandir(ctx.path("d")).map { ($0.name, $0.kind) }
            )
            try expectEqual(kinds["sub"], .directory, "scandir kind of a directory")
            try expectEqual(kinds["a.txt"], .file, "scandir kind of a file")
        },
        ConformanceCase("rmdir and rmtree") { ctx in
            try ctx.write("tree/a/b/file", "x")
            try ctx.write("tree/top", "y")
            try ctx.store.makedirs(ctx.path("tree/empty"))
            try expectError(.directoryNotEmpty, naming: "tree", "rmdir of a non-empty directory") {
                try ctx.store.rmdir(ctx.path("tree"))
            }
            try ctx.store.rmdir(ctx.path("tree/empty"))
            try expect(try !ctx.store.exists(ctx.path("tree/empty")), "rmdir removes an empty directory")
            try expectError(.notADirectory, naming: "top", "rmtree of a file") {
                try ctx.store.rmtree(ctx.path("tree/top"))
            }
            try ctx.store.rmtree(ctx.path("tree"))
            try expect(try !ctx.store.exists(ctx.path("tree")), "rmtree removes the whole tree")
            try expectError(.notFound, naming: "tree", "rmtree of a missing path") {
                try ctx.store.rmtree(ctx.path("tree"))
            }
        },
        ConformanceCase("size of a directory is the sum of its files") { ctx in
            try ctx.write("s/a", "12345")
            try ctx.write("s/sub/b", "123")
            try ctx.write("s/sub/deeper/c", "1")
            try expectEqual(try ctx.store.size(ctx.path("s")), 9, "directory size")
        },
        ConformanceCase("stat") { ctx in
            try ctx.write("st", "abc")
            let info = try ctx.store.stat(ctx.path("st"))
            try expectEqual(info.path, ctx.path("st"), "stat path")
            if let modified = info.modified {
                try expect(abs(modified.timeIntervalSinceNow) < 3600, "modification time is recent (got \(modified))")
            }
            try expectEqual(try ctx.store.stat(ctx.base.description).kind, .directory, "stat of a directory")
        },
    ]
}
