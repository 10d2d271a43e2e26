import Testing
import TransparencyLog

@Suite("Checkpoints (c2sp.org/tlog-checkpoint)")
struct CheckpointTests {
    /// The example of c2sp.org/tlog-checkpoint.
    static let specBody =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    static let specNote =
        specBody
        + "\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    static let specRootHash = hexBytes(
        "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62"
    )

    @Test func specExampleParsesAndFormats() throws {
        let note = try Note(parsing: Array(CheckpointTests.specNote.utf8))
        #expect(note.formatted == CheckpointTests.specNote)
        #expect(note.signatures.count == 1)
        #expect(note.signatures[0].name == "example.com/behind-the-sofa")
        #expect(note.signatures[0].keyID == 0x033d_e0ae)

        let checkpoint = try Checkpoint(note: note)
        #expect(checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.size == 20_852_163)
        #expect(checkpoint.rootHash == CheckpointTests.specRootHash)
        #expect(checkpoint.extensions.isEmpty)
        #expect(checkpoint.text == CheckpointTests.specBody)
        #expect(
            checkpoint
                == Checkpoint(
                    origin: "example.com/behind-the-sofa",
                    size: 20_852_163,
                    rootHash: CheckpointTests.specRootHash
                )
        )
    }

    @Test func extensionLinesAndEmptyTree() throws {
        let emptyRoot = hexBytes("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let checkpoint = Checkpoint(
            origin: "vmtrust.local/log",
            size: 0,
            rootHash: emptyRoot,
            extensions: ["ext one", "— two"]
        )
        #expect(
            checkpoint.text
                == "vmtrust.local/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\n— two\n"
        )
        #expect(try Checkpoint(parsing: checkpoint.text) == checkpoint)
        // Extension lines are part of the signed body.
        let signer = try Ed25519NoteSigner(name: "vmtrust.local/log", seed: testSeed(20))
        let note = try Note.sign(text: checkpoint.text, signers: [signer])
        let reparsed = try Note(parsing: note.formattedBytes)
        #expect(try Checkpoint(note: reparsed).extensions == ["ext one", "— two"])
        #expect(try reparsed.verify(using: NoteVerifiers([signer.verifier])).count == 1)
    }

    @Test func sizeBounds() throws {
        let hash = Base64.encode([UInt8](repeating: 0, count: 32))
        #expect(try Checkpoint(parsing: "o\n18446744073709551615\n\(hash)\n").size == UInt64.max)
        #expect(throws: noteError(.malformedCheckpoint)) {
            try Checkpoint(parsing: "o\n18446744073709551616\n\(hash)\n")
        }
        #expect(try Checkpoint(parsing: "o\n0\n\(hash)\n").size == 0)
        #expect(try Checkpoint(parsing: "o\n10\n\(hash)\n").size == 10)
    }

    static let hash32 = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="

    static let malformed: [(String, String)] = [
        ("leading zero size", "o\n01\n\(hash32)\n"),
        ("double zero size", "o\n00\n\(hash32)\n"),
        ("negative size", "o\n-1\n\(hash32)\n"),
        ("plus sign size", "o\n+1\n\(hash32)\n"),
        ("hex size", "o\n0x10\n\(hash32)\n"),
        ("non-decimal size", "o\nten\n\(hash32)\n"),
        ("size with space", "o\n1 \n\(hash32)\n"),
        ("size with exponent", "o\n1e3\n\(hash32)\n"),
        ("Arabic-Indic digits", "o\n\u{0661}\n\(hash32)\n"),
        ("empty size", "o\n\n\(hash32)\n"),
        ("bad base64", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I!\n"),
        ("unpadded base64", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n"),
        ("url-safe base64", "o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n"),
        ("non-canonical base64", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n"),
        ("31-byte hash", "o\n1\n\(Base64.encode([UInt8](repeating: 1, count: 31)))\n"),
        ("33-byte hash", "o\n1\n\(Base64.encode([UInt8](repeating: 1, count: 33)))\n"),
        ("empty hash", "o\n1\n\n"),
        ("missing hash line", "o\n1\n"),
        ("missing size and hash", "o\n"),
        ("empty text", ""),
        ("empty origin", "\n1\n\(hash32)\n"),
        ("no trailing newline", "o\n1\n\(hash32)"),
        ("empty extension line", "o\n1\n\(hash32)\n\next\n"),
        ("trailing blank line", "o\n1\n\(hash32)\n\n"),
        ("carriage returns", "o\r\n1\r\n\(hash32)\r\n"),
        ("tab in origin", "o\tx\n1\n\(hash32)\n"),
    ]

    @Test(arguments: malformed)
    func malformedCheckpointsRejected(why: String, text: String) {
        #expect(throws: noteError(.malformedCheckpoint), "\(why)") { try Checkpoint(parsing: text) }
    }

    @Test func malformedTableControl() throws {
        // The base of the negative table parses.
        #expect(try Checkpoint(parsing: "o\n1\n\(CheckpointTests.hash32)\n").size == 1)
    }
}
