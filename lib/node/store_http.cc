// The store node's HTTP endpoints (see store_http.h). Metric names follow
// Prometheus conventions (promtool check metrics): counters end in _total,
// one HELP/TYPE header per family, labels for direction and kind.
#include "node/store_http.h"

#include <fmt/core.h>

#include <string_view>
#include <utility>

namespace nokv::node {
namespace {

using server::HttpRequest;
using server::HttpResponse;

// One metric family: the header once, then its samples.
class Family {
 public:
  Family(std::string* out, std::string_view name, std::string_view type, std::string_view help)
      : out_(out), name_(name) {
    *out_ += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n", name, help, type);
  }
  Family& Add(uint64_t value) {
    *out_ += fmt::format("{} {}\n", name_, value);
    return *this;
  }
  Family& AddDouble(double value) {
    *out_ += fmt::format("{} {:.6f}\n", name_, value);
    return *this;
  }
  // labels: already formatted `key="value",...`
  Family& Add(std::string_view labels, uint64_t value) {
    *out_ += fmt::format("{}{{{}}} {}\n", name_, labels, value);
    return *this;
  }

 private:
  std::string* out_;
  std::string name_;
};

std::string Label(std::string_view key, std::string_view value) {
  return fmt::format("{}=\"{}\"", key, value);
}

const char* PeerStateName(raft_serverpb::PeerState s) {
  switch (s) {
    case raft_serverpb::NORMAL: return "normal";
    case raft_serverpb::APPLYING: return "applying";
    case raft_serverpb::TOMBSTONE: return "tombstone";
    case raft_serverpb::MERGING: return "merging";
    default: return "unknown";
  }
}

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

// A flat {"name": number, ...} object from (name, value) pairs.
std::string JsonCounters(const std::vector<std::pair<const char*, uint64_t>>& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    out += fmt::format("{}\"{}\": {}", i == 0 ? "" : ", ", fields[i].first, fields[i].second);
  }
  return out + "}";
}

std::vector<std::pair<const char*, uint64_t>> StoreFields(const raftstore::StoreStats& s) {
  return {{"regions", s.regions},
          {"regions_normal", s.regions_normal},
          {"regions_merging", s.regions_merging},
          {"regions_uninitialized", s.regions_uninitialized},
          {"regions_stopped", s.regions_stopped},
          {"leaders", s.leaders},
          {"raft_log_lag", s.raft_log_lag},
          {"pending_proposals", s.pending_proposals},
          {"rounds", s.rounds},
          {"raft_log_writes", s.raft_log_writes},
          {"ready_peers", s.ready_peers},
          {"proposals", s.proposals},
          {"proposals_dropped", s.proposals_dropped},
          {"proposals_stale", s.proposals_stale},
          {"proposals_timed_out", s.proposals_timed_out},
          {"admin_proposals", s.admin_proposals},
          {"applied_entries", s.applied_entries},
          {"apply_batches", s.apply_batches},
          {"apply_micros_total", s.apply_micros_total},
          {"apply_micros_max", s.apply_micros_max},
          {"apply_failures", s.apply_failures},
          {"reads", s.reads},
          {"read_index_requests", s.read_index_requests},
          {"messages_received", s.messages_received},
          {"messages_sent", s.messages_sent},
          {"messages_dropped", s.messages_dropped},
          {"snapshots_generated", s.snapshots_generated},
          {"snapshots_sent", s.snapshots_sent},
          {"snapshots_send_failed", s.snapshots_send_failed},
          {"snapshots_received", s.snapshots_received},
          {"snapshots_rejected", s.snapshots_rejected},
          {"snapshots_applied", s.snapshots_applied},
          {"snapshot_bytes_sent", s.snapshot_bytes_sent},
          {"snapshot_bytes_received", s.snapshot_bytes_received},
          {"splits", s.splits},
          {"merges", s.merges},
          {"conf_changes", s.conf_changes},
          {"leader_transfers", s.leader_transfers},
          {"log_compactions", s.log_compactions},
          {"peers_created", s.peers_created},
          {"peers_destroyed", s.peers_destroyed},
          {"region_heartbeats", s.region_heartbeats},
          {"store_heartbeats", s.store_heartbeats},
          {"pd_errors", s.pd_errors},
          {"pd_operators", s.pd_operators},
          {"epoch_not_match", s.epoch_not_match},
          {"not_leader", s.not_leader},
          {"key_not_in_region", s.key_not_in_region},
          {"server_is_busy", s.server_is_busy}};
}

std::vector<std::pair<const char*, uint64_t>> TransportFields(const transport::TransportStats& t) {
  return {{"messages_sent", t.messages_sent},
          {"batches_sent", t.batches_sent},
          {"bytes_sent", t.bytes_sent},
          {"send_busy", t.send_busy},
          {"send_unavailable", t.send_unavailable},
          {"messages_dropped", t.messages_dropped},
          {"connects", t.connects},
          {"connect_failures", t.connect_failures},
          {"stream_failures", t.stream_failures},
          {"unreachable_reports", t.unreachable_reports},
          {"queued_messages", t.queued_messages},
          {"messages_received", t.messages_received},
          {"batches_received", t.batches_received},
          {"bytes_received", t.bytes_received},
          {"messages_received_dropped", t.messages_received_dropped},
          {"snapshots_sent", t.snapshots_sent},
          {"snapshots_send_failed", t.snapshots_send_failed},
          {"snapshots_send_busy", t.snapshots_send_busy},
          {"snapshot_bytes_sent", t.snapshot_bytes_sent},
          {"snapshots_sending", t.snapshots_sending},
          {"snapshots_received", t.snapshots_received},
          {"snapshots_receive_failed", t.snapshots_receive_failed},
          {"snapshot_bytes_received", t.snapshot_bytes_received},
          {"snapshots_receiving", t.snapshots_receiving}};
}

// Why the store is not healthy ("" when it is).
std::string Unhealthy(const StoreSnapshot& s) {
  if (!s.running) return "store is not running";
  for (const raftstore::RegionStatus& r : s.regions) {
    if (r.stopped) return fmt::format("region {} is stopped (apply or persist failure)", r.region.id());
  }
  return "";
}

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body) + "\n";
  return r;
}

}  // namespace

