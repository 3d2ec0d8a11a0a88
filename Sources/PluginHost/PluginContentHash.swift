import Crypto
import Foundation
import StackModel

/// The SHA-256 content hash a plugin registration pins: what the machine would build or load,
/// so a plugin that changed after it was registered is noticed before any of its code runs.
///
/// For a shared library it is the hash of the file. For a Swift package folder it hashes the
/// sources `swift build` reads, `Package.swift` and every file under `Sources/` (`.build/`
/// excluded), in sorted path order, each as its relative path, its size and its bytes.
public enum PluginContentHash {
    /// The hash of the plugin at `source` (a `.so` or a package folder), as `sha256:` and 64 hex digits.
    /// - Throws: ``StackError`` `.notFound` naming the path when it does not exist, `.storage` when
    ///   a file in it cannot be read.
    public static func of(_ source: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw StackError(.notFound, "no plugin at '\(source)': the file does not exist")
        }
        var hasher = SHA256()
        if isDirectory.boolValue {
            for file in try packageFiles(in: source) {
                let path = source + "/" + file
                hasher.update(data: Data(file.utf8) + [0])
                withUnsafeBytes(of: try size(of: path).littleEndian) { hasher.update(bufferPointer: $0) }
                try feed(path, into: &hasher)
            }
        } else {
            try feed(source, into: &hasher)
        }
        return "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// `Package.swift` and the regular files under `Sources/`, relative to `folder`, sorted.
    static func packageFiles(in folder: String) throws -> [String] {
        var files = ["Package.swift"]
        let sources = folder + "/Sources"
        guard let walker = FileManager.default.enumerator(atPath: sources) else { return files }
        while let relative = walker.nextObject() as? String {
            guard !relative.split(separator: "/").contains(".build") else { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: sources + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                files.append("Sources/" + relative)
            }
        }
        return files.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    private static func size(of path: String) throws -> UInt64 {
        do {
            return (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        } catch {
            throw StackError(
                .storage,
                "cannot read the plugin file '\(path)': \(error.localizedDescription)",
                cause: error
            )
        }
    }

    /// Streams the file at `path` into `hasher`, a MiB at a time.
    private static func feed(_ path: String, into hasher: inout SHA256) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StackError(.storage, "cannot read the plugin file '\(path)'")
        }
        defer { try? handle.close() }
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        } catch {
            throw StackError(
                .storage,
                "cannot read the plugin file '\(path)': \(error.localizedDescription)",
                cause: error
            )
        }
    }
}
