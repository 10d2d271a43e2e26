import Provenance
import Reputation
import TransparencyLog

/// Everything needed to verify an image's provenance offline with nothing but the log's verification key
/// (docs/FORMATS.md, "Bundle, version 1").
///
/// A bundle holds one signed checkpoint and the log entries that matter for one image record, each with its
/// inclusion proof against that checkpoint, in log order: the genesis record, the governance records of the
/// lineage's provider (onboarding, updates, key rotations and revocations: everything that authorises or
/// invalidates a key), the chain from the lineage root to the image record, and the revoke, restore and
/// deprecate records that target any record of the chain. ``BundleVerifier`` checks it.
///
/// Decoding refuses an unknown ``version``, malformed base64 and proof hashes that are not 32 bytes; everything
/// else (signatures, proofs, rules) is the verifier's verdict.
public struct ProvenanceBundle: Sendable, Hashable, Codable {
    /// The bundle format version of bundles without attestations.
    public static let currentVersion = 1
    /// The bundle format version of bundles that also hold attestations and the auditor records authorising
    /// their keys (docs/FORMATS.md, "Bundle, version 2").
    public static let attestationsVersion = 2
    /// The bundle format version of bundles that also carry what a policy decision needs (docs/FORMATS.md, "Bundle,
    /// version 3"): every attestation about the subject whatever its status, the withdrawals, the newer versions
    /// of the lineage, the break-glass overrides for the image, and the server's reputation document of the
    /// provider (``reputation``).
    public static let factsVersion = 3
    /// The versions this build reads.
    public static let supportedVersions: Set<Int> = [currentVersion, attestationsVersion, factsVersion]

    /// The bundle format version: ``currentVersion``, ``attestationsVersion`` when it holds attestations,
    /// ``factsVersion`` when it carries policy facts.
    public var version: Int
    /// The log's origin (the checkpoint's first line).
    public var origin: String
    /// The signed checkpoint (a C2SP signed note) every inclusion proof is against.
    public var checkpoint: String
    /// The image digest the bundle is about, `sha256:<hex>`.
    public var subject: String
    /// The image record (register or modify) that names ``subject``.
    public var record: RecordID
    /// The log entries, in log order.
    public var entries: [Entry]
    /// Version 3: the provider's reputation as the server computed it at the checkpoint (not provable from the
    /// entries: see ``BundleReputation``); `nil` in versions 1 and 2.
    public var reputation: BundleReputation?

    /// One log entry with its inclusion proof.
    public struct Entry: Sendable, Hashable, Codable {
        /// Position in the log.
        public var index: UInt64
        /// Integration time, milliseconds since the Unix epoch.
        public var integratedTime: Int64
        /// The DSSE envelope bytes exactly as stored in the entry.
        public var envelope: [UInt8]
        /// The inclusion proof of the entry's leaf against the bundle's checkpoint.
        public var inclusionProof: [TreeHash]

        enum CodingKeys: String, CodingKey {
            case index, integratedTime, envelope, inclusionProof
        }

        /// Creates an entry.
        public init(index: UInt64, integratedTime: Int64, envelope: [UInt8], inclusionProof: [TreeHash]) {
            self.index = index
            self.integratedTime = integratedTime
            self.envelope = envelope
            self.inclusionProof = inclusionProof
        }

        /// The log entry whose leaf the proof is for.
        public var ledgerEntry: LedgerEntry {
            LedgerEntry(index: index, integratedAtMillis: integratedTime, envelope: envelope)
        }

