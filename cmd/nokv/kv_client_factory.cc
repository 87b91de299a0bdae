// OpenKvClient: binds `nokv kv` to the cluster client library. Until
// lib/client is in the build this reports that the command cannot run; when
// it lands, wrap its client here (an adapter implementing KvClient) and
// nothing else in cmd/nokv changes.
#include "kv_client.h"

namespace nokv::cli {

Result<std::unique_ptr<KvClient>> OpenKvClient(const KvClientOptions& options) {
  (void)options;
  return Status::NotSupported(
      "this nokv was built without the cluster client library (lib/client)");
}

}  // namespace nokv::cli
