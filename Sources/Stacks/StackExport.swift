import Foundation
import Yams

/// A stack as `stack export` writes it: YAML with each component's flavor and config, secret
/// fields left as their `{{name.key}}` references.
public struct StackExport: Codable, Sendable, Hashable {
    /// One exported component.
    public struct Component: Codable, Sendable, Hashable {
        public var name: String
        public var flavor: String
        public var config: ComponentConfig
        public var labels: [String: String]?
    }

    /// The stack's name.
    public var stack: String
    /// Its components by stored type name (`artifact_store`).
    public var components: [String: Component]
}

extension MetadataStore {
    /// The YAML text of a stack.
    public func exportStack(_ name: String) throws -> String {
        let stack = try stack(name)
        var components: [String: StackExport.Component] = [:]
        for (type, component) in stack.components {
            components[type.rawValue] = .init(
                name: component.name,
                flavor: component.flavor,
                config: component.config,
                labels: component.labels.isEmpty ? nil : component.labels
            )
        }
        do {
            return try YAMLEncoder().encode(StackExport(stack: stack.name, components: components))
        } catch {
            throw StackError(.storage, "cannot write stack '\(name)' as YAML: \(error)", cause: error)
        }
    }

    /// Registers a stack from exported YAML, in one transaction. A component identical to an
    /// existing one (same type, name, flavor and config) is reused; one whose name is taken by a
    /// different component is registered as `NAME-imported` (or `-imported-2`, ...).
    /// - Parameter source: what the YAML was read from (a file name), for messages.
    /// - Returns: the stack and the components it registered.
    /// - Throws: ``StackError`` naming the source, the line or field at fault and the expected form,
    ///   or the component whose config fails validation; nothing is written then.
    @discardableResult
    public func importStack(
        yaml: String,
        name newName: String? = nil,
        source: String = "the stack export"
    ) throws -> (stack: Stack, created: [StackComponent]) {
        let document: StackExport
        do {
            document = try YAMLDecoder().decode(StackExport.self, from: yaml)
        } catch {
            throw StackError(
                .invalidArgument,
                "not a stack export: \(source): \(Self.importProblem(error)) \(Self.exportForm)",
                cause: error
            )
        }
        let stackName = newName ?? document.stack
        try Self.checkName(stackName, what: "stack")
        var planned: [(StackComponentType, StackExport.Component, ComponentConfig)] = []
        for (typeName, component) in document.components.sorted(by: { $0.key < $1.key }) {
            guard let type = StackComponentType(name: typeName) else {
                throw StackError(
                    .invalidArgument,
                    "\(source): unknown component type '\(typeName)' under 'components' (known: \(StackComponentType.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            let flavor = try flavors.flavor(component.flavor, of: type)
            let coerced = flavor.schema.coercingScalars(component.config)
            do {
                planned.append((type, component, try flavor.validate(coerced)))
            } catch let error as StackError {
                throw StackError(
                    error.code,
                    "\(source): \(type.displayName) '\(component.name)': \(error.message)",
                    cause: error
                )
            }
        }
        return try write { db in
            var members: [StackComponentType: StackComponent] = [:]
            var created: [StackComponent] = []
            for (type, component, config) in planned {
                try checkNamedSecrets(
                    db,
                    config,
                    schema: try flavors.flavor(component.flavor, of: type).schema,
                    of: "\(type.displayName) '\(component.name)'"
                )
                if let existing = try? fetchComponent(db, component.name, type), existing.flavor == component.flavor,
                    existing.config == config
                {
                    members[type] = existing
                    continue
                }
                var name = component.name
                var attempt = 1
                while (try? fetchComponent(db, name, type)) != nil {
                    name = component.name + (attempt == 1 ? "-imported" : "-imported-\(attempt)")
                    attempt += 1
                }
                let inserted = try insertComponent(
                    db,
                    name: name,
                    type: type,
                    flavor: component.flavor,
                    config: config,
                    labels: component.labels ?? [:]
                )
                members[type] = inserted
                created.append(inserted)
            }
            return (try insertStack(db, name: stackName, components: members), created)
        }
    }
}

extension MetadataStore {
    /// What a stack export looks like, appended to every complaint about one.
    static let exportForm =
        "(expected: `stack: NAME` and `components:` mapping each type, such as artifact_store, to `name:`, `flavor:`, `config:` and optional `labels:`, as `artifactfs stack export` writes)"

    /// A YAML or decoding failure in words: the line and column of a syntax error, the field
    /// path of a missing or mistyped field; never the decoder's internals.
    static func importProblem(_ error: any Error) -> String {
        switch error {
        case let YamlError.scanner(_, problem, mark, _), let YamlError.parser(_, problem, mark, _),
            let YamlError.composer(_, problem, mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)."
        case let DecodingError.keyNotFound(key, context):
            return "missing field '\(fieldPath(context.codingPath + [key]))'."
        case let DecodingError.typeMismatch(type, context):
            return "field '\(fieldPath(context.codingPath))' must be \(typeName(type))."
        case let DecodingError.valueNotFound(type, context):
            return "field '\(fieldPath(context.codingPath))' is empty; it must be \(typeName(type))."
        case let DecodingError.dataCorrupted(context):
            if let underlying = context.underlyingError as? YamlError { return importProblem(underlying) }
            return context.codingPath.isEmpty ? "not YAML." : "field '\(fieldPath(context.codingPath))' is malformed."
        default:
            return "not in the expected form."
        }
    }

    private static func fieldPath(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "(top level)" }
        return path.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is [String: String].Type: "a mapping of strings"
        case is [String: StackExport.Component].Type: "a mapping of component types"
        case is StackExport.Component.Type, is ComponentConfig.Type: "a mapping"
        case is Node.Scalar.Type: "a single value (a string)"
        case is Int.Type: "a whole number"
        case is Bool.Type: "true or false"
        default:
            "\(type)".hasPrefix("Array<") ? "a list" : "\(type)".hasPrefix("Dictionary<") ? "a mapping" : "\(type)"
        }
    }
}
