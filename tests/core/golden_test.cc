#include "doppel/core/golden.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>

#include "doppel/storage/temp_files.h"

namespace doppel::core {
namespace {

MemberSnapshot Member(std::string id, std::string middle, std::string address, int64_t seen, int32_t verified) {
  MemberSnapshot m;
  m.record_id = std::move(id);
  m.last = "иванов";
  m.first = "пётр";
  m.middle = std::move(middle);
  m.gender = std::string(1, 'm');  // not = "m": GCC 12 warns falsely (-Wrestrict)
  m.address = std::move(address);
  m.seen_at = seen;
  m.verified = verified;
  return m;
}

// Three versions of one client: two agree on an old address, the newest one
// was verified most recently and carries the full patronymic.
std::vector<MemberSnapshot> Members() {
  std::vector<MemberSnapshot> ms = {
      Member("a", "с", "москва, тверская 1", 100, 20200101),
      Member("b", "с", "москва, тверская 1", 200, 20210101),
      Member("c", "сергеевич", "казань, баумана 5", 300, 20260101),
  };
  ms[0].phones = {"+79161234567"};
  ms[1].phones = {"+79161234567", "+79031112233"};
  ms[2].phones = {"+79031112233"};
  ms[1].phones.push_back("+74951234567");
  ms[0].birth_date = 19800512;
  ms[2].doc_id = "4510123456";
  return ms;
}

TEST(Golden, MostFrequentTakesTheMajorityAndNamesItsSource) {
  auto ms = Members();
  GoldenRecord g = BuildGolden(ms, Survivorship::kMostFrequent);
  EXPECT_EQ(g.members, 3u);
  EXPECT_EQ(g.middle, "с");
  EXPECT_EQ(g.address, "москва, тверская 1");
  EXPECT_EQ(g.address_from, "b");  // the latest of the members that carry it
  EXPECT_EQ(g.birth_date, 19800512);
  EXPECT_EQ(g.birth_date_from, "a");
  EXPECT_EQ(g.doc_id, "4510123456");  // a value only one member has still survives
  EXPECT_EQ(g.doc_id_from, "c");
  // Union of phones, the ones two members carry first.
  ASSERT_EQ(g.phones.size(), 3u);
  EXPECT_EQ(g.phones[2], "+74951234567");
}

TEST(Golden, OtherRulesPickTheVerifiedCompleteOrLatestValue) {
  auto ms = Members();
  GoldenRecord v = BuildGolden(ms, Survivorship::kMostRecentlyVerified);
  EXPECT_EQ(v.address, "казань, баумана 5");
  EXPECT_EQ(v.name_from, "c");
  GoldenRecord c = BuildGolden(ms, Survivorship::kMostComplete);
  EXPECT_EQ(c.middle, "сергеевич");
  GoldenRecord r = BuildGolden(ms, Survivorship::kMostRecent);
  EXPECT_EQ(r.address, "казань, баумана 5");
  EXPECT_EQ(r.address_from, "c");
}

TEST(Golden, SourcePriorityTrustsTheListedSourcesInOrder) {
  auto ms = Members();
  ms[0].source = "web";
  ms[1].source = "web";
  ms[2].source = "crm";
  SurvivorshipOptions o{Survivorship::kSourcePriority, {"crm", "web"}};
  GoldenRecord g = BuildGolden(ms, o);
  EXPECT_EQ(g.address, "казань, баумана 5");  // one crm record beats two web ones
  EXPECT_EQ(g.address_from, "c");
  EXPECT_EQ(g.birth_date_from, "a");  // only the web records have a birth date: it survives
  o.source_priority = {"web"};       // crm unlisted: below web
  EXPECT_EQ(BuildGolden(ms, o).address, "москва, тверская 1");
}

TEST(Golden, ResultDoesNotDependOnMemberOrder) {
  auto ms = Members();
  for (Survivorship rule : {Survivorship::kMostFrequent, Survivorship::kMostRecentlyVerified,
                            Survivorship::kMostComplete, Survivorship::kMostRecent, Survivorship::kSourcePriority}) {
    GoldenRecord a = BuildGolden(ms, rule);
    std::reverse(ms.begin(), ms.end());
    GoldenRecord b = BuildGolden(ms, rule);
    EXPECT_EQ(a.address, b.address);
    EXPECT_EQ(a.address_from, b.address_from);
    EXPECT_EQ(a.middle, b.middle);
    EXPECT_EQ(a.name_from, b.name_from);
    EXPECT_EQ(a.phones, b.phones);
  }
}

TEST(Golden, ParseSurvivorshipNamesTheChoicesOnError) {
  EXPECT_EQ(*ParseSurvivorship("most_complete"), Survivorship::kMostComplete);
  auto bad = ParseSurvivorship("newest");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("most_recently_verified"), std::string::npos);
}

}  // namespace
}  // namespace doppel::core

