#include "doppel/core/exact_dedupe.h"

#include <gtest/gtest.h>

#include <map>

#include "doppel/core/reader.h"

namespace doppel::core {
namespace {

// Reads CSV text, normalizes it and clusters it; returns record -> entity.
std::map<std::string, std::string> Dedupe(const std::string& csv, ExactDedupeOptions options = {},
                                          ExactDedupeResult* result = nullptr) {
  auto reader = OpenReader(std::make_unique<MemorySource>(csv), {});
  EXPECT_TRUE(reader.ok());
  auto map = FieldMap::Build((*reader)->column_names(), {});
  ExactDeduper dd(options, kernels::GetKernels(kernels::Backend::kReference));
  RecordBatch batch;
  std::vector<Reject> rejects;
  std::vector<NormalizedRecord> recs;
  NormalizeOptions no;
  bool mapped = false;
  while (true) {
    auto more = (*reader)->Next(&batch, &rejects);
    EXPECT_TRUE(more.ok());
    if (!*more) break;
    if (!mapped) map = FieldMap::Build((*reader)->column_names(), {}), mapped = true;
    NormalizeBatch(batch, *map, no, &recs);
    dd.Add(recs);
  }
  ExactDedupeResult r = dd.Finish();
  if (result) *result = r;
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < dd.size(); ++i) out[std::string(dd.record_id(i))] = std::string(dd.entity_id(i));
  return out;
}

TEST(ExactDedupe, KeysChainAcrossPhoneEmailAndNameDob) {
  std::string csv =
      "id;ФИО;Телефон;E-mail;Дата рождения\n"
      "10;Иванов Иван Иванович;8 (912) 345-67-89;;12.03.1985\n"
      "2;Ivanov Ivan;+7 912 345 67 89;ivan.ivanov@gmail.com;\n"   // phone -> 10
      "7;Петров Петр;;IvanIvanov+shop@googlemail.com;\n"         // canonical email -> 2
      "3;ИВАНОВ ИВАН;;;1985-03-12\n"                              // name + dob -> 10
      "4;Сидоров Сидор;8 (343) 123-45-67;;\n"                     // landline: not a personal key
      "5;Сидорова Анна;8 (343) 123-45-67;info@romashka.ru;\n"    // same landline, role mailbox
      "6;Кузнецов Олег;;info@romashka.ru;\n";
  ExactDedupeResult res;
  auto e = Dedupe(csv, {}, &res);
  EXPECT_EQ(e["10"], "2");
  EXPECT_EQ(e["2"], "2");
  EXPECT_EQ(e["7"], "2");
  EXPECT_EQ(e["3"], "2");
  EXPECT_EQ(e["4"], "4");
  EXPECT_EQ(e["5"], "5");
  EXPECT_EQ(e["6"], "6");
  EXPECT_EQ(res.records, 7u);
  EXPECT_EQ(res.entities, 4u);
  EXPECT_EQ(res.by_key[static_cast<size_t>(ExactKey::kPhone)].groups, 1u);
  EXPECT_EQ(res.by_key[static_cast<size_t>(ExactKey::kEmail)].groups, 1u);
  EXPECT_EQ(res.by_key[static_cast<size_t>(ExactKey::kNameDob)].groups, 1u);
  // With the landline key the household joins.
  auto with_landline = Dedupe(csv, {{ExactKey::kLandline}});
  EXPECT_EQ(with_landline["5"], "4");
}

TEST(ExactDedupe, EntityIdIsSmallestIdNumericallyAndRepeatedIdsAreExcluded) {
  std::string csv =
      "id,phone\n"
      "10,89123456789\n"
      "9,+79123456789\n"
      "abc,9123456789\n"
      "9,89990001122\n";  // repeated id
  ExactDedupeResult res;
  auto e = Dedupe(csv, {}, &res);
  EXPECT_EQ(e["10"], "9");
  EXPECT_EQ(e["abc"], "9");
  ASSERT_EQ(res.duplicate_ids.size(), 1u);
  EXPECT_EQ(res.duplicate_ids[0].id, "9");
  EXPECT_EQ(res.duplicate_ids[0].line, 5u);
  EXPECT_EQ(res.duplicate_ids[0].first_line, 3u);
  EXPECT_EQ(res.records, 3u);
}

TEST(ExactDedupe, EmptyIdCellsGetRowNumbersThatCannotCollide) {
  std::string csv =
      "id,phone\n"
      ",89123456789\n"  // row 1: no id
      "1,89990001122\n";
  ExactDedupeResult res;
  auto e = Dedupe(csv, {}, &res);
  EXPECT_TRUE(res.duplicate_ids.empty());
  EXPECT_EQ(e["#1"], "#1");
  EXPECT_EQ(e["1"], "1");
}

TEST(ExactDedupe, CompareRecordIds) {
  EXPECT_LT(CompareRecordIds("9", "10"), 0);
  EXPECT_GT(CompareRecordIds("10", "9"), 0);
  EXPECT_LT(CompareRecordIds("10", "a"), 0);
  EXPECT_LT(CompareRecordIds("rec-1", "rec-2"), 0);
  EXPECT_EQ(CompareRecordIds("x", "x"), 0);
  EXPECT_NE(CompareRecordIds("007", "7"), 0);
}

TEST(ExactDedupe, ParseKeys) {
  auto k = ParseExactKeys("phone, email,phone");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->size(), 2u);
  EXPECT_FALSE(ParseExactKeys("phone,shoe").ok());
  EXPECT_FALSE(ParseExactKeys("").ok());
}

}  // namespace
}  // namespace doppel::core
