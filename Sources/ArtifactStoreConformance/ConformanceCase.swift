import FileIO

/// One behaviour every artifact-store flavor must show, runnable against any store.
///
/// A flavor's tests run the whole suite with one parameterised test:
/// `@Test(arguments: ArtifactStoreConformance.cases) func conformance(_ c: ConformanceCase) throws { try c.run(on: store, under: scratch) }`.
public struct ConformanceCase: Sendable, CustomStringConvertible {
    /// A short name such as `copyfile refuses overwrite`.
    public let name: String
    let body: @Sendable (ConformanceContext) throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (ConformanceContext) throws -> Void) {
        self.name = name
        self.body = body
    }

    public var description: String { name }

    /// Runs the case in a fresh directory below `scratch` (a path the store serves), and removes
    /// that directory afterwards whether the case passed or not.
    /// - Throws: ``ConformanceFailure`` for a broken expectation, or the store's own error when an
    ///   operation that must succeed fails.
    public func run(on store: any ArtifactStore, under scratch: String) throws {
        let slug = name.map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let base = try store.resolve(scratch).appending("\(String(slug))-\(UInt32.random(in: 0...UInt32.max))")
        try store.makedirs(base.description)
        defer { try? store.rmtree(base.description) }
        try body(ConformanceContext(store: store, base: base))
    }
}

/// A broken expectation: what was expected, what happened, and where in the suite.
public struct ConformanceFailure: Error, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// The suite's source location of the expectation.
    public let file: String
    /// The line of the expectation.
    public let line: Int

    public var description: String { "\(file):\(line): \(message)" }
}

/// What a case works with: the store and its own scratch directory.
struct ConformanceContext {
    let store: any ArtifactStore
    let base: ArtifactPath

    /// A path below the case's directory, from `/`-separated relative components.
    func path(_ relative: String) -> String {
        relative.split(separator: "/").reduce(base) { $0.appending(String($1)) }.description
    }

    func write(_ relative: String, _ text: String) throws {
        try store.write(path(relative), contents: Array(text.utf8))
    }

    func read(_ relative: String) throws -> String {
        try String(decoding: store.read(path(relative)), as: UTF8.self)
    }
}

// MARK: - Expectations

func expect(_ condition: Bool, _ message: @autoclosure () -> String, file: String = #fileID, line: Int = #line) throws {
    if !condition { throw ConformanceFailure(message: message(), file: file, line: line) }
}

func expectEqual<T: Equatable>(
    _ actual: T,
    _ expected: T,
    _ what: @autoclosure () -> String,
    file: String = #fileID,
    line: Int = #line
) throws {
    if actual != expected {
        throw ConformanceFailure(message: "\(what()): expected \(expected), got \(actual)", file: file, line: line)
    }
}

/// Expects `body` to throw an ``ArtifactStoreError`` with `code` whose message names `path`.
func expectError(
    _ code: ArtifactStoreError.Code,
    naming path: String,
    _ what: @autoclosure () -> String,
    file: String = #fileID,
    line: Int = #line,
    _ body: () throws -> Void
) throws {
    do {
        try body()
    } catch let error as ArtifactStoreError {
        try expect(
            error.code == code,
            "\(what()): expected \(code), got \(error.code): \(error)",
            file: file,
            line: line
        )
        let name = path.split(separator: "/").last.map(String.init) ?? path
        try expect(
            error.description.contains(name),
            "\(what()): message does not name '\(name)': \(error)",
            file: file,
            line: line
        )
        return
    }
    throw ConformanceFailure(message: "\(what()): expected \(code), but it succeeded", file: file, line: line)
}
