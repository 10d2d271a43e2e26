import DeterministicRandom
import Foundation
import Provenance
import Testing

@testable import Reputation

/// The top-list scan (``ReputationEngine/smallestTop(_:at:_:)``): its approximation's error bound, and the index it
/// picks equal to the one a scan of every exact value picks.
struct TopScanTests {
    /// The index of the first smallest exact value: the scan ``ReputationEngine/smallestTop(_:at:_:)`` replaces.
    static func referenceSmallest(_ top: [TopContribution], at time: Int64, _ history: ParameterHistory) -> Int {
        var smallest = 0
        var smallestValue = Double.infinity
        for (index, entry) in top.enumerated() {
            let value = (entry.r + entry.s) * history.decay(entry.dimension.channel, from: entry.t, to: time)
            if value < smallestValue {
                smallest = index
                smallestValue = value
            }
        }
        return smallest
    }

    /// A history with `versions` versions of random half-lives, published 100 days apart.
    static func history(versions: Int, _ random: inout SplitMix64) -> ParameterHistory {
        var history = ParameterHistory()
        guard versions > 1 else { return history }
        for version in 2...versions {
            var parameters = history.current
            parameters.version = version
            parameters.halfLives.security = Double.random(in: 1...900, using: &random)
            parameters.halfLives.attestation = Double.random(in: 1...900, using: &random)
            parameters.halfLives.feedback = Double.random(in: 1...900, using: &random)
            parameters.halfLives.complianceNegative = Double.random(in: 1...900, using: &random)
            let published = history.publish(parameters, at: Int64(version) * 100 * millisecondsPerDay)
            #expect(published)
        }
        return history
    }

    static func record(_ random: inout SplitMix64) -> RecordID {
        withUnsafeBytes(of: random.next()) { RecordID(payload: $0) }
    }

    /// Calls `body` with `newest`'s table of inverse scales.
    static func withInverses<R>(_ newest: NewestDecay, _ body: (UnsafePointer<Double>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4) { buffer in
            newest.writeInverses(to: buffer)
            return body(UnsafePointer(buffer.baseAddress!))
        }
    }

    /// The table index of each dimension is its case number: distinct, in 0..<4.
    @Test func dimensionIndexesAreTheCases() {
        #expect(ReputationDimension.allCases.map(NewestDecay.index) == [0, 1, 2, 3])
    }

    /// Where the approximation is a number, it is within ``NewestDecay/logError`` of log₂ of the exact value (with
    /// the margin its bound claims), over the whole range it covers (exponents up to 512, r + s across 200 binary
    /// orders of magnitude).
    @Test(arguments: [1, 2, 3] as [UInt64])
    func approximationIsWithinItsBound(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let history = Self.history(versions: Int.random(in: 1...3, using: &random), &random)
        let newest = NewestDecay(history)
        let day = millisecondsPerDay
        let now = 1_000 * day
        var largest = 0.0
        var approximated = 0
        Self.withInverses(newest) { inverses in
            var weight = 1.0
            for _ in 0..<20_000 {
                if Int.random(in: 0..<3, using: &random) > 0 {
                    let exponent = Int.random(in: -100...99, using: &random)
                    weight = Double(sign: .plus, exponent: exponent, significand: Double.random(in: 1..<2, using: &random))
                }
                let age = Int64.random(in: 0...(Bool.random(using: &random) ? 10 * day : 800 * day), using: &random)
                let entry = TopContribution(
                    record: Self.record(&random),
                    dimension: ReputationDimension.allCases.randomElement(using: &random)!,
                    r: weight,
                    s: 0,
                    t: now - age
                )
                let approximation = newest.logValue(entry, at: now, inverses)
                let exact = (entry.r + entry.s) * newest.decay(entry.dimension, from: entry.t, to: now, history)
                guard !approximation.isNaN else { continue }
                approximated += 1
                largest = max(largest, abs(approximation - log2(exact)))
            }
        }
        #expect(approximated > 10_000)
        #expect(largest <= NewestDecay.logError / 100)
    }

