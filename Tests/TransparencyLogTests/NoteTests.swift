import Foundation
import Testing
import TransparencyLog

@Suite("Signed notes (c2sp.org/signed-note)")
struct NoteTests {
    // MARK: Known answers from the fixture

    @Test func fixtureCasesVerify() throws {
        let fixtures = try SignedNoteFixtures.load()
        #expect(fixtures.cases.count == 2)
        for testCase in fixtures.cases {
            let verifier = try Ed25519NoteVerifier(vkey: testCase.vkey)
            #expect(verifier.vkey == testCase.vkey, "\(testCase.name)")
            let generic = try NoteVerifiers.verifier(vkey: testCase.vkey)
            #expect(generic.keyID == verifier.keyID)

            let wire = testCase.text + "\n" + testCase.signatureLine
            let note = try Note(parsing: Array(wire.utf8))
            #expect(note.text == testCase.text)
            #expect(note.signatures.count == 1)
            #expect(note.formatted == wire)
            #expect(note.signatures[0].name == verifier.name)
            #expect(note.signatures[0].keyID == verifier.keyID)
            #expect(note.signatures[0].line == testCase.signatureLine)

            let verified = try note.verify(using: NoteVerifiers([verifier]))
            #expect(testCase.valid)
            #expect(verified == note.signatures)
        }
    }

    @Test func fixtureSignerKeyReproducesSignature() throws {
        let fixtures = try SignedNoteFixtures.load()
        let signing = try #require(fixtures.cases.first { $0.skey != nil })
        let skey = try #require(signing.skey)
        let signer = try Ed25519NoteSigner(skey: skey)
        #expect(signer.skey == skey)
        #expect(signer.vkey == signing.vkey)
        #expect(signer.name == "PeterNeumann")
        #expect(signer.keyID == 0xc74f_20a3)
        let note = try Note.sign(text: signing.text, signers: [signer])
        // Ed25519 is deterministic (RFC 8032): byte-for-byte reproduction of Go's published example.
        #expect(note.formatted == signing.text + "\n" + signing.signatureLine)
        #expect(try note.verify(using: NoteVerifiers([signer.verifier])).count == 1)
    }

