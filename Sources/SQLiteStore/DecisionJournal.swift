import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import Ledger
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The policy decisions of a SQLite ledger: an append-only file beside the database, indexed in the database.
///
/// A decision is answered only once it is durable, and a busy server decides thousands of times a second. As rows of
/// the database, each decision's kilobyte-and-a-half went through the B-tree, the WAL (checksummed page by page), a
/// checkpoint into the database file and two `fsync`s: about 78 µs of CPU per decision, a third of what a decision
/// cost the server. Here each batch of the ``DecisionRecorder`` is one `pwrite` at the end of the file and one
/// `fdatasync`; the index is written to the database afterwards, in the background, about once a second
/// (``indexInterval``): one row per span of consecutive frames whose keys lie within 128 ms of request time
/// (``spans(of:)``), so a busy second's thousands of decisions take a few hundred rows.
///
/// File: a 20-byte header (`vmtrust decisions 1\n`), then one frame per decision:
///
/// ```
/// u32 LE  payload length n (80 ... 80 + maximumBodySize)
/// u32 LE  CRC-32C of the 4 length bytes and the payload
/// n bytes payload: the 64-byte id (ASCII), i64 LE time, u64 LE log size, the body
/// ```
///
/// then zeros: the file is allocated ahead of its frames (``preallocation(after:)``), and the space just after them
/// is written with zeros ahead of use (``zeroAhead``).
///
/// Recovery: the database indexes a prefix of the file. When the journal is opened, the frames after that prefix
/// (written, but not indexed when the server stopped) are read and indexed, up to the first that does not check.
/// If only zeros follow, that is the end. Otherwise it is the torn end of the last write, which was never
/// acknowledged — but only if nothing but zeros lies more than ``maximumGroupBytes`` after it, since every earlier
/// write was followed by a successful `fdatasync` before the next one started: the file is cut there. Damage
/// followed by more data is reported, never cut.
///
/// A store of an id already stored appends a frame anyway; a read returns the first frame of the id in file order
/// (after any row of the `decisions` table, stored before the journal existed), so the first stored body stays.
///
/// One process writes the journal: it holds an exclusive `flock` on the file while open; ledger stores of the same
/// path in one process share one journal.
final class DecisionJournal: Sendable {
    /// The file's first bytes.
    static let header: [UInt8] = Array("vmtrust decisions 1\n".utf8)
    /// The length of a decision id in a frame.
    static let idLength = 64
    /// The fixed part of a payload: id, time, log size.
    static let fixedPayload = idLength + 16
    /// The largest body a frame holds.
    static let maximumBodySize = 1 << 20
    /// The most bytes written between two `fdatasync`s: a frame that fails its check with nothing but zeros further
    /// than this after it is a torn write.
    static let maximumGroupBytes = 4 << 20
    /// How far ahead of its frames a file of `end` bytes is allocated (`posix_fallocate`): a quarter of its size,
    /// at least 1 MiB and at most 32 MiB (a journal that holds a few decisions takes little space).
    ///
    /// Appending to a file changes its size and allocates blocks, so each `fdatasync` also writes the inode and the
    /// allocation (`scripts/bench/fsync-allocated.py`): when this machine's disk was slow, 3.5–4 ms per sync against
    /// 0.4–0.5 ms into allocated space; when it was fast, alike. The allocated space reads as zeros: a zero length
    /// field is where the frames end.
    static func preallocation(after end: Int64) -> Int64 {
        min(max(end / 4, 1 << 20), 32 << 20)
    }

    /// How many bytes of zeros a write puts after its frames when fewer than half as many lie written there already.
    ///
    /// Allocated space is *unwritten*: the first write into it changes the file's extent map, so its `fdatasync` also
    /// commits the file system's journal. Space that already holds written zeros syncs as data alone
    /// (`scripts/bench/fsync-allocated.py`, mode `ahead`: 0.21–0.31 ms and 85–102 µs of CPU per sync against 0.34–0.43 ms and
    /// 135–145 µs). The zeros go out with the frames of a write, under its one `fdatasync`, so no sync of their own
    /// lands between a batch and its answer; one write in about ten (at 26 KB per batch) carries them.
    static let zeroAhead = 256 << 10
    /// The zeros written ahead (``zeroAhead`` bytes).
    private static let zeroBytes = [UInt8](repeating: 0, count: zeroAhead)

