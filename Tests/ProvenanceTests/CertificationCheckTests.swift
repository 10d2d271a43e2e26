import Crypto
import Foundation
import Provenance
import SwiftASN1
import Testing
import X509

/// Test certificate authorities and leaves, generated with swift-certificates and P-256 keys.
struct TestPKI {
    let caKey = P256.Signing.PrivateKey()
    let caName: DistinguishedName
    let ca: Certificate
    static let from = Date(timeIntervalSince1970: Double(RecordsFixture.t0) / 1000 - 86_400)
    static let until = Date(timeIntervalSince1970: Double(RecordsFixture.t0) / 1000 + 400 * 86_400)

    init(name: String = "Test Certifier CA") throws {
        caName = try DistinguishedName { CommonName(name) }
        ca = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(caKey.publicKey),
            notValidBefore: Self.from,
            notValidAfter: Self.until,
            issuer: caName,
            subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )
    }

    /// A leaf for `commonName`, with URI SANs `uris`, signed by `signer` (default: the CA key) under the CA's name.
    func leaf(
        commonName: String = "Leaf",
        uris: [String] = [],
        isCA: Bool = false,
        signer: P256.Signing.PrivateKey? = nil,
        issuer: DistinguishedName? = nil,
        notValidAfter: Date = TestPKI.until,
        key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()
    ) throws -> Certificate {
        try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Self.from,
            notValidAfter: notValidAfter,
            issuer: issuer ?? caName,
            subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                if isCA {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true))
                } else {
                    Critical(BasicConstraints.notCertificateAuthority)
                }
                if !uris.isEmpty { SubjectAlternativeNames(uris.map { .uniformResourceIdentifier($0) }) }
            },
            issuerPrivateKey: Certificate.PrivateKey(signer ?? caKey)
        )
    }

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}

@Suite("Certifications: checks against the certifier")
struct CertificationCheckTests {
    typealias F = RecordsFixture

    func certifier(_ pki: TestPKI) throws -> CertifierState {
        CertifierState(
            id: "certco",
            displayName: "CertCo",
            keys: [F.certifierKey.publicKey],
            trustAnchors: [try TestPKI.der(pki.ca)],
            types: [.soc2Type2, .iso27001],
            onboardedBy: F.sampleID
        )
    }

    func claim(_ chain: [Certificate]?) throws -> ComplianceCertificationRecord {
        ComplianceCertificationRecord(
            provider: "acme",
            certifier: "certco",
            type: .soc2Type2,
            validFrom: F.t0,
            validUntil: F.t0 + 365 * F.day,
            chain: try chain?.map(TestPKI.der),
            time: F.t0
        )
    }

    func check(
        _ chain: [Certificate]?,
        pki: TestPKI,
        signedByCertifier: Bool = false,
        at time: Int64 = F.t0
    )
        async throws -> CertificationCheck
    {
        await CertificationCheck.check(
            try claim(chain),
            certifier: try certifier(pki),
            signedByCertifier: signedByCertifier,
            at: time
        )
    }

    @Test func aLeafNamingTheProviderVerifies() async throws {
        let pki = try TestPKI()
        let byURI = try await check([try pki.leaf(uris: [CertificationCheck.providerURI("acme")])], pki: pki)
        #expect(byURI.outcome == .verified, "\(byURI.reason)")
        let byCN = try await check([try pki.leaf(commonName: "acme")], pki: pki)
        #expect(byCN.outcome == .verified, "\(byCN.reason)")
        // The leaf's expiry bounds the counted validity.
        let short = TestPKI.from.addingTimeInterval(30 * 86_400 + 86_400)
        let bounded = try await check([try pki.leaf(commonName: "acme", notValidAfter: short)], pki: pki)
        #expect(bounded.outcome == .verified)
        #expect(bounded.validUntil < F.t0 + 365 * F.day && bounded.validUntil > F.t0)
        // Through an intermediate CA.
        let intermediateKey = P256.Signing.PrivateKey()
        let intermediate = try pki.leaf(commonName: "Intermediate", isCA: true, key: intermediateKey)
        let leaf = try pki.leaf(
            commonName: "acme",
            signer: intermediateKey,
            issuer: try DistinguishedName { CommonName("Intermediate") }
        )
        let chained = try await check([leaf, intermediate], pki: pki)
        #expect(chained.outcome == .verified, "\(chained.reason)")
    }

    @Test func forgeries() async throws {
        let pki = try TestPKI()
        // Presented under the certifier's CA name, signed by another key.
        let badSignature = try await check([try pki.leaf(commonName: "acme", signer: P256.Signing.PrivateKey())], pki: pki)
        #expect(badSignature.outcome == .forged)
        // A valid certificate of someone else.
        let otherProvider = try await check([try pki.leaf(uris: [CertificationCheck.providerURI("globex")])], pki: pki)
        #expect(otherProvider.outcome == .forged)
        // A leaf (not a CA) used to issue a certificate.
        let leafKey = P256.Signing.PrivateKey()
        let notCA = try pki.leaf(commonName: "Not a CA", key: leafKey)
        let issuedByLeaf = try pki.leaf(
            commonName: "acme",
            signer: leafKey,
            issuer: try DistinguishedName { CommonName("Not a CA") }
        )
        let constraint = try await check([issuedByLeaf, notCA], pki: pki)
        #expect(constraint.outcome == .forged, "\(constraint.reason)")
        // DER that is not a certificate.
        var record = try claim(nil)
        record.chain = [[0x30, 0x03, 0x02, 0x01, 0x01]]
        let junk = await CertificationCheck.check(record, certifier: try certifier(pki), signedByCertifier: false, at: F.t0)
        #expect(junk.outcome == .forged)
    }

