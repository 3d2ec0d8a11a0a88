import FileIO
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A file open for writing. Its bytes reach the store at `flush`/`fsync` (and so at `close(2)`),
/// and a failed upload is reported there.
///
/// Two ways to hold the bytes until then, both with bounded memory:
/// - **streaming**: sequential writes go straight into the store's write handle (a local temp file,
///   a multipart upload); a forward gap is filled with zeros; a backward write needs the store's
///   random-write capability.
/// - **staged**: an anonymous temporary file in the staging folder, used for read-write opens,
///   writes into existing content and truncation; it is uploaded in one stream when published.
final class WriterFile: Sendable {
    private enum Backing {
        case streaming(any ArtifactFileHandle, position: UInt64)
        case staged(fd: Int32)
        /// Published; the next write stages the store's content again.
        case published
    }

    private struct State: @unchecked Sendable {
        var backing: Backing
        var size: UInt64
        var dirty: Bool
        var unlinked = false
        /// The last upload failed, and nothing was written since.
        var failed = false
        /// The file this one became a store-side copy of (``copyWhole(from:size:)``).
        var copiedFrom: String?
        /// The mode and owner the last upload carried, for the next to carry too.
        var handed: PendingAttributes?
    }

    private static let chunk = 4 << 20

    /// Metadata set while the file is open (`fchmod`, `fchown`, `futimens` before `close`, as
    /// `cp -a` does, and the mode and owner of a new file): shown by `getattr` and given to the
    /// store once the bytes are published.
    struct PendingAttributes: Sendable {
        var permissions: UInt16?
        var owner: UInt32?
        var group: UInt32?
        var accessed = TimestampChange.keep
        var modified = TimestampChange.keep
    }

    let store: any ArtifactStore
    let stagingDirectory: String
    let stats: MountStats
    private let state: Mutex<State>
    private let pending = Mutex(PendingAttributes())
    /// Kept apart from `state`, whose lock is held during uploads, so renames never wait on them.
    private let currentPath: Mutex<String>
    /// Opened for writing only, into a new upload: never read through the mount.
    private let writeOnly: Bool
    /// What the store holds at the path, where known without asking (see ``storedInfo``).
    private let stored = Mutex<FileInfo??>(nil)

    private init(
        store: any ArtifactStore,
        path: String,
        backing: Backing,
        size: UInt64,
        stagingDirectory: String,
        stats: MountStats
    ) {
        self.store = store
        self.stagingDirectory = stagingDirectory
        self.stats = stats
        if case .streaming = backing { writeOnly = true } else { writeOnly = false }
        state = Mutex(State(backing: backing, size: size, dirty: true))
        currentPath = Mutex(path)
    }

    deinit {
        state.withLock { state in
            if case .staged(let fd) = state.backing { Glibc.close(fd) }
        }
    }

    /// A new (or truncated) file whose bytes stream into the store's write handle; with
    /// `appendingTo` (the current size), an append handle of a store that can append in place.
    /// `listedAbsent` says nothing is at `path` (a listing or a lookup found nothing just before), so
    /// a store that can skips its checks before the upload (``ListedAbsentWriting``).
    static func streaming(
        store: any ArtifactStore,
        path: String,
        appendingTo size: UInt64? = nil,
        listedAbsent: Bool = false,
        stagingDirectory: String,
        stats: MountStats
    ) throws -> WriterFile {
        let handle =
            if listedAbsent, size == nil, let store = store as? any ListedAbsentWriting {
                try store.openForWrite(listedAbsent: path)
            } else {
                try store.open(path, mode: size == nil ? .write : .append)
            }
        let file = WriterFile(
            store: store,
            path: path,
            backing: .streaming(handle, position: size ?? 0),
            size: size ?? 0,
            stagingDirectory: stagingDirectory,
            stats: stats
        )
        if size != nil { file.state.withLock { $0.dirty = false } }
        return file
    }

