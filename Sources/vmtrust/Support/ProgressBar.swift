import Foundation
import Synchronization

/// A progress line on standard error, drawn only when standard error is a terminal and at
/// most ten times a second.
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw: Double = 0
        var drawn = false
    }

    private let label: String
    private let total: UInt64?
    private let enabled: Bool
    private let started = Date()
    private let state = Mutex(State())

    init(label: String, total: UInt64?) {
        self.label = label
        self.total = total
        self.enabled = isatty(STDERR_FILENO) == 1
    }

    /// Reports `done` units (bytes when `total` is a byte count).
    func update(_ done: UInt64) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(started)
        let line: String? = state.withLock { state in
            guard elapsed - state.lastDraw >= 0.1 || (total.map { done >= $0 } ?? false) else { return nil }
            state.lastDraw = elapsed
            state.drawn = true
            guard let total, total > 0 else { return "\r\(label): \(done)" }
            let fraction = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            let rate = elapsed > 0 ? Double(done) / elapsed : 0
            return
                "\r\(label) [\(bar)] \(Int(fraction * 100))% \(Self.bytes(done))/\(Self.bytes(total)) \(Self.bytes(UInt64(rate)))/s"
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Ends the line.
    func finish() {
        guard enabled, state.withLock({ $0.drawn }) else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
