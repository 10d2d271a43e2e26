import TransparencyLog

/// A bounded cache of recently written node hashes.
///
/// Node hashes never change once written, so the cache needs no invalidation: it only
/// evicts the oldest insertions when full. Receipts for a fresh batch are built almost
/// entirely from it.
struct NodeCache: Sendable {
    private var hashes: [NodeID: TreeHash] = [:]
    private var order: [NodeID] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        hashes.reserveCapacity(self.capacity)
        order.reserveCapacity(self.capacity)
    }

    subscript(id: NodeID) -> TreeHash? { hashes[id] }

    mutating func insert(_ id: NodeID, _ hash: TreeHash) {
        guard hashes.updateValue(hash, forKey: id) == nil else { return }
        if order.count < capacity {
            order.append(id)
        } else {
            hashes.removeValue(forKey: order[head])
            order[head] = id
            head = (head + 1) % capacity
        }
    }
}
