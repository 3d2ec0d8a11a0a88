import ArtifactFSPlugin
import CArtifactFSPlugin
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A flavor plugin loaded into this process: a shared library whose entry point passed the
/// version handshake, with the flavors it describes.
///
/// Libraries are loaded once per path and never unloaded (Swift code cannot be unloaded safely);
/// the table they hand over is immutable, so one value serves every thread.
public final class PluginLibrary: Sendable {
    /// The shared library's absolute path.
    public let path: String
    /// The SDK release the plugin was built with.
    public let sdkVersion: String
    /// The plugin ABI version its table speaks (between ``PluginABI/oldestVersion`` and ``PluginABI/version``).
    public let abiVersion: UInt32
    /// The flavors it carries, of any component type.
    public let flavors: [FlavorDescription]
    private let tableAddress: UInt

    private static let loaded = Mutex<[String: PluginLibrary]>([:])

    /// Loads the plugin at `path` (once per process) and checks it: it must load as a shared
    /// library, export `artifactfs_plugin_entry`, speak this host's ABI version (checked before
    /// anything else in its table is read; an older version it can still read is accepted) and
    /// describe its flavors in valid JSON.
    /// - Throws: ``StackError`` naming the path: `notFound` for a missing file, `invalidArgument`
    ///   for anything that is not a plugin this `artifactfs` can use.
    public static func load(_ path: String) throws -> PluginLibrary {
        try loaded.withLock { loaded in
            if let library = loaded[path] { return library }
            let library = try PluginLibrary(opening: path)
            loaded[path] = library
            return library
        }
    }

