// The actualization loop from the command line on a real database: the base
// goes in through doppeld, then numbering, suppress, calllist, outcomes and
// report run on the directory, bad rows are reported with their lines, and
// the report renders.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "service/cli_harness.h"

namespace {

namespace fs = std::filesystem;
using doppel::testing::Quoted;
using doppel::testing::Ran;
using doppel::testing::ServerProcess;
using doppel::testing::Slurp;

std::vector<std::vector<std::string>> ReadCsv(const std::string& text) {
  // Enough CSV for our own output: quoted fields with doubled quotes.
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (ch == '"') quoted = false;
      else field += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      rows.back().push_back(field), field.clear();
    } else if (ch == '\n') {
      rows.back().push_back(field), field.clear();
      rows.emplace_back();
    } else {
      field += ch;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

class CliLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("doppel_cli_loop_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  Ran Doppel(const std::string& args) { return doppel::testing::RunDoppel(dir_, args); }
  std::string P(const std::string& name) { return Quoted((dir_ / name).string()); }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  fs::path dir_;
};

TEST_F(CliLoopTest, EveryLoopCommandHasHelp) {
  for (const char* cmd : {"numbering import", "suppress import", "suppress add", "suppress remove", "suppress list",
                          "calllist", "segments", "outcomes import", "report"}) {
    Ran r = Doppel(std::string(cmd) + " --help");
    EXPECT_EQ(r.code, 0) << cmd << r.err;
    EXPECT_NE(r.out.find("--db"), std::string::npos) << cmd;
  }
}

TEST_F(CliLoopTest, NumberingSuppressCallListOutcomesReport) {
  Ran gen = Doppel("gen -q --rows 3000 --seed 5 --data-dir builtin --out " + P("g"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  {
    ServerProcess server((dir_ / "db").string());
    ASSERT_TRUE(server.Start()) << server.Log();
    Ran ing = Doppel("ingest -q --server " + server.endpoint() + " " + P("g/base.csv"));
    ASSERT_EQ(ing.code, 0) << ing.err;
    // The database is doppeld's while it runs: the CLI says so.
    Ran busy = Doppel("calllist --db " + P("db"));
    EXPECT_EQ(busy.code, 1);
    EXPECT_NE(busy.err.find("in use"), std::string::npos) << busy.err;
    EXPECT_EQ(server.Stop(), 0);
  }
  const std::string db = " --db " + P("db") + " --today 2026-12-04";

  // The numbering plan, when the shared data is here.
  const fs::path plan = fs::path(DOPPEL_SHARED_DATA) / "ru_phone_def_codes/DEF-9xx.csv";
  bool have_plan = fs::exists(plan);
  if (have_plan) {
    Ran num = Doppel("numbering import " + Quoted(plan.string()) + db);
    ASSERT_EQ(num.code, 0) << num.err;
    EXPECT_NE(num.out.find("16,629 ranges"), std::string::npos) << num.out;
  }
  Write("bad_plan.csv", "code;from;to\n900;1;2\n");
  EXPECT_EQ(Doppel("numbering import " + P("bad_plan.csv") + db).code, 1);

  // A first call list, to learn phones to suppress and entities to call.
  Ran first = Doppel("calllist -q --limit 20 --out " + P("calls0.csv") + db);
  ASSERT_EQ(first.code, 0) << first.err;
  auto calls0 = ReadCsv(Slurp(dir_ / "calls0.csv"));
  ASSERT_EQ(calls0.size(), 21u);
  ASSERT_EQ(calls0[0][7], "phone");
  const std::string blocked = calls0[1][7], dnc_entity = calls0[2][1], dnc_phone = calls0[2][7];

  Write("suppress.csv", "phone,reason,source\n" + blocked + ",blocked,court\nnot a phone,,\n8-900-000-00-00,placeholder,\n");
  Ran sup = Doppel("suppress import " + P("suppress.csv") + " --rejects " + P("sup_rejects.csv") + db);
  ASSERT_EQ(sup.code, 0) << sup.err;
  EXPECT_NE(sup.out.find("Suppressed 2 values"), std::string::npos) << sup.out;
  EXPECT_NE(Slurp(dir_ / "sup_rejects.csv").find("\n3,"), std::string::npos) << Slurp(dir_ / "sup_rejects.csv");
  Ran listed = Doppel("suppress list" + db);
  EXPECT_NE(listed.out.find(blocked + ",blocked,court"), std::string::npos) << listed.out;

  // The list now: one row per client and per phone, never the blocked number.
  Ran second = Doppel("calllist -q --limit 500 --out " + P("calls.csv") + db);
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.err.find("due by reason: "), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("stale "), std::string::npos) << second.err;
  auto calls = ReadCsv(Slurp(dir_ / "calls.csv"));
  ASSERT_GT(calls.size(), 100u);
  std::set<std::string> entities, phones;
  for (size_t i = 1; i < calls.size(); ++i) {
    ASSERT_EQ(calls[i].size(), calls[0].size()) << i;
    EXPECT_TRUE(entities.insert(calls[i][1]).second) << calls[i][1];
    EXPECT_TRUE(phones.insert(calls[i][7]).second) << calls[i][7];
    EXPECT_NE(calls[i][7], blocked);
    EXPECT_FALSE(calls[i][10].empty());  // reasons
  }
  if (have_plan) {
    size_t placed = 0;
    for (size_t i = 1; i < calls.size(); ++i) placed += calls[i][15] == "phone_region";
    EXPECT_GT(placed, calls.size() / 2) << "mobile numbers get their region's time zone";
  }
  Ran vip = Doppel("calllist -q --segment vip --limit 5" + db);
  ASSERT_EQ(vip.code, 0) << vip.err;
  for (const auto& row : ReadCsv(vip.out)) EXPECT_TRUE(row[3] == "vip" || row[3] == "segment");
  EXPECT_EQ(Doppel("calllist --segment nope" + db).code, 1);

  // Segment sizes add up to the clients; members come in pages.
  Ran segs = Doppel("segments -q" + db);
  ASSERT_EQ(segs.code, 0) << segs.err;
  auto seg_rows = ReadCsv(segs.out);
  ASSERT_GE(seg_rows.size(), 2u);
  uint64_t clients = 0;
  for (size_t i = 1; i < seg_rows.size(); ++i) clients += std::stoull(seg_rows[i][2]);
  std::string scanned = std::to_string(clients);
  if (scanned.size() > 3) scanned.insert(scanned.size() - 3, ",");
  EXPECT_NE(second.err.find(scanned + " clients scanned"), std::string::npos) << scanned << " / " << second.err;
  Ran page1 = Doppel("segments -q --segment other --page 1 --page-size 7" + db);
  Ran page2 = Doppel("segments -q --segment other --page 2 --page-size 7" + db);
  ASSERT_EQ(page1.code, 0) << page1.err;
  auto p1 = ReadCsv(page1.out), p2 = ReadCsv(page2.out);
  ASSERT_EQ(p1.size(), 8u);
  ASSERT_GE(p2.size(), 2u);
  EXPECT_LT(std::stoull(p1.back()[0]), std::stoull(p2[1][0])) << "pages follow entity order";

  // Outcomes: good rows apply, bad ones are reported with their lines.
  std::string outcomes = "entity_id,contact,outcome,called_at,operator,new_phone,interests\n";
  outcomes += calls[1][1] + "," + calls[1][7] + ",confirmed,2026-12-05,op1,,кредиты\n";
  outcomes += calls[2][1] + "," + calls[2][7] + ",updated,2026-12-05,op1,+7 903 555 44 33,\n";
  outcomes += dnc_entity + "," + dnc_phone + ",do_not_call,2026-12-05,op2,,\n";
  outcomes += calls[3][1] + "," + calls[3][7] + ",unreachable,2026-12-05,op2,,\n";
  outcomes += "99999999," + calls[3][7] + ",confirmed,2026-12-05,op2,,\n";      // line 6: no such entity
  outcomes += calls[4][1] + ",+79990001122,confirmed,2026-12-05,op2,,\n";        // line 7: not its phone
  outcomes += calls[4][1] + "," + calls[4][7] + ",perhaps,2026-12-05,op2,,\n";   // line 8: bad outcome
  Write("outcomes.csv", outcomes);
  Ran out = Doppel("outcomes import " + P("outcomes.csv") + " --rejects " + P("out_rejects.csv") + db);
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_NE(out.out.find("Applied 4 outcomes: 1 confirmed, 1 updated, 1 unreachable, 0 wrong person, 1 do not call"),
            std::string::npos)
      << out.out;
  auto rejects = ReadCsv(Slurp(dir_ / "out_rejects.csv"));
  ASSERT_EQ(rejects.size(), 4u);
  EXPECT_EQ(rejects[1][0], "6");
  EXPECT_EQ(rejects[2][0], "7");
  EXPECT_EQ(rejects[3][0], "8");
  listed = Doppel("suppress list" + db);
  EXPECT_NE(listed.out.find(dnc_phone + ",do_not_call"), std::string::npos) << listed.out;
  // profile counts the base's values that are on the suppression list.
  Ran prof = Doppel("profile -q " + P("g/base.csv") + " --suppression-db " + P("db"));
  ASSERT_EQ(prof.code, 0) << prof.err;
  size_t at = prof.out.find("Suppressed  ");
  ASSERT_NE(at, std::string::npos) << prof.out;
  EXPECT_GE(std::stoull(prof.out.substr(at + 12)), 2u) << prof.out.substr(at, 100);  // the blocked and the do-not-call
  Write("bad_header.csv", "entity,phone\n1,2\n");
  EXPECT_EQ(Doppel("outcomes import " + P("bad_header.csv") + db).code, 1);

  // Called clients are not offered again at once.
  Ran third = Doppel("calllist -q --limit 500" + db);
  for (const auto& row : ReadCsv(third.out)) {
    EXPECT_NE(row[1], calls[1][1]);
    EXPECT_NE(row[7], dnc_phone);
  }

  Ran rep = Doppel("report -q --out " + P("report") + db);
  ASSERT_EQ(rep.code, 0) << rep.err;
  EXPECT_NE(rep.out.find("Calls: 4;"), std::string::npos) << rep.out;
  std::string html = Slurp(dir_ / "report/report.html");
  for (const char* id : {"id=\"health\"", "id=\"campaign\"", "id=\"segments\"", "id=\"before-after\"",
                         "id=\"recommendations\""}) {
    EXPECT_NE(html.find(id), std::string::npos) << id;
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("id=\"campaign-segments\""), std::string::npos) << "campaign results per segment";
  std::string json = Slurp(dir_ / "report/report.json");
  EXPECT_NE(json.find("\"do_not_call\": 1"), std::string::npos);
  auto segments = ReadCsv(Slurp(dir_ / "report/segments.csv"));
  ASSERT_GE(segments.size(), 3u);
  EXPECT_EQ(segments.back()[0], "all");

  // What the command line read and changed is in the audit trail too.
  Ran verify = Doppel("audit verify --db " + P("db"));
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("audit trail intact"), std::string::npos) << verify.out;
  Ran listed_calls = Doppel("audit query --op calllist --db " + P("db"));
  ASSERT_EQ(listed_calls.code, 0) << listed_calls.err;
  auto audit_rows = ReadCsv(listed_calls.out);
  ASSERT_GE(audit_rows.size(), 3u);
  EXPECT_EQ(audit_rows[1][4], "calllist");
  EXPECT_EQ(audit_rows[1][2].rfind("cli:", 0), 0u) << audit_rows[1][2];
  Ran by_entity = Doppel("audit query --entity " + calls[1][1] + " --db " + P("db"));
  EXPECT_NE(by_entity.out.find(",outcomes,"), std::string::npos) << by_entity.out;

  // The page renders in a real browser: headless Chromium keeps every chart
  // and bar in the DOM it builds, and draws a page that is not blank.
  if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it when it can)";
  }
  const std::string url = "file://" + (dir_ / "report/report.html").string();
  const std::string browser =
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,2400 "
      "--user-data-dir=" + Quoted((dir_ / "chromium").string()) + " ";
  int dom = std::system((browser + "--dump-dom " + Quoted(url) + " >" + P("dom.html") + " 2>/dev/null").c_str());
  ASSERT_EQ(dom, 0);
  std::string rendered = Slurp(dir_ / "dom.html");
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_GT(count(html, "<rect class=\"bar\""), 5u);
  EXPECT_EQ(count(rendered, "<rect class=\"bar\""), count(html, "<rect class=\"bar\""));
  EXPECT_EQ(count(rendered, "<svg"), count(html, "<svg"));
  EXPECT_NE(rendered.find("id=\"recommendations\""), std::string::npos);
  int shot = std::system((browser + "--screenshot=" + Quoted((dir_ / "page.png").string()) + " " + Quoted(url) +
                          " >/dev/null 2>&1")
                             .c_str());
  ASSERT_EQ(shot, 0);
  // A blank page of this size is about 13 KB as PNG; the report with its
  // text, tables and bars is many times that.
  EXPECT_GT(fs::file_size(dir_ / "page.png"), 60000u);
}

