extension StrictJSON.Parser {
    /// Checks the value at `index` like ``parseValue(depth:)`` (same failures, in the same order) without building it.
    mutating func skipValue(depth: Int) throws(StrictJSON.Failure) {
        guard depth < StrictJSON.maximumDepth else { throw StrictJSON.Failure(reason: "nesting too deep") }
        guard index < bytes.count else { throw StrictJSON.Failure(reason: "unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try skipObject(depth: depth)
        case UInt8(ascii: "["): try skipArray(depth: depth)
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expect("true")
        case UInt8(ascii: "f"): try expect("false")
        case UInt8(ascii: "n"): try expect("null")
        default: try scanNumber()
        }
    }

    /// ``parseObject(depth:)`` without building. Duplicate keys are found as when parsing (by `String` equality) but,
    /// while every key of the object is printable ASCII without escapes, by comparing their bytes: for such keys the
    /// two agree (ASCII strings are canonically equivalent only when equal). The first key that is not, or the
    /// 16th key, switches to decoded `String`s (the parser's scan, then its set).
    mutating func skipObject(depth: Int) throws(StrictJSON.Failure) {
        let start = index
        index += 1
        // The opening quotes of the keys so far, while they are all plain and fewer than 16 (in place: no allocation
        // per object).
        var plainKeys = SIMD16<Int>()
        var plainCount = 0
        var keys: [String]?
        var keySet: Set<String>?
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            ends?[start] = Int32(truncatingIfNeeded: index)
            return
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw StrictJSON.Failure(reason: "expected an object key")
            }
            let keyStart = index
            if keys == nil, plainCount < 16, let keyEnd = plainKeyEnd(keyStart) {
                index = keyEnd + 1
                for other in 0..<plainCount where sameKey(plainKeys[other], keyStart, keyEnd) {
                    throw StrictJSON.Failure(reason: "duplicate key \"\(plainKey(keyStart, keyEnd))\"")
                }
                plainKeys[plainCount] = keyStart
                plainCount += 1
            } else {
                if keys == nil {
                    keys = (0..<plainCount).map { other in
                        let quote = plainKeys[other]
                        return plainKey(quote, plainKeyEnd(quote) ?? quote + 1)
                    }
                }
                let key = try parseString()
                if keySet == nil, let list = keys, list.count >= 16 { keySet = Set(list) }
                let duplicate = keySet?.contains(key) ?? keys?.contains(key) ?? false
                guard !duplicate else { throw StrictJSON.Failure(reason: "duplicate key \"\(key)\"") }
                if keySet != nil { keySet?.insert(key) } else { keys?.append(key) }
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw StrictJSON.Failure(reason: "expected ':'")
            }
            index += 1
            skipWhitespace()
            try skipValue(depth: depth + 1)
            skipWhitespace()
            guard index < bytes.count else { throw StrictJSON.Failure(reason: "unterminated object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw StrictJSON.Failure(reason: "expected ',' or '}'") }
            index += 1
            ends?[start] = Int32(truncatingIfNeeded: index)
            return
        }
    }

    /// The closing quote of the string whose opening quote is at `quote`, when the string is printable ASCII
    /// without escapes (a plain key); `nil` otherwise (also when it is unterminated).
    func plainKeyEnd(_ quote: Int) -> Int? {
        var index = quote + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return index }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    /// Whether the plain key at `other` has the bytes of the plain key between `quote` and `end`.
    func sameKey(_ other: Int, _ quote: Int, _ end: Int) -> Bool {
        let count = end - quote
        guard other + count < bytes.count, bytes[other + count] == UInt8(ascii: "\"") else { return false }
        var offset = 1
        while offset < count {
            guard bytes[other + offset] == bytes[quote + offset] else { return false }
            offset += 1
        }
        return true
    }

    /// The plain key between the quotes at `quote` and `end`.
    func plainKey(_ quote: Int, _ end: Int) -> String {
        String(decoding: bytes[(quote + 1)..<end], as: UTF8.self)
    }

    /// ``parseArray(depth:)`` without building.
    mutating func skipArray(depth: Int) throws(StrictJSON.Failure) {
        let start = index
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            ends?[start] = Int32(truncatingIfNeeded: index)
            return
        }
        while true {
            skipWhitespace()
            try skipValue(depth: depth + 1)
            skipWhitespace()
            guard index < bytes.count else { throw StrictJSON.Failure(reason: "unterminated array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw StrictJSON.Failure(reason: "expected ',' or ']'") }
            index += 1
            ends?[start] = Int32(truncatingIfNeeded: index)
            return
        }
    }

    /// ``parseString()`` without building: the same checks in the same order; the raw bytes between the quotes are
    /// checked as UTF-8 when the closing quote is reached (escapes are ASCII and always decode to whole scalars, so
    /// the raw bytes are valid exactly when the decoded ones are).
    mutating func skipString() throws(StrictJSON.Failure) {
        let quote = index
        index += 1  // opening quote
        let start = index
        // Only a string with a byte of 0x80 or more can be invalid UTF-8.
        var ascii = true
        while true {
            index = StrictJSON.plainASCIIEnd(bytes, from: index)
            guard index < bytes.count else { throw StrictJSON.Failure(reason: "unterminated string") }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard ascii || StrictJSON.isValidUTF8(bytes, start..<index - 1) else {
                    throw StrictJSON.Failure(reason: "string is not valid UTF-8")
                }
                ends?[quote] = Int32(truncatingIfNeeded: index)
                return
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw StrictJSON.Failure(reason: "unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    let scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw StrictJSON.Failure(reason: "lone high surrogate") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw StrictJSON.Failure(reason: "invalid surrogate pair")
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw StrictJSON.Failure(reason: "lone low surrogate")
                    }
                default:
                    throw StrictJSON.Failure(reason: "invalid escape")
                }
            default:
                guard byte >= 0x20 else { throw StrictJSON.Failure(reason: "unescaped control character in string") }
                if byte >= 0x80 { ascii = false }
            }
        }
    }

