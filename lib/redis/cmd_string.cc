// String commands: GET/SET and their variants, counters, ranges, LCS.
// Read-modify-write commands hold the key's stripe lock (KeyLocks) across
// their read and write; so does every write, so a RMW never loses an update.
#include <algorithm>
#include <cmath>
#include <limits>

#include "redis/command.h"
#include "redis/dispatcher.h"

namespace nokv::redis {
namespace {

// ---- SET / GETEX option parsing (Redis 7 parseExtendedStringArgumentsOrReply) ----
enum SetFlag : uint32_t {
  kNX = 1,
  kXX = 2,
  kGet = 4,
  kKeepTtl = 8,
  kPersist = 16,
  kEX = 32,
  kPX = 64,
  kEXAT = 128,
  kPXAT = 256,
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
    } else if (!is_set && EqualsIgnoreCase(opt, "persist") && !(f & kAnyExpire) &&
               !(f & kKeepTtl)) {
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

// ---- commands ----

class GetCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    StoredValue v;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &v));
    v.found ? AppendBulk(out, v.data) : AppendNull(out);
    return Status::OK();
  }
};

class SetCmd : public Commander {
 public:
  Status Parse() override { return ParseExtendedArgs(args(), 3, true, &opts_); }
  Status Execute(CommandContext& ctx, std::string* out) override {
    int64_t at = 0;
    NOKV_RETURN_IF_ERROR(ResolveExtendedExpire(opts_, ctx.store->NowMs(), "set", &at));
    const uint32_t f = opts_.flags;
    const bool need_read = f & (kNX | kXX | kGet | kKeepTtl);
    auto guard = ctx.store->locks().Lock(key());
    StoredValue old;
    if (need_read) {  // only SET ... GET counts a keyspace hit or miss, as in Redis
      NOKV_RETURN_IF_ERROR((f & kGet ? Lookup : LookupForWrite)(ctx.store, key(), &old));
    }
    const bool skip = (f & kNX && old.found) || (f & kXX && !old.found);
    if (!skip) {
      if (f & kKeepTtl) at = static_cast<int64_t>(old.expires_at_ms);
      NOKV_RETURN_IF_ERROR(StoreValue(ctx.store, key(), arg(2), at));
    }
    if (f & kGet) {
      old.found ? AppendBulk(out, old.data) : AppendNull(out);
    } else {
      skip ? AppendNull(out) : AppendSimple(out, "OK");
    }
    return Status::OK();
  }

 private:
  ExtendedArgs opts_;
};

class SetNxCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    bool stored = false;
    NOKV_RETURN_IF_ERROR(ModifyKey(ctx.store, key(), [&](StoredValue* v, bool* write) {
      stored = *write = !v->found;
      v->data = arg(2);
      return Status::OK();
    }));
    AppendInteger(out, stored ? 1 : 0);
    return Status::OK();
  }
};

// SETEX key seconds value / PSETEX key milliseconds value.
template <bool kSeconds>
class SetExCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    int64_t at = 0;
    NOKV_RETURN_IF_ERROR(ResolveExpire(arg(2), kSeconds, false, ctx.store->NowMs(),
                                       kSeconds ? "setex" : "psetex", &at));
    auto guard = ctx.store->locks().Lock(key());
    NOKV_RETURN_IF_ERROR(StoreValue(ctx.store, key(), arg(3), at));
    AppendSimple(out, "OK");
    return Status::OK();
  }
};

class MGetCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::string body;
    for (auto k : keys()) {
      StoredValue v;
      NOKV_RETURN_IF_ERROR(Lookup(ctx.store, k, &v));
      v.found ? AppendBulk(&body, v.data) : AppendNull(&body);
    }
    AppendArrayHeader(out, keys().size());
    out->append(body);
    return Status::OK();
  }
};

// MSET and MSETNX: one WriteBatch, so all pairs land or none do. The table's
// key step (2) makes the dispatcher refuse an odd number of words.
template <bool kNx>
class MSetCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(keys());
    if (kNx) {
      for (auto k : keys()) {
        StoredValue v;
        NOKV_RETURN_IF_ERROR(LookupForWrite(ctx.store, k, &v));
        if (v.found) {
          AppendInteger(out, 0);
          return Status::OK();
        }
      }
    }
    KeyBatch batch;
    for (size_t i = 1; i < args().size(); i += 2) batch.Put(arg(i), arg(i + 1));
    Status s = ctx.store->Write(batch);
    if (!s.ok()) return EngineErr(s);
    kNx ? AppendInteger(out, 1) : AppendSimple(out, "OK");
    return Status::OK();
  }
};

// GETSET key value, GETDEL key: the old value, then the new one (or none).
template <bool kDelete>
class GetAndReplaceCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key());
    StoredValue old;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &old));
    if (kDelete && old.found) {
      Status s = ctx.store->Delete(key());
      if (!s.ok()) return EngineErr(s);
    } else if (!kDelete) {
      NOKV_RETURN_IF_ERROR(StoreValue(ctx.store, key(), arg(2), 0));
    }
    old.found ? AppendBulk(out, old.data) : AppendNull(out);
    return Status::OK();
  }
};

