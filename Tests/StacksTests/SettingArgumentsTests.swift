import StackModel
import Testing

@Suite("--KEY=VALUE config arguments")
struct SettingArgumentsTests {
    @Test func bothFormsParseInOrderWithDashesInKeysAsUnderscores() throws {
        let settings = try SettingArguments.parse(["--endpoint-url=http://h:1/a=b", "--region", "eu-west-1", "--path="])
        #expect(settings.map(\.key) == ["endpoint_url", "region", "path"])
        #expect(settings.map(\.value) == ["http://h:1/a=b", "eu-west-1", ""])
    }

    @Test(arguments: [
        (["region=x"], "unexpected argument 'region=x'"), (["--"], "unexpected argument '--'"),
        (["--region"], "flag '--region' needs a value"), (["--region", "--path=x"], "flag '--region' needs a value"),
    ])
    func aMalformedArgumentIsNamed(_ arguments: [String], _ message: String) {
        #expect {
            try SettingArguments.parse(arguments)
        } throws: { error in
            (error as? StackError)?.code == .invalidArgument
                && (error as? StackError)?.message.contains(message) == true
        }
    }
}
