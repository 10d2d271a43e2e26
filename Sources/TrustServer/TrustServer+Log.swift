import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import NIOCore
import TransparencyLog

/// JSON answer of `GET /v1/log/inclusion`.
public struct InclusionProofResponse: Codable, Sendable {
    /// Leaf index.
    public var index: UInt64
    /// Tree size the proof is for.
    public var treeSize: UInt64
    /// Proof hashes, standard base64.
    public var proof: [String]
}

/// JSON answer of `GET /v1/log/consistency`.
public struct ConsistencyProofResponse: Codable, Sendable {
    /// Older tree size.
    public var from: UInt64
    /// Newer tree size.
    public var to: UInt64
    /// Proof hashes, standard base64.
    public var proof: [String]
}

extension TrustServer {
    /// c2sp.org/tlog-tiles read API and the JSON proof endpoints.
    func addLogRoutes(to router: Router<BasicRequestContext>) {
        router.get("/log/checkpoint") { _, _ in
            let checkpoint = await ledger.latestCheckpoint
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: checkpoint.note))
            )
        }
        router.get("/log/tile/**") { request, _ in
            let path = String(request.uri.path.dropFirst("/log/".count))
            let tile: TileID
            do {
                tile = try TileID(path: path)
            } catch {
                throw Problem.notFound("\(path) is not a tile path: \(error)")
            }
            let body = tile.isEntries ? try await ledger.entryBundle(tile) : try await ledger.hashTile(tile)
            guard let body else { throw Problem.notFound("\(path) is not in the published tree") }
            let cache = tile.isFull ? "public, max-age=31536000, immutable" : "public, max-age=60"
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream", .cacheControl: cache],
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
        router.get("/v1/log/key") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: configuration.logVerifierKey + "\n"))
            )
        }
        router.get("/v1/log/inclusion") { request, _ in
            let published = await ledger.latestCheckpoint.size
            let index = try request.uint64Query("index")
            let size = try request.uint64Query("size", default: published)
            let proof = try await ledger.inclusionProof(index: index, size: size)
            return try Response.json(InclusionProofResponse(index: index, treeSize: size, proof: proof.map(\.base64)))
        }
        router.get("/v1/log/consistency") { request, _ in
            let published = await ledger.latestCheckpoint.size
            let from = try request.uint64Query("from")
            let to = try request.uint64Query("to", default: published)
            let proof = try await ledger.consistencyProof(from: from, to: to)
            return try Response.json(ConsistencyProofResponse(from: from, to: to, proof: proof.map(\.base64)))
        }
    }
}
