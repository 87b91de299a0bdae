// Tests of the DbStats renderers: the expvar JSON parses and carries the
// DbStats values under the documented names, the Prometheus text is well
// formed line by line and its samples equal the same values.
#include "server/stats_render.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace nokv::server {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

DbStats SampleStats() {
  DbStats s;
  s.last_sequence = 1001;
  s.memtable_bytes = 2002;
  s.memtable_entries = 30;
  s.immutable_memtables = 2;
  s.immutable_entries = 40;
  s.wal_number = 7;
  s.wal_bytes = 5005;
  for (int i = 0; i < 7; ++i) {
    LevelStats l;
    l.level = i;
    l.files = i == 0 ? 5 : (i == 1 ? 3 : 0);
    l.bytes = static_cast<uint64_t>(l.files) * 1000;
    l.entries = static_cast<uint64_t>(l.files) * 100;
    l.score = i == 0 ? 1.25 : (i == 1 ? 0.5 : 0.0);
    s.sst_entries += l.entries;
    s.levels.push_back(l);
  }
  s.flushes = 11;
  s.compactions = 12;
  s.compaction_bytes_read = 13;
  s.compaction_bytes_written = 14;
  s.flush_bytes_written = 15;
  s.user_bytes_written = 16;
  s.writes = 90;
  s.write_groups = 30;
  s.wal_syncs = 17;
  s.stall_micros = 18;
  s.slowdown_writes = 19;
  s.block_cache_hits = 3;
  s.block_cache_misses = 1;
  s.block_cache_usage = 4096;
  return s;
}

Object::Ptr ParseObject(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Object::Ptr>();
}

int64_t Int(const Object::Ptr& o, const std::string& key) {
  EXPECT_TRUE(o->has(key)) << key;
  return o->getValue<int64_t>(key);
}

TEST(StatsRenderTest, ExpvarJsonCarriesTheStats) {
  const DbStats s = SampleStats();
  ProcessInfo p;
  p.cmdline = {"nokv", "serve", "--workdir", "/tmp/x \"quoted\""};
  p.rss_bytes = 123456;
  p.vm_bytes = 654321;
  const std::vector<StatsGroup> groups = {{"redis", {{"commands_total", 42}, {"connections_active", 3}}},
                                          {"wal", {{"shadow", 1}}}};  // built-in name: skipped
  Object::Ptr root;
  ASSERT_NO_THROW(root = ParseObject(RenderExpvarJson(s, p, groups)));

  Array::Ptr cmdline = root->getArray("cmdline");
  ASSERT_EQ(cmdline->size(), 4u);
  EXPECT_EQ(cmdline->getElement<std::string>(3), "/tmp/x \"quoted\"");
  EXPECT_EQ(Int(root->getObject("memstats"), "rss_bytes"), 123456);
  EXPECT_EQ(Int(root->getObject("memstats"), "vm_bytes"), 654321);

  Object::Ptr st = root->getObject("NoKV.Stats");
  ASSERT_TRUE(st);
  EXPECT_EQ(Int(st, "entries"), 30 + 40 + 500 + 300);
  EXPECT_EQ(st->getValue<std::string>("background_error"), "");
  EXPECT_EQ(Int(st->getObject("memtable"), "active_bytes"), 2002);
  EXPECT_EQ(Int(st->getObject("memtable"), "immutable_tables"), 2);
  EXPECT_EQ(Int(st->getObject("flush"), "pending"), 2);
  EXPECT_EQ(Int(st->getObject("flush"), "completed"), 11);
  EXPECT_EQ(Int(st->getObject("flush"), "bytes_written"), 15);
  EXPECT_EQ(Int(st->getObject("compaction"), "backlog"), 1);
  EXPECT_DOUBLE_EQ(st->getObject("compaction")->getValue<double>("max_score"), 1.25);
  EXPECT_EQ(Int(st->getObject("compaction"), "runs"), 12);
  EXPECT_EQ(Int(st->getObject("compaction"), "bytes_read"), 13);
  EXPECT_EQ(Int(st->getObject("compaction"), "bytes_written"), 14);
  EXPECT_EQ(Int(st->getObject("wal"), "active_segment"), 7);
  EXPECT_EQ(Int(st->getObject("wal"), "active_size"), 5005);
  EXPECT_EQ(Int(st->getObject("wal"), "records"), 30);
  EXPECT_EQ(Int(st->getObject("wal"), "syncs"), 17);
  EXPECT_FALSE(st->getObject("wal")->has("shadow"));
  EXPECT_EQ(Int(st->getObject("write"), "last_sequence"), 1001);
  EXPECT_EQ(Int(st->getObject("write"), "requests"), 90);
  EXPECT_EQ(Int(st->getObject("write"), "batches_total"), 30);
  EXPECT_DOUBLE_EQ(st->getObject("write")->getValue<double>("avg_batch_requests"), 3.0);
  EXPECT_EQ(Int(st->getObject("write"), "user_bytes"), 16);
  EXPECT_EQ(Int(st->getObject("write"), "stall_micros"), 18);
  EXPECT_EQ(Int(st->getObject("write"), "slowdowns"), 19);
  EXPECT_EQ(Int(st->getObject("cache"), "block_hits"), 3);
  EXPECT_EQ(Int(st->getObject("cache"), "block_misses"), 1);
  EXPECT_DOUBLE_EQ(st->getObject("cache")->getValue<double>("block_hit_rate"), 0.75);
  EXPECT_EQ(Int(st->getObject("cache"), "block_usage_bytes"), 4096);

  Object::Ptr lsm = st->getObject("lsm");
  Array::Ptr levels = lsm->getArray("levels");
  ASSERT_EQ(levels->size(), 7u);
  Object::Ptr l0 = levels->getObject(0);
  EXPECT_EQ(Int(l0, "level"), 0);
  EXPECT_EQ(Int(l0, "tables"), 5);
  EXPECT_EQ(Int(l0, "size_bytes"), 5000);
  EXPECT_EQ(Int(l0, "entries"), 500);
  EXPECT_DOUBLE_EQ(l0->getValue<double>("score"), 1.25);
  EXPECT_EQ(Int(lsm, "tables_total"), 8);
  EXPECT_EQ(Int(lsm, "size_bytes_total"), 8000);

  EXPECT_EQ(Int(st->getObject("redis"), "commands_total"), 42);
  EXPECT_EQ(Int(st->getObject("redis"), "connections_active"), 3);
}