    /// Where the file lives.
    let path: String
    private let pool: DatabasePool
    private let readOnly: Bool
    private let io: DispatchQueue
    private let state = Mutex(State())

    /// A frame's place in the file.
    struct Frame: Sendable {
        /// Where the frame starts (its length field).
        var offset: Int64
        /// The payload length.
        var length: Int
        /// The decision key of its id (``SQLiteLedgerStore/decisionKey(_:)``).
        var key: Int64

        /// The offset just past the frame.
        var end: Int64 { offset + 8 + Int64(length) }
    }

    /// The pending frames of one key: nearly always one (ids are distinct; a key is an id's first 64 bits), kept
    /// inline rather than in an array of its own per decision.
    struct PendingFrames: Sendable {
        private var first: Frame
        private var more: [Frame] = []

        init(_ frame: Frame) { first = frame }

        /// The frames, in the order added.
        var all: [Frame] { [first] + more }

        mutating func append(_ frame: Frame) { more.append(frame) }

        /// Removes the frame at `offset`; whether any is left.
        mutating func remove(offset: Int64) -> Bool {
            if first.offset == offset {
                guard !more.isEmpty else { return false }
                first = more.removeFirst()
            } else {
                more.removeAll { $0.offset == offset }
            }
            return true
        }
    }

    private struct State {
        /// The open file (`nil`: not opened yet).
        var fd: Int32?
        /// Where the next frame goes.
        var end: Int64 = 0
        /// The file's size: from ``end`` to here the file is allocated and zero.
        var allocated: Int64 = 0
        /// From ``end`` to here (when greater) the file holds zeros written and synced (``zeroAhead``).
        var zeroed: Int64 = 0
        /// Why the journal refuses to write (a failed `fdatasync`: what reached the disk is unknown).
        var failure: LedgerError?
        /// Frames written but not indexed yet, by key.
        var pending: [Int64: PendingFrames] = [:]
        /// The same frames in file order.
        var unindexed: [Frame] = []
        /// Whether a background index write is scheduled or running.
        var indexing = false

        // Taken out and put back rather than changed in place: the dictionary's in-place accessor allocates its frame
        // for a value this size, once per decision.
        mutating func addPending(_ frame: Frame) {
            if var frames = pending.removeValue(forKey: frame.key) {
                frames.append(frame)
                pending[frame.key] = frames
            } else {
                pending[frame.key] = PendingFrames(frame)
            }
        }

        mutating func removePending(_ frame: Frame) {
            guard var frames = pending.removeValue(forKey: frame.key) else { return }
            if frames.remove(offset: frame.offset) { pending[frame.key] = frames }
        }
    }

    private init(path: String, pool: DatabasePool, readOnly: Bool) {
        self.path = path
        self.pool = pool
        self.readOnly = readOnly
        self.io = DispatchQueue(label: "vmtrust.decision-journal")
    }

    deinit {
        if let fd = state.withLock({ $0.fd }) { close(fd) }
    }

    /// Journals by path: ledger stores of one database in one process share its journal (and its lock).
    private static let shared = Mutex<[String: WeakJournal]>([:])

    private struct WeakJournal {
        weak var journal: DecisionJournal?
    }

    /// Whether a journal of the database at `databasePath` is open in this process (tests of restarts wait until
    /// the one of a store they dropped is gone).
    static func isLive(forDatabase databasePath: String) -> Bool {
        shared.withLock { $0[databasePath + ".decisions"]?.journal != nil }
    }

