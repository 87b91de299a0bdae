// Bitmap commands on string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
// BITFIELD, BITFIELD_RO, with Redis 7.0's semantics and error texts (bit 0 is
// the most significant bit of the first byte; a missing key reads as zeros).
// Writes are read-modify-writes under the key's stripe lock (ModifyKey) and
// keep the key's expiry, as Redis' in-place updates do.
#include <algorithm>
#include <bit>
#include <limits>

#include "redis/command.h"
#include "redis/dispatcher.h"

namespace nokv::redis {
namespace {

constexpr std::string_view kErrBitOffset = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kErrBitValue = "ERR bit is not an integer or out of range";
constexpr std::string_view kErrBitfieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";

// Redis' getBitOffsetFromArgument: a bit offset below 2^32 (the bits of a
// proto-max-bulk-len string); with `hash`, "#N" means N * bits.
Status ParseBitOffset(std::string_view arg, bool hash, int bits, uint64_t* offset) {
  const bool use_hash = hash && !arg.empty() && arg[0] == '#';
  int64_t v = 0;
  if (!StringToInt64(arg.substr(use_hash ? 1 : 0), &v) || v < 0) return Err(kErrBitOffset);
  if (use_hash) {
    if (v > std::numeric_limits<int64_t>::max() / bits) return Err(kErrBitOffset);
    v *= bits;
  }
  if (static_cast<uint64_t>(v) >> 3 >= kMaxStringLen) return Err(kErrBitOffset);
  *offset = static_cast<uint64_t>(v);
  return Status::OK();
}

int GetBit(std::string_view s, uint64_t bit) {
  const uint64_t byte = bit >> 3;
  if (byte >= s.size()) return 0;
  return (static_cast<uint8_t>(s[byte]) >> (7 - (bit & 7))) & 1;
}

void SetBit(std::string* s, uint64_t bit, int on) {
  char& c = (*s)[bit >> 3];
  const uint8_t mask = static_cast<uint8_t>(1u << (7 - (bit & 7)));
  c = static_cast<char>(on ? (static_cast<uint8_t>(c) | mask) : (static_cast<uint8_t>(c) & ~mask));
}

// Grows `s` with zero bytes so that bit `bit` exists.
void GrowForBit(std::string* s, uint64_t bit) {
  if (s->size() <= (bit >> 3)) s->resize((bit >> 3) + 1, '\0');
}

// SETBIT key offset 0|1: the bit's old value.
class SetBitCmd : public Commander {
 public:
  Status Parse() override {
    NOKV_RETURN_IF_ERROR(ParseBitOffset(arg(2), false, 0, &offset_));
    int64_t on = 0;
    if (!StringToInt64(arg(3), &on) || (on & ~1)) return Err(kErrBitValue);
    on_ = static_cast<int>(on);
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    int old = 0;
    NOKV_RETURN_IF_ERROR(ModifyKey(ctx.store, key(), [&](StoredValue* v, bool* write) {
      old = GetBit(v->data, offset_);
      const size_t size = v->data.size();
      GrowForBit(&v->data, offset_);
      SetBit(&v->data, offset_, on_);
      *write = !v->found || size != v->data.size() || old != on_;
      return Status::OK();
    }));
    AppendInteger(out, old);
    return Status::OK();
  }

 private:
  uint64_t offset_ = 0;
  int on_ = 0;
};

class GetBitCmd : public Commander {
 public:
  Status Parse() override { return ParseBitOffset(arg(2), false, 0, &offset_); }
  Status Execute(CommandContext& ctx, std::string* out) override {
    StoredValue v;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &v));
    AppendInteger(out, GetBit(v.data, offset_));
    return Status::OK();
  }

 private:
  uint64_t offset_ = 0;
};

// A [start, end] range of a string in bytes or bits, resolved like Redis'
// BITCOUNT/BITPOS: negative indexes count from the end, then both are clamped.
struct BitRange {
  int64_t first = 0, last = -1;  // bit indexes; empty if first > last
};

