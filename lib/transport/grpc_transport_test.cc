// GrpcTransport over real loopback gRPC: batching, backpressure, unreachable
// reports and reconnects, snapshots (intact, corrupted, refused, bounded).
#include "transport/grpc_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <atomic>
#include <future>

#include "raftstore/snapshot_chunks.h"
#include "transport/transport_test_util.h"

namespace nokv::transport {
namespace {

using testing::Message;
using testing::TestStore;

// Generous connect timeout: a loaded test machine must not turn a live peer
// into an unreachable one.
GrpcTransportOptions Patient(GrpcTransportOptions o = {}) {
  o.connect_timeout_ms = 10000;
  return o;
}

// Two stores that know each other's address.
struct Pair {
  explicit Pair(GrpcTransportOptions o1 = Patient(), GrpcTransportOptions o2 = Patient())
      : s1(std::move(o1)), s2(std::move(o2)) {
    EXPECT_TRUE(s1.StartServer());
    EXPECT_TRUE(s2.StartServer());
    s1.transport.resolver()->Set(2, s2.address());
    s2.transport.resolver()->Set(1, s1.address());
  }
  TestStore s1, s2;
};

TEST(GrpcTransportTest, ExchangesBatchesBothWays) {
  Pair p;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(p.s1.transport.Send(2, Message(7, 1, 2, "m" + std::to_string(i))).ok());
  }
  p.s1.transport.Flush();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(p.s2.transport.Send(1, Message(8, 2, 1, "r" + std::to_string(i))).ok());
  }
  p.s2.transport.Flush();

  ASSERT_TRUE(p.s2.handler.WaitFor([&] { return p.s2.handler.messages.size() == 100; }));
  ASSERT_TRUE(p.s1.handler.WaitFor([&] { return p.s1.handler.messages.size() == 10; }));
  for (int i = 0; i < 100; ++i) {  // in order, intact
    EXPECT_EQ(p.s2.handler.messages[i].message(), "m" + std::to_string(i));
    EXPECT_EQ(p.s2.handler.messages[i].region_id(), 7u);
    EXPECT_EQ(p.s2.handler.messages[i].to_peer().store_id(), 2u);
  }
  // The sender counts a batch once its write completes, which may be after
  // the receiver has handled it.
  TransportStats out = p.s1.transport.Stats();
  for (int i = 0; i < 500 && out.messages_sent < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    out = p.s1.transport.Stats();
  }
  EXPECT_EQ(out.messages_sent, 100u);
  EXPECT_EQ(out.batches_sent, 1u);  // one Flush, one write
  EXPECT_GT(out.bytes_sent, 100u * 2);
  EXPECT_EQ(out.connects, 1u);
  TransportStats in = p.s2.transport.Stats();
  EXPECT_EQ(in.messages_received, 100u);
  EXPECT_EQ(in.batches_received, 1u);
  EXPECT_GT(in.bytes_received, out.bytes_sent);  // the batch's framing on top
  EXPECT_TRUE(p.s1.handler.unreachable.empty());
}

TEST(GrpcTransportTest, LargeQueueIsCutIntoBoundedWrites) {
  GrpcTransportOptions o = Patient();
  o.max_batch_bytes = 64 << 10;
  Pair p(o);
  const std::string payload(10 << 10, 'x');
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(p.s1.transport.Send(2, Message(1, 1, 2, payload)).ok());
  p.s1.transport.Flush();
  ASSERT_TRUE(p.s2.handler.WaitFor([&] { return p.s2.handler.messages.size() == 50; }));
  EXPECT_GE(p.s1.transport.Stats().batches_sent, 8u);  // 500 KiB in <= 64 KiB writes
}

