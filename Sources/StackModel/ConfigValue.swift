import Foundation

/// A JSON-like configuration value: what a component's config fields hold.
public enum ConfigValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case array([ConfigValue])
    case object([String: ConfigValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .boolean(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ConfigValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ConfigValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .boolean(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The value as text: strings as they are, everything else as compact JSON.
    public var description: String {
        switch self {
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .boolean(let value): return String(value)
        case .array, .object:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? ""
        }
    }

    /// The string inside a `.string`, else nil.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value as an integer: an integer, a whole number, or a string holding one (as YAML and
    /// command lines may type it); else nil.
    public var integerValue: Int? {
        switch self {
        case .integer(let number): number
        case .number(let number): number.rounded() == number ? Int(exactly: number) : nil
        case .string(let text): Int(text)
        default: nil
        }
    }

    /// The value of an integer or number, else nil (a string is not taken: ranges apply to typed values).
    public var numberValue: Double? {
        switch self {
        case .integer(let number): Double(number)
        case .number(let number): number
        default: nil
        }
    }
}

/// A component's configuration: field name → value.
public typealias ComponentConfig = [String: ConfigValue]

extension Dictionary where Key == String, Value == ConfigValue {
    /// The string field `name`, nil when it is unset or empty: how flavors read optional text fields.
    public func text(_ name: String) -> String? {
        guard let value = self[name]?.stringValue, !value.isEmpty else { return nil }
        return value
    }
}
