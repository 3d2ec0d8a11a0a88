import FileIO

extension ArtifactStoreConformance {
    static let transferCases: [ConformanceCase] = [
        ConformanceCase("copyfile") { ctx in
            try ctx.write("src", "source")
            try ctx.store.copyfile(ctx.path("src"), ctx.path("nested/dst"), overwrite: false)
            try expectEqual(try ctx.read("nested/dst"), "source", "copied content")
            try expectEqual(try ctx.read("src"), "source", "source kept")
        },
        ConformanceCase("copyfile refuses to overwrite") { ctx in
            try ctx.write("src", "source")
            try ctx.write("dst", "destination")
            try expectError(.alreadyExists, naming: "dst", "copy onto an existing file") {
                try ctx.store.copyfile(ctx.path("src"), ctx.path("dst"), overwrite: false)
            }
            try expectEqual(try ctx.read("src"), "source", "source untouched")
            try expectEqual(try ctx.read("dst"), "destination", "destination untouched")
            try ctx.store.copyfile(ctx.path("src"), ctx.path("dst"), overwrite: true)
            try expectEqual(try ctx.read("dst"), "source", "overwrite replaces")
        },
        ConformanceCase("copyfile errors") { ctx in
            try expectError(.notFound, naming: "absent", "copy a missing file") {
                try ctx.store.copyfile(ctx.path("absent"), ctx.path("x"), overwrite: false)
            }
            try ctx.store.makedirs(ctx.path("dir"))
            try expectError(.isADirectory, naming: "dir", "copy a directory") {
                try ctx.store.copyfile(ctx.path("dir"), ctx.path("x"), overwrite: false)
            }
            try expect(try !ctx.store.exists(ctx.path("x")), "failed copies leave no destination")
        },
        ConformanceCase("rename a file") { ctx in
            try ctx.write("before", "payload")
            try ctx.store.rename(ctx.path("before"), ctx.path("moved/after"), overwrite: false)
            try expect(try !ctx.store.exists(ctx.path("before")), "source gone after rename")
            try expectEqual(try ctx.read("moved/after"), "payload", "content at the new name")
            try expectError(.notFound, naming: "before", "rename a missing file") {
                try ctx.store.rename(ctx.path("before"), ctx.path("other"), overwrite: false)
            }
        },
        ConformanceCase("rename refuses to overwrite") { ctx in
            try ctx.write("a", "A")
            try ctx.write("b", "B")
            try expectError(.alreadyExists, naming: "b", "rename onto an existing file") {
                try ctx.store.rename(ctx.path("a"), ctx.path("b"), overwrite: false)
            }
            try expectEqual(try ctx.read("a"), "A", "source untouched")
            try expectEqual(try ctx.read("b"), "B", "destination untouched")
            try ctx.store.rename(ctx.path("a"), ctx.path("b"), overwrite: true)
            try expectEqual(try ctx.read("b"), "A", "overwrite replaces")
            try expect(try !ctx.store.exists(ctx.path("a")), "source gone after overwrite")
        },
        ConformanceCase("rename a directory") { ctx in
            try ctx.write("d1/x", "1")
            try ctx.write("d1/sub/y", "2")
            try ctx.store.makedirs(ctx.path("d1/empty"))
            try ctx.store.rename(ctx.path("d1"), ctx.path("d2"), overwrite: false)
            try expect(try !ctx.store.exists(ctx.path("d1")), "old directory gone")
            try expectEqual(try ctx.read("d2/sub/y"), "2", "nested file moved")
            try expect(try ctx.store.isdir(ctx.path("d2/empty")), "empty subdirectory moved")
            try expectError(.invalidPath, naming: "inner", "move a directory into itself") {
                try ctx.store.rename(ctx.path("d2"), ctx.path("d2/inner"), overwrite: false)
            }
        },
    ]
}