TEST(GrpcTransportTest, FullQueueAnswersBusyUntilFlushed) {
  GrpcTransportOptions o = Patient();
  o.queue_messages = 8;
  Pair p(o);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(p.s1.transport.Send(2, Message(1, 1, 2, "a")).ok());
  Status s = p.s1.transport.Send(2, Message(1, 1, 2, "overflow"));
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_NE(s.message().find("queue to store 2 is full"), std::string::npos) << s.ToString();
  EXPECT_EQ(p.s1.transport.Stats().send_busy, 1u);
  EXPECT_EQ(p.s1.transport.Stats().queued_messages, 8u);

  p.s1.transport.Flush();
  ASSERT_TRUE(p.s2.handler.WaitFor([&] { return p.s2.handler.messages.size() == 8; }));
  // Drained: accepted again.
  ASSERT_TRUE(p.s1.handler.WaitFor([&] { return true; }));
  for (int tries = 0; tries < 100; ++tries) {
    if (p.s1.transport.Stats().queued_messages == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(p.s1.transport.Send(2, Message(1, 1, 2, "after")).ok());
}

TEST(GrpcTransportTest, QueueIsBoundedInBytesToo) {
  GrpcTransportOptions o = Patient();
  o.queue_bytes = 4096;
  Pair p(o);
  const std::string kb(1000, 'k');
  int accepted = 0;
  while (p.s1.transport.Send(2, Message(1, 1, 2, kb)).ok()) ++accepted;
  EXPECT_GE(accepted, 3);
  EXPECT_LE(accepted, 4);
}

TEST(GrpcTransportTest, DeadPeerIsReportedUnreachableThenReconnects) {
  GrpcTransportOptions o;
  o.connect_timeout_ms = 300;
  o.reconnect_backoff_initial_ms = 50;
  o.reconnect_backoff_max_ms = 200;
  Pair p(o);
  // Connected first.
  ASSERT_TRUE(p.s1.transport.Send(2, Message(1, 1, 2, "hello")).ok());
  p.s1.transport.Flush();
  ASSERT_TRUE(p.s2.handler.WaitFor([&] { return p.s2.handler.messages.size() == 1; }));
  const int port = p.s2.port;

  // Store 2 goes away: the next sends fail, store 1 hears "unreachable".
  p.s2.StopServer();
  bool reported = false;
  bool refused = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline && !(reported && refused)) {
    Status s = p.s1.transport.Send(2, Message(1, 1, 2, "lost"));
    refused |= s.IsUnavailable();
    p.s1.transport.Flush();
    reported = p.s1.handler.WaitFor([&] { return !p.s1.handler.unreachable.empty(); }, 20);
  }
  ASSERT_TRUE(reported);
  EXPECT_TRUE(refused) << "Send should answer Unavailable while the store is down";
  EXPECT_EQ(p.s1.handler.unreachable.front(), 2u);
  TransportStats st = p.s1.transport.Stats();
  EXPECT_GE(st.stream_failures + st.connect_failures, 1u);
  EXPECT_GE(st.unreachable_reports, 1u);
  EXPECT_GE(st.send_unavailable, 1u);

  // Back on the same port: messages flow again.
  ASSERT_TRUE(p.s2.StartServer(port));
  const size_t before = p.s2.handler.message_count();
  bool delivered = false;
  const auto deadline2 = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline2 && !delivered) {
    (void)p.s1.transport.Send(2, Message(1, 1, 2, "again"));
    p.s1.transport.Flush();
    delivered = p.s2.handler.WaitFor([&] { return p.s2.handler.messages.size() > before; }, 50);
  }
  EXPECT_TRUE(delivered);
  EXPECT_EQ(p.s2.handler.messages.back().message(), "again");
  EXPECT_GE(p.s1.transport.Stats().connects, 2u);
}

TEST(GrpcTransportTest, UnknownStoreIsUnreachable) {
  TestStore s1;
  ASSERT_TRUE(s1.StartServer());
  // No lookup and no pinned address for store 9.
  ASSERT_TRUE(s1.transport.Send(9, Message(1, 1, 9, "x")).ok());
  s1.transport.Flush();
  ASSERT_TRUE(s1.handler.WaitFor([&] { return !s1.handler.unreachable.empty(); }));
  EXPECT_EQ(s1.handler.unreachable.front(), 9u);
  EXPECT_EQ(s1.transport.Stats().messages_dropped, 1u);
  EXPECT_TRUE(s1.transport.Send(0, Message(1, 1, 0, "x")).IsUnavailable());
}

