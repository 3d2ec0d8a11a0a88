import FileIO
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// POSIX metadata: a store that declares a kind of metadata keeps every change of it; one that
/// does not refuses the change with the documented code and leaves the path as it was.
extension ArtifactStoreConformance {
    static let metadataCases: [ConformanceCase] = [
        ConformanceCase("set permissions: kept, or refused with nothing changed") { ctx in
            try ctx.write("f", "x")
            let before = try ctx.store.stat(ctx.path("f"))
            if ctx.keeps(.permissions) {
                try ctx.store.setPermissions(ctx.path("f"), 0o640)
                try expectEqual(try ctx.store.stat(ctx.path("f")).permissions, 0o640, "mode after setPermissions")
                try ctx.store.setPermissions(ctx.path("f"), 0o4755)
                try expectEqual(try ctx.store.stat(ctx.path("f")).permissions, 0o4755, "set-user-ID bit kept")
            } else {
                try expectError(.unsupportedOperation, naming: "f", "setPermissions") {
                    try ctx.store.setPermissions(ctx.path("f"), 0o640)
                }
                try expectEqual(try ctx.store.stat(ctx.path("f")).permissions, before.permissions, "mode unchanged")
            }
            try expectError(.notFound, naming: "missing", "setPermissions of a missing path") {
                try ctx.store.setPermissions(ctx.path("missing"), 0o640)
            }
        },
        ConformanceCase("set owner: kept, or refused with nothing changed") { ctx in
            try ctx.write("f", "x")
            let before = try ctx.store.stat(ctx.path("f"))
            // Only root may give a file away; anyone may "change" it to what it is.
            let (owner, group) = geteuid() == 0 ? (UInt32(65534), UInt32(65534)) : (geteuid(), getegid())
            if ctx.keeps(.ownership) {
                try ctx.store.setOwner(ctx.path("f"), owner: owner, group: nil)
                let changed = try ctx.store.stat(ctx.path("f"))
                try expectEqual(changed.owner, owner, "owner after setOwner")
                try expectEqual(changed.group, before.group, "a nil group is left as it was")
                try ctx.store.setOwner(ctx.path("f"), owner: nil, group: group)
                try expectEqual(try ctx.store.stat(ctx.path("f")).group, group, "group after setOwner")
            } else {
                try expectError(.unsupportedOperation, naming: "f", "setOwner") {
                    try ctx.store.setOwner(ctx.path("f"), owner: owner, group: group)
                }
                let after = try ctx.store.stat(ctx.path("f"))
                try expect(after.owner == before.owner && after.group == before.group, "owner unchanged")
            }
        },
        ConformanceCase("set times: kept, or refused with nothing changed") { ctx in
            try ctx.write("f", "x")
            let before = try ctx.store.stat(ctx.path("f"))
            let old = Date(timeIntervalSince1970: 1_577_836_800.25)  // 2020-01-01, a quarter second in
            if ctx.keeps(.timestamps) {
                try ctx.store.setTimes(ctx.path("f"), accessed: .keep, modified: .set(old))
                let changed = try ctx.store.stat(ctx.path("f"))
                try expect(
                    abs((changed.modified ?? Date()).timeIntervalSince(old)) < 0.001,
                    "mtime after setTimes: \(String(describing: changed.modified))"
                )
                if let accessed = before.accessed {
                    try expect(changed.accessed == accessed, "an atime asked to be kept is kept")
                }
                try ctx.store.setTimes(ctx.path("f"), accessed: .now, modified: .now)
                let now = try ctx.store.stat(ctx.path("f")).modified ?? old
                try expect(abs(now.timeIntervalSinceNow) < 60, "mtime set to now: \(now)")
            } else {
                try expectError(.unsupportedOperation, naming: "f", "setTimes") {
                    try ctx.store.setTimes(ctx.path("f"), accessed: .keep, modified: .set(old))
                }
                try expectEqual(try ctx.store.stat(ctx.path("f")).modified, before.modified, "mtime unchanged")
            }
        },
        ConformanceCase("symbolic links: kept, or refused with nothing made") { ctx in
            try ctx.write("target", "x")
            if ctx.keeps(.symbolicLinks) {
                try ctx.store.symlink("target", at: ctx.path("link"))
                let info = try ctx.store.lstat(ctx.path("link"))
                try expectEqual(info.kind, .symlink, "lstat kind of a link")
                try expectEqual(try ctx.store.readlink(ctx.path("link")), "target", "readlink")
                try expectEqual(try ctx.read("link"), "x", "reading through the link")
                let listed = try ctx.store.scandir(ctx.base.description).first { $0.name == "link" }
                try expect(
                    listed?.kind == .symlink || listed?.kindIsKnown == false,
                    "a listing says a link is one, or that it cannot tell (\(String(describing: listed)))"
                )
                try expectError(.alreadyExists, naming: "link", "symlink over an existing name") {
                    try ctx.store.symlink("elsewhere", at: ctx.path("link"))
                }
            } else {
                try expectError(.unsupportedOperation, naming: "link", "symlink") {
                    try ctx.store.symlink("target", at: ctx.path("link"))
                }
                try expect(try !ctx.store.exists(ctx.path("link")), "nothing made at the link's name")
            }
        },
        ConformanceCase("hard links: kept, or refused with nothing made") { ctx in
            try ctx.write("f", "one file")
            if ctx.keeps(.hardLinks) {
                try ctx.store.link(ctx.path("f"), at: ctx.path("g"))
                try expectEqual(try ctx.read("g"), "one file", "content through the second name")
                let (first, second) = (try ctx.store.stat(ctx.path("f")), try ctx.store.stat(ctx.path("g")))
                try expectEqual(first.links, 2, "link count")
                try expect(first.inode != nil && first.inode == second.inode, "both names are one inode")
            } else {
                try expectError(.notPermitted, naming: "g", "link") {
                    try ctx.store.link(ctx.path("f"), at: ctx.path("g"))
                }
                try expect(try !ctx.store.exists(ctx.path("g")), "nothing made at the new name")
            }
        },
        ConformanceCase("FIFOs: kept, or refused with nothing made") { ctx in
            if ctx.keeps(.specialFiles) {
                try ctx.store.makeSpecialFile(ctx.path("pipe"), .fifo, permissions: 0o600)
                let info = try ctx.store.lstat(ctx.path("pipe"))
                try expect(info.kind == .other && info.special == .fifo, "a FIFO: \(info)")
            } else {
                try expectError(.unsupportedOperation, naming: "pipe", "makeSpecialFile") {
                    try ctx.store.makeSpecialFile(ctx.path("pipe"), .fifo, permissions: 0o600)
                }
                try expect(try !ctx.store.exists(ctx.path("pipe")), "nothing made")
            }
        },
        ConformanceCase("extended attributes: kept, or refused with nothing set") { ctx in
            try ctx.write("f", "x")
            let path = ctx.path("f")
            if ctx.keeps(.extendedAttributes) {
                try ctx.store.setExtendedAttribute(
                    path,
                    name: "user.origin",
                    value: Array("run 42".utf8),
                    mode: .create
                )
                try expectEqual(
                    try ctx.store.extendedAttribute(path, name: "user.origin"),
                    Array("run 42".utf8),
                    "value"
                )
                try expect(try ctx.store.extendedAttributeNames(path).contains("user.origin"), "listed")
                try expectError(.alreadyExists, naming: "f", "create over a set attribute") {
                    try ctx.store.setExtendedAttribute(path, name: "user.origin", value: [1], mode: .create)
                }
                try expectError(.noSuchAttribute, naming: "f", "replace of a missing attribute") {
                    try ctx.store.setExtendedAttribute(path, name: "user.other", value: [1], mode: .replace)
                }
                try ctx.store.removeExtendedAttribute(path, name: "user.origin")
                try expectError(.noSuchAttribute, naming: "f", "get after remove") {
                    _ = try ctx.store.extendedAttribute(path, name: "user.origin")
                }
            } else {
                try expectError(.unsupportedOperation, naming: "f", "setExtendedAttribute") {
                    try ctx.store.setExtendedAttribute(path, name: "user.origin", value: [1], mode: .either)
                }
                try expectError(.unsupportedOperation, naming: "f", "extendedAttributeNames") {
                    _ = try ctx.store.extendedAttributeNames(path)
                }
            }
        },
    ]
}

extension ConformanceContext {
    /// True when the store declares it keeps this metadata.
    func keeps(_ metadata: MetadataCapabilities) -> Bool {
        store.capabilities.metadata.contains(metadata)
    }
}