class GetExCmd : public Commander {
 public:
  Status Parse() override { return ParseExtendedArgs(args(), 2, false, &opts_); }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto guard = ctx.store->locks().Lock(key());
    StoredValue v;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &v));
    if (!v.found) {  // like Redis, before the expire time is checked
      AppendNull(out);
      return Status::OK();
    }
    int64_t at = 0;
    NOKV_RETURN_IF_ERROR(ResolveExtendedExpire(opts_, ctx.store->NowMs(), "getex", &at));
    if (opts_.flags & kAnyExpire) {
      NOKV_RETURN_IF_ERROR(StoreValue(ctx.store, key(), v.data, at));
    } else if ((opts_.flags & kPersist) && v.expires_at_ms != 0) {
      NOKV_RETURN_IF_ERROR(StoreValue(ctx.store, key(), v.data, 0));
    }
    AppendBulk(out, v.data);
    return Status::OK();
  }

 private:
  ExtendedArgs opts_;
};

class AppendCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    size_t len = 0;
    NOKV_RETURN_IF_ERROR(ModifyKey(ctx.store, key(), [&](StoredValue* v, bool* write) {
      if (v->data.size() + arg(2).size() > kMaxStringLen) return Err(kErrTooBig);
      v->data += arg(2);
      len = v->data.size();
      *write = true;
      return Status::OK();
    }));
    AppendInteger(out, static_cast<int64_t>(len));
    return Status::OK();
  }
};

class StrLenCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    StoredValue v;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &v));
    AppendInteger(out, static_cast<int64_t>(v.data.size()));
    return Status::OK();
  }
};

class GetRangeCmd : public Commander {
 public:
  Status Parse() override {
    NOKV_RETURN_IF_ERROR(ParseInt64(arg(2), &start_));
    return ParseInt64(arg(3), &end_);
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    StoredValue v;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &v));
    int64_t start = start_, end = end_;
    const int64_t len = static_cast<int64_t>(v.data.size());
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
      AppendBulk(out, std::string_view(v.data).substr(static_cast<size_t>(start),
                                                      static_cast<size_t>(end - start + 1)));
    }
    return Status::OK();
  }

 private:
  int64_t start_ = 0, end_ = 0;
};

class SetRangeCmd : public Commander {
 public:
  Status Parse() override {
    NOKV_RETURN_IF_ERROR(ParseInt64(arg(2), &offset_));
    if (offset_ < 0) return Err("ERR offset is out of range");
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    const std::string& value = arg(3);
    size_t len = 0;
    NOKV_RETURN_IF_ERROR(ModifyKey(ctx.store, key(), [&](StoredValue* v, bool* write) {
      len = v->data.size();
      if (value.empty()) return Status::OK();  // no write, not even of a missing key
      const uint64_t offset = static_cast<uint64_t>(offset_);
      if (offset + value.size() > kMaxStringLen) return Err(kErrTooBig);
      if (v->data.size() < offset + value.size()) v->data.resize(offset + value.size(), '\0');
      v->data.replace(offset, value.size(), value);
      len = v->data.size();
      *write = true;
      return Status::OK();
    }));
    AppendInteger(out, static_cast<int64_t>(len));
    return Status::OK();
  }

 private:
  int64_t offset_ = 0;
};

// INCR / DECR / INCRBY / DECRBY. kSign is +1 or -1; kHasArg says whether the
// amount is an argument.
template <int kSign, bool kHasArg>
class IncrCmd : public Commander {
 public:
  Status Parse() override {
    if (!kHasArg) {
      incr_ = kSign;
      return Status::OK();
    }
    NOKV_RETURN_IF_ERROR(ParseInt64(arg(2), &incr_));
    if (kSign < 0) {
      if (incr_ == std::numeric_limits<int64_t>::min()) return Err("ERR decrement would overflow");
      incr_ = -incr_;
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    int64_t result = 0;
    NOKV_RETURN_IF_ERROR(ModifyKey(ctx.store, key(), [&](StoredValue* v, bool* write) {
      int64_t old = 0;
      if (v->found) NOKV_RETURN_IF_ERROR(ParseInt64(v->data, &old));
      constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
      constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
      if ((incr_ < 0 && old < 0 && incr_ < kMin - old) ||
          (incr_ > 0 && old > 0 && incr_ > kMax - old)) {
        return Err(kErrOverflow);
      }
      result = old + incr_;
      v->data = std::to_string(result);
      *write = true;
      return Status::OK();
    }));
    AppendInteger(out, result);
    return Status::OK();
  }

 private:
  int64_t incr_ = 0;
};

class IncrByFloatCmd : public Commander {
 public:
  Status Parse() override {
    if (!ParseLongDouble(arg(2), &incr_)) return Err(kErrNotFloat);
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::string text;
    NOKV_RETURN_IF_ERROR(ModifyKey(ctx.store, key(), [&](StoredValue* v, bool* write) {
      long double old = 0;
      if (v->found && !ParseLongDouble(v->data, &old)) return Err(kErrNotFloat);
      const long double result = old + incr_;
      if (std::isnan(result) || std::isinf(result)) {
        return Err("ERR increment would produce NaN or Infinity");
      }
      v->data = text = FormatLongDouble(result);
      *write = true;
      return Status::OK();
    }));
    AppendBulk(out, text);
    return Status::OK();
  }