TEST(StatsRenderTest, ExpvarJsonEscapesTheBackgroundError) {
  DbStats s = SampleStats();
  s.background_error = "IOError: disk \"full\"\n\tat 000012.sst";
  Object::Ptr root = ParseObject(RenderExpvarJson(s, ProcessInfo{}, {}));
  EXPECT_EQ(root->getObject("NoKV.Stats")->getValue<std::string>("background_error"),
            s.background_error);
  EXPECT_EQ(root->getArray("cmdline")->size(), 0u);
}

TEST(StatsRenderTest, ZeroStatsRenderValidJson) {
  Object::Ptr root = ParseObject(RenderExpvarJson(DbStats{}, ProcessInfo{}, {}));
  Object::Ptr st = root->getObject("NoKV.Stats");
  EXPECT_EQ(Int(st, "entries"), 0);
  EXPECT_DOUBLE_EQ(st->getObject("cache")->getValue<double>("block_hit_rate"), 0.0);
  EXPECT_EQ(st->getObject("lsm")->getArray("levels")->size(), 0u);
}

TEST(StatsRenderTest, ExpvarJsonListsHotKeys) {
  DbStats s = SampleStats();
  // Binary keys: a column-family byte, NUL, invalid UTF-8, quotes, a
  // backslash and a control character must all survive as valid JSON.
  const std::string binary("\x01row\x00\xff\xfe", 7);
  s.hot_read_keys = {{"user:42", 900}, {binary, 17}};
  s.hot_write_keys = {{"say \"hi\"\\\n", 5}};
  s.hot_key_limited_writes = 3;
  const std::string text = RenderExpvarJson(s, ProcessInfo{}, {});
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    ASSERT_TRUE(u < 0x80 && (u >= 0x20 || c == '\n')) << "raw byte " << int{u} << " in " << text;
  }
  Object::Ptr root;
  ASSERT_NO_THROW(root = ParseObject(text));
  Object::Ptr hot = root->getObject("NoKV.Stats")->getObject("hot");
  EXPECT_EQ(Int(hot, "write_limited"), 3);
  Array::Ptr reads = hot->getArray("read_keys");
  ASSERT_EQ(reads->size(), 2u);
  EXPECT_EQ(reads->getObject(0)->getValue<std::string>("key"), "user:42");
  EXPECT_EQ(Int(reads->getObject(0), "count"), 900);
  EXPECT_EQ(reads->getObject(1)->getValue<std::string>("key"), "\\x01row\\x00\\xff\\xfe");
  EXPECT_EQ(Int(reads->getObject(1), "count"), 17);
  Array::Ptr writes = hot->getArray("write_keys");
  ASSERT_EQ(writes->size(), 1u);
  EXPECT_EQ(writes->getObject(0)->getValue<std::string>("key"), "say \"hi\"\\\\\\x0a");
  EXPECT_EQ(Int(writes->getObject(0), "count"), 5);

  // No tracking: empty arrays, not missing ones.
  root = ParseObject(RenderExpvarJson(DbStats{}, ProcessInfo{}, {}));
  hot = root->getObject("NoKV.Stats")->getObject("hot");
  EXPECT_EQ(hot->getArray("read_keys")->size(), 0u);
  EXPECT_EQ(hot->getArray("write_keys")->size(), 0u);
}

