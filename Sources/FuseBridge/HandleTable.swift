import FileIO
import Synchronization

/// What a FUSE file handle (`fi->fh`) stands for.
enum OpenFile: Sendable {
    case reader(ReaderFile)
    case writer(WriterFile)
    /// A file of an in-place store, open through its own descriptor.
    case direct(DirectFile)
    /// A snapshot of a control file, taken at open.
    case control([UInt8])
    /// A directory listing, taken at `opendir` and handed out in pieces by `readdir`.
    case directory([DirectoryEntry])
}

/// The open files of a mount, by handle number; also finds the writer of a path, so `getattr`
/// sees the size of a file still being written and `rename`/`unlink` reach it.
final class HandleTable: Sendable {
    private struct Table {
        var next: UInt64 = 1
        var files: [UInt64: OpenFile] = [:]
        var writers: [String: [UInt64]] = [:]
        var writerPaths: [UInt64: String] = [:]
    }

    private let table = Mutex(Table())

    func add(_ file: OpenFile) -> UInt64 {
        table.withLock { table in
            let handle = table.next
            table.next += 1
            table.files[handle] = file
            if case .writer(let writer) = file {
                let path = writer.path
                table.writers[path, default: []].append(handle)
                table.writerPaths[handle] = path
            }
            return handle
        }
    }

    func get(_ handle: UInt64) -> OpenFile? {
        table.withLock { $0.files[handle] }
    }

    func remove(_ handle: UInt64) -> OpenFile? {
        table.withLock { table in
            guard let file = table.files.removeValue(forKey: handle) else { return nil }
            if let path = table.writerPaths.removeValue(forKey: handle) {
                table.writers[path]?.removeAll { $0 == handle }
                if table.writers[path]?.isEmpty == true { table.writers[path] = nil }
            }
            return file
        }
    }

    /// The most recent writer open on a store path.
    func writer(for path: String) -> WriterFile? {
        table.withLock { table in
            guard let handle = table.writers[path]?.last, case .writer(let writer) = table.files[handle] else {
                return nil
            }
            return writer
        }
    }

    /// The store paths with writers open below `directory` (direct children only), with their writers.
    func writers(in directory: String) -> [(name: Substring, writer: WriterFile)] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return table.withLock { table in
            table.writers.compactMap { path, handles in
                guard path.hasPrefix(prefix), !path.dropFirst(prefix.count).contains("/"),
                    let handle = handles.last, case .writer(let writer) = table.files[handle]
                else { return nil }
                return (path.dropFirst(prefix.count), writer)
            }
        }
    }

    /// Every writer still open.
    func allWriters() -> [WriterFile] {
        table.withLock { table in
            table.files.values.compactMap { if case .writer(let writer) = $0 { writer } else { nil } }
        }
    }

    /// Moves the writers of `source` (and below it) to `destination` after a rename.
    func rename(_ source: String, to destination: String) {
        table.withLock { table in
            for (path, handles) in table.writers where path == source || path.hasPrefix(source + "/") {
                let moved = destination + path.dropFirst(source.count)
                table.writers[path] = nil
                table.writers[moved, default: []].append(contentsOf: handles)
                for handle in handles {
                    table.writerPaths[handle] = moved
                    if case .writer(let writer) = table.files[handle] { writer.renamed(to: moved) }
                }
            }
        }
    }
}
