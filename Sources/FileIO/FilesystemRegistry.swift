import Synchronization

/// Routes a path to the artifact store that serves it: among the registered stores whose
/// schemes include the path's scheme and whose root contains the path, the one with the longest
/// root wins, so two `s3://` stores with different roots (and credentials) work side by side.
/// A path no registered store contains goes to its scheme's factory, when one is set.
public final class FilesystemRegistry: Sendable {
    /// Builds a store for a path that no registered store contains, e.g. a store rooted at
    /// `s3://bucket` with credentials from the environment, so such paths work with nothing registered.
    public typealias StoreFactory = @Sendable (ArtifactPath) throws -> any ArtifactStore

    /// The registry `fileio` uses: the local file system (`/`) and one process-wide `memory://` store.
    public static let shared = FilesystemRegistry.withDefaults()

    /// A store registered under a root but made only when a path below that root is first used.
    private struct PendingStore: Sendable {
        let root: ArtifactPath
        let schemes: Set<String>
        let make: @Sendable () throws -> any ArtifactStore
    }

    private let stores: Mutex<[any ArtifactStore]>
    private let pending = Mutex<[PendingStore]>([])
    private let factories = Mutex<[String: StoreFactory]>([:])

    /// Creates a registry holding `stores`.
    public init(stores: [any ArtifactStore] = []) {
        self.stores = Mutex(stores)
    }

    /// Registers a store under `root` without making it: `make` runs when a path below `root` is
    /// first routed there (and the longest root wins, as for made stores). This keeps secrets and
    /// connections of unused stores untouched.
    public func register(
        root: ArtifactPath,
        schemes: Set<String>,
        make: @escaping @Sendable () throws -> any ArtifactStore
    ) {
        pending.withLock { pending in
            pending.removeAll { $0.root == root }
            pending.append(PendingStore(root: root, schemes: schemes, make: make))
        }
        stores.withLock { $0.removeAll { $0.root == root } }
    }

    /// Sets the factory for a scheme (`"s3://"`): a path of that scheme outside every registered
    /// store gets a store from it, which is then registered and reused.
    public func register(scheme: String, factory: @escaping StoreFactory) {
        factories.withLock { $0[scheme] = factory }
    }

    /// A registry with the built-in flavors: `local` rooted at `/` and an empty `memory` store.
    public static func withDefaults() -> FilesystemRegistry {
        // Both roots are constants that always parse.
        let local = try! LocalArtifactStore(root: "/")
        let memory = try! MemoryArtifactStore(root: "memory://")
        return FilesystemRegistry(stores: [local, memory])
    }

    /// Adds a store; one already registered with the same root is replaced.
    public func register(_ store: any ArtifactStore) {
        stores.withLock { stores in
            stores.removeAll { $0.root == store.root }
            stores.append(store)
        }
        pending.withLock { $0.removeAll { $0.root == store.root } }
    }

    /// Removes the store registered with exactly this root; returns whether there was one.
    @discardableResult
    public func unregister(root: ArtifactPath) -> Bool {
        stores.withLock { stores in
            let before = stores.count
            stores.removeAll { $0.root == root }
            return stores.count != before
        }
    }

    /// Every scheme some registered store serves, sorted, with `file://` standing for plain paths.
    public var registeredSchemes: [String] {
        let schemes =
            stores.withLock { $0.flatMap(\.supportedSchemes) } + pending.withLock { $0.flatMap(\.schemes) }
            + factories.withLock { Array($0.keys) }
        return Set(schemes.map { $0.isEmpty ? "file://" : $0 }).sorted()
    }

    /// The store that serves `path`.
    /// - Throws: ``ArtifactStoreError/Code/unsupportedScheme`` naming the scheme and the registered
    ///   ones; ``ArtifactStoreError/Code/invalidPath`` when the scheme is served but no store's root
    ///   contains the path.
    public func store(for path: String) throws -> any ArtifactStore {
        let parsed = try ArtifactPath(parsing: path, keepEmptyComponents: true)
        let serving = stores.withLock { $0.filter { $0.supportedSchemes.contains(parsed.schemePrefix) } }
        let best = serving.filter { $0.root.contains(parsed) }.max {
            $0.root.components.count < $1.root.components.count
        }
        let waiting = pending.withLock { pending in
            pending.filter { $0.schemes.contains(parsed.schemePrefix) && $0.root.contains(parsed) }
                .max { $0.root.components.count < $1.root.components.count }
        }
        if let waiting, waiting.root.components.count > best?.root.components.count ?? -1 {
            let store = try waiting.make()
            pending.withLock { $0.removeAll { $0.root == waiting.root } }
            register(store)
            return store
        }
        if let best { return best }
        if let factory = factories.withLock({ $0[parsed.schemePrefix] }) {
            let store = try factory(parsed)
            guard store.root.contains(parsed) else {
                throw ArtifactStoreError(
                    .invalidPath,
                    path: path,
                    "the '\(parsed.schemePrefix)' factory made a store at '\(store.root)', which does not contain this path"
                )
            }
            register(store)
            return store
        }
        guard !serving.isEmpty else {
            throw ArtifactStoreError(
                .unsupportedScheme,
                path: path,
                "no artifact store is registered for scheme '\(parsed.schemePrefix)' (registered: \(registeredSchemes.joined(separator: ", ")))"
            )
        }
        let roots = serving.map(\.root.description).sorted().joined(separator: ", ")
        throw ArtifactStoreError(
            .invalidPath,
            path: path,
            "outside every registered store for '\(parsed.schemePrefix)' (roots: \(roots))"
        )
    }
}
