import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// How a compliance certification's claim checked out against its trusted source (the certifier) at the
/// integration time. A claim that fails is still recorded, and counts against the provider (REPUTATION.md):
/// see docs/REPUTATION-NOTES.md, "Certification checks", for which failures are unverifiable and which forged.
public struct CertificationCheck: Sendable, Hashable, Codable {
    /// The outcome.
    public var outcome: Outcome
    /// Why (for explanations); empty when verified.
    public var reason: String
    /// End of the counted validity (ms, exclusive): the claim's `validUntil`, no later than the leaf
    /// certificate's `notValidAfter` for a chain.
    public var validUntil: Int64

    /// The outcomes.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Verified against the certifier: counts while valid.
        case verified
        /// Cannot be verified against the certifier: s += 1.
        case unverifiable
        /// Invalid signature or chain presented as valid: s += 2 and a cap.
        case forged
    }

    /// Creates a check.
    public init(outcome: Outcome, reason: String, validUntil: Int64) {
        self.outcome = outcome
        self.reason = reason
        self.validUntil = validUntil
    }

    /// The URI a leaf certificate may carry as a subject alternative name to name provider `id`.
    public static func providerURI(_ id: String) -> String { "vmtrust:provider:\(id)" }

    /// Checks `record` against `certifier` at `time` (ms). `signedByCertifier` = a signature by one of the
    /// certifier's keys verifies on the envelope.
    ///
    /// - With a `chain` (leaf first): every certificate must parse (else forged); each link's signature must
    ///   verify under the next certificate, the last one under a trust anchor whose subject is its issuer (a bad
    ///   signature is forged; no link to any anchor is unverifiable); every certificate on the path must be
    ///   within its validity at `time` (else unverifiable); the path must pass RFC 5280 validation against the
    ///   anchors (basic constraints, key usage, …: else forged); the leaf must name the provider, by a URI SAN
    ///   `vmtrust:provider:<id>` or a subject common name equal to the id (else forged: someone else's
    ///   certificate).
    /// - Without a chain: verified when a certifier key signed the envelope; otherwise (the provider's own
    ///   claim) unverifiable.
    public static func check(
        _ record: ComplianceCertificationRecord,
        certifier: CertifierState,
        signedByCertifier: Bool,
        at time: Int64
    ) async -> CertificationCheck {
        guard let chain = record.chain else {
            return signedByCertifier
                ? CertificationCheck(outcome: .verified, reason: "", validUntil: record.validUntil)
                : CertificationCheck(
                    outcome: .unverifiable,
                    reason: "a claim without a certificate chain is not signed by the certifier",
                    validUntil: record.validUntil
                )
        }
        func result(_ outcome: Outcome, _ reason: String) -> CertificationCheck {
            CertificationCheck(outcome: outcome, reason: reason, validUntil: record.validUntil)
        }
        var certificates: [Certificate] = []
        for (index, der) in chain.enumerated() {
            guard let certificate = try? Certificate(derEncoded: der) else {
                return result(.forged, "chain[\(index)] is not an X.509 certificate")
            }
            certificates.append(certificate)
        }
        let anchors = certifier.trustAnchors.compactMap { try? Certificate(derEncoded: $0) }
        guard !anchors.isEmpty else {
            return result(.unverifiable, "certifier \"\(certifier.id)\" has no trust anchors")
        }
        // Signatures along the chain, then to an anchor.
        var path: [Certificate] = []
        for (index, certificate) in certificates.enumerated() {
            path.append(certificate)
            if anchors.contains(certificate) { break }
            if index + 1 < certificates.count {
                let issuer = certificates[index + 1]
                guard issuer.subject == certificate.issuer else {
                    return result(.unverifiable, "chain[\(index + 1)] is not the issuer of chain[\(index)]")
                }
                guard issuer.publicKey.isValidSignature(certificate.signature, for: certificate) else {
                    return result(.forged, "the signature of chain[\(index)] does not verify with chain[\(index + 1)]")
                }
                continue
            }
            let candidates = anchors.filter { $0.subject == certificate.issuer }
            guard !candidates.isEmpty else {
                return result(.unverifiable, "the chain does not lead to a trust anchor of certifier \"\(certifier.id)\"")
            }
            guard candidates.contains(where: { $0.publicKey.isValidSignature(certificate.signature, for: certificate) })
            else {
                return result(.forged, "the signature of chain[\(index)] does not verify with the certifier's trust anchor")
            }
        }
        let date = Date(timeIntervalSince1970: Double(time) / 1000)
        for (index, certificate) in path.enumerated()
        where !(certificate.notValidBefore <= date && date <= certificate.notValidAfter) {
            return result(.unverifiable, "chain[\(index)] is not valid at the integration time")
        }
        var verifier = Verifier(rootCertificates: CertificateStore(anchors)) {
            RFC5280Policy(fixedExpiryValidationTime: date)
        }
        let validation = await verifier.validate(
            leaf: certificates[0],
            intermediates: CertificateStore(certificates.dropFirst())
        )
        guard case .validCertificate = validation else {
            return result(.forged, "the chain does not pass RFC 5280 validation against the certifier's trust anchors")
        }
        guard names(certificates[0], provider: record.provider) else {
            return result(.forged, "the leaf certificate does not name provider \"\(record.provider)\"")
        }
        let notAfter = Int64((certificates[0].notValidAfter.timeIntervalSince1970 * 1000).rounded(.down)) + 1
        return CertificationCheck(outcome: .verified, reason: "", validUntil: min(record.validUntil, notAfter))
    }

    /// Whether `leaf` names provider `id`: a URI subject alternative name `vmtrust:provider:<id>`, or a subject
    /// common name equal to `id`.
    static func names(_ leaf: Certificate, provider id: String) -> Bool {
        if let names = try? leaf.extensions.subjectAlternativeNames {
            for name in names {
                if case .uniformResourceIdentifier(let uri) = name, uri == providerURI(id) { return true }
            }
        }
        for rdn in leaf.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if String(attribute.value) == id { return true }
            }
        }
        return false
    }

    /// Whether `der` parses as an X.509 certificate.
    public static func isCertificate(_ der: [UInt8]) -> Bool {
        (try? Certificate(derEncoded: der)) != nil
    }
}
