// nokv kv's command logic (ExecuteKv) over an in-memory KvClient: outputs,
// exit codes, --hex, and argument errors that never reach the client.
#include <gtest/gtest.h>

#include <map>

#include "kv_client.h"

namespace nokv::cli {
namespace {

class MemoryKvClient : public KvClient {
 public:
  Result<std::string> Get(std::string_view key) override {
    ++calls;
    if (fail) return Status::IOError("PD unreachable");
    auto it = data.find(std::string(key));
    if (it == data.end()) return Status::NotFound("no value");
    return it->second;
  }
  Status Put(std::string_view key, std::string_view value) override {
    ++calls;
    if (fail) return Status::IOError("PD unreachable");
    data[std::string(key)] = std::string(value);
    return Status::OK();
  }
  Status Delete(std::string_view key) override {
    ++calls;
    if (fail) return Status::IOError("PD unreachable");
    data.erase(std::string(key));
    return Status::OK();
  }
  Status Scan(std::string_view start, size_t limit,
              std::vector<std::pair<std::string, std::string>>* out) override {
    ++calls;
    if (fail) return Status::IOError("PD unreachable");
    for (auto it = data.lower_bound(std::string(start)); it != data.end() && out->size() < limit;
         ++it) {
      out->emplace_back(it->first, it->second);
    }
    return Status::OK();
  }

  std::map<std::string, std::string> data;
  bool fail = false;
  int calls = 0;
};

struct KvRun {
  int code;
  std::string out, err;
};

KvRun Exec(MemoryKvClient* client, KvOptions o) {
  if (o.pd_addr.empty()) o.pd_addr = "127.0.0.1:2379";
  KvRun r;
  r.code = ExecuteKv(client, o, &r.out, &r.err);
  return r;
}

KvOptions Op(const std::string& op, const std::string& key, const std::string& value = "") {
  KvOptions o;
  o.op = op;
  o.key = key;
  o.value = value;
  return o;
}

TEST(KvCommandTest, PutGetDeleteScan) {
  MemoryKvClient c;
  KvRun r = Exec(&c, Op("put", "k1", "v1"));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(Exec(&c, Op("put", "k2", "v 2")).code, 0);
  ASSERT_EQ(Exec(&c, Op("put", "j", "x")).code, 0);

  r = Exec(&c, Op("get", "k1"));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "v1\n");

  KvOptions scan = Op("scan", "k");
  r = Exec(&c, scan);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "k1\tv1\nk2\tv 2\n");
  scan.limit = 1;
  scan.key = "";
  EXPECT_EQ(Exec(&c, scan).out, "j\tx\n");

  EXPECT_EQ(Exec(&c, Op("delete", "k1")).code, 0);
  EXPECT_EQ(Exec(&c, Op("delete", "k1")).code, 0);  // already gone: fine
  r = Exec(&c, Op("get", "k1"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "nokv kv get: key not found\n");
}

TEST(KvCommandTest, HexArgumentsAndOutput) {
  MemoryKvClient c;
  KvOptions put = Op("put", "00ff", "0a0b");
  put.hex = true;
  ASSERT_EQ(Exec(&c, put).code, 0);
  EXPECT_EQ(c.data.at(std::string("\x00\xff", 2)), "\x0a\x0b");
  KvOptions get = Op("get", "00FF");
  get.hex = true;
  EXPECT_EQ(Exec(&c, get).out, "0a0b\n");
  KvOptions scan = Op("scan", "");
  scan.hex = true;
  EXPECT_EQ(Exec(&c, scan).out, "00ff\t0a0b\n");
}

TEST(KvCommandTest, FailuresExitThreeWithTheReason) {
  MemoryKvClient c;
  c.fail = true;
  for (const char* op : {"get", "put", "delete", "scan"}) {
    KvRun r = Exec(&c, Op(op, "k", "v"));
    EXPECT_EQ(r.code, 3) << op;
    EXPECT_EQ(r.out, "") << op;
    EXPECT_EQ(r.err, std::string("nokv kv ") + op + ": IOError: PD unreachable\n") << op;
  }
}

TEST(KvCommandTest, UsageErrorsNeverReachTheClient) {
  MemoryKvClient c;
  struct Case {
    KvOptions options;
    std::string err;
  };
  KvOptions no_pd = Op("get", "k");
  no_pd.pd_addr = "";
  KvOptions bad_hex = Op("put", "zz", "00");
  bad_hex.hex = true;
  KvOptions bad_value = Op("put", "00", "0");
  bad_value.hex = true;
  KvOptions zero_limit = Op("scan", "a");
  zero_limit.limit = 0;
  const Case cases[] = {
      {Op("get", ""), "nokv kv get: an empty key is not a key\n"},
      {Op("frob", "k"), "nokv kv frob: unknown operation \"frob\" (expected get, put, delete or scan)\n"},
      {bad_hex, "nokv kv put: KEY \"zz\" is not hex (--hex)\n"},
      {bad_value, "nokv kv put: VALUE \"0\" is not hex (--hex)\n"},
      {zero_limit, "nokv kv scan: --limit must be in 1..1000000\n"},
  };
  for (const Case& k : cases) {
    KvRun r = Exec(&c, k.options);
    EXPECT_EQ(r.code, 2) << k.err;
    EXPECT_EQ(r.err, k.err);
  }
  std::string out, err;
  EXPECT_EQ(ExecuteKv(&c, no_pd, &out, &err), 2);
  EXPECT_EQ(err, "nokv kv get: --pd-addr is required (or set NOKV_PD_ADDR)\n");
  EXPECT_EQ(c.calls, 0);
}

}  // namespace
}  // namespace nokv::cli
