import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import NIOCore
import Provenance
import TransparencyLog

/// A record as the reading API shows it: what it is, where it sits in the log and the proof.
public struct RecordView: Codable, Sendable, Equatable {
    /// `sha256:<hex>` of the payload.
    public var id: String
    /// The record kind (`image-register`, …).
    public var kind: String
    /// The provider it belongs to, if any.
    public var provider: String?
    /// The image digest it names, if any.
    public var digest: String?
    /// The record it links to (`previous` of a modify; the target of a revoke, restore or deprecate).
    public var linked: String?
    /// Integration time, milliseconds since the Unix epoch.
    public var integratedTime: Int64
    /// Position in the log.
    public var index: UInt64
    /// RFC 6962 leaf hash, hex.
    public var leafHash: String
    /// Tree size of the proof (the checkpoint in the enclosing answer).
    public var treeSize: UInt64
    /// Inclusion proof, base64 hashes.
    public var inclusionProof: [String]
    /// For image records: their status now.
    public var status: StatusView?
}

/// An image record's status.
public struct StatusView: Codable, Sendable, Equatable {
    /// `active`, `revoked`, `scheduled` or `deprecated`.
    public var state: String
    /// The revoke record that decides it.
    public var by: String?
    /// The ancestor whose inherited revocation applies, when not the record itself.
    public var inheritedFrom: String?
    /// When the revocation took or takes effect, or since when the record is deprecated.
    public var at: Int64?

    /// The view of a status.
    public init(_ status: RecordStatus) {
        switch status {
        case .active:
            state = "active"
        case .revoked(let by, let inherited, let since):
            state = "revoked"
            self.by = by.description
            inheritedFrom = inherited?.description
            at = since
        case .scheduled(let by, let inherited, let when):
            state = "scheduled"
            self.by = by.description
            inheritedFrom = inherited?.description
            at = when
        case .deprecated(let since):
            state = "deprecated"
            at = since
        }
    }
}

/// `GET /v1/images/{digest}`.
public struct ImageView: Codable, Sendable {
    /// The digest asked for.
    public var digest: String
    /// The image records with this digest (one per provider that registered it), then records about them.
    public var records: [RecordView]
    /// The ancestors of the first image record, nearest first, up to the root.
    public var ancestors: [RecordView]
    /// The records derived from it, breadth first.
    public var descendants: [RecordView]
    /// Whether no later version derives from it.
    public var newest: Bool
    /// The checkpoint every proof is against.
    public var checkpoint: String
}

/// `GET /v1/images?name=&provider=&prefix=`: image-register records by name.
public struct ImageSearchResult: Codable, Sendable {
    /// One image record.
    public struct Hit: Codable, Sendable, Equatable {
        /// Its record id.
        public var record: String
        /// Its provider.
        public var provider: String
        /// Its name.
        public var name: String
        /// Its digest.
        public var digest: String

        /// Creates a hit.
        public init(record: String, provider: String, name: String, digest: String) {
            self.record = record
            self.provider = provider
            self.name = name
            self.digest = digest
        }
    }

    /// The matches, by name then provider.
    public var images: [Hit]
}

/// `GET /v1/providers/{id}`.
public struct ProviderView: Codable, Sendable {
    /// The provider's state (keys with validity windows, suspension, initial reputation).
    public var provider: ProviderState
    /// The provider's records in log order (at most 1,000).
    public var records: [RecordView]
    /// The checkpoint every proof is against.
    public var checkpoint: String
}