std::string RenderStoreMetrics(const StoreSnapshot& snap) {
  const raftstore::StoreStats& s = snap.stats;
  const transport::TransportStats& t = snap.transport;
  std::string out;
  Family(&out, "nokv_store_up", "gauge", "1 while the store is running.").Add(snap.running ? 1 : 0);
  Family(&out, "nokv_store_regions", "gauge", "Regions on this store by state.")
      .Add(Label("state", "normal"), s.regions_normal)
      .Add(Label("state", "merging"), s.regions_merging)
      .Add(Label("state", "uninitialized"), s.regions_uninitialized)
      .Add(Label("state", "stopped"), s.regions_stopped);
  Family(&out, "nokv_store_leaders", "gauge", "Regions this store leads.").Add(s.leaders);
  Family(&out, "nokv_store_raft_log_lag_entries", "gauge",
         "Sum over local peers of last log index minus applied index.")
      .Add(s.raft_log_lag);
  Family(&out, "nokv_store_pending_proposals", "gauge", "Proposals waiting to be applied.")
      .Add(s.pending_proposals);
  Family(&out, "nokv_store_raft_rounds_total", "counter", "Raft thread rounds.").Add(s.rounds);
  Family(&out, "nokv_store_raft_log_writes_total", "counter",
         "Synced raft log batches (one per round with something to persist).")
      .Add(s.raft_log_writes);
  Family(&out, "nokv_store_proposals_total", "counter", "Commands proposed to raft.")
      .Add(Label("kind", "write"), s.proposals)
      .Add(Label("kind", "admin"), s.admin_proposals);
  Family(&out, "nokv_store_proposal_failures_total", "counter",
         "Proposals that did not apply, by reason.")
      .Add(Label("reason", "dropped"), s.proposals_dropped)
      .Add(Label("reason", "stale"), s.proposals_stale)
      .Add(Label("reason", "timed_out"), s.proposals_timed_out);
  Family(&out, "nokv_store_applied_entries_total", "counter", "Log entries applied.")
      .Add(s.applied_entries);
  Family(&out, "nokv_store_apply_batches_total", "counter",
         "Apply write batches (one per round with committed entries).")
      .Add(s.apply_batches);
  Family(&out, "nokv_store_apply_seconds_total", "counter",
         "Time spent applying batches; divide by nokv_store_apply_batches_total for the mean.")
      .AddDouble(s.apply_micros_total / 1e6);
  Family(&out, "nokv_store_apply_max_seconds", "gauge", "Longest apply batch so far.")
      .AddDouble(s.apply_micros_max / 1e6);
  Family(&out, "nokv_store_apply_failures_total", "counter",
         "Apply failures (each stops its peer).")
      .Add(s.apply_failures);
  Family(&out, "nokv_store_reads_total", "counter", "Reads served.").Add(s.reads);
  Family(&out, "nokv_store_read_index_requests_total", "counter", "ReadIndex rounds started.")
      .Add(s.read_index_requests);
  Family(&out, "nokv_store_snapshots_total", "counter", "Region snapshots by event.")
      .Add(Label("event", "generated"), s.snapshots_generated)
      .Add(Label("event", "sent"), s.snapshots_sent)
      .Add(Label("event", "send_failed"), s.snapshots_send_failed)
      .Add(Label("event", "received"), s.snapshots_received)
      .Add(Label("event", "rejected"), s.snapshots_rejected)
      .Add(Label("event", "applied"), s.snapshots_applied);
  Family(&out, "nokv_store_snapshot_bytes_total", "counter", "Region snapshot bytes.")
      .Add(Label("direction", "sent"), s.snapshot_bytes_sent)
      .Add(Label("direction", "received"), s.snapshot_bytes_received);
  Family(&out, "nokv_store_region_operations_total", "counter", "Region operations applied.")
      .Add(Label("op", "split"), s.splits)
      .Add(Label("op", "merge"), s.merges)
      .Add(Label("op", "conf_change"), s.conf_changes)
      .Add(Label("op", "leader_transfer"), s.leader_transfers)
      .Add(Label("op", "log_compaction"), s.log_compactions);
  Family(&out, "nokv_store_peers_total", "counter", "Peers created and destroyed.")
      .Add(Label("event", "created"), s.peers_created)
      .Add(Label("event", "destroyed"), s.peers_destroyed);
  Family(&out, "nokv_store_region_errors_total", "counter",
         "Region errors answered to clients, by kind.")
      .Add(Label("kind", "not_leader"), s.not_leader)
      .Add(Label("kind", "epoch_not_match"), s.epoch_not_match)
      .Add(Label("kind", "key_not_in_region"), s.key_not_in_region)
      .Add(Label("kind", "server_is_busy"), s.server_is_busy);
  Family(&out, "nokv_store_pd_heartbeats_total", "counter", "Heartbeats sent to PD.")
      .Add(Label("kind", "region"), s.region_heartbeats)
      .Add(Label("kind", "store"), s.store_heartbeats);
  Family(&out, "nokv_store_pd_errors_total", "counter", "Failed PD calls.").Add(s.pd_errors);
  Family(&out, "nokv_store_pd_operators_total", "counter", "PD operator steps executed.")
      .Add(s.pd_operators);
  // Per region (few per store).
  auto per_region = [&](const char* name, const char* help, auto value) {
    Family f(&out, name, "gauge", help);
    for (const auto& r : snap.regions) {
      f.Add(Label("region", std::to_string(r.region.id())), value(r));
    }
  };
  per_region("nokv_store_region_applied_index", "Applied log index of each local region.",
             [](const auto& r) { return r.applied_index; });
  per_region("nokv_store_region_log_lag_entries",
             "Last log index minus applied index of each local region.", [](const auto& r) {
               return r.last_index > r.applied_index ? r.last_index - r.applied_index : 0;
             });
  per_region("nokv_store_region_is_leader", "1 if this store leads the region.",
             [](const auto& r) { return uint64_t{r.is_leader ? 1u : 0u}; });

  // Transport, per direction.
  Family(&out, "nokv_transport_messages_total", "counter", "Raft messages between stores.")
      .Add(Label("direction", "sent"), t.messages_sent)
      .Add(Label("direction", "received"), t.messages_received);
  Family(&out, "nokv_transport_batches_total", "counter", "RaftMessageBatch stream writes.")
      .Add(Label("direction", "sent"), t.batches_sent)
      .Add(Label("direction", "received"), t.batches_received);
  Family(&out, "nokv_transport_bytes_total", "counter", "Raft message bytes between stores.")
      .Add(Label("direction", "sent"), t.bytes_sent)
      .Add(Label("direction", "received"), t.bytes_received);
  Family(&out, "nokv_transport_errors_total", "counter",
         "Raft messages refused or lost, and connection failures, by direction and kind.")
      .Add(Label("direction", "sent") + "," + Label("kind", "queue_full"), t.send_busy)
      .Add(Label("direction", "sent") + "," + Label("kind", "unavailable"), t.send_unavailable)
      .Add(Label("direction", "sent") + "," + Label("kind", "dropped"), t.messages_dropped)
      .Add(Label("direction", "sent") + "," + Label("kind", "connect_failure"), t.connect_failures)
      .Add(Label("direction", "sent") + "," + Label("kind", "stream_failure"), t.stream_failures)
      .Add(Label("direction", "received") + "," + Label("kind", "no_store"),
           t.messages_received_dropped);
  Family(&out, "nokv_transport_connects_total", "counter", "Raft streams opened.").Add(t.connects);
  Family(&out, "nokv_transport_unreachable_reports_total", "counter",
         "Destination stores reported unreachable to the store.")
      .Add(t.unreachable_reports);
  Family(&out, "nokv_transport_queued_messages", "gauge",
         "Raft messages waiting in the per-store send queues.")
      .Add(t.queued_messages);
  Family(&out, "nokv_transport_snapshots_total", "counter", "Snapshot streams by outcome.")
      .Add(Label("direction", "sent") + "," + Label("result", "ok"), t.snapshots_sent)
      .Add(Label("direction", "sent") + "," + Label("result", "failed"), t.snapshots_send_failed)
      .Add(Label("direction", "sent") + "," + Label("result", "busy"), t.snapshots_send_busy)
      .Add(Label("direction", "received") + "," + Label("result", "ok"), t.snapshots_received)
      .Add(Label("direction", "received") + "," + Label("result", "failed"),
           t.snapshots_receive_failed);
  Family(&out, "nokv_transport_snapshot_bytes_total", "counter", "Snapshot bytes streamed.")
      .Add(Label("direction", "sent"), t.snapshot_bytes_sent)
      .Add(Label("direction", "received"), t.snapshot_bytes_received);
  Family(&out, "nokv_transport_snapshots_in_flight", "gauge", "Snapshot streams open now.")
      .Add(Label("direction", "sent"), t.snapshots_sending)
      .Add(Label("direction", "received"), t.snapshots_receiving);
  return out;
}