TEST(StatsRenderTest, EscapeKeyIsPrintableAndReversible) {
  EXPECT_EQ(EscapeKey(""), "");
  EXPECT_EQ(EscapeKey("plain key ~!"), "plain key ~!");
  EXPECT_EQ(EscapeKey(std::string("\x00\x1f\x7f\x80\xff", 5)), "\\x00\\x1f\\x7f\\x80\\xff");
  EXPECT_EQ(EscapeKey("a\\x41"), "a\\\\x41");  // a literal "\x41" is not the byte 'A'
  EXPECT_NE(EscapeKey("a\\x41"), EscapeKey("aA"));
}

// The naming rules `promtool check metrics` enforces (and one it only hints
// at): a counter ends in _total; a gauge does not end in a suffix Prometheus
// reserves for histograms and summaries (_count, _sum, _bucket) or in _total.
// Empty if `name` of `type` is fine.
std::string PromNamingProblem(const std::string& name, const std::string& type) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (type == "counter") return ends_with("_total") ? "" : "counter without _total: " + name;
  for (std::string_view reserved : {"_count", "_sum", "_bucket", "_total"}) {
    if (ends_with(reserved)) return "gauge ending in " + std::string(reserved) + ": " + name;
  }
  return "";
}

TEST(StatsRenderTest, PromNamingProblemFollowsPromtool) {
  EXPECT_EQ(PromNamingProblem("nokv_flush_completed_total", "counter"), "");
  EXPECT_NE(PromNamingProblem("nokv_flush_completed", "counter"), "");
  EXPECT_EQ(PromNamingProblem("nokv_memtable_immutable_tables", "gauge"), "");
  EXPECT_NE(PromNamingProblem("nokv_memtable_immutable_count", "gauge"), "");
  EXPECT_NE(PromNamingProblem("nokv_x_sum", "gauge"), "");
}

// Parses Prometheus text into name{labels} -> value, checking the grammar of
// every line and that each sample's family was declared by HELP and TYPE.
std::map<std::string, std::string> ParsePrometheus(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{level="[0-9]+"\})? ([-+]?([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|Inf|NaN)))");
  std::map<std::string, std::string> samples;
  std::set<std::string> helped, typed;
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "duplicate HELP: " << line;
    } else if (std::regex_match(line, m, kType)) {
      EXPECT_TRUE(helped.count(m[1])) << "TYPE before HELP: " << line;
      EXPECT_TRUE(typed.insert(m[1]).second) << "duplicate TYPE: " << line;
      EXPECT_EQ(PromNamingProblem(m[1], m[2]), "") << line;
    } else if (std::regex_match(line, m, kSample)) {
      EXPECT_TRUE(typed.count(m[1])) << "sample without TYPE: " << line;
      const std::string series = m[1].str() + m[2].str();
      EXPECT_TRUE(samples.emplace(series, m[3]).second) << "duplicate series: " << line;
    } else {
      ADD_FAILURE() << "malformed line: '" << line << "'";
    }
  }
  return samples;
}