    @Test func fixtureBadVerifierKeysRejected() throws {
        let fixtures = try SignedNoteFixtures.load()
        #expect(fixtures.badVkeys.count == 2)
        for bad in fixtures.badVkeys {
            let expected: NoteError.Code =
                bad.why.contains("algorithm") ? .unknownAlgorithm : .malformedKey
            #expect(throws: noteError(expected), "\(bad.why)") { try Ed25519NoteVerifier(vkey: bad.vkey) }
            #expect(throws: noteError(expected), "\(bad.why)") {
                try NoteVerifiers.verifier(vkey: bad.vkey)
            }
        }
    }

    @Test func c2spExampleNoteParsesAndFormats() throws {
        // The example at the top of c2sp.org/signed-note (its key is not published: parse only).
        let wire =
            "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n"
            + "— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
        let note = try Note(parsing: Array(wire.utf8))
        // The text keeps its own empty line; only the LAST empty line separates the signatures.
        #expect(
            note.text
                == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
        )
        #expect(note.signatures.count == 1)
        #expect(note.signatures[0].name == "quasimodo.example/salvatore")
        #expect(note.signatures[0].keyID == 0x367b_a04b)
        #expect(note.signatures[0].signature.count == 64)
        #expect(note.formatted == wire)
        #expect(throws: noteError(.noVerifiedSignature)) { try note.verify(using: NoteVerifiers([])) }
    }

    // MARK: Verifier and signer key strings

    @Test(arguments: [
        ("", NoteError.Code.malformedKey),
        ("PeterNeumann", .malformedKey),
        ("PeterNeumann+c74f20a3", .malformedKey),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .invalidName),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .invalidName),
        ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .malformedKey),
        ("PeterNeumann+c74f20a30+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .malformedKey),
        ("PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .malformedKey),
        ("PeterNeumann+-74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .malformedKey),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .keyIDMismatch),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", .malformedKey),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW", .malformedKey),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n", .malformedKey),
        ("PeterNeumann+c74f20a3+", .malformedKey),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==", .malformedKey),
    ])
    func malformedVerifierKeysRejected(vkey: String, code: NoteError.Code) {
        #expect(throws: noteError(code)) { try Ed25519NoteVerifier(vkey: vkey) }
    }

    @Test func upperCaseKeyIDAcceptedAndNormalized() throws {
        let verifier = try Ed25519NoteVerifier(
            vkey: "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        #expect(verifier.vkey == "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    }

    @Test(arguments: [
        (
            "PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            NoteError.Code.malformedKey
        ),
        ("PRIVATE+KEY+PeterNeumann+c74f20a3", .malformedKey),
        (
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            .keyIDMismatch
        ),
        (
            "PRIVATE+KEY+Peter+Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            .malformedKey
        ),
        (
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            .unknownAlgorithm
        ),
        (
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKA==",
            .malformedKey
        ),
        (
            "private+key+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            .malformedKey
        ),
    ])
    func malformedSignerKeysRejected(skey: String, code: NoteError.Code) {
        #expect(throws: noteError(code)) { try Ed25519NoteSigner(skey: skey) }
    }

    @Test func verifierKeyTypeDispatch() throws {
        let ed = try NoteVerifiers.verifier(
            vkey: "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        #expect(ed is Ed25519NoteVerifier)
        let ecdsa = try NoteVerifiers.verifier(vkey: ECDSAVector.vkey)
        #expect(ecdsa is ECDSANoteVerifier)
        // An ECDSA key is not an Ed25519 key and vice versa.
        #expect(throws: noteError(.unknownAlgorithm)) {
            try Ed25519NoteVerifier(vkey: ECDSAVector.vkey)
        }
        #expect(throws: noteError(.unknownAlgorithm)) {
            try ECDSANoteVerifier(
                vkey: "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            )
        }
    }

    @Test func invalidNamesRejectedByKeyConstructors() {
        for name in [
            "", "a b", "a+b", "tab\there", "nbsp\u{00A0}x", "ideographic\u{3000}space", "line\nbreak",
        ] {
            #expect(throws: noteError(.invalidName), "\(name.debugDescription)") {
                try Ed25519NoteSigner(name: name, seed: testSeed(1))
            }
            #expect(throws: noteError(.invalidName), "\(name.debugDescription)") {
                try Ed25519NoteVerifier(name: name, publicKey: [UInt8](repeating: 1, count: 32))
            }
        }
        #expect(throws: noteError(.malformedKey)) {
            try Ed25519NoteSigner(name: "ok", seed: [1, 2, 3])
        }
        #expect(throws: noteError(.malformedKey)) {
            try Ed25519NoteVerifier(name: "ok", publicKey: [1, 2, 3])
        }
    }

    // MARK: Round trips

    @Test func ed25519GenerateSignVerify() throws {
        let (signer, skey, vkey) = Ed25519NoteSigner.generate(name: "vmtrust.example/log")
        #expect(try Ed25519NoteSigner(skey: skey).vkey == vkey)
        let verifier = try Ed25519NoteVerifier(vkey: vkey)
        #expect(verifier.keyID == signer.keyID)
        let note = try Note.sign(text: "hello\nworld\n", signers: [signer])
        let parsed = try Note(parsing: note.formattedBytes)
        #expect(parsed == note)
        #expect(try parsed.verify(using: NoteVerifiers([verifier])) == note.signatures)
        #expect(skey.hasPrefix("PRIVATE+KEY+vmtrust.example/log+"))
        #expect(vkey.hasPrefix("vmtrust.example/log+"))
    }

    @Test func ed25519SeedKeyIDMatchesSpecFormula() throws {
        // RFC 8032 section 7.1 TEST 1 key. Expected key ID = SHA-256(name || 0x0A || 0x01 || pub)[:4], computed
        // independently with Python's hashlib.
        let signer = try Ed25519NoteSigner(
            name: "example.com/test1",
            seed: hexBytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        )
        #expect(
            signer.verifier.publicKey
                == hexBytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        )
        #expect(signer.keyID == 0xa438_0477)
    }

    @Test func ecdsaKnownVectorVerifiesDERAndRaw() throws {
        let verifier = try ECDSANoteVerifier(vkey: ECDSAVector.vkey)
        #expect(verifier.vkey == ECDSAVector.vkey)
        #expect(verifier.keyID == 0x5a7a_78cc)
        #expect(verifier.name == "example.com/ecdsa-log")
        let verifiers = NoteVerifiers([verifier])
        for line in [ECDSAVector.derLine, ECDSAVector.rawLine] {
            let note = try Note(parsing: Array((ECDSAVector.text + "\n" + line).utf8))
            #expect(try note.verify(using: verifiers).count == 1)
            var tampered = note
            tampered.text = ECDSAVector.text.replacingOccurrences(of: "42", with: "43")
            #expect(throws: noteError(.invalidSignature)) { try tampered.verify(using: verifiers) }
        }
    }

    @Test func ecdsaGenerateSignVerify() throws {
        let (signer, vkey) = ECDSANoteSigner.generate(name: "example.com/ecdsa")
        let verifier = try ECDSANoteVerifier(vkey: vkey)
        #expect(verifier.keyID == signer.keyID)
        let rebuilt = try ECDSANoteSigner(name: "example.com/ecdsa", privateKey: signer.privateKey)
        #expect(rebuilt.vkey == vkey)
        let note = try Note.sign(text: "ecdsa round trip\n", signers: [signer])
        // DER signatures start with a SEQUENCE tag.
        #expect(note.signatures[0].signature.first == 0x30)
        let parsed = try Note(parsing: note.formattedBytes)
        #expect(try parsed.verify(using: NoteVerifiers([verifier])).count == 1)
        #expect(throws: noteError(.malformedKey)) {
            try ECDSANoteSigner(name: "x", privateKey: [1, 2])
        }
    }

    @Test func ecdsaMalformedKeysRejected() throws {
        let verifier = try ECDSANoteVerifier(vkey: ECDSAVector.vkey)
        // Wrong key ID.
        let wrongID = ECDSAVector.vkey.replacingOccurrences(of: "+5a7a78cc+", with: "+5a7a78cd+")
        #expect(throws: noteError(.keyIDMismatch)) { try ECDSANoteVerifier(vkey: wrongID) }
        // Truncated SPKI.
        #expect(throws: noteError(.malformedKey)) {
            try ECDSANoteVerifier(name: "x", spkiDER: Array(verifier.spkiDER.dropLast()))
        }
        // Trailing garbage after the SPKI.
        #expect(throws: noteError(.malformedKey)) {
            try ECDSANoteVerifier(name: "x", spkiDER: verifier.spkiDER + [0])
        }
        // An Ed25519 SPKI is not a P-256 key.
        let edSPKI = Base64.decode("MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=")!
        #expect(throws: noteError(.malformedKey)) { try ECDSANoteVerifier(name: "x", spkiDER: edSPKI) }
    }

    @Test func mixedAlgorithmsAndSixteenPlusSignatures() throws {
        var signers: [any NoteSigner] = (0..<18).map {
            try! Ed25519NoteSigner(name: "witness\($0).example", seed: testSeed($0))
        }
        signers.append(ECDSANoteSigner.generate(name: "ecdsa.example").signer)
        let note = try Note.sign(text: "many signatures\n", signers: signers)
        #expect(note.signatures.count == 19)
        let parsed = try Note(parsing: note.formattedBytes)
        let verifiers = NoteVerifiers(
            signers.map { signer -> any NoteVerifier in
                if let ed = signer as? Ed25519NoteSigner { return ed.verifier }
                return (signer as! ECDSANoteSigner).verifier
            }
        )
        let verified = try parsed.verify(using: verifiers)
        #expect(verified.count == 19)
        #expect(verified.map(\.name) == signers.map(\.name))
    }

    @Test func moreThanOneHundredSignaturesRejected() throws {
        let signer = try Ed25519NoteSigner(name: "a", seed: testSeed(0))
        let one = try Note.sign(text: "x\n", signers: [signer]).signatures[0]
        var lines = (0..<100).map {
            NoteSignature(name: "n\($0)", keyID: one.keyID, signature: one.signature)
        }
        let hundred = Note(text: "x\n", signatures: lines)
        #expect(try Note(parsing: hundred.formattedBytes).signatures.count == 100)
        lines.append(one)
        let tooMany = Note(text: "x\n", signatures: lines)
        #expect(throws: noteError(.malformedNote)) { try Note(parsing: tooMany.formattedBytes) }
        #expect(throws: noteError(.malformedNote)) {
            try tooMany.verify(using: NoteVerifiers([signer.verifier]))
        }
    }

    // MARK: Verification policy

    @Test func unknownKeysAreIgnored() throws {
        let known = try Ed25519NoteSigner(name: "known.example", seed: testSeed(1))
        let unknown = try Ed25519NoteSigner(name: "unknown.example", seed: testSeed(2))
        // Same name as the known key but another key (hence key ID): must be ignored too.
        let sameName = try Ed25519NoteSigner(name: "known.example", seed: testSeed(3))
        let note = try Note.sign(text: "text\n", signers: [unknown, known, sameName])
        let verified = try note.verify(using: NoteVerifiers([known.verifier]))
        #expect(verified.map(\.keyID) == [known.keyID])

        let onlyUnknown = try Note.sign(text: "text\n", signers: [unknown, sameName])
        #expect(throws: noteError(.noVerifiedSignature)) {
            try onlyUnknown.verify(using: NoteVerifiers([known.verifier]))
        }
        #expect(throws: noteError(.noVerifiedSignature)) { try note.verify(using: NoteVerifiers([])) }
    }

    @Test func tamperedTextRejected() throws {
        let signer = try Ed25519NoteSigner(name: "log.example", seed: testSeed(4))
        var note = try Note.sign(text: "size 10\n", signers: [signer])
        note.text = "size 11\n"
        #expect(throws: noteError(.invalidSignature)) {
            try note.verify(using: NoteVerifiers([signer.verifier]))
        }
    }

    @Test func oneBadSignatureByAKnownKeyRejectsTheNote() throws {
        let good = try Ed25519NoteSigner(name: "good.example", seed: testSeed(5))
        let bad = try Ed25519NoteSigner(name: "bad.example", seed: testSeed(6))
        var note = try Note.sign(text: "text\n", signers: [good, bad])
        note.signatures[1].signature[0] ^= 1
        let verifiers = NoteVerifiers([good.verifier, bad.verifier])
        #expect(throws: noteError(.invalidSignature)) { try note.verify(using: verifiers) }
        // A duplicate, corrupted signature by the same key is also checked (not skipped).
        var duplicated = try Note.sign(text: "text\n", signers: [good])
        var corrupt = duplicated.signatures[0]
        corrupt.signature[10] ^= 0x80
        duplicated.signatures.append(corrupt)
        #expect(throws: noteError(.invalidSignature)) { try duplicated.verify(using: verifiers) }
        // Identical duplicates verify and are reported once.
        var twice = try Note.sign(text: "text\n", signers: [good])
        twice.signatures.append(twice.signatures[0])
        #expect(try twice.verify(using: verifiers).count == 1)
    }

    @Test func ambiguousVerifiersRejected() throws {
        let signer = try Ed25519NoteSigner(name: "dup.example", seed: testSeed(7))
        let note = try Note.sign(text: "t\n", signers: [signer])
        let verifiers = NoteVerifiers([signer.verifier, signer.verifier])
        #expect(verifiers.verifier(name: signer.name, keyID: signer.keyID) == nil)
        #expect(verifiers.verifiers(name: signer.name, keyID: signer.keyID).count == 2)
        #expect(throws: noteError(.ambiguousKey)) { try note.verify(using: verifiers) }
    }

    @Test func verifiersFromKeyStrings() throws {
        let fixtures = try SignedNoteFixtures.load()
        let verifiers = try NoteVerifiers(vkeys: fixtures.cases.map(\.vkey) + [ECDSAVector.vkey])
        #expect(verifiers.verifier(name: "PeterNeumann", keyID: 0xc74f_20a3) != nil)
        #expect(verifiers.verifier(name: "PeterNeumann", keyID: 0xc74f_20a4) == nil)
        #expect(verifiers.verifier(name: "example.com/ecdsa-log", keyID: 0x5a7a_78cc) != nil)
        #expect(throws: noteError(.unknownAlgorithm)) {
            try NoteVerifiers(vkeys: [fixtures.badVkeys[1].vkey])
        }
    }

    @Test func signingAddsAndReplacesSignatures() throws {
        let log = try Ed25519NoteSigner(name: "log.example", seed: testSeed(8))
        let witness = try Ed25519NoteSigner(name: "witness.example", seed: testSeed(9))
        let note = try Note.sign(text: "body\n", signers: [log])
        let cosigned = try note.signed(by: [witness])
        #expect(cosigned.signatures.map(\.name) == ["log.example", "witness.example"])
        let resigned = try cosigned.signed(by: [log])
        #expect(resigned.signatures.map(\.name) == ["witness.example", "log.example"])
        #expect(try resigned.verify(using: NoteVerifiers([log.verifier, witness.verifier])).count == 2)
    }

    @Test func signingRejectsBadInput() throws {
        let signer = try Ed25519NoteSigner(name: "s.example", seed: testSeed(10))
        #expect(throws: noteError(.malformedNote)) {
            try Note.sign(text: "no newline", signers: [signer])
        }
        #expect(throws: noteError(.malformedNote)) { try Note.sign(text: "", signers: [signer]) }
        #expect(throws: noteError(.malformedNote)) {
            try Note.sign(text: "tab\there\n", signers: [signer])
        }
        #expect(throws: noteError(.malformedNote)) { try Note.sign(text: "cr\r\n", signers: [signer]) }
        #expect(throws: noteError(.malformedNote)) {
            try Note.sign(text: "twice\n", signers: [signer, signer])
        }
        #expect(throws: noteError(.invalidName)) {
            try Note.sign(text: "x\n", signers: [BadNameSigner()])
        }
        #expect(throws: noteError(.signingFailed)) {
            try Note.sign(text: "x\n", signers: [FailingSigner()])
        }
        // A text ending in empty lines still round-trips: only the last empty line separates.
        let blankTail = try Note.sign(text: "a\n\n", signers: [signer])
        let parsed = try Note(parsing: blankTail.formattedBytes)
        #expect(parsed.text == "a\n\n")
        #expect(try parsed.verify(using: NoteVerifiers([signer.verifier])).count == 1)
    }

    // MARK: Malformed notes

    static let validWire =
        "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n"
        + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    static let mangled: [(String, String)] = [
        ("missing blank line", validWire.replacingOccurrences(of: "is.\n\n—", with: "is.\n—")),
        ("missing final newline", String(validWire.dropLast())),
        ("no signatures", "text\n\n"),
        ("empty input", ""),
        ("only text", "text\n"),
        ("trailing blank line", validWire + "\n"),
        ("bad base64", validWire.replacingOccurrences(of: "x08go/", with: "x08go!")),
        ("base64 without padding", validWire.replacingOccurrences(of: "nAM=\n", with: "nAM\n")),
        ("url-safe base64", validWire.replacingOccurrences(of: "x08go/", with: "x08go_")),
        (
            "non-canonical base64 trailing bits",
            validWire.replacingOccurrences(of: "nAM=\n", with: "nAN=\n")
        ),
        ("signature of 4 bytes (key ID only)", "text\n\n— name AAAAAA==\n"),
        ("signature of 3 bytes", "text\n\n— name AAAA\n"),
        ("empty signature", "text\n\n— name \n"),
        ("no space before signature", "text\n\n— nameAAAAAAA=\n"),
        ("hyphen instead of em dash", validWire.replacingOccurrences(of: "— ", with: "- ")),
        ("en dash instead of em dash", validWire.replacingOccurrences(of: "— ", with: "\u{2013} ")),
        ("em dash without space", validWire.replacingOccurrences(of: "— ", with: "—")),
        ("empty name", validWire.replacingOccurrences(of: "— PeterNeumann ", with: "—  ")),
        ("name with plus", validWire.replacingOccurrences(of: "PeterNeumann", with: "Peter+Neumann")),
        ("name with space", validWire.replacingOccurrences(of: "PeterNeumann", with: "Peter Neumann")),
        (
            "name with no-break space",
            validWire.replacingOccurrences(of: "PeterNeumann", with: "Peter\u{00A0}Neumann")
        ),
        ("extra space after signature", validWire.replacingOccurrences(of: "nAM=\n", with: "nAM= \n")),
        ("carriage return", validWire.replacingOccurrences(of: "nAM=\n", with: "nAM=\r\n")),
        ("tab in text", validWire.replacingOccurrences(of: "If you", with: "If\tyou")),
        ("NUL in text", validWire.replacingOccurrences(of: "If you", with: "If\u{0}you")),
        ("text line after signatures", validWire + "more\n"),
    ]

    @Test(arguments: mangled)
    func mangledNotesRejected(why: String, wire: String) {
        #expect(throws: noteError(.malformedNote), "\(why)") { try Note(parsing: Array(wire.utf8)) }
    }

    @Test func invalidUTF8Rejected() {
        var bytes = Array(NoteTests.validWire.utf8)
        bytes[3] = 0xFF
        #expect(throws: noteError(.malformedNote)) { try Note(parsing: bytes) }
        // An overlong encoding of "/" inside the text.
        var overlong = Array("a\n\n".utf8)
        overlong.insert(contentsOf: [0xC0, 0xAF], at: 0)
        #expect(throws: noteError(.malformedNote)) {
            try Note(parsing: overlong + Array("— n AAAAAAA=\n".utf8))
        }
    }

    @Test func validWireControlParses() throws {
        // Guards the mangled-note table: its base input must itself be valid.
        let note = try Note(parsing: Array(NoteTests.validWire.utf8))
        #expect(
            try note.verify(
                using: NoteVerifiers(vkeys: [
                    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
                ])
            ).count == 1
        )
    }

    @Test func errorDescriptionsAreStable() {
        let error = NoteError.malformedNote("bad")
        #expect(error.code.description == "malformedNote")
        #expect(error.description == "NoteError.malformedNote: bad")
        #expect(error == NoteError.malformedNote("other message"))
        #expect(error != NoteError.invalidSignature("bad"))
    }
}

