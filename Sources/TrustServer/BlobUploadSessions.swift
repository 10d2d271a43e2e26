import BlobStore
import Foundation
import Synchronization

/// The upload sessions in progress: `POST /v1/blobs/uploads` streams a blob of unknown digest
/// into the blob store's temporary directory; `PUT /v1/blobs/uploads/<id>?digest=…`, signed
/// over that digest by the same uploader, stores it.
///
/// Sessions live in memory only: a restart forgets them, and the server deletes their files at
/// start-up with ``FileBlobStore/removeStaleTemporaryFiles()``. A session that is not
/// finalised within ``TrustServerConfiguration/uploadSessionLifetime`` expires and its file is
/// deleted; at most ``TrustServerConfiguration/maxUploadSessions`` exist at once.
final class BlobUploadSessions: Sendable {
    /// One session.
    struct Session: Sendable {
        /// The provider that opened it, `nil` for an admin.
        var owner: String?
        /// When it expires, ms since the Unix epoch: set once its body is received (a body
        /// still arriving holds a slot but does not expire).
        var expires: Int64?
        /// The upload, once its body has been received in full.
        var staged: StagedBlob?
    }

    /// Why a session cannot be used.
    enum Lookup: Sendable {
        case found(owner: String?, staged: StagedBlob)
        case missing
        case receiving
    }

    private let sessions = Mutex<[UUID: Session]>([:])

    /// Opens a session for `owner`; `nil` when `limit` sessions are open already. Expired
    /// sessions are deleted first.
    func open(owner: String?, now: Int64, limit: Int, store: FileBlobStore) -> UUID? {
        expire(now: now, store: store)
        return sessions.withLock { sessions in
            guard sessions.count < limit else { return nil }
            let id = UUID()
            sessions[id] = Session(owner: owner, expires: nil, staged: nil)
            return id
        }
    }

    /// Records the received body of session `id`, which expires at `expires`; `false` (and the
    /// file deleted) when the session is gone.
    func received(_ id: UUID, staged: StagedBlob, expires: Int64, store: FileBlobStore) -> Bool {
        let kept = sessions.withLock { sessions in
            guard sessions[id] != nil else { return false }
            sessions[id]?.staged = staged
            sessions[id]?.expires = expires
            return true
        }
        if !kept { store.discard(staged) }
        return kept
    }

    /// Forgets session `id`, deleting its file if it has one.
    func close(_ id: UUID, store: FileBlobStore) {
        if let staged = sessions.withLock({ $0.removeValue(forKey: id) })?.staged {
            store.discard(staged)
        }
    }

    /// Session `id`, after deleting expired ones.
    func lookup(_ id: UUID, now: Int64, store: FileBlobStore) -> Lookup {
        expire(now: now, store: store)
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return .missing }
            guard let staged = session.staged else { return .receiving }
            return .found(owner: session.owner, staged: staged)
        }
    }

    /// Takes session `id` out of the table so that one request finalises it; `nil` when another
    /// took it first.
    func take(_ id: UUID) -> StagedBlob? {
        sessions.withLock { sessions in
            guard let staged = sessions[id]?.staged else { return nil }
            sessions[id] = nil
            return staged
        }
    }

    /// Deletes the sessions that expired by `now` and their files.
    func expire(now: Int64, store: FileBlobStore) {
        let expired = sessions.withLock { sessions in
            let gone = sessions.filter { $0.value.expires.map { $0 <= now } ?? false }
            for id in gone.keys { sessions[id] = nil }
            return gone.values.compactMap(\.staged)
        }
        for staged in expired { store.discard(staged) }
    }

    /// How many sessions are open.
    var count: Int { sessions.withLock { $0.count } }
}
