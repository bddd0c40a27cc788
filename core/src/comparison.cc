#include "doppel/core/comparison.h"

#include <algorithm>
#include <exception>
#include <string>

#include "doppel/core/huge_pages.h"
#include "doppel/core/parallel.h"
#include "doppel/core/unicode.h"
#include "doppel/kernels/jaro.h"

namespace doppel::core {

namespace {

using namespace kernels::levels;

const std::array<ComparisonInfo, kComparisonCount>& Infos() {
  static const std::array<ComparisonInfo, kComparisonCount> infos = {{
      {"first_name", {"else", "initial", "jw_0.85", "jw_0.92_or_nickname", "exact", "swapped_with_surname"}, kFirstExact},
      // possible_marriage: two women, different surnames, but the same first
      // name, birth date, patronymic (when known) and a shared contact (phone,
      // email or street): a surname changed on marriage, as its own level so
      // the model can weigh it. Without the contact it is a namesake.
      {"last_name", {"else", "jw_0.85", "jw_0.92", "exact", "possible_marriage"}, kLastExact},
      {"middle_name", {"else", "initial", "jw_0.9", "exact"}, kMiddleExact},
      {"birth_date", {"else", "same_year", "one_digit_off", "day_month_swapped", "exact"}, -1},
      {"phone", {"else", "shared_landline", "one_digit_off", "exact"}, -1},
      // A typo in an address is one edit; addresses made of a name and digits
      // (davis.dylan99, davis.dylan37) also belong to namesakes, so
      // similar-but-more-than-one-edit counts as different.
      {"email", {"else", "one_edit", "exact"}, -1},
      // One comparison for where a person lives: the street, the postcode and
      // the city are one fact, and counting them separately would count a
      // household's shared address three times.
      {"address", {"else", "same_city", "same_postcode", "street_jaccard_0.5", "street_jaccard_0.8", "same_dwelling"}, -1},
      {"doc_id", {"else", "jw_0.9", "exact"}, -1},
      // Relatives at one address share a surname in its male and female
      // forms (Комиссаров, Комиссарова): gender tells them apart.
      {"gender", {"different", "same"}, -1},
  }};
  return infos;
}

// Jaro-Winkler for the pairs of one string column, through the kernel table.
class JwBatch {
 public:
  JwBatch(const StringColumn& col, const kernels::KernelTable& k) : col_(col), k_(k) {}
  void Add(uint32_t a, uint32_t b) {
    left_.push_back(a);
    right_.push_back(b);
  }
  // Runs the kernel; result(i) is the similarity of the i-th added pair.
  void Run() {
    counts_.resize(left_.size());
    if (!left_.empty()) {
      k_.jaro_pairs(col_.bytes().data(), col_.offsets().data(), left_.data(), right_.data(), left_.size(),
                    counts_.data());
    }
  }
  double result(size_t i) const { return kernels::JaroWinkler(counts_[i]); }

