// NoKvService over loopback gRPC: request validation, region errors carried
// in response bodies, asynchronous completion (no thread per pending
// request), stop, and malformed snapshot streams.
#include "transport/kv_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "base/crc32c.h"
#include "transport/transport_test_util.h"

namespace nokv::transport {
namespace {

// Answers by key: "notleader", "epoch", "notinregion", "noregion", "busy",
// "fail" give the matching region error (or error string); other keys read
// "v:<key>". Puts are held until Release() when hold_puts is set.
class ScriptedBackend : public RawKvBackend {
 public:
  void RawGet(const kvrpcpb::RawGetRequest& q, KvCallback<kvrpcpb::RawGetResponse> done) override {
    kvrpcpb::RawGetResponse r;
    errorpb::RegionError* e = nullptr;
    const std::string& k = q.key();
    if (k == "notleader") {
      e = r.mutable_region_error();
      e->set_message("peer 101 is not the leader of region 1");
      e->mutable_not_leader()->set_region_id(1);
      e->mutable_not_leader()->mutable_leader()->set_id(201);
      e->mutable_not_leader()->mutable_leader()->set_store_id(2);
      e->mutable_not_leader()->set_leader_address("127.0.0.1:20171");
    } else if (k == "epoch") {
      e = r.mutable_region_error();
      e->set_message("epoch not match");
      metapb::Region* cur = e->mutable_epoch_not_match()->add_current_regions();
      cur->set_id(1);
      cur->set_end_key("m");
      cur->mutable_region_epoch()->set_version(2);
    } else if (k == "notinregion") {
      e = r.mutable_region_error();
      e->set_message("key not in region");
      e->mutable_key_not_in_region()->set_key(k);
      e->mutable_key_not_in_region()->set_region_id(1);
      e->mutable_key_not_in_region()->set_end_key("m");
    } else if (k == "noregion") {
      r.mutable_region_error()->set_message("region 1 not found");
      r.mutable_region_error()->mutable_region_not_found()->set_region_id(1);
    } else if (k == "busy") {
      r.mutable_region_error()->set_message("too many pending proposals");
      r.mutable_region_error()->mutable_server_is_busy()->set_backoff_ms(25);
    } else if (k == "fail") {
      r.set_error("engine: IOError: disk on fire");
    } else {
      r.set_value("v:" + k);
    }
    done(std::move(r));
  }
  void RawBatchGet(const kvrpcpb::RawBatchGetRequest&,
                   KvCallback<kvrpcpb::RawBatchGetResponse> done) override {
    done({});
  }
  void RawPut(const kvrpcpb::RawPutRequest& q, KvCallback<kvrpcpb::RawPutResponse> done) override {
    puts.fetch_add(1);
    if (!hold_puts) {
      done({});
      return;
    }
    std::lock_guard<std::mutex> l(mu);
    held.push_back(std::move(done));
  }
  void RawBatchPut(const kvrpcpb::RawBatchPutRequest&,
                   KvCallback<kvrpcpb::RawBatchPutResponse> done) override {
    done({});
  }
  void RawDelete(const kvrpcpb::RawDeleteRequest&,
                 KvCallback<kvrpcpb::RawDeleteResponse> done) override {
    done({});
  }
  void RawDeleteRange(const kvrpcpb::RawDeleteRangeRequest&,
                      KvCallback<kvrpcpb::RawDeleteRangeResponse> done) override {
    done({});
  }
  void RawScan(const kvrpcpb::RawScanRequest& q, KvCallback<kvrpcpb::RawScanResponse> done) override {
    kvrpcpb::RawScanResponse r;
    for (uint32_t i = 0; i < q.limit(); ++i) {
      kvrpcpb::KvPair* kv = r.add_kvs();
      kv->set_key(q.start_key() + std::to_string(i));
    }
    done(std::move(r));
  }