TEST(StatsRenderTest, PrometheusIsWellFormedAndMatches) {
  const DbStats s = SampleStats();
  const std::string text =
      RenderPrometheus(s, {{"redis", {{"commands_total", 42}, {"connections_active", -1}}}});
  const auto m = ParsePrometheus(text);
  EXPECT_EQ(m.at("nokv_up"), "1");
  EXPECT_EQ(m.at("nokv_entries"), "870");
  EXPECT_EQ(m.at("nokv_memtable_active_bytes"), "2002");
  EXPECT_EQ(m.at("nokv_flush_pending"), "2");
  EXPECT_EQ(m.at("nokv_flush_completed_total"), "11");
  EXPECT_EQ(m.at("nokv_compaction_runs_total"), "12");
  EXPECT_EQ(m.at("nokv_compaction_backlog"), "1");
  EXPECT_EQ(std::stod(m.at("nokv_compaction_max_score")), 1.25);
  EXPECT_EQ(m.at("nokv_wal_active_segment"), "7");
  EXPECT_EQ(m.at("nokv_wal_syncs_total"), "17");
  EXPECT_EQ(m.at("nokv_write_requests_total"), "90");
  EXPECT_EQ(m.at("nokv_write_batches_total"), "30");
  EXPECT_EQ(std::stod(m.at("nokv_write_avg_batch_requests")), 3.0);
  EXPECT_EQ(m.at("nokv_write_last_sequence"), "1001");
  EXPECT_EQ(m.at("nokv_cache_block_hits_total"), "3");
  EXPECT_EQ(std::stod(m.at("nokv_cache_block_hit_rate")), 0.75);
  EXPECT_EQ(m.at("nokv_lsm_level_tables{level=\"0\"}"), "5");
  EXPECT_EQ(m.at("nokv_lsm_level_tables{level=\"1\"}"), "3");
  EXPECT_EQ(m.at("nokv_lsm_level_size_bytes{level=\"1\"}"), "3000");
  EXPECT_EQ(m.at("nokv_lsm_level_entries{level=\"0\"}"), "500");
  EXPECT_EQ(std::stod(m.at("nokv_lsm_level_score{level=\"0\"}")), 1.25);
  EXPECT_EQ(m.count("nokv_lsm_level_tables{level=\"6\"}"), 1u);
  EXPECT_EQ(m.at("nokv_redis_commands_total"), "42");
  EXPECT_EQ(m.at("nokv_redis_connections_active"), "-1");
  EXPECT_NE(text.find("# TYPE nokv_redis_commands_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE nokv_redis_connections_active gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE nokv_flush_completed_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE nokv_memtable_active_bytes gauge\n"), std::string::npos);
}

TEST(StatsRenderTest, PrometheusReportsBackgroundErrorAndOddValues) {
  DbStats s = SampleStats();
  s.background_error = "IOError: boom";
  s.levels[2].score = std::numeric_limits<double>::infinity();
  const auto m = ParsePrometheus(RenderPrometheus(s, {{"odd-group", {{"a.b c", 1}}}}));
  EXPECT_EQ(m.at("nokv_up"), "0");
  EXPECT_EQ(m.at("nokv_lsm_level_score{level=\"2\"}"), "+Inf");
  EXPECT_EQ(m.at("nokv_odd_group_a_b_c"), "1");  // sanitized to the metric-name alphabet
}

