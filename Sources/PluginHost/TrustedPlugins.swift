import Foundation
import StackModel

#if canImport(Glibc)
import Glibc
#endif

/// The plugins this machine trusts, kept per user outside any metadata store: a JSON file
/// (`$XDG_CONFIG_HOME/artifactfs/trusted-plugins.json`, else `~/.config/artifactfs/...`, mode 0600)
/// mapping a flavor and where it comes from to the content hash trusted.
///
/// A teammate's registration on a shared metadata server cannot add to it: only this machine's
/// `flavor register` or `flavor trust` writes it, so no code is loaded here that nobody here chose.
public struct TrustedPlugins: Sendable, Hashable {
    /// One trusted plugin flavor.
    public struct Entry: Codable, Sendable, Hashable {
        /// The flavor's component type (its raw value, `artifact_store`).
        public var type: String
        /// The flavor's name.
        public var name: String
        /// The package folder or shared library it is built or loaded from.
        public var source: String
        /// The content hash trusted (``PluginContentHash``).
        public var contentHash: String
        /// When this machine trusted it.
        public var trusted: Date

        /// An entry trusting `contentHash` now.
        init(type: String, name: String, source: String, contentHash: String) {
            self.type = type
            self.name = name
            self.source = source
            self.contentHash = contentHash
            trusted = Date()
        }

        /// Whether both entries are about the same flavor (type and name), whatever they trust.
        func sameFlavor(as other: Entry) -> Bool { type == other.type && name == other.name }
    }

    /// The file's path.
    public let path: String

    /// The trust file of the user the environment names.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        path = base + "/artifactfs/trusted-plugins.json"
    }

    /// The trust file at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The trusted entries; none when the file does not exist yet.
    /// - Throws: ``StackError`` `.storage` naming the file when it cannot be read or parsed.
    public func entries() throws -> [Entry] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode([Entry].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw StackError(
                .storage,
                "cannot read the trusted plugins file '\(path)': \(error.localizedDescription)",
                cause: error
            )
        }
    }

    /// Whether this machine trusts the flavor of `pin` from its source at its pinned hash.
    /// - Throws: ``StackError`` `.storage` when the file cannot be read.
    public func trusts(_ pin: PluginPin) throws -> Bool {
        let wanted = Entry(type: pin.type.rawValue, name: pin.name, source: pin.source, contentHash: pin.contentHash)
        return try entries().contains {
            $0.sameFlavor(as: wanted) && $0.source == wanted.source && $0.contentHash == wanted.contentHash
        }
    }

    /// Trusts the flavor of `pin` at its pinned hash, replacing what was trusted for it before.
    /// The file is replaced atomically (written beside it, then renamed) with mode 0600, under an
    /// exclusive lock (`flock` on a `.lock` file beside it), so two processes trusting at once both count.
    /// - Throws: ``StackError`` `.storage` naming the file when it cannot be written.
    public func trust(_ pin: PluginPin) throws {
        let entry = Entry(type: pin.type.rawValue, name: pin.name, source: pin.source, contentHash: pin.contentHash)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let temporary = path + ".\(getpid()).tmp"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard lock >= 0 else {
                throw StackError(.storage, "cannot open '\(path).lock': \(String(cString: strerror(errno)))")
            }
            defer { close(lock) }
            guard flock(lock, LOCK_EX) == 0 else {
                throw StackError(.storage, "cannot lock '\(path).lock': \(String(cString: strerror(errno)))")
            }
            var entries = try entries().filter { !$0.sameFlavor(as: entry) }
            entries.append(entry)
            entries.sort { ($0.type, $0.name) < ($1.type, $1.name) }
            try write(encoder.encode(entries), to: temporary)
            guard rename(temporary, path) == 0 else {
                throw StackError(.storage, "cannot rename '\(temporary)': \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw StackError(
                .storage,
                "cannot write the trusted plugins file '\(path)': \((error as? StackError)?.message ?? error.localizedDescription)",
                cause: error
            )
        }
    }

    /// Writes `data` to a new file at `file`, created with mode 0600 so it is never readable by others.
    private func write(_ data: Data, to file: String) throws {
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StackError(.storage, "cannot create '\(file)': \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else {
            throw StackError(.storage, "cannot write '\(file)': \(String(cString: strerror(errno)))")
        }
    }
}
