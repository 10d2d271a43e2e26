import DeterministicRandom
import Foundation
import Ledger
import Provenance
import Testing
import TransparencyLog

@testable import TrustServer

/// `Receipt.jsonBytes()` writes receipts without `JSONEncoder`; the answer to every append must stay exactly what
/// `JSONEncoder` (sorted keys, unescaped slashes) wrote before.
struct ReceiptJSONTests {
    static func encoderText(_ receipt: Receipt) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(receipt), as: UTF8.self)
    }

    static func hash(_ random: inout SplitMix64) -> TreeHash {
        TreeHash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) })!
    }

    @Test("Receipts of every shape are written as JSONEncoder writes them")
    func sameBytes() throws {
        var random = SplitMix64(seed: 0x5EC_E1F7)
        // A signed note: newlines, an em dash, base64 with "/" and "+"; and text that needs escaping.
        let checkpoints = [
            "vmtrust.example/log\n12\nq1w/e+r=\n\n— vmtrust.example/log AAAAAQ/+xyz==\n",
            "quote \" backslash \\ tab \t control \u{01} \u{7F} é 😀",
            "",
        ]
        var receipts: [Receipt] = []
        for (n, checkpoint) in checkpoints.enumerated() {
            for proofLength in [0, 1, 5, 63] {
                for duplicate in [false, true] {
                    receipts.append(
                        Receipt(
                            index: [0, 9, 1 << 40, UInt64.max][proofLength % 4],
                            recordID: RecordID(payload: Array("record \(n) \(proofLength)".utf8)),
                            integratedAtMillis: [0, 1_795_792_238_209, -1, Int64.min][n % 4],
                            leafHash: Self.hash(&random),
                            treeSize: UInt64(proofLength) &* 1_000_003,
                            inclusionProof: (0..<proofLength).map { _ in Self.hash(&random) },
                            checkpoint: checkpoint,
                            duplicate: duplicate
                        )
                    )
                }
            }
        }
        for receipt in receipts {
            #expect(String(decoding: receipt.jsonBytes(), as: UTF8.self) == (try Self.encoderText(receipt)))
        }
    }
}
