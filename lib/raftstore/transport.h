// Transport: how a store's raft messages and snapshots reach other stores,
// and how inbound ones reach the store. lib/raftstore defines the contract;
// the gRPC transport (NoKV.Raft / NoKV.Snapshot streams) and the in-memory
// test transport (raftstore/test_cluster.h) implement it.
//
// Addressing is by store id. Resolving a store id to an address (PD's
// GetStore), dialing, reconnecting and batching are the transport's
// business; the store never sees an address.
//
// Delivery is best effort: raft retransmits what matters. What the
// transport owes the store is (1) never blocking the store's thread,
// (2) bounded memory (a bounded queue per destination store), and (3) telling
// the store when a destination is unreachable, so raft stops streaming to it
// and probes instead (RawNode::ReportUnreachable) and snapshots are retried.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "proto/raft_serverpb.pb.h"

namespace nokv::raftstore {

// The inbound side, implemented by Store. Every method may be called from
// any transport thread, concurrently; none blocks for long (they queue work
// for the store's threads).
class RaftMessageHandler {
 public:
  virtual ~RaftMessageHandler() = default;

  // A raft message from another store (one element of a RaftMessageBatch).
  virtual void OnRaftMessage(raft_serverpb::RaftMessage message) = 0;

  // A whole snapshot whose chunks arrived with valid checksums and total
  // size (see snapshot_chunks.h). `message` is the header's MsgSnap
  // envelope, `data` the concatenated chunk data. OK = the store took it
  // (it will be stepped into the region's raft group); otherwise a clear
  // error (Corruption: the data does not match the snapshot metadata;
  // NotFound: no such region here and none may be created; Busy: try later)
  // that the transport reports back to the sender.
  virtual Status OnSnapshot(raft_serverpb::RaftMessage message, std::string data) = 0;

  // Messages queued for `store_id` were dropped (connection failed, queue
  // overflowed after it was accepted, the store's address is unknown).
  virtual void OnStoreUnreachable(uint64_t store_id) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Where inbound messages and unreachable reports go. Store::Start sets
  // it; Store::Stop sets nullptr, after which inbound traffic is dropped.
  virtual void SetHandler(RaftMessageHandler* handler) = 0;

  // Queues `message` for `store_id`; never blocks.
  //   OK          queued (delivery still not guaranteed);
  //   Busy        the queue to that store is full: the message was dropped;
  //   Unavailable the store is unknown to PD or its connection is down and
  //               being retried: the message was dropped.
  // On Busy/Unavailable the store reports the destination peer unreachable
  // to raft itself; the transport does not also call OnStoreUnreachable.
  virtual Status Send(uint64_t store_id, raft_serverpb::RaftMessage message) = 0;

  // The store calls this once at the end of every round, after the round's
  // Send calls: a batching transport writes what it has queued now (one
  // RaftMessageBatch per destination). May be a no-op.
  virtual void Flush() = 0;

  // Sends a snapshot on its own stream: `message` is the MsgSnap envelope
  // (SnapshotHeader.message), `data` the region's key-value records. Never
  // blocks; `done` is called exactly once, from any thread, with OK when the
  // receiving store accepted the snapshot (its OnSnapshot returned OK) or
  // the error (the receiver's, or the transport's). Several snapshots may be
  // in flight at once; the transport may bound that and fail the excess
  // with Busy.
  virtual void SendSnapshot(uint64_t store_id, raft_serverpb::RaftMessage message,
                            std::shared_ptr<const std::string> data,
                            std::function<void(Status)> done) = 0;
};

}  // namespace nokv::raftstore
