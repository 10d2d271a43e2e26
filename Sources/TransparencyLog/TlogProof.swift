/// An offline inclusion proof file in the c2sp.org/tlog-proof@v1 text format:
///
/// ```
/// c2sp.org/tlog-proof@v1
/// extra <base64>            (optional)
/// index <decimal>
/// <base64 hash>             (zero or more, leaf's sibling first)
///
/// <checkpoint signed note, verbatim>
/// ```
public struct TlogProof: Sendable, Equatable {
    /// The first line of every proof file.
    public static let header = "c2sp.org/tlog-proof@v1"

    /// Optional opaque, unauthenticated application data (the `extra` line).
    public var extraData: [UInt8]?
    /// The zero-based index of the entry in the log.
    public var index: UInt64
    /// The RFC 6962 inclusion proof, from the leaf's sibling up to the root's child.
    public var proof: [TreeHash]
    /// The whole checkpoint signed note (body, blank line, signature lines), verbatim.
    public var checkpointText: String

    /// Creates a proof file model.
    public init(index: UInt64, proof: [TreeHash], checkpointText: String, extraData: [UInt8]? = nil) {
        self.index = index
        self.proof = proof
        self.checkpointText = checkpointText
        self.extraData = extraData
    }

    /// Parses a proof file strictly.
    ///
    /// The checkpoint is checked only for signed-note shape (text, blank line, one or more
    /// `— ` signature lines, final newline, no control characters); its contents and signatures
    /// are for the caller to verify.
    /// - Throws: ``MerkleError/Code/invalidProofFile`` for any deviation from the format.
    public init(parsing text: String) throws(MerkleError) {
        var rest = Substring(text)
        func nextLine() throws(MerkleError) -> Substring {
            guard let newline = rest.firstIndex(of: "\n") else {
                throw .invalidProofFile("unterminated line or missing checkpoint")
            }
            let line = rest[..<newline]
            rest = rest[rest.index(after: newline)...]
            return line
        }

        guard try nextLine() == TlogProof.header else {
            throw .invalidProofFile("first line is not \(TlogProof.header)")
        }
        var line = try nextLine()
        var extraData: [UInt8]?
        if line.hasPrefix("extra ") {
            guard let decoded = Base64.decode(line.dropFirst("extra ".count)) else {
                throw .invalidProofFile("extra line is not canonical base64")
            }
            extraData = decoded
            line = try nextLine()
        }
        guard line.hasPrefix("index "), let index = TlogProof.canonicalDecimal(line.dropFirst("index ".count)) else {
            throw .invalidProofFile("expected an index line with a canonical decimal")
        }
        var proof: [TreeHash] = []
        while true {
            let hashLine = try nextLine()
            if hashLine.isEmpty { break }
            guard proof.count < 64, let hash = TreeHash(base64: String(hashLine)) else {
                throw .invalidProofFile("proof line \(proof.count) is not a base64 SHA-256 hash")
            }
            proof.append(hash)
        }
        let checkpoint = String(rest)
        try TlogProof.checkSignedNoteShape(checkpoint)
        self.init(index: index, proof: proof, checkpointText: checkpoint, extraData: extraData)
    }

    /// The file text in the exact tlog-proof@v1 format.
    public var text: String {
        var out = TlogProof.header + "\n"
        if let extraData {
            out += "extra " + Base64.encode(extraData) + "\n"
        }
        out += "index \(index)\n"
        for hash in proof {
            out += hash.base64 + "\n"
        }
        out += "\n"
        out += checkpointText
        return out
    }

    /// Verifies the inclusion proof for `leafHash` against a checkpoint's size and root.
    ///
    /// The caller verifies the checkpoint signature (and that `checkpointText` carries this size
    /// and root) separately.
    public func verify(leafHash: TreeHash, treeSize: UInt64, root: TreeHash) -> Bool {
        MerkleTree.verifyInclusion(leafHash: leafHash, index: index, size: treeSize, proof: proof, root: root)
    }

    private static func canonicalDecimal(_ digits: Substring) -> UInt64? {
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            digits.count == 1 || digits.first != "0"
        else { return nil }
        return UInt64(digits)
    }

    /// Checks c2sp.org/signed-note shape: text ending in newline, a blank line (the last one),
    /// one or more `— <name> <signature>` lines, each newline-terminated; no control characters;
    /// and a non-empty first (origin) line, as every checkpoint has.
    private static func checkSignedNoteShape(_ note: String) throws(MerkleError) {
        guard note.utf8.allSatisfy({ $0 >= 0x20 || $0 == 0x0a }) else {
            throw .invalidProofFile("checkpoint contains control characters")
        }
        guard note.hasSuffix("\n") else { throw .invalidProofFile("checkpoint does not end with a newline") }
        guard !note.hasPrefix("\n") else {
            throw .invalidProofFile("checkpoint must start with its origin line, not a blank line")
        }
        let bytes = Array(note.utf8)
        // The last blank line separates the text from the signatures.
        var separator: Int?
        var position = bytes.count - 2
        while position >= 1 {
            if bytes[position] == 0x0a, bytes[position - 1] == 0x0a {
                separator = position
                break
            }
            position -= 1
        }
        guard let separator, separator >= 2 else {
            throw .invalidProofFile("checkpoint has no text followed by a blank line and signatures")
        }
        let signatures = bytes[(separator + 1)...].split(separator: 0x0a, omittingEmptySubsequences: false)
            .dropLast()
        guard !signatures.isEmpty else { throw .invalidProofFile("checkpoint has no signature lines") }
        let dash = Array("\u{2014} ".utf8)
        for signature in signatures {
            let parts = signature.split(separator: 0x20, omittingEmptySubsequences: false)
            guard signature.starts(with: dash), parts.count == 3, !parts[1].isEmpty, !parts[2].isEmpty else {
                throw .invalidProofFile("checkpoint has a malformed signature line")
            }
        }
    }
}
