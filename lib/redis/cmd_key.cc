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
  Status Parse(const std::vector<std::string>& args) override {
    args_ = &args;
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::vector<std::string_view> keys(args_->begin() + 1, args_->end());
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    auto guard = ctx.store->locks().Lock(keys);
    int64_t existed = 0;
    KeyBatch batch;
    for (auto k : keys) {
      std::string v;
      bool found;
      NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, k, &v, &found));
      if (found) {
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

 private:
  const std::vector<std::string>* args_ = nullptr;
};

class ExistsCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    args_ = &args;
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    int64_t n = 0;
    for (size_t i = 1; i < args_->size(); i++) {
      std::string v;
      bool found;
      NOKV_RETURN_IF_ERROR(Lookup(ctx.store, (*args_)[i], &v, &found));
      n += found;
    }
    AppendInteger(out, n);
    return Status::OK();
  }

 private:
  const std::vector<std::string>* args_ = nullptr;
};

class TypeCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::string v;
    bool found;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key_, &v, &found));
    AppendSimple(out, found ? "string" : "none");
    return Status::OK();
  }

 private:
  std::string key_;
};

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT].
template <bool kSeconds, bool kAbsolute>
class ExpireCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    name_ = ToLower(args[0]);
    key_ = args[1];
    time_ = args[2];
    bool nx = false, xx = false, gt = false, lt = false;
    for (size_t j = 3; j < args.size(); j++) {
      const std::string& o = args[j];
      if (EqualsIgnoreCase(o, "nx")) nx = true;
      else if (EqualsIgnoreCase(o, "xx")) xx = true;
      else if (EqualsIgnoreCase(o, "gt")) gt = true;
      else if (EqualsIgnoreCase(o, "lt")) lt = true;
      else return Err("ERR Unsupported option " + o);
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
    int64_t when = 0;
    NOKV_RETURN_IF_ERROR(ParseInt64(time_, &when));
    if (kSeconds) {
      if (when > kMax / 1000 || when < kMin / 1000) return Err(InvalidExpireError(name_));
      when *= 1000;
    }
    const int64_t now = static_cast<int64_t>(ctx.store->NowMs());
    const int64_t base = kAbsolute ? 0 : now;
    if (when > kMax - base) return Err(InvalidExpireError(name_));
    when += base;

    auto guard = ctx.store->locks().Lock(key_);
    std::string v;
    bool found;
    uint64_t exp = 0;
    NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, key_, &v, &found, &exp));
    if (!found) {
      AppendInteger(out, 0);
      return Status::OK();
    }
    const bool has_ttl = exp != 0;
    const int64_t cur = static_cast<int64_t>(exp);
    if ((nx_ && has_ttl) || (xx_ && !has_ttl) || (gt_ && (!has_ttl || when <= cur)) ||
        (lt_ && has_ttl && when >= cur)) {
      AppendInteger(out, 0);
      return Status::OK();
    }
    Status s = when <= now ? ctx.store->Delete(key_)
                           : ctx.store->Put(key_, v, static_cast<uint64_t>(when));
    if (!s.ok()) return EngineErr(s);
    AppendInteger(out, 1);
    return Status::OK();
  }

 private:
  std::string name_, key_, time_;
  bool nx_ = false, xx_ = false, gt_ = false, lt_ = false;
};

// TTL / PTTL / EXPIRETIME / PEXPIRETIME.
enum class TtlKind { kTtl, kPTtl, kExpireTime, kPExpireTime };
template <TtlKind kKind>
class TtlCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::string v;
    bool found;
    uint64_t exp = 0;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key_, &v, &found, &exp));
    if (!found) {
      AppendInteger(out, -2);
      return Status::OK();
    }
    if (exp == 0) {
      AppendInteger(out, -1);
      return Status::OK();
    }
    const int64_t at = static_cast<int64_t>(exp);
    int64_t ttl = at - static_cast<int64_t>(ctx.store->NowMs());
    if (ttl < 0) ttl = 0;
    switch (kKind) {
      case TtlKind::kTtl: AppendInteger(out, (ttl + 500) / 1000); break;
      case TtlKind::kPTtl: AppendInteger(out, ttl); break;
      case TtlKind::kExpireTime: AppendInteger(out, at / 1000); break;
      case TtlKind::kPExpireTime: AppendInteger(out, at); break;
    }
    return Status::OK();
  }

 private:
  std::string key_;
};

class PersistCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key_);
    std::string v;
    bool found;
    uint64_t exp = 0;
    NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, key_, &v, &found, &exp));
    if (!found || exp == 0) {
      AppendInteger(out, 0);
      return Status::OK();
    }
    Status s = ctx.store->Put(key_, v, 0);
    if (!s.ok()) return EngineErr(s);
    AppendInteger(out, 1);
    return Status::OK();
  }

 private:
  std::string key_;
};

// RENAME / RENAMENX src dst: the value and its expiry move in one batch.
template <bool kNx>
class RenameCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    from_ = args[1];
    to_ = args[2];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(std::vector<std::string_view>{from_, to_});
    std::string v;
    bool found;
    uint64_t exp = 0;
    NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, from_, &v, &found, &exp));
    if (!found) return Err("ERR no such key");
    if (from_ == to_) {
      kNx ? AppendInteger(out, 0) : AppendSimple(out, "OK");
      return Status::OK();
    }
    if (kNx) {
      std::string other;
      bool exists;
      NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, to_, &other, &exists));
      if (exists) {
        AppendInteger(out, 0);
        return Status::OK();
      }
    }
    Status s = ctx.store->Move(from_, to_, v, exp);
    if (!s.ok()) return EngineErr(s);
    kNx ? AppendInteger(out, 1) : AppendSimple(out, "OK");
    return Status::OK();
  }

 private:
  std::string from_, to_;
};

// COPY src dst [DB 0] [REPLACE]: the value and its expiry.
class CopyCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    from_ = args[1];
    to_ = args[2];
    for (size_t j = 3; j < args.size(); j++) {
      if (EqualsIgnoreCase(args[j], "replace")) {
        replace_ = true;
      } else if (EqualsIgnoreCase(args[j], "db") && j + 1 < args.size()) {
        int64_t db = 0;
        NOKV_RETURN_IF_ERROR(ParseInt64(args[++j], &db));
        if (db != 0) return Err(kErrDbIndex);  // one database
      } else {
        return Err(kErrSyntax);
      }
    }
    if (from_ == to_) return Err("ERR source and destination objects are the same");
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(std::vector<std::string_view>{from_, to_});
    std::string v;
    bool found;
    uint64_t exp = 0;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, from_, &v, &found, &exp));  // a read, as in Redis
    if (!found) {
      AppendInteger(out, 0);
      return Status::OK();
    }
    if (!replace_) {
      std::string other;
      bool exists;
      NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, to_, &other, &exists));
      if (exists) {
        AppendInteger(out, 0);
        return Status::OK();
      }
    }
    Status s = ctx.store->Put(to_, v, exp);
    if (!s.ok()) return EngineErr(s);
    AppendInteger(out, 1);
    return Status::OK();
  }

 private:
  std::string from_, to_;
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
  Status Parse(const std::vector<std::string>& args) override {
    // Redis' parseScanCursorOrReply: strtoul, so "" is 0 and "-1" wraps,
    // but no leading space.
    const std::string& c = args[1];
    errno = 0;
    char* end = nullptr;
    cursor_ = std::strtoull(c.c_str(), &end, 10);
    if ((!c.empty() && std::isspace(static_cast<unsigned char>(c[0]))) || *end != '\0' ||
        errno == ERANGE) {
      return Err("ERR invalid cursor");
    }
    for (size_t j = 2; j < args.size(); j += 2) {
      if (j + 1 >= args.size()) return Err(kErrSyntax);
      const std::string& o = args[j];
      if (EqualsIgnoreCase(o, "count")) {
        int64_t n = 0;
        NOKV_RETURN_IF_ERROR(ParseInt64(args[j + 1], &n));
        if (n < 1) return Err(kErrSyntax);
        count_ = static_cast<size_t>(n);
      } else if (EqualsIgnoreCase(o, "match")) {
        match_ = args[j + 1];
        if (match_ == "*") match_.clear();
      } else if (EqualsIgnoreCase(o, "type")) {
        type_ = ToLower(args[j + 1]);
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
  Status Parse(const std::vector<std::string>& args) override {
    pattern_ = args[1];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::vector<std::string> keys;
    Status s = ctx.store->Keys(pattern_, &keys);
    if (!s.ok()) return EngineErr(s);
    AppendBulkArray(out, keys);
    return Status::OK();
  }

 private:
  std::string pattern_;
};

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
  Status Parse(const std::vector<std::string>& args) override {
    if (args.size() > 2) return Err(kErrSyntax);
    if (args.size() == 2 && !EqualsIgnoreCase(args[1], "async") &&
        !EqualsIgnoreCase(args[1], "sync")) {
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
