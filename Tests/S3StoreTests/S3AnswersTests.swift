import ObjectStore
import S3Store
import Testing

@Suite("S3 answers decoded and keys escaped for request bodies")
struct S3AnswersTests {
    @Test func aListObjectsV2PageDecodesKeysSizesPrefixesAndTheNextToken() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t/1=</NextContinuationToken>\
            <Contents><Key>runs/a &amp; b.txt</Key><Size>12</Size><ETag>&quot;e1&quot;</ETag></Contents>\
            <CommonPrefixes><Prefix>runs/epoch-1/</Prefix></CommonPrefixes></ListBucketResult>
            """
        let page = try #require(S3Answers.listPage(Array(body.utf8)))
        #expect(page.objects.map(\.key) == ["runs/a & b.txt"])
        #expect(page.objects.map(\.size) == [12])
        #expect(page.objects.map(\.version) == ["\"e1\""])
        #expect(page.prefixes == ["runs/epoch-1/"])
        #expect(page.nextToken == "t/1=")
        #expect(S3Answers.listPage(Array("<ListBucketResult>".utf8)) == nil)
    }

    /// Found by `scripts/fuzz fuzz-s3-answers`: an element name that is not UTF-8 made Foundation's
    /// XML parser trap, so one malformed answer from a server (or a proxy) killed the process.
    @Test func anAnswerThatIsNotUTF8IsRefusedNotACrash() {
        let body =
            Array("<ListBucketResult><Contents><Ke".utf8) + [0xDA] + Array("></Contents></ListBucketResult>".utf8)
        #expect(S3Answers.listPage(body) == nil)
        #expect(S3Answers.error(body, operation: "ListObjectsV2", status: 500, requestIDHeader: "r1").requestID == "r1")
    }

    /// Found by `scripts/fuzz` in CI: a processing instruction without data (`<?x?>`) made
    /// Foundation's parser call strlen on a null pointer, so one odd answer killed the process.
    @Test(arguments: ["<?x?><Error><Code>E</Code></Error>", "<?xml version=\"1.0\"?><Error><?pi?></Error>"])
    func anAnswerWithAProcessingInstructionIsRefusedNotACrash(_ text: String) {
        #expect(S3Answers.listPage(Array(text.utf8)) == nil)
        #expect(
            S3Answers.error(Array(text.utf8), operation: "ListObjectsV2", status: 500, requestIDHeader: "r2").requestID
                == "r2"
        )
        let declared = Array(
            "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code></Error>".utf8
        )
        #expect(S3Answers.error(declared, operation: "PutObject", status: 503, requestIDHeader: nil).code == "SlowDown")
    }

    /// Found by `scripts/fuzz fuzz-s3-answers`: a carriage return was sent raw in DeleteObjects and
    /// CompleteMultipartUpload bodies, where the server's XML parser reads it as a line feed, so
    /// `rmtree` asked to delete another key than the one listed.
    @Test(arguments: ["a\rb", "line\r\nbreak", "tab\tand & <x> 'q' \"d\"", "naïve/ключ"])
    func anEscapedKeyParsesBackToItself(_ key: String) throws {
        let body = "<Delete><Object><Key>\(xmlEscaped(key))</Key></Object></Delete>"
        let parsed = try #require(XMLTree.parse(Array(body.utf8)))
        #expect(parsed.child("Object")?.text(of: "Key") == key)
    }
}
