/// Config fields given on a command line as free-form `--KEY=VALUE` (or `--KEY VALUE`) arguments,
/// as the reference CLI takes them. Here rather than in the CLI so the parsing can be checked
/// (and fuzzed) without the CLI's dependencies.
public enum SettingArguments {
    /// Parses the arguments into `(key, value)` pairs in order; dashes in keys become underscores
    /// (`--endpoint-url` is `endpoint_url`).
    /// - Throws: ``StackErrorCode/invalidArgument`` naming an argument that is not `--KEY...` or a
    ///   flag without a value.
    public static func parse(_ arguments: [String]) throws(StackError) -> [(key: String, value: String)] {
        var settings: [(key: String, value: String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw StackError(
                    .invalidArgument,
                    "unexpected argument '\(argument)': config fields are given as --KEY=VALUE"
                )
            }
            let body = argument.dropFirst(2)
            if let equals = body.firstIndex(of: "=") {
                settings.append((key(body[..<equals]), String(body[body.index(after: equals)...])))
                index += 1
            } else if index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") {
                settings.append((key(body), arguments[index + 1]))
                index += 2
            } else {
                throw StackError(.invalidArgument, "flag '\(argument)' needs a value (--\(body)=VALUE)")
            }
        }
        return settings
    }

    private static func key(_ text: Substring) -> String {
        String(text.map { $0 == "-" ? "_" : $0 })
    }
}
