import FileIO
import Testing

@Suite("glob patterns")
struct GlobPatternTests {
    @Test(arguments: [
        ("*.csv", "a.csv", true), ("*.csv", "a.csv.bak", false), ("*", ".hidden", false),
        (".*", ".hidden", true), ("a?c", "abc", true), ("a?c", "ac", false),
        ("[a-c]x", "bx", true), ("[a-c]x", "dx", false), ("[!a-c]x", "dx", true), ("[^a]x", "ax", false),
        ("[]]", "]", true), ("[", "[", true), ("*a*b*", "xxaxxbxx", true), ("*a*b*", "xxbxxaxx", false),
        ("模型*", "模型.bin", true), ("**", "anything", true), ("", "", true), ("", "x", false),
    ])
    func matching(pattern: String, name: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(name) == expected)
    }

    @Test func aFilterPatternIsCheckedWhereGlobReadsItLoosely() throws {
        #expect(GlobPattern("[b-a]x").matches("ax") == false)
        let reversed = #expect(throws: GlobPattern.SyntaxError.self) {
            try GlobPattern(validating: "[b-a]x", matchingHidden: false)
        }
        #expect(reversed?.reason == "range 'b-a' is reversed")
        #expect(throws: GlobPattern.SyntaxError.self) { try GlobPattern(validating: "run[1", matchingHidden: false) }
        #expect(try GlobPattern(validating: "*.log", matchingHidden: true).matches(".x.log"))
        #expect(try !GlobPattern(validating: "*.log", matchingHidden: false).matches(".x.log"))
    }
}
