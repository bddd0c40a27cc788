// The actualization loop through doppeld: suppression, call lists, call
// outcomes and reports over real sockets on a real database, surviving a
// restart.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <regex>
#include <set>

#include "doppel/service/client.h"
#include "service/server_harness.h"

namespace doppel::service {
namespace {

namespace fs = std::filesystem;
using doppel::testing::ServerProcess;

class ServerLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("doppeld_loop_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

std::string PhoneOf(int i) {
  char phone[32];
  std::snprintf(phone, sizeof phone, "+7916%07d", 1000000 + i);
  return phone;
}

// Every value of a JSON array field "key": [ ... ] of numbers or strings.
std::vector<std::string> Values(const std::string& json, const std::string& key) {
  std::vector<std::string> out;
  std::regex re("\"" + key + "\": \"?([^\",\\n]*)\"?");
  for (std::sregex_iterator it(json.begin(), json.end(), re), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

TEST_F(ServerLoopTest, SuppressCallListOutcomesReportAndRestart) {
  ServerProcess server((dir_ / "db").string());
  ASSERT_TRUE(server.Start()) << server.Log();
  std::vector<uint64_t> entity(40);
  {
    auto client = Client::Connect(server.endpoint());
    ASSERT_TRUE(client.ok());
    Batch b;
    b.columns = {"id", "ФИО", "Телефон", "Дата проверки", "Покупок", "Сумма", "Последняя покупка"};
    b.data.resize(b.columns.size());
    for (int i = 0; i < 40; ++i) {
      // Built with append: GCC 12 warns falsely on "literal" + std::string.
      b.data[0].push_back(std::string("r").append(std::to_string(i)));
      b.data[1].push_back(std::string("Клиентов Клиент Номер").append(1, static_cast<char>('a' + i % 26)));
      b.data[2].push_back(PhoneOf(i));
      b.data[3].push_back(i % 2 ? "01.02.2024" : "");  // verified long ago, or never
      b.data[4].push_back(std::to_string(i % 9));
      b.data[5].push_back(std::to_string(1000 * i));
      b.data[6].push_back("15.03.2025");
    }
    // r40 is r0 again, from another system: one client, one call.
    for (size_t c = 0; c < b.columns.size(); ++c) b.data[c].push_back(c == 0 ? "r40" : b.data[c][0]);
    auto reply = (*client)->Ingest(b);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    for (int i = 0; i < 40; ++i) entity[i] = reply->entities[i];
    EXPECT_EQ(reply->entities[40], entity[0]);
  }
  auto client = Client::Connect(server.endpoint());
  ASSERT_TRUE(client.ok());
  Client& c = **client;

  // Suppression: add, check, list; a typed error for a bad action.
  auto added = c.SuppressJson("add", "8 (916) 100-00-03", "blocked", "court");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  auto check = c.SuppressJson("check", PhoneOf(3));
  ASSERT_TRUE(check.ok());
  EXPECT_NE(check->find("\"suppressed\": true"), std::string::npos) << *check;
  auto list = c.SuppressJson("list");
  ASSERT_TRUE(list.ok());
  EXPECT_NE(list->find("\"reason\": \"blocked\""), std::string::npos) << *list;
  EXPECT_EQ(c.SuppressJson("frobnicate", "x").status().code(), StatusCode::kInvalidArgument);

  // The call list: every client is due; one entry per client, none for the
  // suppressed number, none twice for the duplicate.
  auto calls = c.CallListJson("", 1000, false, "2026-12-04");
  ASSERT_TRUE(calls.ok()) << calls.status().ToString();
  std::vector<std::string> ids = Values(*calls, "entity"), phones = Values(*calls, "phone");
  EXPECT_EQ(ids.size(), 39u) << *calls;
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_EQ(std::count(phones.begin(), phones.end(), PhoneOf(3)), 0);
  EXPECT_NE(calls->find("\"local_window\": \"09:00-20:00 UTC+03:00\""), std::string::npos);
  EXPECT_EQ(c.CallListJson("no_such_segment", 10).status().code(), StatusCode::kInvalidArgument);

  // Segment queries: sizes add up to every client; a page of members.
  auto segs = c.SegmentsJson("", 0, 0, "2026-12-04");
  ASSERT_TRUE(segs.ok()) << segs.status().ToString();
  uint64_t total = 0;
  for (const auto& n : Values(*segs, "entities")) total += std::stoull(n);
  EXPECT_EQ(total, 40u) << *segs;
  auto page = c.SegmentsJson("other", 2, 3, "2026-12-04");
  ASSERT_TRUE(page.ok());
  EXPECT_LE(Values(*page, "entity").size(), 3u);
  EXPECT_EQ(c.SegmentsJson("nope").status().code(), StatusCode::kInvalidArgument);

  // Outcomes: five kinds, plus rows that are wrong in different ways.
  std::vector<std::map<std::string, std::string>> rows = {
      {{"entity_id", std::to_string(entity[1])}, {"contact", PhoneOf(1)}, {"outcome", "confirmed"},
       {"called_at", "2026-12-05"}, {"operator", "op1"}, {"preferred_channel", "sms"}},
      {{"entity_id", std::to_string(entity[2])}, {"contact", PhoneOf(2)}, {"outcome", "updated"},
       {"called_at", "2026-12-05"}, {"new_phone", "8 903 555 44 33"}},
      {{"entity_id", std::to_string(entity[4])}, {"contact", PhoneOf(4)}, {"outcome", "do_not_call"},
       {"called_at", "2026-12-05"}},
      {{"entity_id", std::to_string(entity[5])}, {"contact", PhoneOf(5)}, {"outcome", "wrong_person"},
       {"called_at", "2026-12-05"}},
      {{"entity_id", std::to_string(entity[6])}, {"contact", PhoneOf(6)}, {"outcome", "unreachable"},
       {"called_at", "2026-12-05"}},
      {{"entity_id", "999999"}, {"contact", PhoneOf(7)}, {"outcome", "confirmed"}, {"called_at", "2026-12-05"}},
      {{"entity_id", std::to_string(entity[7])}, {"contact", PhoneOf(8)}, {"outcome", "confirmed"},
       {"called_at", "2026-12-05"}},
      {{"entity_id", std::to_string(entity[7])}, {"contact", PhoneOf(7)}, {"outcome", "perhaps"},
       {"called_at", "2026-12-05"}},
      {{"entity_id", std::to_string(entity[7])}, {"colour", "red"}},
  };
  auto applied = c.OutcomesJson(rows, "campaign-1");
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_NE(applied->find("\"applied\": 5"), std::string::npos) << *applied;
  EXPECT_EQ(Values(*applied, "index"), (std::vector<std::string>{"5", "6", "7", "8"})) << *applied;
  EXPECT_NE(applied->find("no entity 999999"), std::string::npos);
  EXPECT_NE(applied->find("is not a contact of entity"), std::string::npos);
  EXPECT_NE(applied->find("unknown column 'colour'"), std::string::npos);
  EXPECT_NE(applied->find("\"records_added\": 1"), std::string::npos);

  // do_not_call suppressed the number; the new number is the client's now.
  check = c.SuppressJson("check", PhoneOf(4));
  EXPECT_NE(check->find("\"suppressed\": true"), std::string::npos) << *check;
  auto e2 = c.GetEntityJson(entity[2]);
  ASSERT_TRUE(e2.ok());
  EXPECT_NE(e2->find("+79035554433"), std::string::npos) << *e2;
  EXPECT_NE(e2->find("\"op\": \"outcome\""), std::string::npos) << *e2;

  // Called clients leave the list; the detached and suppressed numbers are
  // not offered.
  calls = c.CallListJson("", 1000, false, "2026-12-06");
  ASSERT_TRUE(calls.ok());
  phones = Values(*calls, "phone");
  for (int i : {1, 3, 4, 5}) EXPECT_EQ(std::count(phones.begin(), phones.end(), PhoneOf(i)), 0) << i;

  auto report = c.ReportJson(/*html=*/true);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_NE(report->find("id=\\\"campaign\\\""), std::string::npos);
  EXPECT_NE(report->find("\\\"total\\\": 5"), std::string::npos) << report->substr(0, 3000);
  EXPECT_EQ(server.Stop(), 0);

  // After a restart every outcome is still there.
  ASSERT_TRUE(server.Start()) << server.Log();
  auto again = Client::Connect(server.endpoint());
  ASSERT_TRUE(again.ok());
  auto report2 = (*again)->ReportJson(false, false);
  ASSERT_TRUE(report2.ok());
  EXPECT_NE(report2->find("\\\"wrong_person\\\": 1"), std::string::npos) << report2->substr(0, 3000);
  auto check2 = (*again)->SuppressJson("check", PhoneOf(4));
  EXPECT_NE(check2->find("\"suppressed\": true"), std::string::npos);
  EXPECT_EQ(server.Stop(), 0);
}

// Each segment learns how fast its contacts go out of date from the calls on
// its clients: VIPs whose numbers change fast, dormant clients whose numbers
// last, and the report and staleness follow.
TEST_F(ServerLoopTest, EachSegmentLearnsItsOwnDecayFromCalls) {
  ServerProcess server((dir_ / "db").string());
  ASSERT_TRUE(server.Start()) << server.Log();
  auto client = Client::Connect(server.endpoint());
  ASSERT_TRUE(client.ok());
  Client& c = **client;
  const int n = 120;  // per segment
  Batch b;
  b.columns = {"id", "ФИО", "Телефон", "Дата проверки", "Сумма", "Последняя покупка"};
  b.data.resize(b.columns.size());
  std::vector<int> age_of(2 * n);
  for (int i = 0; i < 2 * n; ++i) {
    bool vip = i < n;
    int age = 20 + (i % n) * 12;  // days between the last verification and the call
    age_of[i] = age;
    int32_t verified = 0;
    {
      // 2026-12-05 minus `age` days, as dd.mm.yyyy
      int64_t days = 20792 - age;  // 2026-12-05 is day 20792 since 1970-01-01
      int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
      int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
      int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
      int64_t y = yoe + era * 400 + (m <= 2);
      verified = static_cast<int32_t>(y * 10000 + m * 100 + d);
    }
    char date[16];
    std::snprintf(date, sizeof date, "%02d.%02d.%04d", verified % 100, verified / 100 % 100, verified / 10000);
    b.data[0].push_back(std::string("s").append(std::to_string(i)));
    b.data[1].push_back(std::string("Сегментов Клиент ").append(std::to_string(i)));
    b.data[2].push_back(PhoneOf(5000 + i));
    b.data[3].push_back(date);
    b.data[4].push_back(vip ? "100000" : "100");
    b.data[5].push_back(vip ? "01.11.2026" : "01.01.2020");
  }
  auto ingested = c.Ingest(b);
  ASSERT_TRUE(ingested.ok()) << ingested.status().ToString();
  // Outcomes: VIP numbers have a half-life of about 150 days, dormant ones
  // of about 3000 (still valid when a deterministic draw falls under 2^(-age/h)).
  std::vector<std::map<std::string, std::string>> rows;
  for (int i = 0; i < 2 * n; ++i) {
    double h = i < n ? 150.0 : 3000.0;
    double draw = ((i * 7919) % 1000 + 0.5) / 1000.0;
    bool valid = draw < std::exp2(-age_of[i] / h);
    rows.push_back({{"entity_id", std::to_string(ingested->entities[i])},
                    {"contact", PhoneOf(5000 + i)},
                    {"outcome", valid ? "confirmed" : "unreachable"},
                    {"called_at", "2026-12-05"}});
  }
  auto applied = c.OutcomesJson(rows);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_NE(applied->find("\"applied\": 240"), std::string::npos) << *applied;

  auto report = c.ReportJson(false, false);
  ASSERT_TRUE(report.ok());
  // The report JSON travels as a string inside the reply: quotes are escaped.
  auto decay_of = [&](const std::string& segment) {
    size_t at = report->find("\\\"name\\\": \\\"" + segment + "\\\"");
    EXPECT_NE(at, std::string::npos) << segment;
    if (at == std::string::npos) return -1.0;
    size_t d = report->find("decay_per_year\\\": ", at);
    size_t e = report->find("decay_estimated\\\": ", at);
    EXPECT_EQ(report->compare(e + 19, 4, "true"), 0) << segment << ": " << report->substr(at, 800);
    return std::stod(report->substr(d + 18));
  };
  double vip = decay_of("vip"), dormant = decay_of("dormant");
  // 150 days: 82% a year; 3000 days: 8% a year (sampling noise allowed).
  EXPECT_GT(vip, 0.6);
  EXPECT_LT(dormant, 0.25);
  EXPECT_NE(report->find("learned from 240 calls"), std::string::npos);
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace doppel::service