    /// A file staged in a temporary file: empty (`copyExisting` false) or holding the store's
    /// current content, for writes into it and reads of it.
    static func staged(
        store: any ArtifactStore,
        path: String,
        copyExisting: Bool,
        stagingDirectory: String,
        stats: MountStats
    ) throws -> WriterFile {
        let fd = try makeTemporary(in: stagingDirectory, for: path)
        do {
            let size = copyExisting ? try copyFromStore(store, path, to: fd) : 0
            let file = WriterFile(
                store: store,
                path: path,
                backing: .staged(fd: fd),
                size: size,
                stagingDirectory: stagingDirectory,
                stats: stats
            )
            file.state.withLock { $0.dirty = !copyExisting }
            return file
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// The path the bytes are published to (it follows renames).
    var path: String { currentPath.withLock { $0 } }
    /// The size the file has now, as the writer sees it.
    var size: UInt64 { state.withLock { $0.size } }

    func renamed(to path: String) { currentPath.withLock { $0 = path } }
    func markUnlinked() { state.withLock { $0.unlinked = true } }
    /// False once the file was unlinked while open: nothing of it reaches the store.
    var isLinked: Bool { state.withLock { !$0.unlinked } }

    /// What the store holds at the path, known without asking it: `.some(nil)` for a new file,
    /// `.some(info)` for one opened as it was; `nil` (ask the store) once bytes were published.
    var storedInfo: FileInfo?? { stored.withLock { $0 } }
    /// Records what the store held at the path when the file was opened (nil: nothing).
    func knowStored(_ info: FileInfo?) { stored.withLock { $0 = .some(info) } }

    /// The metadata set while open and not yet given to the store.
    var attributes: PendingAttributes { pending.withLock { $0 } }
    func updateAttributes(_ change: (inout PendingAttributes) -> Void) { pending.withLock { change(&$0) } }
    /// Hands over the pending metadata, leaving none.
    func takeAttributes() -> PendingAttributes {
        pending.withLock { pending in
            defer { pending = PendingAttributes() }
            return pending
        }
    }

    /// Writes `bytes` at `offset`.
    /// - Throws: `unsupportedOperation` for a backward write into a streaming file of a store
    ///   without random writes.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        try state.withLock { state in
            if case .published = state.backing { try reopenForWriting(&state) }
            switch state.backing {
            case .streaming(let handle, var position):
                if offset != position {
                    if offset > position, !store.capabilities.randomWrite {
                        try writeZeros(handle, count: offset - position)
                    } else if store.capabilities.randomWrite {
                        try handle.seek(to: offset)
                    } else {
                        throw ArtifactStoreError(
                            .unsupportedOperation,
                            path: path,
                            "write at offset \(offset) behind \(position): this store takes sequential writes only"
                        )
                    }
                    position = offset
                }
                try handle.write(bytes)
                position += UInt64(bytes.count)
                state.backing = .streaming(handle, position: position)
            case .staged(let fd):
                try Self.writeAll(fd, bytes, at: offset, path: path)
            case .published:
                break
            }
            state.size = max(state.size, offset + UInt64(bytes.count))
            state.dirty = true
        }
    }

    /// Makes this file a copy of the store's file `source` (`size` bytes) made inside the store,
    /// with no byte through the mount: what `copy_file_range` of a whole file asks, as `cp` does.
    /// Only a file created or truncated by this open, with nothing written yet, can become one;
    /// for any other, nothing changes and the answer is false. The copy is visible at once.
    /// - Throws: the store's error for the copy; the file is then still new and empty.
    func copyWhole(from source: String, size: UInt64) throws -> Bool {
        try state.withLock { state in
            guard case .streaming(let handle, position: 0) = state.backing, handle.mode == .write, state.size == 0,
                !state.unlinked
            else { return false }
            try store.copyfile(source, path, overwrite: true)
            // The streaming handle had nothing written: it is let go without sending anything.
            state.backing = .published
            state.size = size
            state.dirty = false
            state.copiedFrom = source
            stats.upload(failed: false)
            return true
        }
    }

