import FileIO

extension ArtifactStoreConformance {
    static let listingCases: [ConformanceCase] = [
        ConformanceCase("walk top-down and bottom-up") { ctx in
            try ctx.write("w/a.txt", "a")
            try ctx.write("w/sub1/b.txt", "b")
            try ctx.write("w/sub1/deep/c.txt", "c")
            try ctx.store.makedirs(ctx.path("w/sub2"))
            let top = try ctx.store.walk(ctx.path("w"), topdown: true)
            try expectEqual(
                top.map(\.dir),
                [ctx.path("w"), ctx.path("w/sub1"), ctx.path("w/sub1/deep"), ctx.path("w/sub2")],
                "top-down order"
            )
            try expectEqual(top[0].subdirs, ["sub1", "sub2"], "subdirectories of the top")
            try expectEqual(top[0].files, ["a.txt"], "files of the top")
            let bottom = try ctx.store.walk(ctx.path("w"), topdown: false)
            try expectEqual(bottom.last?.dir, ctx.path("w"), "bottom-up visits the top last")
            try expect(
                bottom.firstIndex { $0.dir == ctx.path("w/sub1/deep") }! < bottom.firstIndex {
                    $0.dir == ctx.path("w/sub1")
                }!,
                "bottom-up visits children before parents"
            )
            try expectError(.notFound, naming: "nowhere", "walk of a missing top") {
                _ = try ctx.store.walk(ctx.path("nowhere"), topdown: true)
            }
        },
        ConformanceCase("walk prunes subdirectories the visitor removes") { ctx in
            try ctx.write("p/keep/x", "x")
            try ctx.write("p/skip/y", "y")
            var seen: [String] = []
            try ctx.store.walk(ctx.path("p"), topdown: true, onError: nil) { entry in
                seen.append(entry.dir)
                entry.subdirs.removeAll { $0 == "skip" }
            }
            try expectEqual(seen, [ctx.path("p"), ctx.path("p/keep")], "pruned walk")
        },
        ConformanceCase("glob") { ctx in
            for name in ["a1.csv", "a2.csv", "b1.csv", "notes.txt", ".hidden.csv", "sub/c.csv", "sub/deep/d.csv"] {
                try ctx.write("g/\(name)", name)
            }
            func glob(_ pattern: String) throws -> [String] {
                try ctx.store.glob(ctx.path("g") + "/" + pattern).map { String($0.dropFirst(ctx.path("g").count + 1)) }
            }
            try expectEqual(try glob("*.csv"), ["a1.csv", "a2.csv", "b1.csv"], "star skips hidden files")
            try expectEqual(try glob("a?.csv"), ["a1.csv", "a2.csv"], "question mark")
            try expectEqual(try glob("[ab]1.csv"), ["a1.csv", "b1.csv"], "character set")
            try expectEqual(try glob("[!a]*.csv"), ["b1.csv"], "negated set")
            try expectEqual(try glob(".*"), [".hidden.csv"], "a leading dot matches hidden files")
            try expectEqual(
                try glob("**/*.csv"),
                ["a1.csv", "a2.csv", "b1.csv", "sub/c.csv", "sub/deep/d.csv"],
                "double star"
            )
            try expectEqual(try glob("*/c.csv"), ["sub/c.csv"], "wildcard directory")
            try expectEqual(try glob("sub"), ["sub"], "literal path")
            try expectEqual(try glob("*.parquet"), [], "no match is an empty list")
            try expectEqual(try glob("missing/*"), [], "a missing directory matches nothing")
            // Found by `scripts/fuzz fuzz-glob`: `**` matched a missing directory as itself.
            try expectEqual(try glob("missing/**"), [], "double star below a missing directory matches nothing")
            try expectEqual(try glob("notes.txt/**"), [], "double star below a file matches nothing")
            try expectEqual(try glob("sub/**"), ["sub", "sub/c.csv", "sub/deep", "sub/deep/d.csv"], "double star last")
        },
    ]
}