TEST(StatsRenderTest, DbStatsJsonUsesFieldNames) {
  DbStats s = SampleStats();
  s.background_error = "Corruption: x";
  s.vlog_segments = 2;
  s.vlog_gc_bytes_reclaimed = 77;
  s.vlog_pending_deletes = 1;
  s.hot_key_limited_writes = 4;
  s.hot_write_keys = {{"\x02lock\xff", 9}};
  Object::Ptr o = ParseObject(RenderDbStatsJson(s));
  EXPECT_EQ(Int(o, "last_sequence"), 1001);
  EXPECT_EQ(Int(o, "memtable_bytes"), 2002);
  EXPECT_EQ(Int(o, "memtable_entries"), 30);
  EXPECT_EQ(Int(o, "immutable_memtables"), 2);
  EXPECT_EQ(Int(o, "immutable_entries"), 40);
  EXPECT_EQ(Int(o, "wal_number"), 7);
  EXPECT_EQ(Int(o, "wal_bytes"), 5005);
  EXPECT_EQ(Int(o, "sst_entries"), 800);
  EXPECT_EQ(Int(o, "flushes"), 11);
  EXPECT_EQ(Int(o, "compactions"), 12);
  EXPECT_EQ(Int(o, "compaction_bytes_read"), 13);
  EXPECT_EQ(Int(o, "compaction_bytes_written"), 14);
  EXPECT_EQ(Int(o, "flush_bytes_written"), 15);
  EXPECT_EQ(Int(o, "user_bytes_written"), 16);
  EXPECT_EQ(Int(o, "writes"), 90);
  EXPECT_EQ(Int(o, "write_groups"), 30);
  EXPECT_EQ(Int(o, "wal_syncs"), 17);
  EXPECT_EQ(Int(o, "stall_micros"), 18);
  EXPECT_EQ(Int(o, "slowdown_writes"), 19);
  EXPECT_EQ(Int(o, "block_cache_hits"), 3);
  EXPECT_EQ(Int(o, "block_cache_misses"), 1);
  EXPECT_EQ(Int(o, "block_cache_usage"), 4096);
  EXPECT_EQ(Int(o, "vlog_segments"), 2);
  EXPECT_EQ(Int(o, "vlog_gc_bytes_reclaimed"), 77);
  EXPECT_EQ(Int(o, "vlog_pending_deletes"), 1);
  EXPECT_EQ(Int(o, "hot_key_limited_writes"), 4);
  ASSERT_EQ(o->getArray("hot_write_keys")->size(), 1u);
  EXPECT_EQ(o->getArray("hot_write_keys")->getObject(0)->getValue<std::string>("key"),
            "\\x02lock\\xff");
  EXPECT_EQ(Int(o->getArray("hot_write_keys")->getObject(0), "count"), 9);
  EXPECT_EQ(o->getArray("hot_read_keys")->size(), 0u);
  EXPECT_EQ(o->getValue<std::string>("background_error"), "Corruption: x");
  Array::Ptr levels = o->getArray("levels");
  ASSERT_EQ(levels->size(), 7u);
  EXPECT_EQ(Int(levels->getObject(1), "files"), 3);
  EXPECT_EQ(Int(levels->getObject(1), "bytes"), 3000);
  EXPECT_EQ(Int(levels->getObject(1), "entries"), 300);
  EXPECT_DOUBLE_EQ(levels->getObject(1)->getValue<double>("score"), 0.5);
}

TEST(StatsRenderTest, LevelsJson) {
  Object::Ptr o = ParseObject(RenderLevelsJson(SampleStats()));
  Array::Ptr levels = o->getArray("levels");
  ASSERT_EQ(levels->size(), 7u);
  EXPECT_TRUE(levels->getObject(0)->getValue<bool>("due"));
  EXPECT_FALSE(levels->getObject(1)->getValue<bool>("due"));
  EXPECT_EQ(Int(levels->getObject(0), "files"), 5);
  EXPECT_EQ(Int(o, "compaction_backlog"), 1);
  EXPECT_DOUBLE_EQ(o->getValue<double>("max_score"), 1.25);
  EXPECT_EQ(Int(o, "files_total"), 8);
  EXPECT_EQ(Int(o, "bytes_total"), 8000);
}

TEST(StatsRenderTest, GroupNames) {
  EXPECT_TRUE(IsValidStatsGroupName("redis"));
  EXPECT_TRUE(IsValidStatsGroupName("pool_2"));
  EXPECT_FALSE(IsValidStatsGroupName(""));
  EXPECT_FALSE(IsValidStatsGroupName("Redis"));
  EXPECT_FALSE(IsValidStatsGroupName("a.b"));
  EXPECT_FALSE(IsValidStatsGroupName("wal"));
  EXPECT_FALSE(IsValidStatsGroupName("lsm"));
  EXPECT_FALSE(IsValidStatsGroupName("background_error"));
}

TEST(StatsRenderTest, RedactCmdlineHidesTheAdminToken) {
  const auto out = RedactCmdline({"nokv", "serve", "--admin-token", "s3cret", "--admin-token=x",
                                  "--workdir", "d", "--admin-token"});
  const std::vector<std::string> want = {"nokv",     "serve", "--admin-token",
                                         "<redacted>", "--admin-token=<redacted>",
                                         "--workdir", "d",     "--admin-token"};
  EXPECT_EQ(out, want);
}

}  // namespace
}  // namespace nokv::server
