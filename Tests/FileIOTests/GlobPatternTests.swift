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
}
