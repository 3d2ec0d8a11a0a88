import ArtifactFS
import Foundation
import FuseBridge

/// What `artifactfs mount STORE_OR_URI` mounts: a registered artifact-store component by name, or
/// a URI routed as `fileio` routes it, with the component (if any) that serves it.
struct MountTarget {
    let store: any ArtifactStore
    let root: String
    let component: StackComponent?

    /// Finds the store. A name is a component; a path or URI (`/`, `.`, `~` or `scheme://`) is routed.
    /// - Throws: ``StackError`` for an unknown component or flavor, ``ArtifactStoreError`` for a
    ///   path no store serves.
    static func resolve(_ text: String, in metadata: MetadataStore) throws -> MountTarget {
        let isPath = text.contains("://") || text.hasPrefix("/") || text.hasPrefix(".") || text.hasPrefix("~")
        guard isPath else {
            let component = try metadata.component(text, of: .artifactStore)
            let store = try makeStore(of: component, in: metadata)
            return MountTarget(store: store, root: store.root.description, component: component)
        }
        let path = text.hasPrefix("~") ? NSString(string: text).expandingTildeInPath : text
        let store = try fileio.registry.store(for: path)
        let root = try store.resolve(path)
        let owner = try metadata.components(of: .artifactStore)
            .compactMap { component -> (StackComponent, Int)? in
                guard let base = component.config["path"]?.stringValue, let parsed = try? ArtifactPath(parsing: base),
                    parsed.contains(root)
                else { return nil }
                return (component, parsed.components.count)
            }
            .max { $0.1 < $1.1 }?.0
        return MountTarget(store: store, root: root.description, component: owner)
    }

    /// The store of an artifact-store component, from its flavor, config and secrets.
    /// - Throws: ``StackError`` when the flavor is unknown or not an artifact-store flavor.
    static func makeStore(of component: StackComponent, in metadata: MetadataStore) throws -> any ArtifactStore {
        guard
            let flavor = try metadata.flavors.flavor(component.flavor, of: .artifactStore) as? any ArtifactStoreFlavor
        else {
            throw StackError(
                .notFound,
                "flavor '\(component.flavor)' of artifact store '\(component.name)' is not an artifact-store flavor"
            )
        }
        return try flavor.makeStore(metadata.resolvedConfig(of: component))
    }

    /// The source name `/proc/mounts` shows: `artifactfs:<component>` or `artifactfs:<uri>`.
    var sourceName: String { "artifactfs:" + (component?.name ?? root) }

    /// `component.json` of the control folder: the component, its flavor and config, secrets redacted.
    func componentJSON(metadata: MetadataStore, options: MountOptions) -> String {
        var body: [String: Any] = ["root": root, "mountpoint": options.mountpoint, "read_only": options.readOnly]
        if let component {
            let schema = try? metadata.flavors.flavor(component.flavor, of: .artifactStore).schema
            var config: [String: Any] = [:]
            for (key, value) in component.config {
                let secret = schema?.field(key)?.secret ?? true
                config[key] = secret ? "********" : value.description
            }
            body["component"] = component.name
            body["flavor"] = component.flavor
            body["type"] = component.type.rawValue
            body["config"] = config
            body["labels"] = component.labels
        } else {
            body["component"] = NSNull()
            body["flavor"] = NSNull()
        }
        return Self.json(body)
    }

    /// `stack.json` of the control folder: the stacks whose artifact store this component is.
    func stackJSON(metadata: MetadataStore) -> String {
        let active = try? metadata.activeStack().name
        let stacks = ((try? metadata.stacks()) ?? []).filter {
            $0.artifactStore?.id == component?.id && component != nil
        }
        let entries: [[String: Any]] = stacks.map { stack in
            [
                "name": stack.name, "active": stack.name == active,
                "components": Dictionary(
                    uniqueKeysWithValues: stack.components.map {
                        ($0.key.rawValue, ["name": $0.value.name, "flavor": $0.value.flavor])
                    }
                ),
            ]
        }
        return Self.json(["stack": entries.first?["name"] ?? NSNull(), "stacks": entries])
    }

    private static func json(_ body: [String: Any]) -> String {
        let data =
            (try? JSONSerialization.data(
                withJSONObject: body,
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            )) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
