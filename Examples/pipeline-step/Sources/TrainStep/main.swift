import ArtifactFS
import Foundation

// `train-step INPUT OUTPUT [MODEL]`: a step of a pipeline. It reads a CSV of numbers, "trains" (sums
// each column), writes the result as JSON, and, when given a `models://` path, reads that model file
// too. Every path may carry a scheme: `s3://...` reaches the registered s3 component with its endpoint
// and secrets, `models://NAME/production/...` the active stack's model registry.
let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 2 || arguments.count == 3 else {
    print("usage: train-step INPUT OUTPUT [MODEL_FILE]")
    exit(64)
}
let (input, output) = (arguments[arguments.startIndex], arguments[arguments.startIndex + 1])

do {
    // Route `fileio` exactly as `artifactfs` does: the project's components, plugins, models://.
    try ArtifactFS.activate()

    // Stream the input line by line through a fixed buffer, as a step with a large input would.
    let reader = try fileio.open(input, mode: "rb")
    defer { try? reader.close() }
    var sums: [Double] = []
    var rows = 0
    var pending: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    func take(_ line: ArraySlice<UInt8>) {
        let fields = String(decoding: line, as: UTF8.self).split(separator: ",").compactMap { Double($0) }
        guard !fields.isEmpty else { return }
        if sums.count < fields.count { sums += Array(repeating: 0, count: fields.count - sums.count) }
        for (index, value) in fields.enumerated() { sums[index] += value }
        rows += 1
    }
    while true {
        let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
        if count == 0 { break }
        pending += buffer[..<count]
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            take(pending[..<newline])
            pending.removeSubrange(...newline)
        }
    }
    take(pending[...])

    var result = "{\"rows\": \(rows), \"sums\": [\(sums.map { String($0) }.joined(separator: ", "))]"
    if arguments.count == 3 {
        let model = arguments[arguments.startIndex + 2]
        result += ", \"model_bytes\": \(try fileio.stat(model).size)"
    }
    result += "}\n"

    // The output becomes visible whole when the handle closes; a failed upload fails close().
    let writer = try fileio.open(output, mode: "wb")
    try writer.write(result)
    try writer.close()
    print("train-step: \(rows) rows from \(input) -> \(output)")
} catch {
    print("train-step: \(error)")
    exit(1)
}
