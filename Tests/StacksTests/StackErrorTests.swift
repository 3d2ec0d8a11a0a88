import FileIO
import Foundation
import Stacks
import Testing

@Suite("the error shape")
struct StackErrorTests {
    @Test func aStackErrorKeepsItsCauseAndLocationAndItsCodesRoundTripByName() throws {
        let cause = ArtifactStoreError(.notFound, path: "memory://team/x", "no such file")
        let line = #line + 1
        let error = StackError(.notFound, "component 'data' does not exist", cause: cause)

        #expect(error.description == "component 'data' does not exist")
        #expect((error.cause as? ArtifactStoreError)?.path == "memory://team/x")
        #expect(error.location == FileIO.SourceLocation(file: "StacksTests/StackErrorTests.swift", line: line))
        #expect(
            error.debugDescription.contains(
                "(notFound): component 'data' does not exist [cause: ArtifactStoreError(notFound): memory://team/x: no such file"
            )
        )
        #expect(error.debugDescription.hasSuffix(" at StacksTests/StackErrorTests.swift:\(line)"))

        let folder = MetadataFolder()
        defer { folder.remove() }
        let imported = try #require(throws: StackError.self) { try folder.open().importStack(yaml: "stack: [unclosed") }
        #expect(imported.code == .invalidArgument && imported.cause != nil)

        let names = [
            "notFound", "alreadyExists", "invalidConfig", "secret", "inUse", "invalidArgument", "storage", "untrusted",
        ]
        #expect(StackError.Code.allCodes.map(\.description) == names)
        for code in StackError.Code.allCodes {
            #expect(StackError.Code(name: code.description) == code)
            #expect(try JSONDecoder().decode(StackError.Code.self, from: JSONEncoder().encode(code)) == code)
        }
        #expect(StackError.Code(name: "noSuchCode") == nil)
    }
}
