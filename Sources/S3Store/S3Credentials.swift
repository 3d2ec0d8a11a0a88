import Foundation

/// An access key pair, with a session token for temporary credentials.
public struct S3Credentials: Sendable, Hashable {
    /// The access key id (`AKIA...`); safe to show.
    public var accessKeyID: String
    /// The secret access key; never shown.
    public var secretAccessKey: String
    /// The session token of temporary credentials, sent as `x-amz-security-token`.
    public var sessionToken: String?

    /// Creates credentials.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// Where credentials, region and endpoint come from when a config leaves them out: the standard
/// `AWS_*` variables and the shared `~/.aws/credentials` and `~/.aws/config` files, as the AWS SDKs
/// and CLI read them.
public struct AWSEnvironment: Sendable {
    /// The environment variables to read.
    public var variables: [String: String]

    /// Reads from `variables` (the process environment by default).
    public init(variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.variables = variables
    }

    /// The profile named by `AWS_PROFILE` (else `AWS_DEFAULT_PROFILE`), or `default`.
    public var profile: String {
        nonEmpty("AWS_PROFILE") ?? nonEmpty("AWS_DEFAULT_PROFILE") ?? "default"
    }

    /// Credentials from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    public var environmentCredentials: S3Credentials? {
        guard let key = nonEmpty("AWS_ACCESS_KEY_ID"), let secret = nonEmpty("AWS_SECRET_ACCESS_KEY") else {
            return nil
        }
        return S3Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty("AWS_SESSION_TOKEN"))
    }

    /// The shared credentials file: `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`.
    public var credentialsFile: String {
        nonEmpty("AWS_SHARED_CREDENTIALS_FILE") ?? home + "/.aws/credentials"
    }

    /// The shared config file: `AWS_CONFIG_FILE` or `~/.aws/config`.
    public var configFile: String {
        nonEmpty("AWS_CONFIG_FILE") ?? home + "/.aws/config"
    }

    /// Credentials of ``profile`` in the shared credentials file.
    public func fileCredentials() -> S3Credentials? {
        guard let section = Self.iniSections(atPath: credentialsFile)[profile],
            let key = section["aws_access_key_id"], let secret = section["aws_secret_access_key"]
        else { return nil }
        return S3Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: section["aws_session_token"])
    }

    /// `AWS_REGION`, `AWS_DEFAULT_REGION`, or the profile's `region` in the shared config file.
    public var region: String? {
        if let region = nonEmpty("AWS_REGION") ?? nonEmpty("AWS_DEFAULT_REGION") { return region }
        let sections = Self.iniSections(atPath: configFile)
        return (sections[profile == "default" ? "default" : "profile \(profile)"] ?? sections[profile])?["region"]
    }

    /// `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, with the variable's name.
    public var endpoint: (url: String, source: String)? {
        for name in ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"] {
            if let url = nonEmpty(name) { return (url, name) }
        }
        return nil
    }

    private var home: String { nonEmpty("HOME") ?? NSHomeDirectory() }

    private func nonEmpty(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    /// Parses an INI file into `[section: [key: value]]`; a missing file is empty.
    static func iniSections(atPath path: String) -> [String: [String: String]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
