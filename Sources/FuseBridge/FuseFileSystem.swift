import CFuse
import FileIO
import Foundation

/// The file system a mount serves: FUSE requests (mount-relative paths such as `/runs/1/model.bin`)
/// turned into calls of one ``ArtifactStore``, generic over the flavor. Each method returns 0 or a
/// negated errno, as libfuse expects. Called from many threads at once: the state it reaches is
/// immutable or behind short per-structure locks, and no lock is held across store I/O except the
/// one of the file being written.
final class FuseFileSystem: Sendable {
    let store: any ArtifactStore
    let options: MountOptions
    let root: ArtifactPath
    let stats = MountStats()
    let cache: AttributeCache
    let handles = HandleTable()
    let control: ControlFolder
    private let owner: (uid: uid_t, gid: gid_t)
    private let mountTime = Date()

    init(store: any ArtifactStore, options: MountOptions) throws {
        self.store = store
        self.options = options
        root = try store.resolve(options.root)
        cache = AttributeCache(ttl: options.attributeTTL)
        control = ControlFolder(files: options.controlFiles, stats: stats)
        owner = (getuid(), getgid())
    }

    var readOnly: Bool { options.readOnly || store.capabilities.readOnly }

    /// The store path of a mount-relative path.
    func storePath(_ path: String) -> String {
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return ArtifactPath(scheme: root.scheme, components: root.components + components).description
    }

    /// Runs one operation: counts it, times it, and turns a thrown error into its errno.
    func run(_ operation: MountStats.Operation, _ body: () throws -> Int32) -> Int32 {
        let start = AttributeCache.now()
        let result: Int32
        do {
            result = try body()
        } catch let error as ArtifactStoreError {
            if options.debug || error.errno == EIO { log("\(operation): \(error)") }
            result = -error.errno
        } catch {
            log("\(operation): \(error)")
            result = -EIO
        }
        stats.record(operation, nanoseconds: AttributeCache.now() - start, failed: result < 0)
        return result
    }

    func log(_ message: String) {
        let line = Array("artifactfs: \(message)\n".utf8)
        line.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }

    // MARK: - Attributes

    func getattr(_ path: String, _ out: UnsafeMutablePointer<stat>, handle: UInt64?) -> Int32 {
        run(.getattr) {
            if control.contains(path) {
                if control.isFolder(path) {
                    fill(out, kind: .directory, size: 0, modified: mountTime, permissions: 0o555)
                } else if let content = control.content(of: path) {
                    fill(out, kind: .file, size: UInt64(content.count), modified: Date(), permissions: 0o444)
                } else {
                    return -ENOENT
                }
                return 0
            }
            let target = storePath(path)
            if let handle, case .writer(let writer) = handles.get(handle) {
                fill(out, kind: .file, size: writer.size, modified: Date(), permissions: nil)
                return 0
            }
            if let writer = handles.writer(for: target) {
                fill(out, kind: .file, size: writer.size, modified: Date(), permissions: nil)
                return 0
            }
            guard let info = try lookup(target, isRoot: path == "/") else { return -ENOENT }
            fill(out, kind: info.kind, size: info.size, modified: info.modified, permissions: info.permissions)
            return 0
        }
    }

