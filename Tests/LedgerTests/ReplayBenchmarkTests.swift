import Foundation
import Ledger
import Provenance
import Reputation
import SQLiteStore
import Testing
import VMTrustTesting

/// An in-test replay benchmark, only with `VMTRUST_BENCH_REPLAY=<records>` (scripts/bench/bench-replay.sh now times the
/// release CLI on a log written by `vmtrust bench write-log`; this needs the tests built in release). Writes a log of
/// random records (RecordStream) to a SQLite store through the ledger with the reputation admission, then times
/// `LedgerReputationReplay` (what `vmtrust reputation replay` runs) and prints where the time goes.
@Suite struct ReplayBenchmarkTests {
    @Test func replayBenchmark() async throws {
        guard let value = ProcessInfo.processInfo.environment["VMTRUST_BENCH_REPLAY"], let target = Int(value) else { return }
        let directory =
            ProcessInfo.processInfo.environment["VMTRUST_BENCH_DIR"]
            ?? TestDirectory.root.appendingPathComponent("vmtrust-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/ledger.sqlite"
        let store = try SQLiteLedgerStore(path: path)
        var stream = RecordStream(seed: 42, start: WorkedExampleScenario.at(0))
        let clock = Fixtures.clock(startingAt: stream.time)
        let ledger = try await Ledger(
            store: store,
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            admission: TestKeys.admission,
            clock: { clock.now() }
        )
        let started = ContinuousClock.now
        var submitted = 0
        var admitted = await ledger.latestCheckpoint.size
        for step in stream.setup() {
            let envelope = try step.record.signed(by: step.keys)
            _ = try await ledger.submit(envelope: envelope.jsonBytes(), recordID: step.record.id, context: envelope)
        }
        while admitted < UInt64(target) {
            stream.tick()
            clock.set(stream.time)
            var steps: [WorkedExampleScenario.Step] = []
            for _ in 0..<64 { steps.append(stream.take()) }
            submitted += steps.count
            try await withThrowingTaskGroup(of: Void.self) { group in
                for step in steps {
                    group.addTask {
                        let envelope = try step.record.signed(by: step.keys)
                        do {
                            _ = try await ledger.submit(
                                envelope: envelope.jsonBytes(),
                                recordID: step.record.id,
                                context: envelope
                            )
                        } catch is RecordRejection {}
                    }
                }
                try await group.waitForAll()
            }
            admitted = await ledger.latestCheckpoint.size
        }
        let written = started.duration(to: .now)
        let replayStarted = ContinuousClock.now
        let report = try await LedgerReputationReplay(rules: TestKeys.rules).run(store: store)
        let replayed = replayStarted.duration(to: .now)
        let seconds = LedgerReputationReplay.seconds(replayed)
        print(
            """
            replay-bench: log \(report.logSize) entries (\(submitted) submitted) in \(directory)
            replay-bench: written in \(LedgerReputationReplay.seconds(written)) s (ledger + provenance + reputation admission, SQLite)
            replay-bench: replay \(seconds) s: read \(report.seconds.read) s, admit \(report.seconds.admit) s, \
            reputation \(report.seconds.reputation) s, compare \(report.seconds.compare) s; \
            \(report.events) events, \(report.providers) providers, matches \(report.matches)
            replay-bench: \(Double(report.entries) / seconds) entries/s; 1M entries ≈ \(1_000_000 / (Double(report.entries) / seconds)) s
            """
        )
        #expect(report.matches, "\(report.differences.prefix(20)) \(report.refused.prefix(20))")
    }
}
