import Foundation
import Ledger
import Provenance
import Testing
import TransparencyLog
import VMTrustTesting

/// Version 3 bundles (policy facts): every attestation whatever its status, the withdrawals, the newer versions of
/// the lineage, and the server's reputation section; verified, tampered with, and read beside versions 1 and 2.
@Suite("Provenance bundles with policy facts (version 3)")
struct FactsBundleTests {
    typealias B = BundleTests

    @Test("A version 3 bundle holds every attestation, the withdrawal, the newer versions and the reputation section")
    func contents() async throws {
        let world = try await AttestationBundleTests().attested()
        let log = world.log
        let facts = try #require(try await log.ledger.bundle(forImage: B.digest(2), facts: true))
        let plain = try #require(try await log.ledger.bundle(forImage: B.digest(2)))
        #expect(facts.version == ProvenanceBundle.factsVersion)
        #expect(plain.version == ProvenanceBundle.currentVersion)
        #expect(plain.reputation == nil)
        // Image 2's newer version (3) is in it; the plain bundle of 2 does not hold it.
        let ids = try facts.entries.map { RecordID(payload: try DSSEEnvelope(json: $0.envelope).payload) }
        #expect(ids.contains(log.update.recordID))
        #expect(Set(plain.entries.map(\.index)).isSubset(of: Set(facts.entries.map(\.index))))

        let attested = try #require(try await log.ledger.bundle(forImage: B.digest(3), facts: true))
        let attestedIDs = try attested.entries.map { RecordID(payload: try DSSEEnvelope(json: $0.envelope).payload) }
        for receipt in [world.superseded, world.current, world.withdrawn] {
            #expect(attestedIDs.contains(receipt.recordID))
        }
        let reputation = try #require(attested.reputation)
        #expect(reputation.source == "server")
        #expect(reputation.provider == "acme")
        #expect(reputation.logSize == (await log.ledger.latestCheckpoint).size)

        let verdict = await log.verify(attested, image: B.digest(3))
        #expect(verdict.isValid, "\(verdict.failures)")
        #expect(verdict.attestations.map(\.status) == ["superseded", "current", "withdrawn"])
        #expect(verdict.attestations.filter { $0.status == "current" }.map(\.recordID) == [world.current.recordID])

        // Through JSON and back.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(attested)
        #expect(try JSONDecoder().decode(ProvenanceBundle.self, from: json) == attested)
    }

    @Test("The reputation section must fit the bundle: its log size and provider; mangled sections are refused")
    func inconsistent() async throws {
        let world = try await AttestationBundleTests().attested()
        let bundle = try #require(try await world.log.ledger.bundle(forImage: B.digest(3), facts: true))
        var resized = bundle
        resized.reputation?.logSize += 1
        #expect(await world.log.verify(resized).contains(.reputationInconsistent))
        var other = bundle
        other.reputation?.provider = "globex"
        #expect(await world.log.verify(other).contains(.reputationInconsistent))

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(bundle), as: UTF8.self)
        #expect(json.contains(#""source":"server""#))
        let mangled = [
            json.replacingOccurrences(of: #""source":"server""#, with: #""source":"offline""#),
            json.replacingOccurrences(of: #""version":3"#, with: #""version":2"#),
            json.replacingOccurrences(of: #""version":3"#, with: #""version":4"#),
            json.replacingOccurrences(of: #""logSize":"#, with: #""logSize":-"#),
            json.replacingOccurrences(of: #","source":"server""#, with: ""),
        ]
        for text in mangled {
            #expect(text != json)
            #expect(throws: (any Error).self) { try JSONDecoder().decode(ProvenanceBundle.self, from: Data(text.utf8)) }
        }
        // A version 1 or 2 bundle carrying a reputation section is refused too.
        var plain = try #require(try await world.log.ledger.bundle(forImage: B.digest(3)))
        plain.reputation = bundle.reputation
        #expect(throws: (any Error).self) { try JSONDecoder().decode(ProvenanceBundle.self, from: try encoder.encode(plain)) }
    }
}
