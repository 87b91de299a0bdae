// Route matching and access rules for the HTTP server (see http_router.h).
#include "server/http_router.h"

#include <Poco/JSON/Object.h>

#include <cctype>
#include <sstream>

namespace nokv::server {

std::string_view TargetPath(std::string_view target) {
  const size_t q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

HttpResponse JsonError(int status, std::string_view message) {
  Poco::JSON::Object obj;
  obj.set("error", std::string(message));
  std::ostringstream out;
  obj.stringify(out);
  out << '\n';
  HttpResponse r;
  r.status = status;
  r.body = out.str();
  return r;
}

bool BearerTokenMatches(std::string_view header, std::string_view token) {
  constexpr std::string_view kScheme = "bearer ";
  if (token.empty() || header.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return false;
  }
  std::string_view given = header.substr(kScheme.size());
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  while (!given.empty() && (given.back() == ' ' || given.back() == '\r')) given.remove_suffix(1);
  // Touch every byte of the expected token whatever the input, so the time
  // taken does not reveal how long a matching prefix was.
  unsigned diff = given.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i) {
    const char g = i < given.size() ? given[i] : 0;
    diff |= static_cast<unsigned char>(g ^ token[i]);
  }
  return diff == 0;
}

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host == "ip6-localhost" || host == "::1") return true;
  if (host.rfind("127.", 0) != 0) return false;
  // 127.a.b.c with digits only: a name like "127.example.com" is not loopback.
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots == 3;
}

HttpResponse Dispatch(std::span<const Route> routes, std::string_view bearer_token,
                      EndpointContext& ctx, const HttpRequest& request) {
  const std::string_view path = TargetPath(request.target);
  const bool head = request.method == "HEAD";
  const std::string_view method = head ? std::string_view("GET") : request.method;
  const Route* match = nullptr;
  std::string allow;
  for (const Route& r : routes) {
    if (r.path != path) continue;
    if (r.method == method) match = &r;
    allow += (allow.empty() ? "" : ", ") + std::string(r.method);
    if (r.method == "GET") allow += ", HEAD";
  }
  if (allow.empty()) return JsonError(404, "no endpoint " + std::string(path) + "; GET / lists them");
  if (match == nullptr) {
    HttpResponse r = JsonError(405, request.method + " is not allowed on " + std::string(path) +
                                        " (allowed: " + allow + ")");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  if (match->admin && !bearer_token.empty() &&
      !BearerTokenMatches(request.authorization, bearer_token)) {
    HttpResponse r = JsonError(401, request.authorization.empty()
                                        ? "admin endpoint: Authorization: Bearer <token> required"
                                        : "admin endpoint: invalid bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"nokv\"");
    return r;
  }
  HttpResponse response = match->handler(ctx, request);
  if (head) response.body.clear();
  return response;
}

}  // namespace nokv::server
