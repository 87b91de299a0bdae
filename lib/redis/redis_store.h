// RedisStore: the string keyspace of the gateway on top of nokv::DB — reads
// that hide expired values, writes with absolute expiry, striped per-key locks
// for read-modify-write commands, SCAN cursors and the active expiry cycle.
// Command handlers (cmd_*.cc) hold the Redis semantics; this class holds the
// storage mechanics. Keys are Redis keys throughout; only this class (and
// KeyBatch) turns them into engine keys (key_layout.h).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "nokv/db.h"

namespace nokv::redis {

// Counters shared by the dispatcher, the store and the network server.
struct RedisCounters {
  std::atomic<uint64_t> connected_clients{0};
  std::atomic<uint64_t> total_connections{0};
  std::atomic<uint64_t> total_commands{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> error_replies{0};
  std::atomic<uint64_t> keyspace_hits{0};
  std::atomic<uint64_t> keyspace_misses{0};
  std::atomic<uint64_t> expired_keys{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  // fsyncs FlushBeforeReplies issued (appendfsync always, batched durability).
  std::atomic<uint64_t> reply_syncs{0};

  // CONFIG RESETSTAT: zeroes what Redis' resetServerStats zeroes (every
  // counter but connected_clients).
  void ResetStats();
};

// A fixed set of mutexes; a key maps to one by hash. Commands that read,
// compute and write a key hold its stripe so they are atomic with respect to
// each other and to every other write of that key (all writes lock).
class KeyLocks {
 public:
  static constexpr size_t kStripes = 1024;

  // Holds the stripes of a set of keys (locked in index order: no deadlock).
  // One key's stripe is held without an allocation.
  class Guard {
   public:
    Guard(KeyLocks* locks, size_t stripe);
    Guard(KeyLocks* locks, std::vector<size_t> stripes);
    ~Guard();
    Guard(Guard&& other) noexcept
        : locks_(other.locks_), single_(other.single_), stripes_(std::move(other.stripes_)) {
      other.single_ = kNone;
      other.stripes_.clear();
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    static constexpr size_t kNone = ~size_t{0};
    KeyLocks* locks_;
    size_t single_ = kNone;       // the one stripe held, or kNone
    std::vector<size_t> stripes_;  // the stripes held otherwise
  };

  [[nodiscard]] Guard Lock(std::string_view key);
  [[nodiscard]] Guard Lock(const std::vector<std::string_view>& keys);
  // Every stripe: excludes all other writers (FLUSHDB).
  [[nodiscard]] Guard LockAll();

 private:
  std::array<std::mutex, kStripes> mutexes_;
};

// A WriteBatch over Redis keys (encoded with key_layout.h).
class KeyBatch {
 public:
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  uint32_t Count() const { return batch_.Count(); }
  const WriteBatch& batch() const { return batch_; }

 private:
  WriteBatch batch_;
};

// When writes reach the disk (Redis' appendfsync): kAlways fsyncs each write
// before it is acknowledged (WriteOptions::sync; concurrent writers share an
// fsync through the engine's group commit); kEverySec hands writes to the OS
// and SyncIfDue fsyncs the log once a second; kNo leaves the write-back to the
// OS. In every mode an acknowledged write survives a crash of the process.
enum class FsyncPolicy { kAlways, kEverySec, kNo };
// "always", "everysec", "no".
inline const char* FsyncPolicyName(FsyncPolicy p) {
  return p == FsyncPolicy::kAlways ? "always" : p == FsyncPolicy::kEverySec ? "everysec" : "no";
}

// The keyspace size as of the last complete background walk
// (ActiveExpireCycle): INFO's O(1) figure. Approximate: keys written or
// deleted while the walk ran may or may not be in it, and later changes are
// not until the next walk completes.
struct KeyspaceEstimate {
  bool complete = false;       // false until a first walk has finished
  uint64_t keys = 0;
  uint64_t expires = 0;        // keys with an expiry
  uint64_t avg_ttl_ms = 0;     // their mean remaining time to live
  uint64_t as_of_ms = 0;       // when the walk finished (DB clock)
};

class RedisStore {
 public:
  RedisStore(DB* db, RedisCounters* counters);

  DB* db() const { return db_; }
  RedisCounters* counters() const { return counters_; }
  KeyLocks& locks() { return locks_; }
  uint64_t NowMs() const { return db_->NowMs(); }
  // The fsync policy of the following writes; CONFIG SET appendfsync changes
  // it at any time.
  void set_fsync_policy(FsyncPolicy p) { fsync_policy_.store(p, std::memory_order_relaxed); }
  FsyncPolicy fsync_policy() const { return fsync_policy_.load(std::memory_order_relaxed); }
  // Under kEverySec, fsyncs the log if the last sync is a second old or more
  // and a write came since; the server's background thread calls it every
  // cycle.
  Status SyncIfDue();
  // Batched durability (the server turns it on; set before use): commands'
  // writes reach the engine unsynced, their WAL records left in its buffer
  // (WriteOptions::defer_wal_flush), and FlushBeforeReplies, which the server
  // calls after running a batch of commands and before sending any of its
  // replies, makes them as durable as the fsync policy asks. So a pipeline
  // costs one write(2) (and under kAlways one fsync, shared by every batch
  // that waits for it at the same time) instead of one per command, while
  // later commands of the pipeline still see the earlier ones' writes.
  // Without it (a Dispatcher driven directly) each write is flushed or synced
  // on its own.
  void set_batched_durability(bool on) { batched_durability_ = on; }
  // With batched durability: makes every write any command could have seen
  // so far durable per the policy (kAlways: fsynced; otherwise handed to the
  // OS). Cheap when there is nothing to do. An error means replies must not
  // be sent. OK without batched durability.
  Status FlushBeforeReplies();

  // The live value of `key` and its expiry (0 = none). NotFound if missing or
  // expired. Counts a keyspace hit or miss (Redis' lookupKeyRead).
  Status Get(std::string_view key, std::string* value, uint64_t* expires_at_ms = nullptr);
  // Get for the read of a read-modify-write: no hit or miss is counted
  // (Redis' lookupKeyWrite).
  Status GetForWrite(std::string_view key, std::string* value, uint64_t* expires_at_ms = nullptr);
  // Writes `value` that expires at `expires_at_ms` (0 = never).
  Status Put(std::string_view key, std::string_view value, uint64_t expires_at_ms);
  Status Delete(std::string_view key);
  // Applies `batch` atomically.
  Status Write(const KeyBatch& batch);

  // Keys in [start, ...) in order: visits at most `count` live keys and
  // appends those matching `match` (a glob; empty = all). *next is the key to
  // resume from, or nullopt when the keyspace is exhausted (the empty key is
  // a key, so it cannot mean "done").
  Status Scan(std::string_view start, size_t count, std::string_view match,
              std::vector<std::string>* keys, std::optional<std::string>* next);
  // Every live key matching `match` ("*": every key, the empty one included).
  Status Keys(std::string_view match, std::vector<std::string>* keys);
  // Live keys, those with an expiry, and their mean remaining TTL in ms: exact,
  // by a walk over the whole keyspace (DBSIZE).
  Status CountKeys(uint64_t* keys, uint64_t* expires, uint64_t* avg_ttl_ms);
  // The count of the last complete background walk: O(1) (INFO).
  KeyspaceEstimate LastKeyspaceCount();
  // True if the engine holds keys outside the gateway's keyspace
  // (key_layout.h): another program's, or keys written before the prefix
  // existed. Redis clients never see them.
  bool HasKeysOutsideKeyspace();
  // Deletes every key with one range tombstone over the keyspace: O(1) in the
  // number of keys, atomic (a write that lands after it survives). Callers
  // hold KeyLocks::LockAll so no read-modify-write straddles it.
  Status DeleteAll();
  // Writes `value` (expiring at `expires_at_ms`, 0 = never) under `to` and
  // deletes `from`, atomically (RENAME).
  Status Move(std::string_view from, std::string_view to, std::string_view value,
              uint64_t expires_at_ms);
  // A random live key (nullopt if there is none): a few keys past a random
  // point between the first and the last key. Not uniform (keys behind a wide
  // gap come up more often), like Redis' own, but every key can come up.
  Status RandomKey(std::optional<std::string>* key);

  // SCAN cursors: a small table from a numeric cursor to the key to resume
  // from, so a cursor stays valid across concurrent writes. The newest
  // kMaxCursors survive. Cursors stay below 2^53 (exact in a JavaScript
  // number) and are never 0.
  static constexpr size_t kMaxCursors = 16384;
  uint64_t SaveCursor(std::string next_key);
  bool LoadCursor(uint64_t cursor, std::string* next_key);

  // Active expiry: keys written with an expiry are remembered (bounded), and a
  // slice of the keyspace (4 * budget keys) is walked each cycle to
  // rediscover keys with an expiry after a restart; the walk also counts the
  // keys it passes, and each time it reaches the end of the keyspace that
  // count becomes LastKeyspaceCount. A cycle deletes up to `budget` keys
  // whose expiry has passed and returns how many it deleted.
  static constexpr size_t kMaxTrackedExpiries = 1u << 18;
  size_t ActiveExpireCycle(size_t budget);

 private:
  void TrackExpiry(std::string_view key, uint64_t expires_at_ms);

  // The options of a command's write under the fsync policy and batched
  // durability.
  WriteOptions WriteOpts() const;
  // The options of a write no batch waits for (the expiry cycle's).
  WriteOptions StandaloneWriteOpts() const;
  // Notes a write's result: a successful one leaves the log unsynced.
  Status Wrote(Status s);

  DB* const db_;
  RedisCounters* const counters_;
  std::atomic<FsyncPolicy> fsync_policy_{FsyncPolicy::kNo};
  bool batched_durability_ = false;
  std::mutex reply_sync_mu_;                // one FlushWAL(true) at a time
  std::atomic<uint64_t> synced_sequence_{0};  // writes up to it are fsynced
  std::atomic<uint64_t> last_sync_ms_{0};
  std::atomic<bool> unsynced_{false};  // a write since the last everysec sync
  KeyLocks locks_;

  std::mutex cursor_mu_;
  // Starts at a random point so a cursor from an earlier process (a client
  // resuming across a restart) is refused rather than naming another scan.
  uint64_t next_cursor_ = 1;                                // guarded by cursor_mu_
  std::unordered_map<uint64_t, std::string> cursors_;       // guarded by cursor_mu_
  std::deque<uint64_t> cursor_order_;                       // guarded by cursor_mu_

  using Expiry = std::pair<uint64_t, std::string>;  // (expires_at_ms, Redis key)
  std::mutex expiry_mu_;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<Expiry>> expiries_;  // guarded by expiry_mu_
  std::string expiry_scan_key_;  // Redis key the rediscovery walk resumes at; guarded by expiry_mu_
  // The counts of the walk in progress (since it last started at the first
  // key) and of the last complete one; guarded by expiry_mu_.
  uint64_t walk_generation_ = 0;  // DeleteAll bumps it: a walk slice read before is stale
  uint64_t walk_keys_ = 0, walk_expires_ = 0;
  long double walk_ttl_sum_ = 0;
  KeyspaceEstimate last_count_;
};

}  // namespace nokv::redis
