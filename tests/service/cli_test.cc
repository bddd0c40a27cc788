// The `doppel` binary run as a process, end to end, on generated data and on
// the labelled FEBRL sets from ../shared/data.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out, err;
};

std::string Cli() {
  const char* env = std::getenv("DOPPEL_CLI");
  return env ? env : DOPPEL_CLI_PATH;
}

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("doppel_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  // `env`: "NAME=value" settings for this command only.
  Result Doppel(const std::string& args, const std::string& env = "") {
    Result r;
    fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    std::string cmd = (env.empty() ? "" : "env " + env + " ") + Quote(Cli()) + " " + args + " >" + Quote(out) +
                      " 2>" + Quote(err);
    int status = std::system(cmd.c_str());
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }
  std::string P(const std::string& name) { return Quote((dir_ / name).string()); }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name, std::ios::binary) << text; }

  fs::path dir_;
};

double Field(const std::string& text, const std::string& label, const std::string& what) {
  // Reads "label ... what 0.1234" from eval's text output.
  size_t l = text.find(label);
  if (l == std::string::npos) return -1;
  size_t w = text.find(what + " ", l);
  if (w == std::string::npos) return -1;
  return std::atof(text.c_str() + w + what.size() + 1);
}

TEST_F(CliTest, EveryCommandHasHelp) {
  for (const char* cmd : {"", "profile", "dedupe", "gen", "eval", "info", "bench", "ingest", "get", "health", "stats",
                          "backup", "restore", "explain", "blocking", "link", "resolve", "merge", "unmerge"}) {
    Result r = Doppel(std::string(cmd) + " --help");
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd << "\n" << r.out;
  }
  Result none = Doppel("");
  EXPECT_EQ(none.code, 2);
  Result bogus = Doppel("frobnicate");
  EXPECT_EQ(bogus.code, 2);
}

