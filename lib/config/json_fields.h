// Typed field access to Poco JSON objects for the topology loader
// (topology_parse.cc): each problem is collected as
// "<json path>: <what is wrong>" instead of thrown. Internal to lib/config
// (Poco is a private dependency of the layer); never include it from a
// public header.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "config/key_text.h"

namespace nokv::config::json {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

inline bool IsObject(const Var& v) { return v.type() == typeid(Object::Ptr); }
inline bool IsArray(const Var& v) { return v.type() == typeid(Array::Ptr); }

// What a value is, for "expected X, got Y" messages.
inline std::string Describe(const Var& v) {
  if (v.isEmpty()) return "null";
  if (IsObject(v)) return "an object";
  if (IsArray(v)) return "an array";
  if (v.isString()) return "string \"" + v.toString() + "\"";
  if (v.isBoolean()) return v.toString();
  return v.toString();  // a number
}

// Reads typed fields out of Poco objects, collecting problems.
class FieldReader {
 public:
  FieldReader(std::vector<std::string>* errors, std::vector<std::string>* warnings)
      : errors_(errors), warnings_(warnings) {}

  void Error(const std::string& path, const std::string& message) {
    errors_->push_back(path + ": " + message);
  }

  // Warns about members of `obj` that are not in `known` (typos).
  void WarnUnknown(const Object::Ptr& obj, const std::string& prefix,
                   std::initializer_list<std::string_view> known) {
    std::vector<std::string> names;
    obj->getNames(names);
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        warnings_->push_back(Join(prefix, name) + ": unknown field (ignored)");
      }
    }
  }

  // Returns false when the member is absent or null (an error if required).
  bool Present(const Object::Ptr& obj, const std::string& key, const std::string& path,
               bool required) {
    if (obj->has(key) && !obj->get(key).isEmpty()) return true;
    if (required) Error(path, "missing (required)");
    return false;
  }

  void Uint(const Object::Ptr& obj, const std::string& key, const std::string& prefix,
            bool required, uint64_t* out) {
    const std::string path = Join(prefix, key);
    if (!Present(obj, key, path, required)) return;
    const Var v = obj->get(key);
    if (!v.isInteger() || v.isBoolean()) {
      Error(path, "expected an unsigned integer, got " + Describe(v));
      return;
    }
    if (v.isSigned()) {
      const int64_t n = v.convert<Poco::Int64>();
      if (n < 0) {
        Error(path, "expected an unsigned integer, got " + std::to_string(n));
        return;
      }
      *out = static_cast<uint64_t>(n);
      return;
    }
    *out = v.convert<Poco::UInt64>();
  }

  void Int(const Object::Ptr& obj, const std::string& key, const std::string& prefix,
           int64_t* out) {
    const std::string path = Join(prefix, key);
    if (!Present(obj, key, path, false)) return;
    const Var v = obj->get(key);
    if (!v.isInteger() || v.isBoolean() || (!v.isSigned() && v.convert<Poco::UInt64>() >
                                                                   INT64_MAX)) {
      Error(path, "expected an integer, got " + Describe(v));
      return;
    }
    *out = v.convert<Poco::Int64>();
  }

  void String(const Object::Ptr& obj, const std::string& key, const std::string& prefix,
              bool required, std::string* out) {
    const std::string path = Join(prefix, key);
    if (!Present(obj, key, path, required)) return;
    const Var v = obj->get(key);
    if (!v.isString()) {
      Error(path, "expected a string, got " + Describe(v));
      return;
    }
    *out = v.extract<std::string>();
  }

  // A key in key_text.h spelling, decoded.
  void Key(const Object::Ptr& obj, const std::string& key, const std::string& prefix,
           std::string* out) {
    std::string text;
    const size_t before = errors_->size();
    String(obj, key, prefix, true, &text);
    if (errors_->size() != before) return;
    Result<std::string> bytes = DecodeKeyText(text);
    if (!bytes.ok()) {
      Error(Join(prefix, key), bytes.status().message());
      return;
    }
    *out = std::move(bytes).value();
  }

  Object::Ptr Obj(const Object::Ptr& obj, const std::string& key, const std::string& prefix,
                  bool required) {
    const std::string path = Join(prefix, key);
    if (!Present(obj, key, path, required)) return nullptr;
    const Var v = obj->get(key);
    if (!IsObject(v)) {
      Error(path, "expected an object, got " + Describe(v));
      return nullptr;
    }
    return v.extract<Object::Ptr>();
  }

  Array::Ptr Arr(const Object::Ptr& obj, const std::string& key, const std::string& prefix,
                 bool required) {
    const std::string path = Join(prefix, key);
    if (!Present(obj, key, path, required)) return nullptr;
    const Var v = obj->get(key);
    if (!IsArray(v)) {
      Error(path, "expected an array, got " + Describe(v));
      return nullptr;
    }
    return v.extract<Array::Ptr>();
  }

  // Element i of `arr` as an object, or nullptr (with an error).
  Object::Ptr Element(const Array::Ptr& arr, size_t i, const std::string& path) {
    const Var v = arr->get(static_cast<unsigned>(i));
    if (!IsObject(v)) {
      Error(path, "expected an object, got " + Describe(v));
      return nullptr;
    }
    return v.extract<Object::Ptr>();
  }

  static std::string Join(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
  }
  static std::string Index(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  std::vector<std::string>* errors_;
  std::vector<std::string>* warnings_;
};

}  // namespace nokv::config::json