namespace doppel::core {
namespace {

TEST(PackedSnapshots, GivesBackEverySnapshotAsAdded) {
  std::vector<MemberSnapshot> all;
  MemberSnapshot empty;  // every field at its default, -1 activity counts included
  all.push_back(empty);
  MemberSnapshot full;
  full.last = "Петров-Водкин";
  full.first = "Кузьма";
  full.middle = "Сергеевич";
  full.gender = "m";
  full.phones = {"+79161234567", "+79031112233"};
  full.emails = {"k.petrov@mail.ru"};
  full.address = std::string(300, 'x');  // a length needing a two-byte varint
  full.birth_date = 18780524;
  full.doc_id = "4509 123456";
  full.seen_at = int64_t{1} << 50;
  full.verified = 20261201;
  full.source = "crm";
  full.activity = {20200101, 20261115, 12, 9925258, "phone"};
  full.record_id = "A-17";
  all.push_back(full);
  MemberSnapshot negative = full;
  negative.seen_at = -5;
  negative.activity.purchases = -1;
  negative.activity.revenue_cents = std::numeric_limits<int64_t>::min();
  negative.phones.clear();
  all.push_back(negative);
  PackedSnapshots packed;
  for (const auto& m : all) packed.Add(m);
  ASSERT_EQ(packed.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(packed.Get(i), all[i]) << "snapshot " << i;
  // Packed, a snapshot costs its values' bytes and at most 64 more.
  size_t values = 0;
  for (const auto& m : all) {
    for (const std::string* s : {&m.last, &m.first, &m.middle, &m.gender, &m.address, &m.doc_id, &m.source,
                                 &m.record_id, &m.activity.channel}) {
      values += s->size();
    }
    for (const auto& x : m.phones) values += x.size();
    for (const auto& x : m.emails) values += x.size();
  }
  EXPECT_LE(packed.bytes(), values + 64 * all.size() + sizeof(uint64_t));
}

// Spilled to a temporary file (some before SpillTo, most after): every
// snapshot reads back the same while loading (from the file or the part not
// yet written) and after Finish (through the map), and RAM keeps the offsets.
TEST(PackedSnapshots, SpilledToAFileReadBackTheSame) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "doppel-snap-XXXXXX").string();
  const std::string dir = mkdtemp(tmpl.data());
  storage::TempFileSpace space(dir);
  std::vector<MemberSnapshot> all;
  for (int i = 0; i < 30000; ++i) {
    MemberSnapshot m = Member(std::string("r").append(std::to_string(i)), i % 3 ? "Ивановна" : "", std::string(100 + i % 200, 'a' + i % 26),
                              i, 20260000 + i % 1000);
    m.phones = {std::string("+7916").append(std::to_string(1000000 + i))};
    all.push_back(m);
  }
  PackedSnapshots packed;
  for (int i = 0; i < 10; ++i) packed.Add(all[i]);
  auto file = space.NewFile();
  ASSERT_TRUE(file.ok());
  packed.SpillTo(std::move(*file));
  for (size_t i = 10; i < all.size(); ++i) {
    packed.Add(all[i]);
    if (i % 997 == 0) {
      for (size_t j : {size_t{0}, i / 2, i}) ASSERT_EQ(packed.Get(j), all[j]) << j << " while adding " << i;
    }
  }
  EXPECT_LT(packed.bytes(), size_t{5} << 20);  // at most a block in RAM, and the offsets
  ASSERT_TRUE(packed.Finish().ok());
  EXPECT_LT(packed.bytes(), all.size() * sizeof(uint64_t) + 64);
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(packed.Get(i), all[i]) << i;
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace doppel::core
