// String commands: GET/SET and their variants, counters, ranges.
// Read-modify-write commands hold the key's stripe lock (KeyLocks) across
// their read and write; so does every write, so a RMW never loses an update.
#include <cmath>
#include <limits>

#include "redis/command.h"
#include "redis/dispatcher.h"

namespace nokv::redis {
namespace {

constexpr uint64_t kMaxStringLen = 512ull << 20;  // proto-max-bulk-len

// ---- SET / GETEX option parsing (Redis 7 parseExtendedStringArgumentsOrReply) ----
enum SetFlag : uint32_t {
  kNX = 1, kXX = 2, kGet = 4, kKeepTtl = 8, kPersist = 16,
  kEX = 32, kPX = 64, kEXAT = 128, kPXAT = 256,
};
constexpr uint32_t kAnyExpire = kEX | kPX | kEXAT | kPXAT;

struct ExtendedArgs {
  uint32_t flags = 0;
  std::string expire;  // the EX/PX/EXAT/PXAT argument
};

Status ParseExtendedArgs(const std::vector<std::string>& args, size_t first, bool is_set,
                         ExtendedArgs* out) {
  for (size_t j = first; j < args.size(); j++) {
    const std::string& opt = args[j];
    const bool has_next = j + 1 < args.size();
    uint32_t& f = out->flags;
    auto expire_opt = [&](uint32_t which) {
      if ((f & (kKeepTtl | kPersist)) || (f & kAnyExpire & ~which) || !has_next) return false;
      f |= which;
      out->expire = args[++j];
      return true;
    };
    if (is_set && EqualsIgnoreCase(opt, "nx") && !(f & kXX)) {
      f |= kNX;
    } else if (is_set && EqualsIgnoreCase(opt, "xx") && !(f & kNX)) {
      f |= kXX;
    } else if (is_set && EqualsIgnoreCase(opt, "get")) {
      f |= kGet;
    } else if (is_set && EqualsIgnoreCase(opt, "keepttl") && !(f & kPersist) && !(f & kAnyExpire)) {
      f |= kKeepTtl;
    } else if (!is_set && EqualsIgnoreCase(opt, "persist") && !(f & kAnyExpire) && !(f & kKeepTtl)) {
      f |= kPersist;
    } else if (EqualsIgnoreCase(opt, "ex") && expire_opt(kEX)) {
    } else if (EqualsIgnoreCase(opt, "px") && expire_opt(kPX)) {
    } else if (EqualsIgnoreCase(opt, "exat") && expire_opt(kEXAT)) {
    } else if (EqualsIgnoreCase(opt, "pxat") && expire_opt(kPXAT)) {
    } else {
      return Err(kErrSyntax);
    }
  }
  return Status::OK();
}

// Redis' getExpireMillisecondsOrReply: a positive expire argument as an
// absolute unix-ms time.
Status ResolveExpire(std::string_view arg, bool seconds, bool absolute, uint64_t now_ms,
                     std::string_view cmd, int64_t* at_ms) {
  int64_t v = 0;
  NOKV_RETURN_IF_ERROR(ParseInt64(arg, &v));
  if (v <= 0 || (seconds && v > std::numeric_limits<int64_t>::max() / 1000)) {
    return Err(InvalidExpireError(cmd));
  }
  if (seconds) v *= 1000;
  if (!absolute) {
    if (v > std::numeric_limits<int64_t>::max() - static_cast<int64_t>(now_ms)) {
      return Err(InvalidExpireError(cmd));
    }
    v += static_cast<int64_t>(now_ms);
  }
  *at_ms = v;
  return Status::OK();
}

Status ResolveExtendedExpire(const ExtendedArgs& a, uint64_t now_ms, std::string_view cmd,
                             int64_t* at_ms) {
  *at_ms = 0;
  if (!(a.flags & kAnyExpire)) return Status::OK();
  return ResolveExpire(a.expire, a.flags & (kEX | kEXAT), a.flags & (kEXAT | kPXAT), now_ms, cmd,
                       at_ms);
}

// Stores `value` expiring at `at_ms`; an expiry already past deletes the key.
Status Store(RedisStore* store, std::string_view key, std::string_view value, int64_t at_ms) {
  Status s;
  if (at_ms > 0 && static_cast<uint64_t>(at_ms) <= store->NowMs()) {
    s = store->Delete(key);
  } else {
    s = store->Put(key, value, static_cast<uint64_t>(at_ms));
  }
  return s.ok() ? s : EngineErr(s);
}

// ---- commands ----

class GetCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::string v;
    bool found;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key_, &v, &found));
    found ? AppendBulk(out, v) : AppendNull(out);
    return Status::OK();
  }
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    return Status::OK();
  }

 private:
  std::string key_;
};

class SetCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    value_ = args[2];
    return ParseExtendedArgs(args, 3, true, &opts_);
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    int64_t at = 0;
    NOKV_RETURN_IF_ERROR(ResolveExtendedExpire(opts_, ctx.store->NowMs(), "set", &at));
    const uint32_t f = opts_.flags;
    const bool need_read = f & (kNX | kXX | kGet | kKeepTtl);
    auto guard = ctx.store->locks().Lock(key_);
    std::string old;
    bool found = false;
    uint64_t old_exp = 0;
    if (need_read) {  // only SET ... GET counts a keyspace hit or miss, as in Redis
      NOKV_RETURN_IF_ERROR((f & kGet ? Lookup : LookupForWrite)(ctx.store, key_, &old, &found,
                                                                &old_exp));
    }
    if ((f & kNX && found) || (f & kXX && !found)) {
      if (f & kGet) {
        found ? AppendBulk(out, old) : AppendNull(out);
      } else {
        AppendNull(out);
      }
      return Status::OK();
    }
    if (f & kKeepTtl) at = static_cast<int64_t>(old_exp);
    NOKV_RETURN_IF_ERROR(Store(ctx.store, key_, value_, at));
    if (f & kGet) {
      found ? AppendBulk(out, old) : AppendNull(out);
    } else {
      AppendSimple(out, "OK");
    }
    return Status::OK();
  }

 private:
  std::string key_, value_;
  ExtendedArgs opts_;
};

class SetNxCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key_);
    std::string old;
    bool found;
    NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, key_, &old, &found));
    if (!found) NOKV_RETURN_IF_ERROR(Store(ctx.store, key_, value_, 0));
    AppendInteger(out, found ? 0 : 1);
    return Status::OK();
  }
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    value_ = args[2];
    return Status::OK();
  }

 private:
  std::string key_, value_;
};

// SETEX key seconds value / PSETEX key milliseconds value.
template <bool kSeconds>
class SetExCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    expire_ = args[2];
    value_ = args[3];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    int64_t at = 0;
    NOKV_RETURN_IF_ERROR(ResolveExpire(expire_, kSeconds, false, ctx.store->NowMs(),
                                       kSeconds ? "setex" : "psetex", &at));
    auto guard = ctx.store->locks().Lock(key_);
    NOKV_RETURN_IF_ERROR(Store(ctx.store, key_, value_, at));
    AppendSimple(out, "OK");
    return Status::OK();
  }

 private:
  std::string key_, expire_, value_;
};

class MGetCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    keys_.assign(args.begin() + 1, args.end());
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::string body;
    for (const auto& k : keys_) {
      std::string v;
      bool found;
      NOKV_RETURN_IF_ERROR(Lookup(ctx.store, k, &v, &found));
      found ? AppendBulk(&body, v) : AppendNull(&body);
    }
    AppendArrayHeader(out, keys_.size());
    out->append(body);
    return Status::OK();
  }

 private:
  std::vector<std::string> keys_;
};

// MSET and MSETNX: one WriteBatch, so all pairs land or none do.
template <bool kNx>
class MSetCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    if (args.size() % 2 == 0) return Err(ArityError(kNx ? "msetnx" : "mset"));
    args_ = &args;
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    const auto& a = *args_;
    std::vector<std::string_view> keys;
    for (size_t i = 1; i < a.size(); i += 2) keys.push_back(a[i]);
    auto guard = ctx.store->locks().Lock(keys);
    if (kNx) {
      for (auto k : keys) {
        std::string v;
        bool found;
        NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, k, &v, &found));
        if (found) {
          AppendInteger(out, 0);
          return Status::OK();
        }
      }
    }
    KeyBatch batch;
    for (size_t i = 1; i < a.size(); i += 2) batch.Put(a[i], a[i + 1]);
    Status s = ctx.store->Write(batch);
    if (!s.ok()) return EngineErr(s);
    kNx ? AppendInteger(out, 1) : AppendSimple(out, "OK");
    return Status::OK();
  }

 private:
  const std::vector<std::string>* args_ = nullptr;  // outlives Execute
};

class GetSetCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    value_ = args[2];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key_);
    std::string old;
    bool found;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key_, &old, &found));
    NOKV_RETURN_IF_ERROR(Store(ctx.store, key_, value_, 0));
    found ? AppendBulk(out, old) : AppendNull(out);
    return Status::OK();
  }

 private:
  std::string key_, value_;
};

class GetDelCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key_);
    std::string old;
    bool found;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key_, &old, &found));
    if (!found) {
      AppendNull(out);
      return Status::OK();
    }
    Status s = ctx.store->Delete(key_);
    if (!s.ok()) return EngineErr(s);
    AppendBulk(out, old);
    return Status::OK();
  }

 private:
  std::string key_;
};

class GetExCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    return ParseExtendedArgs(args, 2, false, &opts_);
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key_);
    std::string v;
    bool found;
    uint64_t exp = 0;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key_, &v, &found, &exp));
    if (!found) {  // like Redis, before the expire time is checked
      AppendNull(out);
      return Status::OK();
    }
    int64_t at = 0;
    NOKV_RETURN_IF_ERROR(ResolveExtendedExpire(opts_, ctx.store->NowMs(), "getex", &at));
    if (opts_.flags & kAnyExpire) {
      NOKV_RETURN_IF_ERROR(Store(ctx.store, key_, v, at));
    } else if ((opts_.flags & kPersist) && exp != 0) {
      NOKV_RETURN_IF_ERROR(Store(ctx.store, key_, v, 0));
    }
    AppendBulk(out, v);
    return Status::OK();
  }

 private:
  std::string key_;
  ExtendedArgs opts_;
};

class AppendCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    value_ = args[2];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key_);
    std::string v;
    bool found;
    uint64_t exp = 0;
    NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, key_, &v, &found, &exp));
    if (v.size() + value_.size() > kMaxStringLen) return Err(kErrTooBig);
    v += value_;
    NOKV_RETURN_IF_ERROR(Store(ctx.store, key_, v, static_cast<int64_t>(exp)));
    AppendInteger(out, static_cast<int64_t>(v.size()));
    return Status::OK();
  }

 private:
  std::string key_, value_;
};

class StrLenCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::string v;
    bool found;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key_, &v, &found));
    AppendInteger(out, static_cast<int64_t>(v.size()));
    return Status::OK();
  }

 private:
  std::string key_;
};

class GetRangeCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    NOKV_RETURN_IF_ERROR(ParseInt64(args[2], &start_));
    return ParseInt64(args[3], &end_);
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::string v;
    bool found;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key_, &v, &found));
    int64_t start = start_, end = end_;
    const int64_t len = static_cast<int64_t>(v.size());
    if (start < 0 && end < 0 && start > end) {
      AppendBulk(out, "");
      return Status::OK();
    }
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (start > end || len == 0) {
      AppendBulk(out, "");
    } else {
      AppendBulk(out, std::string_view(v).substr(static_cast<size_t>(start),
                                                 static_cast<size_t>(end - start + 1)));
    }
    return Status::OK();
  }

 private:
  std::string key_;
  int64_t start_ = 0, end_ = 0;
};

class SetRangeCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    NOKV_RETURN_IF_ERROR(ParseInt64(args[2], &offset_));
    value_ = args[3];
    if (offset_ < 0) return Err("ERR offset is out of range");
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key_);
    std::string v;
    bool found;
    uint64_t exp = 0;
    NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, key_, &v, &found, &exp));
    if (value_.empty()) {
      AppendInteger(out, static_cast<int64_t>(v.size()));
      return Status::OK();
    }
    const uint64_t offset = static_cast<uint64_t>(offset_);
    if (offset + value_.size() > kMaxStringLen) return Err(kErrTooBig);
    if (v.size() < offset + value_.size()) v.resize(offset + value_.size(), '\0');
    v.replace(offset, value_.size(), value_);
    NOKV_RETURN_IF_ERROR(Store(ctx.store, key_, v, static_cast<int64_t>(exp)));
    AppendInteger(out, static_cast<int64_t>(v.size()));
    return Status::OK();
  }

 private:
  std::string key_, value_;
  int64_t offset_ = 0;
};

