// Command lookup, arity checks, key extraction and error rendering; see
// dispatcher.h.
#include "redis/dispatcher.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_map>

#include "redis/key_layout.h"

namespace nokv::redis {
namespace {

// The longest run of writes ExecuteNext turns into one engine write.
constexpr size_t kMaxWriteRun = 256;

// True if argv can join a write run: SET key value (no options), MSET, or
// INCR/DECR/INCRBY/DECRBY with a valid amount; *incr is the counter's
// change (nullopt for a blind write). Anything else, or a key the layout
// refuses, runs through Execute, which reports the error.
bool JoinsWriteRun(const std::vector<std::string>& argv, std::optional<int64_t>* incr) {
  const size_t n = argv.size();
  incr->reset();
  if (n >= 3 && n % 2 == 1 &&
      ((n == 3 && EqualsIgnoreCase(argv[0], "set")) || EqualsIgnoreCase(argv[0], "mset"))) {
    for (size_t i = 1; i < n; i += 2) {
      if (argv[i].size() > kMaxKeyLen) return false;
    }
    return true;
  }
  if ((n != 2 && n != 3) || argv[1].size() > kMaxKeyLen) return false;
  int sign = 0;
  if (n == 2 && EqualsIgnoreCase(argv[0], "incr")) sign = 1;
  if (n == 2 && EqualsIgnoreCase(argv[0], "decr")) sign = -1;
  if (n == 3 && EqualsIgnoreCase(argv[0], "incrby")) sign = 1;
  if (n == 3 && EqualsIgnoreCase(argv[0], "decrby")) sign = -1;
  if (sign == 0) return false;
  int64_t by = 1;
  if (n == 3 && !ParseInt64(argv[2], &by).ok()) return false;
  if (sign < 0) {
    if (by == std::numeric_limits<int64_t>::min()) return false;
    by = -by;
  }
  *incr = by;
  return true;
}

}  // namespace

Dispatcher::Dispatcher(DB* db) : store_(db, &counters_) {
  Register("string", StringCommandTable());
  Register("bitmap", BitmapCommandTable());
  Register("generic", KeyCommandTable());
  Register("connection", ConnectionCommandTable());
  Register("server", ServerCommandTable());
  Register("scripting", ScriptingCommandTable());
  std::sort(sorted_.begin(), sorted_.end(), [](const CommandSpec* a, const CommandSpec* b) {
    return std::string_view(a->name) < b->name;
  });
}

void Dispatcher::Register(std::string_view group, const std::vector<CommandSpec>& table) {
  for (const auto& spec : table) {
    by_name_.emplace(spec.name, &spec);
    group_.emplace(&spec, group);
    sorted_.push_back(&spec);
    if (spec.subcommands == nullptr) continue;
    for (const auto& sub : *spec.subcommands) {
      by_name_.emplace(std::string(spec.name) + "|" + sub.name, &sub);
      parent_.emplace(&sub, &spec);
    }
  }
}

const CommandSpec* Dispatcher::Find(std::string_view name) const {
  char lower[64];
  if (name.size() > sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); i++) {
    const char c = name[i];
    lower[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  auto it = by_name_.find(std::string_view(lower, name.size()));
  return it == by_name_.end() ? nullptr : it->second;
}

std::string Dispatcher::FullName(const CommandSpec& spec) const {
  auto it = parent_.find(&spec);
  return it == parent_.end() ? spec.name : std::string(it->second->name) + "|" + spec.name;
}

std::string_view Dispatcher::GroupOf(const CommandSpec& spec) const {
  auto p = parent_.find(&spec);
  auto it = group_.find(p == parent_.end() ? &spec : p->second);
  return it == group_.end() ? "server" : it->second;
}

const CommandSpec* Dispatcher::Resolve(const std::vector<std::string>& argv,
                                       std::string* error) const {
  const std::string& name = argv[0];
  const CommandSpec* spec = name.find('|') == std::string::npos ? Find(name) : nullptr;
  if (spec == nullptr) {
    // Redis 7: the name as sent, then arguments quoted until 128 chars.
    std::string args;
    for (size_t i = 1; i < argv.size() && args.size() < 128; i++) {
      args += "'" + argv[i].substr(0, 128 - args.size()) + "' ";
    }
    *error = "ERR unknown command '" + name.substr(0, 128) + "', with args beginning with: " + args;
    return nullptr;
  }
  if (spec->subcommands != nullptr && argv.size() >= 2) {
    for (const auto& sub : *spec->subcommands) {
      if (EqualsIgnoreCase(argv[1], sub.name)) return &sub;
    }
    *error =
        "ERR unknown subcommand '" + argv[1].substr(0, 128) + "'. Try " + ToUpper(name) + " HELP.";
    return nullptr;
  }
  return spec;
}

void Dispatcher::Execute(Session* session, const std::vector<std::string>& argv, std::string* out) {
  counters_.total_commands.fetch_add(1, std::memory_order_relaxed);
  std::string error;
  Status s;
  const CommandSpec* spec = Resolve(argv, &error);
  std::vector<size_t> key_indexes;
  // A command with one key (most of them) needs no index list.
  const bool single_key = spec != nullptr && spec->first_key > 0 &&
                          spec->last_key == spec->first_key &&
                          argv.size() > static_cast<size_t>(spec->first_key);
  if (spec == nullptr) {
    s = Err(error);
  } else if (!ArityAllows(spec->arity, argv.size()) || spec->factory == nullptr ||
             (!single_key && !KeyIndexes(*spec, argv.size(), &key_indexes))) {
    s = Err(ArityError(FullName(*spec)));
  }
  std::vector<std::string_view> keys;
  const size_t nkeys = single_key ? 1 : key_indexes.size();
  keys.reserve(nkeys);
  for (size_t i = 0; s.ok() && i < nkeys; i++) {
    const std::string& k = argv[single_key ? static_cast<size_t>(spec->first_key) : key_indexes[i]];
    // Keys longer than the layout allows (key_layout.h) are refused up front.
    if (k.size() > kMaxKeyLen) {
      s = Err("ERR key is too long (max " + std::to_string(kMaxKeyLen) + " bytes)");
    }
    keys.push_back(k);
  }
  if (s.ok()) {
    std::unique_ptr<Commander> cmd = spec->factory();
    cmd->Bind(&argv, std::move(keys));
    s = cmd->Parse();
    if (s.ok()) {
      CommandContext ctx{&store_, session, this, &config_};
      const size_t mark = out->size();
      s = cmd->Execute(ctx, out);
      if (!s.ok()) out->resize(mark);
    }
  }
  if (!s.ok()) {
    AppendError(out, s.message());
    counters_.error_replies.fetch_add(1, std::memory_order_relaxed);
  }
}

void Dispatcher::PrefetchKeys(const std::vector<std::vector<std::string>>& commands) const {
  if (commands.size() < 2) return;
  // More than fit the CPU caches at once would evict the first ones.
  constexpr size_t kMaxKeys = 256;
  std::string engine_keys;  // kKeyPrefix + key, back to back
  std::vector<std::pair<size_t, size_t>> spans;
  std::vector<size_t> indexes;
  for (const auto& argv : commands) {
    if (argv.size() < 2) continue;
    const CommandSpec* spec = Find(argv[0]);
    if (spec == nullptr || spec->first_key <= 0 || spec->subcommands != nullptr ||
        !KeyIndexes(*spec, argv.size(), &indexes)) {
      continue;
    }
    for (size_t i : indexes) {
      const std::string& key = argv[i];
      if (key.size() > kMaxKeyLen) continue;
      spans.emplace_back(engine_keys.size(), key.size() + 1);
      engine_keys.push_back(kKeyPrefix);
      engine_keys.append(key);
      if (spans.size() == kMaxKeys) break;
    }
    if (spans.size() == kMaxKeys) break;
  }
  std::vector<std::string_view> keys;
  keys.reserve(spans.size());
  for (const auto& [at, size] : spans) keys.emplace_back(engine_keys.data() + at, size);
  store_.db()->PrefetchForGets(ReadOptions(), keys);
}

size_t Dispatcher::ExecuteNext(Session* session,
                               const std::vector<std::vector<std::string>>& commands, size_t from,
                               std::string* out) {
  std::vector<std::optional<int64_t>> incrs;
  size_t end = from;
  std::optional<int64_t> incr;
  while (end < commands.size() && end - from < kMaxWriteRun && JoinsWriteRun(commands[end], &incr)) {
    incrs.push_back(incr);
    end++;
  }
  if (end - from < 2) {
    Execute(session, commands[from], out);
    return 1;
  }
  if (!ExecuteWriteRun(commands, from, incrs, out)) {
    // Nothing was written: the commands run one by one.
    for (size_t c = from; c < end; c++) Execute(session, commands[c], out);
  }
  return end - from;
}

bool Dispatcher::ExecuteWriteRun(const std::vector<std::vector<std::string>>& commands,
                                 size_t from, const std::vector<std::optional<int64_t>>& incrs,
                                 std::string* out) {
  auto is_counter = [&](size_t j) { return incrs[j].has_value(); };
  std::vector<std::string_view> keys;
  for (size_t j = 0; j < incrs.size(); j++) {
    const auto& argv = commands[from + j];
    const size_t step = is_counter(j) ? argv.size() : 2;
    for (size_t i = 1; i < argv.size(); i += step) keys.push_back(argv[i]);
  }
  std::string replies;
  uint64_t errors = 0;
  {
    auto guard = store_.locks().Lock(keys);
    // What the run wrote so far, by key: later counters of the run read it
    // (kept only if the run has a counter).
    const bool has_counter = std::any_of(incrs.begin(), incrs.end(),
                                         [](const auto& incr) { return incr.has_value(); });
    std::unordered_map<std::string_view, std::string> written;
    KeyBatch batch;
    for (size_t j = 0; j < incrs.size(); j++) {
      const auto& argv = commands[from + j];
      if (!is_counter(j)) {  // SET / MSET
        for (size_t i = 1; i < argv.size(); i += 2) {
          batch.Put(argv[i], argv[i + 1]);
          if (has_counter) written[argv[i]] = argv[i + 1];
        }
        replies.append("+OK\r\n");
        continue;
      }
      // INCR and co, as IncrCmd does it.
      const std::string_view key = argv[1];
      StoredValue v;
      if (auto it = written.find(key); it != written.end()) {
        v.found = true;
        v.data = it->second;
      } else if (!LookupForWrite(&store_, key, &v).ok() || v.expires_at_ms != 0) {
        return false;  // an engine error, or a counter that keeps its expiry
      }
      int64_t old = 0;
      Status s = v.found ? ParseInt64(v.data, &old) : Status::OK();
      const int64_t by = *incrs[j];
      if (s.ok() && ((by < 0 && old < 0 && by < std::numeric_limits<int64_t>::min() - old) ||
                     (by > 0 && old > 0 && by > std::numeric_limits<int64_t>::max() - old))) {
        s = Err(kErrOverflow);
      }
      if (!s.ok()) {
        AppendError(&replies, s.message());
        errors++;
        continue;
      }
      std::string value = std::to_string(old + by);
      batch.Put(key, value);
      written[key] = std::move(value);
      AppendInteger(&replies, old + by);
    }
    if (batch.Count() > 0 && !store_.Write(batch).ok()) return false;
  }
  counters_.total_commands.fetch_add(incrs.size(), std::memory_order_relaxed);
  counters_.error_replies.fetch_add(errors, std::memory_order_relaxed);
  out->append(replies);
  return true;
}

std::map<std::string, int64_t> Dispatcher::StatsMap() const {
  auto v = [](const std::atomic<uint64_t>& a) { return static_cast<int64_t>(a.load()); };
  // Prometheus names (the HTTP server types a name ending in _total as a
  // counter, anything else as a gauge): monotonic counts end in _total.
  return {
      {"connected_clients", v(counters_.connected_clients)},
      {"connections_total", v(counters_.total_connections)},
      {"commands_total", v(counters_.total_commands)},
      {"rejected_connections_total", v(counters_.rejected_connections)},
      {"protocol_errors_total", v(counters_.protocol_errors)},
      {"error_replies_total", v(counters_.error_replies)},
      {"keyspace_hits_total", v(counters_.keyspace_hits)},
      {"keyspace_misses_total", v(counters_.keyspace_misses)},
      {"expired_keys_total", v(counters_.expired_keys)},
      {"net_input_bytes_total", v(counters_.net_input_bytes)},
      {"net_output_bytes_total", v(counters_.net_output_bytes)},
      {"reply_syncs_total", v(counters_.reply_syncs)},
  };
}

}  // namespace nokv::redis
