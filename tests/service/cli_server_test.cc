// The doppel client commands against a real doppeld, and backup/restore.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "service/cli_harness.h"

namespace {

namespace fs = std::filesystem;
using doppel::testing::Quoted;
using doppel::testing::Ran;
using doppel::testing::ServerProcess;
using doppel::testing::Slurp;

class CliServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("doppel_cli_server_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  Ran Doppel(const std::string& args) { return doppel::testing::RunDoppel(dir_, args); }
  std::string P(const std::string& name) { return Quoted((dir_ / name).string()); }
  fs::path dir_;
};

TEST_F(CliServerTest, IngestGetHealthStatsThenBackupAndRestore) {
  Ran gen = Doppel("gen -q --rows 2000 --seed 3 --data-dir builtin --out " + P("g"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  {
    ServerProcess server((dir_ / "db").string());
    ASSERT_TRUE(server.Start()) << server.Log();
    std::string ep = "--server " + server.endpoint();
    Ran ing = Doppel("ingest -q " + ep + " --batch 300 " + P("g/base.csv"));
    ASSERT_EQ(ing.code, 0) << ing.err;
    EXPECT_NE(ing.out.find("2,000 stored"), std::string::npos) << ing.out;
    EXPECT_NE(ing.out.find("joined"), std::string::npos) << ing.out;
    // Again: every record is already there, unchanged.
    Ran again = Doppel("ingest -q " + ep + " " + P("g/base.csv"));
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_NE(again.out.find("unchanged 2,000"), std::string::npos) << again.out;

    Ran health = Doppel("health " + ep);
    ASSERT_EQ(health.code, 0) << health.err;
    EXPECT_NE(health.out.find("\"records\": 2000"), std::string::npos) << health.out;
    Ran rec = Doppel("get " + ep + " --record 17");
    ASSERT_EQ(rec.code, 0) << rec.err;
    EXPECT_NE(rec.out.find("\"id\": \"17\""), std::string::npos) << rec.out;
    Ran ent = Doppel("get " + ep + " --entity 1");
    ASSERT_EQ(ent.code, 0) << ent.err;
    EXPECT_NE(ent.out.find("\"golden\""), std::string::npos) << ent.out;
    Ran missing = Doppel("get " + ep + " --record nope");
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("not_found"), std::string::npos) << missing.err;
    Ran stats = Doppel("stats " + ep);
    ASSERT_EQ(stats.code, 0) << stats.err;
    EXPECT_NE(stats.out.find("\"ingest\""), std::string::npos) << stats.out;
    EXPECT_EQ(server.Stop(), 0);
  }
  Ran backup = Doppel("backup " + P("db") + " " + P("backups"));
  ASSERT_EQ(backup.code, 0) << backup.err;
  Ran over = Doppel("restore " + P("backups") + " " + P("db"));
  EXPECT_EQ(over.code, 1);
  EXPECT_NE(over.err.find("not empty"), std::string::npos) << over.err;
  Ran restore = Doppel("restore " + P("backups") + " " + P("restored"));
  ASSERT_EQ(restore.code, 0) << restore.err;
  ServerProcess server((dir_ / "restored").string());
  ASSERT_TRUE(server.Start()) << server.Log();
  Ran rec = Doppel("get --server " + server.endpoint() + " --record 1999");
  EXPECT_EQ(rec.code, 0) << rec.err;
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(CliServerTest, NoServerGivesAClearErrorNotAHang) {
  Ran r = Doppel("health --server tcp://127.0.0.1:1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no reply"), std::string::npos) << r.err;
}

}  // namespace

namespace {

// The server matching fuzzily with a model trained by `doppel dedupe`.
TEST_F(CliServerTest, FuzzyIngestResolveExplainMergeUnmerge) {
  ASSERT_EQ(Doppel("gen -q --rows 2000 --seed 3 --data-dir builtin --out " + P("g")).code, 0);
  Ran dd = Doppel("dedupe -q " + P("g/base.csv") + " --out " + P("d"));
  ASSERT_EQ(dd.code, 0) << dd.err;
  ServerProcess server((dir_ / "db").string(), {"--model", (dir_ / "d/model.json").string()});
  ASSERT_TRUE(server.Start()) << server.Log();
  std::string ep = "--server " + server.endpoint();
  Ran ing = Doppel("ingest -q " + ep + " " + P("g/base.csv"));
  ASSERT_EQ(ing.code, 0) << ing.err;
  // About 400 of the 2,000 rows are duplicates; fuzzy matching finds them.
  auto count = [&](const std::string& what) {
    size_t at = ing.out.find(what + " ");
    return at == std::string::npos ? -1L : std::stol(ing.out.substr(at + what.size() + 1));
  };
  long joined = count("joined") + count("merged");
  EXPECT_GT(joined, 330) << ing.out;
  EXPECT_LT(joined, 470) << ing.out;

  // Resolve a damaged copy of a stored record without storing it.
  std::ifstream base(dir_ / "g/base.csv");
  std::string header, row;
  std::getline(base, header);
  std::getline(base, row);
  std::string id = row.substr(0, row.find(';'));
  std::ofstream(dir_ / "probe.csv") << header << "\nprobe-1" << row.substr(row.find(';')) << "\n";
  Ran res = Doppel("resolve " + ep + " --explain " + P("probe.csv"));
  ASSERT_EQ(res.code, 0) << res.err;
  EXPECT_NE(res.out.find("\"matched_records\": [\n    \"" + id + "\""), std::string::npos) << res.out;
  EXPECT_NE(res.out.find("\"explanations\""), std::string::npos);

  // Explain two stored records.
  Ran ex = Doppel("explain " + ep + " 1 2");
  ASSERT_EQ(ex.code, 0) << ex.err;
  EXPECT_NE(ex.out.find("\"prior_weight\""), std::string::npos) << ex.out;

  // Merge entities 1 and 2 by hand, then undo it.
  Ran before = Doppel("get " + ep + " --entity 2");
  ASSERT_EQ(before.code, 0) << before.err;
  Ran merge = Doppel("merge " + ep + " 1 2 --reason 'operator call'");
  ASSERT_EQ(merge.code, 0) << merge.err;
  EXPECT_NE(merge.out.find("\"entity\": 1"), std::string::npos) << merge.out;
  Ran redirected = Doppel("get " + ep + " --entity 2");
  EXPECT_NE(redirected.out.find("\"id\": 1"), std::string::npos) << redirected.out;
  Ran unmerge = Doppel("unmerge " + ep + " 2 --reason 'not the same'");
  ASSERT_EQ(unmerge.code, 0) << unmerge.err;
  Ran after = Doppel("get " + ep + " --entity 2");
  auto members = [](const std::string& json) {
    size_t a = json.find("\"members\""), b = json.find(']', a);
    return json.substr(a, b - a);
  };
  EXPECT_EQ(members(after.out), members(before.out));
  EXPECT_NE(after.out.find("\"op\": \"unmerge\""), std::string::npos) << after.out;
  Ran again = Doppel("unmerge " + ep + " 2");
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("bad_request"), std::string::npos) << again.err;
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
