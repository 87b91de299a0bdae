// Socket-free HTTP routing for the metrics/admin server: plain request and
// response values, the route table entry, and Dispatch, which applies the
// 404 / 405 / 401 rules before calling a handler. The Poco glue in
// http_server.cc only converts to and from these types, so every endpoint can
// be tested by calling Dispatch directly.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nokv::server {

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // path, optionally followed by "?query"
  std::string authorization;  // the Authorization header, "" if absent
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

struct EndpointContext;  // what handlers act on; see http_endpoints.h

using Handler = HttpResponse (*)(EndpointContext& ctx, const HttpRequest& request);

// One endpoint. Admin endpoints need "Authorization: Bearer <token>" when the
// server has a token.
struct Route {
  std::string_view method;
  std::string_view path;
  bool admin;
  Handler handler;
  std::string_view summary;  // one line, listed by GET /
};

// The path of a request target: everything before '?'.
std::string_view TargetPath(std::string_view target);

// {"error": message} with the given status; the body of every failure.
HttpResponse JsonError(int status, std::string_view message);

// True if `header` is "Bearer <token>" (scheme case-insensitive) for exactly
// this token; compares in time independent of where the tokens differ.
bool BearerTokenMatches(std::string_view header, std::string_view token);

// True for names of the loopback interface: localhost, 127.0.0.0/8, ::1.
bool IsLoopbackHost(std::string_view host);

// Finds the route for the request's path and calls its handler. Unknown path:
// 404. Known path, other method: 405 with an Allow header. Admin route while
// `bearer_token` is non-empty and the request does not carry it: 401 with a
// WWW-Authenticate header. A HEAD request is answered like GET without a body.
HttpResponse Dispatch(std::span<const Route> routes, std::string_view bearer_token,
                      EndpointContext& ctx, const HttpRequest& request);

}  // namespace nokv::server