    /// The end of the value at `index` of a document already validated (no checks).
    mutating func skipValidatedValue() {
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            repeat {
                switch bytes[index] {
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                case UInt8(ascii: "\""): skipValidatedString()
                default: break
                }
                index += 1
            } while depth > 0
        case UInt8(ascii: "\""):
            skipValidatedString()
            index += 1
        case UInt8(ascii: "t"), UInt8(ascii: "n"): index += 4
        case UInt8(ascii: "f"): index += 5
        default:
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                    UInt8(ascii: "e"), UInt8(ascii: "E"):
                    index += 1
                default: return
                }
            }
        }
    }

    /// Moves from the opening quote of a validated string to its closing quote.
    mutating func skipValidatedString() {
        index += 1
        while bytes[index] != UInt8(ascii: "\"") {
            index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
        }
    }
}

extension StrictJSON {
    /// The index of the first byte at or after `index` that a string's scan must look at: a quote, a backslash, a
    /// control character or a byte of 0x80 or more (`bytes.count` when there is none). Eight bytes at a time while
    /// none of them is one (the exact word tests of ``StrictJSON/needsEscape(_:_:)``).
    static func plainASCIIEnd(_ bytes: [UInt8], from index: Int) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            var index = index
            let count = buffer.count
            if let base = buffer.baseAddress {
                while index + 8 <= count {
                    let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                    guard word & 0x8080_8080_8080_8080 == 0, !StrictJSON.needsEscape(word, false) else { break }
                    index += 8
                }
            }
            while index < count {
                let byte = buffer[index]
                guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { break }
                index += 1
            }
            return index
        }
    }

    /// Whether `bytes[range]` is well-formed UTF-8 (Unicode 3.9, table 3-7): what `String(validating:as:)` accepts.
    static func isValidUTF8(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            func continuation(_ j: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
                j < end && bytes[j] >= low && bytes[j] <= high
            }
            switch b0 {
            case 0xC2...0xDF:
                guard continuation(i + 1) else { return false }
                i += 2
            case 0xE0:
                guard continuation(i + 1, 0xA0), continuation(i + 2) else { return false }
                i += 3
            case 0xE1...0xEC, 0xEE...0xEF:
                guard continuation(i + 1), continuation(i + 2) else { return false }
                i += 3
            case 0xED:
                guard continuation(i + 1, 0x80, 0x9F), continuation(i + 2) else { return false }
                i += 3
            case 0xF0:
                guard continuation(i + 1, 0x90), continuation(i + 2), continuation(i + 3) else { return false }
                i += 4
            case 0xF1...0xF3:
                guard continuation(i + 1), continuation(i + 2), continuation(i + 3) else { return false }
                i += 4
            case 0xF4:
                guard continuation(i + 1, 0x80, 0x8F), continuation(i + 2), continuation(i + 3) else { return false }
                i += 4
            default: return false
            }
        }
        return true
    }
}
