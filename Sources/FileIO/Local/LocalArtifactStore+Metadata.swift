import CSystemShims
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The local store keeps every POSIX attribute: each call passes to the file system underneath,
/// never following a final symbolic link, and its errno comes back unchanged.
extension LocalArtifactStore {
    public func setPermissions(_ path: String, _ permissions: UInt16) throws {
        let target = try resolve(path).description
        try POSIXCalls.check("chmod", path: path) {
            POSIXCalls.at(target) { fchmodat($0, $1, mode_t(permissions & 0o7777), 0) }
        }
    }

    public func setOwner(_ path: String, owner: UInt32?, group: UInt32?) throws {
        let target = try resolve(path).description
        try POSIXCalls.check("chown", path: path) {
            POSIXCalls.at(target) { fchownat($0, $1, owner ?? UInt32.max, group ?? UInt32.max, AT_SYMLINK_NOFOLLOW) }
        }
    }

    public func setTimes(_ path: String, accessed: TimestampChange, modified: TimestampChange) throws {
        let target = try resolve(path).description
        let times = [accessed.utimensat, modified.utimensat]
        try POSIXCalls.check("utimensat", path: path) {
            POSIXCalls.at(target) { utimensat($0, $1, times, AT_SYMLINK_NOFOLLOW) }
        }
    }

    public func symlink(_ target: String, at path: String) throws {
        let link = try resolve(path).description
        try POSIXCalls.check("symlink", path: path) { POSIXCalls.at(link) { symlinkat(target, $0, $1) } }
    }

    public func link(_ existing: String, at path: String) throws {
        let from = try resolve(existing).description
        let to = try resolve(path).description
        try POSIXCalls.check("link", path: path) {
            POSIXCalls.at(from) { fromDirectory, fromName in
                POSIXCalls.at(to) { linkat(fromDirectory, fromName, $0, $1, 0) }
            }
        }
    }

    public func makeSpecialFile(_ path: String, _ type: SpecialFile, permissions: UInt16) throws {
        let target = try resolve(path).description
        let (fileType, device): (mode_t, dev_t) =
            switch type {
            case .fifo: (S_IFIFO, 0)
            case .socket: (S_IFSOCK, 0)
            case .characterDevice(let device): (S_IFCHR, dev_t(device))
            case .blockDevice(let device): (S_IFBLK, dev_t(device))
            }
        try POSIXCalls.check("mknod", path: path) {
            POSIXCalls.at(target) { mknodat($0, $1, fileType | mode_t(permissions & 0o7777), device) }
        }
    }

    public func extendedAttribute(_ path: String, name: String) throws -> [UInt8] {
        let target = try resolve(path).description
        while true {
            let size = try POSIXCalls.check("getxattr", path: path) { afs_lgetxattr(target, name, nil, 0) }
            var value = [UInt8](repeating: 0, count: size)
            let got = afs_lgetxattr(target, name, &value, UInt(size))
            if got >= 0 { return Array(value[..<got]) }
            // It grew between the two calls: ask again.
            if errno != ERANGE { throw POSIXCalls.error(errno, call: "getxattr", path: path) }
        }
    }

    public func setExtendedAttribute(_ path: String, name: String, value: [UInt8], mode: AttributeWriteMode) throws {
        let target = try resolve(path).description
        let flags: Int32 =
            switch mode {
            case .either: 0
            case .create: afs_xattr_create()
            case .replace: afs_xattr_replace()
            }
        try POSIXCalls.check("setxattr", path: path) { afs_lsetxattr(target, name, value, UInt(value.count), flags) }
    }

    public func extendedAttributeNames(_ path: String) throws -> [String] {
        let target = try resolve(path).description
        while true {
            let size = try POSIXCalls.check("listxattr", path: path) { afs_llistxattr(target, nil, 0) }
            var list = [CChar](repeating: 0, count: size)
            let got = afs_llistxattr(target, &list, UInt(size))
            if got >= 0 {
                return list[..<got].split(separator: 0).map { String(decoding: $0.map(UInt8.init), as: UTF8.self) }
            }
            if errno != ERANGE { throw POSIXCalls.error(errno, call: "listxattr", path: path) }
        }
    }

    public func removeExtendedAttribute(_ path: String, name: String) throws {
        let target = try resolve(path).description
        try POSIXCalls.check("removexattr", path: path) { afs_lremovexattr(target, name) }
    }

    /// The disk's own figures, from `statvfs(2)` of the root.
    public func capacity() throws -> StoreCapacity? {
        var info = statvfs()
        try POSIXCalls.check("statvfs", path: root.description) { statvfs(root.description, &info) }
        return StoreCapacity(
            blockSize: UInt64(info.f_frsize),
            blocks: UInt64(info.f_blocks),
            freeBlocks: UInt64(info.f_bfree),
            availableBlocks: UInt64(info.f_bavail),
            files: UInt64(info.f_files),
            freeFiles: UInt64(info.f_ffree),
            nameMax: UInt64(info.f_namemax)
        )
    }
}

extension LocalArtifactStore: InPlaceFileStore {
    public func openDescriptor(_ path: String, flags: Int32, permissions: UInt16) throws -> Int32 {
        let target = try resolve(path).description
        return try POSIXCalls.check("open", path: path) {
            POSIXCalls.at(target) { openat($0, $1, flags | O_CLOEXEC, mode_t(permissions & 0o7777)) }
        }
    }

    public func info(ofDescriptor descriptor: Int32, path: String) throws -> FileInfo {
        var info = Glibc.stat()
        try POSIXCalls.check("fstat", path: path) { fstat(descriptor, &info) }
        return POSIXCalls.fileInfo(info, path: path)
    }
}
