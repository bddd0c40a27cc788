// Core micro-benchmarks: each normalizer on realistic values, the phone fast
// path against libphonenumber's full parse, and the CSV reader's throughput.
#include <benchmark/benchmark.h>

#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "doppel/core/address.h"
#include "doppel/core/blocking.h"
#include "doppel/core/comparison.h"
#include "doppel/core/match_table.h"
#include "doppel/core/date.h"
#include "doppel/core/email.h"
#include "doppel/core/generator.h"
#include "doppel/core/normalize.h"
#include "doppel/core/name.h"
#include "doppel/core/phone.h"
#include "doppel/core/reader.h"
#include "doppel/core/unicode.h"
#include "doppel/kernels/backend.h"

namespace {

using namespace doppel::core;

std::vector<std::string> Phones() {
  std::mt19937_64 rng(1);
  std::vector<std::string> v;
  const char* fmt[] = {"8 (9%02d) %03d-%02d-%02d", "+7 9%02d %03d %02d %02d", "89%02d%03d%02d%02d"};
  for (int i = 0; i < 4096; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, fmt[i % 3], static_cast<int>(rng() % 100), static_cast<int>(rng() % 1000),
                  static_cast<int>(rng() % 100), static_cast<int>(rng() % 100));
    v.push_back(buf);
  }
  return v;
}

// North American numbers in a +1 region (the English generator's formats).
std::vector<std::string> UsPhones() {
  std::mt19937_64 rng(2);
  std::vector<std::string> v;
  const char* fmt[] = {"(%03d) %03d-%04d", "%03d-%03d-%04d", "+1 %03d %03d %04d", "%03d.%03d.%04d"};
  const int area[] = {212, 213, 312, 415, 512, 602, 702, 713, 214, 305};
  for (int i = 0; i < 4096; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, fmt[i % 4], area[rng() % 10], 200 + static_cast<int>(rng() % 800),
                  static_cast<int>(rng() % 10000));
    v.push_back(buf);
  }
  return v;
}

// Each number of a list normalized in turn: by the fast path (prefix
// cache) or by libphonenumber's full parse, which the fast path must equal.
template <bool kFast>
void PhoneLoop(benchmark::State& state, const std::vector<std::string>& phones, const PhoneOptions& options) {
  size_t i = 0;
  for (auto _ : state) {
    const std::string& p = phones[i++ & 4095];
    benchmark::DoNotOptimize(kFast ? NormalizePhone(p, options) : NormalizePhoneSlow(p, options));
  }
  state.SetItemsProcessed(state.iterations());
}
PhoneOptions InRegion(const char* region) {
  PhoneOptions o;
  o.default_region = region;
  return o;
}
void BM_PhoneFast(benchmark::State& s) { PhoneLoop<true>(s, Phones(), InRegion("RU")); }
void BM_PhoneFullParse(benchmark::State& s) { PhoneLoop<false>(s, Phones(), InRegion("RU")); }
void BM_PhoneFastUS(benchmark::State& s) { PhoneLoop<true>(s, UsPhones(), InRegion("US")); }
void BM_PhoneFullParseUS(benchmark::State& s) { PhoneLoop<false>(s, UsPhones(), InRegion("US")); }
BENCHMARK(BM_PhoneFast);
BENCHMARK(BM_PhoneFullParse);
BENCHMARK(BM_PhoneFastUS);
BENCHMARK(BM_PhoneFullParseUS);

void BM_Name(benchmark::State& state) {
  const char* names[] = {"Иванов Иван Иванович", "Мария Петровна Сидорова", "Smith, John", "КУЗНЕЦОВ О.А.",
                         "Ivanov Yuriy Petrovich", "Петров-Водкин Кузьма"};
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(NormalizeName({names[i++ % 6]}));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Name);

