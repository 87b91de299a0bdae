// The small cluster client interface `nokv kv` is written against, so the
// command does not depend on how the client library is built. One function
// connects it to the real client library (kv_client_factory.cc, the only
// file to change when lib/client's API moves); tests drive ExecuteKv with an
// in-memory KvClient.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "commands.h"

namespace nokv::cli {

class KvClient {
 public:
  virtual ~KvClient() = default;
  // The value of `key`; NotFound when it has none. Other errors: the
  // operation failed (the cluster client already retried region errors).
  virtual Result<std::string> Get(std::string_view key) = 0;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  // Deleting a key that has no value is not an error.
  virtual Status Delete(std::string_view key) = 0;
  // Up to `limit` pairs with key >= start, ascending, across regions.
  virtual Status Scan(std::string_view start, size_t limit,
                      std::vector<std::pair<std::string, std::string>>* out) = 0;
};

struct KvClientOptions {
  std::string pd_addr;  // HOST:PORT of PD
  int timeout_ms = 5000;  // per operation, retries included
};

// Connects to the cluster through PD (kv_client_factory.cc).
Result<std::unique_ptr<KvClient>> OpenKvClient(const KvClientOptions& options);

// Runs the operation of `options` on `client`: what to print on stdout and
// stderr, and the exit code (commands.h, KvOptions). Arguments are checked
// first (usage errors never reach the client).
int ExecuteKv(KvClient* client, const KvOptions& options, std::string* out, std::string* err);

// Checks the arguments alone: "" when fine, else the usage error.
std::string CheckKvArguments(const KvOptions& options);

}  // namespace nokv::cli