    /// True when this file became the store-side copy of `source` (the kernel asks for a large
    /// copy in several ranges: the later ones are already done).
    func isCopy(of source: String) -> Bool {
        state.withLock { $0.copiedFrom == source && !$0.dirty }
    }

    /// Reads staged bytes (a read-write open); a streaming file is write-only.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try state.withLock { state in
            if case .published = state.backing { try restage(&state) }
            guard case .staged(let fd) = state.backing else {
                throw ArtifactStoreError(.permissionDenied, path: path, "file is open for writing only")
            }
            var filled = 0
            while filled < buffer.count {
                let got = pread(fd, buffer.baseAddress! + filled, buffer.count - filled, off_t(offset) + off_t(filled))
                if got < 0 {
                    throw ArtifactStoreError(
                        .io,
                        path: path,
                        "reading the staged copy failed",
                        cause: SystemCallError(call: "pread", errno: errno)
                    )
                }
                if got == 0 { break }
                filled += got
            }
            return filled
        }
    }

    /// Sets the size: zeros extend it; shrinking a streaming file publishes it and stages it again.
    func truncate(to size: UInt64) throws {
        try state.withLock { state in
            if case .streaming(let handle, let position) = state.backing {
                if size == position { return }
                if size > position, !store.capabilities.randomWrite {
                    try writeZeros(handle, count: size - position)
                    state.backing = .streaming(handle, position: size)
                    state.size = size
                    return
                }
                try publish(&state)
            }
            if case .published = state.backing { try restage(&state) }
            guard case .staged(let fd) = state.backing else { return }
            if ftruncate(fd, off_t(size)) != 0 {
                throw ArtifactStoreError(
                    .io,
                    path: path,
                    "truncating the staged copy failed",
                    cause: SystemCallError(call: "ftruncate", errno: errno)
                )
            }
            state.size = size
            state.dirty = true
        }
    }

    /// Uploads the bytes when they changed since the last publish; the error is the upload's.
    /// True when the last upload failed and nothing was written since: the store holds what it
    /// held before, and the caller of the failed `close`/`fsync` was told.
    var uploadFailed: Bool {
        state.withLock { $0.failed && !$0.dirty }
    }

    func flush() throws {
        try state.withLock { state in
            guard state.dirty, !state.unlinked else { return }
            try publish(&state)
        }
    }

    // MARK: - Helpers

    private func publish(_ state: inout State) throws {
        state.dirty = false
        do {
            switch state.backing {
            case .streaming(let handle, _):
                state.backing = .published
                let handed = handOwnership(to: handle)
                try handle.close()
                published(handed, &state)
            case .staged(let fd):
                let handle = try store.open(path, mode: .write)
                let handed = handOwnership(to: handle)
                try Self.copy(fd, size: state.size, to: handle, path: path)
                try handle.close()
                published(handed, &state)
            case .published:
                return
            }
            state.failed = false
            stored.withLock { $0 = nil }
            stats.upload(failed: false)
        } catch {
            state.failed = true
            stats.upload(failed: true)
            throw error
        }
    }

    /// Gives `handle` the pending mode and owner to publish with the bytes, in the same request;
    /// returns what it took, or nil when it takes nothing (they are then set after the upload).
    private func handOwnership(to handle: any ArtifactFileHandle) -> PendingAttributes? {
        let pending = attributes
        guard pending.permissions != nil || pending.owner != nil || pending.group != nil,
            handle.setOwnershipOnClose(permissions: pending.permissions, owner: pending.owner, group: pending.group)
        else { return nil }
        return pending
    }

    /// Drops from what is pending the mode and owner an upload just published, unless they
    /// changed while it went up.
    private func published(_ handed: PendingAttributes?, _ state: inout State) {
        guard let handed else { return }
        state.handed = handed
        pending.withLock { pending in
            if pending.permissions == handed.permissions { pending.permissions = nil }
            if pending.owner == handed.owner { pending.owner = nil }
            if pending.group == handed.group { pending.group = nil }
        }
    }

    /// Turns a published write-only file back into one that writes: an empty one starts a new
    /// upload, as the store holds the empty file this one published (a shell's `> file` closes a
    /// duplicate before the first write), with nothing to fetch or check; any other is staged again.
    private func reopenForWriting(_ state: inout State) throws {
        guard writeOnly, state.size == 0 else { return try restage(&state) }
        let handle =
            if let store = store as? any ListedAbsentWriting {
                try store.openForWrite(listedAbsent: path)
            } else {
                try store.open(path, mode: .write)
            }
        if let handed = state.handed {
            _ = handle.setOwnershipOnClose(permissions: handed.permissions, owner: handed.owner, group: handed.group)
        }
        state.backing = .streaming(handle, position: 0)
    }

    /// Turns a published file back into a staged copy of what the store now holds.
    private func restage(_ state: inout State) throws {
        let fd = try Self.makeTemporary(in: stagingDirectory, for: path)
        do {
            state.size = try Self.copyFromStore(store, path, to: fd)
            state.backing = .staged(fd: fd)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    private func writeZeros(_ handle: any ArtifactFileHandle, count: UInt64) throws {
        let zeros = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunk, alignment: 16)
        defer { zeros.deallocate() }
        zeros.initializeMemory(as: UInt8.self, repeating: 0)
        var left = count
        while left > 0 {
            let step = Int(min(left, UInt64(Self.chunk)))
            try handle.write(UnsafeRawBufferPointer(rebasing: zeros[..<step]))
            left -= UInt64(step)
        }
    }

    private static func makeTemporary(in directory: String, for path: String) throws -> Int32 {
        var template = Array((directory + "/artifactfs-staging-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw ArtifactStoreError(
                .io,
                path: path,
                "cannot create a staging file in '\(directory)'",
                cause: SystemCallError(call: "mkostemp", errno: errno)
            )
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// Copies the store's file into `fd`; a missing file stages as empty. Returns the size.
    private static func copyFromStore(_ store: any ArtifactStore, _ path: String, to fd: Int32) throws -> UInt64 {
        let handle: any ArtifactFileHandle
        do {
            handle = try store.open(path, mode: .read)
        } catch let error as ArtifactStoreError where error.code == .notFound {
            return 0
        }
        defer { try? handle.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 4096)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        while true {
            let got = try handle.read(into: buffer)
            if got == 0 { return total }
            try writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[..<got]), at: total, path: path)
            total += UInt64(got)
        }
    }

    private static func copy(_ fd: Int32, size: UInt64, to handle: any ArtifactFileHandle, path: String) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 4096)
        defer { buffer.deallocate() }
        var offset: UInt64 = 0
        while offset < size {
            let got = pread(fd, buffer.baseAddress!, Int(min(UInt64(chunk), size - offset)), off_t(offset))
            if got < 0 {
                throw ArtifactStoreError(
                    .io,
                    path: path,
                    "reading the staged copy failed",
                    cause: SystemCallError(call: "pread", errno: errno)
                )
            }
            if got == 0 { break }
            try handle.write(UnsafeRawBufferPointer(rebasing: buffer[..<got]))
            offset += UInt64(got)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, path: String) throws {
        var done = 0
        while done < bytes.count {
            let wrote = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if wrote < 0 {
                if errno == EINTR { continue }
                throw ArtifactStoreError(
                    .io,
                    path: path,
                    "writing the staged copy failed (staging folder full?)",
                    cause: SystemCallError(call: "pwrite", errno: errno)
                )
            }
            done += wrote
        }
    }
}
