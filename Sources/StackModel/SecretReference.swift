import Foundation

/// A `{{secret_name.key}}` reference: how a config names a secret value without holding it.
public struct SecretReference: Sendable, Hashable, CustomStringConvertible {
    /// The secret's name.
    public var name: String
    /// The key inside the secret.
    public var key: String

    /// Parses `{{name.key}}` (surrounding spaces inside the braces allowed); nil for anything else.
    public init?(_ text: String) {
        guard text.hasPrefix("{{"), text.hasSuffix("}}"), text.count > 4 else { return nil }
        let inner = text.dropFirst(2).dropLast(2).trimmingCharacters(in: .whitespaces)
        guard let dot = inner.firstIndex(of: ".") else { return nil }
        let name = String(inner[..<dot])
        let key = String(inner[inner.index(after: dot)...])
        guard SecretReference.isValidName(name), SecretReference.isValidName(key) else { return nil }
        self.name = name
        self.key = key
    }

    /// `{{name.key}}`.
    public var description: String { "{{\(name).\(key)}}" }

    /// Names of secrets and their keys: letters, digits, `_` and `-`, not empty.
    public static func isValidName(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}

extension Dictionary where Key == String, Value == ConfigValue {
    /// The keys and values of the secret a ``ConfigFieldType/secretName`` field named, once the
    /// component's secrets are resolved; a `{{NAME.KEY}}` reference in the field resolved to one
    /// value, returned under `referenceKey`. Nil when the field is unset or empty.
    public func secretValues(_ field: String, referenceKey: String) -> [String: String]? {
        switch self[field] {
        case .object(let values):
            return values.compactMapValues { $0.stringValue }
        case .string(let value) where !value.isEmpty:
            return [referenceKey: value]
        default:
            return nil
        }
    }
}
