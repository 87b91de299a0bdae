// OpenKvClient: binds `nokv kv` to the cluster client library
// (lib/client's RawKvClient) when it is in the build; without it the command
// reports that it cannot run. If lib/client's API moves, this adapter is the
// only file of cmd/nokv to change.
#include "kv_client.h"

#include <algorithm>

#ifdef NOKV_WITH_CLIENT
#include "client/raw_kv_client.h"
#endif

namespace nokv::cli {

#ifdef NOKV_WITH_CLIENT
namespace {

class RawKvClientAdapter : public KvClient {
 public:
  explicit RawKvClientAdapter(std::unique_ptr<client::RawKvClient> client)
      : client_(std::move(client)) {}

  Result<std::string> Get(std::string_view key) override {
    std::string value;
    Status s = client_->Get(key, &value);
    if (!s.ok()) return s;
    return value;
  }
  Status Put(std::string_view key, std::string_view value) override {
    return client_->Put(key, value);
  }
  Status Delete(std::string_view key) override { return client_->Delete(key); }
  Status Scan(std::string_view start, size_t limit,
              std::vector<std::pair<std::string, std::string>>* out) override {
    return client_->Scan(start, /*end=*/{}, limit, out);
  }

 private:
  std::unique_ptr<client::RawKvClient> client_;
};

}  // namespace

Result<std::unique_ptr<KvClient>> OpenKvClient(const KvClientOptions& options) {
  client::RawKvClientOptions o;
  o.pd_endpoints = {options.pd_addr};
  o.request_timeout_ms = options.timeout_ms;
  o.rpc_timeout_ms = std::min(o.rpc_timeout_ms, options.timeout_ms);
  Result<std::unique_ptr<client::RawKvClient>> c = client::RawKvClient::Create(o);
  if (!c.ok()) return c.status();
  return std::unique_ptr<KvClient>(std::make_unique<RawKvClientAdapter>(std::move(c).value()));
}

#else

Result<std::unique_ptr<KvClient>> OpenKvClient(const KvClientOptions& options) {
  (void)options;
  return Status::NotSupported(
      "this nokv was built without the cluster client library (lib/client)");
}

#endif

}  // namespace nokv::cli