// Parses "start [end [BYTE|BIT]]" at args[i...] (no end: the string's end)
// into a range of bits, in Redis' order: BITCOUNT reads start and end, answers
// an empty range at once when both are negative and start > end, then reads
// the unit; BITPOS reads start, the unit, then end.
Status ResolveBitRange(const std::vector<std::string>& args, size_t i, bool bitcount,
                       int64_t len_bytes, BitRange* range) {
  const bool has_end = args.size() > i + 1;
  int64_t start = 0, end = 0;
  bool bit_unit = false;
  auto parse_unit = [&]() -> Status {
    if (args.size() <= i + 2) return Status::OK();
    if (EqualsIgnoreCase(args[i + 2], "bit")) {
      bit_unit = true;
    } else if (!EqualsIgnoreCase(args[i + 2], "byte")) {
      return Err(kErrSyntax);
    }
    return Status::OK();
  };
  NOKV_RETURN_IF_ERROR(ParseInt64(args[i], &start));
  if (!bitcount) NOKV_RETURN_IF_ERROR(parse_unit());
  if (has_end) NOKV_RETURN_IF_ERROR(ParseInt64(args[i + 1], &end));
  *range = {0, -1};
  if (bitcount && start < 0 && end < 0 && start > end) return Status::OK();
  if (bitcount) NOKV_RETURN_IF_ERROR(parse_unit());
  const int64_t total = bit_unit ? len_bytes * 8 : len_bytes;
  if (!has_end) end = total - 1;
  if (start < 0) start += total;
  if (end < 0) end += total;
  start = std::max<int64_t>(start, 0);
  end = std::max<int64_t>(end, 0);
  end = std::min(end, total - 1);
  if (start > end) return Status::OK();
  *range = bit_unit ? BitRange{start, end} : BitRange{start * 8, end * 8 + 7};
  return Status::OK();
}

int64_t PopCount(std::string_view s, int64_t first_bit, int64_t last_bit) {
  int64_t n = 0;
  int64_t bit = first_bit;
  for (; bit <= last_bit && (bit & 7); bit++) n += GetBit(s, static_cast<uint64_t>(bit));
  for (; bit + 7 <= last_bit; bit += 8) {
    n += std::popcount(static_cast<uint8_t>(s[static_cast<size_t>(bit >> 3)]));
  }
  for (; bit <= last_bit; bit++) n += GetBit(s, static_cast<uint64_t>(bit));
  return n;
}

// BITCOUNT key [start end [BYTE|BIT]].
class BitCountCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    StoredValue v;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &v));
    if (!v.found) {  // like Redis, before the range is parsed
      AppendInteger(out, 0);
      return Status::OK();
    }
    const size_t argc = args().size();
    BitRange range{0, static_cast<int64_t>(v.data.size()) * 8 - 1};
    if (argc == 4 || argc == 5) {
      NOKV_RETURN_IF_ERROR(
          ResolveBitRange(args(), 2, true, static_cast<int64_t>(v.data.size()), &range));
    } else if (argc != 2) {
      return Err(kErrSyntax);
    }
    AppendInteger(out, PopCount(v.data, range.first, range.last));
    return Status::OK();
  }
};

// BITPOS key 0|1 [start [end [BYTE|BIT]]].
class BitPosCmd : public Commander {
 public:
  Status Parse() override {
    int64_t bit = 0;
    NOKV_RETURN_IF_ERROR(ParseInt64(arg(2), &bit));
    if (bit != 0 && bit != 1) return Err("ERR The bit argument must be 1 or 0.");
    bit_ = static_cast<int>(bit);
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    StoredValue v;
    NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &v));
    if (!v.found) {  // an infinite run of zeros
      AppendInteger(out, bit_ ? -1 : 0);
      return Status::OK();
    }
    const size_t argc = args().size();
    const int64_t len = static_cast<int64_t>(v.data.size());
    BitRange range{0, len * 8 - 1};
    const bool end_given = argc >= 5;
    if (argc >= 4 && argc <= 6) {
      NOKV_RETURN_IF_ERROR(ResolveBitRange(args(), 3, false, len, &range));
    } else if (argc != 3) {
      return Err(kErrSyntax);
    }
    if (range.first > range.last) {  // an empty range has neither a 0 nor a 1
      AppendInteger(out, -1);
      return Status::OK();
    }
    for (int64_t b = range.first; b <= range.last; b++) {
      if (GetBit(v.data, static_cast<uint64_t>(b)) == bit_) {
        AppendInteger(out, b);
        return Status::OK();
      }
    }
    // No clear bit in the string: without an explicit end the zeros to its
    // right count, as in Redis; within an explicit range there is none.
    AppendInteger(out, bit_ == 0 && !end_given ? range.last + 1 : -1);
    return Status::OK();
  }

 private:
  int bit_ = 0;
};

