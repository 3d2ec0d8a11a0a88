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
}
