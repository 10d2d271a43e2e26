/// A c2sp.org/signed-note: a text ending in a newline plus one or more signature lines.
///
/// The wire form is the text, a blank line, then one line per signature:
/// `— <key name> <base64(4-byte big-endian key ID || signature)>\n` (U+2014 EM DASH, space).
/// The text includes its final newline but not the separating blank line.
public struct Note: Sendable, Equatable {
    /// The signed text; ends with `"\n"` in any well-formed note.
    public var text: String
    /// The signature lines, in wire order.
    public var signatures: [NoteSignature]

    /// The most signature lines accepted when parsing or verifying (the spec requires accepting at least 16).
    public static let maximumSignatures = 100

    /// Creates a note from its parts; nothing is validated until ``formatted`` is used or ``verify(using:)``.
    public init(text: String, signatures: [NoteSignature] = []) {
        self.text = text
        self.signatures = signatures
    }

    /// Strictly parses a signed note.
    ///
    /// Rejects (``NoteError/Code-swift.struct/malformedNote``): invalid UTF-8, ASCII control characters
    /// other than newline, no blank line before the signature block, a signature block that is empty or does
    /// not end with a newline, lines not starting with `"— "`, invalid key names, non-canonical or
    /// non-standard base64, signatures shorter than 5 bytes (4-byte key ID plus at least one byte) and more
    /// than ``maximumSignatures`` signature lines.
    public init(parsing bytes: some Collection<UInt8>) throws(NoteError) {
        let message = Array(bytes)
        try Note.checkCharacters(message)
        // The text is separated from the signatures by the LAST empty line.
        var split: Int?
        var index = message.count - 2
        while index >= 0 {
            if message[index] == 0x0A && message[index + 1] == 0x0A {
                split = index
                break
            }
            index -= 1
        }
        guard let split else { throw .malformedNote("no blank line separating text and signatures") }
        let textBytes = message[...split]
        let signatureBlock = message[(split + 2)...]
        guard let last = signatureBlock.last, last == 0x0A else {
            throw .malformedNote("signature block is empty or does not end with a newline")
        }
        let lines = signatureBlock.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
        guard lines.count <= Note.maximumSignatures else {
            throw .malformedNote("more than \(Note.maximumSignatures) signature lines")
        }
        var signatures: [NoteSignature] = []
        signatures.reserveCapacity(lines.count)
        for line in lines {
            signatures.append(try NoteSignature(parsingLine: line))
        }
        self.text = String(decoding: textBytes, as: UTF8.self)
        self.signatures = signatures
    }

    /// The exact wire bytes: text, blank line, signature lines.
    public var formatted: String {
        var out = text
        out += "\n"
        for signature in signatures {
            out += signature.line
        }
        return out
    }

    /// The UTF-8 bytes of ``formatted``.
    public var formattedBytes: [UInt8] { Array(formatted.utf8) }

    /// Checks UTF-8 validity and the absence of control characters other than newline.
    static func checkCharacters(_ bytes: [UInt8]) throws(NoteError) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar.value < 0x20 && scalar.value != 0x0A {
                    throw .malformedNote("control character U+\(String(scalar.value, radix: 16)) in note")
                }
            case .emptyInput:
                break loop
            case .error:
                throw .malformedNote("note is not valid UTF-8")
            }
        }
    }

    /// Checks that a text may be signed: it ends with a newline and has no control characters but newlines.
    static func checkSignableText(_ text: String) throws(NoteError) {
        guard text.utf8.last == 0x0A else {
            throw .malformedNote("note text does not end with a newline")
        }
        try checkCharacters(Array(text.utf8))
    }
}

/// One signature line of a ``Note``.
public struct NoteSignature: Sendable, Equatable {
    /// The key name.
    public var name: String
    /// The 32-bit key ID (first four bytes of the decoded signature, big-endian).
    public var keyID: UInt32
    /// The signature bytes that follow the key ID.
    public var signature: [UInt8]

    /// Creates a signature.
    public init(name: String, keyID: UInt32, signature: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// The wire line, including the leading `"— "` and the final newline.
    public var line: String {
        "\u{2014} \(name) \(Base64.encode(NoteKeys.bigEndian(keyID) + signature))\n"
    }

    /// Parses one line without its final newline.
    init(parsingLine line: ArraySlice<UInt8>) throws(NoteError) {
        let prefix: [UInt8] = [0xE2, 0x80, 0x94, 0x20]  // "— "
        guard line.starts(with: prefix) else {
            throw .malformedNote("signature line does not start with an em dash and a space")
        }
        let rest = line.dropFirst(prefix.count)
        guard let space = rest.firstIndex(of: 0x20) else {
            throw .malformedNote("signature line has no space between key name and signature")
        }
        let name = String(decoding: rest[..<space], as: UTF8.self)
        guard NoteKeys.isValidName(name) else {
            throw .malformedNote("invalid key name in signature line")
        }
        let encoded = String(decoding: rest[(space + 1)...], as: UTF8.self)
        guard let raw = Base64.decode(encoded) else {
            throw .malformedNote("signature is not valid base64")
        }
        guard raw.count >= 5 else {
            throw .malformedNote("signature is shorter than a key ID plus one byte")
        }
        self.name = name
        self.keyID = UInt32(raw[0]) << 24 | UInt32(raw[1]) << 16 | UInt32(raw[2]) << 8 | UInt32(raw[3])
        self.signature = Array(raw[4...])
    }
}
