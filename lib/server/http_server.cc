// HttpServer: Poco::Net glue around the socket-free router. Each request is
// converted to a server::HttpRequest, dispatched over the endpoint table, and
// the server::HttpResponse written back; connections are not kept alive so a
// small worker pool cannot be pinned by idle clients.
#include "server/http_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <atomic>
#include <cassert>
#include <mutex>

#include "server/http_endpoints.h"
#include "server/http_router.h"

namespace nokv {

namespace {

constexpr size_t kMaxBodyBytes = 1 << 20;

// What request handlers share; fixed once Start runs (the registry locks
// itself).
struct ServingState {
  HttpServerOptions options;
  server::StatsGroupRegistry groups;
  server::EndpointContext ctx;
  HttpRequestHandler handler;  // set: serves this instead of the DB endpoints

  server::HttpResponse Handle(Poco::Net::HTTPServerRequest& in);
};

server::HttpResponse ServingState::Handle(Poco::Net::HTTPServerRequest& in) {
  server::HttpRequest request;
  request.method = in.getMethod();
  request.target = in.getURI();
  request.authorization = in.get("Authorization", "");
  // A request without Content-Length or chunked encoding has no body
  // (RFC 9112 6.3); reading Poco's stream would wait for the client to close.
  const bool has_body = in.getChunkedTransferEncoding() ||
                        (in.hasContentLength() && in.getContentLength64() > 0);
  if (has_body && in.hasContentLength() &&
      in.getContentLength64() > static_cast<Poco::Int64>(kMaxBodyBytes)) {
    return server::JsonError(413, "request body larger than 1 MiB");
  }
  std::istream& body = in.stream();
  char buf[4096];
  while (has_body && (body.read(buf, sizeof(buf)) || body.gcount() > 0)) {
    request.body.append(buf, static_cast<size_t>(body.gcount()));
    if (request.body.size() > kMaxBodyBytes) {
      return server::JsonError(413, "request body larger than 1 MiB");
    }
  }
  try {
    if (handler) return handler(request);
    return server::Dispatch(server::Endpoints(), options.bearer_token, ctx, request);
  } catch (const std::exception& e) {  // handlers do not throw; Poco or std may
    return server::JsonError(500, std::string("internal error: ") + e.what());
  }
}

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RequestHandler(ServingState* impl) : impl_(impl) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    const server::HttpResponse out = impl_->Handle(request);
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(out.status));
    response.setContentType(out.content_type);
    response.set("Cache-Control", "no-store");
    for (const auto& [name, value] : out.headers) response.set(name, value);
    response.sendBuffer(out.body.data(), out.body.size());
  }

 private:
  ServingState* impl_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(ServingState* impl) : impl_(impl) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(impl_);
  }

 private:
  ServingState* impl_;
};

std::string StripBrackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

}  // namespace

struct HttpServer::Impl {
  ServingState state;
  std::mutex mu;                                // serializes Start and Stop
  std::unique_ptr<Poco::ThreadPool> pool;       // guarded by mu; outlives http
  std::unique_ptr<Poco::Net::HTTPServer> http;  // guarded by mu
  std::atomic<int> port{0};
  std::string host;  // as bound, brackets stripped; guarded by mu
};

HttpServer::HttpServer(DB* db, HttpServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->state.options = std::move(options);
  impl_->state.ctx.db = db;
  impl_->state.ctx.groups = &impl_->state.groups;
  impl_->state.ctx.process_info = server::ReadProcessInfo;
}

HttpServer::HttpServer(HttpRequestHandler handler, HttpServerOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->state.options = std::move(options);
  impl_->state.handler = std::move(handler);
  impl_->state.ctx.groups = &impl_->state.groups;
  impl_->state.ctx.process_info = server::ReadProcessInfo;
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  std::lock_guard<std::mutex> l(impl_->mu);
  const HttpServerOptions& o = impl_->state.options;
  if (impl_->http) return Status::InvalidArgument("http server: already started");
  if (impl_->state.ctx.db == nullptr && !impl_->state.handler) {
    return Status::InvalidArgument("http server: no DB");
  }
  if (o.port < 0 || o.port > 65535) {
    return Status::InvalidArgument("http server: port " + std::to_string(o.port) +
                                   " is out of range 0-65535");
  }
  const std::string host = o.host.empty() ? "0.0.0.0" : StripBrackets(o.host);
  const std::string where = (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                            ":" + std::to_string(o.port);
  if (!server::IsLoopbackHost(host) && o.bearer_token.empty()) {
    return Status::InvalidArgument(
        "http server: refusing to listen on " + where +
        ": the host is not a loopback address, so the admin endpoints (flush, compact, "
        "PD operators) would be open to the network; set a bearer token (--admin-token) or bind 127.0.0.1");
  }
  const int threads = o.threads < 1 ? 1 : o.threads;
  try {
    Poco::Net::SocketAddress address(host, static_cast<Poco::UInt16>(o.port));
    Poco::Net::ServerSocket socket;
    socket.bind(address, /*reuseAddress=*/true, /*reusePort=*/false);
    socket.listen(64);
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(threads);
    params->setMaxQueued(64);
    params->setKeepAlive(false);
    params->setTimeout(Poco::Timespan(10, 0));  // per-socket read/write timeout
    params->setServerName("nokv");
    auto pool = std::make_unique<Poco::ThreadPool>(1, threads);
    auto http = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(&impl_->state), *pool,
                                                        socket, params);
    http->start();
    impl_->port = socket.address().port();
    impl_->host = host;
    impl_->pool = std::move(pool);
    impl_->http = std::move(http);
  } catch (const Poco::Exception& e) {
    return Status::IOError("http server: cannot listen on " + where + ": " + e.displayText());
  } catch (const std::exception& e) {
    return Status::IOError("http server: cannot listen on " + where + ": " + e.what());
  }
  return Status::OK();
}

void HttpServer::Stop() {
  std::lock_guard<std::mutex> l(impl_->mu);
  if (!impl_->http) return;
  impl_->http->stopAll(/*abortCurrent=*/true);
  impl_->http.reset();
  impl_->pool->joinAll();
  impl_->pool.reset();
  impl_->port = 0;
}

int HttpServer::port() const { return impl_->port.load(); }

std::string HttpServer::address() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  const std::string& h = impl_->host;
  return (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" +
         std::to_string(impl_->port.load());
}

void HttpServer::AddStatsGroup(std::string name,
                               std::function<std::map<std::string, int64_t>()> provider) {
  const bool added = impl_->state.groups.Add(std::move(name), std::move(provider));
  assert(added && "stats group names are [a-z0-9_]+ and not a built-in section");
  (void)added;
}

}  // namespace nokv