        /// Decodes an entry: `envelope` is standard padded base64, `inclusionProof` a list of base64 hashes.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decode(UInt64.self, forKey: .index)
            integratedTime = try container.decode(Int64.self, forKey: .integratedTime)
            let envelope = try container.decode(String.self, forKey: .envelope)
            guard let bytes = Base64.decode(envelope) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .envelope,
                    in: container,
                    debugDescription: "entry \(index): the envelope is not standard padded base64"
                )
            }
            self.envelope = bytes
            var proof: [TreeHash] = []
            for element in try container.decode([String].self, forKey: .inclusionProof) {
                guard let hash = TreeHash(base64: element) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .inclusionProof,
                        in: container,
                        debugDescription: "entry \(index): a proof hash is not 32 bytes of base64"
                    )
                }
                proof.append(hash)
            }
            inclusionProof = proof
        }

        /// Encodes the entry (base64 envelope and hashes).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(integratedTime, forKey: .integratedTime)
            try container.encode(Base64.encode(envelope), forKey: .envelope)
            try container.encode(inclusionProof.map(\.base64), forKey: .inclusionProof)
        }
    }

    enum CodingKeys: String, CodingKey {
        case version, origin, checkpoint, subject, record, entries, reputation
    }

    /// Creates a bundle, of ``currentVersion`` unless `version` says otherwise.
    public init(
        origin: String,
        checkpoint: String,
        subject: String,
        record: RecordID,
        entries: [Entry],
        version: Int = ProvenanceBundle.currentVersion,
        reputation: BundleReputation? = nil
    ) {
        self.version = version
        self.origin = origin
        self.checkpoint = checkpoint
        self.subject = subject
        self.record = record
        self.entries = entries
        self.reputation = reputation
    }

    /// Decodes a bundle; refuses a version not in ``supportedVersions``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        guard Self.supportedVersions.contains(version) else {
            throw DecodingError.dataCorruptedError(
                forKey: .version,
                in: container,
                debugDescription: "bundle version \(version) is not supported (only 1, 2 and 3)"
            )
        }
        reputation = try container.decodeIfPresent(BundleReputation.self, forKey: .reputation)
        if (version == Self.factsVersion) != (reputation != nil) {
            throw DecodingError.dataCorruptedError(
                forKey: .reputation,
                in: container,
                debugDescription: version == Self.factsVersion
                    ? "a version 3 bundle carries \"reputation\"" : "only a version 3 bundle carries \"reputation\""
            )
        }
        origin = try container.decode(String.self, forKey: .origin)
        checkpoint = try container.decode(String.self, forKey: .checkpoint)
        subject = try container.decode(String.self, forKey: .subject)
        record = try container.decode(RecordID.self, forKey: .record)
        entries = try container.decode([Entry].self, forKey: .entries)
    }

    /// Encodes the bundle.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(origin, forKey: .origin)
        try container.encode(checkpoint, forKey: .checkpoint)
        try container.encode(subject, forKey: .subject)
        try container.encode(record, forKey: .record)
        try container.encode(entries, forKey: .entries)
        try container.encodeIfPresent(reputation, forKey: .reputation)
    }
}

/// The provider's reputation in a version 3 bundle: the server's reputation document for the image's provider
/// and the reputation parameter history, read from the server's derived state at the bundle's checkpoint.
///
/// **This is the server's computation, not evidence.** The documents are a function of the whole log (every
/// feedback, vulnerability report, attestation and certification about the provider, on any of its images);
/// the bundle does not hold those records, so offline the documents can be checked only for consistency (the
/// provider is the image's, the log size is the checkpoint's), not recomputed. An offline decision computes the
/// score from them exactly as the server does (REPUTATION.md "Score", at the request time), so it equals the
/// server's decision for the same request; it trusts the server's reputation figures as far as one trusts the
/// server that produced the bundle. Monitors that replay the whole log (issue 5's replay) are what check them.
public struct BundleReputation: Sendable, Hashable, Codable {
    /// Always `"server"`: who computed the documents.
    public var source: String
    /// The provider.
    public var provider: String
    /// The log size the documents are at: the bundle checkpoint's size.
    public var logSize: UInt64
    /// The provider's reputation document; `nil` when the provider has none (a brand-new provider: the score of
    /// an empty document applies).
    public var document: ProviderReputation?
    /// The reputation parameter history; `nil` before any parameter publication (the defaults apply).
    public var parameters: ParameterHistory?

    /// The value of ``source``.
    public static let serverSource = "server"

    /// Creates the section.
    public init(provider: String, logSize: UInt64, document: ProviderReputation?, parameters: ParameterHistory?) {
        self.source = Self.serverSource
        self.provider = provider
        self.logSize = logSize
        self.document = document
        self.parameters = parameters
    }

    enum CodingKeys: String, CodingKey {
        case source, provider, logSize, document, parameters
    }

    /// Decodes; refuses a source other than `"server"` and a document about another provider.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        source = try container.decode(String.self, forKey: .source)
        guard source == Self.serverSource else {
            throw DecodingError.dataCorruptedError(
                forKey: .source,
                in: container,
                debugDescription: "reputation source \"\(source)\" is not \"server\""
            )
        }
        provider = try container.decode(String.self, forKey: .provider)
        logSize = try container.decode(UInt64.self, forKey: .logSize)
        document = try container.decodeIfPresent(ProviderReputation.self, forKey: .document)
        parameters = try container.decodeIfPresent(ParameterHistory.self, forKey: .parameters)
        if let document, document.id != provider {
            throw DecodingError.dataCorruptedError(
                forKey: .document,
                in: container,
                debugDescription: "the reputation document is about \(document.id), not \(provider)"
            )
        }
    }

    /// Encodes every member (`null` for an absent document or history).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(provider, forKey: .provider)
        try container.encode(logSize, forKey: .logSize)
        try container.encode(document, forKey: .document)
        try container.encode(parameters, forKey: .parameters)
    }
}