TEST(GrpcTransportTest, AddressComesFromTheLookupAndIsRefreshedAfterAFailure) {
  TestStore s2;
  ASSERT_TRUE(s2.StartServer());
  std::atomic<int> lookups{0};
  std::string address = "127.0.0.1:1";  // nothing listens there
  std::mutex mu;
  GrpcTransportOptions o;
  o.connect_timeout_ms = 200;
  o.reconnect_backoff_initial_ms = 20;
  GrpcTransport t1(
      [&](uint64_t id) -> Result<metapb::Store> {
        ++lookups;
        std::lock_guard<std::mutex> l(mu);
        metapb::Store s;
        s.set_id(id);
        s.set_address(address);
        return s;
      },
      o);
  testing::RecordingHandler h1;
  t1.SetHandler(&h1);
  ASSERT_TRUE(t1.Send(2, Message(1, 1, 2, "x")).ok());
  t1.Flush();
  ASSERT_TRUE(h1.WaitFor([&] { return !h1.unreachable.empty(); }));
  {
    std::lock_guard<std::mutex> l(mu);
    address = s2.address();  // PD now knows the right address
  }
  bool delivered = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline && !delivered) {
    (void)t1.Send(2, Message(1, 1, 2, "y"));
    t1.Flush();
    delivered = s2.handler.WaitFor([&] { return !s2.handler.messages.empty(); }, 50);
  }
  EXPECT_TRUE(delivered);
  EXPECT_GE(lookups.load(), 2);
  t1.Stop();
}

TEST(GrpcTransportTest, TombstoneStoreDoesNotResolve) {
  StoreResolver r([](uint64_t id) -> Result<metapb::Store> {
    metapb::Store s;
    s.set_id(id);
    s.set_address("127.0.0.1:5");
    s.set_state(metapb::STORE_TOMBSTONE);
    return s;
  });
  Result<std::string> a = r.Resolve(4);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("tombstone"), std::string::npos);
}

// ---- snapshots

std::string SnapshotData(size_t n) {
  std::string d(n, '\0');
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<char>(i * 131 + 7);
  return d;
}

Status SendSnapshotAndWait(GrpcTransport& t, uint64_t to, const std::string& data) {
  std::promise<Status> done;
  t.SendSnapshot(to, Message(5, 1, to, "snap"), std::make_shared<const std::string>(data),
                 [&](Status s) { done.set_value(std::move(s)); });
  return done.get_future().get();
}

TEST(GrpcTransportTest, SnapshotArrivesWhole) {
  GrpcTransportOptions o = Patient();
  o.snapshot_chunk_size = 1 << 20;
  Pair p(o);
  const std::string data = SnapshotData((3 << 20) + 12345);
  Status s = SendSnapshotAndWait(p.s1.transport, 2, data);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(p.s2.handler.snapshots.size(), 1u);
  EXPECT_EQ(p.s2.handler.snapshots[0].first.message(), "snap");
  EXPECT_EQ(p.s2.handler.snapshots[0].first.region_id(), 5u);
  EXPECT_TRUE(p.s2.handler.snapshots[0].second == data);
  EXPECT_EQ(p.s1.transport.Stats().snapshots_sent, 1u);
  EXPECT_EQ(p.s1.transport.Stats().snapshot_bytes_sent, data.size());
  EXPECT_EQ(p.s2.transport.Stats().snapshots_received, 1u);
  EXPECT_EQ(p.s2.transport.Stats().snapshot_bytes_received, data.size());
  // An empty snapshot (a region without data) is a header alone.
  ASSERT_TRUE(SendSnapshotAndWait(p.s1.transport, 2, "").ok());
  EXPECT_EQ(p.s2.handler.snapshots.size(), 2u);
}