  // Answers every held put from another thread.
  void Release() {
    std::vector<KvCallback<kvrpcpb::RawPutResponse>> todo;
    {
      std::lock_guard<std::mutex> l(mu);
      todo.swap(held);
    }
    std::thread([todo = std::move(todo)] {
      for (const auto& d : todo) d({});
    }).join();
  }
  size_t held_count() {
    std::lock_guard<std::mutex> l(mu);
    return held.size();
  }

  bool hold_puts = false;
  std::atomic<int> puts{0};
  std::mutex mu;
  std::vector<KvCallback<kvrpcpb::RawPutResponse>> held;
};

class KvServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<testing::TestStore>(GrpcTransportOptions{}, &backend_);
    ASSERT_TRUE(store_->StartServer());
    channel_ = grpc::CreateChannel(store_->address(), grpc::InsecureChannelCredentials());
    stub_ = kvrpcpb::NoKV::NewStub(channel_);
  }

  static kvrpcpb::Context Ctx(uint64_t region = 1) {
    kvrpcpb::Context c;
    c.set_region_id(region);
    c.mutable_region_epoch()->set_version(1);
    c.mutable_region_epoch()->set_conf_ver(1);
    return c;
  }

  kvrpcpb::RawGetResponse Get(const std::string& key, grpc::Status* status) {
    grpc::ClientContext ctx;
    kvrpcpb::RawGetRequest q;
    *q.mutable_context() = Ctx();
    q.set_key(key);
    kvrpcpb::RawGetResponse r;
    *status = stub_->RawGet(&ctx, q, &r);
    return r;
  }

  ScriptedBackend backend_;
  std::unique_ptr<testing::TestStore> store_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<kvrpcpb::NoKV::Stub> stub_;
};

