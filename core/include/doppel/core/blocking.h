// Blocking: which record pairs are worth comparing.
//
// Each rule maps a record to zero or more block keys; records sharing a key
// form a block and every pair inside it is a candidate. Rules are OR-ed and a
// pair found by several rules is kept once. A block larger than max_block is
// too common to be useful (a placeholder date, an office phone) and is
// skipped with a warning naming it, so one value cannot explode the run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "doppel/core/comparison.h"
#include "doppel/core/fs_model.h"
#include "doppel/core/match_table.h"
#include "doppel/core/spill.h"
#include "doppel/core/status.h"

namespace doppel::core {

enum class BlockingRule : uint8_t {
  kPhone,          // a personal phone number
  kEmail,          // a canonical email
  kDocId,          // a document number
  kBirthDate,      // the full birth date + the initial of the surname, and + the initial of the first name
  kNameInitial,    // surname skeleton + the first two letters of the first-name skeleton
  kSurnameYear,    // surname skeleton + first initial + birth year
  kFirstNameDate,  // first-name skeleton + the full birth date (catches surname changes)
  kDwelling,       // city + street + house + flat
  kPostcodeHouse,  // postcode + house number
  kNameCity,       // surname skeleton + first-name skeleton + city
  kNameSet,        // the two name skeletons in either order (catches swapped given name and surname)
  kMinHash,        // MinHash LSH bands over character 3-grams of the name and the email's local part
  // The full birth date alone, in blocks of at most kSmallBlock records:
  // pairs that share nothing else exactly (every name with a typo or
  // swapped), found where a date still tells people apart. In a base of a
  // million, every date is shared by dozens and its blocks are all
  // skipped, by design and without a note.
  kBirthDateAlone,
  kCount
};
inline constexpr size_t kSmallBlock = 8;
std::string_view BlockingRuleName(BlockingRule r);
Result<BlockingRule> ParseBlockingRule(std::string_view name);
std::vector<BlockingRule> DefaultBlockingRules();

// The comparisons a rule's key is made of (their fields agree in every pair
// the rule produces, so an EM session on those pairs cannot learn them).
std::vector<Comparison> ComparisonsOf(BlockingRule r);

struct BlockingOptions {
  // Rules OR-ed together. Default: all of them.
  std::vector<BlockingRule> rules = DefaultBlockingRules();
  // A block with more records than this is skipped (and reported): common
  // values would flood the comparisons with pairs other rules already find.
  // Default: 100 (birth_date_alone: kSmallBlock at most, its skips
  // unreported).
  size_t max_block = 100;
  // The same for the rules keyed on names and dates alone (birth_date,
  // name_initial, surname_year, first_name_date, name_city, name_set; and
  // MinHash bands, a third of it), at most max_block. Their blocks grow with the base (the pairs with its
  // square: at 10M generated records birth_date alone made 318M of 610M
  // pairs under the cap of 100), while the contact rules' blocks (phone,
  // email, doc_id, dwelling, postcode_house) are one client's records
  // however big the base. 40 gave the same F1 as 100 on FEBRL 1-3,
  // fake_1000 and generated 1M and 10M bases (docs/performance.md).
  // Default: 40.
  size_t max_name_block = 40;
  // Pairs kept per rule for training the model (an even sample). Default: 200000.
  size_t training_pairs_per_rule = 200000;
};

struct RuleStats {
  BlockingRule rule;
  uint64_t blocks = 0;      // blocks of 2+ records
  uint64_t pairs = 0;       // pairs this rule produces
  uint64_t new_pairs = 0;   // pairs no earlier rule produced
  uint64_t new_true_pairs = 0;  // of those, true matches (UnionChunks with a same-entity test)
  uint64_t skipped_blocks = 0;
  std::vector<std::string> skipped_examples;  // "rule 'key': N records (first: id)"
};

struct CandidatePairs {
  std::vector<std::pair<uint32_t, uint32_t>> pairs;  // (i, j), i < j, sorted, unique
  std::vector<RuleStats> by_rule;
  std::vector<TrainingSet> training;  // per rule, for the model's EM sessions
};

// Rules run on up to `threads` threads (0: all cores); the result does not
// depend on the thread count. All pairs in memory: BlockRules and
// UnionChunks below stream them instead.
CandidatePairs GenerateCandidates(const MatchTable& t, const BlockingOptions& options, const kernels::KernelTable& k,
                                  int threads = 1);

// Blocking before the union of the rules: each rule's stats (new_pairs
// still 0), training sample and sorted pair list, kept in memory or spilled
// as `budget` says (errors land in budget->status()).
struct BlockedRules {
  std::vector<RuleStats> by_rule;
  std::vector<TrainingSet> training;
  std::vector<PairRun> runs;  // per rule, in rule order
};
BlockedRules BlockRules(const MatchTable& t, const BlockingOptions& options, const kernels::KernelTable& k, int threads,
                        PairBudget* budget);

// The union of the rules' lists, in ascending order, handed to `fn` a piece
// at a time (about chunk_pairs / threads pairs each); each rule's new_pairs
// is counted on the way. The rules' in-memory lists are freed as the union
// passes them. Where the pieces split depends on the thread count; their
// concatenation does not. With `same_entity` (called from several threads)
// each rule's new_true_pairs is counted too.
void UnionChunks(BlockedRules& blocked, size_t records, int threads, size_t chunk_pairs,
                 const std::function<void(std::vector<std::pair<uint32_t, uint32_t>>&&)>& fn,
                 const std::function<bool(uint32_t, uint32_t)>* same_entity = nullptr);

// The block keys (hashes) a record yields under one rule, for incremental
// matching against a stored base.
void BlockKeysOf(const MatchTable& t, size_t i, BlockingRule rule, const kernels::KernelTable& k,
                 std::vector<uint64_t>* keys);

// The readable value behind one of record i's keys under `rule`, parts
// joined by " | " (e.g. "ivanov | i | 1985"), to name an oversized block.
std::string BlockKeyText(const MatchTable& t, size_t i, BlockingRule rule, uint64_t key);

// MinHash LSH shape: kMinHashBands bands of kMinHashRows values. Two records
// with Jaccard similarity J share a band with probability 1 - (1 - J^rows)^bands
// (0.40 at J = 0.5, 0.89 at J = 0.7).
inline constexpr uint32_t kMinHashBands = 8, kMinHashRows = 4;

}  // namespace doppel::core
