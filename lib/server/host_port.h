// HOST:PORT addresses as the server flags take them (nokv serve --metrics-addr
// and --redis-addr, nokv-redis --addr and --metrics-addr): one parser, one
// format, one set of error messages.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace nokv::server {

// "host:port" or "[v6-host]:port" -> host (brackets stripped) and port
// (0-65535; 0 asks for any free port). InvalidArgument, quoting `text`, for a
// missing port or host, an IPv6 host without brackets, or a bad port.
Status ParseHostPort(std::string_view text, std::string* host, int* port);

// host:port for messages, with brackets around an IPv6 host.
std::string FormatHostPort(std::string_view host, int port);

}  // namespace nokv::server
