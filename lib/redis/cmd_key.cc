// Keyspace commands: DEL/UNLINK, EXISTS, TYPE, the EXPIRE and TTL families,
// PERSIST, RENAME/RENAMENX, COPY, RANDOMKEY, SCAN, KEYS, DBSIZE,
// FLUSHDB/FLUSHALL.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <optional>

#include "redis/command.h"
#include "redis/dispatcher.h"

namespace nokv::redis {
namespace {

// DEL and UNLINK: counts the distinct keys that existed, deletes all of them in
// one atomic batch.
class DelCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::vector<std::string_view> unique = keys();
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    auto guard = ctx.store->locks().Lock(unique);
    int64_t existed = 0;
    KeyBatch batch;
    for (auto k : unique) {
      StoredValue v;
      NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, k, &v));
      if (v.found) {
        existed++;
        batch.Delete(k);
      }
    }
    if (batch.Count() > 0) {
      Status s = ctx.store->Write(batch);
      if (!s.ok()) return EngineErr(s);
    }
    AppendInteger(out, existed);
    return Status::OK();
  }
};

class ExistsCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    int64_t n = 0;
    for (auto k : keys()) {
      StoredValue v;
      NOKV_RETURN_IF_ERROR(Lookup(ctx.store, k, &v));
      n += v.found;
    }
    AppendInteger(out, n);
    return Status::OK();
  }
};

class TypeCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    StoredValue v;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &v));
    AppendSimple(out, v.found ? "string" : "none");
    return Status::OK();
  }
};

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT].
template <bool kSeconds, bool kAbsolute>
class ExpireCmd : public Commander {
 public:
  Status Parse() override {
    bool nx = false, xx = false, gt = false, lt = false;
    for (size_t j = 3; j < args().size(); j++) {
      bool* flag = EqualsIgnoreCase(arg(j), "nx")   ? &nx
                   : EqualsIgnoreCase(arg(j), "xx") ? &xx
                   : EqualsIgnoreCase(arg(j), "gt") ? &gt
                   : EqualsIgnoreCase(arg(j), "lt") ? &lt
                                                    : nullptr;
      if (flag == nullptr) return Err("ERR Unsupported option " + arg(j));
      *flag = true;
    }
    if (nx && (xx || gt || lt)) {
      return Err("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if (gt && lt) return Err("ERR GT and LT options at the same time are not compatible");
    nx_ = nx, xx_ = xx, gt_ = gt, lt_ = lt;
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    const std::string name = ToLower(arg(0));
    int64_t when = 0;
    NOKV_RETURN_IF_ERROR(ParseInt64(arg(2), &when));
    if (kSeconds) {
      if (when > kMax / 1000 || when < kMin / 1000) return Err(InvalidExpireError(name));
      when *= 1000;
    }
    const int64_t now = static_cast<int64_t>(ctx.store->NowMs());
    const int64_t base = kAbsolute ? 0 : now;
    if (when > kMax - base) return Err(InvalidExpireError(name));
    when += base;

    bool changed = false;
    NOKV_RETURN_IF_ERROR(ModifyKey(ctx.store, key(), [&](StoredValue* v, bool* write) {
      const bool has_ttl = v->expires_at_ms != 0;
      const int64_t cur = static_cast<int64_t>(v->expires_at_ms);
      if (!v->found || (nx_ && has_ttl) || (xx_ && !has_ttl) ||
          (gt_ && (!has_ttl || when <= cur)) || (lt_ && has_ttl && when >= cur)) {
        return Status::OK();
      }
      // A time already past deletes the key (StoreValue).
      v->expires_at_ms = static_cast<uint64_t>(std::max<int64_t>(when, 1));
      changed = *write = true;
      return Status::OK();
    }));
    AppendInteger(out, changed ? 1 : 0);
    return Status::OK();
  }

 private:
  bool nx_ = false, xx_ = false, gt_ = false, lt_ = false;
};

// TTL / PTTL / EXPIRETIME / PEXPIRETIME.
enum class TtlKind { kTtl, kPTtl, kExpireTime, kPExpireTime };
template <TtlKind kKind>
class TtlCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    StoredValue v;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &v));
    if (!v.found) {
      AppendInteger(out, -2);
      return Status::OK();
    }
    if (v.expires_at_ms == 0) {
      AppendInteger(out, -1);
      return Status::OK();
    }
    const int64_t at = static_cast<int64_t>(v.expires_at_ms);
    int64_t ttl = at - static_cast<int64_t>(ctx.store->NowMs());
    if (ttl < 0) ttl = 0;
    switch (kKind) {
      case TtlKind::kTtl:
        AppendInteger(out, (ttl + 500) / 1000);
        break;
      case TtlKind::kPTtl:
        AppendInteger(out, ttl);
        break;
      case TtlKind::kExpireTime:
        AppendInteger(out, at / 1000);
        break;
      case TtlKind::kPExpireTime:
        AppendInteger(out, at);
        break;
    }
    return Status::OK();
  }
};

class PersistCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    bool changed = false;
    NOKV_RETURN_IF_ERROR(ModifyKey(ctx.store, key(), [&](StoredValue* v, bool* write) {
      changed = *write = v->found && v->expires_at_ms != 0;
      v->expires_at_ms = 0;
      return Status::OK();
    }));
    AppendInteger(out, changed ? 1 : 0);
    return Status::OK();
  }
};

// RENAME / RENAMENX src dst: the value and its expiry move in one batch.
template <bool kNx>
class RenameCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    const std::string_view from = keys()[0], to = keys()[1];
    auto guard = ctx.store->locks().Lock(keys());
    StoredValue v;
    NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, from, &v));
    if (!v.found) return Err("ERR no such key");
    if (from == to) {
      kNx ? AppendInteger(out, 0) : AppendSimple(out, "OK");
      return Status::OK();
    }
    if (kNx) {
      StoredValue other;
      NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, to, &other));
      if (other.found) {
        AppendInteger(out, 0);
        return Status::OK();
      }
    }
    Status s = ctx.store->Move(from, to, v.data, v.expires_at_ms);
    if (!s.ok()) return EngineErr(s);
    kNx ? AppendInteger(out, 1) : AppendSimple(out, "OK");
    return Status::OK();
  }
};

// COPY src dst [DB 0] [REPLACE]: the value and its expiry.
class CopyCmd : public Commander {
 public:
  Status Parse() override {
    for (size_t j = 3; j < args().size(); j++) {
      if (EqualsIgnoreCase(arg(j), "replace")) {
        replace_ = true;
      } else if (EqualsIgnoreCase(arg(j), "db") && j + 1 < args().size()) {
        int64_t db = 0;
        NOKV_RETURN_IF_ERROR(ParseInt64(arg(++j), &db));
        if (db != 0) return Err(kErrDbIndex);  // one database
      } else {
        return Err(kErrSyntax);
      }
    }
    if (keys()[0] == keys()[1]) return Err("ERR source and destination objects are the same");
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(keys());
    StoredValue v;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, keys()[0], &v));  // a read, as in Redis
    if (!v.found) {
      AppendInteger(out, 0);
      return Status::OK();
    }
    if (!replace_) {
      StoredValue other;
      NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, keys()[1], &other));
      if (other.found) {
        AppendInteger(out, 0);
        return Status::OK();
      }
    }
    Status s = ctx.store->Put(keys()[1], v.data, v.expires_at_ms);
    if (!s.ok()) return EngineErr(s);
    AppendInteger(out, 1);
    return Status::OK();
  }

 private:
  bool replace_ = false;
};

class RandomKeyCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::optional<std::string> key;
    Status s = ctx.store->RandomKey(&key);
    if (!s.ok()) return EngineErr(s);
    key ? AppendBulk(out, *key) : AppendNull(out);
    return Status::OK();
  }
};

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. Cursor 0 starts; a
// returned cursor names the key to resume from in the store's cursor table.
class ScanCmd : public Commander {
 public:
  Status Parse() override {
    // Redis' parseScanCursorOrReply: strtoul, so "" is 0 and "-1" wraps,
    // but no leading space.
    const std::string& c = arg(1);
    errno = 0;
    char* end = nullptr;
    cursor_ = std::strtoull(c.c_str(), &end, 10);
    if ((!c.empty() && std::isspace(static_cast<unsigned char>(c[0]))) || *end != '\0' ||
        errno == ERANGE) {
      return Err("ERR invalid cursor");
    }
    for (size_t j = 2; j < args().size(); j += 2) {
      if (j + 1 >= args().size()) return Err(kErrSyntax);
      const std::string& o = arg(j);
      if (EqualsIgnoreCase(o, "count")) {
        int64_t n = 0;
        NOKV_RETURN_IF_ERROR(ParseInt64(arg(j + 1), &n));
        if (n < 1) return Err(kErrSyntax);
        count_ = static_cast<size_t>(n);
      } else if (EqualsIgnoreCase(o, "match")) {
        match_ = arg(j + 1);
        if (match_ == "*") match_.clear();
      } else if (EqualsIgnoreCase(o, "type")) {
        type_ = ToLower(arg(j + 1));
      } else {
        return Err(kErrSyntax);
      }
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::string start;
    if (cursor_ != 0 && !ctx.store->LoadCursor(cursor_, &start)) {
      return Err("ERR invalid cursor");
    }
    std::vector<std::string> keys;
    std::optional<std::string> next;
    Status s = ctx.store->Scan(start, count_, match_, &keys, &next);
    if (!s.ok()) return EngineErr(s);
    if (!type_.empty() && type_ != "string") keys.clear();  // only strings live here
    uint64_t next_cursor = next ? ctx.store->SaveCursor(std::move(*next)) : 0;
    AppendArrayHeader(out, 2);
    AppendBulk(out, std::to_string(next_cursor));
    AppendBulkArray(out, keys);
    return Status::OK();
  }

 private:
  uint64_t cursor_ = 0;
  size_t count_ = 10;
  std::string match_, type_;
};

class KeysCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::vector<std::string> keys;
    Status s = ctx.store->Keys(arg(1), &keys);
    if (!s.ok()) return EngineErr(s);
    AppendBulkArray(out, keys);
    return Status::OK();
  }
};

