/// A store whose `lstat` asks the service several things one after the other (an object store: a
/// HEAD for a file, then a listing for a folder) and can ask them all at once instead: a name that
/// is a folder or nothing then costs one round trip instead of two, and a file one request more.
/// For callers that wait on every answer and meet many new names (the mount's lookups before a
/// create); ``ArtifactStore/lstat(_:)`` keeps to the fewest requests. A separate protocol, as
/// ``ListedAbsentWriting`` is, so that ``ArtifactStore`` keeps the requirements plugins are built against.
public protocol ParallelLookup: ArtifactStore {
    /// What ``ArtifactStore/lstat(_:)`` answers for `path`, with the same errors, asked at once.
    func lstatAtOnce(_ path: String) throws -> FileInfo
    /// What ``ArtifactStore/lstat(_:)`` answers for each of `paths` (names a listing just gave),
    /// asked side by side; nil for a path that went meanwhile or could not be asked.
    func lstatListed(_ paths: [String]) -> [FileInfo?]
}
