// The server's logs never hold personal data: a doppeld at debug level runs
// through every kind of request (good ones, refused ones, malformed ones),
// and its log is scanned for every name, phone and email of the data.
#include <gtest/gtest.h>

#include <filesystem>

#include "doppel/service/client.h"
#include "service/server_harness.h"

namespace doppel::service {
namespace {

namespace fs = std::filesystem;
using doppel::testing::ServerProcess;

TEST(ServerLogs, DebugLogsHoldNoPersonalData) {
  fs::path dir = fs::temp_directory_path() / ("doppeld_logs_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<std::string> surnames = {"Вертихвостова", "Запечкина", "Огуречников", "Прибауткин", "Щеколдина"};
  const std::vector<std::string> firsts = {"Евлампия", "Феоктист", "Аграфена", "Порфирий", "Василиса"};
  std::vector<std::string> secrets;
  Batch b;
  b.columns = {"id", "ФИО", "Телефон", "E-mail", "Дата рождения"};
  b.data.resize(b.columns.size());
  for (int i = 0; i < 40; ++i) {
    const std::string& last = surnames[i % 5];
    const std::string& first = firsts[(i / 5) % 5];
    char phone[32], digits[16], email[64];
    std::snprintf(phone, sizeof phone, "8 (917) %03d-%02d-%02d", 400 + i / 2, 10 + i / 2, 20 + i / 2);
    std::snprintf(digits, sizeof digits, "917%03d%02d%02d", 400 + i / 2, 10 + i / 2, 20 + i / 2);
    std::snprintf(email, sizeof email, "secret.person%d@mail.ru", i / 2);
    b.data[0].push_back(std::string("L").append(std::to_string(i)));  // pairs of duplicates below
    b.data[1].push_back(std::string(last).append(" ").append(first));
    b.data[2].push_back(phone);
    b.data[3].push_back(email);
    secrets.insert(secrets.end(), {last, first, digits, email});
  }
  b.data[4] = std::vector<std::string>(40, "12.03.1970");  // one birth date: pairs join by phone

  ServerProcess server((dir / "db").string(), {"--log-level", "debug"});
  ASSERT_TRUE(server.Start()) << server.Log();
  {
    auto c = Client::Connect(server.endpoint());
    ASSERT_TRUE(c.ok());
    Client& client = **c;
    auto ingested = client.Ingest(b);
    ASSERT_TRUE(ingested.ok()) << ingested.status().ToString();
    uint64_t e0 = ingested->entities[0], e2 = ingested->entities[2];
    EXPECT_TRUE(client.GetEntityJson(e0).ok());
    EXPECT_TRUE(client.GetRecordJson("L1").ok());
    EXPECT_FALSE(client.GetRecordJson("no-such-record").ok());
    EXPECT_TRUE(client.ResolveJson(b, true).ok());
    EXPECT_TRUE(client.MergeJson(e0, e2, "test").ok());
    EXPECT_TRUE(client.UnmergeJson(e2, "test").ok());
    EXPECT_TRUE(client.SuppressJson("add", "+79174001020", "do_not_call", "web").ok());
    EXPECT_TRUE(client.SuppressJson("check", "+79174001020").ok());
    EXPECT_TRUE(client.SuppressJson("list").ok());
    EXPECT_TRUE(client.SuppressJson("remove", "+79174001020").ok());
    EXPECT_TRUE(client.CallListJson("", 100, true).ok());
    EXPECT_TRUE(client.SegmentsJson("other", 0, 50).ok());
    auto outcomes = client.OutcomesJson({
        {{"entity_id", std::to_string(e0)}, {"contact", "+79174001020"}, {"outcome", "confirmed"}, {"called_at", "2026-12-05"}},
        {{"entity_id", std::to_string(e0)}, {"contact", "+79174111121"}, {"outcome", "confirmed"}, {"called_at", "2026-12-05"}},
        {{"entity_id", std::to_string(e2)}, {"contact", "+79174011121"}, {"outcome", "updated"}, {"called_at", "2026-12-05"},
         {"new_phone", "+7 917 999 88 77"}},
        {{"entity_id", std::to_string(e2)}, {"contact", "8 917 401 11 21"}, {"outcome", "maybe"}, {"called_at", "x"}},
    });
    EXPECT_TRUE(outcomes.ok()) << outcomes.status().ToString();
    secrets.push_back("9179998877");
    EXPECT_TRUE(client.ReportJson(true).ok());
    EXPECT_TRUE(client.HealthJson().ok());
    EXPECT_TRUE(client.StatsJson().ok());
    // Bad values in a request: typed errors whose messages name fields.
    Batch bad;
    bad.columns = {"id", "ФИО", "Телефон"};
    bad.data = {{"bad1"}, {"Злоумышленникова Ирина"}, {"not a phone at all 8-917-555"}};
    secrets.push_back("Злоумышленникова");
    (void)client.Ingest(bad);
    EXPECT_TRUE(client.EraseJson(e0, "request-5").ok());
  }
  EXPECT_EQ(server.Stop(), 0);
  std::string log = server.Log();
  EXPECT_NE(log.find("op=ingest"), std::string::npos) << log;
  EXPECT_NE(log.find("op=outcomes"), std::string::npos) << log;
  EXPECT_NE(log.find("op=erase"), std::string::npos) << log;
  size_t lines = std::count(log.begin(), log.end(), '\n');
  EXPECT_GT(lines, 20u);
  for (const auto& s : secrets) EXPECT_EQ(log.find(s), std::string::npos) << "the log holds '" << s << "'";
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace doppel::service
