import CFuse
import FileIO

/// The libfuse callback table. Each callback is a non-capturing closure (so it is a C function
/// pointer) that finds the mount's ``FuseFileSystem`` in the FUSE context's private data.
enum FuseOperations {
    private static var fileSystem: FuseFileSystem {
        Unmanaged<FuseFileSystem>.fromOpaque(fuse_get_context()!.pointee.private_data).takeUnretainedValue()
    }

    private static func path(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? "/"
    }

    /// The operations every mount registers.
    static func table() -> fuse_operations {
        var operations = fuse_operations()
        operations.`init` = { connection, config in
            let fileSystem = FuseOperations.fileSystem
            if let config {
                let ttl = fileSystem.options.attributeTTL
                config.pointee.entry_timeout = ttl
                config.pointee.attr_timeout = ttl
                config.pointee.negative_timeout = ttl
                // Unlinking an open file removes it at once instead of renaming it to .fuse_hidden*.
                config.pointee.hard_remove = 1
                // The store's inode numbers, where it has them: two names of one file show one inode.
                if fileSystem.store.capabilities.metadata.contains(.hardLinks) { config.pointee.use_ino = 1 }
            }
            if let connection {
                connection.pointee.max_write = 1 << 20
                connection.pointee.max_read = UInt32(FuseMount.maximumRead)
                connection.pointee.want |= UInt32(FUSE_CAP_ATOMIC_O_TRUNC)
                // Reads of local files are spliced from the file to the kernel, not copied through us.
                connection.pointee.want |= connection.pointee.capable & UInt32(FUSE_CAP_SPLICE_WRITE)
            }
            return fuse_get_context()!.pointee.private_data
        }
        operations.getattr = { path, out, info in
            FuseOperations.fileSystem.getattr(FuseOperations.path(path), out!, handle: info.map { $0.pointee.fh })
        }
        operations.readlink = { path, buffer, size in
            FuseOperations.fileSystem.readlink(FuseOperations.path(path), buffer!, size)
        }
        operations.opendir = { path, info in
            let (result, handle) = FuseOperations.fileSystem.opendir(FuseOperations.path(path))
            info!.pointee.fh = handle
            return result
        }
        operations.readdir = { _, buffer, filler, offset, info, flags in
            let plus = flags.rawValue & FUSE_READDIR_PLUS.rawValue != 0
            return FuseOperations.fileSystem.readdir(info!.pointee.fh, offset: Int(offset), plus: plus) {
                name,
                attributes,
                next,
                complete in
                filler!(buffer, name, attributes, off_t(next), complete ? FUSE_FILL_DIR_PLUS : fuse_fill_dir_flags(0))
                    != 0
            }
        }
        operations.releasedir = { _, info in
            FuseOperations.fileSystem.releasedir(info!.pointee.fh)
        }
        operations.mkdir = { path, mode in
            FuseOperations.fileSystem.mkdir(FuseOperations.path(path), permissions: UInt16(mode & 0o7777))
        }
        operations.rmdir = { path in FuseOperations.fileSystem.rmdir(FuseOperations.path(path)) }
        operations.unlink = { path in FuseOperations.fileSystem.unlink(FuseOperations.path(path)) }
        operations.rename = { source, destination, flags in
            FuseOperations.fileSystem.rename(
                FuseOperations.path(source),
                FuseOperations.path(destination),
                flags: flags
            )
        }
        operations.open = { path, info in
            let (result, handle, directIO, keepCache) = FuseOperations.fileSystem.open(
                FuseOperations.path(path),
                flags: info!.pointee.flags
            )
            info!.pointee.fh = handle
            if directIO { cfuse_set_direct_io(info, 1) }
            if keepCache { cfuse_set_keep_cache(info, 1) }
            return result
        }
        operations.create = { path, mode, info in
            let (result, handle) = FuseOperations.fileSystem.create(
                FuseOperations.path(path),
                permissions: UInt16(mode & 0o7777),
                flags: info!.pointee.flags
            )
            info!.pointee.fh = handle
            return result
        }
        operations.read_buf = { _, out, size, offset, info in
            FuseOperations.fileSystem.readBuffer(info!.pointee.fh, size: size, at: UInt64(offset), out!)
        }
        operations.write = { _, buffer, size, offset, info in
            FuseOperations.fileSystem.write(
                info!.pointee.fh,
                UnsafeRawBufferPointer(start: buffer, count: size),
                at: UInt64(offset)
            )
        }
        operations.flush = { _, info in FuseOperations.fileSystem.flush(info!.pointee.fh) }
        operations.fsync = { _, dataOnly, info in
            FuseOperations.fileSystem.fsync(info!.pointee.fh, dataOnly: dataOnly != 0)
        }
        operations.release = { _, info in FuseOperations.fileSystem.release(info!.pointee.fh) }
        operations.truncate = { path, size, info in
            FuseOperations.fileSystem.truncate(
                FuseOperations.path(path),
                size: UInt64(max(size, 0)),
                handle: info.map { $0.pointee.fh }
            )
        }
        operations.utimens = { path, times, info in
            FuseOperations.fileSystem.utimens(FuseOperations.path(path), times, handle: info.map { $0.pointee.fh })
        }
        operations.statfs = { _, out in FuseOperations.fileSystem.statfs(out!) }
        operations.chmod = { path, mode, info in
            FuseOperations.fileSystem.chmod(FuseOperations.path(path), mode, handle: info.map { $0.pointee.fh })
        }
        operations.chown = { path, uid, gid, info in
            FuseOperations.fileSystem.chown(FuseOperations.path(path), uid, gid, handle: info.map { $0.pointee.fh })
        }
        operations.symlink = { target, path in
            FuseOperations.fileSystem.symlink(FuseOperations.path(target), at: FuseOperations.path(path))
        }
        operations.link = { existing, path in
            FuseOperations.fileSystem.link(FuseOperations.path(existing), at: FuseOperations.path(path))
        }
        operations.mknod = { path, mode, device in
            FuseOperations.fileSystem.mknod(FuseOperations.path(path), mode, device)
        }
        operations.getxattr = { path, name, buffer, size in
            FuseOperations.fileSystem.getxattr(FuseOperations.path(path), String(cString: name!), buffer, size)
        }
        operations.setxattr = { path, name, value, size, flags in
            FuseOperations.fileSystem.setxattr(
                FuseOperations.path(path),
                String(cString: name!),
                UnsafeRawBufferPointer(start: value, count: size),
                flags: flags
            )
        }
        operations.listxattr = { path, buffer, size in
            FuseOperations.fileSystem.listxattr(FuseOperations.path(path), buffer, size)
        }
        operations.removexattr = { path, name in
            FuseOperations.fileSystem.removexattr(FuseOperations.path(path), String(cString: name!))
        }
        operations.copy_file_range = { _, sourceInfo, sourceOffset, _, destinationInfo, destinationOffset, size, _ in
            FuseOperations.fileSystem.copyFileRange(
                from: sourceInfo!.pointee.fh,
                at: UInt64(sourceOffset),
                to: destinationInfo!.pointee.fh,
                at: UInt64(destinationOffset),
                length: size
            )
        }
        return operations
    }
}
