// PD's HTTP endpoints, served on --metrics-addr by lib/server's HttpServer:
// /healthz, /debug/vars, /metrics (Prometheus text), the read-only JSON API
// in the shape of PD's (/pd/api/v1/stores, /regions, /region/key/{key},
// /members, /operators) and POST /pd/api/v1/operators (admin: bearer token
// when one is set; the server refuses non-loopback addresses without one).
// Socket-free: HandlePdHttp turns one request into one response.
#pragma once

#include <string>
#include <string_view>

#include "pd/placement_driver.h"
#include "server/http_router.h"

namespace nokv::pd {

server::HttpResponse HandlePdHttp(PlacementDriver& pd, std::string_view bearer_token,
                                  const server::HttpRequest& request);

// The Prometheus text of /metrics.
std::string RenderPdMetrics(PlacementDriver& pd);

}  // namespace nokv::pd
