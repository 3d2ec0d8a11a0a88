import ArtifactFSPlugin
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `flavor register PATH` was given, turned into a loadable shared library: a built `.so`
/// as it is, or a Swift package folder built with `swift build -c release` first.
public enum PluginSource {
    /// Resolves `path` (a relative one from `base`) to the shared library to load.
    /// - Throws: ``StackError`` for a missing path, a failed build, or a package that builds no plugin.
    public static func library(
        for path: String,
        base: String,
        log: (String) -> Void = { _ in }
    ) throws -> (source: String, library: String) {
        let source = try resolve(path, base: base)
        guard isPackage(source) else { return (source, source) }
        return (source, try build(package: source, log: log))
    }

    /// The absolute path `path` names (a relative one taken from `base`), which must exist.
    /// - Throws: ``StackError`` `.notFound` naming the path.
    public static func resolve(_ path: String, base: String) throws -> String {
        let source = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: base, isDirectory: true))
            .standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: source) else {
            throw StackError(.notFound, "no plugin at '\(source)': the file does not exist")
        }
        return source
    }

    /// Whether `source` is a Swift package folder (built before loading) rather than a shared library.
    public static func isPackage(_ source: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) && isDirectory.boolValue
            && FileManager.default.fileExists(atPath: source + "/Package.swift")
    }

    /// Builds the package in release mode and finds the one library in it that exports the entry point.
    static func build(package folder: String, log: (String) -> Void) throws -> String {
        log("Building the plugin package at '\(folder)' (swift build -c release)...")
        let build = try run(["build", "-c", "release", "--package-path", folder])
        guard build.status == 0 else {
            throw StackError(
                .invalidArgument,
                "building the plugin package at '\(folder)' failed (swift build -c release):\n\(build.output.suffix(4000))"
            )
        }
        let binPath = try run(["build", "-c", "release", "--package-path", folder, "--show-bin-path"])
        let directory = binPath.output.split(separator: "\n").last.map(String.init) ?? ""
        let candidates = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("lib") && $0.hasSuffix(".so") }.sorted().map { directory + "/" + $0 }
        let plugins = candidates.filter(exportsEntry)
        guard plugins.count == 1 else {
            throw StackError(
                .invalidArgument,
                plugins.isEmpty
                    ? "the package at '\(folder)' builds no plugin: it needs a `.library(type: .dynamic)` product whose code has `@_cdecl(\"\(PluginABI.entrySymbol)\")`"
                    : "the package at '\(folder)' builds several plugins (\(plugins.joined(separator: ", "))): register one of them by its path"
            )
        }
        return plugins[0]
    }

    /// True when the shared library loads and exports the entry point. The library stays loaded:
    /// Swift code cannot be unloaded safely, and the one chosen is loaded next anyway.
    static func exportsEntry(_ path: String) -> Bool {
        guard let handle = dlopen(path, RTLD_LAZY | RTLD_LOCAL) else { return false }
        return dlsym(handle, PluginABI.entrySymbol) != nil
    }

    /// Runs `swift ARGS`, capturing standard output and error together.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw StackError(
                .invalidArgument,
                "cannot run `swift \(arguments.joined(separator: " "))`: \(error.localizedDescription)"
            )
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
