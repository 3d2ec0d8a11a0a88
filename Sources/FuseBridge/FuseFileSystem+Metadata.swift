import CFuse
import FileIO
import Foundation

/// The POSIX metadata operations: each passes to the store, which keeps the change or refuses it
/// with its errno (never a 0 for something not kept). A file still open for writing keeps the
/// change until its bytes are published, so `cp -a` and `tar` (which set modes and times on the
/// open file) see them land.
extension FuseFileSystem {
    func chmod(_ path: String, _ mode: mode_t, handle: UInt64?) -> Int32 {
        change(.chmod, path, handle: handle) { target, writer in
            if let writer, store.capabilities.metadata.contains(.permissions) {
                writer.updateAttributes { $0.permissions = UInt16(mode & 0o7777) }
            } else {
                try store.setPermissions(target, UInt16(mode & 0o7777))
            }
        }
    }

    func chown(_ path: String, _ uid: uid_t, _ gid: gid_t, handle: UInt64?) -> Int32 {
        // (uid_t)-1 and (gid_t)-1 leave that one unchanged, as chown(2) says.
        let owner = uid == uid_t.max ? nil : uid
        let group = gid == gid_t.max ? nil : gid
        return change(.chown, path, handle: handle) { target, writer in
            if let writer, store.capabilities.metadata.contains(.ownership) {
                writer.updateAttributes {
                    $0.owner = owner ?? $0.owner
                    $0.group = group ?? $0.group
                }
            } else {
                try store.setOwner(target, owner: owner, group: group)
            }
        }
    }

    func utimens(_ path: String, _ times: UnsafePointer<timespec>?, handle: UInt64?) -> Int32 {
        let accessed = TimestampChange(utimensat: times?[0])
        let modified = TimestampChange(utimensat: times?[1])
        return change(.utimens, path, handle: handle) { target, writer in
            if let writer, store.capabilities.metadata.contains(.timestamps) {
                writer.updateAttributes {
                    if accessed != .keep { $0.accessed = accessed }
                    if modified != .keep { $0.modified = modified }
                }
            } else {
                try store.setTimes(target, accessed: accessed, modified: modified)
            }
        }
    }

    func symlink(_ linkTarget: String, at path: String) -> Int32 {
        change(.symlink, path, handle: nil) { target, _ in
            try store.symlink(linkTarget, at: target)
            try giveToCaller(target, permissions: nil)
        }
    }

    func link(_ existing: String, at path: String) -> Int32 {
        change(.link, path, handle: nil) { target, _ in
            let source = storePath(existing)
            defer { cache.invalidate(source) }
            try store.link(source, at: target)
            kernel.invalidateNow(existing)
            changedLinks(of: existing)
        }
    }

    func mknod(_ path: String, _ mode: mode_t, _ device: dev_t) -> Int32 {
        change(.mknod, path, handle: nil) { target, _ in
            let permissions = UInt16(mode & 0o7777)
            switch mode & S_IFMT {
            case S_IFREG:
                try store.write(target, contents: [])
                try giveToCaller(target, permissions: permissions)
                return
            case S_IFIFO: try store.makeSpecialFile(target, .fifo, permissions: permissions)
            case S_IFSOCK: try store.makeSpecialFile(target, .socket, permissions: permissions)
            case S_IFCHR: try store.makeSpecialFile(target, .characterDevice(UInt64(device)), permissions: permissions)
            case S_IFBLK: try store.makeSpecialFile(target, .blockDevice(UInt64(device)), permissions: permissions)
            default: throw ArtifactStoreError(.invalidArgument, path: target, "mknod of an unknown file type")
            }
            try giveToCaller(target, permissions: nil)
        }
    }

    // MARK: - Extended attributes

