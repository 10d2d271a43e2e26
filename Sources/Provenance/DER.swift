/// A minimal strict DER reader/writer for the few structures keys need (SPKI, PKCS#8, SEC1).
enum DER {
    static let sequence: UInt8 = 0x30
    static let integer: UInt8 = 0x02
    static let bitString: UInt8 = 0x03
    static let octetString: UInt8 = 0x04
    static let objectIdentifier: UInt8 = 0x06

    /// OID 1.3.101.112 (id-Ed25519, RFC 8410).
    static let oidEd25519: [UInt8] = [0x2B, 0x65, 0x70]
    /// OID 1.2.840.10045.2.1 (id-ecPublicKey).
    static let oidECPublicKey: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    /// OID 1.2.840.10045.3.1.7 (prime256v1 / secp256r1).
    static let oidP256: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]

    struct Element {
        var tag: UInt8
        var content: ArraySlice<UInt8>
    }

    struct Failure: Error {}

    /// Reads consecutive DER elements.
    struct Reader {
        private var remaining: ArraySlice<UInt8>

        init(_ bytes: ArraySlice<UInt8>) { remaining = bytes }

        var isAtEnd: Bool { remaining.isEmpty }

        /// The tag of the next element, if any.
        var nextTag: UInt8? { remaining.first }

        mutating func read() throws(Failure) -> Element {
            guard let tag = remaining.first, tag & 0x1F != 0x1F else { throw Failure() }
            var index = remaining.index(after: remaining.startIndex)
            guard index < remaining.endIndex else { throw Failure() }
            let first = remaining[index]
            index += 1
            var length = 0
            if first < 0x80 {
                length = Int(first)
            } else {
                let count = Int(first & 0x7F)
                // Indefinite lengths, over-long length fields and non-minimal encodings are not DER.
                guard count >= 1, count <= 3, remaining.endIndex - index >= count, remaining[index] != 0 else {
                    throw Failure()
                }
                for _ in 0..<count {
                    length = length << 8 | Int(remaining[index])
                    index += 1
                }
                guard length >= 0x80 else { throw Failure() }
            }
            guard remaining.endIndex - index >= length else { throw Failure() }
            let content = remaining[index..<(index + length)]
            remaining = remaining[(index + length)...]
            return Element(tag: tag, content: content)
        }

        mutating func read(tag: UInt8) throws(Failure) -> ArraySlice<UInt8> {
            let element = try read()
            guard element.tag == tag else { throw Failure() }
            return element.content
        }
    }

    /// Parses exactly one element with `tag` spanning all of `bytes`.
    static func single(_ bytes: ArraySlice<UInt8>, tag: UInt8) throws(Failure) -> ArraySlice<UInt8> {
        var reader = Reader(bytes)
        let content = try reader.read(tag: tag)
        guard reader.isAtEnd else { throw Failure() }
        return content
    }

    /// Encodes one element.
    static func encode(tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [tag]
        if content.count < 0x80 {
            out.append(UInt8(content.count))
        } else if content.count <= 0xFF {
            out += [0x81, UInt8(content.count)]
        } else {
            out += [0x82, UInt8(content.count >> 8), UInt8(content.count & 0xFF)]
        }
        return out + content
    }
}
