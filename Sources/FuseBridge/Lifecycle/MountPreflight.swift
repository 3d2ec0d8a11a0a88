import CFuse
import FileIO
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The checks a mount must pass before anything is mounted, so bad input mounts nothing.
public enum MountPreflight {
    /// Returns the mountpoint's canonical absolute path.
    /// - Throws: ``MountError`` for a missing folder, a file, a dead mount left behind, a folder
    ///   that is not empty or already mounted, or a machine without `/dev/fuse`.
    public static func checkMountpoint(_ mountpoint: String) throws -> String {
        var info = stat()
        guard stat(mountpoint, &info) == 0 else {
            if errno == ENOTCONN {
                throw MountError(
                    .invalidMountpoint,
                    "\(mountpoint): a dead mount is still there: run `artifactfs unmount \(mountpoint)` first"
                )
            }
            throw MountError(.invalidMountpoint, "\(mountpoint): mountpoint does not exist (create it with mkdir)")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw MountError(.invalidMountpoint, "\(mountpoint): mountpoint is a file, not a folder")
        }
        guard let resolved = realpath(mountpoint, nil) else {
            throw MountError(.invalidMountpoint, "\(mountpoint): cannot resolve the mountpoint")
        }
        let path = String(cString: resolved)
        free(resolved)
        if KernelMount.all().contains(where: { $0.mountpoint == path }) {
            throw MountError(
                .invalidMountpoint,
                "\(path): already a mountpoint (see `artifactfs mounts`; `artifactfs unmount \(path)`)"
            )
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        guard entries.isEmpty else {
            throw MountError(
                .invalidMountpoint,
                "\(path): mountpoint is not empty (\(entries.count) entries): mount onto an empty folder"
            )
        }
        guard access("/dev/fuse", R_OK | W_OK) == 0 else {
            throw MountError(
                .unavailable,
                "/dev/fuse is missing or not accessible: load the fuse module (modprobe fuse), or give the container --device /dev/fuse"
            )
        }
        return path
    }

    /// Returns `folder` as an absolute path, refused when it lies in the mountpoint (the daemon
    /// would write its cache through its own mount).
    /// - Throws: ``MountError`` (`invalidOption`) naming `option`.
    public static func checkCacheFolder(_ folder: String, option: String, mountpoint: String) throws -> String {
        let absolute = URL(fileURLWithPath: folder).standardizedFileURL.path
        var existing = absolute
        while access(existing, F_OK) != 0, existing != "/" {
            existing = (existing as NSString).deletingLastPathComponent
        }
        var resolved = existing
        if let real = realpath(existing, nil) {
            resolved = String(cString: real) + absolute.dropFirst(existing.count)
            free(real)
        }
        for candidate in [absolute, resolved] where candidate == mountpoint || candidate.hasPrefix(mountpoint + "/") {
            throw MountError(
                .invalidOption,
                "\(option) \(folder): is inside the mountpoint \(mountpoint): choose a folder outside it"
            )
        }
        return absolute
    }

    /// Checks that `store` answers and that `root` is a directory of it; a missing root is created
    /// (as writing into it would), unless the mount is read-only.
    /// - Throws: ``MountError`` saying why the store cannot be mounted.
    public static func checkRoot(_ root: String, of store: any ArtifactStore, readOnly: Bool) throws {
        do {
            let info = try store.stat(root)
            guard info.kind == .directory else {
                throw MountError(.invalidRoot, "\(root): is a file, not a folder: mount a folder of the store")
            }
        } catch let error as ArtifactStoreError where error.code == .notFound && !readOnly {
            do {
                try store.makedirs(root)
            } catch {
                throw MountError(.unavailable, "store unreachable: \(error)", cause: error)
            }
        } catch let error as ArtifactStoreError {
            throw MountError(.unavailable, "store unreachable: \(error)", cause: error)
        }
    }
}
