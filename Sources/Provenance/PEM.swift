import TransparencyLog

/// Strict PEM (RFC 7468) for key files: exactly one block, surrounding white space allowed, no headers.
enum PEM {
    /// Encodes DER as a PEM block with 64-character lines and a final newline.
    static func encode(label: String, der: [UInt8]) -> String {
        let body = Base64.encode(der)
        var out = "-----BEGIN \(label)-----\n"
        var index = body.startIndex
        while index < body.endIndex {
            let end = body.index(index, offsetBy: 64, limitedBy: body.endIndex) ?? body.endIndex
            out += body[index..<end] + "\n"
            index = end
        }
        return out + "-----END \(label)-----\n"
    }

    /// Decodes the single PEM block in `text`; returns its label and DER bytes.
    static func decode(_ text: String) throws(KeyError) -> (label: String, der: [UInt8]) {
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
            .map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty }
        guard lines.count >= 2, let first = lines.first, let last = lines.last,
            first.hasPrefix("-----BEGIN "), first.hasSuffix("-----"),
            last.hasPrefix("-----END "), last.hasSuffix("-----")
        else { throw .malformedPEM("expected a single -----BEGIN ...----- / -----END ...----- block") }
        let label = String(first.dropFirst("-----BEGIN ".count).dropLast(5))
        let endLabel = String(last.dropFirst("-----END ".count).dropLast(5))
        guard !label.isEmpty, label == endLabel else { throw .malformedPEM("BEGIN and END labels differ") }
        let body = lines.dropFirst().dropLast()
        guard !body.contains(where: { $0.contains(":") || $0.hasPrefix("-----") }) else {
            throw .malformedPEM("PEM headers, encrypted keys and multiple blocks are not supported")
        }
        guard let der = Base64.decode(body.joined()), !der.isEmpty else {
            throw .malformedPEM("PEM body is not valid base64")
        }
        return (label, der)
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
