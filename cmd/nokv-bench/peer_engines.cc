// The engine registry with whichever peers were compiled in.
#include "peer_engines.h"

namespace nokv::bench {

EngineRegistry DefaultEngineRegistry() {
  EngineRegistry r;
  r.names.push_back("nokv");
  r.names.push_back("nokv-art");
#ifdef NOKV_HAVE_ROCKSDB
  r.names.push_back("rocksdb");
#endif
#ifdef NOKV_HAVE_LEVELDB
  r.names.push_back("leveldb");
#endif
  r.open = [](const std::string& name, const EngineConfig& config, const std::string& dir,
              std::unique_ptr<Engine>* engine) -> Status {
    if (name == "nokv" || name == "nokv-art") return OpenNoKvEngine(name, config, dir, engine);
#ifdef NOKV_HAVE_ROCKSDB
    if (name == "rocksdb") return OpenRocksDbEngine(config, dir, engine);
#endif
#ifdef NOKV_HAVE_LEVELDB
    if (name == "leveldb") return OpenLevelDbEngine(config, dir, engine);
#endif
    return Status::NotSupported("engine not compiled in: " + name);
  };
  return r;
}

}  // namespace nokv::bench
