import Foundation
import Stacks
import TestServers

/// The metadata backends the conformance suite runs against.
enum MetadataBackendKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres
    var description: String { rawValue }
}

/// A metadata store of one backend for one test: a fresh config folder and, for PostgreSQL, a
/// fresh database that any number of config folders (machines) can point at.
struct BackendFixture {
    let kind: MetadataBackendKind
    /// The database URL every machine of this fixture uses (nil for SQLite).
    let url: String?
    /// The first machine's config folder.
    let folder = MetadataFolder()
    private var others: [MetadataFolder] = []

    init(_ kind: MetadataBackendKind) throws {
        self.kind = kind
        url = kind == .postgres ? try PostgresTestServer.shared().createDatabase() : nil
    }

    /// The environment that points a store at this fixture's backend, with `extra` over it.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = extra
        if let url { environment[MetadataServerURL.environmentKey] = url }
        return environment
    }

    /// The first machine's store (opened again on each call, as another process would).
    func open(_ extra: [String: String] = [:]) throws -> MetadataStore {
        try folder.open(environment: environment(extra))
    }

    /// A store in a config folder of its own on the same backend: another machine of the team
    /// (for SQLite, only another process: its metadata is its folder's).
    mutating func openMachine(_ extra: [String: String] = [:]) throws -> MetadataStore {
        let machine = MetadataFolder()
        others.append(machine)
        return try machine.open(environment: environment(extra))
    }

    func remove() {
        folder.remove()
        for other in others { other.remove() }
    }
}
