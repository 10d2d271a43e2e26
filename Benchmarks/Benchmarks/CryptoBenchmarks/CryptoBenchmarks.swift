// Ed25519 / DSSE verification cost: the ceiling that signature checks alone put on
// POST /v1/records (every request verifies one admin signature over a ~1 KiB envelope).
// One iteration = one verification, on one core; `throughput` is verifications per second.
import Benchmark
import BenchSupport
import Crypto
import Provenance

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .cpuTotal, .mallocCountTotal],
        warmupIterations: 100,
        maxDuration: .seconds(5),
        maxIterations: 1_000_000
    )
    let json = BenchFixtures.envelopeJSON(n: 1)
    let envelope = try! DSSEEnvelope(json: json)
    let adminKeys = [BenchFixtures.adminKey.publicKey]
    let message = DSSEEnvelope.pae(payloadType: envelope.payloadType, payload: envelope.payload)
    let signature = envelope.signatures[0].signature
    let raw = try! Curve25519.Signing.PublicKey(rawRepresentation: adminKeys[0].rawEd25519!)
    precondition(json.count > 900 && json.count < 1200, "envelope is \(json.count) bytes")
    precondition(envelope.verifiedKeys(adminKeys).count == 1)

    Benchmark("Ed25519 verify: swift-crypto Curve25519 isValidSignature (PAE ~0.7 KiB)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(raw.isValidSignature(signature, for: message))
        }
    }
    Benchmark("Ed25519 verify: PublicKey.isValidSignature (PAE ~0.7 KiB)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(adminKeys[0].isValidSignature(signature, for: message))
        }
    }
    Benchmark("DSSEEnvelope.verifiedKeys (1 admin key, 1 KiB envelope)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(envelope.verifiedKeys(adminKeys))
        }
    }
    Benchmark("DSSEEnvelope(json:) parse (1 KiB envelope)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! DSSEEnvelope(json: json))
        }
    }
    // What POST /v1/records does before it reaches the ledger (TrustServer.authorize).
    Benchmark("request CPU: parse + verifiedKeys + keyID sets (1 KiB envelope)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            let parsed = try! DSSEEnvelope(json: json)
            let verified = parsed.verifiedKeys(adminKeys)
            let adminIDs = Set(adminKeys.map(\.keyID))
            let verifiedIDs = Set(verified.map(\.keyID))
            blackHole(adminIDs.isSubset(of: verifiedIDs))
        }
    }
}