 private:
  const StringColumn& col_;
  const kernels::KernelTable& k_;
  std::vector<uint32_t> left_, right_;
  std::vector<kernels::JaroCounts> counts_;
};

}  // namespace

const ComparisonInfo& InfoOf(Comparison c) { return Infos()[static_cast<size_t>(c)]; }

std::string_view LevelName(Comparison c, int8_t level) {
  if (level == kNull) return "null";
  const auto& levels = InfoOf(c).levels;
  return level >= 0 && static_cast<size_t>(level) < levels.size() ? levels[level] : "?";
}

void ComputeLevels(const CompareIndex& x, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                   const kernels::KernelTable& k, PairLevels* out) {
  const MatchTable& t = x.table();
  const kernels::LevelInputs& in = x.inputs();
  const size_t n = pairs.size();
  for (auto& v : out->levels) v.resize(n);
  auto& first = out->levels[static_cast<size_t>(Comparison::kFirstName)];
  auto& last = out->levels[static_cast<size_t>(Comparison::kLastName)];
  auto& middle = out->levels[static_cast<size_t>(Comparison::kMiddleName)];
  auto& address = out->levels[static_cast<size_t>(Comparison::kAddress)];
  auto& doc = out->levels[static_cast<size_t>(Comparison::kDocId)];

  // Everything the rows answer first (kernels::LevelsBeforeJw: equality
  // through interned ids, dates, phones, emails, addresses); Jaro-Winkler
  // in batches through the kernel table for the rest, then the levels that
  // follow from it. The device runs the same functions a pair at a time.
  JwBatch jw_first(t.first, k), jw_last(t.last, k), jw_middle(t.middle, k), jw_doc(t.doc_id, k), jw_city(t.city, k);
  std::vector<uint32_t> need_first, need_last, need_middle, need_doc, need_city;
  // The second record of a pair is anywhere in the table: its row is
  // fetched this many pairs ahead, and its address tokens and email (most
  // pairs read them) in two stages: their offsets twice as far ahead, then
  // the values the offsets point at.
  constexpr size_t kAhead = 12;
  const ListColumn<uint64_t>& tokens = t.address_tokens;
  for (size_t p = 0; p < n; ++p) {
    if (p + 2 * kAhead < n) {
      const uint32_t far = pairs[p + 2 * kAhead].second;
      __builtin_prefetch(tokens.offsets.data() + far);
      t.emails.PrefetchOffsets(far);
    }
    if (p + kAhead < n) {
      const uint32_t near = pairs[p + kAhead].second;
      x.Prefetch(near);
      __builtin_prefetch(tokens.values.data() + tokens.offsets[near]);
      t.emails.PrefetchBytes(near);
    }
    const auto [a, b] = pairs[p];
    int8_t lv[kComparisonCount];
    const uint8_t need = kernels::LevelsBeforeJw(in, a, b, x.Row(a), x.Row(b), lv);
    for (size_t c = 0; c < kComparisonCount; ++c) out->levels[c][p] = lv[c];
    if (need != 0) {
      const auto at = static_cast<uint32_t>(p);
      if (need & kernels::kNeedFirst) need_first.push_back(at), jw_first.Add(a, b);
      if (need & kernels::kNeedLast) need_last.push_back(at), jw_last.Add(a, b);
      if (need & kernels::kNeedMiddle) need_middle.push_back(at), jw_middle.Add(a, b);
      if (need & kernels::kNeedCity) need_city.push_back(at), jw_city.Add(a, b);
      if (need & kernels::kNeedDoc) need_doc.push_back(at), jw_doc.Add(a, b);
    }
  }
  jw_first.Run();
  for (size_t i = 0; i < need_first.size(); ++i) first[need_first[i]] = FirstLevelOfJw(jw_first.result(i));
  // Needs the first-name level: after its batch.
  int8_t* phone = out->levels[static_cast<size_t>(Comparison::kPhone)].data();
  const int8_t* dob = out->levels[static_cast<size_t>(Comparison::kBirthDate)].data();
  for (size_t p = 0; p < n; ++p) {
    if (phone[p] != kPhoneExact || first[p] != kFirstElse) continue;
    int8_t lv[kComparisonCount] = {};
    lv[static_cast<size_t>(Comparison::kPhone)] = phone[p];
    lv[static_cast<size_t>(Comparison::kFirstName)] = first[p];
    lv[static_cast<size_t>(Comparison::kBirthDate)] = dob[p];
    phone[p] = kernels::SharedPhoneLevel(lv);
  }
  jw_last.Run();
  for (size_t i = 0; i < need_last.size(); ++i) last[need_last[i]] = LastLevelOfJw(jw_last.result(i));
  jw_middle.Run();
  for (size_t i = 0; i < need_middle.size(); ++i) middle[need_middle[i]] = MiddleLevelOfJw(jw_middle.result(i));
  jw_city.Run();
  // These pairs' second rows (and address tokens) left the cache since the
  // first pass: fetched again ahead, as there.
  for (size_t i = 0; i < need_city.size(); ++i) {
    if (i + kAhead < need_city.size()) {
      const uint32_t near = pairs[need_city[i + kAhead]].second;
      x.Prefetch(near);
      __builtin_prefetch(tokens.offsets.data() + near);
    }
    auto [a, b] = pairs[need_city[i]];
    address[need_city[i]] = AddressLevelOf(in, a, b, x.Row(a), x.Row(b), jw_city.result(i) >= kJwField);
  }
  // Needs the address level: after the city batch.
  for (size_t p = 0; p < n; ++p) {
    if (last[p] != kLastElse) continue;
    auto [a, b] = pairs[p];
    int8_t lv[kComparisonCount];
    for (size_t c = 0; c < kComparisonCount; ++c) lv[c] = out->levels[c][p];
    last[p] = kernels::MarriageLevel(x.Row(a), x.Row(b), lv);
  }
  jw_doc.Run();
  for (size_t i = 0; i < need_doc.size(); ++i) doc[need_doc[i]] = DocLevelOfJw(jw_doc.result(i));
}

void ComputeLevels(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                   const kernels::KernelTable& k, PairLevels* out) {
  ComputeLevels(CompareIndex::For(t, pairs, k), pairs, k, out);
}

bool ComputeLevelsParallel(const CompareIndex& x, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                           const kernels::KernelTable& k, int threads, PairLevels* out, std::string* device_error) {
  if (x.device() != nullptr && pairs.size() >= kernels::GpuMinBatch()) {
    // On the device, a pair per thread (kernels::PairLevelsOf): the same
    // functions as below, so the same levels.
    const size_t n = pairs.size();
    const PairColumns p(pairs);
    std::vector<int8_t> levels(n * kComparisonCount);
    if (OnDevice([&] { x.device()->Levels(p.left.data(), p.right.data(), n, levels.data()); }, device_error)) {
      for (size_t c = 0; c < kComparisonCount; ++c) {
        out->levels[c].assign(levels.begin() + c * n, levels.begin() + (c + 1) * n);
      }
      return true;
    }
  }
  for (auto& v : out->levels) v.assign(pairs.size(), kNull);
  // Each thread walks its range a slice at a time: ComputeLevels' work
  // lists and Jaro-Winkler batches then stay small (over a whole half of
  // 22 M pairs they held 1.2 GB more than the levels themselves) and the
  // records a slice touches stay in cache.
  constexpr size_t kSlice = size_t{1} << 16;
  // The first records of a thread's pairs are few and close together
  // (pairs come sorted by them); the second ones are anywhere. When the
  // records' columns are in files (huge_pages.h BigBufferFiles) and memory
  // is short, reading those at random pages them in again and again: then
  // a thread visits its pairs in order of their second record's region (a
  // counting sort on b >> kRegionBits), so it reads the columns front to
  // back once: 1M records in a 500 MB cgroup compared in 6 s instead of
  // 85, 10M in 3 GB in 140 s instead of 220 (132 s with no limit). Far
  // below the working set (1M in 300 MB, both budgets at their minimum) the
  // sweeps lose to random reads: 192 s against 111. In RAM the prefetches
  // already hide the latency, and reordering (each 64k slice, in a first
  // version) cost 4-7% of the comparisons, so it is not done there. The
  // levels are the same either way.
  constexpr unsigned kRegionBits = 10;
  const bool by_region = BigBufferFiles::Get().file_bytes > 0;
  const size_t regions = (x.table().size() >> kRegionBits) + 1;
  ParallelFor(pairs.size(), ResolveThreads(threads), 4096, [&](size_t b, size_t e) {
    std::span<const std::pair<uint32_t, uint32_t>> work = pairs.subspan(b, e - b);
    std::vector<uint32_t> order;  // by_region: work[i] is pairs[b + order[i]]
    std::vector<std::pair<uint32_t, uint32_t>> sorted;
    if (by_region) {
      std::vector<uint32_t> count(regions + 1, 0);
      for (const auto& p : work) ++count[(p.second >> kRegionBits) + 1];
      for (size_t r = 0; r < regions; ++r) count[r + 1] += count[r];
      order.resize(work.size());
      sorted.resize(work.size());
      for (uint32_t i = 0; i < work.size(); ++i) {
        const uint32_t at = count[work[i].second >> kRegionBits]++;
        order[at] = i;
        sorted[at] = work[i];
      }
      work = sorted;
    }
    PairLevels part;
    for (size_t from = 0; from < work.size(); from += kSlice) {
      const size_t to = std::min(work.size(), from + kSlice);
      ComputeLevels(x, work.subspan(from, to - from), k, &part);
      for (size_t c = 0; c < kComparisonCount; ++c) {
        int8_t* dst = out->levels[c].data() + b;
        const int8_t* src = part.levels[c].data();
        if (by_region) {
          for (size_t i = from; i < to; ++i) dst[order[i]] = src[i - from];
        } else {
          std::copy(src, src + (to - from), dst + from);
        }
      }
    }
  });
  return false;
}

uint64_t LevelPattern(const PairLevels& levels, size_t k) {
  int8_t lv[kComparisonCount];
  for (size_t c = 0; c < kComparisonCount; ++c) lv[c] = levels.levels[c][k];
  return kernels::PackLevels(lv);
}

namespace {
// Counts of 64-bit patterns in an open-addressing table: a base has a few
// thousand distinct patterns over tens of millions of pairs, so counting by
// hashing stays in cache where sorting every pair's key did not.
class PatternCounter {
 public:
  PatternCounter() : slots_(1024, PatternCount{kEmpty, 0}) {}
  void Add(uint64_t pattern, uint64_t count = 1) {
    // Patterns are never all ones (a level is at most 15 per 4 bits, and
    // kComparisonCount * 4 < 64 leaves the top bits 0): ~0 marks an empty slot.
    size_t i = Slot(pattern);
    while (slots_[i].pattern != kEmpty && slots_[i].pattern != pattern) i = (i + 1) & (slots_.size() - 1);
    if (slots_[i].pattern == kEmpty) {
      slots_[i].pattern = pattern;
      if (++used_ * 2 > slots_.size()) {
        slots_[i].count += count;
        Grow();
        return;
      }
    }
    slots_[i].count += count;
  }
  void Merge(const PatternCounter& other) {
    for (const PatternCount& s : other.slots_) {
      if (s.pattern != kEmpty) Add(s.pattern, s.count);
    }
  }
  // The patterns in ascending order, with their counts.
  std::vector<PatternCount> Sorted() const {
    std::vector<PatternCount> out;
    for (const PatternCount& s : slots_) {
      if (s.pattern != kEmpty) out.push_back(s);
    }
    std::sort(out.begin(), out.end(), [](const PatternCount& a, const PatternCount& b) { return a.pattern < b.pattern; });
    return out;
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  size_t Slot(uint64_t pattern) const { return (pattern * 0x9E3779B97F4A7C15ULL >> 20) & (slots_.size() - 1); }
  void Grow() {
    std::vector<PatternCount> old(slots_.size() * 2, PatternCount{kEmpty, 0});
    old.swap(slots_);
    used_ = 0;
    for (const PatternCount& s : old) {
      if (s.pattern != kEmpty) Add(s.pattern, s.count);
    }
  }
  std::vector<PatternCount> slots_;
  size_t used_ = 0;
};

}  // namespace

std::vector<PatternCount> CountPatterns(const PairLevels& levels, int threads) {
  const size_t n = levels.size();
  const size_t workers = std::min(ResolveThreads(threads), std::max<size_t>(1, n / 65536));
  std::vector<PatternCounter> parts(workers);
  ParallelFor(workers, workers, 1, [&](size_t b, size_t e) {
    for (size_t w = b; w < e; ++w) {
      for (size_t i = n * w / workers, end = n * (w + 1) / workers; i < end; ++i) parts[w].Add(LevelPattern(levels, i));
    }
  });
  for (size_t w = 1; w < workers; ++w) parts[0].Merge(parts[w]);
  return parts[0].Sorted();
}

bool PatternsOf(const CompareIndex& x, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                const kernels::KernelTable& k, int threads, std::vector<PatternCount>* out, std::string* device_error) {
  if (x.device() != nullptr && pairs.size() >= kernels::GpuMinBatch()) {
    const PairColumns p(pairs);
    if (OnDevice([&] { x.device()->Patterns(p.left.data(), p.right.data(), pairs.size(), out); }, device_error)) {
      return true;
    }
  }
  PairLevels levels;
  ComputeLevelsParallel(x, pairs, k, threads, &levels);
  *out = CountPatterns(levels, threads);
  return false;
}

}  // namespace doppel::core
