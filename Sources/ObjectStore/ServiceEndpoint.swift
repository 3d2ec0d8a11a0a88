import FileIO
import Foundation

/// An object service's endpoint URL, checked and split into what request URLs are built from.
/// Checked once, when the store is made, so a malformed endpoint fails before any request, naming the root.
public struct ServiceEndpoint: Sendable, Hashable {
    /// The scheme, lowercased (`http`, `https`).
    public let scheme: String
    /// The host, with its port when one is given (`127.0.0.1:8333`).
    public let host: String
    /// The path every request URL starts with, without a trailing slash: empty, or an emulator's
    /// account (`/devstoreaccount1`).
    public let basePath: String

    /// Checks and splits `url` (trailing slashes dropped); `root` is the store's root, for the error.
    /// - Throws: ``FileIO/ArtifactStoreError`` (`invalidArgument`) naming `root` when the URL has no scheme or no host.
    public init(_ url: String, root: String) throws {
        guard let schemeEnd = url.range(of: "://") else {
            throw ArtifactStoreError(
                .invalidArgument,
                path: root,
                "endpoint URL '\(url)' has no scheme (use http://HOST:PORT or https://HOST)"
            )
        }
        let afterScheme = url[schemeEnd.upperBound...]
        let hostEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        guard hostEnd > afterScheme.startIndex else {
            throw ArtifactStoreError(
                .invalidArgument,
                path: root,
                "endpoint URL '\(url)' has no host (use http://HOST:PORT or https://HOST)"
            )
        }
        var path = afterScheme[hostEnd...]
        while path.hasSuffix("/") { path.removeLast() }
        scheme = url[..<schemeEnd.lowerBound].lowercased()
        host = String(afterScheme[..<hostEnd])
        basePath = String(path)
    }

    /// `scheme://host`, where every request goes.
    public var origin: String { "\(scheme)://\(host)" }
    /// The origin and the base path: what request URLs start with and messages name.
    public var url: String { origin + basePath }
}
