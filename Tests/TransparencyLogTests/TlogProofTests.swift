import Foundation
import Testing

@testable import TransparencyLog

@Suite("c2sp.org/tlog-proof@v1 files")
struct TlogProofTests {
    /// The example from the tlog-proof specification, verbatim.
    static let specExample = """
        c2sp.org/tlog-proof@v1
        extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
        index 73894
        gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
        B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
        EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
        RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
        AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

        example.com/fancylog
        109482
        sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

        \u{2014} example.com/fancylog hI2DJw[...]1roloI=
        \u{2014} witness1.example mJirIklj[...]qY9v2B/5bg==
        \u{2014} witness2.example TnKKVHLX[...]xwYwrSjgow==
        \u{2014} witness3.example S4X82uH5[...]3oEcROGLFQ==

        """

    let leaves: [TreeHash]
    let root: TreeHash
    let checkpoint: String

    init() throws {
        let vectors = try MerkleVectors.load()
        leaves = try treeHashes(hex: vectors.leafHashes)
        root = NaiveMerkle.mth(leaves[...])
        checkpoint = "example.com/log\n8\n\(root.base64)\n\n\u{2014} example.com/log AAAAAAEC\n"
    }

    func proof(index: Int, extra: [UInt8]? = nil) throws -> TlogProof {
        let path = try MerkleTree.inclusionProof(index: UInt64(index), leafHashes: leaves)
        return TlogProof(index: UInt64(index), proof: path, checkpointText: checkpoint, extraData: extra)
    }

    @Test("The specification's example parses and re-serializes byte for byte")
    func specExample() throws {
        let parsed = try TlogProof(parsing: Self.specExample)
        #expect(parsed.index == 73894)
        #expect(parsed.proof.count == 5)
        #expect(parsed.proof.first?.base64 == "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=")
        #expect(parsed.extraData.map { String(decoding: $0.prefix(30), as: UTF8.self) } == "age-v1.2.1-darwin-arm64.tar.gz")
        #expect(parsed.checkpointText.hasPrefix("example.com/fancylog\n109482\n"))
        #expect(parsed.checkpointText.hasSuffix("3oEcROGLFQ==\n"))
        #expect(parsed.text == Self.specExample)
    }

    @Test("Exact format of a generated file")
    func exactFormat() throws {
        let file = try proof(index: 2)
        let expected =
            "c2sp.org/tlog-proof@v1\nindex 2\n"
            + file.proof.map { $0.base64 + "\n" }.joined() + "\n" + checkpoint
        #expect(file.text == expected)
        #expect(file.proof.count == 3)
        let withExtra = try proof(index: 0, extra: Array("hi".utf8))
        #expect(withExtra.text.hasPrefix("c2sp.org/tlog-proof@v1\nextra aGk=\nindex 0\n"))
    }

    @Test("Round trips and verification of every index")
    func roundTripAndVerify() throws {
        for index in 0..<8 {
            for extra in [nil, [], [0x00, 0xff, 0x10]] as [[UInt8]?] {
                let file = try proof(index: index, extra: extra)
                let parsed = try TlogProof(parsing: file.text)
                #expect(parsed == file)
                #expect(parsed.text == file.text)
                #expect(parsed.verify(leafHash: leaves[index], treeSize: 8, root: root))
                #expect(!parsed.verify(leafHash: leaves[(index + 1) % 8], treeSize: 8, root: root))
                #expect(!parsed.verify(leafHash: leaves[index], treeSize: 9, root: root))
                #expect(!parsed.verify(leafHash: leaves[index], treeSize: UInt64(index), root: root))
                #expect(!parsed.verify(leafHash: leaves[index], treeSize: 8, root: RFC6962.emptyRoot))
            }
        }
        // A single-leaf tree has an empty proof: the index line is followed by the blank line.
        let single = TlogProof(index: 0, proof: [], checkpointText: checkpoint)
        #expect(single.text.hasPrefix("c2sp.org/tlog-proof@v1\nindex 0\n\nexample.com/log\n"))
        #expect(try TlogProof(parsing: single.text) == single)
        #expect(single.verify(leafHash: leaves[0], treeSize: 1, root: leaves[0]))
    }

    @Test("Checkpoints may contain blank lines in their text and several signatures")
    func checkpointShapes() throws {
        let extended = "example.com/log\n8\n\(root.base64)\n\nnote\n\n\u{2014} a b\n\u{2014} c d\n"
        let file = try TlogProof(parsing: "c2sp.org/tlog-proof@v1\nindex 1\n\(leaves[0].base64)\n\n\(extended)")
        #expect(file.checkpointText == extended)
    }

