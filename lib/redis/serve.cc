// Serving a workdir over HTTP and the Redis gateway; see serve.h.
#include "redis/serve.h"

#include <pthread.h>
#include <signal.h>

#include "redis/dispatcher.h"
#include "server/host_port.h"

namespace nokv::redis {
namespace {

struct Address {
  std::string host;
  int port = 0;
};

// Parses the non-empty address of `flag`; InvalidArgument names the flag.
Status ParseAddress(const std::string& flag, const std::string& text, Address* addr) {
  if (text.empty()) return Status::OK();
  Status s = server::ParseHostPort(text, &addr->host, &addr->port);
  return s.ok() ? s : Status::InvalidArgument(flag + " " + s.message());
}

Status ParseAddresses(const ServeOptions& options, Address* http_addr, Address* redis_addr) {
  NOKV_RETURN_IF_ERROR(ParseAddress("metrics address", options.metrics_addr, http_addr));
  return ParseAddress("redis address", options.redis_addr, redis_addr);
}

}  // namespace

Status Servers::Start(const ServeOptions& options, std::unique_ptr<Servers>* servers) {
  Address http_addr, redis_addr;
  NOKV_RETURN_IF_ERROR(ParseAddresses(options, &http_addr, &redis_addr));

  std::unique_ptr<Servers> s(new Servers());
  s->workdir_ = options.workdir;
  s->sync_writes_ = options.sync_writes;
  s->token_required_ = !options.admin_token.empty();
  Options db_options;
  db_options.memtable_engine = options.memtable_engine;
  // The gateway syncs per write (appendfsync), not the DB: see ServeOptions.
  db_options.sync_writes = false;
  Status st = DB::Open(db_options, options.workdir, &s->db_);
  if (!st.ok()) return Status::IOError("open " + options.workdir + ": " + st.ToString());

  if (!options.redis_addr.empty()) {
    RedisServerOptions g = options.gateway;
    g.host = redis_addr.host;
    g.port = redis_addr.port;
    g.sync_writes = options.sync_writes;
    g.executor_threads = DefaultExecutorThreads(g.executor_threads, options.sync_writes);
    s->gateway_ = std::make_unique<RedisServer>(s->db_.get(), g);
    st = s->gateway_->Start();
    if (!st.ok()) {
      st = Status::IOError("redis gateway: " + st.ToString());
      (void)s->Shutdown();
      return st;
    }
  }
  if (!options.metrics_addr.empty()) {
    HttpServerOptions h;
    h.host = http_addr.host;
    h.port = http_addr.port;
    h.bearer_token = options.admin_token;
    s->http_ = std::make_unique<HttpServer>(s->db_.get(), h);
    if (RedisServer* g = s->gateway_.get()) {
      s->http_->AddStatsGroup("redis", [g] { return g->StatsMap(); });
    }
    st = s->http_->Start();
    if (!st.ok()) {
      (void)s->Shutdown();
      return st;
    }
  }
  *servers = std::move(s);
  return Status::OK();
}

Servers::~Servers() { (void)Shutdown(); }

std::vector<std::string> Servers::Banner() const {
  std::vector<std::string> lines;
  lines.push_back("NoKV serving workdir " + workdir_ +
                  " (appendfsync=" + (sync_writes_ ? "always" : "no") + ")");
  if (http_) {
    lines.push_back("HTTP metrics/admin listening on http://" + http_->address() +
                    " (admin token " + (token_required_ ? "required" : "not required") + ")");
  }
  if (gateway_) {
    lines.push_back(
        "Redis gateway listening on " +
        server::FormatHostPort(gateway_->dispatcher()->server_info().host, gateway_->port()));
  }
  return lines;
}

bool Servers::HasKeysOutsideKeyspace() const {
  return gateway_ && gateway_->dispatcher()->store()->HasKeysOutsideKeyspace();
}

Status Servers::Shutdown() {
  if (shut_down_) return close_status_;
  shut_down_ = true;
  if (http_) http_->Stop();  // first: its "redis" stats group reads the gateway
  if (gateway_) gateway_->Stop();
  http_.reset();
  gateway_.reset();
  if (db_) close_status_ = db_->Close();
  return close_status_;
}

int Serve(const ServeOptions& options, const ServeOutput& out) {
  // Block the stop signals before any thread exists (the DB's, the servers'),
  // so every thread inherits the mask and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server

  Address unused_http, unused_redis;
  Status s = ParseAddresses(options, &unused_http, &unused_redis);
  if (!s.ok()) {
    out.error(s.message());
    return 2;
  }
  std::unique_ptr<Servers> servers;
  s = Servers::Start(options, &servers);
  if (!s.ok()) {
    out.error(s.message());
    return 1;
  }
  for (const std::string& line : servers->Banner()) out.info(line);
  if (servers->HasKeysOutsideKeyspace()) {
    out.error("note: " + options.workdir +
              " holds keys outside the Redis keyspace (another program's, or written before "
              "keys got the 'R' prefix, see docs/formats.md); Redis clients do not see them");
  }
  out.info("Press Ctrl+C to stop");

  int sig = 0;
  sigwait(&stop_signals, &sig);
  out.info(std::string("Shutting down (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")...");
  s = servers->Shutdown();
  if (!s.ok()) {
    out.error("close " + options.workdir + ": " + s.ToString());
    return 1;
  }
  out.info("bye");
  return 0;
}

}  // namespace nokv::redis
