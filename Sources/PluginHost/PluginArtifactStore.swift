import ArtifactFSPlugin
import CArtifactFSPlugin
import Foundation

/// An artifact store living in a plugin, seen through the C table as a Swift ``ArtifactStore``:
/// `fileio`, the CLI, stacks and the FUSE bridge use it like any built-in store.
///
/// The operations with defaults (`walk`, `glob`, `rmtree`, ...) run here on top of the plugin's
/// primitives; file data crosses as raw buffers, never whole files.
public final class PluginArtifactStore: ArtifactStore {
    public let supportedSchemes: Set<String>
    public let root: ArtifactPath
    public let capabilities: ArtifactStoreCapabilities
    let library: PluginLibrary
    /// The plugin's store pointer, released in `deinit`.
    private let address: UInt

    init(library: PluginLibrary, address: UInt, description: StoreDescription) throws {
        self.library = library
        self.address = address
        self.supportedSchemes = Set(description.schemes)
        self.capabilities = description.capabilities
        do {
            self.root = try ArtifactPath(parsing: description.root)
        } catch {
            library.table.store_release?(UnsafeMutableRawPointer(bitPattern: address))
            throw error
        }
    }

    deinit {
        library.table.store_release?(UnsafeMutableRawPointer(bitPattern: address))
    }

    private var pointer: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: address) }

    private func request(_ request: StoreRequest) throws -> String {
        let json = try PluginJSON.encode(request)
        return try library.call { result in library.table.store_call!(pointer, json, result) }
    }

    // MARK: - Primitives

    public func open(_ path: String, mode: OpenMode) throws -> any ArtifactFileHandle {
        var file: UnsafeMutableRawPointer?
        _ = try library.call { error in library.table.file_open!(pointer, path, mode.description, &file, error) }
        guard let file else { throw ArtifactStoreError(.io, path: path, "plugin '\(library.path)' opened no file") }
        return PluginFileHandle(store: self, address: UInt(bitPattern: file), path: path, mode: mode)
    }

    public func stat(_ path: String) throws -> FileInfo {
        try library.decode(FileInfo.self, request(StoreRequest(op: "stat", path: path)))
    }

    public func scandir(_ path: String) throws -> [DirectoryEntry] {
        try library.decode([DirectoryEntry].self, request(StoreRequest(op: "scandir", path: path)))
    }

    public func mkdir(_ path: String) throws {
        _ = try request(StoreRequest(op: "mkdir", path: path))
    }

    public func rmdir(_ path: String) throws {
        _ = try request(StoreRequest(op: "rmdir", path: path))
    }

    public func remove(_ path: String) throws {
        _ = try request(StoreRequest(op: "remove", path: path))
    }

    public func rename(_ source: String, _ destination: String, overwrite: Bool) throws {
        _ = try request(StoreRequest(op: "rename", source: source, destination: destination, overwrite: overwrite))
    }

    public func copyfile(_ source: String, _ destination: String, overwrite: Bool) throws {
        _ = try request(StoreRequest(op: "copyfile", source: source, destination: destination, overwrite: overwrite))
    }
}

/// A file of a plugin store: each read, write and seek is one call through the table with the
/// caller's buffer, so data is streamed, never gathered.
final class PluginFileHandle: ArtifactFileHandle {
    let path: String
    let mode: OpenMode
    /// Keeps the store (and so the plugin's store object) alive while the file is open.
    private let store: PluginArtifactStore
    /// The plugin's file pointer, released in `deinit`.
    private let address: UInt

    init(store: PluginArtifactStore, address: UInt, path: String, mode: OpenMode) {
        self.store = store
        self.address = address
        self.path = path
        self.mode = mode
    }

    deinit {
        store.library.table.file_release?(UnsafeMutableRawPointer(bitPattern: address))
    }

    private var pointer: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: address) }

    /// Runs a call that returns a count, or -1 with an error.
    private func count(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int64) throws -> Int64 {
        var error: UnsafeMutablePointer<CChar>?
        let result = body(&error)
        let text = store.library.take(error)
        guard result >= 0 else { throw store.library.failure(text) }
        return result
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        Int(try count { store.library.table.file_read!(pointer, buffer.baseAddress, UInt64(buffer.count), -1, $0) })
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset <= UInt64(Int64.max) else {
            throw ArtifactStoreError(.invalidArgument, path: path, "read offset \(offset) is too large")
        }
        return Int(
            try count {
                store.library.table.file_read!(pointer, buffer.baseAddress, UInt64(buffer.count), Int64(offset), $0)
            }
        )
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        _ = try count { Int64(store.library.table.file_write!(pointer, bytes.baseAddress, UInt64(bytes.count), $0)) }
    }

    @discardableResult
    func seek(to offset: Int64, from origin: SeekOrigin) throws -> UInt64 {
        let whence: Int32 =
            switch origin {
            case .start: 0
            case .current: 1
            case .end: 2
            }
        return UInt64(try count { store.library.table.file_seek!(pointer, offset, whence, $0) })
    }

    func tell() throws -> UInt64 {
        try seek(to: 0, from: .current)
    }

    func close() throws {
        _ = try count { Int64(store.library.table.file_close!(pointer, $0)) }
    }
}
