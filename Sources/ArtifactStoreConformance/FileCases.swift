import FileIO

extension ArtifactStoreConformance {
    static let fileCases: [ConformanceCase] = [
        ConformanceCase("write then read back") { ctx in
            try ctx.write("model.bin", "weights v1")
            try expectEqual(try ctx.read("model.bin"), "weights v1", "content read back")
            let info = try ctx.store.stat(ctx.path("model.bin"))
            try expectEqual(info.kind, .file, "stat kind")
            try expectEqual(info.size, 10, "stat size")
            try expect(try ctx.store.exists(ctx.path("model.bin")), "exists after write")
            try expect(try !ctx.store.isdir(ctx.path("model.bin")), "a file is not a directory")
            try expectEqual(try ctx.store.size(ctx.path("model.bin")), 10, "size of a file")
        },
        ConformanceCase("empty file") { ctx in
            let handle = try ctx.store.open(ctx.path("empty"), mode: "wb")
            try handle.close()
            try expect(try ctx.store.exists(ctx.path("empty")), "an empty file exists")
            try expectEqual(try ctx.store.stat(ctx.path("empty")).size, 0, "empty file size")
            try expectEqual(try ctx.store.read(ctx.path("empty")), [], "empty file content")
        },
        ConformanceCase("write replaces existing content") { ctx in
            try ctx.write("f", "a much longer first version")
            try ctx.write("f", "short")
            try expectEqual(try ctx.read("f"), "short", "content after replacing")
        },
        ConformanceCase("names with spaces and non-ASCII characters") { ctx in
            let names = ["with space.txt", "données ünï 模型.bin", "plus+percent%tilde~eq=amp&.csv", "emoji 🚀"]
            for name in names { try ctx.write("dir/\(name)", name) }
            try expectEqual(try ctx.store.listdir(ctx.path("dir")), names.sorted(), "listdir of special names")
            for name in names { try expectEqual(try ctx.read("dir/\(name)"), name, "content of '\(name)'") }
        },
        ConformanceCase("writing creates missing parents") { ctx in
            try ctx.write("a/b/c/d/e/f/g/h/deep.txt", "deep")
            try expect(try ctx.store.isdir(ctx.path("a/b/c/d")), "intermediate directory exists")
            try expectEqual(try ctx.read("a/b/c/d/e/f/g/h/deep.txt"), "deep", "deep file content")
        },
        ConformanceCase("a file cannot be a parent") { ctx in
            try ctx.write("plain", "x")
            try expectError(.notADirectory, naming: "plain", "write below a file") {
                try ctx.write("plain/child", "y")
            }
            try expectEqual(try ctx.read("plain"), "x", "the file is untouched")
        },
        ConformanceCase("reading a missing file") { ctx in
            try expectError(.notFound, naming: "ghost.bin", "open missing for reading") {
                _ = try ctx.store.open(ctx.path("ghost.bin"), mode: "rb")
            }
            try expectError(.notFound, naming: "ghost.bin", "stat missing") {
                _ = try ctx.store.stat(ctx.path("ghost.bin"))
            }
            try expect(try !ctx.store.exists(ctx.path("ghost.bin")), "missing file does not exist")
        },
        ConformanceCase("opening a directory as a file") { ctx in
            try ctx.store.makedirs(ctx.path("folder"))
            try expectError(.isADirectory, naming: "folder", "open a directory for reading") {
                _ = try ctx.store.open(ctx.path("folder"), mode: "r")
            }
            try expectError(.isADirectory, naming: "folder", "open a directory for writing") {
                _ = try ctx.store.open(ctx.path("folder"), mode: "w")
            }
        },
        ConformanceCase("remove") { ctx in
            try ctx.write("gone", "x")
            try ctx.store.remove(ctx.path("gone"))
            try expect(try !ctx.store.exists(ctx.path("gone")), "removed file is gone")
            try expectError(.notFound, naming: "gone", "remove missing") { try ctx.store.remove(ctx.path("gone")) }
            try ctx.store.makedirs(ctx.path("dir"))
            try expectError(.isADirectory, naming: "dir", "remove a directory") {
                try ctx.store.remove(ctx.path("dir"))
            }
            try expect(try ctx.store.isdir(ctx.path("dir")), "directory survives a refused remove")
        },
        ConformanceCase("modes and closed handles") { ctx in
            try expectError(.invalidArgument, naming: "m", "unknown mode") {
                _ = try ctx.store.open(ctx.path("m"), mode: "rw+")
            }
            try ctx.write("m", "data")
            let reader = try ctx.store.open(ctx.path("m"), mode: "r")
            try expectError(.unsupportedOperation, naming: "m", "write on a read handle") { try reader.write("x") }
            try reader.close()
            try reader.close()
            try expectError(.invalidArgument, naming: "m", "read after close") { _ = try reader.read(upToCount: 1) }
            let writer = try ctx.store.open(ctx.path("m2"), mode: "w")
            try expectError(.unsupportedOperation, naming: "m2", "read on a write handle") {
                _ = try writer.read(upToCount: 1)
            }
            try writer.close()
        },
        ConformanceCase("writes appear only on close") { ctx in
            try ctx.write("old", "old content")
            let writer = try ctx.store.open(ctx.path("old"), mode: "w")
            try writer.write("new content")
            try expectEqual(try ctx.read("old"), "old content", "old content visible while writing")
            try writer.close()
            try expectEqual(try ctx.read("old"), "new content", "new content after close")
            do {
                let abandoned = try ctx.store.open(ctx.path("abandoned"), mode: "w")
                try abandoned.write("half")
            }
            try expect(try !ctx.store.exists(ctx.path("abandoned")), "a handle dropped without close publishes nothing")
            try expectEqual(try ctx.store.listdir(ctx.base.description), ["old"], "no staging leftovers in the listing")
        },
        ConformanceCase("append") { ctx in
            if ctx.store.capabilities.append {
                try ctx.write("log", "one\n")
                let handle = try ctx.store.open(ctx.path("log"), mode: "a")
                try handle.write("two\n")
                try handle.close()
                try expectEqual(try ctx.read("log"), "one\ntwo\n", "appended content")
                let fresh = try ctx.store.open(ctx.path("new-log"), mode: "ab")
                try fresh.write("first")
                try fresh.close()
                try expectEqual(try ctx.read("new-log"), "first", "append creates a missing file")
            } else {
                try ctx.write("log", "one\n")
                try expectError(.unsupportedOperation, naming: "log", "append on a store that cannot") {
                    _ = try ctx.store.open(ctx.path("log"), mode: "a")
                }
                try expectEqual(try ctx.read("log"), "one\n", "refused append leaves the file intact")
            }
        },
    ]
}
