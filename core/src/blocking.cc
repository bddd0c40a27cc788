#include "doppel/core/blocking.h"

#include <algorithm>
#include <array>
#include <atomic>

#include "doppel/core/parallel.h"
#include "doppel/kernels/hash.h"
#include "doppel/kernels/blocking.h"
#include "doppel/kernels/minhash.h"

namespace doppel::core {

namespace {

constexpr std::array<std::string_view, static_cast<size_t>(BlockingRule::kCount)> kNames = {
    "phone", "email", "doc_id", "birth_date", "name_initial", "surname_year", "first_name_date",
    "dwelling", "postcode_house", "name_city", "name_set", "minhash", "birth_date_alone"};

uint64_t Key(BlockingRule rule, std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  // "a\x1Fb\x1Fc", built on the stack (a key per record and rule).
  const size_t n = a.size() + b.size() + c.size() + 2;
  char stack[128];
  std::string heap;
  char* s = stack;
  if (n > sizeof stack) {
    heap.resize(n);
    s = heap.data();
  }
  char* p = std::copy(a.begin(), a.end(), s);
  *p++ = '\x1F';
  p = std::copy(b.begin(), b.end(), p);
  *p++ = '\x1F';
  std::copy(c.begin(), c.end(), p);
  return kernels::HashString(std::string_view(s, n), 0xB10C + static_cast<uint64_t>(rule));
}

// Character 3-grams of the name keys and the email's local part, hashed.
void Shingles(const MatchTable& t, size_t i, std::vector<uint64_t>* out) {
  out->clear();
  auto add = [&](std::string_view s, uint64_t seed) {
    if (s.empty()) return;
    std::string padded(1, '^');
    padded.append(s).push_back('$');
    for (size_t p = 0; p + 3 <= padded.size(); ++p) out->push_back(kernels::HashBytes(padded.data() + p, 3, seed));
  };
  add(t.first.Get(i), 1);
  add(t.last.Get(i), 1);  // same seed: a swapped given name and surname still share grams
  for (auto e : t.Emails(i)) add(e.substr(0, e.find('@')), 2);
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

void BandKeys(const uint32_t* sig, std::vector<uint64_t>* keys) {
  for (uint32_t b = 0; b < kMinHashBands; ++b) {
    keys->push_back(kernels::HashBytes(reinterpret_cast<const char*>(sig + b * kMinHashRows),
                                       kMinHashRows * sizeof(uint32_t), 0x4B1D + b));
  }
}

}  // namespace

std::string_view BlockingRuleName(BlockingRule r) { return kNames[static_cast<size_t>(r)]; }

Result<BlockingRule> ParseBlockingRule(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<BlockingRule>(i);
  }
  return Status::InvalidArgument("unknown blocking rule '" + std::string(name) + "'");
}

std::vector<Comparison> ComparisonsOf(BlockingRule r) {
  using C = Comparison;
  switch (r) {
    case BlockingRule::kPhone: return {C::kPhone};
    case BlockingRule::kEmail: return {C::kEmail};
    case BlockingRule::kDocId: return {C::kDocId};
    case BlockingRule::kBirthDate: return {C::kBirthDate};
    case BlockingRule::kNameInitial: return {C::kLastName, C::kFirstName};
    case BlockingRule::kSurnameYear: return {C::kLastName, C::kFirstName, C::kBirthDate};
    case BlockingRule::kFirstNameDate: return {C::kFirstName, C::kBirthDate};
    case BlockingRule::kDwelling: return {C::kAddress};
    case BlockingRule::kPostcodeHouse: return {C::kAddress};
    case BlockingRule::kNameCity: return {C::kLastName, C::kFirstName, C::kAddress};
    case BlockingRule::kNameSet: return {C::kLastName, C::kFirstName};
    case BlockingRule::kMinHash: return {C::kLastName, C::kFirstName, C::kEmail};
    case BlockingRule::kBirthDateAlone: return {C::kBirthDate};
    case BlockingRule::kCount: break;
  }
  return {};
}

std::vector<BlockingRule> DefaultBlockingRules() {
  std::vector<BlockingRule> all;
  for (size_t i = 0; i < kNames.size(); ++i) all.push_back(static_cast<BlockingRule>(i));
  return all;
}

namespace {

// Calls emit(a, b, c) with the parts of each key record i has under `rule`
// (every rule but MinHash, whose keys are band hashes of a signature).
template <typename Emit>
void EachKey(const MatchTable& t, size_t i, BlockingRule rule, Emit emit) {
  auto year = [&] { return t.birth_date[i] / 10000; };
  switch (rule) {
    case BlockingRule::kPhone:
      for (uint64_t p : t.phones.Get(i)) emit(std::to_string(p));
      break;
    case BlockingRule::kEmail:
      for (auto e : t.Emails(i)) emit(e);
      break;
    case BlockingRule::kDocId:
      if (!t.doc_id.Get(i).empty()) emit(t.doc_id.Get(i));
      break;
    case BlockingRule::kBirthDate:
      // With either initial, so a typo in one name still meets; without any
      // name the date alone would pair everyone born that day.
      if (t.birth_date[i] != 0) {
        std::string date = std::to_string(t.birth_date[i]);
        if (!t.last.Get(i).empty()) emit(date, "L", t.last.Get(i).substr(0, 1));
        if (!t.first.Get(i).empty()) emit(date, "F", t.first.Get(i).substr(0, 1));
      }
      break;
    case BlockingRule::kNameInitial: {
      std::string_view last = t.last.Get(i), first = t.first.Get(i);
      if (!last.empty() && !first.empty()) {
        emit(NameSkeleton(last), std::string_view(NameSkeleton(first)).substr(0, 2));
      }
      break;
    }
    case BlockingRule::kSurnameYear:
      if (!t.last.Get(i).empty() && !t.first.Get(i).empty() && t.birth_date[i] != 0) {
        emit(NameSkeleton(t.last.Get(i)), t.first.Get(i).substr(0, 1), std::to_string(year()));
      }
      break;
    case BlockingRule::kFirstNameDate:
      if (!t.first.Get(i).empty() && !t.first_initial[i] && t.birth_date[i] != 0) {
        emit(NameSkeleton(t.first.Get(i)), std::to_string(t.birth_date[i]));
      }
      break;
    case BlockingRule::kDwelling:
      if (!t.dwelling.Get(i).empty()) emit(t.dwelling.Get(i));
      break;
    case BlockingRule::kPostcodeHouse:
      if (!t.postcode.Get(i).empty() && !t.house.Get(i).empty()) {
        emit(t.postcode.Get(i), t.house.Get(i));
      }
      break;
    case BlockingRule::kNameCity:
      if (!t.last.Get(i).empty() && !t.first.Get(i).empty() && !t.city.Get(i).empty()) {
        emit(NameSkeleton(t.last.Get(i)), NameSkeleton(t.first.Get(i)), t.city.Get(i));
      }
      break;
    case BlockingRule::kNameSet: {
      std::string a = NameSkeleton(t.first.Get(i)), b = NameSkeleton(t.last.Get(i));
      if (a.size() >= 2 && b.size() >= 2) emit(std::min(a, b), std::max(a, b));
      break;
    }
    case BlockingRule::kBirthDateAlone:
      if (t.birth_date[i] != 0) emit(std::to_string(t.birth_date[i]));
      break;
    case BlockingRule::kMinHash:
    case BlockingRule::kCount: break;
  }
}

}  // namespace

void BlockKeysOf(const MatchTable& t, size_t i, BlockingRule rule, const kernels::KernelTable& k,
                 std::vector<uint64_t>* keys) {
  keys->clear();
  if (rule == BlockingRule::kMinHash) {
    std::vector<uint64_t> grams;
    Shingles(t, i, &grams);
    if (grams.size() < 3) return;
    uint32_t offsets[2] = {0, static_cast<uint32_t>(grams.size())};
    uint32_t sig[kMinHashBands * kMinHashRows];
    k.minhash(grams.data(), offsets, 1, kMinHashBands * kMinHashRows, sig);
    BandKeys(sig, keys);
    return;
  }
  EachKey(t, i, rule, [&](std::string_view a, std::string_view b = {}, std::string_view c = {}) {
    keys->push_back(Key(rule, a, b, c));
  });
}

std::string BlockKeyText(const MatchTable& t, size_t i, BlockingRule rule, uint64_t key) {
  std::string text = rule == BlockingRule::kMinHash ? "a MinHash band" : "?";
  EachKey(t, i, rule, [&](std::string_view a, std::string_view b = {}, std::string_view c = {}) {
    if (Key(rule, a, b, c) != key) return;
    text = std::string(a);
    for (std::string_view part : {b, c}) {
      if (!part.empty()) text.append(" | ").append(part);
    }
  });
  return text;
}

namespace {

// How a rule treats a block too big to pair: the most records it pairs in
// one block, and whether skipping a bigger one is news worth an example.
struct BlockLimit {
  size_t cap;
  bool report_skips;
};
BlockLimit BlockLimitOf(BlockingRule rule, const BlockingOptions& options) {
  const size_t max_block = options.max_block;
  const size_t max_name_block = std::min(options.max_name_block, max_block);
  switch (rule) {
    // Bands of 3-grams of the name (and the email's local part): a name rule.
    case BlockingRule::kMinHash: return {std::max<size_t>(2, max_name_block / 3), true};
    // A date shared by more than a few is this rule's expected case.
    case BlockingRule::kBirthDateAlone: return {std::min(kSmallBlock, max_block), false};
    case BlockingRule::kBirthDate:
    case BlockingRule::kNameInitial:
    case BlockingRule::kSurnameYear:
    case BlockingRule::kFirstNameDate:
    case BlockingRule::kNameCity:
    case BlockingRule::kNameSet: return {std::max<size_t>(2, max_name_block), true};
    default: return {max_block, true};
  }
}

// One rule's output, before the union with the rules before it.
struct RuleOutput {
  RuleStats stats;
  TrainingSet training;
  PairRun pairs;  // sorted, unique (packed: kernels::PackPair), in memory or spilled
};

std::pair<uint32_t, uint32_t> Unpack(uint64_t packed) {
  return {static_cast<uint32_t>(packed >> 32), static_cast<uint32_t>(packed)};
}


// MinHash band keys: signatures a slice of records per kernel call (the
// whole base's would hold its signatures, 128 bytes a record, and its
// tokens at once), the slices on every thread. A record gives
// kMinHashBands keys or none, so each slice writes straight into its place
// in the result, which then closes the gaps: no second copy of the keys.
kernels::BlockEntries MinHashKeys(const MatchTable& t, const kernels::KernelTable& kernels, size_t threads) {
  const size_t n = t.size();
  constexpr size_t kSlice = size_t{1} << 16;
  constexpr uint32_t kK = kMinHashBands * kMinHashRows;
  const size_t slices = (n + kSlice - 1) / kSlice;
  kernels::BlockEntries out;
  // Room for every record's keys (128 bytes a record, zeroed once); records
  // with too few shingles leave gaps, closed below. The capacity goes when
  // BlockGroups consumes the entries.
  out.items.resize(n * kMinHashBands);
  std::vector<size_t> written(slices, 0);
  ParallelFor(slices, threads, 1, [&](size_t sb, size_t se) {
    std::vector<uint64_t> grams, tokens, band_keys;
    std::vector<uint32_t> offsets, sig;
    std::vector<uint8_t> usable;
    for (size_t slice = sb; slice < se; ++slice) {
      const size_t from = slice * kSlice, to = std::min(n, from + kSlice);
      tokens.clear();
      offsets.assign(1, 0);
      usable.assign(to - from, 0);
      for (size_t i = from; i < to; ++i) {
        Shingles(t, i, &grams);
        usable[i - from] = grams.size() >= 3;
        tokens.insert(tokens.end(), grams.begin(), grams.end());
        offsets.push_back(static_cast<uint32_t>(tokens.size()));
      }
      sig.resize((to - from) * kK);
      kernels.minhash(tokens.data(), offsets.data(), to - from, kK, sig.data());
      size_t at = from * kMinHashBands;
      for (size_t i = from; i < to; ++i) {
        if (!usable[i - from]) continue;
        band_keys.clear();
        BandKeys(sig.data() + (i - from) * kK, &band_keys);
        for (uint64_t key : band_keys) out.items[at++] = {i, key};
      }
      written[slice] = at - from * kMinHashBands;
    }
  });
  size_t end = 0;
  for (size_t slice = 0; slice < slices; ++slice) {
    const size_t from = slice * kSlice * kMinHashBands;
    if (end != from) {  // end < from: entries move down
      std::copy_n(out.items.begin() + from, written[slice], out.items.begin() + end);
    }
    end += written[slice];
  }
  out.items.resize(end);
  return out;
}

// Any other rule's keys, record by record on the calling thread.
kernels::BlockEntries RecordKeys(const MatchTable& t, BlockingRule rule, const kernels::KernelTable& kernels) {
  kernels::BlockEntries out;
  std::vector<uint64_t> keys;
  for (size_t i = 0, n = t.size(); i < n; ++i) {
    BlockKeysOf(t, i, rule, kernels, &keys);
    for (uint64_t key : keys) out.Add(key, static_cast<uint32_t>(i));
  }
  return out;
}

// Blocks and pairs a rule's keys (freed on the way). The backend sorts the
// keys into blocks; the pairs are then built record by record in order
// (kernels::GroupPairs: each record's partners merged on their own, no
// global sort) and appended to the rule's run, in memory or spilled as the
// budget says: a rule's whole pair list never exists in memory unless the
// budget keeps it there (at 10 M records, birth_date's was a 2.5 GB vector
// before it could spill). The training sample is read back from a spilled
// run one pair at a time (up to training_pairs_per_rule reads).
RuleOutput PairRule(const MatchTable& t, BlockingRule rule, kernels::BlockEntries keyed, const BlockingOptions& options,
                    const kernels::KernelTable& kernels, PairBudget* budget) {
  RuleOutput result;
  RuleStats& stats = result.stats;
  stats.rule = rule;
  const BlockLimit limit = BlockLimitOf(rule, options);
  kernels::BlockGroups groups;
  kernels::BlockStats block_stats;
  kernels.block_groups(&keyed, limit.cap, &groups, &block_stats);  // frees the entries
  stats.blocks = block_stats.blocks;
  stats.skipped_blocks = block_stats.skipped_blocks;
  if (!limit.report_skips) block_stats.skipped_examples.clear();
  for (const kernels::SkippedBlock& sb : block_stats.skipped_examples) {
    stats.skipped_examples.push_back(std::string(BlockingRuleName(rule)) + " '" +
                                     BlockKeyText(t, sb.first_row, rule, sb.key) + "': " +
                                     std::to_string(sb.size) + " records (first: " +
                                     std::string(t.ids.Get(sb.first_row)) + ")");
  }
  const auto records = static_cast<uint32_t>(t.size());
  const kernels::GroupPairs index(std::move(groups), records);
  if (!index.ok()) {
    budget->Fail(Status::ResourceExhausted("blocking rule " + std::string(BlockingRuleName(rule)) +
                                           ": 4,294,967,295 or more block entries, more than one rule can index"));
    return result;
  }
  // The run is budgeted for the pairs before duplicates merge (an upper
  // bound, exact for most rules); the training sample, every step-th pair
  // of the sorted list, is read from it once its length is known.
  std::vector<uint32_t> scratch;
  PairRun::Builder run(index.raw_pairs(), budget);
  constexpr size_t kPiece = size_t{1} << 16;  // 512 KB of pairs per append
  std::vector<uint64_t> piece;
  piece.reserve(kPiece);
  index.ForEach(0, records, scratch, [&](uint32_t a, const uint32_t* partners, size_t c) {
    const uint64_t high = uint64_t{a} << 32;
    for (size_t k = 0; k < c; ++k) piece.push_back(high | partners[k]);
    if (piece.size() >= kPiece) {
      run.Append(piece.data(), piece.size());
      piece.clear();
    }
  });
  run.Append(piece.data(), piece.size());
  result.pairs = run.Finish();
  stats.pairs = result.pairs.size();
  result.training.blocked_on = ComparisonsOf(rule);
  const size_t step = std::max<size_t>(1, result.pairs.size() / std::max<size_t>(1, options.training_pairs_per_rule));
  result.training.pairs.reserve(result.pairs.size() / step + 1);
  for (size_t i = 0; i < result.pairs.size(); i += step) result.training.pairs.push_back(Unpack(result.pairs.At(i)));
  return result;
}

}  // namespace

BlockedRules BlockRules(const MatchTable& t, const BlockingOptions& options, const kernels::KernelTable& kernels,
                        int threads, PairBudget* budget) {
  BlockedRules out;
  // Rules are independent until their union: each thread takes the next
  // rule as it frees up (fixed waves waited on their slowest rule). MinHash,
  // the costliest by far, has its keys made first, its signatures split over
  // every thread; its one long sort then heads the queue and overlaps the
  // other rules. Each keeps its sorted pair list, in RAM or spilled, under
  // its own index: the result does not depend on who ran it.
  const size_t workers = std::max<size_t>(1, ResolveThreads(threads));
  const auto& rules = options.rules;
  const size_t count = rules.size();
  out.by_rule.resize(count);
  out.training.resize(count);
  out.runs.resize(count);
  std::vector<size_t> queue;
  std::vector<kernels::BlockEntries> made(count);
  for (size_t r = 0; r < count; ++r) {
    if (rules[r] == BlockingRule::kMinHash) {
      made[r] = MinHashKeys(t, kernels, workers);
      queue.insert(queue.begin(), r);
    } else {
      queue.push_back(r);
    }
  }
  auto run = [&](size_t r) {
    kernels::BlockEntries keyed = rules[r] == BlockingRule::kMinHash ? std::move(made[r]) : RecordKeys(t, rules[r], kernels);
    RuleOutput o = PairRule(t, rules[r], std::move(keyed), options, kernels, budget);
    out.training[r] = std::move(o.training);
    out.by_rule[r] = std::move(o.stats);
    out.runs[r] = std::move(o.pairs);
  };
  std::atomic<size_t> next{0};
  ParallelFor(std::min(workers, queue.size()), workers, 1, [&](size_t, size_t) {
    for (size_t i; (i = next.fetch_add(1)) < queue.size();) run(queue[i]);
  });
  return out;
}

void UnionChunks(BlockedRules& blocked, size_t n, int threads, size_t chunk_pairs,
                 const std::function<void(std::vector<std::pair<uint32_t, uint32_t>>&&)>& fn,
                 const std::function<bool(uint32_t, uint32_t)>* same_entity) {
  // One k-way merge of the rule lists, split by first record into parts:
  // a round merges `workers` parts at once, then hands them on in order.
  // A pair counts as new for the first rule (in rule order) that has it, so
  // the counts and the pairs do not depend on how the parts fall.
  auto& lists = blocked.runs;
  const size_t k = lists.size();
  const size_t workers = std::max<size_t>(1, std::min(ResolveThreads(threads), std::max<size_t>(n, 1)));
  size_t total = 0;
  for (const PairRun& run : lists) total += run.size();
  const size_t chunk = std::max<size_t>(chunk_pairs, 1);
  const size_t rounds = std::max<size_t>(1, total / chunk + (total % chunk != 0));
  const size_t parts = std::max<size_t>(1, std::min(workers * rounds, std::max<size_t>(n, 1)));
  // Where each part starts in each list, found before any list is freed.
  std::vector<std::vector<size_t>> bound(k, std::vector<size_t>(parts + 1, 0));
  for (size_t r = 0; r < k; ++r) {
    bound[r][parts] = lists[r].size();
    for (size_t p = 1; p < parts; ++p) {
      bound[r][p] = lists[r].LowerBound(kernels::PackPair(static_cast<uint32_t>(n * p / parts), 0));
    }
  }
  std::vector<std::vector<uint64_t>> part_new(workers, std::vector<uint64_t>(k, 0));
  std::vector<std::vector<uint64_t>> part_true(workers, std::vector<uint64_t>(k, 0));
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> out(workers);
  for (size_t first = 0; first < parts; first += workers) {
    const size_t count = std::min(workers, parts - first);
    ParallelFor(count, count, 1, [&](size_t wb, size_t we) {
      // The rules' remaining blocks in this part, in rule order; exhausted
      // ones drop out, so the search for the least pair scans only live runs.
      struct Run {
        const uint64_t *at, *end;
        size_t rule;
      };
      std::vector<PairRun::Reader> readers;
      std::vector<Run> runs;
      for (size_t w = wb; w < we; ++w) {
        const size_t part = first + w;
        readers.clear();
        readers.reserve(k);
        runs.clear();
        size_t size = 0;
        for (size_t r = 0; r < k; ++r) {
          readers.emplace_back(lists[r], bound[r][part], bound[r][part + 1]);
          size += bound[r][part + 1] - bound[r][part];
        }
        for (size_t r = 0; r < k; ++r) {
          Run run{nullptr, nullptr, r};
          if (readers[r].Next(&run.at, &run.end)) runs.push_back(run);
        }
        // The part's pairs and counts stay local until it is done: out[w]
        // and part_new[w] sit next to their neighbours' in memory, and
        // writing them per pair made the two threads fight over those cache
        // lines (the merge ran slower on two threads than on one).
        std::vector<std::pair<uint32_t, uint32_t>> pairs;
        pairs.reserve(size);
        std::vector<uint64_t> fresh(k, 0), fresh_true(k, 0);
        while (!runs.empty()) {
          uint64_t least = *runs[0].at;
          size_t winner = 0;
          for (size_t i = 1; i < runs.size(); ++i) {
            if (*runs[i].at < least) least = *runs[i].at, winner = i;  // strict: the lowest rule wins ties
          }
          ++fresh[runs[winner].rule];
          pairs.push_back(Unpack(least));
          if (same_entity != nullptr && (*same_entity)(pairs.back().first, pairs.back().second)) {
            ++fresh_true[runs[winner].rule];
          }
          size_t live = 0;
          for (size_t i = 0; i < runs.size(); ++i) {
            Run run = runs[i];
            if (*run.at == least) ++run.at;
            if (run.at < run.end || readers[run.rule].Next(&run.at, &run.end)) runs[live++] = run;
          }
          runs.resize(live);
        }
        out[w] = std::move(pairs);
        for (size_t r = 0; r < k; ++r) part_new[w][r] += fresh[r], part_true[w][r] += fresh_true[r];
      }
    });
    for (size_t w = 0; w < count; ++w) fn(std::move(out[w]));
    for (size_t r = 0; r < k; ++r) lists[r].ReleaseBefore(bound[r][first + count]);
  }
  for (size_t r = 0; r < k; ++r) {
    for (size_t w = 0; w < workers; ++w) {
      blocked.by_rule[r].new_pairs += part_new[w][r];
      blocked.by_rule[r].new_true_pairs += part_true[w][r];
    }
  }
  std::vector<PairRun>().swap(lists);
}

CandidatePairs GenerateCandidates(const MatchTable& t, const BlockingOptions& options,
                                  const kernels::KernelTable& kernels, int threads) {
  PairBudget memory;
  BlockedRules blocked = BlockRules(t, options, kernels, threads, &memory);
  CandidatePairs out;
  UnionChunks(blocked, t.size(), threads, SIZE_MAX,  // one round
              [&](std::vector<std::pair<uint32_t, uint32_t>>&& piece) {
                if (out.pairs.empty()) out.pairs = std::move(piece);
                else out.pairs.insert(out.pairs.end(), piece.begin(), piece.end());
              });
  out.by_rule = std::move(blocked.by_rule);
  out.training = std::move(blocked.training);
  return out;
}

}  // namespace doppel::core
