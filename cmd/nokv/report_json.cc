// JSON renderings of WorkdirReport pieces (see report_json.h).
#include "report_json.h"

#include <Poco/JSONString.h>

#include <iostream>

#include "base/internal_key.h"
#include "text_output.h"

namespace nokv::cli {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr NewJsonObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Object::Ptr KeyJson(const KeyReport& key) {
  Object::Ptr o = NewJsonObject();
  if (!key.valid) {
    o->set("valid", false);
    o->set("raw", key.raw);
    return o;
  }
  o->set("cf", key.cf);
  o->set("user_key", key.user_key);
  if (key.version == kMaxVersion) {
    o->set("version", Poco::Dynamic::Var());  // null: not an MVCC write
  } else {
    o->set("version", key.version);
  }
  o->set("sequence", key.sequence);
  return o;
}

Array::Ptr LevelsJson(const WorkdirReport& report) {
  Array::Ptr levels = new Array();
  for (const auto& l : report.levels) {
    Object::Ptr o = NewJsonObject();
    o->set("level", l.level);
    o->set("files", l.files);
    o->set("bytes", l.bytes);
    o->set("entries", l.entries);
    o->set("deletions", l.deletions);
    levels->add(o);
  }
  return levels;
}

Array::Ptr FilesJson(const WorkdirReport& report) {
  Array::Ptr files = new Array();
  for (const auto& f : report.files) {
    Object::Ptr o = NewJsonObject();
    o->set("number", f.number);
    o->set("name", SstName(f.number));
    o->set("level", f.level);
    o->set("size", f.size);
    o->set("present", f.present);
    o->set("entries", f.num_entries);
    o->set("deletions", f.num_deletions);
    o->set("smallest_seq", f.smallest_seq);
    o->set("largest_seq", f.largest_seq);
    o->set("smallest", KeyJson(f.smallest));
    o->set("largest", KeyJson(f.largest));
    files->add(o);
  }
  return files;
}

Array::Ptr WalSegmentsJson(const WorkdirReport& report) {
  Array::Ptr segments = new Array();
  for (const auto& w : report.wal_segments) {
    Object::Ptr o = NewJsonObject();
    o->set("number", w.number);
    o->set("name", w.name);
    o->set("bytes", w.bytes);
    o->set("pending", w.pending);
    o->set("newest", w.newest);
    o->set("records", w.records);
    o->set("entries", w.entries);
    o->set("puts", w.puts);
    o->set("deletes", w.deletes);
    o->set("first_sequence", w.first_sequence);
    o->set("last_sequence", w.last_sequence);
    o->set("valid_bytes", w.valid_bytes);
    o->set("tail_dropped", w.tail_dropped);
    o->set("dropped_bytes", w.dropped_bytes);
    if (w.problem.empty()) {
      o->set("problem", Poco::Dynamic::Var());
    } else {
      o->set("problem", w.problem);
    }
    segments->add(o);
  }
  return segments;
}

void AddValueLogJson(const WorkdirReport& report, Object& obj) {
  obj.set("segments", static_cast<uint64_t>(report.vlog_segments.size()));
  obj.set("bytes", report.vlog_bytes);
  obj.set("records", report.vlog_records);
  if (report.vlog_head == 0) {
    obj.set("head_segment", Poco::Dynamic::Var());
  } else {
    obj.set("head_segment", report.vlog_head);
  }
  obj.set("problems", report.vlog_problems);
  Array::Ptr list = new Array();
  for (const auto& v : report.vlog_segments) {
    Object::Ptr seg = NewJsonObject();
    seg->set("number", v.number);
    seg->set("path", v.path);
    seg->set("bytes", v.bytes);
    seg->set("records", v.records);
    seg->set("value_bytes", v.value_bytes);
    seg->set("valid_bytes", v.valid_bytes);
    seg->set("head", v.newest);
    seg->set("newest", v.newest);
    seg->set("ok", v.ok());
    seg->set("problem", v.problem);
    list->add(seg);
  }
  obj.set("segment_list", list);
}

void PrintJson(const Object::Ptr& obj) {
  obj->stringify(std::cout, 2);
  std::cout << '\n';
  std::cout.flush();
}

}  // namespace nokv::cli
