import Foundation

/// What a field's value must be beyond its type — a range, a set of words, a URL form — checked by
/// ``ConfigSchema/validate(_:flavor:)`` at registration, update and import exactly as a store
/// checks it when made, and shown by `flavor describe`. A secret reference is checked at use only.
public struct ConfigRule: Sendable, Hashable, Codable {
    /// The smallest value of an integer or number field.
    public var minimum: Double?
    /// The largest value of an integer or number field.
    public var maximum: Double?
    /// An integer field's value must be a multiple of this (Cloud Storage's 256 KiB chunks).
    public var multiple: Int?
    /// The words a string field takes (`auto`, `path`, `virtual`).
    public var allowed: [String]?
    /// A string field is a URL with one of these schemes (`http`, `https`) and a host.
    public var urlSchemes: [String]?
    /// A string field may not be empty.
    public var nonEmpty: Bool?

    /// No rule.
    public init() {}

    /// The problem with `value`, as the end of "field 'F' ...", or nil when it passes; a store
    /// checks values it was handed without registration with it too.
    public func problem(with value: ConfigValue) -> String? {
        if let number = value.numberValue {
            if let minimum, number < minimum { return "must be at least \(Self.format(minimum)), got \(value)" }
            if let maximum, number > maximum { return "must be at most \(Self.format(maximum)), got \(value)" }
            if let multiple, let whole = value.integerValue, whole % multiple != 0 {
                return "must be a multiple of \(multiple), got \(value)"
            }
        }
        guard let text = value.stringValue else { return nil }
        if nonEmpty == true, text.trimmingCharacters(in: .whitespaces).isEmpty { return "must not be empty" }
        if let allowed, !allowed.contains(text) {
            return "must be one of \(allowed.joined(separator: ", ")), got '\(text)'"
        }
        if let urlSchemes, !Self.isURL(text, schemes: urlSchemes) {
            let forms = urlSchemes.map { "\($0)://HOST[:PORT]" }.joined(separator: " or ")
            return "must be a URL of the form \(forms), got '\(text)'"
        }
        return nil
    }

    /// One short line for `flavor describe` (`1..64`, `auto|path|virtual`, `http(s) URL`), or nil.
    public var summary: String? {
        var parts: [String] = []
        switch (minimum, maximum) {
        case (let low?, let high?): parts.append("\(Self.format(low))..\(Self.format(high))")
        case (let low?, nil): parts.append(">= \(Self.format(low))")
        case (nil, let high?): parts.append("<= \(Self.format(high))")
        case (nil, nil): break
        }
        if let multiple { parts.append("multiple of \(multiple)") }
        if let allowed { parts.append(allowed.joined(separator: "|")) }
        if let urlSchemes { parts.append(urlSchemes.joined(separator: "/") + " URL") }
        if nonEmpty == true { parts.append("not empty") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    static func isURL(_ text: String, schemes: [String]) -> Bool {
        guard let separator = text.range(of: "://") else { return false }
        let scheme = text[..<separator.lowerBound].lowercased()
        let host = text[separator.upperBound...].prefix { $0 != "/" && $0 != "?" }
        guard schemes.contains(scheme), !host.isEmpty, !host.hasPrefix(":") else { return false }
        guard let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") else { return true }
        return UInt16(host[host.index(after: colon)...]) != nil
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

extension ConfigField {
    /// This field with a range: values below `minimum` (or above `maximum`) are refused.
    public func range(_ minimum: Double? = nil, _ maximum: Double? = nil) -> ConfigField {
        with {
            $0.minimum = minimum
            $0.maximum = maximum
        }
    }

    /// This integer field taking only multiples of `multiple`.
    public func multiple(of multiple: Int) -> ConfigField {
        with { $0.multiple = multiple }
    }

    /// This field taking only these words.
    public func oneOf(_ allowed: [String]) -> ConfigField {
        with { $0.allowed = allowed }
    }

    /// This field taking only URLs with one of these schemes (`["http", "https"]`).
    public func url(schemes: [String]) -> ConfigField {
        with { $0.urlSchemes = schemes }
    }

    /// This field refusing an empty string.
    public func nonEmpty() -> ConfigField {
        with { $0.nonEmpty = true }
    }

    private func with(_ change: (inout ConfigRule) -> Void) -> ConfigField {
        var copy = self
        var rule = copy.rule ?? ConfigRule()
        change(&rule)
        copy.rule = rule
        return copy
    }
}
