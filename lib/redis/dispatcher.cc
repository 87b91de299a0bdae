// Command lookup, arity checks and error rendering; see dispatcher.h.
#include "redis/dispatcher.h"

#include <algorithm>

#include "redis/key_layout.h"

namespace nokv::redis {

Dispatcher::Dispatcher(DB* db) : store_(db, &counters_) {
  for (const auto* table : {&StringCommandTable(), &KeyCommandTable(), &ServerCommandTable()}) {
    for (const auto& spec : *table) {
      by_name_.emplace(spec.name, &spec);
      sorted_.push_back(&spec);
    }
  }
  std::sort(sorted_.begin(), sorted_.end(),
            [](const CommandSpec* a, const CommandSpec* b) { return std::string_view(a->name) < b->name; });
}

Status Dispatcher::CheckKeyLengths(const CommandSpec& spec, const std::vector<std::string>& argv) {
  if (spec.first_key <= 0) return Status::OK();
  const int argc = static_cast<int>(argv.size());
  const int last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  for (int i = spec.first_key; i <= last && i < argc; i += std::max(1, spec.key_step)) {
    if (argv[static_cast<size_t>(i)].size() > kMaxKeyLen) {
      return Err("ERR key is too long (max " + std::to_string(kMaxKeyLen) + " bytes)");
    }
  }
  return Status::OK();
}

const CommandSpec* Dispatcher::Find(std::string_view name) const {
  if (name.size() > 32) return nullptr;
  auto it = by_name_.find(ToLower(name));
  return it == by_name_.end() ? nullptr : it->second;
}

void Dispatcher::Execute(Session* session, const std::vector<std::string>& argv,
                         std::string* out) {
  counters_.total_commands.fetch_add(1, std::memory_order_relaxed);
  const CommandSpec* spec = Find(argv[0]);
  if (spec == nullptr) {
    // Redis 7: the name as sent, then arguments quoted until 128 chars.
    std::string args;
    for (size_t i = 1; i < argv.size() && args.size() < 128; i++) {
      args += "'" + argv[i].substr(0, 128 - args.size()) + "' ";
    }
    AppendError(out, "ERR unknown command '" + argv[0].substr(0, 128) +
                         "', with args beginning with: " + args);
    counters_.error_replies.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const int argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && spec->arity != argc) || argc < -spec->arity) {
    AppendError(out, ArityError(spec->name));
    counters_.error_replies.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Status s = CheckKeyLengths(*spec, argv);
  std::unique_ptr<Commander> cmd = s.ok() ? spec->factory() : nullptr;
  if (s.ok()) s = cmd->Parse(argv);
  if (s.ok()) {
    CommandContext ctx{&store_, session, this};
    size_t mark = out->size();
    s = cmd->Execute(ctx, out);
    if (!s.ok()) out->resize(mark);
  }
  if (!s.ok()) {
    AppendError(out, s.message());
    counters_.error_replies.fetch_add(1, std::memory_order_relaxed);
  }
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
  };
}

}  // namespace nokv::redis