TEST_F(CliLoopTest, ThroughTheServerTheSameAnswers) {
  Ran gen = Doppel("gen -q --rows 1500 --seed 8 --data-dir builtin --out " + P("g"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string day = " --today 2026-12-04";
  std::string from_server, segments_from_server;
  {
    ServerProcess server((dir_ / "db").string());
    ASSERT_TRUE(server.Start()) << server.Log();
    const std::string ep = " --server " + server.endpoint();
    ASSERT_EQ(Doppel("ingest -q" + ep + " " + P("g/base.csv")).code, 0);
    Ran calls = Doppel("calllist --limit 300" + ep + day);
    ASSERT_EQ(calls.code, 0) << calls.err;
    from_server = calls.out;
    Ran segs = Doppel("segments" + ep + day);
    ASSERT_EQ(segs.code, 0) << segs.err;
    segments_from_server = segs.out;
    EXPECT_EQ(server.Stop(), 0);
  }
  // The same list from the database directory, byte for byte.
  Ran local = Doppel("calllist -q --limit 300 --db " + P("db") + day);
  ASSERT_EQ(local.code, 0) << local.err;
  EXPECT_EQ(local.out, from_server);
  Ran local_segs = Doppel("segments -q --db " + P("db") + day);
  EXPECT_EQ(local_segs.out, segments_from_server);

  auto calls = ReadCsv(from_server);
  ASSERT_GT(calls.size(), 3u);
  ServerProcess server((dir_ / "db").string());
  ASSERT_TRUE(server.Start()) << server.Log();
  const std::string ep = " --server " + server.endpoint();
  Ran sup = Doppel("suppress add '+7 900 000 00 01' --reason fraud" + ep);
  ASSERT_EQ(sup.code, 0) << sup.err;
  EXPECT_NE(Doppel("suppress list" + ep).out.find("+79000000001"), std::string::npos);
  std::string outcomes = "entity_id,contact,outcome,called_at\n";
  outcomes += calls[1][1] + "," + calls[1][7] + ",confirmed,2026-12-05\n";
  outcomes += "4242424," + calls[2][7] + ",confirmed,2026-12-05\n";  // line 3: no such entity
  outcomes += calls[2][1] + "," + calls[2][7] + ",wrong_person,2026-12-05\n";
  outcomes += calls[3][1] + ",nonsense,confirmed,2026-12-05\n";      // line 5: not a phone
  Write("outcomes.csv", outcomes);
  Ran out = Doppel("outcomes import " + P("outcomes.csv") + " --rejects " + P("rejects.csv") + ep);
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_NE(out.out.find("Applied 2 outcomes: 1 confirmed"), std::string::npos) << out.out;
  auto rejects = ReadCsv(Slurp(dir_ / "rejects.csv"));
  ASSERT_EQ(rejects.size(), 3u);
  EXPECT_EQ(rejects[1][0], "3");
  EXPECT_EQ(rejects[2][0], "5");
  Ran rep = Doppel("report --out " + P("report") + ep + day);
  ASSERT_EQ(rep.code, 0) << rep.err;
  EXPECT_NE(Slurp(dir_ / "report/report.json").find("\"wrong_person\": 1"), std::string::npos);
  EXPECT_NE(Slurp(dir_ / "report/report.html").find("id=\"campaign\""), std::string::npos);
  // The register needs the database itself.
  EXPECT_NE(Doppel("numbering import x.csv" + ep).code, 0);

  // Erasure through the server: the person goes, and does not come back.
  Ran erase = Doppel("erase --entity " + calls[1][1] + " --reason req-17" + ep);
  ASSERT_EQ(erase.code, 0) << erase.err;
  EXPECT_NE(erase.out.find("\"tombstones\""), std::string::npos) << erase.out;
  EXPECT_NE(erase.out.find("\"compacted\": true"), std::string::npos) << erase.out;
  EXPECT_NE(Doppel("get --entity " + calls[1][1] + ep).code, 0);
  Ran again = Doppel("ingest -q" + ep + " " + P("g/base.csv"));
  ASSERT_EQ(again.code, 0) << again.err;
  size_t at = again.out.find("refused ");
  ASSERT_NE(at, std::string::npos) << again.out;
  EXPECT_NE(again.out.substr(at, 10), "refused 0 ") << again.out;
  EXPECT_EQ(server.Stop(), 0);

  Ran trail = Doppel("audit query --op erase --db " + P("db"));
  EXPECT_NE(trail.out.find("," + calls[1][1] + ","), std::string::npos) << trail.out;
  EXPECT_EQ(Doppel("audit verify --db " + P("db")).code, 0);

  // Retention: clients without a usable contact and inactive for a year,
  // seen from 2030: listed by --dry-run, erased by --apply, then none.
  Write("retention.toml", "[retention]\ninactive_years = 1\nrequire_no_valid_contact = false\n");
  const std::string rule = " --config " + P("retention.toml") + " --db " + P("db") + " --today 2030-01-01";
  Ran dry = Doppel("retention --dry-run" + rule);
  ASSERT_EQ(dry.code, 0) << dry.err;
  size_t due = ReadCsv(dry.out).size() - 1;
  EXPECT_GT(due, 100u) << dry.out.substr(0, 300);
  Ran applied = Doppel("retention --apply" + rule);
  ASSERT_EQ(applied.code, 0) << applied.err;
  std::string expected = std::to_string(due);
  if (expected.size() > 3) expected.insert(expected.size() - 3, ",");
  EXPECT_NE(applied.out.find("erased " + expected + " clients"), std::string::npos) << applied.out;
  EXPECT_EQ(ReadCsv(Doppel("retention --dry-run" + rule).out).size(), 1u);
  EXPECT_EQ(Doppel("retention --db " + P("db") + " --config " + P("retention.toml")).code, 1) << "say which";
  EXPECT_EQ(Doppel("audit verify --db " + P("db")).code, 0);
}

}  // namespace