    private init(opening path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StackError(.notFound, "no plugin at '\(path)': the file does not exist")
        }
        guard !isDirectory.boolValue else {
            throw StackError(
                .invalidArgument,
                "'\(path)' is a folder without Package.swift, not a plugin: give the built .so or the package folder"
            )
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw StackError(
                .invalidArgument,
                "'\(path)' is not an ArtifactFS plugin: it does not load as a shared library (\(reason))"
            )
        }
        guard let symbol = dlsym(handle, PluginABI.entrySymbol) else {
            dlclose(handle)
            throw StackError(
                .invalidArgument,
                "'\(path)' is not an ArtifactFS plugin: it exports no '\(PluginABI.entrySymbol)' entry point (see PluginExport in the ArtifactFSPlugin SDK)"
            )
        }
        let entry = unsafeBitCast(symbol, to: afs_plugin_entry_fn.self)
        guard let raw = entry() else {
            throw StackError(.invalidArgument, "plugin '\(path)': its entry point returned no table")
        }
        // The ABI version is the table's first field in every version: read it alone first.
        let abiVersion = UnsafeRawPointer(raw).load(as: UInt32.self)
        guard (PluginABI.oldestVersion...PluginABI.version).contains(abiVersion) else {
            throw StackError(
                .invalidArgument,
                "plugin '\(path)' speaks plugin ABI version \(abiVersion), but this artifactfs speaks ABI version \(PluginABI.version) (and reads versions from \(PluginABI.oldestVersion); SDK \(PluginABI.sdkVersion)): rebuild the plugin against this release's ArtifactFSPlugin SDK"
            )
        }
        let table = raw.pointee
        if abiVersion >= PluginABI.componentsVersion {
            let components = UnsafeRawPointer(raw).assumingMemoryBound(to: afs_plugin_v2.self).pointee
            guard components.component_make != nil, components.component_call != nil else {
                throw StackError(
                    .invalidArgument,
                    "plugin '\(path)': its table (ABI version \(abiVersion)) lacks the component functions"
                )
            }
        }
        guard let describe = table.describe, table.prepare != nil, table.store_make != nil, table.store_call != nil,
            table.file_open != nil, table.file_read != nil, table.free_string != nil
        else {
            throw StackError(
                .invalidArgument,
                "plugin '\(path)': its table (ABI version \(abiVersion)) lacks required functions"
            )
        }
        let text = describe().map { String(cString: $0) } ?? ""
        let description: PluginDescription
        do {
            description = try PluginJSON.decode(PluginDescription.self, from: text)
        } catch {
            throw StackError(
                .invalidArgument,
                "plugin '\(path)' describes its flavors in malformed JSON: \(error)",
                cause: error
            )
        }
        self.path = path
        self.sdkVersion = table.sdk_version.map { String(cString: $0) } ?? "unknown"
        self.abiVersion = abiVersion
        self.flavors = description.flavors
        self.tableAddress = UInt(bitPattern: raw)
    }

    /// The plugin's function table (of every version, its version-1 part).
    var table: afs_plugin_v1 {
        UnsafePointer<afs_plugin_v1>(bitPattern: tableAddress)!.pointee
    }

    /// The version-2 table, read only from a plugin that speaks version 2 or later.
    var components: afs_plugin_v2? {
        abiVersion >= PluginABI.componentsVersion
            ? UnsafePointer<afs_plugin_v2>(bitPattern: tableAddress)!.pointee : nil
    }

    /// Checks that this plugin's ABI can serve flavors of `type`: model registries need version 2
    /// (components); artifact stores, and the types only declared (not yet made from plugins), version 1.
    /// - Throws: ``StackError`` `.invalidArgument` naming the path and both versions.
    public func checkServes(_ type: StackComponentType) throws {
        guard type == .modelRegistry, abiVersion < PluginABI.componentsVersion else { return }
        throw StackError(
            .invalidArgument,
            "plugin '\(path)' speaks plugin ABI version \(abiVersion), but \(type.displayName) flavors need ABI version \(PluginABI.componentsVersion) (this artifactfs speaks \(PluginABI.version)): rebuild the plugin against this release's ArtifactFSPlugin SDK"
        )
    }

    // MARK: - Calls

    /// Asks the plugin to validate a config of its flavor `flavor`; returns it with defaults filled in.
    /// - Throws: the plugin's ``StackError`` naming the field at fault.
    func prepare(type: StackComponentType, flavor: String, config: ComponentConfig) throws -> ComponentConfig {
        let answer = try call { result in
            table.prepare!(type.rawValue, flavor, try PluginJSON.encode(config), result)
        }
        return try decode(ComponentConfig.self, answer)
    }

    /// Makes a store of the artifact-store flavor `flavor`.
    /// - Throws: the plugin's error when the config cannot make a store.
    func makeStore(flavor: String, config: ComponentConfig) throws -> PluginArtifactStore {
        var store: UnsafeMutableRawPointer?
        let answer = try call { result in
            table.store_make!(flavor, try PluginJSON.encode(config), &store, result)
        }
        let description = try decode(StoreDescription.self, answer)
        guard let store else {
            throw StackError(.invalidArgument, "plugin '\(path)' made no store for flavor '\(flavor)'")
        }
        return try PluginArtifactStore(library: self, address: UInt(bitPattern: store), description: description)
    }

    /// Makes a model registry of the flavor `flavor`.
    /// - Throws: ``StackError`` when the plugin's ABI has no components, or the plugin's error for a bad config.
    func makeModelRegistry(flavor: String, config: ComponentConfig) throws -> PluginModelRegistry {
        try checkServes(.modelRegistry)
        guard let components else { throw StackError(.invalidArgument, "plugin '\(path)' has no component table") }
        var component: UnsafeMutableRawPointer?
        _ = try call { result in
            components.component_make!(
                StackComponentType.modelRegistry.rawValue,
                flavor,
                try PluginJSON.encode(config),
                &component,
                result
            )
        }
        guard let component else {
            throw StackError(.invalidArgument, "plugin '\(path)' made no model registry for flavor '\(flavor)'")
        }
        return PluginModelRegistry(library: self, flavor: flavor, address: UInt(bitPattern: component))
    }

    /// Runs one table call that answers through a `char **`, turning its error JSON into a thrown error.
    func call(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) throws -> Int32) throws -> String {
        var out: UnsafeMutablePointer<CChar>?
        let status = try body(&out)
        let text = take(out)
        guard status == 0 else { throw failure(text) }
        return text
    }

    /// Copies and frees a string the plugin returned.
    func take(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        defer { table.free_string?(pointer) }
        return String(cString: pointer)
    }

    /// The error a plugin reported as JSON.
    func failure(_ text: String) -> any Error {
        guard let failure = try? PluginJSON.decode(PluginFailure.self, from: text) else {
            return ArtifactStoreError(.io, path: "", "plugin '\(path)' failed without a readable error: \(text)")
        }
        return failure.error
    }

    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try PluginJSON.decode(type, from: text)
        } catch {
            throw ArtifactStoreError(.io, path: "", "plugin '\(path)' answered malformed JSON: \(error)", cause: error)
        }
    }
}
