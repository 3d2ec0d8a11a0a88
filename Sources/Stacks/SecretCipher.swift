import Crypto
import Foundation

/// Seals secret values at rest with AES-GCM when `ARTIFACTFS_SECRETS_KEY` is set; otherwise
/// values are kept as plain JSON in the (mode 0600) metadata database — but never on a server,
/// which others administer and back up: there a secret without the key is refused.
struct SecretCipher: Sendable {
    /// The environment variable holding the passphrase; its SHA-256 is the AES-256 key.
    static let environmentKey = "ARTIFACTFS_SECRETS_KEY"

    /// The AES-256 key's bytes (`SymmetricKey` itself is not `Sendable`).
    private let keyBytes: Data?
    /// Whether values may only be stored encrypted (the metadata lives on a server).
    private let requiresKey: Bool

    init(environment: [String: String] = ProcessInfo.processInfo.environment, requiresKey: Bool = false) {
        self.requiresKey = requiresKey
        keyBytes = environment[Self.environmentKey].flatMap {
            $0.isEmpty ? nil : Data(SHA256.hash(data: Data($0.utf8)))
        }
    }

    private var key: SymmetricKey? { keyBytes.map { SymmetricKey(data: $0) } }

    /// The stored form of the values of secret `name`, and whether it is encrypted.
    /// - Throws: ``StackErrorCode/secret`` when values must be encrypted and no key is set.
    func seal(_ values: [String: String], secret name: String) throws -> (payload: Data, encrypted: Bool) {
        let plain = try JSONEncoder().encode(values)
        guard let key else {
            guard !requiresKey else {
                throw StackError(
                    .secret,
                    "secret '\(name)' would be stored in clear on the metadata server: set \(Self.environmentKey) (the project key, the same on every machine) to store it encrypted"
                )
            }
            return (plain, false)
        }
        guard let combined = try AES.GCM.seal(plain, using: key).combined else {
            throw StackError(.storage, "could not encrypt secret values")
        }
        return (combined, true)
    }

    /// The values of a stored secret.
    /// - Throws: ``StackError`` when the secret is encrypted and no key, or the wrong key, is set.
    func open(_ payload: Data, encrypted: Bool, secret name: String) throws -> [String: String] {
        var plain = payload
        if encrypted {
            guard let key else {
                throw StackError(.secret, "secret '\(name)' is encrypted: set \(Self.environmentKey) to read it")
            }
            do {
                plain = try AES.GCM.open(AES.GCM.SealedBox(combined: payload), using: key)
            } catch {
                throw StackError(
                    .secret,
                    "secret '\(name)' cannot be decrypted: \(Self.environmentKey) is not the key it was stored with"
                )
            }
        }
        do {
            return try JSONDecoder().decode([String: String].self, from: plain)
        } catch {
            throw StackError(.storage, "secret '\(name)' is damaged in the metadata store")
        }
    }

    // MARK: - Metadata exports

    /// The values of secret `name` sealed for a metadata export (base64 AES-GCM, bound to the
    /// name): an export file with values is as safe as the project key, never plain text.
    /// - Throws: ``StackErrorCode/secret`` when no project key is set.
    func sealForExport(_ values: [String: String], secret name: String) throws -> String {
        guard let key else {
            throw StackError(
                .secret,
                "--include-secrets writes secret values encrypted with the project key: set \(Self.environmentKey) (the key secret '\(name)' is to be read with on import)"
            )
        }
        let plain = try JSONEncoder().encode(values)
        guard let combined = try AES.GCM.seal(plain, using: key, authenticating: Self.exportContext(name)).combined
        else {
            throw StackError(.storage, "could not encrypt secret values")
        }
        return combined.base64EncodedString()
    }

    /// The values of secret `name` from a metadata export's `sealed` field.
    /// - Throws: ``StackErrorCode/secret`` when no key, or not the exporting key, is set, or the
    ///   field is not a sealed value.
    func openFromExport(_ sealed: String, secret name: String) throws -> [String: String] {
        guard let key else {
            throw StackError(
                .secret,
                "secret '\(name)': field 'sealed' holds values encrypted with the exporting project's key: set \(Self.environmentKey) to it"
            )
        }
        guard let data = Data(base64Encoded: sealed),
            let plain = try? AES.GCM.open(
                AES.GCM.SealedBox(combined: data),
                using: key,
                authenticating: Self.exportContext(name)
            ),
            let values = try? JSONDecoder().decode([String: String].self, from: plain)
        else {
            throw StackError(
                .secret,
                "secret '\(name)': field 'sealed' cannot be decrypted: \(Self.environmentKey) is not the key it was exported with, or the field is damaged"
            )
        }
        return values
    }

    private static func exportContext(_ name: String) -> Data { Data("artifactfs metadata export: \(name)".utf8) }
}
