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

    private let stores: Mutex<[any ArtifactStore]>
    private let factories = Mutex<[String: StoreFactory]>([:])

    /// Creates a registry holding `stores`.
    public init(stores: [any ArtifactStore] = []) {
        self.stores = Mutex(stores)
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
        let schemes = stores.withLock { $0.flatMap(\.supportedSchemes) } + factories.withLock { Array($0.keys) }
        return Set(schemes.map { $0.isEmpty ? "file://" : $0 }).sorted()
    }

    /// The store that serves `path`.
    /// - Throws: ``ArtifactStoreError/Code/unsupportedScheme`` naming the scheme and the registered
    ///   ones; ``ArtifactStoreError/Code/invalidPath`` when the scheme is served but no store's root
    ///   contains the path.
    public func store(for path: String) throws -> any ArtifactStore {
        let parsed = try ArtifactPath(parsing: path, keepEmptyComponents: true)
        let serving = stores.withLock { $0.filter { $0.supportedSchemes.contains(parsed.schemePrefix) } }
        if let best = serving.filter({ $0.root.contains(parsed) }).max(by: { $0.root.components.count < $1.root.components.count }) {
            return best
        }
        if let factory = factories.withLock({ $0[parsed.schemePrefix] }) {
            let store = try factory(parsed)
            guard store.root.contains(parsed) else {
                throw ArtifactStoreError(.invalidPath, path: path, "the '\(parsed.schemePrefix)' factory made a store at '\(store.root)', which does not contain this path")
            }
            register(store)
            return store
        }
        guard !serving.isEmpty else {
            throw ArtifactStoreError(
                .unsupportedScheme, path: path,
                "no artifact store is registered for scheme '\(parsed.schemePrefix)' (registered: \(registeredSchemes.joined(separator: ", ")))"
            )
        }
        let roots = serving.map(\.root.description).sorted().joined(separator: ", ")
        throw ArtifactStoreError(.invalidPath, path: path, "outside every registered store for '\(parsed.schemePrefix)' (roots: \(roots))")
    }
}