/// The ECDSA P-256 note vector generated with Python `cryptography` (independent implementation):
/// private scalar C9AFA9D8…0F6721 (RFC 6979 A.2.5), key ID = SHA-256(SPKI DER)[:4], DER and raw r||s forms.
enum ECDSAVector {
    static let vkey =
        "example.com/ecdsa-log+5a7a78cc+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGD+1LolWp0xyWHrdMY1bWjASbiSO2H6bOZpYi5g8p+2eQP+EAi4vJmkGunpVii8ZPLxsgwtfp9Rd6PClNRGIpk="
    static let text = "example.com/ecdsa-log\n42\nLXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE=\n"
    static let derLine =
        "— example.com/ecdsa-log Wnp4zDBEAiApqFs01Qw6PO/5e5mrOP6lpYyAUX8RX79xLDhTBUGfYQIgV+D+DMdIeCMC9Sw7eQoHBtVG/I6s3B1gutzhioqxvOM=\n"
    static let rawLine =
        "— example.com/ecdsa-log Wnp4zCmoWzTVDDo87/l7mas4/qWljIBRfxFfv3EsOFMFQZ9hV+D+DMdIeCMC9Sw7eQoHBtVG/I6s3B1gutzhioqxvOM=\n"
}

private struct BadNameSigner: NoteSigner {
    var name: String { "bad name" }
    var keyID: UInt32 { 1 }
    func sign(_ message: [UInt8]) throws -> [UInt8] { [1] }
}

private struct FailingSigner: NoteSigner {
    struct Failure: Error {}
    var name: String { "failing" }
    var keyID: UInt32 { 1 }
    func sign(_ message: [UInt8]) throws -> [UInt8] { throw Failure() }
}
