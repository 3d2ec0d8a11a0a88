import Foundation

/// A registered component: a named, configured instance of a flavor.
public struct StackComponent: Sendable, Hashable, Codable {
    /// Stable identity.
    public var id: UUID
    /// Unique among components of its type.
    public var name: String
    /// Its component type.
    public var type: StackComponentType
    /// The flavor it instantiates.
    public var flavor: String
    /// Its validated config; secret fields hold `{{name.key}}` references, never values.
    public var config: ComponentConfig
    /// Free-form labels.
    public var labels: [String: String]
    /// When it was registered.
    public var created: Date
    /// When it last changed.
    public var updated: Date
}

/// A stack: at most one component per type, exactly one of them an artifact store.
public struct Stack: Sendable, Hashable, Codable {
    /// Stable identity.
    public var id: UUID
    /// Unique among stacks.
    public var name: String
    /// The component of each type in the stack.
    public var components: [StackComponentType: StackComponent]
    /// When it was registered.
    public var created: Date
    /// When it last changed.
    public var updated: Date

    /// The stack's artifact store.
    public var artifactStore: StackComponent? { components[.artifactStore] }
}