TEST_F(CliTest, GenerateProfileDedupeEvaluate) {
  Result gen = Doppel("gen --rows 3000 --seed 5 --locale ru --data-dir builtin -q --out " + P("g"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  ASSERT_TRUE(fs::exists(dir_ / "g/base.csv"));
  // Same seed, same bytes.
  Result gen2 = Doppel("gen --rows 3000 --seed 5 --locale ru --data-dir builtin -q --out " + P("g2"));
  ASSERT_EQ(gen2.code, 0);
  EXPECT_EQ(Slurp(dir_ / "g/base.csv"), Slurp(dir_ / "g2/base.csv"));

  Result prof = Doppel("profile -q --today 2026-12-04 " + P("g/base.csv"));
  ASSERT_EQ(prof.code, 0) << prof.err;
  EXPECT_NE(prof.out.find("3,000 read"), std::string::npos) << prof.out;
  for (const char* field : {"name", "phone", "email", "address", "birth_date"}) {
    EXPECT_NE(prof.out.find("\n" + std::string(field) + " "), std::string::npos) << field << "\n" << prof.out;
  }
  EXPECT_NE(prof.out.find("Exact duplicates"), std::string::npos);

  Result json = Doppel("profile -q --json " + P("g/base.csv"));
  ASSERT_EQ(json.code, 0);
  EXPECT_NE(json.out.find("\"records\": 3000"), std::string::npos) << json.out.substr(0, 400);

  Result dd = Doppel("dedupe --exact -q " + P("g/base.csv") + " --out " + P("d"));
  ASSERT_EQ(dd.code, 0) << dd.err;
  std::string clusters = Slurp(dir_ / "d/clusters.csv");
  EXPECT_EQ(clusters.rfind("record_id,entity_id\n", 0), 0u);
  EXPECT_EQ(std::count(clusters.begin(), clusters.end(), '\n'), 3001);
  EXPECT_NE(Slurp(dir_ / "d/summary.json").find("\"entities\""), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ / "d/rejects.csv"));

  // Deterministic: a second run (with one thread) gives the same clusters.
  Result dd1 = Doppel("dedupe --exact -q --threads 1 " + P("g/base.csv") + " --out " + P("d1"));
  ASSERT_EQ(dd1.code, 0);
  EXPECT_EQ(clusters, Slurp(dir_ / "d1/clusters.csv"));

  Result ev = Doppel("eval --truth " + P("g/truth.csv") + " " + P("d/clusters.csv"));
  ASSERT_EQ(ev.code, 0) << ev.err;
  double precision = Field(ev.out, "pairwise", "precision");
  double recall = Field(ev.out, "pairwise", "recall");
  EXPECT_GT(precision, 0.9) << ev.out;  // exact keys are precise...
  EXPECT_GT(recall, 0.2) << ev.out;     // ...and miss the damaged duplicates
  EXPECT_LT(recall, 1.0) << ev.out;
}

// Candidate pairs over --pair-memory go to temporary files: the same
// outputs byte for byte, nothing left in the spill directory, and clear
// errors for a bad size or a missing directory.
TEST_F(CliTest, SpilledPairsGiveTheSameOutputs) {
  Result gen = Doppel("gen --rows 4000 --seed 9 --locale ru --data-dir builtin -q --out " + P("g"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  Result mem = Doppel("dedupe -q " + P("g/base.csv") + " --out " + P("mem"));
  ASSERT_EQ(mem.code, 0) << mem.err;
  fs::create_directories(dir_ / "spill");
  Result disk = Doppel("dedupe " + P("g/base.csv") + " --out " + P("disk") + " --pair-memory 1 --spill-dir " +
                       P("spill"));
  ASSERT_EQ(disk.code, 0) << disk.err;
  EXPECT_NE(disk.err.find("went to temporary files in"), std::string::npos) << disk.err;
  for (const char* f : {"clusters.csv", "pairs.csv", "golden.csv", "model.json"}) {
    EXPECT_EQ(Slurp(dir_ / "mem" / f), Slurp(dir_ / "disk" / f)) << f;
  }
  EXPECT_NE(Slurp(dir_ / "mem/summary.json").find("\"spilled_bytes\": 0,"), std::string::npos);
  EXPECT_EQ(Slurp(dir_ / "disk/summary.json").find("\"spilled_bytes\": 0,"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir_ / "spill"));
  // The same through the config file.
  Write("spill.toml", "[match]\npair_memory = \"1K\"\n");
  Result cfg = Doppel("dedupe -q --config " + P("spill.toml") + " " + P("g/base.csv") + " --out " + P("cfg"));
  ASSERT_EQ(cfg.code, 0) << cfg.err;
  EXPECT_EQ(Slurp(dir_ / "mem/clusters.csv"), Slurp(dir_ / "cfg/clusters.csv"));
  EXPECT_EQ(Slurp(dir_ / "cfg/summary.json").find("\"spilled_bytes\": 0,"), std::string::npos);

  Result bad = Doppel("dedupe -q " + P("g/base.csv") + " --out " + P("x") + " --pair-memory lots");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("--pair-memory"), std::string::npos) << bad.err;
  Result missing = Doppel("dedupe -q " + P("g/base.csv") + " --out " + P("x") + " --spill-dir " + P("nope"));
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;

  // A disk that fills up while spilling (a 200 KB file size limit, its
  // signal ignored so writes fail with EFBIG): a clear error, exit 1, and
  // no output published.
  const std::string cmd = "ulimit -f 200; trap '' XFSZ; exec " + Quote(Cli()) + " dedupe -q " + P("g/base.csv") +
                          " --out " + P("full") + " --pair-memory 1 2>" + P("full.err");
  const int status = std::system(("sh -c " + Quote(cmd)).c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string err = Slurp(dir_ / "full.err");
  EXPECT_NE(err.find("cannot write a temporary file"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_ / "full/clusters.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "full/summary.json"));
}

// doppel blocking: the rules' table, its last cumulative count the
// candidate pairs dedupe compares, and with truth the recall; the same
// table with the rules' lists spilled.
TEST_F(CliTest, BlockingTableMatchesDedupeAndSpills) {
  Result gen = Doppel("gen --rows 3000 --seed 4 --locale ru --data-dir builtin -q --out " + P("g"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  Result mem = Doppel("blocking -q " + P("g/base.csv") + " --truth " + P("g/truth.csv"));
  ASSERT_EQ(mem.code, 0) << mem.err;
  EXPECT_NE(mem.out.find("3,000 records"), std::string::npos) << mem.out;
  EXPECT_NE(mem.out.find("  phone "), std::string::npos) << mem.out;
  EXPECT_NE(mem.out.find("true pairs; blocking finds"), std::string::npos) << mem.out;
  Result dedupe = Doppel("dedupe -q " + P("g/base.csv") + " --out " + P("d"));
  ASSERT_EQ(dedupe.code, 0) << dedupe.err;
  // The last rule's cumulative column is the union dedupe compared.
  const std::string summary = Slurp(dir_ / "d/summary.json");
  const size_t at = summary.find("\"candidate_pairs\": ");
  ASSERT_NE(at, std::string::npos) << summary;
  const uint64_t candidates = std::strtoull(summary.c_str() + at + 19, nullptr, 10);
  ASSERT_GT(candidates, 1000u);
  std::string last_row;
  std::istringstream lines(mem.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  birth_date_alone ", 0) == 0) last_row = line;
  }
  std::string grouped = std::to_string(candidates);
  for (int i = static_cast<int>(grouped.size()) - 3; i > 0; i -= 3) grouped.insert(i, ",");
  EXPECT_NE(last_row.find(" " + grouped + " "), std::string::npos) << last_row << " vs " << grouped;
  fs::create_directories(dir_ / "spill");
  Result disk = Doppel("blocking " + P("g/base.csv") + " --truth " + P("g/truth.csv") +
                       " --pair-memory 1 --spill-dir " + P("spill"));
  ASSERT_EQ(disk.code, 0) << disk.err;
  EXPECT_EQ(disk.out, mem.out);
  EXPECT_NE(disk.err.find("went to temporary files in"), std::string::npos) << disk.err;
  EXPECT_TRUE(fs::is_empty(dir_ / "spill"));
}

// The records' columns over --record-memory are mapped from temporary
// files: the same outputs byte for byte, said on stderr and in
// summary.json, and nothing left in the spill directory; a spill directory
// on tmpfs is refused with a note. (Columns go to files from 4 MiB up, so
// the base is big enough for a few: 70,000 records.)
TEST_F(CliTest, ColumnsOverTheRecordMemoryGoToFilesWithTheSameOutputs) {
  Result gen = Doppel("gen --rows 70000 --seed 5 --locale ru --data-dir builtin -q --out " + P("g"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  Result mem = Doppel("dedupe -q " + P("g/base.csv") + " --out " + P("mem") + " --record-memory 1T");
  ASSERT_EQ(mem.code, 0) << mem.err;
  EXPECT_NE(Slurp(dir_ / "mem/summary.json").find("\"column_file_bytes\": 0,"), std::string::npos);
  fs::create_directories(dir_ / "spill");
  Result disk = Doppel("dedupe " + P("g/base.csv") + " --out " + P("disk") + " --record-memory 1 --spill-dir " +
                       P("spill"));
  ASSERT_EQ(disk.code, 0) << disk.err;
  for (const char* f : {"clusters.csv", "pairs.csv", "golden.csv", "model.json"}) {
    EXPECT_EQ(Slurp(dir_ / "mem" / f), Slurp(dir_ / "disk" / f)) << f;
  }
  if (disk.err.find("is in memory (tmpfs)") == std::string::npos) {
    EXPECT_NE(disk.err.find("of record columns went to temporary files in"), std::string::npos) << disk.err;
    EXPECT_EQ(disk.err.find("stayed in RAM"), std::string::npos) << disk.err;
    EXPECT_EQ(Slurp(dir_ / "disk/summary.json").find("\"column_file_bytes\": 0,"), std::string::npos);
  } else {  // a temporary directory on tmpfs: refused, and said (even with -q)
    EXPECT_NE(disk.err.find("stayed in RAM over --record-memory"), std::string::npos) << disk.err;
  }
  EXPECT_TRUE(fs::is_empty(dir_ / "spill"));
  // explain trains the same model with the same budgets (its pairs streamed
  // as dedupe's, over --pair-memory to files): the same explanation.
  Result ex_mem = Doppel("explain --json " + P("g/base.csv") + " 1 2 --record-memory 1T --pair-memory 1T");
  ASSERT_EQ(ex_mem.code, 0) << ex_mem.err;
  Result ex_disk = Doppel("explain --json " + P("g/base.csv") + " 1 2 --record-memory 1 --pair-memory 1 --spill-dir " +
                          P("spill"));
  ASSERT_EQ(ex_disk.code, 0) << ex_disk.err;
  EXPECT_EQ(ex_mem.out, ex_disk.out);
  EXPECT_NE(ex_mem.out.find("\"probability\""), std::string::npos) << ex_mem.out;
  EXPECT_TRUE(fs::is_empty(dir_ / "spill"));
  Result bad = Doppel("dedupe -q " + P("g/base.csv") + " --out " + P("x") + " --record-memory some");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("--record-memory"), std::string::npos) << bad.err;
}

// A base whose numbers the default region refuses (North American numbers
// read as Russian ones) gets a note on stderr that names --region; with the
// right region it does not.
TEST_F(CliTest, PhonesFromAnotherCountryAskForTheRegion) {
  // 150 people whose numbers are `prefix` and four digits.
  auto phones = [](const std::string& prefix) {
    std::string csv = "id,first_name,last_name,phone\n";
    for (int i = 0; i < 150; ++i) {
      csv += std::to_string(i) + ",Ann,Lee" + std::to_string(i) + "," + prefix + std::to_string(1000 + i) + "\n";
    }
    return csv;
  };
  Write("us.csv", phones("(212) 555-"));
  Result ru = Doppel("profile -q " + P("us.csv"));
  ASSERT_EQ(ru.code, 0) << ru.err;
  EXPECT_NE(ru.err.find("not valid in region RU"), std::string::npos) << ru.err;
  EXPECT_NE(ru.err.find("--region"), std::string::npos) << ru.err;
  Result us = Doppel("dedupe -q " + P("us.csv") + " --out " + P("o") + " --region US");
  ASSERT_EQ(us.code, 0) << us.err;
  EXPECT_EQ(us.err.find("not valid in region"), std::string::npos) << us.err;
  // Bad numbers written with another country's code say nothing about the
  // default region: no note, however many there are.
  Write("plus.csv", phones("+1 212 000-"));
  Result coded = Doppel("profile -q " + P("plus.csv"));
  ASSERT_EQ(coded.code, 0) << coded.err;
  EXPECT_EQ(coded.err.find("not valid in region"), std::string::npos) << coded.err;
}

TEST_F(CliTest, BadRowsGoToRejectsAndNothingIsLost) {
  Write("bad.csv",
        "id;ФИО;Телефон\n"
        "1;Иванов Иван;89123456789\n"
        "2;Петров\n"
        "3;\"Сидоров;8912\n"
        "4;Смирнов Олег;+7 912 345 67 89\n");
  Result dd = Doppel("dedupe --exact -q " + P("bad.csv") + " --out " + P("o"));
  ASSERT_EQ(dd.code, 0) << dd.err;
  std::string rejects = Slurp(dir_ / "o/rejects.csv");
  EXPECT_NE(rejects.find("3,\"expected 3 fields, found 2\",2;Петров"), std::string::npos) << rejects;
  EXPECT_NE(rejects.find("4,unterminated quoted field"), std::string::npos) << rejects;
  std::string clusters = Slurp(dir_ / "o/clusters.csv");
  EXPECT_EQ(clusters, "record_id,entity_id\n1,1\n4,1\n");
  EXPECT_NE(Slurp(dir_ / "o/summary.json").find("\"rejects\": 2"), std::string::npos);
}

// A repeated record id in fuzzy dedupe: the later row is rejected with both
// lines, the first one kept; explain finds records by id among thousands.
TEST_F(CliTest, RepeatedIdsAreRejectedAndIdsAreFound) {
  std::string csv = "id;ФИО;Телефон\n";
  for (int i = 0; i < 3000; ++i) csv += "r" + std::to_string(i) + ";Иванов Иван;8912" + std::to_string(1000000 + i) + "\n";
  csv += "r17;Петров Пётр;89120000000\n";  // line 3002 repeats the id of line 19
  Write("rep.csv", csv);
  Result dd = Doppel("dedupe -q " + P("rep.csv") + " --out " + P("o"));
  ASSERT_EQ(dd.code, 0) << dd.err;
  std::string rejects = Slurp(dir_ / "o/rejects.csv");
  EXPECT_NE(rejects.find("3002,repeated record id (first seen at line 19),r17"), std::string::npos) << rejects;
  EXPECT_NE(Slurp(dir_ / "o/summary.json").find("\"rejects\": 1"), std::string::npos);
  Result ex = Doppel("explain " + P("rep.csv") + " r17 r2999");
  EXPECT_EQ(ex.code, 0) << ex.err;
  Result missing = Doppel("explain " + P("rep.csv") + " r17 r3000");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no record 'r3000'"), std::string::npos) << missing.err;
}

TEST_F(CliTest, ClearErrorsForMissingFilesAndBadOptions) {
  Result r = Doppel("profile -q " + P("nope.csv"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no such file"), std::string::npos) << r.err;
  Write("a.csv", "id,phone\n1,89123456789\n");
  r = Doppel("profile -q --map shoe=phone " + P("a.csv"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("unknown role"), std::string::npos) << r.err;
  r = Doppel("profile -q --map phone=nosuch " + P("a.csv"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no such column"), std::string::npos) << r.err;
  r = Doppel("dedupe -q --keys phone " + P("a.csv") + " --out " + P("x"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--exact"), std::string::npos) << r.err;
  r = Doppel("dedupe -q --threshold 1.5 " + P("a.csv") + " --out " + P("x"));
  EXPECT_EQ(r.code, 1);
  r = Doppel("profile -q --encoding koi9 " + P("a.csv"));
  EXPECT_EQ(r.code, 1);
  Write("bad.toml", "[input]\nencodng = 1\n");
  r = Doppel("profile -q --config " + P("bad.toml") + " " + P("a.csv"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.toml:2"), std::string::npos) << r.err;
}

TEST_F(CliTest, ConfigFileMapsColumns) {
  Write("odd.csv", "k;client;tel;note\n1;Иванов Иван;89123456789;x\n2;Ivanov Ivan;+7 912 345-67-89;y\n");
  Write("job.toml", "[columns]\nrecord_id = \"k\"\nfull_name = \"client\"\nphone = \"tel\"\n");
  Result r = Doppel("dedupe --exact -q --config " + P("job.toml") + " " + P("odd.csv") + " --out " + P("o"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Slurp(dir_ / "o/clusters.csv"), "record_id,entity_id\n1,1\n2,1\n");
}

// FEBRL: entity in rec_id ("rec-12-dup-0"). Exact keys find only the
// duplicates whose name and birth date (or social security id) survived.
TEST_F(CliTest, FebrlExactDedupe) {
  const fs::path data = DOPPEL_SHARED_DATA;
  if (!fs::exists(data / "febrl3/dataset3.csv")) GTEST_SKIP() << "no ../shared/data";
  for (const char* set : {"febrl1/dataset1.csv", "febrl2/dataset2.csv", "febrl3/dataset3.csv"}) {
    SCOPED_TRACE(set);
    Result dd = Doppel("dedupe --exact -q " + Quote((data / set).string()) + " --out " + P("f"));
    ASSERT_EQ(dd.code, 0) << dd.err;
    EXPECT_NE(Slurp(dir_ / "f/summary.json").find("\"rejects\": 0"), std::string::npos);
    Result ev = Doppel("eval --truth-from-id 'rec-(\\d+)-' " + P("f/clusters.csv"));
    ASSERT_EQ(ev.code, 0) << ev.err;
    std::printf("%s\n%s", set, ev.out.c_str());
    EXPECT_GT(Field(ev.out, "pairwise", "precision"), 0.95) << ev.out;
    EXPECT_GT(Field(ev.out, "pairwise", "recall"), 0.2) << ev.out;
  }
}

TEST_F(CliTest, NdjsonMapForAKeyThatAppearsLate) {
  std::string ndjson;
  for (int i = 1; i <= 20; ++i) ndjson += "{\"id\": " + std::to_string(i) + ", \"name\": \"Client " + std::to_string(i) + "\"}\n";
  ndjson += "{\"id\": 21, \"mob\": \"89123456789\"}\n{\"id\": 22, \"mob\": \"+7 912 345 67 89\"}\n";
  Write("late.ndjson", ndjson);
  Result r = Doppel("dedupe --exact -q --map phone=mob --map email=never " + P("late.ndjson") + " --out " + P("o"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("no record had the key 'never'"), std::string::npos) << r.err;
  std::string clusters = Slurp(dir_ / "o/clusters.csv");
  EXPECT_NE(clusters.find("22,21\n"), std::string::npos) << clusters;
}

TEST_F(CliTest, BenchTimesStagesOnBothBackendsWithTheSameResult) {
  Result r = Doppel("bench -q --rows 3000 --backend reference,simd --data-dir builtin --work " + P("w") +
                    " --json " + P("bench.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("reference"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("simd/"), std::string::npos) << r.out;
  std::string json = Slurp(dir_ / "bench.json");
  // Both runs found the same candidates and scored the same F1.
  size_t first = json.find("\"candidate_pairs\""), second = json.find("\"candidate_pairs\"", first + 1);
  ASSERT_NE(second, std::string::npos) << json;
  EXPECT_EQ(json.substr(first, json.find(',', first) - first), json.substr(second, json.find(',', second) - second));
  size_t f1 = json.find("\"pairwise_f1\"");
  ASSERT_NE(f1, std::string::npos);
  EXPECT_GT(std::atof(json.c_str() + json.find(':', f1) + 1), 0.9) << json;
  EXPECT_TRUE(fs::exists(dir_ / "w" / "ru-3000-seed7" / "base.csv"));  // kept for the next run
  EXPECT_NE(json.find("\"spilled_bytes\": 0"), std::string::npos) << json;

  // With the pairs spilled beside the base: the same candidates and F1.
  Result spilled = Doppel("bench -q --rows 3000 --backend simd --data-dir builtin --pair-memory 1 --work " + P("w") +
                          " --json " + P("spilled.json"));
  ASSERT_EQ(spilled.code, 0) << spilled.err;
  std::string sj = Slurp(dir_ / "spilled.json");
  size_t c = sj.find("\"candidate_pairs\""), f = sj.find("\"pairwise_f1\"");
  ASSERT_NE(c, std::string::npos) << sj;
  EXPECT_EQ(sj.substr(c, sj.find(',', c) - c), json.substr(first, json.find(',', first) - first));
  EXPECT_EQ(sj.substr(f, sj.find(',', f) - f), json.substr(f1, json.find(',', f1) - f1));
  EXPECT_EQ(sj.find("\"spilled_bytes\": 0"), std::string::npos) << sj;
}

// DOPPEL_SIMD_TARGET caps the dispatched target: `info` names the cap, and a
// fuzzy dedupe on each lesser target gives the best target's outputs byte
// for byte (the kernels agree with the reference on every target).
TEST_F(CliTest, EverySimdTargetGivesTheSameDedupe) {
  Result gen = Doppel("gen --rows 2000 --seed 3 --locale ru --data-dir builtin -q --out " + P("g"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  Result best = Doppel("dedupe -q " + P("g/base.csv") + " --out " + P("best"));
  ASSERT_EQ(best.code, 0) << best.err;
  const std::string pairs = Slurp(dir_ / "best/pairs.csv");
  ASSERT_GT(std::count(pairs.begin(), pairs.end(), '\n'), 100) << "too few pairs to compare targets on";
  for (const std::string target : {"AVX2", "SSE4", "SSSE3"}) {
    Result info = Doppel("info", "DOPPEL_SIMD_TARGET=" + target);
    ASSERT_EQ(info.code, 0);
    if (info.out.find("best SIMD target " + target) == std::string::npos) {
      std::printf("this CPU or binary has no %s target: skipped\n%s", target.c_str(), info.err.c_str());
      continue;
    }
    Result run = Doppel("dedupe -q " + P("g/base.csv") + " --out " + P(target), "DOPPEL_SIMD_TARGET=" + target);
    ASSERT_EQ(run.code, 0) << run.err;
    for (const char* file : {"clusters.csv", "pairs.csv", "golden.csv", "model.json"}) {
      EXPECT_EQ(Slurp(dir_ / target / file), Slurp(dir_ / "best" / file)) << target << " " << file;
    }
  }
  Result bad = Doppel("info", "DOPPEL_SIMD_TARGET=NOSUCH");
  EXPECT_EQ(bad.code, 0);
  EXPECT_NE(bad.err.find("DOPPEL_SIMD_TARGET=NOSUCH is not a target"), std::string::npos) << bad.err;
}

TEST_F(CliTest, InfoNamesTheBackend) {
  Result r = Doppel("info");
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("reference"), std::string::npos) << r.out;
  r = Doppel("info --json");
  EXPECT_NE(r.out.find("\"cpu_target\""), std::string::npos) << r.out;
}

// The malloc the build chose is the one the program runs on: a build with
// jemalloc reports it at run time (through mallctl), one without reports
// the C library's.
TEST_F(CliTest, InfoNamesTheMallocInUse) {
  Result r = Doppel("info --json");
  ASSERT_EQ(r.code, 0);
  const bool built_with_jemalloc = r.out.find("\"allocator_built\": \"jemalloc") != std::string::npos;
  if (built_with_jemalloc) {
    EXPECT_NE(r.out.find("\"allocator\": \"jemalloc 5"), std::string::npos) << r.out;
  } else {
    EXPECT_NE(r.out.find("\"allocator_built\": \"system\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"allocator\": \"system\""), std::string::npos) << r.out;
  }
}

}  // namespace