void BM_Email(benchmark::State& state) {
  const char* emails[] = {"Ivan.Petrov@Gmail.COM", "petrov+shop@yandex.ru", "anna@gmial.com", "o.kuznetsov@mail.ru"};
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(NormalizeEmail(emails[i++ % 4]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Email);

void BM_Date(benchmark::State& state) {
  const char* dates[] = {"12.03.1985", "1985-03-12", "19850312", "03/04/1990"};
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(NormalizeDate(dates[i++ % 4]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Date);

void BM_Address(benchmark::State& state) {
  const char* lines[] = {"620014, г. Екатеринбург, ул. Ленина, д. 12, кв. 45", "г Москва, пр-т Мира д.5 корп.2 кв.10",
                         "Санкт-Петербург, Невский пр., 28", "123 Main St, Springfield, IL 62704"};
  size_t i = 0;
  for (auto _ : state) {
    AddressInput in;
    in.line = lines[i++ % 4];
    benchmark::DoNotOptimize(NormalizeAddress(in));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Address);

void BM_AsciiKey(benchmark::State& state) {
  const char* words[] = {"Иванов", "Yuriy", "Щукина", "Müller"};
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(AsciiKey(words[i++ % 4]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AsciiKey);

void BM_CsvReader(benchmark::State& state) {
  std::string data = "id;ФИО;Телефон;E-mail;Адрес\n";
  for (int i = 0; i < 100000; ++i) {
    data += std::to_string(i) + ";Иванов Иван Иванович;8 (912) 345-67-89;ivan@mail.ru;\"620014, г. Екатеринбург, ул. Ленина, д. 12\"\n";
  }
  for (auto _ : state) {
    auto reader = OpenReader(std::make_unique<MemorySource>(data), {});
    RecordBatch batch;
    std::vector<Reject> rejects;
    size_t rows = 0;
    while (*(*reader)->Next(&batch, &rejects)) rows += batch.num_rows();
    benchmark::DoNotOptimize(rows);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
  state.SetItemsProcessed(state.iterations() * 100000);
}
BENCHMARK(BM_CsvReader)->Unit(benchmark::kMillisecond);

// A generated base of `rows` rows (the built-in Russian lists, seed 7) as
// CSV text; empty, with the benchmark marked failed, if generation fails.
std::string GeneratedBase(benchmark::State& state, size_t rows) {
  GeneratorOptions options;
  options.rows = rows;
  options.seed = 7;
  std::ostringstream base, truth;
  if (!Generate(options, BuiltinGeneratorLists(Locale::kRu), base, truth).ok()) {
    state.SkipWithError("generator failed");
    return {};
  }
  return base.str();
}

// Reading and normalizing generated rows (the built-in Russian lists), one
// thread: what `doppel dedupe` spends its first stage on. Items: rows.
void BM_NormalizeGenerated(benchmark::State& state) {
  const std::string csv = GeneratedBase(state, 20000);
  if (csv.empty()) return;
  NormalizeOptions normalize;
  normalize.threads = 1;
  size_t rows = 0;
  for (auto _ : state) {
    auto reader = OpenReader(std::make_unique<MemorySource>(csv), {});
    RecordBatch batch;
    std::vector<Reject> rejects;
    std::vector<NormalizedRecord> records;
    std::optional<FieldMap> map;
    rows = 0;
    while (*(*reader)->Next(&batch, &rejects)) {
      if (!map) map = *FieldMap::Build(batch.column_names, {});
      NormalizeBatch(batch, *map, normalize, &records);
      rows += records.size();
    }
    benchmark::DoNotOptimize(records.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows));
}
BENCHMARK(BM_NormalizeGenerated)->Unit(benchmark::kMillisecond);

// The normalize stage alone, on batches already read, with 1 and 2 threads:
// how the stage scales, apart from the reading thread that feeds it in a
// real run. Wall time (the work is on several threads).
void BM_NormalizeThreads(benchmark::State& state) {
  const std::string csv = GeneratedBase(state, 40000);
  if (csv.empty()) return;
  auto reader = OpenReader(std::make_unique<MemorySource>(csv), {});
  std::vector<RecordBatch> batches;
  std::vector<Reject> rejects;
  RecordBatch batch;
  while (*(*reader)->Next(&batch, &rejects)) batches.push_back(std::move(batch));
  const FieldMap map = *FieldMap::Build(batches.front().column_names, {});
  NormalizeOptions normalize;
  normalize.threads = static_cast<int>(state.range(0));
  std::vector<NormalizedRecord> records;
  // One pass first: the phone prefix cache fills once per process, and the
  // timed passes should all find it full, whatever the thread count.
  for (const RecordBatch& b : batches) NormalizeBatch(b, map, normalize, &records);
  size_t rows = 0;
  for (auto _ : state) {
    rows = 0;
    for (const RecordBatch& b : batches) {
      NormalizeBatch(b, map, normalize, &records);
      rows += records.size();
    }
    benchmark::DoNotOptimize(records.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows));
}
BENCHMARK(BM_NormalizeThreads)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// Comparison levels (Jaro-Winkler through the kernel table included) over
// candidate pairs of a generated-like table: pairs per second.
void BM_ComparePairs(benchmark::State& state) {
  MatchTable t;
  const char* lasts[] = {"Иванов", "Петров", "Сидорова", "Кузнецова", "Smith", "Ivanoff"};
  const char* firsts[] = {"Иван", "Пётр", "Анна", "Мария", "John", "Alexey"};
  for (int i = 0; i < 2000; ++i) {
    NormalizedRecord r;
    r.id = std::to_string(i);
    r.name = NormalizeName({"", lasts[i % 6], firsts[(i / 6) % 6], ""});
    r.birth_date = NormalizeDate(std::to_string(1950 + i % 50) + "-0" + std::to_string(1 + i % 9) + "-1" +
                                 std::to_string(i % 9));
    r.phones.push_back(NormalizePhone("8916" + std::to_string(1000000 + i % 500)));
    r.emails.push_back(NormalizeEmail("user" + std::to_string(i % 300) + "@mail.ru"));
    t.Append(r);
  }
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  for (uint32_t i = 0; i + 1 < t.size(); ++i)
    for (uint32_t j = i + 1; j < t.size() && j < i + 50; ++j) pairs.emplace_back(i, j);
  const auto& k = doppel::kernels::GetKernels(doppel::kernels::Backend::kReference);
  const CompareIndex index = CompareIndex::Build(t, k, 1);
  PairLevels levels;
  for (auto _ : state) {
    ComputeLevels(index, pairs, k, &levels);
    benchmark::DoNotOptimize(levels.levels[0].data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pairs.size()));
}
BENCHMARK(BM_ComparePairs)->Unit(benchmark::kMillisecond);

// Blocking a generated base of 200,000 records with every default rule, on
// one thread, every pair list kept in memory: from the rules' keys to their
// sorted, unique pair lists. Items: records.
// A generated base of `rows` records as a match table (empty when the
// generator failed; the state then says why).
MatchTable GeneratedTable(benchmark::State& state, size_t rows) {
  const std::string csv = GeneratedBase(state, rows);
  MatchTable t;
  if (csv.empty()) return t;
  auto reader = OpenReader(std::make_unique<MemorySource>(csv), {});
  RecordBatch batch;
  std::vector<Reject> rejects;
  std::vector<NormalizedRecord> records;
  std::optional<FieldMap> map;
  while (*(*reader)->Next(&batch, &rejects)) {
    if (!map) map = *FieldMap::Build(batch.column_names, {});
    NormalizeBatch(batch, *map, {}, &records);
    for (const NormalizedRecord& r : records) t.Append(r);
  }
  return t;
}

void BM_BlockRules(benchmark::State& state) {
  const MatchTable t = GeneratedTable(state, 200000);
  if (t.size() == 0) return;
  const auto& k = doppel::kernels::GetKernels(doppel::kernels::Backend::kSimd);
  uint64_t pairs = 0;
  for (auto _ : state) {
    PairBudget memory;
    BlockedRules blocked = BlockRules(t, {}, k, 1, &memory);
    pairs = 0;
    for (const RuleStats& r : blocked.by_rule) pairs += r.pairs;
    benchmark::DoNotOptimize(blocked.runs.data());
  }
  state.counters["rule_pairs"] = static_cast<double>(pairs);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(t.size()));
}
BENCHMARK(BM_BlockRules)->Unit(benchmark::kMillisecond);

// The comparison index of a generated base of 200,000 records on one
// thread, on the reference and the SIMD kernel tables (hashing and the
// entry sort that interns the strings). Items: records.
void BM_CompareIndexBuild(benchmark::State& state, doppel::kernels::Backend backend) {
  const MatchTable t = GeneratedTable(state, 200000);
  if (t.size() == 0) return;
  const auto& k = doppel::kernels::GetKernels(backend);
  for (auto _ : state) {
    const CompareIndex index = CompareIndex::Build(t, k, 1);
    benchmark::DoNotOptimize(&index.Row(0));
  }
  state.SetLabel(k.name);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(t.size()));
}
BENCHMARK_CAPTURE(BM_CompareIndexBuild, reference, doppel::kernels::Backend::kReference)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CompareIndexBuild, simd, doppel::kernels::Backend::kSimd)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
