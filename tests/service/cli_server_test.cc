// The doppel client commands against a real doppeld, and backup/restore.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "service/server_harness.h"

namespace {

namespace fs = std::filesystem;
using doppel::testing::DoppelPath;
using doppel::testing::ServerProcess;

struct Ran {
  int code = -1;
  std::string out, err;
};

// '…' around a path for the shell (built with append: GCC 12 warns falsely
// on "literal" + std::string temporaries).
std::string Quoted(const std::string& s) {
  std::string q(1, '\'');
  q.append(s).push_back('\'');
  return q;
}

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

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
  Ran Doppel(const std::string& args) {
    Ran r;
    std::string cmd = Quoted(DoppelPath());
    cmd.append(" ").append(args).append(" >").append(Quoted((dir_ / "out").string()));
    cmd.append(" 2>").append(Quoted((dir_ / "err").string()));
    int status = std::system(cmd.c_str());
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(dir_ / "out");
    r.err = Slurp(dir_ / "err");
    return r;
  }
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
