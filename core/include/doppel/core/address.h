// Address normalization for Russian and international postal addresses.
//
// Lower-cases, expands Russian abbreviations (г. -> город, ул. -> улица,
// пр-т -> проспект, пер., б-р, ш., д., корп./к., стр., кв.), pulls out
// postcode, city, street, house, building and flat where it can, and builds
// a token set for fuzzy comparison.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/validity.h"

namespace doppel::core {

// What the input has: one free-form line and/or separate columns. Parts
// given as columns win over what is parsed out of the line.
struct AddressInput {
  std::string_view line;
  std::string_view postcode, region, city, street, house, flat;
};

struct AddressParts {
  std::string postcode;  // digits only ("620014")
  std::string region;    // normalized, e.g. "свердловская область"
  std::string city;      // normalized, without the type word: "екатеринбург"
  std::string street;    // normalized with its type word expanded: "улица ленина"
  std::string house;     // "12", "12а", "12/3"
  std::string building;  // корпус / строение: "2", "стр 1"
  std::string flat;      // "45"
};

struct AddressResult {
  Verdict verdict;
  // The whole address, normalized and in a canonical order:
  // "620014, свердловская область, город екатеринбург, улица ленина, дом 12, квартира 45".
  std::string normalized;
  AddressParts parts;
  // ASCII-key tokens (see unicode.h AsciiKey) of the address, without type
  // words (город, улица, дом...), sorted and unique, for Jaccard/MinHash.
  std::vector<std::string> tokens;
  // Exact matching key of the dwelling: ASCII keys of city|street|house|flat;
  // empty unless street and house are known.
  std::string key;
};

AddressResult NormalizeAddress(const AddressInput& input);

}  // namespace doppel::core