    @Test("Every mangled file is rejected")
    func mangledFiles() throws {
        let good = try proof(index: 5, extra: [1, 2, 3]).text
        let goodNoExtra = try proof(index: 5).text
        let hash0 = try proof(index: 5).proof[0].base64
        #expect(try TlogProof(parsing: good).index == 5)

        func replacing(_ text: String, _ old: String, _ new: String) -> String {
            precondition(text.contains(old), "\(old) not in text")
            return text.replacingFirst(old, with: new)
        }
        let short31 = Base64.encode(Array(repeating: UInt8(1), count: 31))
        let long33 = Base64.encode(Array(repeating: UInt8(1), count: 33))
        // Set the two unused low bits of the last base64 digit.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let lastDigit = try #require(alphabet.firstIndex(of: hash0.dropLast().last!))
        let nonCanonical = String(hash0.dropLast(2)) + String(alphabet[lastDigit | 1]) + "="
        #expect(Base64.decode(nonCanonical) == nil)
        let bad: [(String, String)] = [
            ("empty", ""),
            ("header only", "c2sp.org/tlog-proof@v1\n"),
            ("wrong version", replacing(good, "tlog-proof@v1", "tlog-proof@v2")),
            ("header prefix", replacing(good, "c2sp.org/", "https://c2sp.org/")),
            ("leading space", " " + good),
            ("leading newline", "\n" + good),
            ("CRLF header", replacing(good, "@v1\n", "@v1\r\n")),
            ("missing header", String(good.drop { $0 != "\n" }.dropFirst())),
            ("extra without space", replacing(good, "extra ", "extra")),
            ("extra tab", replacing(good, "extra ", "extra\t")),
            ("extra bad base64", replacing(good, "extra AQID", "extra AQI!")),
            ("extra unpadded", replacing(good, "extra AQID", "extra AQI")),
            ("extra after index", replacing(good, "extra AQID\nindex 5\n", "index 5\nextra AQID\n")),
            ("two extra lines", replacing(good, "extra AQID\n", "extra AQID\nextra AQID\n")),
            ("missing index", replacing(good, "index 5\n", "")),
            ("index leading zero", replacing(good, "index 5", "index 05")),
            ("index negative", replacing(good, "index 5", "index -5")),
            ("index plus", replacing(good, "index 5", "index +5")),
            ("index hex", replacing(good, "index 5", "index 0x5")),
            ("index empty", replacing(good, "index 5", "index ")),
            ("index no space", replacing(good, "index 5", "index5")),
            ("index two spaces", replacing(good, "index 5", "index  5")),
            ("index trailing space", replacing(good, "index 5", "index 5 ")),
            ("index capital", replacing(good, "index 5", "Index 5")),
            ("index overflow", replacing(good, "index 5", "index 18446744073709551616")),
            ("index unicode digit", replacing(good, "index 5", "index \u{0665}")),
            ("bad base64 hash", replacing(good, hash0, "!" + hash0.dropFirst())),
            ("31-byte hash", replacing(good, hash0, short31)),
            ("33-byte hash", replacing(good, hash0, long33)),
            ("non-canonical base64", replacing(good, hash0, nonCanonical)),
            ("hash trailing space", replacing(good, hash0, hash0 + " ")),
            ("hash unpadded", replacing(good, hash0, String(hash0.dropLast()))),
            ("hex hash", replacing(good, hash0, leaves[0].hex)),
            ("missing blank line", replacing(goodNoExtra, "=\n\nexample.com", "=\nexample.com")),
            ("double blank line", replacing(goodNoExtra, "=\n\nexample.com", "=\n\n\nexample.com")),
            ("no checkpoint", String(goodNoExtra[..<goodNoExtra.range(of: "\n\n")!.upperBound])),
            ("missing final newline", String(good.dropLast())),
            ("extra trailing newline", good + "\n"),
            ("extra trailing line", good + "trailing\n"),
            ("extra trailing text", good + "x"),
            ("checkpoint without signatures", replacing(good, "\n\n\u{2014} example.com/log AAAAAAEC\n", "\n")),
            ("signature missing dash", replacing(good, "\u{2014} example.com", "- example.com")),
            ("signature missing name", replacing(good, "\u{2014} example.com/log ", "\u{2014}  ")),
            ("signature extra field", replacing(good, "AAAAAAEC\n", "AAAAAAEC x\n")),
            ("control character", replacing(good, "example.com/log\n8", "example.com/log\u{7}\n8")),
            ("CR in checkpoint", replacing(good, "example.com/log\n8", "example.com/log\r\n8")),
            (
                "more than 64 proof hashes",
                replacing(goodNoExtra, "index 5\n", "index 5\n" + String(repeating: hash0 + "\n", count: 65))
            ),
        ]
        for (name, text) in bad {
            expectMerkleError(.invalidProofFile, "\(name)") { () throws(MerkleError) in
                try TlogProof(parsing: text)
            }
        }
    }
}

extension String {
    fileprivate func replacingFirst(_ old: String, with new: String) -> String {
        guard let range = range(of: old) else { return self }
        return replacingCharacters(in: range, with: new)
    }
}
