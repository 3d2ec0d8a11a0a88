// The C API declared in include/artifactfs.h: every function here is `@_cdecl` with the header's
// name and C types only, over `fileio` and the handle table. Keep the two in step; bump
// ARTIFACTFS_API_VERSION (header and `apiVersion`) on any incompatible change.
import ArtifactFS
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ARTIFACTFS_API_VERSION of artifactfs.h.
let apiVersion: Int32 = 1

/// The metadata stores opened by `artifactfs_activate`, kept for the life of the process.
private let activated = Mutex<[MetadataStore]>([])

// MARK: - Version and project

/// The API version the library was built with; callers check it equals their header's.
@_cdecl("artifactfs_api_version")
public func artifactfs_api_version() -> Int32 { apiVersion }

/// Routes every later call through a project's components, as `artifactfs` does; NULL finds the
/// project from the working directory.
@_cdecl("artifactfs_activate")
public func artifactfs_activate(_ project: UnsafePointer<CChar>?) -> Int32 {
    guarded(-1) {
        let store = try ArtifactFS.activate(directory: project.map { configFolder(of: String(cString: $0)) })
        activated.withLock { $0.append(store) }
        return 0
    }
}

/// A project folder's `.artifactfs/` when it has one, else the folder itself (a config folder, as
/// `ARTIFACTFS_CONFIG_DIR` names one).
private func configFolder(of project: String) -> String {
    let candidate = (project as NSString).appendingPathComponent(ConfigLocation.projectFolderName)
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
        return candidate
    }
    return project
}

// MARK: - Files

/// Opens a file; returns a handle > 0, or -1.
@_cdecl("artifactfs_open")
public func artifactfs_open(_ path: UnsafePointer<CChar>?, _ mode: UnsafePointer<CChar>?) -> Int64 {
    guarded(-1) {
        let handle = try fileio.open(try text(path, "path"), mode: mode.map { String(cString: $0) } ?? "r")
        return HandleTable.shared.insert(handle)
    }
}

/// Reads up to `count` bytes at the position; returns how many, 0 at the end, or -1.
@_cdecl("artifactfs_read")
public func artifactfs_read(_ handle: Int64, _ buffer: UnsafeMutableRawPointer?, _ count: Int64) -> Int64 {
    guarded(-1) {
        let buffer = try bytes(buffer, count)
        let file = try HandleTable.shared.handle(handle)
        return buffer.isEmpty ? 0 : Int64(try file.read(into: buffer))
    }
}

/// Reads up to `count` bytes at `offset` without moving the position; returns how many, or -1.
@_cdecl("artifactfs_read_at")
public func artifactfs_read_at(
    _ handle: Int64,
    _ buffer: UnsafeMutableRawPointer?,
    _ count: Int64,
    _ offset: UInt64
) -> Int64 {
    guarded(-1) {
        let buffer = try bytes(buffer, count)
        let file = try HandleTable.shared.handle(handle)
        var filled = 0
        while filled < buffer.count {
            let got = try file.read(
                at: offset + UInt64(filled),
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
            )
            if got == 0 { break }
            filled += got
        }
        return Int64(filled)
    }
}

/// Writes all `count` bytes; returns `count`, or -1.
@_cdecl("artifactfs_write")
public func artifactfs_write(_ handle: Int64, _ buffer: UnsafeRawPointer?, _ count: Int64) -> Int64 {
    guarded(-1) {
        let buffer = try bytes(UnsafeMutableRawPointer(mutating: buffer), count)
        let file = try HandleTable.shared.handle(handle)
        try file.write(UnsafeRawBufferPointer(buffer))
        return count
    }
}

/// Moves the position as `lseek(2)` does; returns the new position, or -1.
@_cdecl("artifactfs_seek")
public func artifactfs_seek(_ handle: Int64, _ offset: Int64, _ whence: Int32) -> Int64 {
    guarded(-1) {
        let origin: SeekOrigin
        switch whence {
        case 0: origin = .start
        case 1: origin = .current
        case 2: origin = .end
        default: throw ArtifactStoreError(.invalidArgument, path: "", "unknown whence \(whence) (use 0, 1 or 2)")
        }
        return Int64(try HandleTable.shared.handle(handle).seek(to: offset, from: origin))
    }
}

/// The position, or -1.
@_cdecl("artifactfs_tell")
public func artifactfs_tell(_ handle: Int64) -> Int64 {
    guarded(-1) { Int64(try HandleTable.shared.handle(handle).tell()) }
}

/// Closes (and for writes publishes) a file; 0, or -1 when it was not written.
@_cdecl("artifactfs_close")
public func artifactfs_close(_ handle: Int64) -> Int32 {
    guarded(-1) {
        try HandleTable.shared.remove(handle).close()
        return 0
    }
}

// MARK: - Paths

/// Copies a file; refuses an existing destination unless `overwrite`.
@_cdecl("artifactfs_copy")
public func artifactfs_copy(
    _ source: UnsafePointer<CChar>?,
    _ destination: UnsafePointer<CChar>?,
    _ overwrite: Int32
) -> Int32 {
    guarded(-1) {
        try fileio.copy(text(source, "source"), text(destination, "destination"), overwrite: overwrite != 0)
        return 0
    }
}

