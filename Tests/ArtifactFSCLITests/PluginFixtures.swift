import Foundation
import PluginHost
import Stacks

/// The plugins the plugin tests load: the example package built once per test run (shared by
/// every test), and tiny C libraries compiled with `cc` to stand for broken or foreign plugins.
enum PluginFixtures {
    struct Failure: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// The repository this test file belongs to.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Examples/custom-flavor.
    static var examplePackage: String { repository + "/Examples/custom-flavor" }

    /// Examples/custom-model-registry.
    static var modelRegistryPackage: String { repository + "/Examples/custom-model-registry" }

    /// The example's shared library, built once (`swift build -c release`) the first time a test asks.
    static func exampleLibrary() throws -> String { try builtExample.get() }

    /// The model-registry example's shared library, built once the first time a test asks.
    static func modelRegistryLibrary() throws -> String { try builtModelRegistry.get() }

    private static let builtExample = build(examplePackage, library: "libBlobStoreFlavor.so")
    private static let builtModelRegistry = build(modelRegistryPackage, library: "libFolderModelRegistry.so")

    /// Builds a plugin package in release mode and returns the path of its library.
    private static func build(_ package: String, library: String) -> Result<String, Failure> {
        let build = run("/usr/bin/env", ["swift", "build", "-c", "release", "--package-path", package])
        guard build.status == 0 else {
            return .failure(Failure(description: "building \(package) failed:\n\(build.output)"))
        }
        let bin = run(
            "/usr/bin/env",
            ["swift", "build", "-c", "release", "--package-path", package, "--show-bin-path"]
        )
        let path = (bin.output.split(separator: "\n").last.map(String.init) ?? "") + "/" + library
        guard FileManager.default.fileExists(atPath: path) else {
            return .failure(Failure(description: "no \(path) after the build"))
        }
        return .success(path)
    }

    /// A pin of the shared library `library` at its content now, needing no trust file: for tests
    /// that make a plugin flavor in process, without a metadata store.
    static func pin(_ library: String, type: StackComponentType, name: String) throws -> PluginPin {
        PluginPin(
            type: type,
            name: name,
            source: library,
            library: library,
            contentHash: try PluginContentHash.of(library),
            trust: nil
        )
    }

    /// Compiles a C plugin into `directory`: a table of ABI version `abi` whose `describe` returns
    /// `flavors` (a JSON array), its `prepare` echoing the config; `entry: false` leaves the entry point out.
    /// From ABI 2 on, the table has components too: `component_make` succeeds and every
    /// `component_call` fails with a model-registry `backend` error "registry backend unavailable".
    static func cPlugin(
        in directory: String,
        name: String,
        abi: Int = 1,
        flavors: String = "[]",
        entry: Bool = true
    ) throws -> String {
        let json = #"{"flavors":\#(flavors)}"#.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"",
            with: "\\\""
        )
        let source = """
            #include <stdlib.h>
            #include <string.h>
            #include "artifactfs_plugin.h"
            static const char *describe(void) { return "\(json)"; }
            static int32_t prepare(const char *t, const char *f, const char *config, char **result) { *result = strdup(config); return 0; }
            static int32_t fail(char **out) {
                *out = strdup("{\\"domain\\":\\"store\\",\\"code\\":\\"unsupportedOperation\\",\\"path\\":\\"\\",\\"message\\":\\"this plugin makes no stores\\"}");
                return -1;
            }
            static int32_t store_make(const char *f, const char *c, void **s, char **r) { return fail(r); }
            static int32_t store_call(void *s, const char *q, char **r) { return fail(r); }
            static int32_t file_open(void *s, const char *p, const char *m, void **f, char **e) { return fail(e); }
            static int64_t file_read(void *f, void *b, uint64_t n, int64_t o, char **e) { return fail(e); }
            static void free_string(char *text) { free(text); }
            static int component;
            static int32_t component_make(const char *t, const char *f, const char *c, void **made, char **r) {
                *made = &component; *r = strdup("{}"); return 0;
            }
            static int32_t component_call(void *c, const char *q, char **r) {
                *r = strdup("{\\"domain\\":\\"model_registry\\",\\"code\\":\\"backend\\",\\"path\\":\\"\\",\\"message\\":\\"registry backend unavailable\\"}");
                return -1;
            }
            static void component_release(void *c) {}
            static const afs_plugin_v2 table = {
                { \(abi), "0.1.0", describe, prepare, store_make, store_call, NULL, file_open, file_read, NULL, NULL, NULL, NULL, free_string },
                \(abi >= 2 ? "component_make, component_call, component_release" : "NULL, NULL, NULL")
            };
            \(entry ? "const afs_plugin_v1 *artifactfs_plugin_entry(void) { return &table.v1; }" : "const afs_plugin_v1 *some_other_symbol(void) { return &table.v1; }")
            """
        let sourcePath = directory + "/\(name).c"
        let library = directory + "/lib\(name).so"
        try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        let compile = run(
            "/usr/bin/env",
            [
                "cc", "-shared", "-fPIC", "-I", repository + "/Sources/CArtifactFSPlugin/include", "-o", library,
                sourcePath,
            ]
        )
        guard compile.status == 0 else { throw Failure(description: "cc failed:\n\(compile.output)") }
        return library
    }

    /// Runs a program, capturing standard output and error together.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return (-1, "cannot run \(executable): \(error)")
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
