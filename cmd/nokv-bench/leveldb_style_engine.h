// The body shared by the adapters of the engines with LevelDB's API shape
// (LevelDB and RocksDB: a DB with Get/Put/NewIterator over Slices, Status with
// IsNotFound, ReadOptions/WriteOptions): reads, writes, scans, the status
// mapping and the factory. Each adapter (leveldb_engine.cc, rocksdb_engine.cc)
// only configures Options, reads its own stats property and closes.
//
// `Api` names the engine's types: Api::DB, Api::Slice, Api::Status,
// Api::Iterator, Api::ReadOptions, Api::WriteOptions, and Api::kName (for
// error messages).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "peer_engines.h"

namespace nokv::bench {

template <typename Api>
class LevelDbStyleEngine : public Engine {
 public:
  Status Read(std::string_view key, std::string* value) override {
    return ToStatus(db_->Get(read_options_, Slice(key), value));
  }
  Status Write(std::string_view key, std::string_view value) override {
    return ToStatus(db_->Put(write_options_, Slice(key), Slice(value)));
  }
  Status Scan(std::string_view start, uint64_t count, const ScanVisitor& visit) override {
    std::unique_ptr<typename Api::Iterator> it(db_->NewIterator(read_options_));
    uint64_t n = 0;
    for (it->Seek(Slice(start)); n < count && it->Valid(); it->Next()) {
      ++n;
      const auto k = it->key();
      const auto v = it->value();
      visit(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()));
    }
    return ToStatus(it->status());
  }
  std::string Settings() const override { return settings_; }

 protected:
  static typename Api::Slice Slice(std::string_view s) {
    return typename Api::Slice(s.data(), s.size());
  }
  static Status ToStatus(const typename Api::Status& s) {
    if (s.ok()) return Status::OK();
    if (s.IsNotFound()) return Status::NotFound();
    return Status::IOError(std::string(Api::kName) + ": " + s.ToString());
  }
  // Opens db_ in `dir` with `options` (create_if_missing is set here).
  template <typename Options>
  Status OpenDb(Options options, const std::string& dir) {
    options.create_if_missing = true;
    typename Api::DB* db = nullptr;
    Status s = ToStatus(Api::DB::Open(options, dir, &db));
    db_.reset(db);
    return s;
  }

  std::unique_ptr<typename Api::DB> db_;
  typename Api::ReadOptions read_options_;
  typename Api::WriteOptions write_options_;
  std::string settings_;  // set by the adapter's Open
};

// The factory of an adapter `E` with `Status Open(const EngineConfig&, const
// std::string& dir)`.
template <typename E>
Status OpenPeerEngine(const EngineConfig& config, const std::string& dir,
                      std::unique_ptr<Engine>* engine) {
  auto e = std::make_unique<E>();
  Status s = e->Open(config, dir);
  if (s.ok()) *engine = std::move(e);
  return s;
}

}  // namespace nokv::bench