/// Moves a file or directory; refuses an existing destination unless `overwrite`.
@_cdecl("artifactfs_rename")
public func artifactfs_rename(
    _ source: UnsafePointer<CChar>?,
    _ destination: UnsafePointer<CChar>?,
    _ overwrite: Int32
) -> Int32 {
    guarded(-1) {
        try fileio.rename(text(source, "source"), text(destination, "destination"), overwrite: overwrite != 0)
        return 0
    }
}

/// Removes a file.
@_cdecl("artifactfs_remove")
public func artifactfs_remove(_ path: UnsafePointer<CChar>?) -> Int32 {
    guarded(-1) {
        try fileio.remove(text(path, "path"))
        return 0
    }
}

/// Removes a directory tree.
@_cdecl("artifactfs_rmtree")
public func artifactfs_rmtree(_ path: UnsafePointer<CChar>?) -> Int32 {
    guarded(-1) {
        try fileio.rmtree(text(path, "path"))
        return 0
    }
}

/// Creates one directory.
@_cdecl("artifactfs_mkdir")
public func artifactfs_mkdir(_ path: UnsafePointer<CChar>?) -> Int32 {
    guarded(-1) {
        try fileio.mkdir(text(path, "path"))
        return 0
    }
}

/// Creates a directory and its missing parents.
@_cdecl("artifactfs_makedirs")
public func artifactfs_makedirs(_ path: UnsafePointer<CChar>?) -> Int32 {
    guarded(-1) {
        try fileio.makedirs(text(path, "path"))
        return 0
    }
}

/// 1 when the path exists, 0 when not, -1 on failure.
@_cdecl("artifactfs_exists")
public func artifactfs_exists(_ path: UnsafePointer<CChar>?) -> Int32 {
    guarded(-1) { try fileio.exists(text(path, "path")) ? 1 : 0 }
}

/// 1 when the path is a directory, 0 when not, -1 on failure.
@_cdecl("artifactfs_isdir")
public func artifactfs_isdir(_ path: UnsafePointer<CChar>?) -> Int32 {
    guarded(-1) { try fileio.isdir(text(path, "path")) ? 1 : 0 }
}

/// Kind, size and modification time (NaN when unknown) of a path.
@_cdecl("artifactfs_stat")
public func artifactfs_stat(
    _ path: UnsafePointer<CChar>?,
    _ kind: UnsafeMutablePointer<Int32>?,
    _ size: UnsafeMutablePointer<UInt64>?,
    _ mtime: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded(-1) {
        let info = try fileio.stat(text(path, "path"))
        kind?.pointee = kindNumber(info.kind)
        size?.pointee = info.size
        mtime?.pointee = info.modified?.timeIntervalSince1970 ?? .nan
        return 0
    }
}

/// The size of a file or the sum below a directory, or -1.
@_cdecl("artifactfs_size")
public func artifactfs_size(_ path: UnsafePointer<CChar>?) -> Int64 {
    guarded(-1) { Int64(clamping: try fileio.size(text(path, "path"))) }
}

/// The sorted base names of a directory as a block of NUL-terminated names.
@_cdecl("artifactfs_listdir")
public func artifactfs_listdir(
    _ path: UnsafePointer<CChar>?,
    _ names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ length: UnsafeMutablePointer<Int>?
) -> Int32 {
    guarded(-1) { try give(block(of: fileio.listdir(text(path, "path"))), names, length) }
}

/// The sorted paths matching a pattern as a block of NUL-terminated paths.
@_cdecl("artifactfs_glob")
public func artifactfs_glob(
    _ pattern: UnsafePointer<CChar>?,
    _ paths: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ length: UnsafeMutablePointer<Int>?
) -> Int32 {
    guarded(-1) { try give(block(of: fileio.glob(text(pattern, "pattern"))), paths, length) }
}

/// A directory's entries with kinds (and sizes, times where listed) as a JSON array.
@_cdecl("artifactfs_scandir")
public func artifactfs_scandir(
    _ path: UnsafePointer<CChar>?,
    _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ length: UnsafeMutablePointer<Int>?
) -> Int32 {
    guarded(-1) {
        let rows = try fileio.scandir(text(path, "path")).map {
            ScandirRow(
                name: $0.name,
                kind: $0.kind.rawValue,
                size: $0.size,
                mtime: $0.modified?.timeIntervalSince1970
            )
        }
        return try give(Array(encoder.encode(rows)), json, length)
    }
}

/// Every directory of a tree as JSON `{"entries": [[dir, subdirs, files], ...], "errors": [...]}`.
@_cdecl("artifactfs_walk")
public func artifactfs_walk(
    _ top: UnsafePointer<CChar>?,
    _ topdown: Int32,
    _ collectErrors: Int32,
    _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ length: UnsafeMutablePointer<Int>?
) -> Int32 {
    guarded(-1) {
        var document = WalkDocument()
        let onError: ((ArtifactStoreError) -> Void)? =
            collectErrors == 0 ? nil : { document.errors.append(ErrorRow(LastError($0))) }
        try fileio.walk(text(top, "top"), topdown: topdown != 0, onError: onError) { entry in
            document.entries.append(WalkRow(entry: entry))
        }
        return try give(Array(encoder.encode(document)), json, length)
    }
}

