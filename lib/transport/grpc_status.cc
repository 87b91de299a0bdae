// Status <-> grpc::Status and the store channel settings (see grpc_status.h).
#include "transport/grpc_status.h"

#include <string>

namespace nokv::transport {

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (status.code()) {
    case Status::Code::kCorruption: code = grpc::StatusCode::DATA_LOSS; break;
    case Status::Code::kInvalidArgument: code = grpc::StatusCode::INVALID_ARGUMENT; break;
    case Status::Code::kNotFound: code = grpc::StatusCode::NOT_FOUND; break;
    case Status::Code::kBusy: code = grpc::StatusCode::RESOURCE_EXHAUSTED; break;
    case Status::Code::kClosed:
    case Status::Code::kBlockedWrites: code = grpc::StatusCode::UNAVAILABLE; break;
    case Status::Code::kNotSupported: code = grpc::StatusCode::UNIMPLEMENTED; break;
    case Status::Code::kAborted: code = grpc::StatusCode::ABORTED; break;
    default: break;
  }
  return grpc::Status(code, status.message());
}

Status FromGrpcStatus(const grpc::Status& status, std::string_view context) {
  if (status.ok()) return Status::OK();
  const std::string msg = std::string(context) + ": " + status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::DATA_LOSS: return Status::Corruption(msg);
    case grpc::StatusCode::INVALID_ARGUMENT: return Status::InvalidArgument(msg);
    case grpc::StatusCode::NOT_FOUND: return Status::NotFound(msg);
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return Status::Busy(msg);
    case grpc::StatusCode::UNIMPLEMENTED: return Status::NotSupported(msg);
    case grpc::StatusCode::ABORTED: return Status::Aborted(msg);
    default:
      return Status::IOError(msg + " (gRPC code " + std::to_string(status.error_code()) + ")");
  }
}

grpc::ChannelArguments StoreChannelArguments(std::string_view purpose) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxGrpcMessageBytes);
  args.SetMaxSendMessageSize(kMaxGrpcMessageBytes);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 3000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Distinct arguments give distinct subchannels, hence distinct connections.
  args.SetString("nokv.channel_purpose", std::string(purpose));
  return args;
}

}  // namespace nokv::transport

namespace nokv::transport {

void ConfigureStoreServer(grpc::ServerBuilder* builder) {
  builder->SetMaxReceiveMessageSize(kMaxGrpcMessageBytes);
  builder->SetMaxSendMessageSize(kMaxGrpcMessageBytes);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
}

}  // namespace nokv::transport
