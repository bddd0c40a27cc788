// The synthetic client-base generator, with ground truth.
//
// Writes a base of `rows` records where some entities appear several times
// with realistic damage (typos, format variants, missing fields,
// transliteration, diminutive first names, changed numbers, moves, a woman's
// changed surname), plus hard non-matches (relatives sharing an address and a
// landline, namesakes). Rows stream out in shuffled windows, so 10^8 rows
// need no more memory than one window. Output is a pure function of the
// options and lists: same seed, same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/status.h"

namespace doppel::core {

enum class Locale : uint8_t { kRu, kEn };
Result<Locale> ParseLocale(std::string_view name);  // "ru" or "en"
std::string_view LocaleName(Locale l);

struct GeneratorOptions {
  // Rows to write (originals + duplicates + relatives + namesakes). Default: 10000.
  uint64_t rows = 10000;
  // Seed of the pseudo-random stream. Default: 42.
  uint64_t seed = 42;
  // Russian (Cyrillic names, +7 numbers, Russian addresses, ';' CSV) or
  // English (Latin names, +1 numbers, US-style addresses, ',' CSV). Default: kRu.
  Locale locale = Locale::kRu;
  // Share of rows that are damaged copies of another row's entity, 0..0.9. Default: 0.2.
  double dup_rate = 0.2;
  // Share of entities that have a relative in the base sharing their address
  // and landline (a different person). Default: 0.05.
  double household_rate = 0.05;
  // Share of entities that have a namesake (same first and last name, a
  // different person). Default: 0.01.
  double namesake_rate = 0.01;
  // "Today" as yyyymmdd: birth dates, creation and verification dates are
  // drawn relative to it. Default: 20261201.
  int32_t today = 20261201;
  // Rows are shuffled within windows of this many rows. Default: 100000.
  uint64_t shuffle_window = 100000;

  Status Validate() const;
};

// Reference lists the generator draws from. The built-in ones are small; the
// lists in ../shared/data (see its README) are large and realistic.
struct GeneratorLists {
  struct Weighted {
    std::string value;
    double weight = 1;
  };
  std::vector<Weighted> male_first, female_first;
  std::vector<Weighted> surnames;  // Russian: male form; the female form is derived
  // Russian: father's first name -> patronymic (male, female).
  struct Patronymic {
    std::string father, male, female;
  };
  std::vector<Patronymic> patronymics;
  std::vector<std::string> streets;  // "улица Ленина", "Main Street"
  struct City {
    std::string name, region, postcode_prefix, phone_code;  // phone_code: area code for landlines
    double weight = 1;
  };
  std::vector<City> cities;
  // Mobile ranges: numbers prefix+[from, to] are allocated (Russian DEF codes).
  struct PhoneRange {
    std::string prefix;  // "912"
    uint64_t from = 0, to = 0;
    double weight = 1;   // capacity
  };
  std::vector<PhoneRange> mobile_ranges;
  std::vector<std::string> email_domains;
  std::string source;  // "builtin" or the data directory the lists came from
};

// The built-in lists for a locale.
GeneratorLists BuiltinGeneratorLists(Locale locale);
// Loads the lists from a ../shared/data-style directory, falling back to the
// built-in list for every file that is absent. An empty dir means built-in.
Result<GeneratorLists> LoadGeneratorLists(const std::string& data_dir, Locale locale);

struct GeneratorStats {
  uint64_t rows = 0;        // written to the base
  uint64_t entities = 0;    // distinct people
  uint64_t duplicates = 0;  // rows that repeat an entity
  uint64_t relatives = 0;   // rows for household relatives (distinct entities)
  uint64_t namesakes = 0;   // rows for namesakes (distinct entities)
};

using GeneratorProgress = std::function<void(uint64_t rows_written)>;

// Writes the base as CSV with a header to `base` and the ground truth as
// "record_id,entity_id" to `truth`. Record ids are 1..rows in output order.
Result<GeneratorStats> Generate(const GeneratorOptions& options, const GeneratorLists& lists, std::ostream& base,
                                std::ostream& truth, const GeneratorProgress& progress = {});

}  // namespace doppel::core