/// Frees what the library returned through a `char **`.
@_cdecl("artifactfs_free")
public func artifactfs_free(_ pointer: UnsafeMutableRawPointer?) { free(pointer) }

// MARK: - Errors

/// This thread's last failure's ARTIFACTFS_ERR_* code; 0 when none.
@_cdecl("artifactfs_last_error_code")
public func artifactfs_last_error_code() -> Int32 { LastError.currentOrNone.code }

/// This thread's last failure's errno; 0 when none.
@_cdecl("artifactfs_last_error_errno")
public func artifactfs_last_error_errno() -> Int32 { LastError.currentOrNone.errno }

/// This thread's last failure's code name ("notFound"); "" when none.
@_cdecl("artifactfs_last_error_name")
public func artifactfs_last_error_name() -> UnsafePointer<CChar>? { lastErrorText(\.name) }

/// This thread's last failure's message; "" when none.
@_cdecl("artifactfs_last_error_message")
public func artifactfs_last_error_message() -> UnsafePointer<CChar>? { lastErrorText(\.message) }

/// The path this thread's last failure is about; "" when none.
@_cdecl("artifactfs_last_error_path")
public func artifactfs_last_error_path() -> UnsafePointer<CChar>? { lastErrorText(\.path) }

private func lastErrorText(_ field: KeyPath<LastError, UnsafeMutablePointer<CChar>>) -> UnsafePointer<CChar>? {
    UnsafePointer(LastError.currentOrNone[keyPath: field])
}

// MARK: - Marshalling

/// A C string argument as a Swift string.
/// - Throws: ``ArtifactStoreError/Code/invalidArgument`` naming the argument when it is NULL.
private func text(_ pointer: UnsafePointer<CChar>?, _ argument: String) throws -> String {
    guard let pointer else { throw ArtifactStoreError(.invalidArgument, path: "", "\(argument) is NULL") }
    return String(cString: pointer)
}

/// A caller's buffer of `count` bytes.
/// - Throws: ``ArtifactStoreError/Code/invalidArgument`` for a negative count or a NULL buffer.
private func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int64) throws -> UnsafeMutableRawBufferPointer {
    guard count >= 0 else { throw ArtifactStoreError(.invalidArgument, path: "", "negative byte count \(count)") }
    guard count > 0 else { return UnsafeMutableRawBufferPointer(start: nil, count: 0) }
    guard let pointer else { throw ArtifactStoreError(.invalidArgument, path: "", "buffer is NULL") }
    return UnsafeMutableRawBufferPointer(start: pointer, count: Int(count))
}

/// Names, each followed by a NUL.
private func block(of names: [String]) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(names.reduce(0) { $0 + $1.utf8.count + 1 })
    for name in names {
        result.append(contentsOf: name.utf8)
        result.append(0)
    }
    return result
}

/// Hands `content` to the caller as a `malloc`ed copy with a NUL after it (freed by
/// `artifactfs_free`) and its length without that NUL; returns 0.
/// - Throws: ``ArtifactStoreError/Code/invalidArgument`` when the out-pointer is NULL.
private func give(
    _ content: [UInt8],
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ length: UnsafeMutablePointer<Int>?
) throws -> Int32 {
    guard let out else { throw ArtifactStoreError(.invalidArgument, path: "", "the result pointer is NULL") }
    guard let memory = malloc(content.count + 1) else {
        throw ArtifactStoreError(.io, path: "", "cannot allocate \(content.count + 1) bytes")
    }
    content.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    memory.storeBytes(of: 0, toByteOffset: content.count, as: UInt8.self)
    out.pointee = memory.assumingMemoryBound(to: CChar.self)
    length?.pointee = content.count
    return 0
}

private func kindNumber(_ kind: FileKind) -> Int32 {
    switch kind {
    case .file: 0
    case .directory: 1
    case .symlink: 2
    case .other: 3
    }
}

private var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return encoder
}

private struct ScandirRow: Encodable {
    var name: String
    var kind: String
    var size: UInt64?
    var mtime: Double?
}

private struct WalkDocument: Encodable {
    var entries: [WalkRow] = []
    var errors: [ErrorRow] = []
}

/// A walk entry as the JSON array `[dir, subdirs, files]`.
private struct WalkRow: Encodable {
    var entry: WalkEntry

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(entry.dir)
        try container.encode(entry.subdirs)
        try container.encode(entry.files)
    }
}

private struct ErrorRow: Encodable {
    var code: Int32
    var errno: Int32
    var name: String
    var message: String
    var path: String

    init(_ error: LastError) {
        code = error.code
        errno = error.errno
        name = String(cString: error.name)
        message = String(cString: error.message)
        path = String(cString: error.path)
    }
}
