// INFO [section ...]. Every section is O(1): counters, engine stats and, for
// the keyspace, the count of the last complete background walk
// (RedisStore::LastKeyspaceCount), which is approximate and labelled so
// (keyspace_approximate, keyspace_walk_age_ms in the NoKV section); DBSIZE
// gives the exact count.
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "db/db_stats.h"
#include "redis/command.h"
#include "redis/dispatcher.h"

namespace nokv::redis {
namespace {

constexpr const char* kRedisVersion = "7.0.15";  // the protocol level we mimic
constexpr const char* kNoKvVersion = "0.1.0";

std::string HumanBytes(uint64_t n) {
  char buf[32];
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  } else if (n < (1ull << 20)) {
    std::snprintf(buf, sizeof(buf), "%.2fK", n / 1024.0);
  } else if (n < (1ull << 30)) {
    std::snprintf(buf, sizeof(buf), "%.2fM", n / 1048576.0);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fG", n / 1073741824.0);
  }
  return buf;
}

uint64_t RssBytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, rss = 0;
  if (!(f >> size >> rss)) return 0;
  return rss * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// INFO [section ...]: server, clients, memory, persistence, stats,
// replication, cpu, cluster, keyspace (Redis' default set, in its order), nokv.
class InfoCmd : public Commander {
 public:
  Status Parse() override {
    for (size_t i = 1; i < args().size(); i++) sections_.push_back(ToLower(arg(i)));
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto want = [&](std::string_view name) {
      if (sections_.empty()) return true;
      for (const auto& s : sections_) {
        if (s == name || s == "all" || s == "everything" || s == "default") return true;
      }
      return false;
    };
    const Dispatcher& d = *ctx.dispatcher;
    const ServerInfo& info = d.server_info();
    const RedisCounters& c = d.counters();
    const DbStats st = CollectDbStats(*d.db());
    std::string text;
    auto line = [&](std::string_view k, const std::string& v) {
      text.append(k).append(":").append(v).append("\r\n");
    };
    auto num = [](uint64_t v) { return std::to_string(v); };
    auto section = [&](std::string_view title) {
      if (!text.empty()) text += "\r\n";
      text.append("# ").append(title).append("\r\n");
    };
    const uint64_t now = ctx.store->NowMs();
    const KeyspaceEstimate keyspace = ctx.store->LastKeyspaceCount();
    if (want("server")) {
      section("Server");
      line("redis_version", kRedisVersion);
      line("nokv_version", kNoKvVersion);
      line("redis_mode", "standalone");
      line("os", "Linux");
      line("arch_bits", "64");
      line("multiplexing_api", "epoll");
      line("process_id", num(static_cast<uint64_t>(getpid())));
      line("tcp_port", std::to_string(info.port));
      uint64_t up =
          info.start_time_ms && now > info.start_time_ms ? (now - info.start_time_ms) / 1000 : 0;
      line("uptime_in_seconds", num(up));
      line("uptime_in_days", num(up / 86400));
      line("io_threads_active", std::to_string(info.io_threads));
      line("executor_threads", std::to_string(info.executor_threads));
      line("hz", std::to_string(ctx.config->hz.load()));
    }
    if (want("clients")) {
      section("Clients");
      line("connected_clients", num(c.connected_clients.load()));
      line("maxclients", num(ctx.config->max_clients.load()));
      line("blocked_clients", "0");
    }
    if (want("memory")) {
      section("Memory");
      uint64_t used = st.memtable_bytes + st.block_cache_usage;
      line("used_memory", num(used));
      line("used_memory_human", HumanBytes(used));
      uint64_t rss = RssBytes();
      line("used_memory_rss", num(rss));
      line("used_memory_rss_human", HumanBytes(rss));
      line("maxmemory", "0");
      line("maxmemory_policy", "noeviction");
    }
    if (want("persistence")) {
      section("Persistence");
      line("loading", "0");
      line("aof_enabled", "1");  // every write goes to the write-ahead log
      line("aof_rewrite_in_progress", "0");
      line("aof_rewrite_scheduled", "0");
      line("rdb_bgsave_in_progress", "0");
    }
    if (want("stats")) {
      section("Stats");
      line("total_connections_received", num(c.total_connections.load()));
      line("total_commands_processed", num(c.total_commands.load()));
      line("total_net_input_bytes", num(c.net_input_bytes.load()));
      line("total_net_output_bytes", num(c.net_output_bytes.load()));
      line("rejected_connections", num(c.rejected_connections.load()));
      line("expired_keys", num(c.expired_keys.load()));
      line("evicted_keys", "0");
      line("keyspace_hits", num(c.keyspace_hits.load()));
      line("keyspace_misses", num(c.keyspace_misses.load()));
      line("total_error_replies", num(c.error_replies.load()));
      line("protocol_errors", num(c.protocol_errors.load()));
    }
    if (want("replication")) {
      section("Replication");
      line("role", "master");
      line("connected_slaves", "0");
    }
    if (want("cpu")) {
      section("CPU");
      rusage self{}, children{};
      getrusage(RUSAGE_SELF, &self);
      getrusage(RUSAGE_CHILDREN, &children);
      auto secs = [](const timeval& tv) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                      static_cast<long>(tv.tv_usec));
        return std::string(buf);
      };
      line("used_cpu_sys", secs(self.ru_stime));
      line("used_cpu_user", secs(self.ru_utime));
      line("used_cpu_sys_children", secs(children.ru_stime));
      line("used_cpu_user_children", secs(children.ru_utime));
    }
    if (want("cluster")) {
      section("Cluster");
      line("cluster_enabled", "0");
    }
    if (want("keyspace")) {
      section("Keyspace");
      // O(1): the count of the last complete background walk, approximate
      // and labelled so in the NoKV section (DBSIZE counts exactly).
      if (keyspace.complete && keyspace.keys > 0) {
        line("db0", "keys=" + num(keyspace.keys) + ",expires=" + num(keyspace.expires) +
                        ",avg_ttl=" + num(keyspace.avg_ttl_ms));
      }
    }
    if (want("nokv")) {
      section("NoKV");
      line("appendfsync", FsyncPolicyName(ctx.store->fsync_policy()));
      line("keyspace_approximate", "1");
      line("keyspace_walk_complete", keyspace.complete ? "1" : "0");
      line("keyspace_walk_age_ms",
           num(keyspace.complete && now > keyspace.as_of_ms ? now - keyspace.as_of_ms : 0));
      line("last_sequence", num(st.last_sequence));
      line("memtable_bytes", num(st.memtable_bytes));
      line("memtable_entries", num(st.memtable_entries));
      line("immutable_memtables", std::to_string(st.immutable_memtables));
      line("wal_number", num(st.wal_number));
      line("wal_bytes", num(st.wal_bytes));
      uint64_t files = 0, bytes = 0;
      for (const auto& l : st.levels) {
        files += static_cast<uint64_t>(l.files);
        bytes += l.bytes;
        if (l.files > 0) {
          char score[32];
          std::snprintf(score, sizeof(score), "%.2f", l.score);
          line("level" + std::to_string(l.level),
               "files=" + std::to_string(l.files) + ",bytes=" + num(l.bytes) +
                   ",entries=" + num(l.entries) + ",score=" + score);
        }
      }
      line("sst_files", num(files));
      line("sst_bytes", num(bytes));
      line("flushes", num(st.flushes));
      line("compactions", num(st.compactions));
      line("compaction_bytes_read", num(st.compaction_bytes_read));
      line("compaction_bytes_written", num(st.compaction_bytes_written));
      line("user_bytes_written", num(st.user_bytes_written));
      line("writes", num(st.writes));
      line("write_groups", num(st.write_groups));
      line("wal_syncs", num(st.wal_syncs));
      line("stall_micros", num(st.stall_micros));
      line("block_cache_hits", num(st.block_cache_hits));
      line("block_cache_misses", num(st.block_cache_misses));
      line("block_cache_usage", num(st.block_cache_usage));
      line("background_error", st.background_error.empty() ? "none" : st.background_error);
    }
    AppendBulk(out, text);
    return Status::OK();
  }

 private:
  std::vector<std::string> sections_;
};

}  // namespace

std::unique_ptr<Commander> MakeInfoCommander() { return std::make_unique<InfoCmd>(); }

}  // namespace nokv::redis