std::string RenderStoreDebugVars(const StoreSnapshot& snap) {
  std::string regions = "[";
  for (size_t i = 0; i < snap.regions.size(); ++i) {
    const raftstore::RegionStatus& r = snap.regions[i];
    std::string peers = "[";
    for (int j = 0; j < r.region.peers_size(); ++j) {
      const metapb::Peer& p = r.region.peers(j);
      peers += fmt::format("{}{{\"id\": {}, \"store_id\": {}, \"role\": \"{}\"}}", j ? ", " : "",
                           p.id(), p.store_id(), p.role() == metapb::LEARNER ? "learner" : "voter");
    }
    peers += "]";
    regions += fmt::format(
        "{}\n    {{\"id\": {}, \"start_key_hex\": {}, \"end_key_hex\": {}, \"conf_ver\": {}, "
        "\"version\": {}, \"peers\": {}, \"state\": \"{}\", \"peer_id\": {}, "
        "\"leader_peer_id\": {}, \"is_leader\": {}, \"term\": {}, \"commit_index\": {}, "
        "\"applied_index\": {}, \"first_index\": {}, \"last_index\": {}, "
        "\"approximate_keys\": {}, \"approximate_size\": {}, \"initialized\": {}, "
        "\"stopped\": {}}}",
        i ? "," : "", r.region.id(), JsonString(Hex(r.region.start_key())),
        JsonString(Hex(r.region.end_key())), r.region.region_epoch().conf_ver(),
        r.region.region_epoch().version(), peers, PeerStateName(r.state), r.peer_id,
        r.leader_peer_id, r.is_leader, r.term, r.commit_index, r.applied_index, r.first_index,
        r.last_index, r.approximate_keys, r.approximate_size, r.initialized, r.stopped);
  }
  regions += snap.regions.empty() ? "]" : "\n  ]";
  return fmt::format(
      "{{\n  \"NoKV.Store\": {{\"store_id\": {}, \"address\": {}, \"running\": {}}},\n"
      "  \"NoKV.Store.Stats\": {},\n  \"NoKV.Transport\": {},\n  \"NoKV.Regions\": {}\n}}",
      snap.store_id, JsonString(snap.address), snap.running, JsonCounters(StoreFields(snap.stats)),
      JsonCounters(TransportFields(snap.transport)), regions);
}

