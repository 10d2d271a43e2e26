import Provenance
import TransparencyLog

/// Checks a ``ProvenanceBundle`` offline with nothing but the log's verification key.
///
/// In order: the checkpoint's signature (nothing else is checked when it fails); every entry's index is in log
/// order and inside the checkpoint's tree, and its leaf, rebuilt from index, integration time and envelope, is
/// proven by its inclusion proof against the checkpoint's root; the proven entries are replayed in log order
/// through ``ProvenanceRules`` at their integration times (every signature, key validity, hash link, ownership
/// and state rule); they are replayed a second time with every key revocation of the bundle known from the
/// start, so a back-dated (compromise) revocation invalidates records signed after its effective time although
/// they were accepted when logged; the chain links the lineage root to the bundle's record, which names the
/// subject; the image digest, when given, equals the subject. The status is computed at the latest integration
/// time among the proven entries.
///
/// Pure: no clock, disk or network. Verdicts are values; nothing throws.
public struct BundleVerifier: Sendable {
    /// The log key(s): the checkpoint must carry a valid signature by one of them.
    public var verifiers: NoteVerifiers
    /// The chain rules the log enforces.
    public var rules: ProvenanceRules

    /// Creates a verifier for the log with keys `verifiers`.
    public init(logKey verifiers: NoteVerifiers, rules: ProvenanceRules = ProvenanceRules()) {
        self.verifiers = verifiers
        self.rules = rules
    }

    private struct Proven {
        var entry: ProvenanceBundle.Entry
        var envelope: DSSEEnvelope
        var record: Record?
        var id: RecordID
    }