TEST_F(KvServiceTest, MissingContextOrRegionIsInvalidArgument) {
  {
    grpc::ClientContext ctx;
    kvrpcpb::RawGetRequest q;
    q.set_key("a");
    kvrpcpb::RawGetResponse r;
    grpc::Status s = stub_->RawGet(&ctx, q, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message(), "request has no context");
  }
  {
    grpc::ClientContext ctx;
    kvrpcpb::RawPutRequest q;
    *q.mutable_context() = Ctx(0);
    q.set_key("a");
    kvrpcpb::RawPutResponse r;
    grpc::Status s = stub_->RawPut(&ctx, q, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message(), "request context has no region id");
  }
  {
    grpc::ClientContext ctx;
    kvrpcpb::RawScanRequest q;
    kvrpcpb::RawScanResponse r;
    EXPECT_EQ(stub_->RawScan(&ctx, q, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_EQ(backend_.puts.load(), 0);  // the backend never saw them
}

TEST_F(KvServiceTest, RegionErrorsTravelInTheResponseBody) {
  grpc::Status s;
  kvrpcpb::RawGetResponse r = Get("notleader", &s);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(r.region_error().has_not_leader());
  EXPECT_EQ(r.region_error().not_leader().leader().id(), 201u);
  EXPECT_EQ(r.region_error().not_leader().leader().store_id(), 2u);
  EXPECT_EQ(r.region_error().not_leader().leader_address(), "127.0.0.1:20171");
  EXPECT_FALSE(r.region_error().message().empty());

  r = Get("epoch", &s);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(r.region_error().has_epoch_not_match());
  ASSERT_EQ(r.region_error().epoch_not_match().current_regions_size(), 1);
  EXPECT_EQ(r.region_error().epoch_not_match().current_regions(0).region_epoch().version(), 2u);

  r = Get("notinregion", &s);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(r.region_error().key_not_in_region().end_key(), "m");

  r = Get("noregion", &s);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(r.region_error().region_not_found().region_id(), 1u);

  r = Get("busy", &s);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(r.region_error().server_is_busy().backoff_ms(), 25u);

  r = Get("fail", &s);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(r.has_region_error());
  EXPECT_EQ(r.error(), "engine: IOError: disk on fire");

  r = Get("plain", &s);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(r.value(), "v:plain");
}

TEST_F(KvServiceTest, PendingWritesHoldNoThread) {
  // 256 puts the backend answers only once all of them have arrived: a
  // thread-per-request server with fewer threads would never get there.
  backend_.hold_puts = true;
  constexpr int kCalls = 256;
  struct Call {
    grpc::ClientContext ctx;
    kvrpcpb::RawPutRequest q;
    kvrpcpb::RawPutResponse r;
  };
  std::vector<std::unique_ptr<Call>> calls;
  std::atomic<int> ok{0}, finished{0};
  for (int i = 0; i < kCalls; ++i) {
    auto c = std::make_unique<Call>();
    *c->q.mutable_context() = Ctx();
    c->q.set_key("k" + std::to_string(i));
    stub_->async()->RawPut(&c->ctx, &c->q, &c->r, [&](grpc::Status s) {
      if (s.ok()) ok.fetch_add(1);
      finished.fetch_add(1);
    });
    calls.push_back(std::move(c));
  }
  for (int i = 0; i < 500 && backend_.held_count() < kCalls; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(backend_.held_count(), static_cast<size_t>(kCalls));
  EXPECT_EQ(finished.load(), 0);
  backend_.Release();
  for (int i = 0; i < 500 && finished.load() < kCalls; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ok.load(), kCalls);
}

TEST_F(KvServiceTest, StopRefusesNewRequests) {
  store_->service.Stop();
  grpc::Status s;
  (void)Get("plain", &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "store is stopping");
}

// Sends `chunks` on a raw Snapshot stream; the call's status.
grpc::Status SendRawSnapshot(kvrpcpb::NoKV::Stub* stub,
                             const std::vector<raft_serverpb::SnapshotChunk>& chunks) {
  grpc::ClientContext ctx;
  raft_serverpb::Done done;
  auto w = stub->Snapshot(&ctx, &done);
  for (const auto& c : chunks) {
    if (!w->Write(c)) break;
  }
  (void)w->WritesDone();
  return w->Finish();
}

raft_serverpb::SnapshotChunk Header(uint64_t size, uint32_t crc) {
  raft_serverpb::SnapshotChunk c;
  c.mutable_header()->mutable_message()->set_region_id(3);
  c.mutable_header()->set_total_size(size);
  c.mutable_header()->set_total_crc32c(crc);
  return c;
}

raft_serverpb::SnapshotChunk Data(const std::string& d) {
  raft_serverpb::SnapshotChunk c;
  c.set_data(d);
  c.set_crc32c(crc32c::Value(d));
  return c;
}

TEST_F(KvServiceTest, MalformedSnapshotStreamsAreRefusedWithDataLoss) {
  const std::string a(50, 'a'), b(50, 'b');
  const uint32_t crc = crc32c::Value(a + b);

  grpc::Status s = SendRawSnapshot(stub_.get(), {Data(a), Header(100, crc)});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_NE(s.error_message().find("came before the header"), std::string::npos)
      << s.error_message();

  s = SendRawSnapshot(stub_.get(), {Header(100, crc), Data(a)});  // truncated
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_NE(s.error_message().find("got 50 bytes, header announced 100"), std::string::npos)
      << s.error_message();

  s = SendRawSnapshot(stub_.get(), {Header(100, crc ^ 1), Data(a), Data(b)});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_NE(s.error_message().find("whole-snapshot checksum mismatch"), std::string::npos)
      << s.error_message();

  raft_serverpb::SnapshotChunk bad = Data(b);
  bad.set_crc32c(bad.crc32c() + 1);
  s = SendRawSnapshot(stub_.get(), {Header(100, crc), Data(a), bad});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_NE(s.error_message().find("chunk 2 checksum mismatch"), std::string::npos)
      << s.error_message();

  EXPECT_TRUE(store_->handler.snapshots.empty());
  EXPECT_EQ(store_->transport.Stats().snapshots_receive_failed, 4u);

  s = SendRawSnapshot(stub_.get(), {Header(100, crc), Data(a), Data(b)});
  EXPECT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(store_->handler.snapshots.size(), 1u);
  EXPECT_EQ(store_->handler.snapshots[0].second, a + b);
}

}  // namespace
}  // namespace nokv::transport
