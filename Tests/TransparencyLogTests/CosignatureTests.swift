import Foundation
import Testing
import TransparencyLog

@Suite("Cosignatures (c2sp.org/tlog-cosignature, cosignature/v1)")
struct CosignatureTests {
    /// Cross-implementation vector made with Python `cryptography`: Ed25519 seed = RFC 8032 section 7.1 TEST 2,
    /// name `witness.example.com/w1`, timestamp 1679315147, over the tlog-checkpoint spec example body, signed
    /// message `"cosignature/v1\ntime 1679315147\n" || body`.
    static let seed = hexBytes("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
    static let vkey = "witness.example.com/w1+e8498172+BD1AF8PoQ4lakrcKp00bfrycmCzPLsSWjMDNVfEq9GYM"
    static let line =
        "— witness.example.com/w1 6EmBcgAAAABkGFDLU5VmHzFyg1moo3QxI1Ge6wHfwylQEoWhcwJH/SvRJW3LjvpU4PIuE1VI/0HWdoZ4oGL67Rl5yx89mAducLUyBQ==\n"
    static let timestamp: UInt64 = 1_679_315_147

    @Test func crossImplementationVectorVerifies() throws {
        let verifier = try CosignatureVerifier(vkey: CosignatureTests.vkey)
        #expect(verifier.vkey == CosignatureTests.vkey)
        #expect(verifier.keyID == 0xe849_8172)
        #expect(try NoteVerifiers.verifier(vkey: CosignatureTests.vkey) is CosignatureVerifier)

        let wire = CheckpointTests.specNote + CosignatureTests.line
        let note = try Note(parsing: Array(wire.utf8))
        #expect(note.formatted == wire)
        let verified = try note.verify(using: NoteVerifiers([verifier]))
        #expect(verified.map(\.name) == ["witness.example.com/w1"])
        #expect(verifier.verifiedTimestamp(in: note) == CosignatureTests.timestamp)
        #expect(CosignatureVerifier.timestamp(of: verified[0]) == CosignatureTests.timestamp)
    }

    @Test func signerReproducesVectorByteForByte() throws {
        let signer = try CosignatureSigner(
            name: "witness.example.com/w1",
            seed: CosignatureTests.seed,
            timestamp: CosignatureTests.timestamp
        )
        #expect(signer.vkey == CosignatureTests.vkey)
        let logSigned = try Note(parsing: Array(CheckpointTests.specNote.utf8))
        let cosigned = try logSigned.signed(by: [signer])
        #expect(cosigned.formatted == CheckpointTests.specNote + CosignatureTests.line)
    }

    @Test func specExampleCosignatureTimestamp() throws {
        // The example line in c2sp.org/tlog-cosignature: its key is not published, but its layout is
        // key ID (8d66cf3f) || timestamp 1679315147 (the time in the spec's message example) || signature.
        let line =
            "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
        let note = try Note(parsing: Array((CheckpointTests.specNote + line).utf8))
        #expect(note.signatures[1].keyID == 0x8d66_cf3f)
        #expect(CosignatureVerifier.timestamp(of: note.signatures[1]) == 1_679_315_147)
        #expect(CosignatureVerifier.timestamp(of: note.signatures[0]) == nil)  // a 64-byte log signature
    }

    @Test func signedMessageFormat() throws {
        let body = Array(CheckpointTests.specBody.utf8)
        let message = try CosignatureVerifier.signedMessage(
            checkpointBody: body,
            timestamp: 1_679_315_147
        )
        #expect(
            String(decoding: message, as: UTF8.self)
                == "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        )
        #expect(
            String(
                decoding: try CosignatureVerifier.signedMessage(checkpointBody: body, timestamp: 0),
                as: UTF8.self
            ).hasPrefix("cosignature/v1\ntime 0\n")
        )
        #expect(throws: noteError(.malformedNote)) {
            try CosignatureVerifier.signedMessage(checkpointBody: body, timestamp: UInt64(Int64.max) + 1)
        }
        #expect(throws: noteError(.malformedCheckpoint)) {
            try CosignatureVerifier.signedMessage(
                checkpointBody: Array("not a checkpoint\n".utf8),
                timestamp: 1
            )
        }
    }

    @Test func cosignedCheckpointRoundTrip() throws {
        let checkpoint = Checkpoint(
            origin: "vmtrust.local/log",
            size: 7,
            rootHash: [UInt8](repeating: 0xAB, count: 32),
            extensions: ["x"]
        )
        let log = try Ed25519NoteSigner(name: "vmtrust.local/log", seed: testSeed(30))
        let witnessA = try CosignatureSigner(
            name: "witness-a.example",
            seed: testSeed(31),
            timestamp: 1_700_000_000
        )
        let witnessB = try CosignatureSigner(
            name: "witness-b.example",
            seed: testSeed(32),
            timestamp: 1_700_000_005
        )
        let note = try Note.sign(text: checkpoint.text, signers: [log]).signed(by: [witnessA, witnessB])
        let parsed = try Note(parsing: note.formattedBytes)
        let verifiers = NoteVerifiers([log.verifier, witnessA.verifier, witnessB.verifier])
        #expect(try parsed.verify(using: verifiers).count == 3)
        #expect(witnessA.verifier.verifiedTimestamp(in: parsed) == 1_700_000_000)
        #expect(witnessB.verifier.verifiedTimestamp(in: parsed) == 1_700_000_005)
        // The cosigner key ID uses type 0x04, so it differs from an Ed25519 (0x01) key of the same seed.
        let plain = try Ed25519NoteSigner(name: "witness-a.example", seed: testSeed(31))
        #expect(plain.keyID != witnessA.keyID)
        #expect(plain.verifier.publicKey == witnessA.verifier.publicKey)
        // A witness-only verifier set accepts the note (the log key is unknown and ignored).
        #expect(
            try parsed.verify(using: NoteVerifiers([witnessB.verifier])).map(\.name) == [
                "witness-b.example"
            ]
        )
    }

    @Test func tamperedTimestampRejected() throws {
        let verifier = try CosignatureVerifier(vkey: CosignatureTests.vkey)
        var note = try Note(parsing: Array((CheckpointTests.specNote + CosignatureTests.line).utf8))
        note.signatures[1].signature[7] ^= 0x01  // last byte of the timestamp
        #expect(CosignatureVerifier.timestamp(of: note.signatures[1]) == CosignatureTests.timestamp ^ 1)
        #expect(verifier.verifiedTimestamp(in: note) == nil)
        #expect(throws: noteError(.invalidSignature)) {
            try note.verify(using: NoteVerifiers([verifier]))
        }
    }

    @Test func tamperedBodyAndSignatureRejected() throws {
        let verifier = try CosignatureVerifier(vkey: CosignatureTests.vkey)
        let original = try Note(parsing: Array((CheckpointTests.specNote + CosignatureTests.line).utf8))
        var body = original
        body.text = body.text.replacingOccurrences(of: "20852163", with: "20852164")
        #expect(throws: noteError(.invalidSignature)) {
            try body.verify(using: NoteVerifiers([verifier]))
        }
        var extended = original
        extended.text += "extension\n"
        #expect(throws: noteError(.invalidSignature)) {
            try extended.verify(using: NoteVerifiers([verifier]))
        }
        var truncated = original
        truncated.signatures[1].signature.removeLast()
        #expect(throws: noteError(.invalidSignature)) {
            try truncated.verify(using: NoteVerifiers([verifier]))
        }
        var flipped = original
        flipped.signatures[1].signature[40] ^= 0x10
        #expect(throws: noteError(.invalidSignature)) {
            try flipped.verify(using: NoteVerifiers([verifier]))
        }
    }

    @Test func timestampAboveInt64MaxRejected() throws {
        #expect(throws: noteError(.malformedNote)) {
            try CosignatureSigner(name: "w", seed: testSeed(1), timestamp: UInt64(Int64.max) + 1)
        }
        let signature = NoteSignature(
            name: "w",
            keyID: 1,
            signature: [0x80] + [UInt8](repeating: 0, count: 71)
        )
        #expect(CosignatureVerifier.timestamp(of: signature) == nil)
        let maxSigner = try CosignatureSigner(
            name: "w",
            seed: testSeed(1),
            timestamp: UInt64(Int64.max)
        )
        let note = try Note.sign(text: CheckpointTests.specBody, signers: [maxSigner])
        #expect(maxSigner.verifier.verifiedTimestamp(in: note) == UInt64(Int64.max))
    }

    @Test func cosigningRequiresACheckpoint() throws {
        let signer = try CosignatureSigner(name: "w", seed: testSeed(2), timestamp: 5)
        #expect(throws: noteError(.signingFailed)) {
            try Note.sign(text: "just text\n", signers: [signer])
        }
        // A valid signature over a non-checkpoint text does not verify as a cosignature.
        let notCheckpoint = Array("a\nb\n".utf8)
        #expect(
            !signer.verifier.verify(message: notCheckpoint, signature: [UInt8](repeating: 0, count: 72))
        )
    }

    @Test func cosignatureKeyStrings() throws {
        // An Ed25519 (0x01) key string is not a cosignature key.
        #expect(throws: noteError(.unknownAlgorithm)) {
            try CosignatureVerifier(
                vkey: "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            )
        }
        #expect(throws: noteError(.keyIDMismatch)) {
            try CosignatureVerifier(
                vkey: "witness.example.com/w1+e8498173+BD1AF8PoQ4lakrcKp00bfrycmCzPLsSWjMDNVfEq9GYM"
            )
        }
        #expect(throws: noteError(.malformedKey)) {
            try CosignatureVerifier(
                vkey: "witness.example.com/w1+e8498172+BD1AF8PoQ4lakrcKp00bfrycmCzPLsSWjMDNVfEq9G"
            )
        }
        // A cosignature key is not accepted as a plain Ed25519 note key.
        #expect(throws: noteError(.unknownAlgorithm)) {
            try Ed25519NoteVerifier(vkey: CosignatureTests.vkey)
        }
    }
}
