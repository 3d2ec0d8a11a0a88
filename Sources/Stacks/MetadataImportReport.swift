/// What a metadata import wrote, or with `--dry-run` would write, item by item as messages name
/// them (`artifact store 'warehouse'`, `model 'resnet' version 2`).
public struct MetadataImportReport: Sendable, Hashable {
    /// The items added.
    public var added: [String] = []
    /// The items already present with the same content, left as they are: importing a document
    /// twice adds nothing the second time.
    public var unchanged: [String] = []
    /// Secrets the document carries as references only (names and keys) that this store lacks:
    /// components using them fail, naming them, until they are created here.
    public var missingSecrets: [MetadataDocument.Secret] = []
    /// Whether the `default` stack and artifact store a new store holds were replaced by the document's.
    public var replacedDefault = false
    /// The active stack after the import.
    public var activeStack: String?
    /// Whether the import made ``activeStack`` active (it does so only in a store holding nothing
    /// but its new `default`; otherwise the store keeps its own).
    public var setActiveStack = false

    /// An empty report.
    public init() {}
}