    /// The target of a symbolic link, cut to the kernel's buffer and terminated.
    func readlink(_ path: String, _ buffer: UnsafeMutablePointer<CChar>, _ size: Int) -> Int32 {
        run(.readlink) {
            guard !control.contains(path), size > 0 else { return -EINVAL }
            let target = Array(try store.readlink(storePath(path)).utf8CString.dropLast())
            let count = min(target.count, size - 1)
            target.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: count) }
            buffer[count] = 0
            return 0
        }
    }

    /// The store's metadata of a path, through the attribute cache; nil when nothing is there.
    func lookup(_ target: String, isRoot: Bool = false) throws -> FileInfo? {
        if let cached = cache.lookup(target) {
            stats.cacheLookup(hit: true)
            return cached
        }
        stats.cacheLookup(hit: false)
        do {
            let info = try store.lstat(target)
            cache.store(target, info)
            return info
        } catch let error as ArtifactStoreError where error.code == .notFound || error.code == .notADirectory {
            // An object store's root prefix exists even while it holds nothing.
            if isRoot { return FileInfo(path: target, kind: .directory, size: 0) }
            cache.store(target, nil)
            return nil
        }
    }

    func fill(_ out: UnsafeMutablePointer<stat>, kind: FileKind, size: UInt64, modified: Date?, permissions: UInt16?) {
        var info = stat()
        let isDirectory = kind == .directory
        var mode = mode_t(permissions.map { $0 & 0o7777 } ?? (isDirectory ? 0o755 : 0o644))
        if readOnly, kind != .symlink { mode &= ~mode_t(0o222) }
        info.st_mode = Self.fileType(kind) | mode
        info.st_nlink = isDirectory ? 2 : 1
        info.st_size = off_t(size)
        info.st_blocks = blkcnt_t((size + 511) / 512)
        info.st_blksize = 1 << 20
        info.st_uid = owner.uid
        info.st_gid = owner.gid
        let time = modified ?? mountTime
        let seconds = time.timeIntervalSince1970
        let stamp = timespec(
            tv_sec: Int(seconds.rounded(.down)),
            tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9)
        )
        info.st_mtim = stamp
        info.st_ctim = stamp
        info.st_atim = stamp
        out.pointee = info
    }

    /// The `st_mode` file type bits of a kind.
    static func fileType(_ kind: FileKind) -> mode_t {
        switch kind {
        case .directory: S_IFDIR
        case .symlink: S_IFLNK
        case .file, .other: S_IFREG
        }
    }

    // MARK: - Directories

    func opendir(_ path: String) -> (Int32, UInt64) {
        var handle: UInt64 = 0
        let result = run(.readdir) {
            if control.isFolder(path) {
                handle = handles.add(.directory(control.names.map { DirectoryEntry(name: $0, kind: .file) }))
                return 0
            }
            let target = storePath(path)
            var entries = try store.scandir(target)
            if path == "/" { entries.removeAll { $0.name == ControlFolder.name } }
            let pending = handles.writers(in: target)
            if !pending.isEmpty {
                let listed = Set(entries.map(\.name))
                for (name, writer) in pending where !listed.contains(String(name)) {
                    entries.append(DirectoryEntry(name: String(name), kind: .file, size: writer.size))
                }
            }
            let parent = try store.resolve(target)
            for entry in entries where entry.kind == .directory || entry.size != nil {
                cache.store(
                    parent.appending(entry.name).description,
                    FileInfo(path: "", kind: entry.kind, size: entry.size ?? 0, modified: entry.modified)
                )
            }
            handle = handles.add(.directory(entries))
            return 0
        }
        return (result, handle)
    }

    /// Hands out the listing from `offset` until the kernel's buffer is full; the kernel comes
    /// back with the offset of the next entry, so a listing of any size streams in pieces.
    func readdir(
        _ handle: UInt64,
        offset: Int,
        plus: Bool,
        _ fill: (String, UnsafePointer<stat>?, Int, Bool) -> Bool
    ) -> Int32 {
        guard case .directory(let entries) = handles.get(handle) else { return -EBADF }
        var index = offset
        var attributes = stat()
        while index < entries.count + 2 {
            let full: Bool
            if index < 2 {
                full = fill(index == 0 ? "." : "..", nil, index + 1, false)
            } else {
                let entry = entries[index - 2]
                let complete = plus && (entry.kind == .directory || entry.size != nil)
                if complete {
                    self.fill(
                        &attributes,
                        kind: entry.kind,
                        size: entry.size ?? 0,
                        modified: entry.modified,
                        permissions: nil
                    )
                } else {
                    attributes = stat()
                    attributes.st_mode = Self.fileType(entry.kind)
                }
                full = fill(entry.name, &attributes, index + 1, complete)
            }
            if full { break }
            index += 1
        }
        return 0
    }

    func releasedir(_ handle: UInt64) -> Int32 {
        _ = handles.remove(handle)
        return 0
    }

    func mkdir(_ path: String) -> Int32 {
        run(.mkdir) {
            guard !control.contains(path) else { return -EEXIST }
            guard !readOnly else { return -EROFS }
            let target = storePath(path)
            try store.mkdir(target)
            cache.invalidate(target)
            return 0
        }
    }

    func rmdir(_ path: String) -> Int32 {
        run(.rmdir) {
            guard !control.contains(path) else { return -EACCES }
            guard !readOnly else { return -EROFS }
            let target = storePath(path)
            defer { cache.invalidateTree(target) }
            try store.rmdir(target)
            return 0
        }
    }

    // MARK: - Files

    func open(_ path: String, flags: Int32) -> (Int32, UInt64, directIO: Bool) {
        var handle: UInt64 = 0
        var directIO = false
        let result = run(.open) {
            if control.contains(path) {
                guard flags & O_ACCMODE == O_RDONLY else { return -EACCES }
                guard let content = control.content(of: path) else { return -EISDIR }
                handle = handles.add(.control(content))
                directIO = true
                return 0
            }
            let target = storePath(path)
            if flags & O_ACCMODE == O_RDONLY {
                handle = handles.add(.reader(ReaderFile(handle: try store.open(target, mode: .read))))
                return 0
            }
            guard !readOnly else { return -EROFS }
            let existing = try lookup(target)
            if existing?.kind == .directory { return -EISDIR }
            let writer: WriterFile
            if flags & O_TRUNC != 0, flags & O_ACCMODE == O_WRONLY {
                writer = try .streaming(
                    store: store,
                    path: target,
                    stagingDirectory: options.stagingDirectory,
                    stats: stats
                )
            } else if flags & O_APPEND != 0, flags & O_ACCMODE == O_WRONLY, store.capabilities.append, let existing {
                writer = try .streaming(
                    store: store,
                    path: target,
                    appendingTo: existing.size,
                    stagingDirectory: options.stagingDirectory,
                    stats: stats
                )
            } else {
                writer = try .staged(
                    store: store,
                    path: target,
                    copyExisting: flags & O_TRUNC == 0,
                    stagingDirectory: options.stagingDirectory,
                    stats: stats
                )
            }
            cache.invalidate(target)
            handle = handles.add(.writer(writer))
            return 0
        }
        return (result, handle, directIO)
    }

    func create(_ path: String, flags: Int32) -> (Int32, UInt64) {
        var handle: UInt64 = 0
        let result = run(.create) {
            guard !control.contains(path) else { return -EACCES }
            guard !readOnly else { return -EROFS }
            let target = storePath(path)
            let writer: WriterFile =
                if flags & O_ACCMODE == O_RDWR {
                    try .staged(
                        store: store,
                        path: target,
                        copyExisting: false,
                        stagingDirectory: options.stagingDirectory,
                        stats: stats
                    )
                } else {
                    try .streaming(store: store, path: target, stagingDirectory: options.stagingDirectory, stats: stats)
                }
            cache.invalidate(target)
            handle = handles.add(.writer(writer))
            return 0
        }
        return (result, handle)
    }

    /// Answers a read with where its bytes are: the store's local file itself, which libfuse splices
    /// to the kernel without a copy through this process, or else a buffer filled by ``read(_:into:at:)``.
    func readBuffer(
        _ handle: UInt64,
        size: Int,
        at offset: UInt64,
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<fuse_bufvec>?>
    ) -> Int32 {
        if case .reader(let reader) = handles.get(handle), let fd = reader.handle.readableFileDescriptor {
            return run(.read) {
                var info = Glibc.stat()
                guard fstat(fd, &info) == 0 else { return -errno }
                guard let vector = cfuse_file_bufvec(fd, size, off_t(offset)) else { return -ENOMEM }
                out.pointee = vector
                stats.addBytesRead(Int(max(0, min(Int64(size), Int64(info.st_size) - Int64(offset)))))
                return 0
            }
        }
        guard let vector = cfuse_memory_bufvec(size) else { return -ENOMEM }
        let got = read(
            handle,
            into: UnsafeMutableRawBufferPointer(start: vector.pointee.buf.mem, count: size),
            at: offset
        )
        guard got >= 0 else {
            free(vector.pointee.buf.mem)
            free(vector)
            return got
        }
        vector.pointee.buf.size = Int(got)
        out.pointee = vector
        return 0
    }

    func read(_ handle: UInt64, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) -> Int32 {
        run(.read) {
            let got: Int
            switch handles.get(handle) {
            case .reader(let reader): got = try reader.read(at: offset, into: buffer)
            case .writer(let writer): got = try writer.read(at: offset, into: buffer)
            case .control(let content):
                let start = Int(min(offset, UInt64(content.count)))
                got = min(buffer.count, content.count - start)
                content.withUnsafeBytes {
                    buffer.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: got)
                }
            case .directory, nil: return -EBADF
            }
            stats.addBytesRead(got)
            return Int32(got)
        }
    }

    func write(_ handle: UInt64, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) -> Int32 {
        run(.write) {
            guard case .writer(let writer) = handles.get(handle) else { return -EBADF }
            try writer.write(bytes, at: offset)
            return Int32(bytes.count)
        }
    }

    func flush(_ handle: UInt64) -> Int32 {
        run(.flush) {
            guard case .writer(let writer) = handles.get(handle) else { return 0 }
            try publish(writer)
            return 0
        }
    }

    func fsync(_ handle: UInt64) -> Int32 {
        run(.fsync) {
            guard case .writer(let writer) = handles.get(handle) else { return 0 }
            try publish(writer)
            return 0
        }
    }

    func release(_ handle: UInt64) -> Int32 {
        run(.release) {
            switch handles.remove(handle) {
            case .reader(let reader): reader.close()
            case .writer(let writer):
                // Normally flushed already by close(2); this publishes what a crash of the caller left.
                do { try publish(writer) } catch { log("release: upload of '\(writer.path)' failed: \(error)") }
            default: break
            }
            return 0
        }
    }

    /// Uploads what files still open for writing hold, when the mount ends under them.
    func publishOpenWriters() {
        for writer in handles.allWriters() {
            do { try publish(writer) } catch { log("at unmount: upload of '\(writer.path)' failed: \(error)") }
        }
    }

    private func publish(_ writer: WriterFile) throws {
        do {
            try writer.flush()
        } catch {
            cache.invalidate(writer.path)
            log("upload of '\(writer.path)' failed: \(error)")
            throw error
        }
        // What was just published is known: the stat that follows a close (cp, tar and editors all
        // make one) needs no request to the store.
        cache.store(writer.path, FileInfo(path: writer.path, kind: .file, size: writer.size, modified: Date()))
    }

    func truncate(_ path: String, size: UInt64, handle: UInt64?) -> Int32 {
        run(.truncate) {
            guard !control.contains(path) else { return -EACCES }
            guard !readOnly else { return -EROFS }
            let target =
                handle.flatMap { if case .writer(let writer) = handles.get($0) { writer.path } else { nil } }
                ?? storePath(path)
            defer { cache.invalidate(target) }
            if let handle, case .writer(let writer) = handles.get(handle) {
                try writer.truncate(to: size)
                return 0
            }
            if let writer = handles.writer(for: target) {
                try writer.truncate(to: size)
                return 0
            }
            guard let info = try lookup(target) else { return -ENOENT }
            guard info.kind != .directory else { return -EISDIR }
            guard info.size != size else { return 0 }
            let writer: WriterFile =
                if size == 0 {
                    try .streaming(store: store, path: target, stagingDirectory: options.stagingDirectory, stats: stats)
                } else {
                    try .staged(
                        store: store,
                        path: target,
                        copyExisting: true,
                        stagingDirectory: options.stagingDirectory,
                        stats: stats
                    )
                }
            try writer.truncate(to: size)
            try writer.flush()
            return 0
        }
    }

    func unlink(_ path: String) -> Int32 {
        run(.unlink) {
            guard !control.contains(path) else { return -EACCES }
            guard !readOnly else { return -EROFS }
            let target = storePath(path)
            defer { cache.invalidate(target) }
            let writer = handles.writer(for: target)
            writer?.markUnlinked()
            do {
                try store.remove(target)
            } catch let error as ArtifactStoreError where error.code == .notFound && writer != nil {
                return 0
            }
            return 0
        }
    }

    func rename(_ source: String, _ destination: String, flags: UInt32) -> Int32 {
        run(.rename) {
            guard !control.contains(source), !control.contains(destination) else { return -EACCES }
            guard !readOnly else { return -EROFS }
            // RENAME_EXCHANGE swaps two paths, which no artifact store can do atomically.
            guard flags & 2 == 0 else { return -ENOTSUP }
            let from = storePath(source)
            let to = storePath(destination)
            defer {
                cache.invalidateTree(from)
                cache.invalidateTree(to)
            }
            let pending = handles.writer(for: from)
            do {
                try store.rename(from, to, overwrite: flags & 1 == 0)
            } catch let error as ArtifactStoreError where error.code == .notFound && pending != nil {
                // Still being written: it will be published under the new name.
            }
            handles.rename(from, to: to)
            return 0
        }
    }

    func utimens(_ path: String) -> Int32 {
        run(.utimens) {
            guard !control.contains(path) else { return -EACCES }
            guard !readOnly else { return -EROFS }
            let target = storePath(path)
            // Stores keep their own modification times; setting one is accepted when the path
            // exists (so `touch` and `cp -p` work) and changes nothing.
            if handles.writer(for: target) != nil { return 0 }
            return try lookup(target, isRoot: path == "/") == nil ? -ENOENT : 0
        }
    }

    func statfs(_ out: UnsafeMutablePointer<statvfs>) -> Int32 {
        run(.statfs) {
            var info = statvfs()
            // Artifact stores have no fixed capacity: report a large, steady one, as object-store mounts do.
            info.f_bsize = 1 << 20
            info.f_frsize = 4096
            info.f_blocks = 1 << 40
            info.f_bfree = 1 << 40
            info.f_bavail = 1 << 40
            info.f_files = 1 << 32
            info.f_ffree = 1 << 32
            info.f_favail = 1 << 32
            info.f_namemax = 255
            if readOnly { info.f_flag = UInt(ST_RDONLY) }
            out.pointee = info
            return 0
        }
    }
}
