import ArgumentParser
import Foundation
import Ledger
import Provenance
import TransparencyLog
import TrustServer

/// `vmtrust verify BUNDLE --log-key VKEY [--image FILE]`: checks a provenance bundle offline.
///
/// Exit 0 when the bundle is valid, whatever the image's status (a revoked image has a valid bundle: the log
/// proves it is revoked), unless `--require-active` is given; 1 when a check fails (each failure named); 2 when
/// the bundle, the key or the image cannot be read.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an image's provenance bundle offline, with nothing but the log's key.",
        discussion: """
            Checks the checkpoint signature, every entry's inclusion proof, every record by the chain rules at \
            its integration time (signatures, key validity, hash links, ownership), every chain record's key \
            against the final key state (back-dated key revocations), the chain from the root to the image, \
            and with --image the file's SHA-256. A valid bundle exits 0 whatever the image's status (revoked, \
            scheduled, deprecated are reported); --require-active also exits 1 unless the image is active.
            """
    )

    @Argument(help: "The bundle file (from GET /v1/images/{digest}/bundle), or - for standard input.")
    var bundle: String

    @Option(name: [.customLong("log-key"), .customLong("vkey")], help: "The log's verifier key (string or file).")
    var logKey: [String] = []

    @Option(name: .long, help: "The image file: check that its SHA-256 is the bundle's subject.")
    var image: String?

    @Flag(name: .long, help: "Exit 1 unless the image is active (not revoked, scheduled or deprecated).")
    var requireActive = false

    @Flag(name: .long, help: "Print the verdict as JSON.")
    var json = false

    func run() async throws {
        guard !logKey.isEmpty else { throw CLIError.input("give --log-key (the log's key, from `vmtrust log key`)") }
        let verifiers = try KeyFile.verifiers(logKey)
        let parsed: ProvenanceBundle
        do {
            parsed = try JSONDecoder().decode(ProvenanceBundle.self, from: Data(try Files.read(bundle)))
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError.input("\(bundle) is not a provenance bundle: \(error)")
        }
        let imageDigest = try image.map { path in
            "sha256:" + (try FileHasher.sha256(path: path).digest).lowercaseHex
        }
        let verdict = await BundleVerifier(logKey: verifiers).verify(parsed, imageDigest: imageDigest)

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let report = VerdictReport(verdict, imageDigest: imageDigest, requireActive: requireActive)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            printReport(verdict, imageDigest: imageDigest)
        }
        if let first = verdict.failures.first {
            let more = verdict.failures.count > 1 ? " (and \(verdict.failures.count - 1) more)" : ""
            throw CLIError.verdict("bundle does not verify: \(first)\(more)")
        }
        if requireActive, !verdict.isActive {
            throw CLIError.verdict("the image is not active: \(Self.describe(verdict.status))")
        }
    }

    private func printReport(_ verdict: BundleVerdict, imageDigest: String?) {
        if let checkpoint = verdict.checkpoint {
            print("checkpoint: \(checkpoint.origin), size \(checkpoint.size), signed by the log key")
        }
        print("chain (root → image):")
        for (offset, link) in verdict.chain.enumerated() {
            let mark = link.valid ? "✓" : "✗"
            let key = link.signerKeyID.map { "key \($0.prefix(16))…" } ?? "no provider key"
            let status = link.valid ? Self.describe(link.status) : "invalid"
            let indent = String(repeating: "  ", count: offset) + (offset == 0 ? "" : "└─ ")
            print(
                "  \(indent)\(mark) #\(link.index) \(link.kind.rawValue) \(link.digest ?? "") \(key) "
                    + "at \(formatTime(link.integratedTime)) [\(status)]"
            )
        }
        print("subject: \(verdict.subject) (record \(verdict.record))")
        if let imageDigest {
            print("image file: \(imageDigest == verdict.subject ? "matches the subject" : "does NOT match (\(imageDigest))")")
        }
        let current = verdict.attestations.filter { $0.status == "current" }
        if !current.isEmpty {
            print("attestations (current at bundle time):")
            for attestation in current {
                let mark = attestation.valid ? "✓" : "✗"
                let summary = attestation.summary
                let type = summary.map { ImageCommand.Attestations.shortType($0.predicateType) } ?? "?"
                let result = summary?.result.map { " \($0.rawValue)" } ?? ""
                let score = summary?.score.map { " score \($0)" } ?? " (not scored)"
                let key = attestation.signerKeyID.map { " key \($0.prefix(16))…" } ?? ""
                print(
                    "  \(mark) #\(attestation.index) \(type) by \(attestation.auditor ?? "?")\(key)\(result)\(score) "
                        + "at \(formatTime(attestation.integratedTime))"
                )
            }
        }
        let others = verdict.attestations.count - current.count
        if others > 0 {
            print("  (and \(others) superseded, withdrawn or expired attestation(s), kept for policy decisions)")
        }
        for failure in verdict.failures {
            print("✗ \(failure)")
        }
        if verdict.isValid {
            let time = verdict.statusTime.map { " at \(formatTime($0))" } ?? ""
            print("ok: the bundle is valid; the image is \(Self.describe(verdict.status))\(time)")
        }
    }

    static func describe(_ status: RecordStatus?) -> String {
        switch status {
        case nil: "unknown"
        case .active: "active"
        case .revoked(let by, let inherited, let since):
            "revoked since \(formatTime(since)) by \(by)" + (inherited.map { " (inherited from \($0))" } ?? "")
        case .scheduled(let by, let inherited, let at):
            "revocation scheduled for \(formatTime(at)) by \(by)" + (inherited.map { " (inherited from \($0))" } ?? "")
        case .deprecated(let since): "deprecated since \(formatTime(since))"
        }
    }
}

