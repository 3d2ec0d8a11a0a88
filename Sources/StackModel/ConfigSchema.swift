import Foundation

/// The type of one config field, which decides how a command-line string is parsed.
public enum ConfigFieldType: String, Sendable, Codable {
    case string, integer, number, boolean
    /// A JSON object (`--client_kwargs='{"endpoint_url": "..."}'`).
    case object
    /// A JSON array.
    case array
    /// The name of a secret (`--authentication_secret=gcp-sa`), as the reference framework's
    /// `authentication_secret` fields take it: checked to exist when the component is registered,
    /// and handed to the flavor as an object of all that secret's keys and values when the
    /// component is used. A `{{NAME.KEY}}` reference is taken too, and resolves to one value.
    case secretName
}

/// One field of a flavor's config, as `flavor describe` shows it.
public struct ConfigField: Sendable, Hashable, Codable {
    /// The field name (`path`, `endpoint_url`).
    public var name: String
    /// Its type.
    public var type: ConfigFieldType
    /// Whether registration fails without it.
    public var required: Bool
    /// The value used when it is not given.
    public var defaultValue: ConfigValue?
    /// A secret field takes only a `{{secret_name.key}}` reference, resolved when the component is used.
    public var secret: Bool
    /// One line saying what it is for.
    public var help: String
    /// What the value must be beyond its type (range, words, URL form); nil: any value of the type.
    public var rule: ConfigRule?

    /// Describes a field.
    public init(
        _ name: String,
        _ type: ConfigFieldType,
        required: Bool = false,
        default defaultValue: ConfigValue? = nil,
        secret: Bool = false,
        help: String
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.secret = secret
        self.help = help
    }
}

/// The fields of a flavor's config, and the checks every config gets before anything is stored.
public struct ConfigSchema: Sendable, Hashable, Codable {
    /// The fields, in the order `describe` shows them.
    public var fields: [ConfigField]
    /// Groups of fields of which a config sets at most one (`account_key`, `sas_token`,
    /// `connection_string`): each is a different way to say the same thing.
    public var exclusive: [[String]]

    /// Creates a schema.
    public init(_ fields: [ConfigField], exclusive: [[String]] = []) {
        self.fields = fields
        self.exclusive = exclusive
    }

