import ArtifactFS
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The progress line of `cp`, `mv` and `sync` on standard error: bytes and files done of the total,
/// rate and ETA, redrawn in place at most ``redrawInterval`` apart, then a summary line.
///
/// Counts come only from ``transfer``, which the copy calls as its bytes are written, so the line
/// shows what has moved, never an estimate.
final class ProgressMeter: Sendable {
    /// The shortest time between two redraws (10 a second), so a fast copy is not slowed by drawing.
    static let redrawInterval: Double = 0.1

    /// What the summary says was done: `copied`, `moved` or `synced`.
    let verb: String
    private let started = Date()
    private let state = Mutex(State())

    private struct State {
        var files = 0
        var bytes: UInt64 = 0
        var totalFiles: Int?
        var totalBytes: UInt64?
        var lastDraw: Date?
        /// A progress line is on the terminal (drawn, and not cleared since).
        var visible = false
    }

    /// A meter for an operation whose summary says `verb`.
    init(verb: String) {
        self.verb = verb
    }

    /// Sets what the whole operation moves, for the ETA.
    func expect(files: Int, bytes: UInt64) {
        state.withLock {
            $0.totalFiles = files
            $0.totalBytes = bytes
        }
    }

    /// Counts the expected totals as done, for a move the store made itself (a rename within one
    /// store), where no bytes passed through this process.
    func completeAsExpected() {
        update {
            $0.files = $0.totalFiles ?? $0.files
            $0.bytes = $0.totalBytes ?? $0.bytes
        }
    }

    /// The observer to hand the copy.
    var transfer: TransferProgress {
        TransferProgress(
            bytesMoved: { [self] bytes in update { $0.bytes += bytes } },
            fileCopied: { [self] in update { $0.files += 1 } }
        )
    }

    /// Clears the progress line and prints `copied 3 files, 12.0 MiB in 2.1 s (5.7 MiB/s)`.
    func finish() {
        let elapsed = Date().timeIntervalSince(started)
        let line = state.withLock { state -> String in
            let files = "\(state.files) file" + (state.files == 1 ? "" : "s")
            let rate = Self.rate(state.bytes, elapsed)
            return "\(verb) \(files), \(Self.bytes(state.bytes)) in \(Self.seconds(elapsed)) (\(rate))"
        }
        Output.error("\r\u{1B}[K" + line)
    }

    /// Prints a line to standard output above the progress line (which is cleared first and
    /// redrawn at the next update), so both stay readable on one terminal.
    func print(_ text: String) {
        state.withLock { state in
            if state.visible { Output.writeError("\r\u{1B}[K") }
            state.visible = false
            Output.line(text)
        }
    }

    /// Ends a drawn progress line without a summary, so an error that follows starts on a line of its own.
    func abandon() {
        if state.withLock({ $0.visible }) { Output.error("") }
    }

    /// Runs `body` with `meter` (nil: no progress), then prints the summary when `summary` says the
    /// work moved anything (a model registered where it already lies copies nothing); after a
    /// failure, only ends the progress line.
    static func measure(
        _ meter: ProgressMeter?,
        summary: () -> Bool = { true },
        _ body: () throws -> Void
    ) throws {
        do {
            try body()
        } catch {
            meter?.abandon()
            throw error
        }
        if summary() { meter?.finish() } else { meter?.abandon() }
    }

    private func update(_ change: (inout State) -> Void) {
        let now = Date()
        state.withLock { state in
            change(&state)
            if let last = state.lastDraw, now.timeIntervalSince(last) < Self.redrawInterval { return }
            state.lastDraw = now
            state.visible = true
            Output.writeError("\r\u{1B}[K" + line(state, elapsed: now.timeIntervalSince(started)))
        }
    }

    /// `12.0 MiB / 40.0 MiB  3/10 files  5.7 MiB/s  ETA 0:05`.
    private func line(_ state: State, elapsed: Double) -> String {
        let total = state.totalBytes.map { " / " + Self.bytes($0) } ?? ""
        let files = "\(state.files)" + (state.totalFiles.map { "/\($0)" } ?? "") + " files"
        var text = "\(Self.bytes(state.bytes))\(total)  \(files)  \(Self.rate(state.bytes, elapsed))"
        if let totalBytes = state.totalBytes, state.bytes > 0, elapsed > 0 {
            let remaining = Double(totalBytes > state.bytes ? totalBytes - state.bytes : 0)
            text += "  ETA " + Self.clock(remaining / (Double(state.bytes) / elapsed))
        }
        return text
    }

    /// Binary units with one decimal: `512 B`, `1.5 KiB`, `12.0 MiB`.
    static func bytes(_ count: UInt64) -> String {
        guard count >= 1024 else { return "\(count) B" }
        var value = Double(count)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" { return String(format: "%.1f", value) + " " + unit }
        }
        return "\(count) B"
    }

    private static func rate(_ count: UInt64, _ elapsed: Double) -> String {
        bytes(elapsed > 0 ? UInt64(Double(count) / elapsed) : 0) + "/s"
    }

    private static func seconds(_ elapsed: Double) -> String {
        elapsed < 60 ? String(format: "%.1f s", elapsed) : clock(elapsed)
    }

    /// `m:ss`, or `h:mm:ss` from an hour.
    private static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up).clamped(to: 0...359_999))
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}

extension Double {
    fileprivate func clamped(to range: ClosedRange<Double>) -> Double {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