/// The `--json` form of a verdict.
struct VerdictReport: Encodable {

    struct Link: Encodable {
        var index: UInt64
        var recordId: String
        var kind: String
        var digest: String?
        var integratedTime: Int64
        var signerKeyId: String?
        var status: StatusView?
        var valid: Bool
    }

    struct Attestation: Encodable {
        var index: UInt64
        var recordId: String
        var auditor: String?
        var signerKeyId: String?
        var predicateType: String?
        var result: String?
        var score: Int?
        var summary: AttestationSummary?
        var integratedTime: Int64
        var valid: Bool
        var status: String
    }

    struct Failure: Encodable {
        var code: String
        var entry: UInt64?
        var rule: String?
        var message: String
    }

    var valid: Bool
    var active: Bool
    var requireActive: Bool
    var subject: String
    var record: String
    var origin: String?
    var treeSize: UInt64?
    var status: StatusView?
    var statusTime: Int64?
    var imageDigest: String?
    var imageMatches: Bool?
    var chain: [Link]
    var attestations: [Attestation]
    var failures: [Failure]

    init(_ verdict: BundleVerdict, imageDigest: String?, requireActive: Bool) {
        valid = verdict.isValid
        active = verdict.isActive
        self.requireActive = requireActive
        subject = verdict.subject
        record = verdict.record.description
        origin = verdict.checkpoint?.origin
        treeSize = verdict.checkpoint?.size
        status = verdict.status.map(StatusView.init)
        statusTime = verdict.statusTime
        self.imageDigest = imageDigest
        imageMatches = imageDigest.map { $0 == verdict.subject }
        chain = verdict.chain.map { link in
            Link(
                index: link.index,
                recordId: link.recordID.description,
                kind: link.kind.rawValue,
                digest: link.digest,
                integratedTime: link.integratedTime,
                signerKeyId: link.signerKeyID,
                status: link.status.map(StatusView.init),
                valid: link.valid
            )
        }
        attestations = verdict.attestations.map { attestation in
            Attestation(
                index: attestation.index,
                recordId: attestation.recordID.description,
                auditor: attestation.auditor,
                signerKeyId: attestation.signerKeyID,
                predicateType: attestation.summary?.predicateType,
                result: attestation.summary?.result?.rawValue,
                score: attestation.summary?.score,
                summary: attestation.summary,
                integratedTime: attestation.integratedTime,
                valid: attestation.valid,
                status: attestation.status
            )
        }
        failures = verdict.failures.map { failure in
            Failure(
                code: failure.code.name,
                entry: failure.entry,
                rule: failure.rejection?.description,
                message: failure.description
            )
        }
    }
}
