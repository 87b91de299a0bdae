// RawKvBackend: what the NoKV service's raw KV RPCs call. raftstore::Store
// implements it through StoreKvBackend (lib/node); the service tests use
// scripted fakes. Each method is asynchronous: `done` is called exactly
// once, from any thread, possibly before the method returns; it must not
// block. Region errors travel in the response's region_error, failures
// described in words in its error string.
#pragma once

#include <functional>

#include "proto/kvrpcpb.pb.h"

namespace nokv::transport {

template <typename Response>
using KvCallback = std::function<void(Response response)>;

class RawKvBackend {
 public:
  virtual ~RawKvBackend() = default;
  virtual void RawGet(const kvrpcpb::RawGetRequest& request,
                      KvCallback<kvrpcpb::RawGetResponse> done) = 0;
  virtual void RawBatchGet(const kvrpcpb::RawBatchGetRequest& request,
                           KvCallback<kvrpcpb::RawBatchGetResponse> done) = 0;
  virtual void RawPut(const kvrpcpb::RawPutRequest& request,
                      KvCallback<kvrpcpb::RawPutResponse> done) = 0;
  virtual void RawBatchPut(const kvrpcpb::RawBatchPutRequest& request,
                           KvCallback<kvrpcpb::RawBatchPutResponse> done) = 0;
  virtual void RawDelete(const kvrpcpb::RawDeleteRequest& request,
                         KvCallback<kvrpcpb::RawDeleteResponse> done) = 0;
  virtual void RawDeleteRange(const kvrpcpb::RawDeleteRangeRequest& request,
                              KvCallback<kvrpcpb::RawDeleteRangeResponse> done) = 0;
  virtual void RawScan(const kvrpcpb::RawScanRequest& request,
                       KvCallback<kvrpcpb::RawScanResponse> done) = 0;
};

}  // namespace nokv::transport
