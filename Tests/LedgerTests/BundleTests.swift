import Foundation
import Ledger
import Provenance
import Testing
import TransparencyLog
import VMTrustTesting

/// Provenance bundles: assembled from a ledger, verified offline, and every part tampered with.
@Suite("Provenance bundles")
struct BundleTests {
    static func key(_ byte: UInt8) -> SigningKey { try! SigningKey(ed25519Seed: [UInt8](repeating: byte, count: 32)) }
    static let admin = key(0xA1)
    static let acme = key(0x01)
    static let acmeNext = key(0x02)
    static let globex = key(0x11)
    static let t0: Int64 = 1_788_220_800_000

    static func digest(_ byte: UInt8) -> String { "sha256:" + String(repeating: String(format: "%02x", byte), count: 32) }

    /// A ledger with a lineage: root and patch signed by Acme's first key, a rotation to its next key, an update
    /// signed by the next key; Globex's records in between.
    struct Lineage {
        let ledger: Ledger
        let clock: TestClock
        var root: Receipt! = nil
        var patch: Receipt! = nil
        var rotation: Receipt! = nil
        var update: Receipt! = nil

        /// The next integration time (every submit advances the clock by a second).
        var next: Int64 { clock.now() + 1000 }

        @discardableResult
        func submit(_ record: Record, by keys: [SigningKey]) async throws -> Receipt {
            clock.advance(byMillis: 1000)
            let envelope = try record.signed(by: keys)
            return try await ledger.submit(
                envelope: envelope.jsonBytes(),
                recordID: RecordID(payload: envelope.payload),
                context: envelope
            )
        }

        func verify(_ bundle: ProvenanceBundle, image: String? = nil) async -> BundleVerdict {
            await BundleVerifier(logKey: TestKeys.logVerifiers).verify(bundle, imageDigest: image)
        }

        func bundle(_ digest: String) async throws -> ProvenanceBundle {
            try #require(try await ledger.bundle(forImage: digest))
        }
    }

    func lineage() async throws -> Lineage {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let ledger = try await Ledger(
            store: InMemoryLedgerStore(),
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            admission: TestKeys.admission,
            clock: { clock.now() }
        )
        var log = Lineage(ledger: ledger, clock: clock)
        try await log.submit(
            .genesis(GenesisRecord(adminKeys: [Self.admin.publicKey], threshold: 1, origin: TestKeys.origin, time: log.next)),
            by: [Self.admin]
        )
        for (id, key) in [("acme", Self.acme), ("globex", Self.globex)] {
            let onboard = ProviderOnboardRecord(
                id: id,
                displayName: id,
                keys: [KeyGrant(key: key.publicKey)],
                initialReputation: 60,
                time: log.next
            )
            try await log.submit(.providerOnboard(onboard), by: [Self.admin])
        }
        log.root = try await log.submit(
            .imageRegister(
                ImageRegisterRecord(
                    digest: Self.digest(1),
                    provider: "acme",
                    name: "debian-12",
                    format: .qcow2,
                    size: 1 << 30,
                    initialReputation: 60,
                    time: log.next
                )
            ),
            by: [Self.acme]
        )
        try await log.submit(
            .imageRegister(
                ImageRegisterRecord(
                    digest: Self.digest(9),
                    provider: "globex",
                    name: "other",
                    format: .raw,
                    size: 1,
                    initialReputation: 60,
                    time: log.next
                )
            ),
            by: [Self.globex]
        )
        log.patch = try await log.submit(
            .imageModify(
                ImageModifyRecord(
                    digest: Self.digest(2),
                    provider: "acme",
                    previous: log.root.recordID,
                    change: .patch,
                    description: "openssl",
                    time: log.next
                )
            ),
            by: [Self.acme]
        )
        log.rotation = try await log.submit(
            .keyRotation(
                KeyRotationRecord(
                    provider: "acme",
                    oldKeyID: Self.acme.publicKey.keyID,
                    newKey: Self.acmeNext.publicKey,
                    effectiveAt: log.next,
                    time: log.next
                )
            ),
            by: [Self.admin]
        )
        log.update = try await log.submit(
            .imageModify(
                ImageModifyRecord(
                    digest: Self.digest(3),
                    provider: "acme",
                    previous: log.patch.recordID,
                    change: .update,
                    description: "12.7",
                    time: log.next
                )
            ),
            by: [Self.acmeNext]
        )
        return log
    }

