import ArgumentParser
import ArtifactFS

struct Cat: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stream files to standard output.")

    @Argument(help: "Paths or URIs of files.", completion: Completion.paths)
    var paths: [String]

    func run() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        try forEachPath(paths) { path in
            let handle = try fileio.open(path, mode: "rb")
            defer { try? handle.close() }
            while true {
                let got = try handle.read(into: buffer)
                if got == 0 { break }
                Output.write(UnsafeRawBufferPointer(rebasing: buffer[..<got]))
            }
        }
    }
}

struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Copy a file or (with -r) a tree, within a store or across stores.",
        discussion:
            "An existing destination is refused unless --force is given; copying into an existing directory puts the source inside it."
    )

    @Flag(name: .short, help: "Copy directories recursively.")
    var recursive = false

    @Flag(name: [.short, .long], help: "Overwrite existing files (and merge into an existing directory).")
    var force = false

    @OptionGroup var paths: SourceAndDestination

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let (source, target) = try (paths.source, paths.resolvedDestination())
        // Without -r the source must be a file, and opening it tells: one request before the data.
        let isDirectory = try recursive && fileio.isdir(source)
        if isDirectory {
            if !force, try fileio.exists(target) {
                throw ArtifactStoreError(
                    .alreadyExists,
                    path: target,
                    "destination exists (use --force to merge into it)"
                )
            }
        }
        let meter = try progress.meter("copied", for: source)
        try ProgressMeter.measure(meter) {
            if isDirectory {
                try fileio.copyTree(source, target, overwrite: force, progress: meter?.transfer)
            } else {
                do {
                    try fileio.copy(source, target, overwrite: force, progress: meter?.transfer)
                } catch let error as ArtifactStoreError where error.code == .isADirectory && error.path == source {
                    throw ArtifactStoreError(.isADirectory, path: source, "is a directory (use cp -r)")
                }
            }
        }
    }
}

struct Move: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mv",
        abstract: "Move a file or tree, within a store or across stores.",
        discussion:
            "An existing destination is refused unless --force is given; moving into an existing directory puts the source inside it."
    )

    @Flag(name: [.short, .long], help: "Replace an existing destination file (or empty directory).")
    var force = false

    @OptionGroup var paths: SourceAndDestination

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let (source, target) = try (paths.source, paths.resolvedDestination())
        let meter = try progress.meter("moved", for: source)
        let withinStore = try fileio.registry.store(for: source) === fileio.registry.store(for: target)
        try ProgressMeter.measure(meter) {
            try fileio.rename(source, target, overwrite: force, progress: meter?.transfer)
            if withinStore { meter?.completeAsExpected() }
        }
    }
}

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove files or (with -r) trees.")

    @Flag(name: .short, help: "Remove directories and everything below them.")
    var recursive = false

    @Flag(name: [.short, .long], help: "Ignore paths that do not exist.")
    var force = false

    @Argument(help: "Paths or URIs to remove.", completion: Completion.paths)
    var paths: [String]

    func run() throws {
        try forEachPath(paths) { path in
            let info: FileInfo
            do {
                info = try fileio.stat(path)
            } catch let error as ArtifactStoreError where force && error.code == .notFound {
                return
            }
            if info.kind == .directory {
                guard recursive else {
                    throw ArtifactStoreError(.isADirectory, path: path, "is a directory (use rm -r)")
                }
                try fileio.rmtree(path)
            } else {
                try fileio.remove(path)
            }
        }
    }
}

struct MakeDirectory: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mkdir", abstract: "Create directories.")

    @Flag(name: .short, help: "Create missing parents; an existing directory is fine.")
    var parents = false

    @Argument(help: "Paths or URIs of directories to create.", completion: Completion.paths)
    var paths: [String]

    func run() throws {
        try forEachPath(paths) { path in
            if parents { try fileio.makedirs(path) } else { try fileio.mkdir(path) }
        }
    }
}

/// The `SRC DST` pair of `cp` and `mv`.
struct SourceAndDestination: ParsableArguments {
    @Argument(help: "The source path or URI.", completion: Completion.paths)
    var source: String

    @Argument(help: "The destination path or URI.", completion: Completion.paths)
    var destination: String

    /// `cp a dir` and `mv a dir` put `a` inside an existing directory, as the shell's tools do.
    func resolvedDestination() throws -> String {
        guard try fileio.isdir(destination) else { return destination }
        let name = try ArtifactPath(parsing: source).name
        return try ArtifactPath(parsing: destination, keepEmptyComponents: true).appending(name).description
    }
}