    /// An entry's kept logarithm follows its masses (made, changed, decoded) and is not part of the document: equal
    /// entries are equal and hash alike even where it is NaN, and the JSON holds only the five fields.
    @Test func keptLogarithmFollowsTheMasses() throws {
        var random = SplitMix64(seed: 11)
        var entry = TopContribution(record: Self.record(&random), dimension: .att, r: 3, s: 1, t: 5)
        #expect(abs(entry.logWeight - 2) <= 1e-7)
        entry.r = 0.5
        #expect(abs(entry.logWeight - log2(1.5)) <= 1e-7)
        entry.s = -0.5
        #expect(entry.logWeight.isNaN)
        entry.s = 7.5
        #expect(abs(entry.logWeight - 3) <= 1e-7)
        let json = try DocumentJSON.encode(entry)
        let object = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any]
        #expect(object.map { Set($0.keys) } == ["record", "dimension", "r", "s", "t"])
        let decoded = try JSONDecoder().decode(TopContribution.self, from: Data(json))
        #expect(decoded == entry && decoded.logWeight == entry.logWeight)
        let empty = TopContribution(record: entry.record, dimension: .fb, r: 0, s: 0, t: 5)
        #expect(empty.logWeight.isNaN && empty == empty && Set([empty, empty]).count == 1)
    }

    /// No bound is promised (NaN) outside the approximation's range: before the newest version, for an entry
    /// later than the time, beyond an exponent of 512, and for r + s negative, zero, tiny, huge, infinite or NaN.
    @Test func approximationIsNaNOutsideItsRange() {
        var random = SplitMix64(seed: 7)
        let history = Self.history(versions: 2, &random)
        let newest = NewestDecay(history)
        let now = 1_000 * millisecondsPerDay
        Self.withInverses(newest) { inverses in
            func approximation(r: Double, t: Int64) -> Double {
                let entry = TopContribution(record: Self.record(&random), dimension: .fb, r: r, s: 0, t: t)
                return newest.logValue(entry, at: now, inverses)
            }
            #expect(approximation(r: 1, t: now - 1) < 0)
            #expect(abs(approximation(r: 1, t: now)) <= NewestDecay.logError)
            #expect(approximation(r: 1, t: 150 * millisecondsPerDay).isNaN)
            #expect(approximation(r: 1, t: now + 1).isNaN)
            let halfLife = history.current.halfLives.feedback * Double(millisecondsPerDay)
            #expect(approximation(r: 1, t: now - Int64(513 * halfLife)).isNaN)
            for weight in [-1, 0, 0x1p-101, 0x1p101, .infinity, .nan] as [Double] {
                #expect(approximation(r: weight, t: now - 1).isNaN)
            }
        }
    }

    /// The scan picks the reference's index on lists like the rules build (values spread by their ages) and on
    /// lists made to tie or nearly tie (equal masses and times, times a few ms apart, masses an ulp apart), with and
    /// without entries the approximation does not cover (masses out of its range, entries from before the newest
    /// version).
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func scanEqualsReference(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let history = Self.history(versions: Int.random(in: 1...3, using: &random), &random)
        let day = millisecondsPerDay
        let now = 1_000 * day
        for _ in 0..<3_000 {
            var top: [TopContribution] = []
            let masses = [0.1, 0.5, 1, 2, 0.25] as [Double]
            // Half the lists only within the approximation's range (its one-pass answer), half not.
            let covered = Bool.random(using: &random)
            for _ in 0..<Int.random(in: 1...(ProviderReputation.topCapacity + 1), using: &random) {
                let t: Int64
                switch covered ? [0, 1, 3].randomElement(using: &random)! : Int.random(in: 0..<6, using: &random) {
                case 0: t = now
                case 1: t = now - Int64.random(in: 0...3, using: &random)
                case 2: t = Int64.random(in: 50 * day...now, using: &random)
                default: t = now - Int64.random(in: 0...30 * day, using: &random)
                }
                let r: Double
                switch Int.random(in: covered ? 1..<10 : 0..<10, using: &random) {
                case 0: r = [0, -1, 0x1p-120, 0x1p120, .infinity, .nan].randomElement(using: &random)!
                case 1: r = masses.randomElement(using: &random)!.nextUp
                case 2: r = Double.random(in: 0...3, using: &random)
                default: r = masses.randomElement(using: &random)!
                }
                top.append(
                    TopContribution(
                        record: Self.record(&random),
                        dimension: ReputationDimension.allCases.randomElement(using: &random)!,
                        r: r,
                        s: Bool.random(using: &random) ? 0 : 0.5,
                        t: t
                    )
                )
            }
            if Bool.random(using: &random), let last = top.last {
                // Duplicates: equal values at different indexes.
                top.insert(last, at: Int.random(in: 0...top.count - 1, using: &random))
            }
            #expect(ReputationEngine.smallestTop(top, at: now, history) == Self.referenceSmallest(top, at: now, history))
        }
    }
}
