// MemNetwork / MemTransport: an in-process Transport for tests, connecting
// stores of one process, with fault hooks — drop or delay messages between
// stores, partitions, isolating one store, random loss, corrupting a
// snapshot chunk. Snapshots travel as real SnapshotChunks through a
// SnapshotAssembler, so checksum failures surface exactly as over gRPC.
//
// Deliveries run on the network's own thread (never on the sender's), so a
// store never re-enters another store's code from its raft thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "base/random.h"
#include "raftstore/transport.h"

namespace nokv::raftstore {

class MemNetwork {
 public:
  MemNetwork();
  ~MemNetwork();
  MemNetwork(const MemNetwork&) = delete;
  MemNetwork& operator=(const MemNetwork&) = delete;

  // The transport of store `store_id` (created on first use; owned here).
  Transport* TransportFor(uint64_t store_id);

  // ---- fault hooks (all thread-safe)
  // Messages from `from` to `to` are dropped (one direction).
  void Block(uint64_t from, uint64_t to, bool blocked);
  // No message in or out of `store`.
  void Isolate(uint64_t store, bool isolated);
  // Two sides that cannot talk to each other (both directions).
  void Partition(const std::set<uint64_t>& a, const std::set<uint64_t>& b);
  // Removes every block, isolation and partition (delays and loss stay).
  void Heal();
  // Every message from `from` to `to` waits `ms` before delivery.
  void Delay(uint64_t from, uint64_t to, int ms);
  // Each raft message is lost with this probability (seeded).
  void SetLossRate(double rate, uint64_t seed = 1);
  // The next snapshot's data chunk number `chunk` (0-based) has a byte
  // flipped in transit.
  void CorruptNextSnapshot(size_t chunk = 0);
  // Snapshots are cut into chunks of this size (to exercise many chunks).
  void SetSnapshotChunkSize(size_t bytes);

  // ---- counters
  uint64_t delivered() const;
  uint64_t dropped() const;
  uint64_t snapshots_delivered() const;
  uint64_t snapshots_failed() const;
  // The last error a snapshot receiver returned (for tests of bad input).
  Status last_snapshot_error() const;

 private:
  friend class MemTransport;
  struct Delivery {
    uint64_t due_ms;
    std::function<void()> fn;
  };
  bool CanPass(uint64_t from, uint64_t to);  // needs mu_
  void Schedule(uint64_t from, uint64_t to, std::function<void()> fn);
  void Run();
  RaftMessageHandler* HandlerOf(uint64_t store);

  // Held while a handler runs and by SetHandler (lock order: handler_mu_,
  // then mu_).
  std::mutex handler_mu_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::unique_ptr<Transport>> transports_;
  std::map<uint64_t, RaftMessageHandler*> handlers_;
  std::set<std::pair<uint64_t, uint64_t>> blocked_;
  std::set<uint64_t> isolated_;
  std::map<std::pair<uint64_t, uint64_t>, int> delay_;
  double loss_rate_ = 0;
  Random rng_{1};
  bool corrupt_next_snapshot_ = false;
  size_t corrupt_chunk_ = 0;
  size_t chunk_size_ = 1 << 20;
  std::deque<Delivery> queue_;  // ordered by due_ms within equal delays
  bool stop_ = false;
  uint64_t delivered_ = 0, dropped_ = 0, snapshots_delivered_ = 0, snapshots_failed_ = 0;
  Status last_snapshot_error_;
  std::thread thread_;
};

}  // namespace nokv::raftstore
