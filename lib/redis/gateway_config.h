// The gateway settings CONFIG SET may change while it runs (CONFIG GET reads
// them back, cmd_config.cc maps the Redis parameter names): the event loops
// and the background thread load them on every use, so a change applies to
// the next accept, idle check or expiry cycle. The fsync policy (appendfsync)
// lives in RedisStore, which applies it to every write.
#pragma once

#include <atomic>
#include <cstdint>

namespace nokv::redis {

struct GatewayConfig {
  std::atomic<uint64_t> max_clients{10000};  // maxclients: connections beyond are refused
  std::atomic<int64_t> idle_timeout_s{0};    // timeout: close clients idle this long; 0 = never
  // hz: background cycles (active expiry, appendfsync everysec) per second,
  // 1..500 like Redis; 10 = one every 100 ms.
  std::atomic<int> hz{10};
};

}  // namespace nokv::redis