extension TrustServer {
    /// The reading API over the provenance state.
    func addProvenanceRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/images/{digest}") { _, context in
            let digest = try context.parameters.require("digest")
            guard ImageDigest.isValid(digest) else {
                throw Problem.invalidParameter("\(digest) is not an image digest (sha256:<64 hex digits>)")
            }
            let state = ledger.provenanceState
            let checkpoint = await ledger.latestCheckpoint
            let now = ledger.now()
            var records: [RecordState] = []
            for id in try await state.records(withDigest: digest) {
                if let record = try await state.record(id: id) { records.append(record) }
            }
            let images = records.filter { $0.kind.isImageRecord }
            guard let primary = images.first else { throw Problem.notFound("no image record has digest \(digest)") }
            let ancestors = try await state.ancestors(of: primary)
            // Statuses from the chains already read: each record's ancestors are known, so no
            // record is read twice and the cost stays linear in the lineage's size.
            var lineage: [RecordID: [RecordState]] = [primary.id: ancestors]
            for (offset, ancestor) in ancestors.enumerated() { lineage[ancestor.id] = Array(ancestors[(offset + 1)...]) }
            var descendants: [RecordState] = []
            var frontier = [primary]
            while !frontier.isEmpty, descendants.count < 1000 {
                let parent = frontier.removeFirst()
                for child in try await state.children(of: parent.id) {
                    if let record = try await state.record(id: child) {
                        lineage[record.id] = [parent] + (lineage[parent.id] ?? [])
                        descendants.append(record)
                        frontier.append(record)
                    }
                }
            }
            var statuses: [RecordID: RecordStatus] = [:]
            for record in [primary] + ancestors + descendants {
                if let chain = lineage[record.id] {
                    statuses[record.id] = RecordStatus(record: record, ancestors: chain, at: now)
                }
            }
            let view = ImageView(
                digest: digest,
                records: try await views(records, state: state, at: now, size: checkpoint.size, statuses: statuses),
                ancestors: try await views(ancestors, state: state, at: now, size: checkpoint.size, statuses: statuses),
                descendants: try await views(descendants, state: state, at: now, size: checkpoint.size, statuses: statuses),
                newest: try await state.children(of: primary.id, limit: 1).isEmpty,
                checkpoint: checkpoint.note
            )
            return try Response.json(view)
        }
        router.get("/v1/images") { request, _ in
            guard let name = request.uri.queryParameters.get("name"), !name.isEmpty else {
                throw Problem.invalidParameter("query parameter name is required")
            }
            let provider = request.uri.queryParameters.get("provider")
            let prefix = request.uri.queryParameters.get("prefix") == "true"
            let found = try await ledger.provenanceState.images(named: name, exact: !prefix, provider: provider)
            return try Response.json(
                ImageSearchResult(
                    images: found.map {
                        ImageSearchResult.Hit(
                            record: $0.record.description,
                            provider: $0.provider,
                            name: $0.name,
                            digest: $0.digest
                        )
                    }
                )
            )
        }
        router.get("/v1/providers/{id}") { _, context in
            let id = try context.parameters.require("id")
            let state = ledger.provenanceState
            guard let provider = try await state.provider(id: id) else { throw Problem.notFound("no provider \(id)") }
            let checkpoint = await ledger.latestCheckpoint
            var records: [RecordState] = []
            for recordID in try await state.records(ofProvider: id) {
                if let record = try await state.record(id: recordID) { records.append(record) }
            }
            let view = ProviderView(
                provider: provider,
                records: try await views(records, state: state, at: ledger.now(), size: checkpoint.size),
                checkpoint: checkpoint.note
            )
            return try Response.json(view)
        }
    }

    /// Record views with proofs against the tree of `size` leaves.
    func views(
        _ records: [RecordState],
        state: LedgerProvenanceState,
        at time: Int64,
        size: UInt64,
        statuses: [RecordID: RecordStatus] = [:]
    ) async throws -> [RecordView] {
        let proofs = try await ledger.inclusionProofs(for: records.map(\.id))
        var out: [RecordView] = []
        for record in records {
            guard let proof = proofs[record.id], proof.treeSize >= size else {
                throw Problem(
                    .internalServerError,
                    code: "internal",
                    title: "Internal error",
                    detail: "record \(record.id) is indexed but not in the log"
                )
            }
            var status: StatusView?
            if record.kind.isImageRecord {
                if let known = statuses[record.id] {
                    status = StatusView(known)
                } else {
                    status = try await state.status(of: record.id, at: time).map(StatusView.init)
                }
            }
            out.append(
                RecordView(
                    id: record.id.description,
                    kind: record.kind.rawValue,
                    provider: record.provider,
                    digest: record.digest,
                    linked: record.linked?.description,
                    integratedTime: record.integratedAt,
                    index: proof.index,
                    leafHash: proof.leafHash.hex,
                    treeSize: proof.treeSize,
                    inclusionProof: proof.inclusionProof.map(\.base64),
                    status: status
                )
            )
        }
        return out
    }
}
