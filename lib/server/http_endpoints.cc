// The endpoint table and its handlers (see http_endpoints.h). Each handler
// turns one request into one response; none of them touches a socket.
#include "server/http_endpoints.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>

namespace nokv::server {
namespace {

HttpResponse Json(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

HttpResponse Text(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

std::string Stringify(const Poco::JSON::Object& obj) {
  std::ostringstream out;
  obj.stringify(out, 2);
  out << '\n';
  return out.str();
}

HttpResponse HandleIndex(EndpointContext&, const HttpRequest&) {
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const Route& r : Endpoints()) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("method", std::string(r.method));
    o->set("path", std::string(r.path));
    o->set("admin", r.admin);
    o->set("summary", std::string(r.summary));
    list->add(o);
  }
  Poco::JSON::Object obj;
  obj.set("endpoints", list);
  return Json(Stringify(obj));
}

HttpResponse HandleDebugVars(EndpointContext& ctx, const HttpRequest&) {
  const ProcessInfo process = ctx.process_info ? ctx.process_info() : ProcessInfo{};
  return Json(RenderExpvarJson(CollectDbStats(*ctx.db), process, ctx.groups->Collect()));
}

HttpResponse HandleMetrics(EndpointContext& ctx, const HttpRequest&) {
  return Text(200, RenderPrometheus(CollectDbStats(*ctx.db), ctx.groups->Collect()),
              "text/plain; version=0.0.4; charset=utf-8");
}

HttpResponse HandleHealthz(EndpointContext& ctx, const HttpRequest&) {
  const DbStats stats = CollectDbStats(*ctx.db);
  if (!stats.background_error.empty()) {
    return Text(503, "unhealthy: " + stats.background_error + "\n", "text/plain; charset=utf-8");
  }
  return Text(200, "ok\n", "text/plain; charset=utf-8");
}

// Runs a blocking DB maintenance call; 200 {"ok": true, "duration_ms"} or 500.
HttpResponse RunMaintenance(const char* what, const std::function<Status()>& fn) {
  const auto start = std::chrono::steady_clock::now();
  const Status s = fn();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) return JsonError(500, std::string(what) + " failed: " + s.ToString());
  Poco::JSON::Object obj(Poco::JSON_PRESERVE_KEY_ORDER);
  obj.set("ok", true);
  obj.set("operation", std::string(what));
  obj.set("duration_ms", ms);
  return Json(Stringify(obj));
}

HttpResponse HandleFlush(EndpointContext& ctx, const HttpRequest&) {
  return RunMaintenance("flush", [&] { return ctx.db->Flush(); });
}

HttpResponse HandleCompact(EndpointContext& ctx, const HttpRequest&) {
  return RunMaintenance("compact", [&] { return ctx.db->CompactAll(); });
}

HttpResponse HandleLevels(EndpointContext& ctx, const HttpRequest&) {
  return Json(RenderLevelsJson(CollectDbStats(*ctx.db)));
}

HttpResponse HandleStats(EndpointContext& ctx, const HttpRequest&) {
  return Json(RenderDbStatsJson(CollectDbStats(*ctx.db)));
}

// clang-format off
const Route kEndpoints[] = {
  // method  path             admin  handler           summary
  {"GET",  "/",               false, HandleIndex,      "This list of endpoints"},
  {"GET",  "/debug/vars",     false, HandleDebugVars,  "expvar JSON: cmdline, memstats, NoKV.Stats"},
  {"GET",  "/metrics",        false, HandleMetrics,    "Prometheus text exposition"},
  {"GET",  "/healthz",        false, HandleHealthz,    "200 ok, or 503 with the DB's background error"},
  {"POST", "/admin/flush",    true,  HandleFlush,      "Flush the memtable to L0 and wait"},
  {"POST", "/admin/compact",  true,  HandleCompact,    "Compact every level until none is due, and wait"},
  {"GET",  "/admin/levels",   true,  HandleLevels,     "Per-level files, bytes, entries and score"},
  {"GET",  "/admin/stats",    true,  HandleStats,      "DbStats as JSON"},
};
// clang-format on

}  // namespace

bool StatsGroupRegistry::Add(std::string name, StatsProvider provider) {
  if (!IsValidStatsGroupName(name) || !provider) return false;
  std::lock_guard<std::mutex> l(mu_);
  providers_[std::move(name)] = std::move(provider);
  return true;
}

std::vector<StatsGroup> StatsGroupRegistry::Collect() const {
  std::map<std::string, StatsProvider> providers;
  {
    std::lock_guard<std::mutex> l(mu_);
    providers = providers_;  // call providers without holding the lock
  }
  std::vector<StatsGroup> out;
  out.reserve(providers.size());
  for (const auto& [name, provider] : providers) out.push_back({name, provider()});
  return out;
}

std::span<const Route> Endpoints() { return kEndpoints; }

ProcessInfo ReadProcessInfo() {
  ProcessInfo info;
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  std::string arg;
  for (char c : raw) {
    if (c == '\0') {
      info.cmdline.push_back(arg);
      arg.clear();
    } else {
      arg += c;
    }
  }
  if (!arg.empty()) info.cmdline.push_back(arg);
  info.cmdline = RedactCmdline(std::move(info.cmdline));

  std::ifstream statm("/proc/self/statm");
  uint64_t vm_pages = 0, rss_pages = 0;
  if (statm >> vm_pages >> rss_pages) {
    const long page = sysconf(_SC_PAGESIZE);
    const uint64_t page_size = page > 0 ? static_cast<uint64_t>(page) : 4096;
    info.vm_bytes = vm_pages * page_size;
    info.rss_bytes = rss_pages * page_size;
  }
  return info;
}

}  // namespace nokv::server
