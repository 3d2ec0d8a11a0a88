import CFuse
import FileIO
import Foundation
import Logging

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
    let kernel = KernelCache()
    let pageVersions = PageCacheVersions()
    let hardLinks = HardLinkNames()
    let control: ControlFolder
    let failures: FailureLog
    /// The store, when its files are local files the mount opens in place.
    let inPlace: (any InPlaceFileStore)?
    /// The store, when it can ask for a name's metadata in one round trip (object stores).
    private let parallelLookup: (any ParallelLookup)?
    private let owner: (uid: uid_t, gid: gid_t)
    private let mountTime = Date()

    init(store: any ArtifactStore, options: MountOptions) throws {
        self.store = store
        self.options = options
        root = try store.resolve(options.root)
        inPlace = store as? any InPlaceFileStore
        parallelLookup = store as? any ParallelLookup
        // A store with hard links changes a file under all its names at once, and its metadata
        // is cheap to ask (a local lstat, the memory tree): not cached here, so every name shows
        // the change at once (the kernel still caches for the TTL, and is told of other names).
        let cheapMetadata = store.capabilities.metadata.contains(.hardLinks)
        cache = AttributeCache(
            ttl: cheapMetadata ? 0 : options.attributeTTL,
            listTTL: cheapMetadata ? 0 : options.listTTL ?? options.attributeTTL
        )
        control = ControlFolder(files: options.controlFiles, stats: stats)
        failures = FailureLog(level: options.logLevel)
        owner = (getuid(), getgid())
    }

    var readOnly: Bool { options.readOnly || store.capabilities.readOnly }
    /// True for a store whose listings say all there is to know (no modes, owners or links).
    var keepsNoMetadata: Bool { store.capabilities.metadata.isEmpty }

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
            failures.failed(operation, error)
            result = -error.errno
        } catch {
            failures.failed(operation, error)
            result = -EIO
        }
        stats.record(operation, nanoseconds: AttributeCache.now() - start, failed: result < 0)
        return result
    }

    /// Logs a failure outside any one request (an upload at release or unmount) at `error`.
    func log(_ message: String) {
        failures.logger.error("\(message)")
    }

    // MARK: - Attributes

    func getattr(_ path: String, _ out: UnsafeMutablePointer<stat>, handle: UInt64?) -> Int32 {
        run(.getattr) {
            if control.contains(path) {
                if control.isFolder(path) {
                    fill(out, FileInfo(path: path, kind: .directory, size: 0, modified: mountTime, permissions: 0o555))
                } else if let content = control.content(of: path) {
                    fill(
                        out,
                        FileInfo(
                            path: path,
                            kind: .file,
                            size: UInt64(content.count),
                            modified: Date(),
                            permissions: 0o444
                        )
                    )
                } else {
                    return -ENOENT
                }
                return 0
            }
            // Linux file systems refuse a name longer than 255 bytes at lookup, so create, mkdir,
            // rename and link all fail the same way.
            if Self.lastNameTooLong(path) { return -ENAMETOOLONG }
            let target = storePath(path)
            if let inPlace, let handle, let fd = descriptor(of: handle) {
                // Right even once the file was renamed or unlinked (fstat of an open file).
                fill(out, try inPlace.info(ofDescriptor: fd, path: target))
                return 0
            }
            let writer: WriterFile? =
                if let handle, case .writer(let writer) = handles.get(handle) { writer } else {
                    handles.writer(for: target)
                }
            if let writer {
                fill(out, try attributes(of: writer))
                return 0
            }
            guard let info = try lookup(target, isRoot: path == "/") else { return -ENOENT }
            if store.capabilities.metadata.contains(.hardLinks) { hardLinks.saw(path, info) }
            fill(out, info)
            return 0
        }
    }

    /// True when the last name of `path` is longer than a Linux name may be (255 bytes); the
    /// kernel looked up every folder above it first.
    static func lastNameTooLong(_ path: String) -> Bool {
        let bytes = path.utf8
        guard bytes.count > 255 else { return false }
        let start = bytes.lastIndex(of: UInt8(ascii: "/")).map(bytes.index(after:)) ?? bytes.startIndex
        return bytes.distance(from: start, to: bytes.endIndex) > 255
    }

    /// The descriptor of an open file of an in-place store: its own, or its reader's.
    func descriptor(of handle: UInt64) -> Int32? {
        switch handles.get(handle) {
        case .direct(let file): file.fd
        case .reader(let reader): reader.handle.readableFileDescriptor
        default: nil
        }
    }

    /// Pushes a change made through one name of a file to the kernel's cache of its other names.
    func changedLinks(of path: String) {
        for other in hardLinks.others(of: path) { kernel.invalidateNow(other) }
    }

    /// What a file open for writing looks like: its size so far, the store's other metadata and
    /// what was set while it is open.
    func attributes(of writer: WriterFile) throws -> FileInfo {
        // Known from the open until bytes are published; then asked of the store uncached, for
        // the upload gave the file its times.
        let new = FileInfo(path: writer.path, kind: .file, size: 0)
        var info: FileInfo
        if keepsNoMetadata {
            info = new
        } else if case .some(let known) = writer.storedInfo {
            info = known ?? new
        } else {
            info = (try? store.lstat(writer.path)) ?? new
        }
        let pending = writer.attributes
        info.kind = .file
        info.size = writer.size
        info.modified = pending.modified.resolved ?? Date()
        info.accessed = pending.accessed.resolved ?? info.accessed
        info.permissions = pending.permissions ?? info.permissions
        info.owner = pending.owner ?? info.owner
        info.group = pending.group ?? info.group
        return info
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
        // A name its folder's fresh listing lacks is absent: the lookup before a create costs nothing.
        if !isRoot, cache.listedAbsent(target) {
            stats.cacheLookup(hit: true)
            return nil
        }
        stats.cacheLookup(hit: false)
        let generation = cache.generation()
        do {
            // The kernel waits on every lookup, and most it sends for names the cache lacks are
            // new ones (before a create): a store that can ask for a file and a folder at once does.
            let info = try parallelLookup?.lstatAtOnce(target) ?? store.lstat(target)
            cache.store(target, info, since: generation)
            return info
        } catch let error as ArtifactStoreError where error.code == .notFound || error.code == .notADirectory {
            // An object store's root prefix exists even while it holds nothing.
            if isRoot { return FileInfo(path: target, kind: .directory, size: 0) }
            cache.store(target, nil, since: generation)
            return nil
        }
    }

    /// A `stat` from the store's metadata; what the store does not keep comes from the mount
    /// (its owner, 0644 for files, 0755 for directories, the modification time for the others).
    func fill(_ out: UnsafeMutablePointer<stat>, _ file: FileInfo) {
        var info = stat()
        let isDirectory = file.kind == .directory
        let fallback: UInt16 = isDirectory ? 0o755 : file.kind == .symlink ? 0o777 : 0o644
        var mode = mode_t((file.permissions ?? fallback) & 0o7777)
        if readOnly, file.kind != .symlink { mode &= ~mode_t(0o222) }
        info.st_mode = Self.fileType(file.kind, special: file.special) | mode
        info.st_nlink = nlink_t(file.links ?? (isDirectory ? 2 : 1))
        info.st_ino = ino_t(file.inode ?? 0)
        switch file.special {
        case .characterDevice(let device), .blockDevice(let device): info.st_rdev = dev_t(device)
        default: break
        }
        info.st_size = off_t(file.size)
        info.st_blocks = blkcnt_t((file.size + 511) / 512)
        info.st_blksize = 1 << 20
        info.st_uid = file.owner ?? owner.uid
        info.st_gid = file.group ?? owner.gid
        let modified = file.modified ?? mountTime
        info.st_mtim = POSIXTime.timespec(modified)
        info.st_atim = POSIXTime.timespec(file.accessed ?? modified)
        info.st_ctim = POSIXTime.timespec(file.changed ?? modified)
        out.pointee = info
    }

    /// The `st_mode` file type bits of a kind.
    static func fileType(_ kind: FileKind, special: SpecialFile? = nil) -> mode_t {
        switch (kind, special) {
        case (.directory, _): S_IFDIR
        case (.symlink, _): S_IFLNK
        case (.other, .fifo): S_IFIFO
        case (.other, .socket): S_IFSOCK
        case (.other, .characterDevice): S_IFCHR
        case (.other, .blockDevice): S_IFBLK
        case (.file, _), (.other, _): S_IFREG
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
            var entries = try listing(of: target, isRoot: path == "/")
            try learnKinds(of: &entries, in: target)
            let pending = handles.writers(in: target)
            if !pending.isEmpty {
                let listed = Set(entries.map(\.name))
                for (name, writer) in pending where !listed.contains(String(name)) {
                    entries.append(DirectoryEntry(name: String(name), kind: .file, size: writer.size))
                }
            }
            handle = handles.add(.directory(entries))
            return 0
        }
        return (result, handle)
    }

    /// The names in a folder of the store, through the listing cache; a fresh listing also
    /// fills the attribute cache where it says all there is to know of a name.
    private func listing(of target: String, isRoot: Bool) throws -> [DirectoryEntry] {
        if let cached = cache.listing(of: target) {
            stats.listingLookup(hit: true)
            return cached
        }
        stats.listingLookup(hit: false)
        let generation = cache.generation()
        var entries = try store.scandir(target)
        if isRoot { entries.removeAll { $0.name == ControlFolder.name } }
        cache.storeListing(target, entries, since: generation)
        let parent = try store.resolve(target)
        // A listing carries no modes or owners: a store that keeps them is asked per name.
        for entry in entries where keepsNoMetadata && (entry.kind == .directory || entry.size != nil) {
            cache.store(
                parent.appending(entry.name).description,
                FileInfo(path: "", kind: entry.kind, size: entry.size ?? 0, modified: entry.modified),
                since: generation
            )
        }
        return entries
    }

    /// Gives entries whose kind the listing could not tell (small objects on S3) their kind: from
    /// the attribute cache, else asked of the store side by side, the answers kept in the cache for
    /// the `lstat` that `find` or `ls -l` sends next. Tools trusting a listing's types (`find
    /// -type`, Python's `scandir`, so `shutil.copytree`) then see links as links; an entry still
    /// unknown is handed out as of unknown type, so they ask.
    private func learnKinds(of entries: inout [DirectoryEntry], in target: String) throws {
        guard let first = entries.firstIndex(where: { !$0.kindIsKnown }) else { return }
        let parent = try store.resolve(target)
        var unknown: [(index: Int, path: String)] = []
        for index in entries.indices[first...] where !entries[index].kindIsKnown {
            let path = parent.appending(entries[index].name).description
            if case .some(.some(let info)) = cache.lookup(path) {
                entries[index].kind = info.kind
                entries[index].kindIsKnown = true
            } else {
                unknown.append((index, path))
            }
        }
        guard let parallelLookup, !unknown.isEmpty else { return }
        let generation = cache.generation()
        for (entry, info) in zip(unknown, parallelLookup.lstatListed(unknown.map(\.path))) {
            guard let info else { continue }
            cache.store(entry.path, info, since: generation)
            entries[entry.index].kind = info.kind
            entries[entry.index].kindIsKnown = true
        }
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
                let complete = plus && keepsNoMetadata && (entry.kind == .directory || entry.size != nil)
                if complete {
                    self.fill(
                        &attributes,
                        FileInfo(path: "", kind: entry.kind, size: entry.size ?? 0, modified: entry.modified)
                    )
                } else {
                    attributes = stat()
                    attributes.st_mode = entry.kindIsKnown ? Self.fileType(entry.kind) : 0
                }
                // With the store's inode numbers (use_ino) this is the entry's d_ino, and readdir(3)
                // skips an entry whose d_ino is 0.
                attributes.st_ino = ino_t(entry.inode ?? UInt64(index))
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

    func mkdir(_ path: String, permissions: UInt16) -> Int32 {
        run(.mkdir) {
            guard !control.contains(path) else { return -EEXIST }
            guard !readOnly else { return -EROFS }
            let target = storePath(path)
            do {
                try store.mkdir(target)
            } catch {
                cache.invalidate(target)
                throw error
            }
            // Known empty from now: what is written into it next is known absent without asking.
            defer { cache.madeFolder(target) }
            try giveToCaller(target, permissions: permissions)
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

    func open(_ path: String, flags: Int32) -> (Int32, UInt64, directIO: Bool, keepCache: Bool) {
        var handle: UInt64 = 0
        var directIO = false
        var keepCache = false
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
                let generation = cache.generation()
                let opened = try store.open(target, mode: .read)
                // Where the open brought the file's metadata, the fstat that follows (cat, cp and
                // Python all make one) needs no request.
                if let info = opened.openedInfo, opened.path == target { cache.store(target, info, since: generation) }
                keepCache = pageVersions.keepsPages(of: target, version: pageStamp(of: opened, at: target))
                handle = handles.add(.reader(ReaderFile(handle: opened)))
                return 0
            }
            guard !readOnly else { return -EROFS }
            if let inPlace {
                let fd = try inPlace.openDescriptor(
                    target,
                    flags: flags & (O_ACCMODE | O_TRUNC | O_APPEND),
                    permissions: 0
                )
                handle = handles.add(.direct(DirectFile(fd: fd, path: target)))
                return 0
            }
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
            writer.knowStored(existing)
            cache.invalidate(target)
            handle = handles.add(.writer(writer))
            return 0
        }
        return (result, handle, directIO, keepCache)
    }

    /// What tells whether a file changed since it was last opened: its version (an object's ETag
    /// or generation), else its modification time, size and inode (of the open file itself, where
    /// it is a local one); nil when none is known, and the kernel then drops its pages.
    private func pageStamp(of opened: any ArtifactFileHandle, at target: String) -> String? {
        if let info = opened.openedInfo, opened.path == target { return info.etag ?? Self.stamp(info) }
        if let inPlace, let fd = opened.readableFileDescriptor {
            return (try? inPlace.info(ofDescriptor: fd, path: target)).flatMap(Self.stamp)
        }
        guard let info = try? lookup(target), info.kind == .file else { return nil }
        return Self.stamp(info)
    }

    private static func stamp(_ info: FileInfo) -> String? {
        info.modified.map { "\($0.timeIntervalSince1970)/\(info.size)/\(info.inode ?? 0)" }
    }

    func create(_ path: String, permissions: UInt16, flags: Int32) -> (Int32, UInt64) {
        var handle: UInt64 = 0
        let result = run(.create) {
            guard !control.contains(path) else { return -EACCES }
            guard !readOnly else { return -EROFS }
            let target = storePath(path)
            if let inPlace {
                let fd = try inPlace.openDescriptor(
                    target,
                    flags: flags & (O_ACCMODE | O_TRUNC | O_APPEND | O_EXCL) | O_CREAT,
                    permissions: permissions
                )
                handle = handles.add(.direct(DirectFile(fd: fd, path: target)))
                try giveToCaller(target, permissions: permissions)
                return 0
            }
            // The kernel looked the name up just before: where that found nothing, the upload
            // needs no checks first.
            let absent = cache.knownAbsent(target)
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
                    try .streaming(
                        store: store,
                        path: target,
                        listedAbsent: absent,
                        stagingDirectory: options.stagingDirectory,
                        stats: stats
                    )
                }
            if absent { writer.knowStored(nil) }
            let (owner, group) = callerOwnership(of: target)
            let metadata = store.capabilities.metadata
            writer.updateAttributes {
                if metadata.contains(.permissions) { $0.permissions = permissions }
                $0.owner = owner
                $0.group = group
            }
            // Listings show it while it is open, and get it once it is published.
            cache.forget(target)
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
        if let fd = descriptor(of: handle) {
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
            case .direct(let file): got = try file.read(at: offset, into: buffer)
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
            switch handles.get(handle) {
            case .writer(let writer): try writer.write(bytes, at: offset)
            case .direct(let file): try file.write(bytes, at: offset)
            default: return -EBADF
            }
            stats.addBytesWritten(bytes.count)
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

    /// `copy_file_range` (coreutils `cp` tries it first): a whole file copied into a new, still
    /// empty file of the same store becomes the store's own copy (a server-side copy on an
    /// object store), so no byte passes through the mount. Any other copy, or one the store
    /// refuses, is answered `EOPNOTSUPP`, and the kernel (or `cp`) copies by reading and writing
    /// instead. Returns the bytes copied, or a negative errno.
    func copyFileRange(
        from source: UInt64,
        at sourceOffset: UInt64,
        to destination: UInt64,
        at destinationOffset: UInt64,
        length: Int
    ) -> Int {
        var copied = 0
        let result = run(.copyFileRange) {
            guard !readOnly else { return -EROFS }
            guard store.capabilities.serverSideCopy, sourceOffset == destinationOffset,
                case .reader(let reader) = handles.get(source), case .writer(let writer) = handles.get(destination)
            else { return -EOPNOTSUPP }
            let size = try reader.handle.seek(to: 0, from: .end)
            let from = reader.handle.path
            if sourceOffset == 0 {
                guard UInt64(length) >= size else { return -EOPNOTSUPP }
                do {
                    guard try writer.copyWhole(from: from, size: size) else { return -EOPNOTSUPP }
                } catch {
                    // The source may have been renamed since it was opened, or the store may
                    // refuse this copy; reading and writing still can do it.
                    failures.logger.info(
                        "copy_file_range: '\(from)' to '\(writer.path)' inside the store failed, copying through the mount: \(error)"
                    )
                    return -EOPNOTSUPP
                }
                cache.invalidate(writer.path)
            } else {
                guard writer.isCopy(of: from) else { return -EOPNOTSUPP }
            }
            copied = Int(min(UInt64(length), size - min(size, sourceOffset)))
            return 0
        }
        return result < 0 ? Int(result) : copied
    }

    func fsync(_ handle: UInt64, dataOnly: Bool) -> Int32 {
        run(.fsync) {
            switch handles.get(handle) {
            case .writer(let writer): try publish(writer)
            case .direct(let file): try file.sync(dataOnly: dataOnly)
            default: break
            }
            return 0
        }
    }

    func release(_ handle: UInt64) -> Int32 {
        run(.release) {
            switch handles.remove(handle) {
            case .reader(let reader): reader.close()
            case .direct(let file): try file.close()
            case .writer(let writer):
                // Normally flushed already by close(2); this publishes what a crash of the caller
                // left. An upload that failed at close was reported to its caller and logged then.
                guard !writer.uploadFailed else { break }
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

    func publish(_ writer: WriterFile) throws {
        do {
            try writer.flush()
        } catch {
            cache.invalidate(writer.path)
            log("upload of '\(writer.path)' failed: \(error)")
            throw error
        }
        // A second flush or fsync after a failed upload still fails: nothing reached the store.
        guard !writer.uploadFailed else {
            throw ArtifactStoreError(
                .io,
                path: writer.path,
                "the upload failed at an earlier flush; nothing was written"
            )
        }
        guard writer.isLinked else { return }
        let name = AttributeCache.name(of: writer.path) ?? writer.path
        let modified = Date()
        cache.added(writer.path, DirectoryEntry(name: name, kind: .file, size: writer.size, modified: modified))
        guard keepsNoMetadata else {
            // Its mode and owner changed after the listing was taken; its name did not.
            defer { cache.forget(writer.path) }
            try apply(writer.takeAttributes(), to: writer.path)
            return
        }
        // What was just published is known: the stat that follows a close (cp, tar and editors all
        // make one) needs no request to the store.
        cache.store(writer.path, FileInfo(path: writer.path, kind: .file, size: writer.size, modified: modified))
    }

    func truncate(_ path: String, size: UInt64, handle: UInt64?) -> Int32 {
        run(.truncate) {
            guard !control.contains(path) else { return -EACCES }
            guard !readOnly else { return -EROFS }
            let target =
                handle.flatMap { if case .writer(let writer) = handles.get($0) { writer.path } else { nil } }
                ?? storePath(path)
            defer { cache.invalidate(target) }
            if let handle, case .direct(let file) = handles.get(handle) {
                try file.truncate(to: size)
                return 0
            }
            if let handle, case .writer(let writer) = handles.get(handle) {
                try writer.truncate(to: size)
                return 0
            }
            if let inPlace {
                let file = DirectFile(
                    fd: try inPlace.openDescriptor(target, flags: O_WRONLY, permissions: 0),
                    path: target
                )
                defer { try? file.close() }
                try file.truncate(to: size)
                changedLinks(of: path)
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
            let others = hardLinks.others(of: path)
            hardLinks.forget(path)
            do {
                try store.remove(target)
            } catch let error as ArtifactStoreError where error.code == .notFound && writer != nil {
                return 0
            }
            for other in others { kernel.invalidateNow(other) }
            return 0
        }
    }

    func rename(_ source: String, _ destination: String, flags: UInt32) -> Int32 {
        run(.rename) {
            guard !control.contains(source), !control.contains(destination) else { return -EACCES }
            guard !readOnly else { return -EROFS }
            // RENAME_EXCHANGE swaps two paths, which no artifact store can do atomically.
            guard flags & 2 == 0 else { return -EINVAL }
            let from = storePath(source)
            let to = storePath(destination)
            // A published file's entry follows it through the listings the mount knows; anything
            // else (a folder, a file still open, a failed rename) forgets both trees.
            var moved = false
            defer {
                if !moved {
                    cache.invalidateTree(from)
                    cache.invalidateTree(to)
                }
            }
            let pending = handles.writer(for: from)
            do {
                try store.rename(from, to, overwrite: flags & 1 == 0)
                moved = pending == nil && cache.renamedFile(from, to: to)
            } catch let error as ArtifactStoreError where error.code == .notFound && pending != nil {
                // Still being written: it will be published under the new name.
            }
            handles.rename(from, to: to)
            changedLinks(of: destination)
            hardLinks.forget(source)
            hardLinks.forget(destination)
            return 0
        }
    }
}
