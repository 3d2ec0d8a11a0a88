import ArgumentParser
import ArtifactFS

#if canImport(Glibc)
import Glibc
#endif

/// `--progress` and `--quiet` of the verbs that move files: progress shows on standard error when
/// it is a terminal (as rclone and the AWS CLI do), never in a pipe or log unless forced.
struct ProgressOptions: ParsableArguments {
    @Flag(help: "Show progress on standard error even when it is not a terminal.")
    var progress = false

    @Flag(name: [.short, .long], help: "Print nothing but errors (and a requested --json): no progress, no summary.")
    var quiet = false

    func validate() throws {
        if progress && quiet { throw ValidationError("--progress and --quiet cannot be used together") }
    }

    /// True when progress is drawn.
    var isShown: Bool { !quiet && (progress || isatty(2) == 1) }

    /// A meter whose summary says `verb`, or nil when progress is not shown.
    func meter(_ verb: String) -> ProgressMeter? {
        isShown ? ProgressMeter(verb: verb) : nil
    }

    /// A meter expecting the files below `path` (or the file `path`), or nil when progress is not
    /// shown. Listing the tree first is what gives the ETA; it costs one listing per folder.
    func meter(_ verb: String, for path: String) throws -> ProgressMeter? {
        guard let meter = meter(verb) else { return nil }
        let store = try fileio.registry.store(for: path)
        let listing = try SyncListing.scan(store, store.resolve(path), filter: .all)
        meter.expect(files: listing.files.count, bytes: listing.files.values.reduce(0) { $0 + $1.size })
        return meter
    }
}
