import Foundation
import Ledger
import Provenance
import SQLiteStore
import Synchronization
import Testing
import TransparencyLog

/// Kills the server with SIGKILL in the middle of a burst of concurrent writes and shows
/// that nothing acknowledged was lost.
@Suite("Crash recovery", .serialized)
struct CrashRecoveryTests {
    struct Acknowledged: Sendable {
        var envelope: [UInt8]
        var receipt: Receipt
    }

    @Test("Every receipt handed out before a SIGKILL still verifies after restart; audit passes, then catches tampering")
    func killDuringBurst() async throws {
        let data = try CLI.temporaryDirectory()
        let initialised = try CLI.run(["init", "--data", data])
        try #require(initialised.status == 0, "\(initialised.stderr)")
        let vkey = try CLI.run(["log", "key", "--data", data]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let verifiers = NoteVerifiers([try Ed25519NoteVerifier(vkey: vkey)])
        let admin = try SigningKey(pem: String(contentsOfFile: data + "/admin-key.pem", encoding: .utf8))

        let server = try ServerProcess(data: data)
        let acknowledged = Locked<[Acknowledged]>([])
        let killed = Locked(false)
        let writers = 8
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var n = writer
                    while true {
                        let payload = Array("{\"writer\":\(writer),\"n\":\(n)}".utf8)
                        let envelope = try DSSEEnvelope.sign(
                            payloadType: "application/vnd.vmtrust.test+json",
                            payload: payload,
                            keys: [admin]
                        )
                        .jsonBytes()
                        n += writers
                        let status: Int
                        let body: [UInt8]
                        do {
                            (status, body) = try await HTTP.post(server.url + "/v1/records", body: envelope)
                        } catch {
                            // Only a dead server may fail a request.
                            #expect(killed.withLock { $0 }, "request failed before the kill: \(error)")
                            return
                        }
                        #expect(status == 201)
                        let receipt = try JSONDecoder().decode(Receipt.self, from: Data(body))
                        acknowledged.withLock { $0.append(Acknowledged(envelope: envelope, receipt: receipt)) }
                    }
                }
            }
            group.addTask {
                while acknowledged.withLock({ $0.count }) < 400 { try await Task.sleep(for: .milliseconds(5)) }
                killed.withLock { $0 = true }
                server.kill()
            }
            try await group.waitForAll()
        }
        let receipts = acknowledged.withLock { $0 }
        #expect(receipts.count >= 400)

        let restarted = try ServerProcess(data: data)
        let (status, checkpointBytes) = try await HTTP.get(restarted.url + "/log/checkpoint")
        #expect(status == 200)
        let note = try Note(parsing: checkpointBytes)
        _ = try note.verify(using: verifiers)
        let latest = try Checkpoint(parsing: note.text)
        let latestRoot = try #require(TreeHash(bytes: latest.rootHash))
        #expect(latest.size >= UInt64(receipts.count))

        var checkedSizes: Set<UInt64> = []
        for item in receipts {
            guard case .valid(let checkpoint) = item.receipt.verify(using: verifiers, envelope: item.envelope) else {
                Issue.record("receipt \(item.receipt.index) does not verify")
                continue
            }
            if checkedSizes.insert(checkpoint.size).inserted {
                let (_, body) = try await HTTP.get(
                    restarted.url + "/v1/log/consistency?from=\(checkpoint.size)&to=\(latest.size)"
                )
                let proof = try JSONDecoder().decode(ConsistencyProofWire.self, from: Data(body))
                #expect(
                    MerkleTree.verifyConsistency(
                        from: checkpoint.size,
                        to: latest.size,
                        oldRoot: try #require(TreeHash(bytes: checkpoint.rootHash)),
                        newRoot: latestRoot,
                        proof: proof.proof.compactMap { TreeHash(base64: $0) }
                    ),
                    "checkpoint \(checkpoint.size) is not consistent with \(latest.size)"
                )
            }
            let (_, body) = try await HTTP.get(
                restarted.url + "/v1/log/inclusion?index=\(item.receipt.index)&size=\(latest.size)"
            )
            let inclusion = try JSONDecoder().decode(InclusionProofWire.self, from: Data(body))
            #expect(
                MerkleTree.verifyInclusion(
                    leafHash: try #require(TreeHash(hex: item.receipt.leafHash)),
                    index: item.receipt.index,
                    size: latest.size,
                    proof: inclusion.proof.compactMap { TreeHash(base64: $0) },
                    root: latestRoot
                )
            )
        }
        restarted.stop()

        let audit = try CLI.run(["log", "audit", "--data", data])
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("ok: \(latest.size) entries"))

        // One flipped byte in one stored entry: audit fails and names it.
        let store = try SQLiteLedgerStore(path: data + "/ledger.sqlite")
        var entry = try #require(try await store.entries(42..<43).first)
        entry[entry.count - 2] ^= 0x20
        try store.tamperForTesting(index: 42, data: entry)
        let tampered = try CLI.run(["log", "audit", "--data", data])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("entry 42"), "\(tampered.stderr)")
    }
}

struct ConsistencyProofWire: Decodable { var proof: [String] }
struct InclusionProofWire: Decodable { var proof: [String] }
