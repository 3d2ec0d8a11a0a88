import ArgumentParser
import ArtifactFS

struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Make DST match SRC: copy what is missing or different, within a store or across stores.",
        discussion: """
            A file present on both sides is copied again when the sizes differ or the source is newer \
            than the destination (whole seconds), as aws s3 sync judges. A copy gets the source's \
            modification time where the destination can set times (local folders); elsewhere its time \
            is the upload time, which is newer, so the next run leaves it alone either way. With --checksum the contents' MD5s are compared \
            instead: taken from a store's ETag when that is a plain MD5 (an S3 object uploaded in one \
            request), computed from the bytes otherwise (multipart ETags, generations, local files). \
            Only files are synced: empty folders are not created. \
            Each file appears at its destination path only once complete, so a run that is interrupted \
            and started again copies only what is still missing or different. --delete removes \
            destination files absent at the source, after the copies and only when all of them \
            succeeded. Patterns are matched against paths relative to SRC and DST: one starting with \
            '/' against the whole path, any other against its end from a folder boundary ('*.log' \
            matches a name at any depth, 'tmp/' a tmp folder anywhere: a trailing '/' means \
            everything below; '**' spans folders); a file matching an --include is synced, else one \
            matching an --exclude is skipped; --include alone syncs only what it matches. Excluded \
            files are never deleted.
            """
    )

    @Flag(help: "Compare files by content checksum instead of size and modification time.")
    var checksum = false

    @Flag(help: "Remove destination files that are absent at the source.")
    var delete = false

    @Flag(help: "Print what would be copied and deleted, and change nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Skip files matching this pattern (repeatable).", valueName: "pattern"))
    var exclude: [String] = []

    @Option(
        help: ArgumentHelp(
            "Sync files matching this pattern even when excluded; alone, only these (repeatable).",
            valueName: "pattern"
        )
    )
    var include: [String] = []

    @Option(help: ArgumentHelp("Parallel transfers (at least 1).", valueName: "n"))
    var jobs = 4

    @Flag(help: "Print a JSON document of what changed instead of one line per file.")
    var json = false

    @OptionGroup var progress: ProgressOptions

    @Argument(help: "The source folder (or file), a path or URI.", completion: Completion.paths)
    var source: String

    @Argument(
        help: "The destination folder (or file), a path or URI; created when missing.",
        completion: Completion.paths
    )
    var destination: String

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        _ = try filter()
    }

    func run() throws {
        let options = SyncOptions(
            comparison: checksum ? .checksum : .sizeAndTime,
            delete: delete,
            dryRun: dryRun,
            jobs: jobs,
            filter: try filter()
        )
        let (quiet, file) = (json || dryRun || progress.quiet, source)
        let meter = dryRun ? nil : progress.meter("synced")
        let observer = meter.map { meter in
            SyncProgress(planned: { meter.expect(files: $0, bytes: $1) }, transfer: meter.transfer)
        }
        var report: SyncReport?
        try ProgressMeter.measure(meter) {
            report = try Sync.run(source, destination, options: options, observer: observer) { action in
                guard !quiet else { return }
                let line = Self.describe(action, file: file, dryRun: false)
                if let meter { meter.print(line) } else { Output.line(line) }
            }
        }
        guard let report else { return }
        for failure in report.failed { Output.error("artifactfs: \(failure.path): \(failure.message)") }
        if report.deletionsSkipped {
            Output.error("artifactfs: \(report.destination): nothing deleted, as some copies failed")
        }
        if json {
            try Output.json(report)
        } else if dryRun || !progress.quiet {
            if dryRun {
                for action in report.copied + report.deleted {
                    Output.line(Self.describe(action, file: source, dryRun: true))
                }
            }
            Output.line(Self.summary(report))
        }
        if !report.failed.isEmpty { throw PartialFailure() }
    }

    /// The compiled `--exclude`/`--include` patterns.
    private func filter() throws -> SyncFilter {
        do {
            return try SyncFilter(exclude: exclude, include: include)
        } catch let error as SyncFilter.PatternError {
            throw ValidationError("\(exclude.contains(error.pattern) ? "--exclude" : "--include") \(error)")
        }
    }

    /// `copy runs/1/model.bin (missing)`, or `would copy ...` in a dry run; a file synced onto a
    /// file (relative path empty) is named by `file`, the source as given.
    private static func describe(_ action: SyncAction, file: String, dryRun: Bool) -> String {
        let reason = action.kind == .copy ? " (\(action.reason.rawValue))" : ""
        let path = action.path.isEmpty ? file : action.path
        return (dryRun ? "would " : "") + "\(action.kind.rawValue) \(path)\(reason)"
    }

    /// `3 copied (1234 bytes), 1 deleted, 5 unchanged`.
    private static func summary(_ report: SyncReport) -> String {
        let copied = report.dryRun ? "to copy" : "copied"
        let deleted = report.dryRun ? "to delete" : "deleted"
        return "\(report.copied.count) \(copied) (\(report.bytesCopied) bytes), \(report.deleted.count) \(deleted), "
            + "\(report.unchanged) unchanged" + (report.failed.isEmpty ? "" : ", \(report.failed.count) failed")
    }
}