// BITOP AND|OR|XOR|NOT destkey key [key ...]: the result's length in bytes;
// an empty result deletes destkey. The destination loses its expiry.
class BitOpCmd : public Commander {
 public:
  Status Parse() override {
    const std::string op = ToLower(arg(1));
    if (op != "and" && op != "or" && op != "xor" && op != "not") return Err(kErrSyntax);
    op_ = op[0] == 'x' ? 'x' : op[0];  // a, o, x, n
    if (op_ == 'n' && args().size() != 4) {
      return Err("ERR BITOP NOT must be called with a single source key.");
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    const std::string_view dest = keys()[0];
    auto guard = ctx.store->locks().Lock(keys());
    std::vector<std::string> src;
    size_t max_len = 0;
    for (size_t i = 1; i < keys().size(); i++) {
      StoredValue v;
      NOKV_RETURN_IF_ERROR(Lookup(ctx.store, keys()[i], &v));
      max_len = std::max(max_len, v.data.size());
      src.push_back(std::move(v.data));
    }
    std::string result(max_len, '\0');
    for (size_t j = 0; j < max_len; j++) {
      auto byte = [&](size_t i) { return j < src[i].size() ? static_cast<uint8_t>(src[i][j]) : 0; };
      uint8_t r = byte(0);
      if (op_ == 'n') r = static_cast<uint8_t>(~r);
      for (size_t i = 1; i < src.size(); i++) {
        if (op_ == 'a') r &= byte(i);
        if (op_ == 'o') r |= byte(i);
        if (op_ == 'x') r ^= byte(i);
      }
      result[j] = static_cast<char>(r);
    }
    Status s = max_len > 0 ? ctx.store->Put(dest, result, 0) : ctx.store->Delete(dest);
    if (!s.ok()) return EngineErr(s);
    AppendInteger(out, static_cast<int64_t>(max_len));
    return Status::OK();
  }

 private:
  char op_ = 'a';
};

// ---- BITFIELD ----

enum class Overflow { kWrap, kSat, kFail };

bool ParseOverflow(std::string_view name, Overflow* how) {
  for (auto [text, value] : {std::pair{"wrap", Overflow::kWrap}, std::pair{"sat", Overflow::kSat},
                             std::pair{"fail", Overflow::kFail}}) {
    if (EqualsIgnoreCase(name, text)) {
      *how = value;
      return true;
    }
  }
  return false;
}

struct FieldOp {
  enum Kind { kGet, kSet, kIncrBy } kind;
  bool is_signed;
  int bits;
  uint64_t offset;
  int64_t value;  // SET's value or INCRBY's increment
  Overflow overflow;
};

uint64_t GetUnsignedField(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int i = 0; i < bits; i++) v = (v << 1) | static_cast<uint64_t>(GetBit(s, offset + i));
  return v;
}

int64_t GetSignedField(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = GetUnsignedField(s, offset, bits);
  if (bits < 64 && (v & (1ull << (bits - 1)))) v |= ~0ull << bits;  // sign-extend
  return static_cast<int64_t>(v);
}

void SetField(std::string* s, uint64_t offset, int bits, uint64_t value) {
  for (int i = 0; i < bits; i++) {
    SetBit(s, offset + i, static_cast<int>((value >> (bits - 1 - i)) & 1));
  }
}

