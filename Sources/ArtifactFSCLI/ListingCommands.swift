import ArgumentParser
import ArtifactFS
import Foundation

/// One entry as `ls --json`, `stat --json` and `find --json` print it.
struct EntryRecord: Encodable {
    var name: String
    var path: String
    var kind: FileKind
    var size: UInt64?
    var modified: Date?
    var etag: String?

    init(_ info: FileInfo) {
        name = (try? ArtifactPath(parsing: info.path).name) ?? info.path
        path = info.path
        kind = info.kind
        size = info.kind == .directory ? nil : info.size
        modified = info.modified
        etag = info.etag
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List a directory (or show a file)."
    )

    @Flag(name: .short, help: "Long listing: kind, size, modification time, name.")
    var long = false

    @Flag(help: "Print a JSON array of entries.")
    var json = false

    @Argument(help: "A path or URI; the working directory when omitted.", completion: Completion.paths)
    var path: String = "."

    func run() throws {
        let store = try fileio.registry.store(for: path)
        let target = try store.stat(path)
        var infos: [FileInfo]
        if target.kind == .directory {
            let dir = try store.resolve(path)
            infos = try store.scandir(path).sorted { $0.name < $1.name }.map { entry in
                let child = dir.appending(entry.name).description
                if !long && !json { return FileInfo(path: child, kind: entry.kind, size: entry.size ?? 0) }
                if let size = entry.size, let modified = entry.modified {
                    return FileInfo(path: child, kind: entry.kind, size: size, modified: modified)
                }
                return (try? store.stat(child)) ?? FileInfo(path: child, kind: entry.kind, size: entry.size ?? 0)
            }
        } else {
            infos = [target]
        }
        if json { return try Output.json(infos.map(EntryRecord.init)) }
        for info in infos {
            let name = EntryRecord(info).name + (info.kind == .directory ? "/" : "")
            if long {
                let flag = info.kind == .directory ? "d" : info.kind == .symlink ? "l" : "-"
                let size = String(info.kind == .directory ? 0 : info.size)
                Output.line(
                    "\(flag) \(String(repeating: " ", count: max(0, 12 - size.count)))\(size)  \(Output.timestamp(info.modified))  \(name)"
                )
            } else {
                Output.line(name)
            }
        }
    }
}

struct Stat: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the metadata of a path.")

    @Flag(help: "Print a JSON object.")
    var json = false

    @Argument(help: "A path or URI.", completion: Completion.paths)
    var path: String

    func run() throws {
        let info = try fileio.stat(path)
        if json { return try Output.json(EntryRecord(info)) }
        Output.line("path: \(info.path)")
        Output.line("kind: \(info.kind.rawValue)")
        Output.line("size: \(info.kind == .directory ? try fileio.size(path) : info.size)")
        Output.line("modified: \(Output.timestamp(info.modified))")
        if let etag = info.etag { Output.line("etag: \(etag)") }
        if let permissions = info.permissions { Output.line("permissions: \(String(permissions, radix: 8))") }
    }
}

struct Glob: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the paths matching a pattern with *, ?, [...] and **.",
        discussion: "Quote the pattern so the shell does not expand it: artifactfs glob 'memory://runs/**/*.bin'"
    )

    @Flag(help: "Print a JSON array of paths.")
    var json = false

    @Argument(help: "A pattern, e.g. 's3://bucket/runs/*/model.bin'.", completion: Completion.paths)
    var pattern: String

    func run() throws {
        let matches = try fileio.glob(pattern)
        if json { return try Output.json(matches) }
        matches.forEach(Output.line)
    }
}

struct Find: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Walk a tree and print every path in it.")

    enum Kind: String, ExpressibleByArgument {
        case f, d
    }

    @Option(help: "Only names matching this pattern (*, ?, [...]).")
    var name: String?

    @Option(help: "Only files (f) or directories (d).")
    var type: Kind?

    @Flag(help: "Print a JSON array of {path, kind} objects.")
    var json = false

    @Argument(help: "A path or URI; the working directory when omitted.", completion: Completion.paths)
    var path: String = "."

    func run() throws {
        let pattern = name.map(GlobPattern.init)
        var found: [(path: String, kind: FileKind)] = []
        func consider(_ path: String, _ kind: FileKind) {
            if let type, (type == .d) != (kind == .directory) { return }
            if let pattern, !pattern.matches((try? ArtifactPath(parsing: path).name) ?? path) { return }
            if json { found.append((path, kind)) } else { Output.line(path) }
        }
        let store = try fileio.registry.store(for: path)
        let top = try store.stat(path)
        guard top.kind == .directory else { return consider(top.path, top.kind) }
        var failed = false
        try store.walk(
            path,
            topdown: true,
            onError: {
                Output.error("artifactfs: \($0)")
                failed = true
            }
        ) { entry in
            consider(entry.dir, .directory)
            let dir = try store.resolve(entry.dir)
            for file in entry.files { consider(dir.appending(file).description, .file) }
        }
        struct Found: Encodable {
            let path: String
            let kind: FileKind
        }
        if json { try Output.json(found.map { Found(path: $0.path, kind: $0.kind) }) }
        if failed { throw PartialFailure() }
    }
}
