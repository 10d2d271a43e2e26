import Policy
import Provenance
import Testing

@Suite("Evidence selection: latest per (image, predicate type, auditor) in log order")
struct EvidenceSelectionTests {
    static let rules = """
        attestations:
          - predicate_type: "\(Fixture.scan)"
            max_age: 30d
        """

    func decide(_ attestations: [AttestationFact]) throws -> Decision {
        PolicyEngine.evaluate(try Fixture.policy(rules: Self.rules), Fixture.request(), Fixture.facts(attestations: attestations))
    }

    @Test func latestInLogOrderWinsWhateverTheListOrder() throws {
        let older = Fixture.attestation("older-pass", index: 5, result: .pass)
        let newer = Fixture.attestation("newer-fail", ageDays: 2, index: 9, result: .fail)
        let selection = EvidenceSelection([newer, older], image: Fixture.image)
        #expect(selection.current.map(\.record) == [Fixture.record("newer-fail")])
        // A later failure supersedes an earlier pass, even though it was integrated... later in the log.
        #expect(try decide([older, newer]).effect == .deny)
        #expect(try decide([newer, older]).effect == .deny)
        // And a later pass supersedes an earlier failure.
        let laterPass = Fixture.attestation("later-pass", index: 12)
        #expect(try decide([older, newer, laterPass]).effect == .allow)
    }

    @Test func withdrawnLatestCountsAsAbsentAndDoesNotExposeAnOlderOne() throws {
        let older = Fixture.attestation("older", index: 5)
        let withdrawn = Fixture.attestation("withdrawn", index: 9, withdrawn: true)
        let decision = try decide([older, withdrawn])
        #expect(decision.effect == .deny)
        #expect(decision.codes == [.attestationMissing])
        #expect(decision.reasons[0].message.contains("withdrawn or superseded"))
        #expect(
            EvidenceSelection([older, withdrawn], image: Fixture.image).retracted.map(\.record) == [Fixture.record("withdrawn")]
        )
    }

    @Test func supersededCountsAsAbsent() throws {
        let superseded = Fixture.attestation("superseded", index: 9, superseded: true)
        #expect(try decide([superseded]).codes == [.attestationMissing])
    }

    @Test func staleCountsAsAbsent() throws {
        let stale = Fixture.attestation("stale", ageDays: 31, index: 9)
        #expect(try decide([stale]).codes == [.attestationStale])
        // A fresh one from another auditor is enough.
        let other = Fixture.attestation("other", auditor: "auditor-a2", index: 10)
        #expect(try decide([stale, other]).effect == .allow)
    }

    @Test func keysAreSeparatePerAuditorAndType() throws {
        let a1 = Fixture.attestation("a1", auditor: "auditor-a1", index: 1)
        let a2Withdrawn = Fixture.attestation("a2", auditor: "auditor-a2", index: 2, withdrawn: true)
        let auditWithdrawn = Fixture.attestation("audit", type: Fixture.audit, auditor: "auditor-a1", index: 3, withdrawn: true)
        let selection = EvidenceSelection([a1, a2Withdrawn, auditWithdrawn], image: Fixture.image)
        #expect(selection.latest.count == 3)
        #expect(selection.current.map(\.record) == [Fixture.record("a1")])
        #expect(try decide([a1, a2Withdrawn, auditWithdrawn]).effect == .allow)
    }

    @Test func otherImagesAreIgnored() {
        let mine = Fixture.attestation("mine", index: 1)
        let theirs = Fixture.attestation("theirs", index: 2, subject: Fixture.otherImage)
        #expect(EvidenceSelection([mine, theirs], image: Fixture.image).current.map(\.record) == [Fixture.record("mine")])
    }
}
