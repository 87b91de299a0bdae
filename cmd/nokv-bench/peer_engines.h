// The engines `nokv bench` / `nokv-bench` can run: NoKV always, RocksDB and
// LevelDB when they were found at build time (NOKV_HAVE_ROCKSDB /
// NOKV_HAVE_LEVELDB, set on this library only).
#pragma once

#include <memory>
#include <string>

#include "bench/engine.h"

namespace nokv::bench {

EngineRegistry DefaultEngineRegistry();

// Defined in rocksdb_engine.cc / leveldb_engine.cc when compiled in.
Status OpenRocksDbEngine(const EngineConfig& config, const std::string& dir,
                         std::unique_ptr<Engine>* engine);
Status OpenLevelDbEngine(const EngineConfig& config, const std::string& dir,
                         std::unique_ptr<Engine>* engine);

}  // namespace nokv::bench