    /// Copies an attribute's value into the caller's buffer; a size of 0 asks for the size alone.
    /// The kernel asks for `security.capability` before every write, so this never publishes
    /// a file still being written: such a file has what the store holds, or nothing yet.
    func getxattr(_ path: String, _ name: String, _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int32 {
        // ENOSYS tells the kernel this mount has no extended attributes: it stops asking.
        guard keepsExtendedAttributes else { return -ENOSYS }
        return run(.getxattr) {
            guard !control.contains(path) else { return -ENODATA }
            let target = storePath(path)
            do {
                return Self.reply(try store.extendedAttribute(target, name: name), buffer, size)
            } catch let error as ArtifactStoreError where error.code == .notFound && handles.writer(for: target) != nil
            {
                return -ENODATA
            }
        }
    }

    func setxattr(_ path: String, _ name: String, _ value: UnsafeRawBufferPointer, flags: Int32) -> Int32 {
        let mode: AttributeWriteMode =
            switch flags {
            case 1: .create  // XATTR_CREATE
            case 2: .replace  // XATTR_REPLACE
            default: .either
            }
        guard keepsExtendedAttributes else { return -ENOSYS }
        return change(.setxattr, path, handle: nil) { target, writer in
            if let writer { try publish(writer) }
            try store.setExtendedAttribute(target, name: name, value: Array(value), mode: mode)
            // An ACL (`system.posix_acl_access`, which `cp -a` sets) changes the mode too.
            if name.hasPrefix("system.") { kernel.invalidate(path) }
        }
    }

    /// The attribute names, each ending in a NUL, as `listxattr(2)` returns them.
    func listxattr(_ path: String, _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int32 {
        guard keepsExtendedAttributes else { return -ENOSYS }
        return run(.listxattr) {
            guard !control.contains(path) else { return 0 }
            let target = storePath(path)
            let names: [String]
            do {
                names = try store.extendedAttributeNames(target)
            } catch let error as ArtifactStoreError where error.code == .notFound && handles.writer(for: target) != nil
            {
                names = []
            }
            return Self.reply(names.flatMap { Array($0.utf8) + [0] }, buffer, size)
        }
    }

    func removexattr(_ path: String, _ name: String) -> Int32 {
        guard keepsExtendedAttributes else { return -ENOSYS }
        return change(.removexattr, path, handle: nil) { target, writer in
            if let writer { try publish(writer) }
            try store.removeExtendedAttribute(target, name: name)
            if name.hasPrefix("system.") { kernel.invalidate(path) }
        }
    }

    /// False for a store without extended attributes: the xattr calls answer `ENOSYS`, which
    /// the kernel remembers (and tells callers `EOPNOTSUPP`) instead of asking on every write.
    var keepsExtendedAttributes: Bool { store.capabilities.metadata.contains(.extendedAttributes) }

    // MARK: - Capacity

    /// The store's own size and free space (a local store's disk); a store without a fixed size
    /// reports a large, steady one, as object-store mounts do.
    func statfs(_ out: UnsafeMutablePointer<statvfs>) -> Int32 {
        run(.statfs) {
            let capacity =
                try store.capacity()
                ?? StoreCapacity(
                    blockSize: 4096,
                    blocks: 1 << 40,
                    freeBlocks: 1 << 40,
                    availableBlocks: 1 << 40,
                    files: 1 << 32,
                    freeFiles: 1 << 32,
                    nameMax: 255
                )
            var info = statvfs()
            info.f_bsize = UInt(capacity.blockSize)
            info.f_frsize = UInt(capacity.blockSize)
            info.f_blocks = fsblkcnt_t(capacity.blocks)
            info.f_bfree = fsblkcnt_t(capacity.freeBlocks)
            info.f_bavail = fsblkcnt_t(capacity.availableBlocks)
            info.f_files = fsfilcnt_t(capacity.files)
            info.f_ffree = fsfilcnt_t(capacity.freeFiles)
            info.f_favail = fsfilcnt_t(capacity.freeFiles)
            info.f_namemax = UInt(min(capacity.nameMax, 255))
            if readOnly { info.f_flag = UInt(ST_RDONLY) }
            out.pointee = info
            return 0
        }
    }

    // MARK: - Helpers

    /// Runs a change of `path`: refused on the control folder and on a read-only mount, and the
    /// cached attributes of the path dropped afterwards. `body` gets the store path and the
    /// writer of a file open for writing there.
    private func change(
        _ operation: MountStats.Operation,
        _ path: String,
        handle: UInt64?,
        _ body: (String, WriterFile?) throws -> Void
    ) -> Int32 {
        run(operation) {
            guard !control.contains(path) else { return -EACCES }
            guard !readOnly else { return -EROFS }
            let target = storePath(path)
            defer { cache.invalidate(target) }
            let writer: WriterFile? =
                if let handle, case .writer(let writer) = handles.get(handle) {
                    writer
                } else {
                    handles.writer(for: target)
                }
            try body(writer?.path ?? target, writer)
            changedLinks(of: path)
            return 0
        }
    }

    /// Gives a path the mount made for a caller the mode asked for and the caller's ownership,
    /// where the store keeps them.
    func giveToCaller(_ target: String, permissions: UInt16?) throws {
        let metadata = store.capabilities.metadata
        if let permissions, metadata.contains(.permissions) { try store.setPermissions(target, permissions) }
        let (owner, group) = callerOwnership(of: target)
        if owner != nil || group != nil { try store.setOwner(target, owner: owner, group: group) }
    }

    /// The owner and group a new file of the calling process gets, where they differ from what the
    /// store gives (the mount's own): its user, and its group or, below a set-group-ID directory,
    /// the directory's group. Nil for both when the store keeps no owners or the mount cannot give
    /// them away (only root can).
    func callerOwnership(of target: String) -> (owner: UInt32?, group: UInt32?) {
        guard store.capabilities.metadata.contains(.ownership), geteuid() == 0,
            let context = fuse_get_context()?.pointee
        else { return (nil, nil) }
        var group = context.gid
        var storeGroup = getegid()
        if let parent = try? store.resolve(target).parent.description,
            let info = try? lookup(parent), let mode = info.permissions, mode & 0o2000 != 0,
            let parentGroup = info.group
        {
            group = parentGroup
            storeGroup = parentGroup
        }
        return (context.uid == geteuid() ? nil : context.uid, group == storeGroup ? nil : group)
    }

    /// Gives the store what was set on a file while it was open.
    func apply(_ attributes: WriterFile.PendingAttributes, to target: String) throws {
        if let permissions = attributes.permissions { try store.setPermissions(target, permissions) }
        if attributes.owner != nil || attributes.group != nil {
            try store.setOwner(target, owner: attributes.owner, group: attributes.group)
        }
        if attributes.accessed != .keep || attributes.modified != .keep {
            try store.setTimes(target, accessed: attributes.accessed, modified: attributes.modified)
        }
    }

    /// Answers a size query (`size` 0) with the length, copies the bytes when they fit, else `-ERANGE`.
    private static func reply(_ bytes: [UInt8], _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int32 {
        if size == 0 { return Int32(bytes.count) }
        guard bytes.count <= size, let buffer else { return -ERANGE }
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress {
                UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: source.count)
            }
        }
        return Int32(bytes.count)
    }
}
