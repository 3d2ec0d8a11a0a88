import Foundation
import Stacks
import TestServers

/// The metadata backends the conformance suite runs against.
enum MetadataBackendKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres
    var description: String { rawValue }
}

/// The one PostgreSQL server of this test process, started by the first test that needs it and
/// stopped when the process ends (however its tests ended); each test gets a database of its own.
enum SharedPostgres {
    static let server = Result { try PostgresTestServer() }

    /// A new, empty database on the shared server; its URL, password included.
    static func newDatabase() throws -> String {
        try server.get().createDatabase("t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_"))
    }
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
        url = kind == .postgres ? try SharedPostgres.newDatabase() : nil
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
