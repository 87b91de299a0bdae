// Conversions between NoKV's Status and gRPC's, for what crosses the wire as
// a gRPC status (a refused snapshot, a malformed request), and the channel
// settings every store-to-store connection uses.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string_view>

#include "base/status.h"

namespace nokv::transport {

// Corruption -> DATA_LOSS, InvalidArgument -> INVALID_ARGUMENT, NotFound ->
// NOT_FOUND, Busy -> RESOURCE_EXHAUSTED, Closed/BlockedWrites -> UNAVAILABLE,
// NotSupported -> UNIMPLEMENTED, Aborted -> ABORTED, anything else ->
// INTERNAL. The message is the Status's message (the code travels as the
// gRPC code), so the far side gets the original reason back.
grpc::Status ToGrpcStatus(const Status& status);

// The inverse, with `context` prepended to the message: DATA_LOSS ->
// Corruption, INVALID_ARGUMENT -> InvalidArgument, NOT_FOUND -> NotFound,
// RESOURCE_EXHAUSTED -> Busy, UNIMPLEMENTED -> NotSupported, ABORTED ->
// Aborted, UNAVAILABLE / DEADLINE_EXCEEDED / CANCELLED and others -> IOError.
Status FromGrpcStatus(const grpc::Status& status, std::string_view context);

// Largest message a store accepts (a raft batch, a snapshot chunk).
inline constexpr int kMaxGrpcMessageBytes = 64 << 20;

// Channel arguments for store-to-store and client-to-store channels: short
// reconnect backoff (a restarted store is reached within a second, not
// gRPC's default two minutes), keepalive pings to notice a dead peer, and
// the message size limit. `purpose` keeps channels of different purposes
// (raft, snapshot) on separate connections.
grpc::ChannelArguments StoreChannelArguments(std::string_view purpose);

}  // namespace nokv::transport

namespace grpc {
class ServerBuilder;
}

namespace nokv::transport {

// The server side of StoreChannelArguments: accepts the clients' keepalive
// pings and messages up to kMaxGrpcMessageBytes.
void ConfigureStoreServer(grpc::ServerBuilder* builder);

}  // namespace nokv::transport
