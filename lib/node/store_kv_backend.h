// StoreKvBackend: the NoKV service's raw KV RPCs answered by a
// raftstore::Store (its asynchronous raw API has the same shape).
#pragma once

#include "raftstore/store.h"
#include "transport/raw_kv_backend.h"

namespace nokv::node {

class StoreKvBackend final : public transport::RawKvBackend {
 public:
  explicit StoreKvBackend(raftstore::Store* store) : store_(store) {}

  void RawGet(const kvrpcpb::RawGetRequest& q,
              transport::KvCallback<kvrpcpb::RawGetResponse> done) override {
    store_->RawGet(q, std::move(done));
  }
  void RawBatchGet(const kvrpcpb::RawBatchGetRequest& q,
                   transport::KvCallback<kvrpcpb::RawBatchGetResponse> done) override {
    store_->RawBatchGet(q, std::move(done));
  }
  void RawPut(const kvrpcpb::RawPutRequest& q,
              transport::KvCallback<kvrpcpb::RawPutResponse> done) override {
    store_->RawPut(q, std::move(done));
  }
  void RawBatchPut(const kvrpcpb::RawBatchPutRequest& q,
                   transport::KvCallback<kvrpcpb::RawBatchPutResponse> done) override {
    store_->RawBatchPut(q, std::move(done));
  }
  void RawDelete(const kvrpcpb::RawDeleteRequest& q,
                 transport::KvCallback<kvrpcpb::RawDeleteResponse> done) override {
    store_->RawDelete(q, std::move(done));
  }
  void RawDeleteRange(const kvrpcpb::RawDeleteRangeRequest& q,
                      transport::KvCallback<kvrpcpb::RawDeleteRangeResponse> done) override {
    store_->RawDeleteRange(q, std::move(done));
  }
  void RawScan(const kvrpcpb::RawScanRequest& q,
               transport::KvCallback<kvrpcpb::RawScanResponse> done) override {
    store_->RawScan(q, std::move(done));
  }

 private:
  raftstore::Store* const store_;
};

}  // namespace nokv::node