    @Test func unverifiableClaims() async throws {
        let pki = try TestPKI()
        let stranger = try TestPKI(name: "Some Other CA")
        // Issued by a CA the certifier does not list.
        let foreign = try await check([try stranger.leaf(commonName: "acme")], pki: pki)
        #expect(foreign.outcome == .unverifiable)
        // Expired at the integration time.
        let expired = try await check([try pki.leaf(commonName: "acme")], pki: pki, at: F.t0 + 500 * F.day)
        #expect(expired.outcome == .unverifiable)
        // The provider's own claim without a chain.
        let bare = try await check(nil, pki: pki)
        #expect(bare.outcome == .unverifiable)
        // A certifier without trust anchors cannot check a chain.
        var noAnchors = try certifier(pki)
        noAnchors.trustAnchors = []
        let none = await CertificationCheck.check(
            try claim([try pki.leaf(commonName: "acme")]),
            certifier: noAnchors,
            signedByCertifier: false,
            at: F.t0
        )
        #expect(none.outcome == .unverifiable)
    }

    @Test func aStatementSignedByTheCertifierVerifies() async throws {
        let pki = try TestPKI()
        let signed = try await check(nil, pki: pki, signedByCertifier: true)
        #expect(signed.outcome == .verified)
        #expect(signed.validUntil == F.t0 + 365 * F.day)
    }

    @Test func certificationAdmission() async throws {
        let pki = try TestPKI()
        var world = try await RecordsWorld.withUsers()
        func certification(
            _ certifier: String = "certco",
            type: ComplianceType = .soc2Type2,
            chain: [Certificate]? = nil
        )
            throws -> Record
        {
            .complianceCertification(
                ComplianceCertificationRecord(
                    provider: "acme",
                    certifier: certifier,
                    type: type,
                    validFrom: world.now,
                    validUntil: world.now + 365 * F.day,
                    chain: try chain?.map(TestPKI.der),
                    time: world.now
                )
            )
        }
        // Unknown certifier: refused, nothing written.
        let before = world.state.records.count
        #expect(try await world.submit(try certification(), by: [F.acmeKey]).rejection?.code == .unknownCertifier)
        #expect(world.state.records.count == before)
        let onboard = Record.certifierOnboard(
            CertifierOnboardRecord(
                id: "certco",
                displayName: "CertCo",
                keys: [F.certifierKey.publicKey],
                trustAnchors: [try TestPKI.der(pki.ca)],
                types: [.soc2Type2],
                time: world.now
            )
        )
        #expect(try await world.submit(onboard, by: [F.acmeKey]).rejection?.code == .notSignedByAdmins)
        var junkAnchor = onboard
        if case .certifierOnboard(var r) = junkAnchor {
            r.trustAnchors = [[0x30, 0x03, 0x02, 0x01, 0x01]]
            junkAnchor = .certifierOnboard(r)
        }
        #expect(try await world.submit(junkAnchor, by: [F.admin1]).rejection?.code == .invalidTrustAnchor)
        try await world.accept(onboard, by: [F.admin1])
        var again = onboard
        if case .certifierOnboard(var r) = again {
            r.displayName = "CertCo again"
            again = .certifierOnboard(r)
        }
        #expect(try await world.submit(again, by: [F.admin1]).rejection?.code == .certifierExists)
        #expect(
            try await world.submit(try certification(type: .iso27001), by: [F.acmeKey]).rejection?.code
                == .certificationTypeNotAllowed
        )
        #expect(try await world.submit(try certification(), by: [F.globexKey]).rejection?.code == .notSignedByCertifier)
        // Admitted whatever the check says; the check is recorded.
        let verified = try await world.accept(try certification(chain: [try pki.leaf(commonName: "acme")]), by: [F.acmeKey])
        #expect(try await world.state.record(id: verified)?.certification?.outcome == .verified)
        let statement = try await world.accept(try certification(), by: [F.certifierKey])
        #expect(try await world.state.record(id: statement)?.certification?.outcome == .verified)
        let claim = try await world.accept(try certification(), by: [F.acmeKey])
        #expect(try await world.state.record(id: claim)?.certification?.outcome == .unverifiable)
        let forged = try await world.accept(
            try certification(chain: [try pki.leaf(commonName: "acme", signer: P256.Signing.PrivateKey())]),
            by: [F.acmeKey]
        )
        #expect(try await world.state.record(id: forged)?.certification?.outcome == .forged)
        // Revocation by the certifier, of a certification of that provider by that certifier.
        let revoke = Record.certificationRevocation(
            CertificationRevocationRecord(
                provider: "acme",
                certifier: "certco",
                certification: verified,
                reason: "lapsed",
                time: world.now
            )
        )
        #expect(try await world.submit(revoke, by: [F.acmeKey]).rejection?.code == .notSignedByCertifier)
        var wrong = revoke
        if case .certificationRevocation(var r) = wrong {
            r.certification = onboard.id
            wrong = .certificationRevocation(r)
        }
        #expect(try await world.submit(wrong, by: [F.certifierKey]).rejection?.code == .notACertification)
        try await world.accept(revoke, by: [F.certifierKey])
    }
}