    /// Reads a schema; `exclusive` may be missing (descriptions written before it existed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fields = try container.decode([ConfigField].self, forKey: .fields)
        exclusive = try container.decodeIfPresent([[String]].self, forKey: .exclusive) ?? []
    }

    /// The field with this name, if any.
    public func field(_ name: String) -> ConfigField? { fields.first { $0.name == name } }

    /// Parses `--key=value` strings into typed values by each field's type.
    /// - Throws: ``StackError`` naming an unknown field or a value of the wrong type.
    public func parse(_ settings: [(key: String, value: String)], flavor: String) throws -> ComponentConfig {
        var config: ComponentConfig = [:]
        for (key, text) in settings {
            guard let field = field(key) else { throw unknownField(key, flavor: flavor) }
            config[key] = try Self.parse(text, as: field)
        }
        return config
    }

    /// Checks a whole config: no unknown fields, required ones present, values of the right type,
    /// secret fields given only as references. Fills in defaults.
    /// - Throws: ``StackError`` naming the first field at fault; never echoes a secret's value.
    public func validate(_ config: ComponentConfig, flavor: String) throws -> ComponentConfig {
        var result = config
        for key in config.keys.sorted() where field(key) == nil { throw unknownField(key, flavor: flavor) }
        for field in fields {
            guard let value = config[field.name] else {
                if let defaultValue = field.defaultValue {
                    result[field.name] = defaultValue
                } else if field.required {
                    throw StackError(
                        .invalidConfig,
                        "missing required field '\(field.name)' for flavor '\(flavor)' (\(field.help))"
                    )
                }
                continue
            }
            if field.secret {
                guard let text = value.stringValue, SecretReference(text) != nil else {
                    throw StackError(
                        .secret,
                        "field '\(field.name)' is a secret: store the value with `artifactfs secret create NAME --\(field.name)=...` and pass --\(field.name)='{{NAME.\(field.name)}}'"
                    )
                }
                continue
            }
            if field.type == .secretName {
                guard let text = value.stringValue, SecretReference.isValidName(text) || SecretReference(text) != nil
                else {
                    throw StackError(
                        .secret,
                        "field '\(field.name)' names a secret: pass the name of one made with `artifactfs secret create NAME ...` (--\(field.name)=NAME) or a reference, --\(field.name)='{{NAME.KEY}}'"
                    )
                }
                continue
            }
            if SecretReference(value.stringValue ?? "") != nil { continue }
            if !Self.matches(value, field.type) {
                throw StackError(
                    .invalidConfig,
                    "field '\(field.name)' expects \(Self.article(field.type)), got '\(value)'"
                )
            }
        }
        try checkRules(config, flavor: flavor)
        return result
    }

    /// Checks each field's rule and the groups of fields that exclude each other, skipping secret
    /// fields and references: the part of ``validate(_:flavor:)`` a store checks again when it is
    /// made from a resolved config (secrets filled in), so a config that skipped registration
    /// gets the same verdict.
    /// - Throws: ``StackError`` naming the first field at fault and its rule.
    public func checkRules(_ config: ComponentConfig, flavor: String) throws {
        for field in fields where !field.secret {
            guard let value = config[field.name], SecretReference(value.stringValue ?? "") == nil,
                let problem = field.rule?.problem(with: value)
            else { continue }
            throw StackError(.invalidConfig, "field '\(field.name)' of flavor '\(flavor)' \(problem)")
        }
        for group in exclusive {
            let given = group.filter { config[$0] != nil }
            if given.count > 1 {
                throw StackError(
                    .invalidConfig,
                    "fields \(given.map { "'\($0)'" }.joined(separator: " and ")) of flavor '\(flavor)' exclude each other: give one of \(group.joined(separator: ", "))"
                )
            }
        }
    }

    private func unknownField(_ key: String, flavor: String) -> StackError {
        let known = fields.map(\.name).joined(separator: ", ")
        return StackError(
            .invalidConfig,
            "unknown field '\(key)' for flavor '\(flavor)' (fields: \(known.isEmpty ? "none" : known))"
        )
    }

    /// Parses one command-line value; a `{{...}}` reference is kept as text for any type.
    static func parse(_ text: String, as field: ConfigField) throws -> ConfigValue {
        if field.secret || SecretReference(text) != nil { return .string(text) }
        let wrong = StackError(.invalidConfig, "field '\(field.name)' expects \(article(field.type)), got '\(text)'")
        switch field.type {
        case .string, .secretName: return .string(text)
        case .integer:
            guard let value = Int(text) else { throw wrong }
            return .integer(value)
        case .number:
            guard let value = Double(text) else { throw wrong }
            return .number(value)
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "1", "on": return .boolean(true)
            case "false", "no", "0", "off": return .boolean(false)
            default: throw wrong
            }
        case .object, .array:
            guard let value = try? JSONDecoder().decode(ConfigValue.self, from: Data(text.utf8)),
                matches(value, field.type)
            else {
                throw wrong
            }
            return value
        }
    }

    static func matches(_ value: ConfigValue, _ type: ConfigFieldType) -> Bool {
        switch (value, type) {
        case (.string, .string), (.string, .secretName), (.integer, .integer), (.integer, .number), (.number, .number),
            (.boolean, .boolean),
            (.object, .object), (.array, .array):
            true
        default: false
        }
    }

    static func article(_ type: ConfigFieldType) -> String {
        switch type {
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a number"
        case .boolean: "a boolean (true or false)"
        case .object: "a JSON object"
        case .array: "a JSON array"
        case .secretName: "the name of a secret"
        }
    }
}

extension ConfigSchema {
    /// Turns scalars YAML typed differently (`port: "8333"`, `path: 123`) into what each field expects.
    public func coercingScalars(_ config: ComponentConfig) -> ComponentConfig {
        config.reduce(into: ComponentConfig()) { result, entry in
            guard let field = field(entry.key), !Self.matches(entry.value, field.type) else {
                result[entry.key] = entry.value
                return
            }
            switch entry.value {
            case .string(let text): result[entry.key] = (try? Self.parse(text, as: field)) ?? entry.value
            case .integer, .number, .boolean:
                result[entry.key] = field.type == .string ? .string(entry.value.description) : entry.value
            default: result[entry.key] = entry.value
            }
        }
    }
}