// Redis' checkUnsignedBitfieldOverflow: true on overflow, with *limit the
// wrapped or saturated value.
bool UnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow how, uint64_t* limit) {
  const uint64_t max = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
  const int64_t max_incr = static_cast<int64_t>(max - value);
  const int64_t min_incr = static_cast<int64_t>(0 - value);
  const bool over = value > max || (incr > 0 && incr > max_incr);
  const bool under = !over && incr < 0 && incr < min_incr;
  if (!over && !under) return false;
  if (how == Overflow::kWrap) {
    *limit = (value + static_cast<uint64_t>(incr)) & max;
  } else if (how == Overflow::kSat) {
    *limit = over ? max : 0;
  }
  return true;
}

// Redis' checkSignedBitfieldOverflow.
bool SignedOverflow(int64_t value, int64_t incr, int bits, Overflow how, int64_t* limit) {
  const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = -max - 1;
  const int64_t max_incr =
      static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const int64_t min_incr =
      static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  const bool over =
      value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr);
  const bool under = !over && (value < min || (bits != 64 && incr < min_incr) ||
                               (value < 0 && incr < 0 && incr < min_incr));
  if (!over && !under) return false;
  if (how == Overflow::kWrap) {
    uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    if (bits < 64) {
      const uint64_t mask = ~0ull << bits;
      c = (c & (1ull << (bits - 1))) ? (c | mask) : (c & ~mask);
    }
    *limit = static_cast<int64_t>(c);
  } else if (how == Overflow::kSat) {
    *limit = over ? max : min;
  }
  return true;
}

// Runs one SET or INCRBY on `s`; false (and nothing written) on an
// OVERFLOW FAIL overflow. *reply is the value to report.
bool ApplyField(std::string* s, const FieldOp& op, int64_t* reply) {
  if (op.is_signed) {
    const int64_t old = GetSignedField(*s, op.offset, op.bits);
    int64_t wrapped = 0, next = 0;
    bool overflow;
    if (op.kind == FieldOp::kIncrBy) {
      overflow = SignedOverflow(old, op.value, op.bits, op.overflow, &wrapped);
      next =
          overflow
              ? wrapped
              : static_cast<int64_t>(static_cast<uint64_t>(old) + static_cast<uint64_t>(op.value));
      *reply = next;
    } else {
      overflow = SignedOverflow(op.value, 0, op.bits, op.overflow, &wrapped);
      next = overflow ? wrapped : op.value;
      *reply = old;
    }
    if (overflow && op.overflow == Overflow::kFail) return false;
    SetField(s, op.offset, op.bits, static_cast<uint64_t>(next));
  } else {
    const uint64_t old = GetUnsignedField(*s, op.offset, op.bits);
    uint64_t wrapped = 0, next = 0;
    bool overflow;
    if (op.kind == FieldOp::kIncrBy) {
      overflow = UnsignedOverflow(old, op.value, op.bits, op.overflow, &wrapped);
      next = overflow ? wrapped : old + static_cast<uint64_t>(op.value);
      *reply = static_cast<int64_t>(next);
    } else {
      overflow =
          UnsignedOverflow(static_cast<uint64_t>(op.value), 0, op.bits, op.overflow, &wrapped);
      next = overflow ? wrapped : static_cast<uint64_t>(op.value);
      *reply = static_cast<int64_t>(old);
    }
    if (overflow && op.overflow == Overflow::kFail) return false;
    SetField(s, op.offset, op.bits, next);
  }
  return true;
}

// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset
// increment] [OVERFLOW WRAP|SAT|FAIL] ...; BITFIELD_RO takes GET only.
template <bool kReadOnly>
class BitFieldCmd : public Commander {
 public:
  Status Parse() override {
    Overflow overflow = Overflow::kWrap;
    for (size_t j = 2; j < args().size(); j++) {
      const size_t left = args().size() - j - 1;
      const std::string& sub = arg(j);
      FieldOp op{};
      if (EqualsIgnoreCase(sub, "get") && left >= 2) {
        op.kind = FieldOp::kGet;
      } else if (EqualsIgnoreCase(sub, "set") && left >= 3) {
        op.kind = FieldOp::kSet;
      } else if (EqualsIgnoreCase(sub, "incrby") && left >= 3) {
        op.kind = FieldOp::kIncrBy;
      } else if (EqualsIgnoreCase(sub, "overflow") && left >= 1) {
        const std::string& how = arg(++j);
        if (!ParseOverflow(how, &overflow)) return Err("ERR Invalid OVERFLOW type specified");
        continue;
      } else {
        return Err(kErrSyntax);
      }
      // The type: i1..i64 or u1..u63, lower case as Redis wants it.
      const std::string& type = arg(j + 1);
      int64_t bits = 0;
      if (type.empty() || (type[0] != 'i' && type[0] != 'u') ||
          !StringToInt64(std::string_view(type).substr(1), &bits) || bits < 1 ||
          bits > (type[0] == 'i' ? 64 : 63)) {
        return Err(kErrBitfieldType);
      }
      op.is_signed = type[0] == 'i';
      op.bits = static_cast<int>(bits);
      NOKV_RETURN_IF_ERROR(ParseBitOffset(arg(j + 2), true, op.bits, &op.offset));
      if (op.kind != FieldOp::kGet) {
        writes_ = true;
        NOKV_RETURN_IF_ERROR(ParseInt64(arg(j + 3), &op.value));
      }
      op.overflow = overflow;
      ops_.push_back(op);
      j += op.kind == FieldOp::kGet ? 2 : 3;
    }
    if (kReadOnly && writes_) return Err("ERR BITFIELD_RO only supports the GET subcommand");
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::string body;
    if (!writes_) {
      StoredValue v;
      NOKV_RETURN_IF_ERROR(Lookup(ctx.store, key(), &v));
      for (const FieldOp& op : ops_) Get(v.data, op, &body);
    } else {
      // Like Redis, the string grows to the farthest bit any SET or INCRBY
      // reaches, even if an OVERFLOW FAIL leaves that field unwritten.
      NOKV_RETURN_IF_ERROR(ModifyKey(ctx.store, key(), [&](StoredValue* v, bool* write) {
        for (const FieldOp& op : ops_) {
          if (op.kind != FieldOp::kGet) GrowForBit(&v->data, op.offset + op.bits - 1);
        }
        for (const FieldOp& op : ops_) {
          int64_t reply = 0;
          if (op.kind == FieldOp::kGet) {
            Get(v->data, op, &body);
          } else if (ApplyField(&v->data, op, &reply)) {
            AppendInteger(&body, reply);
          } else {
            AppendNull(&body);
          }
        }
        *write = true;
        return Status::OK();
      }));
    }
    AppendArrayHeader(out, ops_.size());
    out->append(body);
    return Status::OK();
  }

 private:
  static void Get(std::string_view s, const FieldOp& op, std::string* body) {
    AppendInteger(body, op.is_signed
                            ? GetSignedField(s, op.offset, op.bits)
                            : static_cast<int64_t>(GetUnsignedField(s, op.offset, op.bits)));
  }

  std::vector<FieldOp> ops_;
  bool writes_ = false;
};

}  // namespace

const std::vector<CommandSpec>& BitmapCommandTable() {
  constexpr uint32_t kW = kCmdWrite, kR = kCmdReadOnly, kF = kCmdFast;
  static const std::vector<CommandSpec> table = {
      {"setbit", 4, kW, 1, 1, 1, MakeCommander<SetBitCmd>},
      {"getbit", 3, kR | kF, 1, 1, 1, MakeCommander<GetBitCmd>},
      {"bitcount", -2, kR, 1, 1, 1, MakeCommander<BitCountCmd>},
      {"bitpos", -3, kR, 1, 1, 1, MakeCommander<BitPosCmd>},
      {"bitop", -4, kW, 2, -1, 1, MakeCommander<BitOpCmd>},
      {"bitfield", -2, kW, 1, 1, 1, MakeCommander<BitFieldCmd<false>>},
      {"bitfield_ro", -2, kR | kF, 1, 1, 1, MakeCommander<BitFieldCmd<true>>},
  };
  return table;
}

}  // namespace nokv::redis
