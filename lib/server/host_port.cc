// HOST:PORT parsing and formatting; see host_port.h.
#include "server/host_port.h"

namespace nokv::server {

Status ParseHostPort(std::string_view text, std::string* host, int* port) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    return Status::InvalidArgument(quoted + " is not HOST:PORT");
  }
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return Status::InvalidArgument(quoted + ": write IPv6 hosts in brackets, e.g. [::1]:8080");
  }
  const std::string_view p = text.substr(colon + 1);
  int value = 0;
  bool digits = !p.empty() && p.size() <= 5;
  for (char c : p) {
    digits = digits && c >= '0' && c <= '9';
    value = value * 10 + (c - '0');
  }
  if (h.empty() || !digits || value > 65535) {
    return Status::InvalidArgument(quoted + " is not HOST:PORT with a port in 0-65535");
  }
  *host = std::string(h);
  *port = value;
  return Status::OK();
}

std::string FormatHostPort(std::string_view host, int port) {
  const std::string h(host);
  return (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(port);
}

}  // namespace nokv::server