// DBSIZE is exact, as in Redis, but not O(1): it counts the live keys with a
// walk over the keyspace (like KEYS). INFO's keyspace line is the O(1)
// figure, from the background walk (RedisStore::KeyspaceEstimate).
class DbSizeCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    uint64_t keys = 0, expires = 0, avg = 0;
    Status s = ctx.store->CountKeys(&keys, &expires, &avg);
    if (!s.ok()) return EngineErr(s);
    AppendInteger(out, static_cast<int64_t>(keys));
    return Status::OK();
  }
};

// FLUSHDB / FLUSHALL [ASYNC|SYNC]: there is one database, so both clear it.
class FlushCmd : public Commander {
 public:
  Status Parse() override {
    if (args().size() > 2) return Err(kErrSyntax);
    if (args().size() == 2 && !EqualsIgnoreCase(arg(1), "async") &&
        !EqualsIgnoreCase(arg(1), "sync")) {
      return Err(kErrSyntax);
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    // Serialized with every write: a read-modify-write (INCR) that read
    // before the flush cannot write its result after it.
    auto guard = ctx.store->locks().LockAll();
    Status s = ctx.store->DeleteAll();
    if (!s.ok()) return EngineErr(s);
    AppendSimple(out, "OK");
    return Status::OK();
  }
};

}  // namespace

const std::vector<CommandSpec>& KeyCommandTable() {
  constexpr uint32_t kW = kCmdWrite, kR = kCmdReadOnly, kF = kCmdFast;
  static const std::vector<CommandSpec> table = {
      {"del", -2, kW, 1, -1, 1, MakeCommander<DelCmd>},
      {"unlink", -2, kW | kF, 1, -1, 1, MakeCommander<DelCmd>},
      {"exists", -2, kR | kF, 1, -1, 1, MakeCommander<ExistsCmd>},
      {"type", 2, kR | kF, 1, 1, 1, MakeCommander<TypeCmd>},
      {"expire", -3, kW | kF, 1, 1, 1, MakeCommander<ExpireCmd<true, false>>},
      {"pexpire", -3, kW | kF, 1, 1, 1, MakeCommander<ExpireCmd<false, false>>},
      {"expireat", -3, kW | kF, 1, 1, 1, MakeCommander<ExpireCmd<true, true>>},
      {"pexpireat", -3, kW | kF, 1, 1, 1, MakeCommander<ExpireCmd<false, true>>},
      {"ttl", 2, kR | kF, 1, 1, 1, MakeCommander<TtlCmd<TtlKind::kTtl>>},
      {"pttl", 2, kR | kF, 1, 1, 1, MakeCommander<TtlCmd<TtlKind::kPTtl>>},
      {"expiretime", 2, kR | kF, 1, 1, 1, MakeCommander<TtlCmd<TtlKind::kExpireTime>>},
      {"pexpiretime", 2, kR | kF, 1, 1, 1, MakeCommander<TtlCmd<TtlKind::kPExpireTime>>},
      {"persist", 2, kW | kF, 1, 1, 1, MakeCommander<PersistCmd>},
      {"rename", 3, kW, 1, 2, 1, MakeCommander<RenameCmd<false>>},
      {"renamenx", 3, kW | kF, 1, 2, 1, MakeCommander<RenameCmd<true>>},
      {"randomkey", 1, kR, 0, 0, 0, MakeCommander<RandomKeyCmd>},
      {"copy", -3, kW, 1, 2, 1, MakeCommander<CopyCmd>},
      {"scan", -2, kR, 0, 0, 0, MakeCommander<ScanCmd>},
      {"keys", 2, kR, 0, 0, 0, MakeCommander<KeysCmd>},
      {"dbsize", 1, kR, 0, 0, 0, MakeCommander<DbSizeCmd>},
      {"flushdb", -1, kW, 0, 0, 0, MakeCommander<FlushCmd>},
      {"flushall", -1, kW, 0, 0, 0, MakeCommander<FlushCmd>},
  };
  return table;
}

}  // namespace nokv::redis
