// JSON renderings (Poco::JSON) of the pieces of a WorkdirReport. The field
// names are part of the CLI's interface and are documented in man/nokv.1.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>

#include "tools/workdir_report.h"

namespace nokv::cli {

// An object whose keys print in insertion order.
Poco::JSON::Object::Ptr NewJsonObject();

// {"cf", "user_key", "version" (null when unversioned), "sequence"}, or
// {"valid": false, "raw"} for an undecodable key.
Poco::JSON::Object::Ptr KeyJson(const KeyReport& key);
// {"level", "files", "bytes", "entries", "deletions"} for every level.
Poco::JSON::Array::Ptr LevelsJson(const WorkdirReport& report);
// One object per SST file, in report order.
Poco::JSON::Array::Ptr FilesJson(const WorkdirReport& report);
// One object per WAL segment, oldest first.
Poco::JSON::Array::Ptr WalSegmentsJson(const WorkdirReport& report);

// The value-log summary, set on obj: "segments", "bytes", "records",
// "head_segment" (null without a value log), "problems" and "segment_list"
// (one object per segment: "number", "path", "bytes", "records",
// "value_bytes", "valid_bytes", "head", "newest" (= head, kept for
// compatibility), "ok", "problem"). Shared by `nokv vlog --json` (at the top
// level) and `nokv stats --json` (as "value_log").
void AddValueLogJson(const WorkdirReport& report, Poco::JSON::Object& obj);

// Writes obj to stdout, indented, followed by a newline.
void PrintJson(const Poco::JSON::Object::Ptr& obj);

}  // namespace nokv::cli