// INCR / DECR / INCRBY / DECRBY. kSign is +1 or -1; kHasArg says whether the
// amount is an argument.
template <int kSign, bool kHasArg>
class IncrCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    if (!kHasArg) {
      incr_ = kSign;
      return Status::OK();
    }
    NOKV_RETURN_IF_ERROR(ParseInt64(args[2], &incr_));
    if (kSign < 0) {
      if (incr_ == std::numeric_limits<int64_t>::min()) return Err("ERR decrement would overflow");
      incr_ = -incr_;
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key_);
    std::string v;
    bool found;
    uint64_t exp = 0;
    NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, key_, &v, &found, &exp));
    int64_t old = 0;
    if (found) NOKV_RETURN_IF_ERROR(ParseInt64(v, &old));
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    if ((incr_ < 0 && old < 0 && incr_ < kMin - old) || (incr_ > 0 && old > 0 && incr_ > kMax - old)) {
      return Err(kErrOverflow);
    }
    const int64_t result = old + incr_;
    NOKV_RETURN_IF_ERROR(Store(ctx.store, key_, std::to_string(result), static_cast<int64_t>(exp)));
    AppendInteger(out, result);
    return Status::OK();
  }

 private:
  std::string key_;
  int64_t incr_ = 0;
};

class IncrByFloatCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    key_ = args[1];
    if (!ParseLongDouble(args[2], &incr_)) return Err(kErrNotFloat);
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key_);
    std::string v;
    bool found;
    uint64_t exp = 0;
    NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, key_, &v, &found, &exp));
    long double old = 0;
    if (found && !ParseLongDouble(v, &old)) return Err(kErrNotFloat);
    long double result = old + incr_;
    if (std::isnan(result) || std::isinf(result)) {
      return Err("ERR increment would produce NaN or Infinity");
    }
    std::string text = FormatLongDouble(result);
    NOKV_RETURN_IF_ERROR(Store(ctx.store, key_, text, static_cast<int64_t>(exp)));
    AppendBulk(out, text);
    return Status::OK();
  }

 private:
  std::string key_;
  long double incr_ = 0;
};

}  // namespace

const std::vector<CommandSpec>& StringCommandTable() {
  constexpr uint32_t kW = kCmdWrite, kR = kCmdReadOnly, kF = kCmdFast;
  static const std::vector<CommandSpec> table = {
      {"get", 2, kR | kF, 1, 1, 1, MakeCommander<GetCmd>},
      {"set", -3, kW, 1, 1, 1, MakeCommander<SetCmd>},
      {"setnx", 3, kW | kF, 1, 1, 1, MakeCommander<SetNxCmd>},
      {"setex", 4, kW, 1, 1, 1, MakeCommander<SetExCmd<true>>},
      {"psetex", 4, kW, 1, 1, 1, MakeCommander<SetExCmd<false>>},
      {"mget", -2, kR | kF, 1, -1, 1, MakeCommander<MGetCmd>},
      {"mset", -3, kW, 1, -1, 2, MakeCommander<MSetCmd<false>>},
      {"msetnx", -3, kW, 1, -1, 2, MakeCommander<MSetCmd<true>>},
      {"getset", 3, kW | kF, 1, 1, 1, MakeCommander<GetSetCmd>},
      {"getdel", 2, kW | kF, 1, 1, 1, MakeCommander<GetDelCmd>},
      {"getex", -2, kW | kF, 1, 1, 1, MakeCommander<GetExCmd>},
      {"append", 3, kW, 1, 1, 1, MakeCommander<AppendCmd>},
      {"strlen", 2, kR | kF, 1, 1, 1, MakeCommander<StrLenCmd>},
      {"getrange", 4, kR, 1, 1, 1, MakeCommander<GetRangeCmd>},
      {"substr", 4, kR, 1, 1, 1, MakeCommander<GetRangeCmd>},
      {"setrange", 4, kW, 1, 1, 1, MakeCommander<SetRangeCmd>},
      {"incr", 2, kW | kF, 1, 1, 1, MakeCommander<IncrCmd<1, false>>},
      {"decr", 2, kW | kF, 1, 1, 1, MakeCommander<IncrCmd<-1, false>>},
      {"incrby", 3, kW | kF, 1, 1, 1, MakeCommander<IncrCmd<1, true>>},
      {"decrby", 3, kW | kF, 1, 1, 1, MakeCommander<IncrCmd<-1, true>>},
      {"incrbyfloat", 3, kW | kF, 1, 1, 1, MakeCommander<IncrByFloatCmd>},
  };
  return table;
}

}  // namespace nokv::redis
