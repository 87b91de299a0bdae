// The Prometheus text of PD's /metrics (see pd_http.h). Counters end in
// _total; gauges never end in _count (promtool check metrics).
#include <fmt/core.h>

#include <map>

#include "pd/pd_http.h"

namespace nokv::pd {
namespace {

void Metric(std::string* out, std::string_view name, std::string_view type,
            std::string_view help, uint64_t value) {
  *out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
}

}  // namespace

std::string RenderPdMetrics(PlacementDriver& pd) {
  std::string out;
  const PdCounters& c = pd.counters();
  const OperatorCounters oc = pd.operator_counters();
  Metric(&out, "nokv_pd_is_leader", "gauge", "1 if this PD member is the leader.",
         pd.is_leader() ? 1 : 0);
  Metric(&out, "nokv_pd_tso_requests_total", "counter", "TSO requests served.",
         c.tso_requests.load());
  Metric(&out, "nokv_pd_tso_timestamps_total", "counter", "Timestamps handed out.",
         c.tso_timestamps.load());
  out += fmt::format(
      "# HELP nokv_pd_tso_saved_bound_seconds Persisted TSO upper bound (unix time); "
      "timestamps stay below it.\n# TYPE nokv_pd_tso_saved_bound_seconds gauge\n"
      "nokv_pd_tso_saved_bound_seconds {:.3f}\n",
      pd.tso_saved_bound_ms() / 1000.0);
  Metric(&out, "nokv_pd_id_requests_total", "counter", "AllocID requests served.",
         c.id_requests.load());
  Metric(&out, "nokv_pd_id_saved_bound", "gauge", "Persisted id upper bound.",
         pd.id_saved_bound());
  Metric(&out, "nokv_pd_store_heartbeats_total", "counter", "Store heartbeats accepted.",
         c.store_heartbeats.load());
  Metric(&out, "nokv_pd_region_heartbeats_total", "counter", "Region heartbeats accepted.",
         c.region_heartbeats.load());
  Metric(&out, "nokv_pd_stale_heartbeats_total", "counter",
         "Region heartbeats rejected for a stale epoch.", c.stale_heartbeats.load());
  Metric(&out, "nokv_pd_operator_steps_sent_total", "counter",
         "Operator steps sent in heartbeat responses.", c.operators_sent.load());
  out += "# HELP nokv_pd_operators_total Operators by outcome.\n"
         "# TYPE nokv_pd_operators_total counter\n";
  out += fmt::format("nokv_pd_operators_total{{event=\"added\"}} {}\n", oc.added);
  out += fmt::format("nokv_pd_operators_total{{event=\"finished\"}} {}\n", oc.finished);
  out += fmt::format("nokv_pd_operators_total{{event=\"timed_out\"}} {}\n", oc.timed_out);
  out += fmt::format("nokv_pd_operators_total{{event=\"stale\"}} {}\n", oc.stale);
  out += fmt::format("nokv_pd_operators_total{{event=\"replaced\"}} {}\n", oc.replaced);
  Metric(&out, "nokv_pd_operators_pending", "gauge", "Operators waiting to finish.",
         pd.Operators().size());

  const ClusterSnapshot snap = pd.Snapshot();
  Metric(&out, "nokv_pd_regions", "gauge", "Regions in the catalog.", snap.regions.size());
  std::map<std::string, uint64_t> by_state = {{"up", 0}, {"down", 0}, {"offline", 0}};
  for (const StoreView& s : snap.stores) {
    ++by_state[s.down ? "down" : s.offline ? "offline" : "up"];
  }
  out += "# HELP nokv_pd_stores Stores by state (down: no heartbeat for max-store-down-time).\n"
         "# TYPE nokv_pd_stores gauge\n";
  for (const auto& [state, n] : by_state) {
    out += fmt::format("nokv_pd_stores{{state=\"{}\"}} {}\n", state, n);
  }
  out += "# HELP nokv_pd_store_replicas Region replicas per store.\n"
         "# TYPE nokv_pd_store_replicas gauge\n";
  for (const StoreView& s : snap.stores) {
    out += fmt::format("nokv_pd_store_replicas{{store=\"{}\"}} {}\n", s.id, s.region_count);
  }
  out += "# HELP nokv_pd_store_leaders Region leaders per store.\n"
         "# TYPE nokv_pd_store_leaders gauge\n";
  for (const StoreView& s : snap.stores) {
    out += fmt::format("nokv_pd_store_leaders{{store=\"{}\"}} {}\n", s.id, s.leader_count);
  }
  out += "# HELP nokv_pd_store_available_bytes Free space each store reported.\n"
         "# TYPE nokv_pd_store_available_bytes gauge\n";
  for (const StoreView& s : snap.stores) {
    out += fmt::format("nokv_pd_store_available_bytes{{store=\"{}\"}} {}\n", s.id, s.available);
  }
  return out;
}

}  // namespace nokv::pd