    /// Verifies `bundle`; `imageDigest` is the `sha256:<hex>` digest of the image file, computed by the caller,
    /// when there is one to check.
    public func verify(_ bundle: ProvenanceBundle, imageDigest: String? = nil) async -> BundleVerdict {
        var failures: [BundleFailure] = []
        var verdict = BundleVerdict(
            failures: [],
            checkpoint: nil,
            subject: bundle.subject,
            record: bundle.record,
            chain: [],
            status: nil,
            statusTime: nil
        )

        // 1. The checkpoint.
        let checkpoint: Checkpoint
        do {
            let note = try Note(parsing: Array(bundle.checkpoint.utf8))
            _ = try note.verify(using: verifiers)
            checkpoint = try Checkpoint(parsing: note.text)
        } catch {
            verdict.failures = [
                BundleFailure(
                    code: .checkpointInvalid,
                    message: "checkpoint: the signature does not verify with the log key (\(error))"
                )
            ]
            return verdict
        }
        verdict.checkpoint = checkpoint
        if checkpoint.origin != bundle.origin {
            failures.append(
                BundleFailure(
                    code: .originMismatch,
                    message: "the bundle says origin \(bundle.origin) but the checkpoint is for \(checkpoint.origin)"
                )
            )
        }
        if !ProvenanceBundle.supportedVersions.contains(bundle.version) {
            failures.append(
                BundleFailure(code: .unsupportedVersion, message: "bundle version \(bundle.version) is not supported")
            )
        }

        // 2. Every entry: order, range, inclusion, envelope.
        let root = TreeHash(bytes: checkpoint.rootHash)
        var proven: [Proven] = []
        var previousIndex: UInt64?
        for entry in bundle.entries {
            if let previousIndex, entry.index <= previousIndex {
                failures.append(
                    BundleFailure(
                        code: .entryOrder,
                        entry: entry.index,
                        message: "out of log order (after entry \(previousIndex))"
                    )
                )
                continue
            }
            previousIndex = entry.index
            guard entry.index < checkpoint.size else {
                failures.append(
                    BundleFailure(
                        code: .entryOutOfRange,
                        entry: entry.index,
                        message: "beyond the checkpoint's tree size \(checkpoint.size)"
                    )
                )
                continue
            }
            guard let root,
                MerkleTree.verifyInclusion(
                    leafHash: entry.ledgerEntry.leafHash,
                    index: entry.index,
                    size: checkpoint.size,
                    proof: entry.inclusionProof,
                    root: root
                )
            else {
                failures.append(
                    BundleFailure(
                        code: .inclusionProof,
                        entry: entry.index,
                        message: "inclusion proof does not match the checkpoint"
                    )
                )
                continue
            }
            let envelope: DSSEEnvelope
            do {
                envelope = try DSSEEnvelope(json: entry.envelope)
            } catch {
                failures.append(
                    BundleFailure(code: .malformedEnvelope, entry: entry.index, message: "the envelope does not parse: \(error)")
                )
                continue
            }
            proven.append(
                Proven(
                    entry: entry,
                    envelope: envelope,
                    record: try? Record.decode(envelope),
                    id: RecordID(payload: envelope.payload)
                )
            )
        }

        // 3. Replay at each integration time, as the log did.
        var logged = InMemoryProvenanceState()
        var refused: Set<UInt64> = []
        for item in proven {
            do {
                if case .rejected(let rejection) = try await logged.admit(
                    item.envelope,
                    integrationTime: item.entry.integratedTime,
                    rules: rules
                ) {
                    refused.insert(item.entry.index)
                    failures.append(
                        BundleFailure(
                            code: .recordRejected,
                            entry: item.entry.index,
                            rejection: rejection.code,
                            message:
                                "\(Self.describe(item)) is refused by the chain rules (\(rejection.code)): \(rejection.message)"
                        )
                    )
                }
            } catch {
                refused.insert(item.entry.index)
                failures.append(
                    BundleFailure(code: .recordRejected, entry: item.entry.index, message: "\(Self.describe(item)): \(error)")
                )
            }
        }
        if let genesis = logged.governanceState, genesis.origin != checkpoint.origin {
            failures.append(
                BundleFailure(
                    code: .originMismatch,
                    message: "the genesis record names origin \(genesis.origin) but the checkpoint is for \(checkpoint.origin)"
                )
            )
        }

        // 4. Replay again with the final key revocations known from the start: a back-dated revocation makes
        // every record signed with that key after its effective time invalid.
        var revocations: [String: [String: Int64]] = [:]
        for (id, provider) in logged.providers {
            for key in provider.keys {
                if let revokedAt = key.revokedAt { revocations[id, default: [:]][key.keyID] = revokedAt }
            }
        }
        var state = InMemoryProvenanceState()
        var invalid: Set<UInt64> = refused
        for item in proven where !refused.contains(item.entry.index) {
            let admission: Admission
            do {
                if item.record?.kind == .keyRevocation {
                    admission = try await rules.admit(item.envelope, integrationTime: item.entry.integratedTime, state: state)
                } else {
                    admission = try await rules.admit(
                        item.envelope,
                        integrationTime: item.entry.integratedTime,
                        state: FinalRevocations(base: state, revocations: revocations)
                    )
                }
            } catch {
                invalid.insert(item.entry.index)
                failures.append(
                    BundleFailure(code: .recordRejected, entry: item.entry.index, message: "\(Self.describe(item)): \(error)")
                )
                continue
            }
            switch admission {
            case .accepted(let changes):
                state.apply(changes)
            case .rejected(let rejection):
                invalid.insert(item.entry.index)
                let keyCodes: Set<RecordRejection.Code> = [
                    .keyRevoked, .keyExpired, .keyNotYetValid, .notSignedByProvider, .notSignedByAuditor,
                ]
                failures.append(
                    BundleFailure(
                        code: keyCodes.contains(rejection.code) ? .keyInvalidated : .recordRejected,
                        entry: item.entry.index,
                        rejection: rejection.code,
                        message:
                            "\(Self.describe(item)) is invalid under the final key state (\(rejection.code)): \(rejection.message)"
                    )
                )
            }
        }

        // 5. The chain from the root to the record, and the subject.
        let statusTime = proven.map(\.entry.integratedTime).max()
        verdict.statusTime = statusTime
        let byID = Dictionary(proven.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var chain: [BundleChainLink] = []
        var next: RecordID? = bundle.record
        var seen: Set<RecordID> = []
        while let id = next {
            guard seen.insert(id).inserted else {
                failures.append(BundleFailure(code: .chainBroken, message: "chain: the lineage loops at \(id)"))
                break
            }
            guard let item = byID[id], let record = item.record, record.kind.isImageRecord else {
                let what = id == bundle.record ? "the bundle's record" : "the chain"
                failures.append(
                    BundleFailure(
                        code: .chainBroken,
                        message: "chain: \(what) needs image record \(id), which is not a proven entry of the bundle"
                    )
                )
                break
            }
            let valid = !invalid.contains(item.entry.index) && state.records[id] != nil
            let status: RecordStatus? =
                if valid, let statusTime { try? await state.status(of: id, at: statusTime) } else { nil }
            chain.append(
                BundleChainLink(
                    index: item.entry.index,
                    recordID: id,
                    kind: record.kind,
                    digest: record.imageDigest,
                    integratedTime: item.entry.integratedTime,
                    signerKeyID: Self.signer(of: item, record: record, state: logged),
                    status: status,
                    valid: valid
                )
            )
            if !valid {
                failures.append(
                    BundleFailure(
                        code: .chainBroken,
                        entry: item.entry.index,
                        message: "chain: \(record.kind.rawValue) \(id) is not a valid record"
                    )
                )
            }
            if case .imageModify(let modify) = record {
                next = modify.previous
            } else {
                next = nil
            }
        }
        chain.reverse()
        verdict.chain = chain
        if let record = byID[bundle.record]?.record, record.imageDigest != bundle.subject {
            failures.append(
                BundleFailure(
                    code: .subjectMismatch,
                    message:
                        "subject \(bundle.subject) is not the digest of record \(bundle.record) (\(record.imageDigest ?? "none"))"
                )
            )
        }
        if let imageDigest, imageDigest != bundle.subject {
            failures.append(
                BundleFailure(
                    code: .imageDigestMismatch,
                    message: "the image file's digest \(imageDigest) is not the subject \(bundle.subject)"
                )
            )
        }
        // 6. Attestations: about the subject, valid under both replays; only version 2 bundles hold them.
        for item in proven {
            guard let record = item.record else { continue }
            if bundle.version == ProvenanceBundle.currentVersion,
                [.attestation, .attestationWithdraw, .auditorOnboard, .auditorUpdate].contains(record.kind)
            {
                failures.append(
                    BundleFailure(
                        code: .unsupportedVersion,
                        entry: item.entry.index,
                        message: "a version 1 bundle holds no \(record.kind.rawValue) records"
                    )
                )
            }
            guard case .attestation(let attestation) = record else { continue }
            if !attestation.statement.subjectDigests.contains(bundle.subject) {
                failures.append(
                    BundleFailure(
                        code: .attestationSubject,
                        entry: item.entry.index,
                        message: "attestation \(item.id) is not about \(bundle.subject)"
                    )
                )
            }
            let known = state.records[item.id] ?? logged.records[item.id]
            let signer = await logged.auditorSignerKey(item.envelope)
            verdict.attestations.append(
                BundleAttestation(
                    index: item.entry.index,
                    recordID: item.id,
                    auditor: known?.auditor,
                    signerKeyID: signer,
                    summary: known?.attestation ?? (try? attestation.predicate())?.summary,
                    integratedTime: item.entry.integratedTime,
                    valid: !invalid.contains(item.entry.index) && state.records[item.id] != nil
                )
            )
        }
        verdict.status = chain.last.flatMap { $0.recordID == bundle.record && failures.isEmpty ? $0.status : nil }
        verdict.failures = failures
        return verdict
    }

    private static func describe(_ item: Proven) -> String {
        "\(item.record?.kind.rawValue ?? item.envelope.payloadType) \(item.id)"
    }

    /// The id of the provider key whose signature verifies on the record (any key the provider was ever granted).
    private static func signer(of item: Proven, record: Record, state: InMemoryProvenanceState) -> String? {
        guard let provider = record.provider.flatMap({ state.providers[$0] }) else { return nil }
        return item.envelope.verifiedKeys(provider.keys.map(\.key)).first?.keyID
    }
}

extension InMemoryProvenanceState {
    /// The id of the auditor key whose signature on `envelope` verifies.
    fileprivate func auditorSignerKey(_ envelope: DSSEEnvelope) async -> String? {
        (try? await attestationSigner(envelope, state: self))?.keys.first?.keyID
    }
}

/// A provenance state with the final key revocations applied to every provider key from the start.
private struct FinalRevocations: ProvenanceStateReader {
    var base: InMemoryProvenanceState
    var revocations: [String: [String: Int64]]

