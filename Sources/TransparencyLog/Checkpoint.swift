/// A transparency log checkpoint body (c2sp.org/tlog-checkpoint): the text of a signed note.
///
/// ```
/// <origin>\n
/// <tree size, decimal, no leading zeros>\n
/// <base64 root hash>\n
/// [<extension line>\n ...]
/// ```
public struct Checkpoint: Sendable, Equatable {
    /// The log's origin line (non-empty).
    public var origin: String
    /// The number of leaves in the tree.
    public var size: UInt64
    /// The RFC 6962 root hash (32 bytes).
    public var rootHash: [UInt8]
    /// Opaque, non-empty extension lines (without newlines).
    public var extensions: [String]

    /// Creates a checkpoint from its parts (validated when formatted into a note and parsed again).
    public init(origin: String, size: UInt64, rootHash: [UInt8], extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// Strictly parses a checkpoint body (the note text, final newline included).
    ///
    /// Throws ``NoteError/Code-swift.struct/malformedCheckpoint`` when: the text does not end with a newline,
    /// has fewer than three lines or an empty line, contains control characters, the size is not ASCII decimal
    /// without leading zeros (or overflows 64 bits), or the root hash is not canonical standard base64 of
    /// exactly 32 bytes.
    public init(parsing text: String) throws(NoteError) {
        let bytes = Array(text.utf8)
        guard bytes.last == 0x0A else {
            throw .malformedCheckpoint("checkpoint does not end with a newline")
        }
        guard !bytes.contains(where: { $0 < 0x20 && $0 != 0x0A }) else {
            throw .malformedCheckpoint("control character in checkpoint")
        }
        let lines = bytes.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
        guard lines.count >= 3 else {
            throw .malformedCheckpoint("checkpoint has fewer than three lines")
        }
        guard lines.allSatisfy({ !$0.isEmpty }) else {
            throw .malformedCheckpoint("checkpoint has an empty line")
        }

        let sizeLine = lines[1]
        guard sizeLine.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .malformedCheckpoint("tree size is not a decimal number")
        }
        guard sizeLine.count == 1 || sizeLine.first != UInt8(ascii: "0") else {
            throw .malformedCheckpoint("tree size has a leading zero")
        }
        guard let size = UInt64(String(decoding: sizeLine, as: UTF8.self)) else {
            throw .malformedCheckpoint("tree size does not fit in 64 bits")
        }
        guard let hash = Base64.decode(String(decoding: lines[2], as: UTF8.self)) else {
            throw .malformedCheckpoint("root hash is not valid base64")
        }
        guard hash.count == 32 else {
            throw .malformedCheckpoint("root hash is \(hash.count) bytes, not 32")
        }

        self.origin = String(decoding: lines[0], as: UTF8.self)
        self.size = size
        self.rootHash = hash
        self.extensions = lines.dropFirst(3).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Parses the text of a signed note as a checkpoint (signatures are not checked here).
    public init(note: Note) throws(NoteError) {
        try self.init(parsing: note.text)
    }

    /// The note body: origin, size, base64 root hash and extension lines, each followed by `"\n"`.
    public var text: String {
        var out = "\(origin)\n\(size)\n\(Base64.encode(rootHash))\n"
        for line in extensions {
            out += line + "\n"
        }
        return out
    }
}
