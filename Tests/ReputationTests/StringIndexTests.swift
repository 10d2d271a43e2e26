import DeterministicRandom
import Testing

@testable import Reputation

/// The text index of the in-memory state's tables, and the inlined newest-version decay of the top-list scan.
@Suite struct StringIndexTests {
    /// A random string of 0–40 UTF-8 bytes (every length the hash reads differently), ASCII or not.
    static func randomString(_ random: inout SplitMix64) -> String {
        let alphabet: [Character] = ["a", "b", "p", "/", "0", "1", "é", "猫"]
        let count = Int.random(in: 0...40, using: &random)
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
    }

    /// Strings interned in a list and indexed are found under their numbers, across growth; strings never inserted
    /// are not found.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func indexMatchesDictionary(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var index = StringIndex()
        var strings: [String] = []
        var reference: [String: Int32] = [:]
        for _ in 0..<3_000 {
            let key = Self.randomString(&random)
            let hash = index.hash(key)
            #expect(index.find(key, hash: hash, in: strings) == reference[key])
            if reference[key] == nil {
                let number = Int32(strings.count)
                strings.append(key)
                index.insert(hash: hash, number: number)
                reference[key] = number
            }
            #expect(index.find(key, hash: index.hash(key), in: strings) == reference[key])
        }
        #expect(index.count == reference.count)
        for (key, number) in reference { #expect(index.find(key, hash: index.hash(key), in: strings) == number) }
    }

    /// The same text hashes alike whatever its representation (a small string, a native one, a substring's copy).
    @Test func hashIgnoresRepresentation() {
        let index = StringIndex()
        let long = "attestation/p12/a3/img12345/audit"
        let suffix = String(("x" + long).dropFirst())
        #expect(index.hash(long) == index.hash(suffix))
        let small = "p123"
        let built = String(repeating: "p", count: 1) + "123"
        #expect(index.hash(small) == index.hash(built))
    }

    /// A name table gives back the number given for a name when it was first seen.
    @Test func nameTableRemembersTargets() {
        var table = NameTable()
        var random = SplitMix64(seed: 7)
        var reference: [String: Int32] = [:]
        for step in 0..<1_000 {
            let name = Self.randomString(&random)
            let hash = table.hash(name)
            #expect(table.target(name, hash: hash) == reference[name])
            if reference[name] == nil {
                table.add(name, hash: hash, target: Int32(step))
                reference[name] = Int32(step)
            }
        }
    }

    /// The top-list scan's decay equals `ParameterHistory.decay` bit for bit: on the newest version's one-`exp2`
    /// path, across publications (the history's piecewise computation), and for `to <= from`.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func newestDecayEqualsHistoryDecay(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let history = TopScanTests.history(versions: Int.random(in: 2...4, using: &random), &random)
        let day = millisecondsPerDay
        let newest = NewestDecay(history)
        for _ in 0..<2_000 {
            let from = Int64.random(in: 0...600 * day, using: &random)
            let to = from + Int64.random(in: -day...400 * day, using: &random)
            for dimension in ReputationDimension.allCases {
                let expected = history.decay(dimension.channel, from: from, to: to)
                #expect(newest.decay(dimension, from: from, to: to, history).bitPattern == expected.bitPattern)
            }
        }
    }
}
