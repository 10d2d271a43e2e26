extension Note {
    /// Signs `text` with each signer, in order.
    ///
    /// The text must end with `"\n"` and contain no ASCII control characters other than newline; signer names
    /// must be valid key names and no two signers may share a (name, key ID). Throws ``NoteError`` (signer
    /// failures are reported as ``NoteError/Code-swift.struct/signingFailed``).
    public static func sign(text: String, signers: [any NoteSigner]) throws -> Note {
        try Note(text: text).signed(by: signers)
    }

    /// Returns this note with signatures by `signers` added after the existing ones. An existing signature with
    /// the same (name, key ID) as one of the signers is replaced (as in Go's `note.Sign`); this is how a
    /// witness adds a cosignature to a checkpoint.
    public func signed(by signers: [any NoteSigner]) throws -> Note {
        try Note.checkSignableText(text)
        let message = Array(text.utf8)
        var fresh: [NoteSignature] = []
        for signer in signers {
            try NoteKeys.checkName(signer.name)
            guard !fresh.contains(where: { $0.name == signer.name && $0.keyID == signer.keyID }) else {
                throw NoteError.malformedNote(
                    "two signers share the key \(signer.name)+\(NoteKeys.hex(signer.keyID))"
                )
            }
            let signature: [UInt8]
            do {
                signature = try signer.sign(message)
            } catch {
                throw NoteError.signingFailed("signer \(signer.name) failed: \(error)")
            }
            guard !signature.isEmpty else {
                throw NoteError.signingFailed("signer \(signer.name) returned no bytes")
            }
            fresh.append(NoteSignature(name: signer.name, keyID: signer.keyID, signature: signature))
        }
        let kept = signatures.filter { old in
            !fresh.contains { $0.name == old.name && $0.keyID == old.keyID }
        }
        guard kept.count + fresh.count <= Note.maximumSignatures else {
            throw NoteError.malformedNote("more than \(Note.maximumSignatures) signatures")
        }
        return Note(text: text, signatures: kept + fresh)
    }

    /// Verifies the note against known keys, like Go's `note.Open`.
    ///
    /// Signatures whose (name, key ID) is unknown are ignored. Every signature by a known key is verified; one
    /// that fails makes the whole note invalid (``NoteError/Code-swift.struct/invalidSignature``). If no known
    /// key signed, throws ``NoteError/Code-swift.struct/noVerifiedSignature``. A malformed text or more than
    /// ``maximumSignatures`` signatures throw ``NoteError/Code-swift.struct/malformedNote``.
    ///
    /// - Returns: the verified signatures, one per key, in note order.
    public func verify(using verifiers: NoteVerifiers) throws(NoteError) -> [NoteSignature] {
        try Note.checkSignableText(text)
        guard signatures.count <= Note.maximumSignatures else {
            throw .malformedNote("more than \(Note.maximumSignatures) signatures")
        }
        let message = Array(text.utf8)
        var verified: [NoteSignature] = []
        for signature in signatures {
            guard NoteKeys.isValidName(signature.name) else {
                throw .malformedNote("invalid key name in signature")
            }
            let candidates = verifiers.verifiers(name: signature.name, keyID: signature.keyID)
            if candidates.isEmpty { continue }
            let keyString = "\(signature.name)+\(NoteKeys.hex(signature.keyID))"
            guard candidates.count == 1 else { throw .ambiguousKey("several verifiers for \(keyString)") }
            guard candidates[0].verify(message: message, signature: signature.signature) else {
                throw .invalidSignature("invalid signature for key \(keyString)")
            }
            if !verified.contains(where: { $0.name == signature.name && $0.keyID == signature.keyID }) {
                verified.append(signature)
            }
        }
        guard !verified.isEmpty else {
            throw .noVerifiedSignature("note has no signature by a known key")
        }
        return verified
    }
}
