import Foundation
import StackModel
import Synchronization

/// What a plugin flavor's registration pinned (its source and content hash), and whether this
/// machine must trust the plugin itself: the check that runs before the plugin is built or loaded.
///
/// With a shared metadata server a teammate's registration is seen here, but its code runs here
/// only once this machine trusts that flavor at that hash (``TrustedPlugins``). With the embedded
/// SQLite store the registrant is this machine, so the pinned hash alone is the trust. Either way
/// a plugin whose content no longer has the pinned hash is refused until it is trusted again.
public struct PluginPin: Sendable, Hashable {
    /// The flavor's component type.
    public var type: StackComponentType
    /// The flavor's name.
    public var name: String
    /// What was registered: the package folder or the shared library, absolute.
    public var source: String
    /// The shared library that implements it (inside the package's build folder for a package).
    public var library: String
    /// The content hash pinned at registration (``PluginContentHash``); empty for a registration
    /// made before hashes were pinned.
    public var contentHash: String
    /// The trust file this machine must find the flavor in, or nil when the pinned hash is enough.
    public var trust: TrustedPlugins?

    /// A pin of the flavor `name` of `type`.
    public init(
        type: StackComponentType,
        name: String,
        source: String,
        library: String,
        contentHash: String,
        trust: TrustedPlugins?
    ) {
        self.type = type
        self.name = name
        self.source = source
        self.library = library
        self.contentHash = contentHash
        self.trust = trust
    }

    /// The command that trusts this flavor on this machine.
    public var trustCommand: String { "artifactfs \(type.cliName) flavor trust \(name)" }

    /// Where the plugin stands on this machine, hashing its source now.
    public func status() -> PluginTrustStatus {
        let found: String
        do {
            found = try PluginContentHash.of(source)
        } catch let error as StackError {
            return .unreadable(error.message)
        } catch {
            return .unreadable("\(error)")
        }
        if contentHash.isEmpty { return .unpinned(found: found) }
        if found != contentHash { return .changed(found: found) }
        guard let trust else { return .trusted }
        do {
            return try trust.trusts(self) ? .trusted : .untrusted
        } catch let error as StackError {
            return .unreadable(error.message)
        } catch {
            return .unreadable("\(error)")
        }
    }

    /// Refuses a plugin this machine may not build or load: one whose content changed since it
    /// was pinned, one registered before pinning, or (with a shared store) one this machine has
    /// not trusted. A source that cannot be read is left to loading, which names what is missing.
    /// - Throws: ``StackError`` `.untrusted` naming the flavor, the source, the hashes and
    ///   ``trustCommand``; its `cause` is the ``PluginTrustRefusal``.
    public func check() throws {
        let status = status()
        switch status {
        case .trusted, .unreadable: return
        case .untrusted, .changed, .unpinned:
            let refusal = PluginTrustRefusal(pin: self, status: status)
            throw StackError(.untrusted, refusal.message, cause: refusal)
        }
    }

    private static let verified = Mutex<Set<PluginPin>>([])

    /// The plugin's library, loaded after ``check()`` passes (once per process): a package
    /// whose library is not built on this machine yet is built first, only then.
    /// - Throws: ``StackError`` `.untrusted` from ``check()``; what building or loading throws.
    public func load() throws -> PluginLibrary {
        if !Self.verified.withLock({ $0.contains(self) }) {
            try check()
            Self.verified.withLock { _ = $0.insert(self) }
        }
        guard PluginSource.isPackage(source), !FileManager.default.fileExists(atPath: library) else {
            return try PluginLibrary.load(library)
        }
        return try PluginLibrary.load(PluginSource.build(package: source, log: { _ in }))
    }
}

/// Where a plugin flavor stands on this machine.
public enum PluginTrustStatus: Sendable, Hashable {
    /// Its content has the pinned hash and this machine trusts it (or needs no trust of its own).
    case trusted
    /// Its content has the pinned hash, but this machine has not trusted it.
    case untrusted
    /// Its content hash is `found`, not the pinned one.
    case changed(found: String)
    /// It was registered before content hashes were pinned; its content hash now is `found`.
    case unpinned(found: String)
    /// Its source cannot be hashed (missing, unreadable): loading it would fail and say why.
    case unreadable(String)

    /// One word for listings: `trusted`, `untrusted`, `changed`, `unpinned`, `unreadable`.
    public var word: String {
        switch self {
        case .trusted: "trusted"
        case .untrusted: "untrusted"
        case .changed: "changed"
        case .unpinned: "unpinned"
        case .unreadable: "unreadable"
        }
    }
}

/// Why a plugin was not built or loaded: the cause of the ``StackError`` `.untrusted` that
/// ``PluginPin/check()`` throws, with each part for callers that show or act on them.
public struct PluginTrustRefusal: Error, Sendable, Hashable {
    /// The flavor's component type.
    public var type: StackComponentType
    /// The flavor's name.
    public var flavor: String
    /// The package folder or shared library refused.
    public var source: String
    /// The pinned content hash; empty for a registration made before pinning.
    public var expected: String
    /// The content hash found now, when it differs from the pinned one.
    public var found: String?
    /// The command that trusts the flavor on this machine.
    public var trustCommand: String

    /// The refusal of `pin` in `status`.
    init(pin: PluginPin, status: PluginTrustStatus) {
        type = pin.type
        flavor = pin.name
        source = pin.source
        expected = pin.contentHash
        trustCommand = pin.trustCommand
        switch status {
        case .changed(let hash), .unpinned(let hash): found = hash
        default: found = nil
        }
    }

    /// The sentence the CLI prints.
    public var message: String {
        let subject = "\(type.displayName) flavor '\(flavor)' (plugin '\(source)')"
        let fix = "it was not built or loaded; check the plugin, then `\(trustCommand)`"
        if expected.isEmpty {
            return
                "\(subject) was registered before plugins were pinned by content hash (found \(found ?? "?")): \(fix)"
        }
        if let found {
            return
                "\(subject) changed since it was registered: expected content hash \(expected), found \(found); \(fix) (or register it again)"
        }
        return
            "\(subject) is registered in the shared metadata store but this machine has not trusted it (content hash \(expected)): \(fix)"
    }
}
