import Provenance
import TransparencyLog

/// What a write gets back: where its entry sits in the log and the proof of it.
///
/// A receipt verifies offline with nothing but the log's verification key: check the
/// checkpoint's signature, then the inclusion proof of ``leafHash`` at ``index`` against the
/// checkpoint's root. ``tlogProof`` packs the same proof as a `c2sp.org/tlog-proof@v1` file.
public struct Receipt: Sendable, Hashable, Codable {
    /// Position of the entry in the log.
    public var index: UInt64
    /// `sha256:<hex>` of the DSSE payload.
    public var recordID: RecordID
    /// Integration time, milliseconds since the Unix epoch.
    public var integratedAtMillis: Int64
    /// RFC 6962 leaf hash of the encoded entry, lowercase hex.
    public var leafHash: String
    /// Tree size the proof is for (the checkpoint's size).
    public var treeSize: UInt64
    /// Inclusion proof hashes, standard base64.
    public var inclusionProof: [String]
    /// The signed checkpoint (a C2SP signed note).
    public var checkpoint: String
    /// `true` when the record was already in the log and this is its original receipt.
    public var duplicate: Bool

    enum CodingKeys: String, CodingKey {
        case index
        case recordID = "recordId"
        case integratedAtMillis = "integratedTime"
        case leafHash
        case treeSize
        case inclusionProof
        case checkpoint
        case duplicate
    }

    /// Creates a receipt.
    public init(
        index: UInt64,
        recordID: RecordID,
        integratedAtMillis: Int64,
        leafHash: TreeHash,
        treeSize: UInt64,
        inclusionProof: [TreeHash],
        checkpoint: String,
        duplicate: Bool
    ) {
        self.index = index
        self.recordID = recordID
        self.integratedAtMillis = integratedAtMillis
        self.leafHash = leafHash.hex
        self.treeSize = treeSize
        self.inclusionProof = inclusionProof.map(\.base64)
        self.checkpoint = checkpoint
        self.duplicate = duplicate
    }

    /// The proof as a `c2sp.org/tlog-proof@v1` file, if the receipt's fields are well formed.
    public var tlogProof: TlogProof? {
        var hashes: [TreeHash] = []
        for element in inclusionProof {
            guard let hash = TreeHash(base64: element) else { return nil }
            hashes.append(hash)
        }
        return TlogProof(index: index, proof: hashes, checkpointText: checkpoint, extraData: nil)
    }
}

/// Where a record's entry sits in the log and the proof of it.
public struct RecordProof: Sendable, Hashable {
    /// Position in the log.
    public var index: UInt64
    /// RFC 6962 leaf hash of the entry.
    public var leafHash: TreeHash
    /// Tree size the proof is for.
    public var treeSize: UInt64
    /// Inclusion proof hashes.
    public var inclusionProof: [TreeHash]
}