server::HttpResponse HandleStoreHttp(const std::function<StoreSnapshot()>& snapshot,
                                     const HttpRequest& request) {
  const std::string_view path = server::TargetPath(request.target);
  struct Route {
    std::string_view path;
    std::string_view summary;
  };
  static constexpr Route kRoutes[] = {
      {"/healthz", "200 when the store runs and no region is stopped, else 503"},
      {"/metrics", "Prometheus text format"},
      {"/debug/vars", "JSON: store and transport counters, every local region"},
  };
  bool known = path == "/";
  for (const Route& r : kRoutes) known |= path == r.path;
  if (!known) return server::JsonError(404, "no such endpoint: " + std::string(path));
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = server::JsonError(405, request.method + " is not allowed on " +
                                                std::string(path));
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  HttpResponse response;
  if (path == "/") {
    std::string body = "{\"endpoints\": [";
    for (size_t i = 0; i < std::size(kRoutes); ++i) {
      body += fmt::format("{}{{\"path\": \"{}\", \"summary\": {}}}", i ? ", " : "",
                          kRoutes[i].path, JsonString(kRoutes[i].summary));
    }
    response = Json(200, body + "]}");
  } else {
    const StoreSnapshot snap = snapshot();
    if (path == "/healthz") {
      const std::string why = Unhealthy(snap);
      response = why.empty()
                     ? Json(200, fmt::format("{{\"status\": \"ok\", \"store_id\": {}}}",
                                             snap.store_id))
                     : Json(503, fmt::format("{{\"status\": \"unhealthy\", \"store_id\": {}, "
                                             "\"reason\": {}}}",
                                             snap.store_id, JsonString(why)));
    } else if (path == "/metrics") {
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body = RenderStoreMetrics(snap);
    } else {
      response = Json(200, RenderStoreDebugVars(snap));
    }
  }
  if (request.method == "HEAD") response.body.clear();
  return response;
}

}  // namespace nokv::node
