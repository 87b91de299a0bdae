// PD's HTTP endpoints (see pd_http.h), declared in one table.
#include "pd/pd_http.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fmt/core.h>

#include <map>
#include <sstream>

namespace nokv::pd {
namespace {

using server::HttpRequest;
using server::HttpResponse;
using server::JsonError;
using JsonObject = Poco::JSON::Object;
using JsonArray = Poco::JSON::Array;

HttpResponse Json(const JsonObject& obj) {
  std::ostringstream out;
  obj.stringify(out, 2);
  out << '\n';
  HttpResponse r;
  r.body = out.str();
  return r;
}

std::string HexUpper(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += fmt::format("{:02X}", c);
  return out;
}

bool FromHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int v = 0;
    for (char c : hex.substr(i, 2)) {
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return false;
    }
    out->push_back(static_cast<char>(v));
  }
  return true;
}

bool UrlDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    std::string byte;
    if (i + 2 >= in.size() + 0 || !FromHex(in.substr(i + 1, 2), &byte)) return false;
    *out += byte;
    i += 2;
  }
  return true;
}

const char* StoreStateName(metapb::StoreState s) {
  switch (s) {
    case metapb::STORE_UP: return "Up";
    case metapb::STORE_OFFLINE: return "Offline";
    case metapb::STORE_TOMBSTONE: return "Tombstone";
    default: return "Unknown";
  }
}

JsonObject::Ptr PeerJson(const metapb::Peer& p) {
  JsonObject::Ptr o = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", p.id());
  o->set("store_id", p.store_id());
  o->set("role", p.role() == metapb::LEARNER ? "Learner" : "Voter");
  return o;
}

JsonObject::Ptr RegionJson(const RegionInfo& r) {
  JsonObject::Ptr o = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", r.meta.id());
  o->set("start_key", HexUpper(r.meta.start_key()));
  o->set("end_key", HexUpper(r.meta.end_key()));
  JsonObject::Ptr epoch = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
  epoch->set("conf_ver", r.meta.region_epoch().conf_ver());
  epoch->set("version", r.meta.region_epoch().version());
  o->set("epoch", epoch);
  JsonArray::Ptr peers = new JsonArray;
  for (const metapb::Peer& p : r.meta.peers()) peers->add(PeerJson(p));
  o->set("peers", peers);
  if (r.leader.id() != 0) o->set("leader", PeerJson(r.leader));
  o->set("approximate_size", r.approximate_size);
  o->set("approximate_keys", r.approximate_keys);
  return o;
}

JsonObject::Ptr OperatorJson(const Operator& op) {
  JsonObject::Ptr o = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", op.id);
  o->set("region_id", op.region_id);
  o->set("desc", op.desc);
  JsonArray::Ptr steps = new JsonArray;
  for (const OperatorStep& s : op.steps) steps->add(s.ToString());
  o->set("steps", steps);
  o->set("current_step", static_cast<uint64_t>(op.current));
  o->set("created_ms", op.created_ms);
  o->set("timeout_ms", op.timeout_ms);
  return o;
}

HttpResponse HandleHealthz(PlacementDriver& pd, const HttpRequest&, std::string_view) {
  JsonObject o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("status", "ok");
  o.set("leader", pd.is_leader());
  return Json(o);
}

HttpResponse HandleMembers(PlacementDriver& pd, const HttpRequest&, std::string_view) {
  pdpb::GetMembersResponse m = pd.GetMembers({});
  auto member = [](const pdpb::Member& x) {
    JsonObject::Ptr o = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("name", x.name());
    o->set("member_id", x.member_id());
    o->set("client_urls", x.address());
    return o;
  };
  JsonObject o(Poco::JSON_PRESERVE_KEY_ORDER);
  JsonArray::Ptr members = new JsonArray;
  for (const pdpb::Member& x : m.members()) members->add(member(x));
  o.set("members", members);
  if (m.has_leader()) o.set("leader", member(m.leader()));
  return Json(o);
}

HttpResponse HandleStores(PlacementDriver& pd, const HttpRequest&, std::string_view) {
  const ClusterSnapshot snap = pd.Snapshot();
  std::map<uint64_t, StoreView> views;
  for (const StoreView& v : snap.stores) views[v.id] = v;
  JsonArray::Ptr stores = new JsonArray;
  for (const StoreInfo& s : pd.Stores()) {
    JsonObject::Ptr store = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
    store->set("id", s.meta.id());
    store->set("address", s.meta.address());
    store->set("state_name", StoreStateName(s.meta.state()));
    store->set("version", s.meta.version());
    JsonArray::Ptr labels = new JsonArray;
    for (const metapb::StoreLabel& l : s.meta.labels()) {
      JsonObject::Ptr lo = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
      lo->set("key", l.key());
      lo->set("value", l.value());
      labels->add(lo);
    }
    store->set("labels", labels);
    const StoreView& v = views[s.meta.id()];
    JsonObject::Ptr status = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
    status->set("capacity", s.stats.capacity());
    status->set("available", s.stats.available());
    status->set("region_count", v.region_count);
    status->set("leader_count", v.leader_count);
    status->set("reported_region_count", s.stats.region_count());
    status->set("reported_leader_count", s.stats.leader_count());
    status->set("last_heartbeat_ms", s.last_heartbeat_ms);
    status->set("down", v.down);
    JsonObject::Ptr entry = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("store", store);
    entry->set("status", status);
    stores->add(entry);
  }
  JsonObject o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("count", static_cast<uint64_t>(stores->size()));
  o.set("stores", stores);
  return Json(o);
}