    /// The journal of the database at `databasePath`: `databasePath` + `.decisions`. Nothing is opened until a
    /// decision is stored or read.
    static func journal(forDatabase databasePath: String, pool: DatabasePool, readOnly: Bool) -> DecisionJournal {
        let path = databasePath + ".decisions"
        if readOnly { return DecisionJournal(path: path, pool: pool, readOnly: true) }
        return shared.withLock { journals in
            if let live = journals[path]?.journal { return live }
            journals = journals.filter { $0.value.journal != nil }
            let journal = DecisionJournal(path: path, pool: pool, readOnly: false)
            journals[path] = WeakJournal(journal: journal)
            return journal
        }
    }

    /// Opens the file now (recovering its end and taking its lock) and throws if it refuses to write; nothing for a
    /// read-only store.
    func openForWriting() async throws {
        guard !readOnly else { return }
        if state.withLock({ $0.fd }) == nil { _ = try await onQueue { try self.openIfNeeded() } }
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    // MARK: Writing

    /// Appends `decisions` and returns once they are durable.
    func append(_ decisions: [StoredDecision]) async throws {
        guard !decisions.isEmpty else { return }
        guard !readOnly else {
            throw LedgerError(code: .storeUnavailable, message: "the store was opened read-only: decisions cannot be stored")
        }
        // Frames are encoded straight into their group's buffer (one buffer per group, sized for the batch).
        var total = 0
        for decision in decisions { total += 8 + Self.fixedPayload + decision.body.count }
        var toWrite: [([UInt8], [Frame])] = []
        var group: [UInt8] = []
        var groupFrames: [Frame] = []
        group.reserveCapacity(min(total, Self.maximumGroupBytes))
        groupFrames.reserveCapacity(decisions.count)
        for decision in decisions {
            try Self.check(decision)
            let size = 8 + Self.fixedPayload + decision.body.count
            if !group.isEmpty, group.count + size > Self.maximumGroupBytes {
                total -= group.count
                toWrite.append((group, groupFrames))
                group = []
                groupFrames = []
                group.reserveCapacity(min(total, Self.maximumGroupBytes))
            }
            let start = group.count
            Self.encode(decision, into: &group)
            groupFrames.append(Frame(offset: Int64(start), length: size - 8, key: SQLiteLedgerStore.decisionKey(decision.id)))
        }
        toWrite.append((group, groupFrames))
        let groups = toWrite
        try await onQueue { try self.write(groups) }
        scheduleIndexing()
    }

    /// Writes each group at the end of the file and syncs it (on ``io``).
    private func write(_ groups: [([UInt8], [Frame])]) throws {
        let fd = try openIfNeeded()
        for (bytes, frames) in groups {
            let (start, allocated, zeroed) = try state.withLock { state -> (Int64, Int64, Int64) in
                if let failure = state.failure { throw failure }
                return (state.end, state.allocated, state.zeroed)
            }
            let end = start + Int64(bytes.count)
            // Zeros after the frames when few are left there: the write that brings them pays for the extent change.
            let zeroFrom = max(zeroed, end)
            let zeros = zeroFrom - end < Int64(Self.zeroAhead / 2) ? zeroFrom..<(zeroFrom + Int64(Self.zeroAhead)) : nil
            let needed = zeros?.upperBound ?? end
            if needed > allocated {
                let ahead = needed + Self.preallocation(after: needed)
                if Self.allocate(fd: fd, from: allocated, to: ahead) { state.withLock { $0.allocated = ahead } }
            }
            do {
                try Self.writeAll(fd: fd, bytes, at: start)
            } catch {
                // Nothing was acknowledged past `start`: the next write goes there again; cut what this one left.
                _ = ftruncate(fd, off_t(start))
                state.withLock { state in
                    state.allocated = start
                    state.zeroed = start
                }
                throw error
            }
            // Only a saving: a write of zeros that fails (a full disk) leaves zeros or allocated space, as before it.
            let zeroedTo = zeros.flatMap { zeros in
                (try? Self.writeAll(fd: fd, Self.zeroBytes, at: zeros.lowerBound)).map { zeros.upperBound }
            }
            guard Self.retryingEINTR({ fdatasync(fd) }) == 0 else {
                let failure = LedgerError(
                    code: .notDurable,
                    message: "fdatasync of \(path) failed (\(String(cString: strerror(errno)))): decisions are refused"
                )
                state.withLock { $0.failure = failure }
                throw failure
            }
            state.withLock { state in
                for var frame in frames {
                    frame.offset += start
                    state.addPending(frame)
                    state.unindexed.append(frame)
                }
                state.end = end
                state.allocated = max(state.allocated, zeroedTo ?? end)
                if let zeroedTo { state.zeroed = zeroedTo }
            }
        }
    }

    /// Allocates the file up to `end` (its size becomes `end`); whether it did. When it cannot (the disk is full, the
    /// platform has no `posix_fallocate`) writes extend the file as they go.
    private static func allocate(fd: Int32, from start: Int64, to end: Int64) -> Bool {
        #if os(Linux)
        return posix_fallocate(fd, off_t(start), off_t(end - start)) == 0
        #else
        return false
        #endif
    }

    /// One frame's bytes.
    static func encode(_ decision: StoredDecision) throws -> [UInt8] {
        try check(decision)
        var frame: [UInt8] = []
        frame.reserveCapacity(8 + fixedPayload + decision.body.count)
        encode(decision, into: &frame)
        return frame
    }

    /// Refuses a decision that has no frame: an id of another length, a body over ``maximumBodySize``.
    static func check(_ decision: StoredDecision) throws {
        guard decision.id.utf8.count == idLength else {
            throw LedgerError(code: .malformedEntry, message: "a decision id is \(idLength) bytes, not \(decision.id.utf8.count)")
        }
        guard decision.body.count <= maximumBodySize else {
            throw LedgerError(
                code: .entryTooLarge,
                message: "a decision body is at most \(maximumBodySize) bytes, not \(decision.body.count)"
            )
        }
    }

    /// Appends the frame of `decision`, which passed ``check(_:)``, to `bytes`.
    static func encode(_ decision: StoredDecision, into bytes: inout [UInt8]) {
        let start = bytes.count
        appendLittleEndian(UInt32(fixedPayload + decision.body.count), to: &bytes)
        appendLittleEndian(UInt32(0), to: &bytes)
        var id = decision.id
        id.withUTF8 { bytes.append(contentsOf: $0) }
        appendLittleEndian(UInt64(bitPattern: decision.time), to: &bytes)
        appendLittleEndian(decision.logSize, to: &bytes)
        bytes.append(contentsOf: decision.body)
        var crc = CRC32C()
        bytes.withUnsafeMutableBytes { frame in
            crc.update(UnsafeRawBufferPointer(rebasing: frame[start..<(start + 4)]))
            crc.update(UnsafeRawBufferPointer(rebasing: frame[(start + 8)...]))
            let checksum = crc.value.littleEndian
            withUnsafeBytes(of: checksum) { frame[(start + 4)..<(start + 8)].copyBytes(from: $0) }
        }
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    private static func writeAll(fd: Int32, _ bytes: [UInt8], at offset: Int64) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let written = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
                if written < 0 {
                    if errno == EINTR { continue }
                    throw LedgerError(
                        code: .notDurable,
                        message:
                            "writing \(buffer.count) bytes to the decision journal failed: \(String(cString: strerror(errno)))"
                    )
                }
                done += written
            }
        }
    }

    /// Where the frames end, and where the zeros written after them end (``zeroAhead``; the frames' end when none are).
    var ends: (frames: Int64, zeros: Int64) {
        state.withLock { ($0.end, max($0.end, $0.zeroed)) }
    }

    // MARK: Indexing

    /// How long frames wait to be indexed: a second's frames make a few hundred span rows in one transaction.
    /// Unindexed frames are read from memory, and indexed again from the file after a crash (at most this long's
    /// worth).
    static let indexInterval = Duration.seconds(1)
    /// How many unindexed frames are indexed without waiting for ``indexInterval``.
    static let indexBatch = 16_384

    /// Writes the index of the frames not indexed yet in the background, within ``indexInterval`` (one transaction
    /// for every batch written meanwhile).
    private func scheduleIndexing() {
        let start = state.withLock { state -> Bool in
            guard !state.indexing, !state.unindexed.isEmpty else { return false }
            state.indexing = true
            return true
        }
        guard start else { return }
        // Weak while waiting: a store that goes away releases its journal (and the file's lock) at once.
        Task { [weak self] in
            let due = ContinuousClock.now + Self.indexInterval
            while ContinuousClock.now < due {
                try? await Task.sleep(for: .milliseconds(50))
                guard let waiting = self?.state.withLock({ $0.unindexed.count }) else { return }
                if waiting >= Self.indexBatch { break }
            }
            await self?.indexPending()
        }
    }

    /// Indexes every frame written so far; on failure they stay pending (still found by reads) for the next try.
    private func indexPending() async {
        do {
            try await flushIndex()
        } catch {
            // Still pending; the next batch schedules another try.
        }
        state.withLock { $0.indexing = false }
        scheduleIndexing()
    }

    /// A run of consecutive frames indexed by one row of `decision_spans`: where it starts, how many bytes its frames
    /// take, and the smallest and largest key among them.
    struct Span: Sendable, Equatable {
        /// Where its first frame starts.
        var offset: Int64
        /// The bytes of its frames.
        var length: Int64
        /// The smallest key of its frames.
        var firstKey: Int64
        /// The largest key of its frames.
        var lastKey: Int64
    }

    /// The most bytes of frames a span holds (a single larger frame is a span of its own): what a read of one
    /// decision reads at most, about 45 frames of a typical decision.
    static let maximumSpanBytes: Int64 = 64 << 10
    /// The widest range of keys a span holds: 128 ms of request time (a key is the time's 48 bits, then 16 bits of
    /// the hash). A read looks for its key among the spans that start at most this far below it, so the narrower,
    /// the fewer index entries a read goes through. Under load a span's frames lie within a few milliseconds; at a
    /// couple of hundred spans a second, a range of a second made a read go through about 200 entries, and reads of a
    /// decision cost ≈ 20% more CPU than with an entry per frame (`scripts/bench/bench-decision-reads.sh`).
    static let maximumSpanWidth: Int64 = 128 << 16

    /// Cuts `frames` (in file order) into spans: each frame joins the span before it when it follows it in the file,
    /// the span stays within ``maximumSpanBytes`` and its keys within ``maximumSpanWidth``; otherwise it starts the
    /// next. Decision ids begin with the request time, so a busy second's thousands of decisions share a few hundred
    /// spans.
    static func spans(of frames: [Frame]) -> [Span] {
        var spans: [Span] = []
        for frame in frames {
            let size = 8 + Int64(frame.length)
            if var last = spans.last, last.offset + last.length == frame.offset, last.length + size <= maximumSpanBytes {
                let first = min(last.firstKey, frame.key)
                let end = max(last.lastKey, frame.key)
                let (width, overflow) = end.subtractingReportingOverflow(first)
                if !overflow, width <= maximumSpanWidth {
                    last.length += size
                    last.firstKey = first
                    last.lastKey = end
                    spans[spans.count - 1] = last
                    continue
                }
            }
            spans.append(Span(offset: frame.offset, length: size, firstKey: frame.key, lastKey: frame.key))
        }
        return spans
    }

    private static func index(_ frames: [Frame], in db: Database) throws {
        let sql = "INSERT OR IGNORE INTO decision_spans (offset, length, first_key, last_key) VALUES (?, ?, ?, ?)"
        let insert = try db.cachedStatement(sql: sql)
        // Bound and stepped through the C API, as GRDB's arguments allocate several times per row. The statement is
        // left reset with no bindings, as GRDB expects it.
        let statement = insert.sqliteStatement
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for span in spans(of: frames) {
            sqlite3_reset(statement)
            sqlite3_bind_int64(statement, 1, span.offset)
            sqlite3_bind_int64(statement, 2, span.length)
            sqlite3_bind_int64(statement, 3, span.firstKey)
            sqlite3_bind_int64(statement, 4, span.lastKey)
            let code = sqlite3_step(statement)
            guard code == SQLITE_DONE else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                    sql: sql
                )
            }
        }
    }

    /// Indexes every frame written so far, now (the background indexing; tests).
    func flushIndex() async throws {
        let frames = state.withLock { $0.unindexed }
        guard !frames.isEmpty else { return }
        try await pool.write { db in try Self.index(frames, in: db) }
        let indexed = Set(frames.map(\.offset))
        state.withLock { state in
            state.unindexed.removeAll { indexed.contains($0.offset) }
            for frame in frames {
                state.removePending(frame)
            }
        }
    }

    // MARK: Reading

    /// The first decision with `id` in the journal, if any: among its pending frames, the frames of its key in
    /// `decision_frames` (indexed before `v8-decision-spans`) and the spans whose keys include its key, in file order.
    func decision(id: String) async throws -> StoredDecision? {
        guard id.utf8.count == Self.idLength else { return nil }
        var open = state.withLock { $0.fd }
        if open == nil { open = try await onQueue { try self.openIfNeeded(mustExist: true) } }
        guard let fd = open else { return nil }
        let key = SQLiteLedgerStore.decisionKey(id)
        // Pending first, then the index: a frame leaves the pending set only after its span's row committed.
        var regions = state.withLock { $0.pending[key]?.all ?? [] }.map { (offset: $0.offset, length: $0.end - $0.offset) }
        let (low, overflow) = key.subtractingReportingOverflow(Self.maximumSpanWidth)
        regions += try await pool.read { db in
            let frames = try Row.fetchAll(
                db,
                sql: "SELECT offset, 8 + length FROM decision_frames WHERE key = ?",
                arguments: [key]
            )
            let spans = try Row.fetchAll(
                db,
                sql: "SELECT offset, length FROM decision_spans WHERE first_key BETWEEN ? AND ? AND last_key >= ?",
                arguments: [overflow ? Int64.min : low, key, key]
            )
            return (frames + spans).map { (offset: $0[0] as Int64, length: $0[1] as Int64) }
        }
        // By offset, the longer first: a region inside one already read (a pending frame its span now covers) is
        // skipped. Every region read before starts at or before this one, so it lies inside them when it ends no
        // further than the furthest end read.
        let target = Array(id.utf8)
        var readTo = Int64.min
        for region in regions.sorted(by: { ($0.offset, -$0.length) < ($1.offset, -$1.length) }) {
            guard region.offset + region.length > readTo else { continue }
            readTo = region.offset + region.length
            guard let bytes = try Self.read(fd: fd, region.offset, count: Int(region.length)) else {
                throw LedgerError(code: .corruptStore, message: "\(path) ends before its indexed frames at \(region.offset)")
            }
            if let decision = try firstDecision(id: target, in: bytes, at: region.offset) { return decision }
        }
        return nil
    }

    /// The first decision with `id` among the frames that fill `bytes`, read at `offset`: ids are compared in place,
    /// and only the matching frame is checked and decoded.
    private func firstDecision(id: [UInt8], in bytes: [UInt8], at offset: Int64) throws -> StoredDecision? {
        var position = 0
        while position < bytes.count {
            let length = bytes.count - position >= 8 ? Int(Self.readLittleEndian(UInt32.self, bytes, at: position)) : 0
            guard length >= Self.fixedPayload, position + 8 + length <= bytes.count else {
                throw LedgerError(code: .corruptStore, message: "\(path) has a damaged frame at \(offset + Int64(position))")
            }
            if bytes[(position + 8)..<(position + 8 + Self.idLength)].elementsEqual(id) {
                guard let decision = Self.decode(Array(bytes[position..<(position + 8 + length)])) else {
                    throw LedgerError(code: .corruptStore, message: "\(path) has a damaged frame at \(offset + Int64(position))")
                }
                return decision
            }
            position += 8 + length
        }
        return nil
    }

    /// The decision in one frame's bytes (length, checksum, payload), or `nil` when they do not check.
    static func decode(_ frame: [UInt8]) -> StoredDecision? {
        guard frame.count >= 8 + fixedPayload else { return nil }
        let length = Int(readLittleEndian(UInt32.self, frame, at: 0))
        guard length >= fixedPayload, length <= fixedPayload + maximumBodySize, frame.count == 8 + length else { return nil }
        var crc = CRC32C()
        crc.update(frame[0..<4])
        crc.update(frame[8...])
        guard crc.value == readLittleEndian(UInt32.self, frame, at: 4) else { return nil }
        guard let id = String(validating: frame[8..<(8 + idLength)], as: UTF8.self) else { return nil }
        return StoredDecision(
            id: id,
            time: Int64(bitPattern: readLittleEndian(UInt64.self, frame, at: 8 + idLength)),
            logSize: readLittleEndian(UInt64.self, frame, at: 16 + idLength),
            body: Array(frame[(8 + fixedPayload)...])
        )
    }

    private static func readLittleEndian<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size {
            value |= T(bytes[offset + index]) << (8 * index)
        }
        return value
    }

    /// `count` bytes at `offset`, or `nil` when the file ends first.
    private static func read(fd: Int32, _ offset: Int64, count: Int) throws -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < count {
                let got = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if got < 0 {
                    if errno == EINTR { continue }
                    throw LedgerError(
                        code: .storeUnavailable,
                        message: "reading the decision journal failed: \(String(cString: strerror(errno)))"
                    )
                }
                if got == 0 { break }
                done += got
            }
        }
        return done == count ? bytes : nil
    }

    // MARK: Opening and recovery

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            io.async { continuation.resume(with: Result(catching: body)) }
        }
    }

    /// The open file (on ``io``), opening it and recovering its end on first use.
    @discardableResult
    private func openIfNeeded() throws -> Int32 {
        guard let fd = try openIfNeeded(mustExist: false) else {
            throw LedgerError(code: .storeUnavailable, message: "\(path) could not be opened")
        }
        return fd
    }

    /// The open file, or `nil` when `mustExist` and a read-only store has none (nothing was ever stored).
    private func openIfNeeded(mustExist: Bool) throws -> Int32? {
        if let fd = state.withLock({ $0.fd }) { return fd }
        if readOnly {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                if errno == ENOENT { return nil }
                throw Self.systemError("opening \(path)")
            }
            let frames: [Frame]
            do {
                (frames, _) = try recover(fd: fd, truncate: false)
            } catch {
                close(fd)
                throw error
            }
            state.withLock { state in
                state.fd = fd
                for frame in frames { state.addPending(frame) }
            }
            return fd
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.systemError("opening \(path)") }
        do {
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                throw LedgerError(
                    code: .storeUnavailable,
                    message: "\(path) is in use by another process (one server per SQLite data directory)"
                )
            }
            let (frames, end) = try recover(fd: fd, truncate: true)
            if !frames.isEmpty {
                try pool.write { db in try Self.index(frames, in: db) }
            }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw Self.systemError("reading the size of \(path)") }
            state.withLock { state in
                state.fd = fd
                state.end = end
                state.allocated = max(end, Int64(info.st_size))
                state.zeroed = end
            }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// Checks the header (writing it to a new file) and reads the frames after the indexed prefix: those that
    /// check, and the end of the last one (the file is cut there when `truncate`).
    private func recover(fd: Int32, truncate: Bool) throws -> ([Frame], Int64) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.systemError("reading the size of \(path)") }
        let size = Int64(info.st_size)
        let headerLength = Int64(Self.header.count)
        let lastIndexedEnd = try pool.read { db -> Int64? in
            let frames = try Int64.fetchOne(
                db,
                sql: "SELECT offset + 8 + length FROM decision_frames ORDER BY offset DESC LIMIT 1"
            )
            let spans = try Int64.fetchOne(db, sql: "SELECT offset + length FROM decision_spans ORDER BY offset DESC LIMIT 1")
            return [frames, spans].compactMap { $0 }.max()
        }
        if let lastIndexedEnd, lastIndexedEnd > size {
            throw LedgerError(
                code: .corruptStore,
                message: "\(path) is \(size) bytes but its index reaches \(lastIndexedEnd): the file lost acknowledged decisions"
            )
        }
        let indexedEnd = lastIndexedEnd ?? headerLength
        if size < headerLength {
            // Nothing was acknowledged before the header was durable.
            guard truncate else { return ([], headerLength) }
            guard ftruncate(fd, 0) == 0 else { throw Self.systemError("resetting \(path)") }
            try Self.writeAll(fd: fd, Self.header, at: 0)
            guard Self.retryingEINTR({ fsync(fd) }) == 0 else { throw Self.systemError("syncing \(path)") }
            try Self.syncDirectory(of: path)
            return ([], headerLength)
        }
        guard try Self.read(fd: fd, 0, count: Self.header.count) == Self.header else {
            throw LedgerError(code: .corruptStore, message: "\(path) is not a vmtrust decision journal")
        }
        var frames: [Frame] = []
        var offset = indexedEnd
        while offset < size {
            let prefix = try Self.read(fd: fd, offset, count: 8)
            let length = prefix.map { Int(Self.readLittleEndian(UInt32.self, $0, at: 0)) } ?? 0
            let valid =
                length >= Self.fixedPayload && length <= Self.fixedPayload + Self.maximumBodySize
                && offset + 8 + Int64(length) <= size
            if valid, let bytes = try Self.read(fd: fd, offset, count: 8 + length), let decision = Self.decode(bytes) {
                let frame = Frame(offset: offset, length: length, key: SQLiteLedgerStore.decisionKey(decision.id))
                frames.append(frame)
                offset = frame.end
                continue
            }
            // Zeros from here on: the end of the frames, then space allocated ahead.
            guard let data = try Self.lastNonZeroByte(fd: fd, from: offset, size: size) else { break }
            guard data - offset < Int64(Self.maximumGroupBytes) else {
                throw LedgerError(
                    code: .corruptStore,
                    message: "\(path) has a damaged frame at offset \(offset), \(data + 1 - offset) bytes before its last data"
                )
            }
            // The torn end of the last write, never acknowledged.
            if truncate {
                guard ftruncate(fd, off_t(offset)) == 0, Self.retryingEINTR({ fsync(fd) }) == 0 else {
                    throw Self.systemError("cutting the torn end of \(path)")
                }
            }
            break
        }
        return (frames, offset)
    }

    /// The offset of the last byte in `start..<size` that is not zero, if any.
    private static func lastNonZeroByte(fd: Int32, from start: Int64, size: Int64) throws -> Int64? {
        let chunk = 1 << 20
        var end = size
        while end > start {
            let from = max(start, end - Int64(chunk))
            guard let bytes = try read(fd: fd, from, count: Int(end - from)) else {
                throw LedgerError(code: .storeUnavailable, message: "the decision journal shrank while it was read")
            }
            if let last = bytes.lastIndex(where: { $0 != 0 }) { return from + Int64(last) }
            end = from
        }
        return nil
    }

    private static func syncDirectory(of path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw systemError("opening \(directory)") }
        defer { close(fd) }
        guard retryingEINTR({ fsync(fd) }) == 0 else { throw systemError("syncing \(directory)") }
    }

    /// The result of `call`, called again while it fails with `EINTR` (as the blob store's syscalls do).
    private static func retryingEINTR(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result == 0 || errno != EINTR { return result }
        }
    }

    private static func systemError(_ what: String) -> LedgerError {
        LedgerError(code: .storeUnavailable, message: "\(what) failed: \(String(cString: strerror(errno)))")
    }
}
