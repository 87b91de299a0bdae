// TransportStats: the gRPC transport's counters, per direction, for /metrics
// and /debug/vars. Monotonic counters except the gauges noted.
#pragma once

#include <atomic>
#include <cstdint>

namespace nokv::transport {

// A plain copy of the counters (see GrpcTransport::Stats).
struct TransportStats {
  // Outbound raft messages.
  uint64_t messages_sent = 0;      // written to a stream
  uint64_t batches_sent = 0;       // RaftMessageBatch writes
  uint64_t bytes_sent = 0;         // serialized RaftMessage bytes written
  uint64_t send_busy = 0;          // Send refused: the destination's queue was full
  uint64_t send_unavailable = 0;   // Send refused: destination unknown or reconnecting
  uint64_t messages_dropped = 0;   // accepted, then lost with a failed connection or at Stop
  uint64_t connects = 0;           // streams opened
  uint64_t connect_failures = 0;   // dial/resolve failures
  uint64_t stream_failures = 0;    // open streams that broke
  uint64_t unreachable_reports = 0;
  uint64_t queued_messages = 0;    // gauge: waiting in all destination queues

  // Inbound raft messages.
  uint64_t messages_received = 0;
  uint64_t batches_received = 0;
  uint64_t bytes_received = 0;
  uint64_t messages_received_dropped = 0;  // no handler (the store is not running)

  // Snapshots, outbound.
  uint64_t snapshots_sent = 0;          // accepted by the receiver
  uint64_t snapshots_send_failed = 0;   // refused, broken, timed out
  uint64_t snapshots_send_busy = 0;     // refused here: too many in flight
  uint64_t snapshot_bytes_sent = 0;
  uint64_t snapshots_sending = 0;       // gauge
  // Snapshots, inbound.
  uint64_t snapshots_received = 0;      // handed to the store and taken
  uint64_t snapshots_receive_failed = 0;  // corrupt stream or refused by the store
  uint64_t snapshot_bytes_received = 0;
  uint64_t snapshots_receiving = 0;     // gauge
};

// The live counters behind TransportStats (relaxed atomics).
struct TransportCounters {
  std::atomic<uint64_t> messages_sent{0}, batches_sent{0}, bytes_sent{0}, send_busy{0},
      send_unavailable{0}, messages_dropped{0}, connects{0}, connect_failures{0},
      stream_failures{0}, unreachable_reports{0}, queued_messages{0};
  std::atomic<uint64_t> messages_received{0}, batches_received{0}, bytes_received{0},
      messages_received_dropped{0};
  std::atomic<uint64_t> snapshots_sent{0}, snapshots_send_failed{0}, snapshots_send_busy{0},
      snapshot_bytes_sent{0}, snapshots_sending{0};
  std::atomic<uint64_t> snapshots_received{0}, snapshots_receive_failed{0},
      snapshot_bytes_received{0}, snapshots_receiving{0};

  TransportStats Snapshot() const;
};

inline TransportStats TransportCounters::Snapshot() const {
  TransportStats s;
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  s.messages_sent = get(messages_sent);
  s.batches_sent = get(batches_sent);
  s.bytes_sent = get(bytes_sent);
  s.send_busy = get(send_busy);
  s.send_unavailable = get(send_unavailable);
  s.messages_dropped = get(messages_dropped);
  s.connects = get(connects);
  s.connect_failures = get(connect_failures);
  s.stream_failures = get(stream_failures);
  s.unreachable_reports = get(unreachable_reports);
  s.queued_messages = get(queued_messages);
  s.messages_received = get(messages_received);
  s.batches_received = get(batches_received);
  s.bytes_received = get(bytes_received);
  s.messages_received_dropped = get(messages_received_dropped);
  s.snapshots_sent = get(snapshots_sent);
  s.snapshots_send_failed = get(snapshots_send_failed);
  s.snapshots_send_busy = get(snapshots_send_busy);
  s.snapshot_bytes_sent = get(snapshot_bytes_sent);
  s.snapshots_sending = get(snapshots_sending);
  s.snapshots_received = get(snapshots_received);
  s.snapshots_receive_failed = get(snapshots_receive_failed);
  s.snapshot_bytes_received = get(snapshot_bytes_received);
  s.snapshots_receiving = get(snapshots_receiving);
  return s;
}

}  // namespace nokv::transport
