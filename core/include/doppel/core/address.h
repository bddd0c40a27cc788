// Address normalization for Russian and international postal addresses.
//
// Lower-cases, expands Russian abbreviations (г. -> город, ул. -> улица,
// пр-т -> проспект, пер., б-р, ш., д., корп./к., стр., кв.), pulls out
// postcode, city, street, house, building and flat where it can, and builds
// a token set for fuzzy comparison.
//
// The layout follows the script: Cyrillic text and transliterated Russian
// ("g. Moskva, ul. Lenina, d. 5") are read and written in Russian order with
// the type words in their own script ("город"/"gorod"); other Latin text is
// read as an English-style address ("123 Main St, Springfield, IL 62704").
// Pure function, thread-safe; never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/validity.h"

namespace doppel::core {

// What the input has: one free-form line and/or separate columns. Parts
// given as columns win over what is parsed out of the line.
struct AddressInput {
  std::string_view line{};
  std::string_view postcode{}, region{}, city{}, street{}, house{}, flat{};
};

struct AddressParts {
  std::string postcode;  // digits ("620014"); alphanumeric codes folded ("sw1a 2aa")
  std::string region;    // normalized, e.g. "свердловская область"
  std::string district;  // район inside a region: "одинцовский район"
  std::string city_type; // город / поселок / деревня / село ...; "город" when
                         // a Russian city has no type word; "" in English
  std::string city;      // normalized, without the type word: "екатеринбург"
  std::string street;    // normalized with its type word expanded: "улица ленина"
  std::string house;     // "12", "12а", "12/3"
  std::string building;  // корпус / строение: "2", "стр 1", "2 стр 1"
  std::string flat;      // "45" (also an office or apartment number)
};

struct AddressResult {
  Verdict verdict;
  // The whole address, normalized and in a canonical order:
  // "620014, свердловская область, город екатеринбург, улица ленина, дом 12, квартира 45".
  // English-style addresses read "123 main street, flat 5, springfield, il 62704".
  std::string normalized;
  AddressParts parts;
  // ASCII-key tokens (see unicode.h AsciiKey) of the address, without type
  // words (город, улица, дом...), sorted and unique, for Jaccard/MinHash.
  std::vector<std::string> tokens;
  // Exact matching key of the dwelling: ASCII keys of city|street|house|flat,
  // where the house carries its корпус/строение ("5k2", "3s1") because they
  // are different buildings; empty unless street and house are known.
  std::string key;
};

AddressResult NormalizeAddress(const AddressInput& input);

}  // namespace doppel::core
