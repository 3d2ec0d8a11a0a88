import FileIO

extension ArtifactStoreConformance {
    static let pathCases: [ConformanceCase] = [
        ConformanceCase("dot and dot-dot are resolved") { ctx in
            try ctx.write("n/real", "r")
            try expectEqual(
                try String(decoding: ctx.store.read(ctx.path("n") + "/./other/../real"), as: UTF8.self),
                "r",
                "read through . and .."
            )
        },
        ConformanceCase("paths outside the root are refused") { ctx in
            let root = ctx.store.root
            if !root.isRoot {
                let sibling = root.parent.appending(root.name + "2").appending("x").description
                try expectError(.invalidPath, naming: "x", "a sibling that shares the root's prefix") {
                    _ = try ctx.store.stat(sibling)
                }
                let above = root.description + "/../escaped"
                try expectError(.invalidPath, naming: "escaped", "climbing out with ..") {
                    try ctx.store.write(above, contents: [1])
                }
            }
            try expectError(.unsupportedScheme, naming: "key", "a scheme the store does not serve") {
                _ = try ctx.store.stat("nosuchscheme://bucket/key")
            }
        },
    ]
}
