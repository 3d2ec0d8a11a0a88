import Foundation

/// The stage of a model version, as the reference framework and MLflow name them.
public enum ModelVersionStage: String, CaseIterable, Sendable, Codable {
    case none = "None"
    case staging = "Staging"
    case production = "Production"
    case archived = "Archived"

    /// Parses a stage name in any case (`production`, `Production`, `PRODUCTION`).
    /// - Throws: ``ModelRegistryError`` naming the value and the stages.
    public init(parsing text: String) throws {
        guard let stage = Self.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
            throw ModelRegistryError(
                .invalidValue,
                "unknown stage '\(text)' (stages: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        self = stage
    }
}

/// A registered model: a name that versions hang under.
public struct RegisteredModel: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    public var tags: [String: String]
    public var created: Date
    public var updated: Date

    /// Creates a model record, as a registry returns it.
    public init(name: String, description: String? = nil, tags: [String: String] = [:], created: Date, updated: Date) {
        self.name = name
        self.description = description
        self.tags = tags
        self.created = created
        self.updated = updated
    }
}

/// One version of a model: where its files are, its stage, and what produced it.
public struct ModelVersion: Sendable, Hashable, Codable {
    public var model: String
    public var version: String
    /// Where the files came from when the version was registered.
    public var sourceURI: String
    /// Where the files are now, in the artifact store (equal to `sourceURI` when they already were there).
    public var storedURI: String
    public var format: String?
    public var library: String?
    public var description: String?
    public var stage: ModelVersionStage
    /// Pipeline metadata (see ``ModelVersionMetadata``) and free key/value pairs.
    public var metadata: [String: String]
    public var tags: [String: String]
    public var created: Date
    public var updated: Date

    /// Creates a version record, as a registry returns it.
    public init(
        model: String,
        version: String,
        sourceURI: String,
        storedURI: String,
        format: String? = nil,
        library: String? = nil,
        description: String? = nil,
        stage: ModelVersionStage = .none,
        metadata: [String: String] = [:],
        tags: [String: String] = [:],
        created: Date,
        updated: Date
    ) {
        self.model = model
        self.version = version
        self.sourceURI = sourceURI
        self.storedURI = storedURI
        self.format = format
        self.library = library
        self.description = description
        self.stage = stage
        self.metadata = metadata
        self.tags = tags
        self.created = created
        self.updated = updated
    }
}

/// The well-known metadata keys of a model version: what pipeline, run and step produced it.
public enum ModelVersionMetadata {
    public static let pipelineName = "pipeline_name"
    public static let runName = "run_name"
    public static let stepName = "step_name"
    public static let frameworkVersion = "framework_version"
}

/// What to register as a new model version.
public struct ModelVersionRequest: Sendable, Hashable, Codable {
    public var model: String
    /// The version name; `nil` takes the next number.
    public var version: String?
    /// A local folder or file, or any `fileio` URI.
    public var sourceURI: String
    public var description: String?
    public var format: String?
    public var library: String?
    public var metadata: [String: String]
    public var tags: [String: String]

    public init(
        model: String,
        version: String? = nil,
        sourceURI: String,
        description: String? = nil,
        format: String? = nil,
        library: String? = nil,
        metadata: [String: String] = [:],
        tags: [String: String] = [:]
    ) {
        self.model = model
        self.version = version
        self.sourceURI = sourceURI
        self.description = description
        self.format = format
        self.library = library
        self.metadata = metadata
        self.tags = tags
    }
}

/// Filters for listing versions, as the reference framework has them; every given filter must hold.
public struct ModelVersionFilter: Sendable, Hashable, Codable {
    /// The order of a listing by creation date.
    public enum Order: String, Sendable, Codable {
        case ascending = "asc"
        case descending = "desc"
    }

    public var model: String?
    public var sourceURI: String?
    public var metadata: [String: String]
    public var tags: [String: String]
    public var stage: ModelVersionStage?
    public var createdAfter: Date?
    public var createdBefore: Date?
    /// At most this many versions; all when `nil`.
    public var count: Int?
    /// Order by creation date; by version number when `nil`.
    public var orderByDate: Order?

    public init(
        model: String? = nil,
        sourceURI: String? = nil,
        metadata: [String: String] = [:],
        tags: [String: String] = [:],
        stage: ModelVersionStage? = nil,
        createdAfter: Date? = nil,
        createdBefore: Date? = nil,
        count: Int? = nil,
        orderByDate: Order? = nil
    ) {
        self.model = model
        self.sourceURI = sourceURI
        self.metadata = metadata
        self.tags = tags
        self.stage = stage
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.count = count
        self.orderByDate = orderByDate
    }
}