TEST(GrpcTransportTest, CorruptedChunkIsRejectedWithAClearError) {
  GrpcTransportOptions o = Patient();
  o.snapshot_chunk_size = 1000;
  o.on_snapshot_chunk = [](size_t index, raft_serverpb::SnapshotChunk* c) {
    if (index == 2) (*c->mutable_data())[17] ^= 0x40;  // a bit flipped on the way
  };
  Pair p(o);
  Status s = SendSnapshotAndWait(p.s1.transport, 2, SnapshotData(5000));
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("chunk 2 checksum mismatch"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("snapshot of region 5 to store 2"), std::string::npos)
      << s.ToString();
  EXPECT_TRUE(p.s2.handler.snapshots.empty());  // the store never saw it
  EXPECT_EQ(p.s2.transport.Stats().snapshots_receive_failed, 1u);
  EXPECT_EQ(p.s1.transport.Stats().snapshots_send_failed, 1u);
}

TEST(GrpcTransportTest, StoreRefusalComesBackToTheSender) {
  Pair p;
  p.s2.handler.snapshot_verdict = Status::NotFound("region 5: no peer here and none may be created");
  Status s = SendSnapshotAndWait(p.s1.transport, 2, SnapshotData(100));
  ASSERT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find("none may be created"), std::string::npos) << s.ToString();
  p.s2.handler.snapshot_verdict = Status::Busy("applying another snapshot");
  s = SendSnapshotAndWait(p.s1.transport, 2, SnapshotData(100));
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
}

TEST(GrpcTransportTest, SnapshotsInFlightAreBounded) {
  GrpcTransportOptions o = Patient();
  o.max_snapshots_sending = 1;
  Pair p(o);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> entered{false};
  p.s2.handler.snapshot_gate = [&] {
    entered = true;
    released.wait();
  };
  std::promise<Status> first;
  p.s1.transport.SendSnapshot(2, Message(5, 1, 2, "a"),
                              std::make_shared<const std::string>(SnapshotData(10)),
                              [&](Status s) { first.set_value(s); });
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Status second = SendSnapshotAndWait(p.s1.transport, 2, SnapshotData(10));
  EXPECT_TRUE(second.IsBusy()) << second.ToString();
  EXPECT_EQ(p.s1.transport.Stats().snapshots_send_busy, 1u);
  EXPECT_EQ(p.s1.transport.Stats().snapshots_sending, 1u);
  release.set_value();
  EXPECT_TRUE(first.get_future().get().ok());
  EXPECT_TRUE(SendSnapshotAndWait(p.s1.transport, 2, SnapshotData(10)).ok());
}

TEST(GrpcTransportTest, SnapshotToADeadStoreFailsAndStopCancels) {
  TestStore s1;
  s1.transport.resolver()->Set(2, "127.0.0.1:1");
  Status s = SendSnapshotAndWait(s1.transport, 2, SnapshotData(10));
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  s1.transport.Stop();
  s = SendSnapshotAndWait(s1.transport, 2, SnapshotData(10));
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(s1.transport.Send(2, Message(1, 1, 2, "x")).IsUnavailable());
}

TEST(GrpcTransportTest, StopWhileSendersRun) {
  Pair p;
  std::atomic<bool> go{true};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&] {
      while (go.load()) {
        (void)p.s1.transport.Send(2, Message(1, 1, 2, "x"));
        p.s1.transport.Flush();
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  p.s1.transport.Stop();
  EXPECT_TRUE(p.s1.transport.Send(2, Message(1, 1, 2, "late")).IsUnavailable());
  go = false;
  for (auto& t : senders) t.join();
  EXPECT_GT(p.s2.handler.message_count(), 0u);
}

TEST(GrpcTransportTest, NoHandlerDropsInboundMessages) {
  Pair p;
  p.s2.transport.SetHandler(nullptr);
  ASSERT_TRUE(p.s1.transport.Send(2, Message(1, 1, 2, "x")).ok());
  p.s1.transport.Flush();
  for (int i = 0; i < 200 && p.s2.transport.Stats().messages_received_dropped == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(p.s2.transport.Stats().messages_received_dropped, 1u);
  Status s = SendSnapshotAndWait(p.s1.transport, 2, "abc");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no store is running here"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace nokv::transport