    func governance() async throws -> GovernanceState? { base.governanceState }

    func provider(id: String) async throws -> ProviderState? {
        guard var provider = base.providers[id] else { return nil }
        if let revoked = revocations[id] {
            for index in provider.keys.indices {
                if let at = revoked[provider.keys[index].keyID] {
                    provider.keys[index].revokedAt = min(provider.keys[index].revokedAt ?? at, at)
                }
            }
        }
        return provider
    }

    func record(id: RecordID) async throws -> RecordState? { base.records[id] }
    func imageRecord(provider: String, digest: String) async throws -> RecordID? { base.images[provider]?[digest] }
    func user(id: String) async throws -> UserState? { base.users[id] }
    func auditor(id: String) async throws -> AuditorState? { base.auditors[id] }
    func auditorID(keyID: String) async throws -> String? { base.auditorKeys[keyID] }
    func imageRecord(digest: String) async throws -> RecordID? { base.firstImages[digest] }
    func certifier(id: String) async throws -> CertifierState? { base.certifiers[id] }
    func lastUse(user: String, provider: String) async throws -> Int64? { base.usage[user]?[provider] }
    func parametersVersion() async throws -> Int64? { base.reputationParametersVersion }
    func userID(keyID: String) async throws -> String? { base.userKeys[keyID] }
}
