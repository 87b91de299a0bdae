// A client connection of RedisServer as its event loop sees it: input and
// output buffers, the parsed commands waiting to run, and the Batch that
// carries a run of them to an executor and the replies back. The constants
// bound what one connection may hold.
//
// Ownership: a Connection belongs to one IoLoop and is touched only by that
// loop's thread, except its Session, which the executor running the
// connection's single in-flight Batch uses (the loop does not touch it while
// the batch is out). Batches travel loop -> executor queue -> loop's done list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "redis/command.h"
#include "redis/resp.h"

namespace nokv::redis {

inline constexpr size_t kMaxPendingCommands = 1024;  // parsed but not run; reading pauses beyond
inline constexpr size_t kMaxBatch = 128;             // commands handed to an executor at once
inline constexpr size_t kReadChunk = 64 << 10;

class IoLoop;

// Commands of one connection on their way to an executor and back.
struct Batch {
  IoLoop* loop = nullptr;
  uint64_t conn_id = 0;
  Session* session = nullptr;
  std::vector<std::vector<std::string>> commands;
  std::string reply;
  // The writes could not be made durable (RedisStore::FlushBeforeReplies
  // failed): the replies must not be sent.
  bool flush_failed = false;
};

struct Connection {
  uint64_t id = 0;
  int fd = -1;
  Session session;
  RespParser parser;
  std::string in;
  size_t in_pos = 0;
  std::deque<std::vector<std::string>> pending;
  bool in_flight = false;
  std::string out;
  size_t out_pos = 0;
  uint32_t events = 0;          // current epoll interest
  bool read_eof = false;        // peer closed its side: finish, flush, close
  bool close_after_flush = false;
  bool closed = false;          // fd gone; object kept until the batch returns
  std::string protocol_error;   // sent after the pending replies, then close
  uint64_t last_active_ms = 0;

  explicit Connection(const RespLimits& limits) : parser(limits) {}
};

}  // namespace nokv::redis
