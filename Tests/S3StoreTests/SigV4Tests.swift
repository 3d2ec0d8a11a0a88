import CurlHTTP
import S3Store
import Testing

/// AWS's published Signature Version 4 test vectors: the generic suite (`aws-sig-v4-test-suite`,
/// service `service`) and the S3 examples of the S3 API reference.
@Suite("SigV4 signing against AWS's published vectors")
struct SigV4Tests {
    let suiteSigner = SigV4Signer(
        credentials: S3Credentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        ),
        region: "us-east-1",
        service: "service"
    )
    let s3Signer = SigV4Signer(
        credentials: S3Credentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        ),
        region: "us-east-1",
        service: "s3"
    )
    let suiteHeaders = [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]

    @Test func getVanilla() {
        let signature = suiteSigner.sign(
            method: "GET",
            path: "/",
            query: [],
            headers: suiteHeaders,
            payloadHash: SigV4Signer.emptyPayloadHash,
            date: "20150830T123600Z"
        )
        #expect(signature.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(
            signature.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    @Test func getVanillaQueryOrderKeyCase() {
        let signature = suiteSigner.sign(
            method: "GET",
            path: "/",
            query: [("Param2", "value2"), ("Param1", "value1")],
            headers: suiteHeaders,
            payloadHash: SigV4Signer.emptyPayloadHash,
            date: "20150830T123600Z"
        )
        #expect(
            signature.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2]
                == "Param1=value1&Param2=value2"
        )
        #expect(signature.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func getVanillaEmptyQueryKey() {
        let signature = suiteSigner.sign(
            method: "GET",
            path: "/",
            query: [("Param1", "value1")],
            headers: suiteHeaders,
            payloadHash: SigV4Signer.emptyPayloadHash,
            date: "20150830T123600Z"
        )
        #expect(signature.signature == "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb")
    }

    @Test func postVanilla() {
        let signature = suiteSigner.sign(
            method: "POST",
            path: "/",
            query: [],
            headers: suiteHeaders,
            payloadHash: SigV4Signer.emptyPayloadHash,
            date: "20150830T123600Z"
        )
        #expect(signature.signature == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
    }

    @Test func getHeaderValueTrim() {
        let signature = suiteSigner.sign(
            method: "GET",
            path: "/",
            query: [],
            headers: suiteHeaders + [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
            payloadHash: SigV4Signer.emptyPayloadHash,
            date: "20150830T123600Z"
        )
        #expect(signature.canonicalRequest.contains("my-header2:\"a b c\"\n"))
        #expect(signature.signature == "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")
    }

    @Test func s3GetObjectWithRange() {
        let signature = s3Signer.sign(
            method: "GET",
            path: "/test.txt",
            query: [],
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash), ("x-amz-date", "20130524T000000Z"),
            ],
            payloadHash: SigV4Signer.emptyPayloadHash,
            date: "20130524T000000Z"
        )
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        )
        #expect(signature.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func s3PutObjectWithAReservedCharacterInTheKey() {
        let payloadHash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
        let path = "/" + URIEncoding.path("test$file.text")
        #expect(path == "/test%24file.text")
        let signature = s3Signer.sign(
            method: "PUT",
            path: path,
            query: [],
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("x-amz-date", "20130524T000000Z"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                ("x-amz-content-sha256", payloadHash),
            ],
            payloadHash: payloadHash,
            date: "20130524T000000Z"
        )
        #expect(signature.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func s3GetBucketLifecycle() {
        let signature = s3Signer.sign(
            method: "GET",
            path: "/",
            query: [("lifecycle", "")],
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("x-amz-date", "20130524T000000Z"),
                ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash),
            ],
            payloadHash: SigV4Signer.emptyPayloadHash,
            date: "20130524T000000Z"
        )
        #expect(signature.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func s3ListObjects() {
        let signature = s3Signer.sign(
            method: "GET",
            path: "/",
            query: [("prefix", "J"), ("max-keys", "2")],
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("x-amz-date", "20130524T000000Z"),
                ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash),
            ],
            payloadHash: SigV4Signer.emptyPayloadHash,
            date: "20130524T000000Z"
        )
        #expect(signature.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func keysEncodeOnceWithSlashesKept() {
        #expect(URIEncoding.path("a b+c%d~e=f&g/ü//h") == "a%20b%2Bc%25d~e%3Df%26g/%C3%BC//h")
        #expect(URIEncoding.component("a/b c") == "a%2Fb%20c")
    }
}
