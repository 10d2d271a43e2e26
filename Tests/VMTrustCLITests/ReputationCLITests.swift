import Foundation
import Ledger
import Provenance
import SQLiteStore
import Testing

@Suite("Reputation from the command line")
struct ReputationCLITests {
    @Test("vmtrust reputation replay: 0 when the stored state is the replay, 1 on a difference, 2 on bad input")
    func replay() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = root + "/data"
        #expect(try CLI.run(["init", "--data", data]).status == 0)
        let server = try ServerProcess(data: data)
        let common = ["--server", server.url, "--data", data]
        let acme = root + "/acme.pem"
        #expect(try CLI.run(["key", "generate", "--out", acme]).status == 0)
        let onboarded = try CLI.run(
            [
                "provider", "onboard", "--id", "acme", "--name", "Acme", "--provider-key", acme, "--reputation", "70",
                "--key", data + "/admin-key.pem",
            ] + common
        )
        #expect(onboarded.status == 0, "\(onboarded.stderr)")
        let image = root + "/image.raw"
        try Data(repeating: 3, count: 4096).write(to: URL(fileURLWithPath: image))
        #expect(try CLI.run(["image", "register", image, "--provider", "acme", "--key", acme] + common).status == 0)
        server.stop()

        let clean = try CLI.run(["reputation", "replay", "--data", data])
        #expect(clean.status == 0, "\(clean.stdout) \(clean.stderr)")
        #expect(clean.stdout.contains("ok: 3 entries, 3 records"), "\(clean.stdout)")
        let json = try CLI.run(["reputation", "replay", "--data", data, "--json"])
        #expect(json.status == 0)
        #expect(json.stdout.contains(#""ok":true"#), "\(json.stdout)")

        // Bad input: exit 2.
        #expect(try CLI.run(["reputation", "replay", "--data", data, "--tolerance", "-1"]).status == 2)
        #expect(try CLI.run(["reputation", "replay", "--data", root + "/nowhere"]).status == 2)

        // The onboarding entry rewritten to another initial reputation (its signature no longer verifies, which
        // `log audit` reports): the replay differs from the stored state.
        let store = try SQLiteLedgerStore(path: data + "/ledger.sqlite")
        let bytes = try #require(try await store.entries(1..<2).first)
        let entry = try LedgerEntry(encoded: bytes)
        let envelope = try DSSEEnvelope(json: entry.envelope)
        guard case .providerOnboard(var onboard) = try Record.decode(envelope) else {
            Issue.record("entry 1 is not the onboarding")
            return
        }
        onboard.initialReputation = 20
        let forged = DSSEEnvelope(
            payloadType: envelope.payloadType,
            payload: Record.providerOnboard(onboard).encoded(),
            signatures: envelope.signatures
        )
        let rewritten = LedgerEntry(index: 1, integratedAtMillis: entry.integratedAtMillis, envelope: forged.jsonBytes())
        try store.tamperForTesting(index: 1, data: rewritten.encoded)
        let tampered = try CLI.run(["reputation", "replay", "--data", data])
        #expect(tampered.status == 1, "\(tampered.stdout) \(tampered.stderr)")
        #expect(tampered.stdout.contains("acme SEC.r"), "\(tampered.stdout)")
        // Verifying every signature again refuses the rewritten entry.
        let verified = try CLI.run(["reputation", "replay", "--data", data, "--verify-signatures"])
        #expect(verified.status == 1)
        #expect(verified.stdout.contains("entry 1 refused on replay"), "\(verified.stdout)")
    }
}