 private:
  long double incr_ = 0;
};

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest
// common subsequence by Redis' dynamic programming (same table, same walk
// back, so the same matches in the same order). Missing keys are "".
class LcsCmd : public Commander {
 public:
  Status Parse() override {
    for (size_t j = 3; j < args().size(); j++) {
      const std::string& opt = arg(j);
      if (EqualsIgnoreCase(opt, "idx")) {
        idx_ = true;
      } else if (EqualsIgnoreCase(opt, "len")) {
        len_ = true;
      } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
        with_match_len_ = true;
      } else if (EqualsIgnoreCase(opt, "minmatchlen") && j + 1 < args().size()) {
        NOKV_RETURN_IF_ERROR(ParseInt64(arg(++j), &min_match_len_));
        min_match_len_ = std::max<int64_t>(min_match_len_, 0);
      } else {
        return Err(kErrSyntax);
      }
    }
    if (len_ && idx_)
      return Err("ERR If you want both the length and indexes, please just use IDX.");
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    StoredValue va, vb;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, keys()[0], &va));
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, keys()[1], &vb));
    const std::string& a = va.data;
    const std::string& b = vb.data;
    const uint64_t alen = a.size(), blen = b.size();
    // Redis refuses a table larger than proto-max-bulk-len.
    if ((alen + 1) * (blen + 1) * sizeof(uint32_t) > kMaxStringLen) {
      return Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    }
    std::vector<uint32_t> table((alen + 1) * (blen + 1), 0);
    auto at = [&](uint64_t i, uint64_t j) -> uint32_t& { return table[j + i * (blen + 1)]; };
    for (uint64_t i = 1; i <= alen; i++) {
      for (uint64_t j = 1; j <= blen; j++) {
        at(i, j) =
            a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
      }
    }
    const uint32_t lcs_len = at(alen, blen);
    if (len_) {
      AppendInteger(out, lcs_len);
      return Status::OK();
    }
    // Walk back from the end, emitting each run of matches (a range in a
    // and in b) when it cannot grow further.
    std::string result(lcs_len, '\0');
    std::string matches;
    size_t match_count = 0;
    uint64_t i = alen, j = blen, idx = lcs_len;
    uint64_t a_start = alen, a_end = 0, b_start = 0, b_end = 0;  // a_start == alen: no run
    while (i > 0 && j > 0) {
      bool emit = false;
      if (a[i - 1] == b[j - 1]) {
        result[idx - 1] = a[i - 1];
        if (a_start == alen) {
          a_start = a_end = i - 1;
          b_start = b_end = j - 1;
        } else if (a_start == i && b_start == j) {
          a_start--;
          b_start--;
        } else {
          emit = true;
        }
        if (a_start == 0 || b_start == 0) emit = true;
        idx--, i--, j--;
      } else {
        if (at(i - 1, j) > at(i, j - 1)) {
          i--;
        } else {
          j--;
        }
        if (a_start != alen) emit = true;
      }
      if (emit) {
        const uint64_t match_len = a_end - a_start + 1;
        if (idx_ && (min_match_len_ == 0 || match_len >= static_cast<uint64_t>(min_match_len_))) {
          AppendArrayHeader(&matches, with_match_len_ ? 3 : 2);
          AppendArrayHeader(&matches, 2);
          AppendInteger(&matches, static_cast<int64_t>(a_start));
          AppendInteger(&matches, static_cast<int64_t>(a_end));
          AppendArrayHeader(&matches, 2);
          AppendInteger(&matches, static_cast<int64_t>(b_start));
          AppendInteger(&matches, static_cast<int64_t>(b_end));
          if (with_match_len_) AppendInteger(&matches, static_cast<int64_t>(match_len));
          match_count++;
        }
        a_start = alen;
      }
    }
    if (!idx_) {
      AppendBulk(out, result);
      return Status::OK();
    }
    AppendArrayHeader(out, 4);  // RESP2 map: matches, len
    AppendBulk(out, "matches");
    AppendArrayHeader(out, match_count);
    out->append(matches);
    AppendBulk(out, "len");
    AppendInteger(out, lcs_len);
    return Status::OK();
  }

 private:
  bool idx_ = false, len_ = false, with_match_len_ = false;
  int64_t min_match_len_ = 0;
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
      {"getset", 3, kW | kF, 1, 1, 1, MakeCommander<GetAndReplaceCmd<false>>},
      {"getdel", 2, kW | kF, 1, 1, 1, MakeCommander<GetAndReplaceCmd<true>>},
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
      {"lcs", -3, kR, 1, 2, 1, MakeCommander<LcsCmd>},
  };
  return table;
}

}  // namespace nokv::redis
