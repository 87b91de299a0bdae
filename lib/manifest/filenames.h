// Names of the files in a NoKV directory, and the parser that tells them apart.
//
//   000123.sst        SST (table) file number 123
//   000123.wal        WAL segment number 123
//   MANIFEST-000123   manifest (metadata log) number 123
//   CURRENT           name of the live manifest followed by "\n"
//   LOCK              held while the directory is open
//   <anything>.tmp    a temporary file (e.g. CURRENT.tmp during a switch)
//
// Numbers are printed with at least six digits and come from one allocator
// (VersionSet::NewFileNumber), so no two files share a number.
#pragma once

#include <cstdint>
#include <string>

namespace nokv {

enum class FileKind { kWal, kTable, kManifest, kCurrent, kLock, kTemp, kUnknown };

std::string TableFileName(const std::string& dir, uint64_t number);
std::string WalFileName(const std::string& dir, uint64_t number);
std::string ManifestFileName(const std::string& dir, uint64_t number);
std::string CurrentFileName(const std::string& dir);
std::string LockFileName(const std::string& dir);

// Parses a file name (not a path). Returns true and sets *kind and *number
// for a name listed above; *number is 0 for CURRENT, LOCK and temporary files
// whose stem is not a number. Returns false and sets *kind = kUnknown
// otherwise (including numbers that do not fit in 64 bits).
bool ParseFileName(const std::string& name, FileKind* kind, uint64_t* number);

}  // namespace nokv