HttpResponse HandleRegions(PlacementDriver& pd, const HttpRequest&, std::string_view) {
  JsonArray::Ptr regions = new JsonArray;
  for (const RegionInfo& r : pd.Regions()) regions->add(RegionJson(r));
  JsonObject o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("count", static_cast<uint64_t>(regions->size()));
  o.set("regions", regions);
  return Json(o);
}

// /pd/api/v1/region/key/{key}: the key URL-encoded, or hex with ?format=hex.
HttpResponse HandleRegionByKey(PlacementDriver& pd, const HttpRequest& request,
                               std::string_view rest) {
  std::string key;
  const bool hex = request.target.find("format=hex") != std::string::npos;
  if (!(hex ? FromHex(rest, &key) : UrlDecode(rest, &key))) {
    return JsonError(400, hex ? "the key is not hex" : "the key is not URL-encoded");
  }
  std::optional<RegionInfo> r = pd.RegionByKey(key);
  if (!r) return JsonError(404, "no region holds key " + HexUpper(key) + " (hex)");
  JsonObject::Ptr o = RegionJson(*r);
  return Json(*o);
}

HttpResponse HandleOperators(PlacementDriver& pd, const HttpRequest&, std::string_view) {
  JsonArray::Ptr ops = new JsonArray;
  for (const Operator& op : pd.Operators()) ops->add(OperatorJson(op));
  JsonObject o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("count", static_cast<uint64_t>(ops->size()));
  o.set("operators", ops);
  return Json(o);
}

// Body: {"name": "split|merge|transfer-leader|add-peer|remove-peer",
//        "region_id": N, "key": "raw" | "key_hex": "..",
//        "target_region_id": N, "store_id": N}
HttpResponse HandleAddOperator(PlacementDriver& pd, const HttpRequest& request,
                               std::string_view) {
  ManualOperatorRequest req;
  try {
    Poco::JSON::Parser parser;
    Poco::JSON::Object::Ptr body = parser.parse(request.body).extract<Poco::JSON::Object::Ptr>();
    if (!body) return JsonError(400, "the body is not a JSON object");
    Result<ManualOperatorRequest::Kind> kind = ParseManualKind(body->optValue<std::string>("name", ""));
    if (!kind.ok()) return JsonError(400, kind.status().message());
    req.kind = *kind;
    req.region_id = body->optValue<uint64_t>("region_id", 0);
    req.target_region_id = body->optValue<uint64_t>("target_region_id", 0);
    req.store_id = body->optValue<uint64_t>("store_id", 0);
    req.split_key = body->optValue<std::string>("key", "");
    if (body->has("key_hex") && !FromHex(body->getValue<std::string>("key_hex"), &req.split_key)) {
      return JsonError(400, "key_hex is not hex");
    }
  } catch (const std::exception& e) {
    return JsonError(400, std::string("bad JSON body: ") + e.what());
  }
  Result<Operator> op = pd.AddManualOperator(req);
  if (!op.ok()) {
    const Status& s = op.status();
    const int code = s.IsNotFound() ? 404 : s.IsNotSupported() ? 503 : s.IsInvalidArgument() ? 400
                                                                                              : 500;
    return JsonError(code, s.message());
  }
  return Json(*OperatorJson(*op));
}

