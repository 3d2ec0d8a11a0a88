import Synchronization

/// The flavors this process knows, by component type and name: the built-in ones plus any registered.
public final class FlavorRegistry: Sendable {
    private let flavors: Mutex<[any Flavor]>

    /// Creates a registry with `flavors`.
    public init(_ flavors: [any Flavor] = []) {
        self.flavors = Mutex(flavors)
    }

    /// A registry holding the built-in flavors: `local` and `memory` artifact stores.
    public static func builtIn() -> FlavorRegistry {
        FlavorRegistry([LocalArtifactStoreFlavor(), MemoryArtifactStoreFlavor()])
    }

    /// Adds a flavor.
    /// - Throws: ``StackError`` when a flavor of the same type already has that name.
    public func register(_ flavor: any Flavor) throws {
        try flavors.withLock { flavors in
            if flavors.contains(where: { $0.type == flavor.type && $0.name == flavor.name }) {
                throw StackError(
                    .alreadyExists,
                    "\(flavor.type.withArticle) flavor named '\(flavor.name)' already exists"
                )
            }
            flavors.append(flavor)
        }
    }

    /// Removes the flavor of `type` named `name`, if there is one.
    public func unregister(_ name: String, of type: StackComponentType) {
        flavors.withLock { $0.removeAll { $0.type == type && $0.name == name } }
    }

    /// The flavors of one component type, sorted by name.
    public func flavors(of type: StackComponentType) -> [any Flavor] {
        flavors.withLock { $0.filter { $0.type == type } }.sorted { $0.name < $1.name }
    }

    /// Every artifact-store flavor.
    public var artifactStoreFlavors: [any ArtifactStoreFlavor] {
        flavors(of: .artifactStore).compactMap { $0 as? any ArtifactStoreFlavor }
    }

    /// The flavor of `type` named `name`.
    /// - Throws: ``StackError`` naming the flavor and listing the known ones.
    public func flavor(_ name: String, of type: StackComponentType) throws -> any Flavor {
        let known = flavors(of: type)
        guard let flavor = known.first(where: { $0.name == name }) else {
            let names = known.map(\.name).joined(separator: ", ")
            throw StackError(
                .notFound,
                "unknown \(type.displayName) flavor '\(name)' (known: \(names.isEmpty ? "none" : names))"
            )
        }
        return flavor
    }
}
