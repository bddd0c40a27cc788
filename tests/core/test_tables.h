// Match tables for the level tests (core, Thrust on the CPU, GPU): a random
// one built to hit the odd cases, and a generated base read and normalized.
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "doppel/core/generator.h"
#include "doppel/core/match_table.h"
#include "doppel/core/normalize.h"
#include "doppel/core/reader.h"

namespace doppel::core {

// A table with few distinct values per field, so equal values are common,
// and the odd cases the row format treats specially: more than two phones, a
// zero phone, landlines, several emails, very long emails, short postcodes.
inline MatchTable RandomTable(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::initializer_list<const char*> values) {
    return std::string(*(values.begin() + rng() % values.size()));
  };
  MatchTable t;
  for (size_t i = 0; i < n; ++i) {
    MatchRow r;
    r.id = std::to_string(i);
    r.first = pick({"", "ivan", "aleksandr", "sasha", "petrov", "anna", "a", "i"});
    r.first_initial = r.first.size() == 1;
    r.last = pick({"", "petrov", "ivanov", "ivanova", "ivan", "sidorov"});
    r.middle = pick({"", "petrovich", "p", "petrovna", "ivanovich"});
    r.middle_initial = r.middle.size() == 1;
    r.gender = static_cast<uint8_t>(rng() % 3);
    r.birth_date = rng() % 4 == 0 ? 0 : static_cast<int32_t>(19850312 + rng() % 3 * 100 + rng() % 2 * 1000000);
    const size_t phones = rng() % 5;
    for (size_t p = 0; p < phones; ++p) r.phones.push_back(rng() % 20 == 0 ? 0 : 79123456780 + rng() % 3 * (p + 1));
    if (rng() % 3 == 0) r.landlines.push_back(74951234567 + rng() % 2);
    r.emails = pick({"", "ivan@mail.ru", "ivan1@mail.ru", "ivan@mail.ru\nanna@mail.ru", "anna@mail.ru"});
    if (rng() % 10 == 0) r.emails = std::string(300 + rng() % 2, 'x');
    r.postcode = pick({"", "620014", "620015", "12", "1234567"});
    r.city = pick({"", "moskva", "moskwa", "kazan"});
    r.dwelling = pick({"", "d1", "d2"});
    r.doc_id = pick({"", "4510123456", "4510123457"});
    if (rng() % 2) r.address_tokens = {1, 2, 3 + rng() % 3};
    t.Append(r);
  }
  return t;
}

// A generated base (the built-in Russian lists), read and normalized.
inline MatchTable GeneratedTable(size_t rows, uint64_t seed) {
  GeneratorOptions options;
  options.rows = rows;
  options.seed = seed;
  std::ostringstream base, truth;
  EXPECT_TRUE(Generate(options, BuiltinGeneratorLists(Locale::kRu), base, truth).ok());
  auto reader = OpenReader(std::make_unique<MemorySource>(base.str()), {});
  EXPECT_TRUE(reader.ok());
  MatchTable t;
  RecordBatch batch;
  std::vector<Reject> rejects;
  std::vector<NormalizedRecord> records;
  std::optional<FieldMap> map;
  NormalizeOptions normalize;
  normalize.threads = 1;
  while (*(*reader)->Next(&batch, &rejects)) {
    if (!map) map = *FieldMap::Build(batch.column_names, {});
    NormalizeBatch(batch, *map, normalize, &records);
    t.Append(records);
  }
  return t;
}

}  // namespace doppel::core
