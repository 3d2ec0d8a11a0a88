/// A store that opens a write more cheaply when the caller's listing, made just before, found
/// nothing at the path (a sync's missing files): an object store then sends only the upload.
/// ``Transfer`` uses it when told so; other stores open as usual. A separate protocol, as
/// ``CrossStoreCopying`` is, so that ``ArtifactStore`` itself keeps the requirements plugins are built against.
public protocol ListedAbsentWriting: ArtifactStore {
    /// Opens `path` for writing, as ``ArtifactStore/open(_:mode:)`` with `.write` does, without
    /// asking the service first whether something is there. A hint for speed, never a change of
    /// meaning: what is written and when it appears are the same.
    func openForWrite(listedAbsent path: String) throws -> any ArtifactFileHandle
}
