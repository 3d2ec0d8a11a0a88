import Foundation

/// The kinds of stack component the reference framework knows; a stack holds at most one of each.
public enum StackComponentType: String, CaseIterable, Sendable, Codable, Comparable {
    case orchestrator
    case artifactStore = "artifact_store"
    case containerRegistry = "container_registry"
    case stepOperator = "step_operator"
    case modelDeployer = "model_deployer"
    case featureStore = "feature_store"
    case experimentTracker = "experiment_tracker"
    case alerter
    case annotator
    case dataValidator = "data_validator"
    case imageBuilder = "image_builder"
    case modelRegistry = "model_registry"
    case logStore = "log_store"
    case deployer

    /// The command-line spelling: `artifact-store`, `model-registry`, ...
    public var cliName: String { rawValue.replacingOccurrences(of: "_", with: "-") }

    /// A readable name for messages: `artifact store`.
    public var displayName: String { rawValue.replacingOccurrences(of: "_", with: " ") }

    /// The display name with its article, for messages: "an artifact store", "a model registry".
    public var withArticle: String { ("aeiou".contains(displayName.first ?? "x") ? "an " : "a ") + displayName }

    /// Finds a type by its stored (`artifact_store`) or command-line (`artifact-store`) spelling.
    public init?(name: String) {
        self.init(rawValue: name.replacingOccurrences(of: "-", with: "_"))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