    /// A bundle re-sealed by a log that signs whatever it is given (the test log key): entries re-indexed
    /// from 0, proofs and checkpoint rebuilt over exactly these entries. Only the record checks stand.
    static func resealed(_ bundle: ProvenanceBundle) throws -> ProvenanceBundle {
        var out = bundle
        for offset in out.entries.indices { out.entries[offset].index = UInt64(offset) }
        let leaves = out.entries.map(\.ledgerEntry.leafHash)
        for offset in out.entries.indices {
            out.entries[offset].inclusionProof = try MerkleTree.inclusionProof(index: UInt64(offset), leafHashes: leaves)
        }
        let text = Checkpoint(
            origin: TestKeys.origin,
            size: UInt64(leaves.count),
            rootHash: MerkleTree.root(leafHashes: leaves).bytes
        ).text
        out.checkpoint = try Note.sign(text: text, signers: [TestKeys.logSigner]).formatted
        return out
    }

    static func position(of id: RecordID, in bundle: ProvenanceBundle) throws -> Int {
        try #require(
            bundle.entries.firstIndex { entry in
                (try? DSSEEnvelope(json: entry.envelope)).map { RecordID(payload: $0.payload) } == id
            }
        )
    }

    @Test("A bundle holds genesis, the provider's governance and the chain, and verifies")
    func valid() async throws {
        let log = try await lineage()
        let bundle = try await log.bundle(Self.digest(3))
        #expect(bundle.version == 1)
        #expect(bundle.subject == Self.digest(3))
        #expect(bundle.record == log.update.recordID)
        #expect(bundle.origin == TestKeys.origin)
        // genesis 0, acme onboard 1, root 3, patch 5, rotation 6, update 7 (Globex's 2 and 4 are not needed).
        #expect(bundle.entries.map(\.index) == [0, 1, 3, 5, 6, 7])
        for entry in bundle.entries {
            #expect(try await log.ledger.entry(at: entry.index)?.envelope == entry.envelope)
        }

        let verdict = await log.verify(bundle, image: Self.digest(3))
        #expect(verdict.isValid, "\(verdict.failures)")
        #expect(verdict.isActive)
        #expect(verdict.status == .active)
        #expect(verdict.checkpoint?.size == 8)
        #expect(verdict.chain.map(\.recordID) == [log.root.recordID, log.patch.recordID, log.update.recordID])
        #expect(verdict.chain.map(\.kind) == [.imageRegister, .imageModify, .imageModify])
        #expect(verdict.chain.map(\.index) == [3, 5, 7])
        #expect(
            verdict.chain.map(\.signerKeyID) == [
                Self.acme.publicKey.keyID, Self.acme.publicKey.keyID, Self.acmeNext.publicKey.keyID,
            ]
        )
        #expect(verdict.chain.allSatisfy { $0.valid && $0.status == .active })
        #expect(verdict.statusTime == log.update.integratedAtMillis)

        // The root's bundle has a one-record chain; an unknown digest has no bundle.
        let rootVerdict = await log.verify(try await log.bundle(Self.digest(1)))
        #expect(rootVerdict.isValid)
        #expect(rootVerdict.chain.map(\.recordID) == [log.root.recordID])
        #expect(try await log.ledger.bundle(forImage: Self.digest(7)) == nil)

        // A re-sealed bundle still verifies: the tamper tests below that re-seal only break what they change.
        #expect(await log.verify(try Self.resealed(bundle)).isValid)
    }

    @Test("Bundle, version 1: the JSON shape and bytes are stable")
    func golden() throws {
        let bundle = ProvenanceBundle(
            origin: "vmtrust.test/log",
            checkpoint: "vmtrust.test/log\n2\nAAAA\n\n— vmtrust.test/log AAAA\n",
            subject: Self.digest(0xAB),
            record: RecordID(payload: Array("{}".utf8)),
            entries: [
                ProvenanceBundle.Entry(
                    index: 1,
                    integratedTime: 1_788_220_800_123,
                    envelope: Array(#"{"payloadType":"t"}"#.utf8),
                    inclusionProof: [TreeHash(bytes: [UInt8](repeating: 7, count: 32))!]
                )
            ]
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(bundle), as: UTF8.self)
        let expected =
            #"{"checkpoint":"vmtrust.test/log\n2\nAAAA\n\n— vmtrust.test/log AAAA\n","entries":[{"envelope":"eyJwYXlsb2FkVHlwZSI6InQifQ==","#
            + #""inclusionProof":["BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="],"index":1,"integratedTime":1788220800123}],"#
            + #""origin":"vmtrust.test/log","record":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","#
            + #""subject":"sha256:abababababababababababababababababababababababababababababababab","version":1}"#
        #expect(json == expected)
        #expect(try JSONDecoder().decode(ProvenanceBundle.self, from: Data(json.utf8)) == bundle)

        // Every mangled field is refused when decoding.
        let mangled = [
            json.replacingOccurrences(of: #""version":1"#, with: #""version":3"#),
            json.replacingOccurrences(of: "eyJwYXlsb2FkVHlwZSI6InQifQ==", with: "eyJwYXlsb2FkVHlwZSI6InQifQ"),
            json.replacingOccurrences(of: "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=", with: "BwcH"),
            json.replacingOccurrences(of: "sha256:44136f", with: "sha256:zz136f"),
            json.replacingOccurrences(of: #""index":1,"#, with: #""index":-1,"#),
            json.replacingOccurrences(of: #","version":1"#, with: ""),
        ]
        for text in mangled {
            #expect(text != json)
            #expect(throws: (any Error).self) { try JSONDecoder().decode(ProvenanceBundle.self, from: Data(text.utf8)) }
        }
    }

    @Test("A tampered checkpoint fails: its signature, the log key, its root")
    func checkpoint() async throws {
        let log = try await lineage()
        let bundle = try await log.bundle(Self.digest(3))

        var signature = bundle
        signature.checkpoint = bundle.checkpoint.replacingOccurrences(of: "\n8\n", with: "\n9\n")
        #expect(signature.checkpoint != bundle.checkpoint)
        let unsigned = await log.verify(signature)
        #expect(unsigned.failures.map(\.code) == [.checkpointInvalid])
        #expect(unsigned.failures.first?.description.hasPrefix("checkpoint:") == true)

        let stranger = try Ed25519NoteSigner(name: TestKeys.origin, seed: [UInt8](repeating: 0x44, count: 32))
        let otherKey = await BundleVerifier(logKey: NoteVerifiers([stranger.verifier])).verify(bundle)
        #expect(otherKey.failures.map(\.code) == [.checkpointInvalid])

        // A checkpoint correctly signed by the log key over another root: no entry is proven.
        var root = bundle
        let text = Checkpoint(origin: TestKeys.origin, size: 8, rootHash: [UInt8](repeating: 1, count: 32)).text
        root.checkpoint = try Note.sign(text: text, signers: [TestKeys.logSigner]).formatted
        let wrongRoot = await log.verify(root)
        #expect(!wrongRoot.isValid)
        #expect(wrongRoot.failures.filter { $0.code == .inclusionProof }.count == bundle.entries.count)
        #expect(wrongRoot.contains(.chainBroken))
    }

    @Test("A tampered entry fails its inclusion proof: envelope byte, proof hash, index, integration time")
    func entries() async throws {
        let log = try await lineage()
        let bundle = try await log.bundle(Self.digest(3))
        let patch = try Self.position(of: log.patch.recordID, in: bundle)
        let index = bundle.entries[patch].index

        func expectInclusionFailure(_ tampered: ProvenanceBundle, at index: UInt64, _ comment: Comment) async {
            let verdict = await log.verify(tampered)
            #expect(!verdict.isValid, comment)
            let failure = verdict.failures.first
            #expect(failure?.code == .inclusionProof, comment)
            #expect(failure?.entry == index, comment)
            #expect(failure?.description == "entry \(index): inclusion proof does not match the checkpoint", comment)
        }

        var envelope = bundle
        let at = envelope.entries[patch].envelope.count / 2
        envelope.entries[patch].envelope[at] ^= 0x01
        await expectInclusionFailure(envelope, at: index, "envelope byte")

        var proof = bundle
        var bytes = proof.entries[patch].inclusionProof[0].bytes
        bytes[0] ^= 0x80
        proof.entries[patch].inclusionProof[0] = try #require(TreeHash(bytes: bytes))
        await expectInclusionFailure(proof, at: index, "proof hash")

        var time = bundle
        time.entries[patch].integratedTime += 1
        await expectInclusionFailure(time, at: index, "integration time")

        // Moved to an index that is free in the bundle (keeps log order): still not the proven leaf.
        var moved = bundle
        moved.entries[patch].index = index - 1
        #expect(bundle.entries[patch - 1].index < index - 1)
        await expectInclusionFailure(moved, at: index - 1, "index")

        var beyond = bundle
        beyond.entries[beyond.entries.count - 1].index = 8
        #expect(await log.verify(beyond).failures.first?.code == .entryOutOfRange)

        var reordered = bundle
        reordered.entries.swapAt(patch, patch + 1)
        let order = await log.verify(reordered)
        #expect(order.failures.first?.code == .entryOrder)
        #expect(order.failures.first?.entry == bundle.entries[patch].index)
    }

    @Test("Records are replayed by the chain rules: a forged signature, a dropped governance record or chain link")
    func records() async throws {
        let log = try await lineage()
        let bundle = try await log.bundle(Self.digest(3))
        let root = try Self.position(of: log.root.recordID, in: bundle)
        let patch = try Self.position(of: log.patch.recordID, in: bundle)
        let rotation = try Self.position(of: log.rotation.recordID, in: bundle)
        let update = try Self.position(of: log.update.recordID, in: bundle)

        // A log that signs anything cannot forge a provider's signature.
        var forged = bundle
        var envelope = try DSSEEnvelope(json: forged.entries[root].envelope)
        envelope.signatures[0].signature[5] ^= 0x01
        forged.entries[root].envelope = envelope.jsonBytes()
        let signature = await log.verify(try Self.resealed(forged))
        #expect(signature.failures.first?.code == .recordRejected)
        #expect(signature.failures.first?.entry == UInt64(root))
        #expect(signature.failures.first?.rejection == .notSignedByProvider)
        #expect(signature.contains(.chainBroken))
        #expect(signature.status == nil)

        // Without the rotation, the update's key was never Acme's.
        var governance = bundle
        governance.entries.remove(at: rotation)
        let unauthorised = await log.verify(governance)
        #expect(unauthorised.failures.first?.code == .recordRejected)
        #expect(unauthorised.failures.first?.entry == bundle.entries[update].index)
        #expect(unauthorised.failures.first?.rejection == .notSignedByProvider)
        #expect(unauthorised.chain.last?.valid == false)

        // Without the patch, the update links to nothing.
        var link = bundle
        link.entries.remove(at: patch)
        let broken = await log.verify(link)
        #expect(broken.failures.first?.code == .recordRejected)
        #expect(broken.failures.first?.rejection == .unknownRecord)
        #expect(broken.contains(.chainBroken))
        #expect(broken.chain.count == 1)

        // Without the genesis, nothing is admitted.
        var genesis = bundle
        genesis.entries.removeFirst()
        #expect(await log.verify(genesis).failures.first?.rejection == .noGovernance)
    }

    @Test("The subject and the image file must match the record")
    func subject() async throws {
        let log = try await lineage()
        let bundle = try await log.bundle(Self.digest(3))

        var swapped = bundle
        swapped.subject = Self.digest(2)
        let subject = await log.verify(swapped)
        #expect(subject.failures.map(\.code) == [.subjectMismatch])

        var record = bundle
        record.record = log.patch.recordID
        #expect(await log.verify(record).failures.map(\.code) == [.subjectMismatch])

        var missing = bundle
        missing.record = RecordID(payload: [1, 2, 3])
        #expect(await log.verify(missing).failures.map(\.code) == [.chainBroken])

        let image = await log.verify(bundle, image: Self.digest(4))
        #expect(image.failures.map(\.code) == [.imageDigestMismatch])
        #expect(await log.verify(bundle, image: Self.digest(3)).isValid)
    }

    @Test("A revoked image has a valid bundle that proves it is revoked")
    func revoked() async throws {
        let log = try await lineage()
        let revoke = try await log.submit(
            .imageRevoke(
                ImageRevokeRecord(provider: "acme", target: log.root.recordID, reason: "bad base", inherit: true, time: log.next)
            ),
            by: [Self.acmeNext]
        )
        let bundle = try await log.bundle(Self.digest(3))
        #expect(bundle.entries.last?.index == revoke.index)
        let verdict = await log.verify(bundle)
        #expect(verdict.isValid, "\(verdict.failures)")
        #expect(!verdict.isActive)
        guard case .revoked(let by, let inheritedFrom, _) = verdict.status else {
            Issue.record("the update should be revoked by inheritance, is \(String(describing: verdict.status))")
            return
        }
        #expect(by == revoke.recordID)
        #expect(inheritedFrom == log.root.recordID)

        // Dropping the revocation is not detectable as a failure, but a forged one is.
        var forged = bundle
        var envelope = try DSSEEnvelope(json: forged.entries[forged.entries.count - 1].envelope)
        envelope.signatures[0].signature[0] ^= 0x01
        forged.entries[forged.entries.count - 1].envelope = envelope.jsonBytes()
        #expect(await log.verify(try Self.resealed(forged)).failures.first?.rejection == .notSignedByProvider)
    }

    @Test("A back-dated key revocation invalidates the records signed with the key after its effective time")
    func backdatedRevocation() async throws {
        let log = try await lineage()
        // Acme's next key was compromised just before it signed the update.
        _ = try await log.submit(
            .keyRevocation(
                KeyRevocationRecord(
                    provider: "acme",
                    keyID: Self.acmeNext.publicKey.keyID,
                    effectiveAt: log.update.integratedAtMillis - 1,
                    reason: "key leaked",
                    time: log.next
                )
            ),
            by: [Self.admin]
        )
        let bundle = try await log.bundle(Self.digest(3))
        let verdict = await log.verify(bundle)
        #expect(!verdict.isValid)
        let failure = try #require(verdict.failures.first)
        #expect(failure.code == .keyInvalidated)
        #expect(failure.entry == log.update.index)
        #expect(failure.rejection == .keyRevoked)
        #expect(verdict.chain.map(\.valid) == [true, true, false])

        // Records signed before the effective time, and with other keys, stay valid.
        let patch = await log.verify(try await log.bundle(Self.digest(2)))
        #expect(patch.isValid, "\(patch.failures)")
        #expect(patch.status == .active)
    }
}