HttpResponse HandleDebugVars(PlacementDriver& pd, const HttpRequest&, std::string_view) {
  const PdCounters& c = pd.counters();
  const OperatorCounters oc = pd.operator_counters();
  JsonObject::Ptr v = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
  v->set("IsLeader", pd.is_leader());
  v->set("Persistent", pd.persistent());
  v->set("Stores", static_cast<uint64_t>(pd.Stores().size()));
  v->set("Regions", static_cast<uint64_t>(pd.Regions().size()));
  v->set("TsoRequests", c.tso_requests.load());
  v->set("TsoTimestamps", c.tso_timestamps.load());
  v->set("TsoSavedBoundMs", pd.tso_saved_bound_ms());
  v->set("LastTimestamp", pd.last_timestamp());
  v->set("IdRequests", c.id_requests.load());
  v->set("IdSavedBound", pd.id_saved_bound());
  v->set("StoreHeartbeats", c.store_heartbeats.load());
  v->set("RegionHeartbeats", c.region_heartbeats.load());
  v->set("StaleHeartbeats", c.stale_heartbeats.load());
  v->set("OperatorsPending", static_cast<uint64_t>(pd.Operators().size()));
  v->set("OperatorsAdded", oc.added);
  v->set("OperatorsFinished", oc.finished);
  v->set("OperatorsTimedOut", oc.timed_out);
  v->set("OperatorsStale", oc.stale);
  v->set("OperatorStepsSent", c.operators_sent.load());
  JsonObject o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("NoKV.PD", v);
  return Json(o);
}

HttpResponse HandleMetrics(PlacementDriver& pd, const HttpRequest&, std::string_view) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = RenderPdMetrics(pd);
  return r;
}

struct PdRoute {
  std::string_view method;
  std::string_view path;  // a prefix when it ends with '/'
  bool admin;
  HttpResponse (*handler)(PlacementDriver&, const HttpRequest&, std::string_view rest);
  std::string_view summary;
};

HttpResponse HandleIndex(PlacementDriver&, const HttpRequest&, std::string_view);

constexpr PdRoute kRoutes[] = {
    {"GET", "/", false, HandleIndex, "this list"},
    {"GET", "/healthz", false, HandleHealthz, "liveness and leadership"},
    {"GET", "/debug/vars", false, HandleDebugVars, "expvar-style counters (NoKV.PD)"},
    {"GET", "/metrics", false, HandleMetrics, "Prometheus text format"},
    {"GET", "/pd/api/v1/members", false, HandleMembers, "PD members and the leader"},
    {"GET", "/pd/api/v1/stores", false, HandleStores, "stores with their status"},
    {"GET", "/pd/api/v1/regions", false, HandleRegions, "every region, keys in hex"},
    {"GET", "/pd/api/v1/region/key/", false, HandleRegionByKey,
     "the region holding a key (URL-encoded; ?format=hex for hex)"},
    {"GET", "/pd/api/v1/operators", false, HandleOperators, "pending operators"},
    {"POST", "/pd/api/v1/operators", true, HandleAddOperator,
     "add an operator: split, merge, transfer-leader, add-peer, remove-peer"},
};

HttpResponse HandleIndex(PlacementDriver&, const HttpRequest&, std::string_view) {
  JsonArray::Ptr list = new JsonArray;
  for (const PdRoute& r : kRoutes) {
    JsonObject::Ptr o = new JsonObject(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("method", std::string(r.method));
    o->set("path", std::string(r.path) + (r.path.size() > 1 && r.path.back() == '/' ? "{key}" : ""));
    o->set("admin", r.admin);
    o->set("summary", std::string(r.summary));
    list->add(o);
  }
  JsonObject o;
  o.set("endpoints", list);
  return Json(o);
}

bool Matches(const PdRoute& r, std::string_view path, std::string_view* rest) {
  if (r.path.size() > 1 && r.path.back() == '/') {
    if (path.size() <= r.path.size() || path.substr(0, r.path.size()) != r.path) return false;
    *rest = path.substr(r.path.size());
    return true;
  }
  *rest = {};
  return path == r.path;
}

}  // namespace

server::HttpResponse HandlePdHttp(PlacementDriver& pd, std::string_view bearer_token,
                                  const server::HttpRequest& request) {
  const std::string_view path = server::TargetPath(request.target);
  const bool head = request.method == "HEAD";
  const std::string_view method = head ? std::string_view("GET") : request.method;
  const PdRoute* match = nullptr;
  std::string_view rest;
  std::string allow;
  for (const PdRoute& r : kRoutes) {
    std::string_view r_rest;
    if (!Matches(r, path, &r_rest)) continue;
    allow += (allow.empty() ? "" : ", ") + std::string(r.method);
    if (r.method == method) {
      match = &r;
      rest = r_rest;
    }
  }
  if (allow.empty()) return JsonError(404, "no endpoint " + std::string(path) + "; GET / lists them");
  if (match == nullptr) {
    HttpResponse r = JsonError(405, request.method + " is not allowed on " + std::string(path) +
                                        " (allowed: " + allow + ")");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  if (match->admin && !bearer_token.empty() &&
      !server::BearerTokenMatches(request.authorization, bearer_token)) {
    HttpResponse r = JsonError(401, request.authorization.empty()
                                        ? "admin endpoint: Authorization: Bearer <token> required"
                                        : "admin endpoint: invalid bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"nokv\"");
    return r;
  }
  HttpResponse response = match->handler(pd, request, rest);
  if (head) response.body.clear();
  return response;
}

}  // namespace nokv::pd
