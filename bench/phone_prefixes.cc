// Checks the premise of the phone fast path (core/src/phone.cc, PrefixTable):
// in the +1 and +7 plans, libphonenumber's validity, type and region of a
// ten-digit national number depend only on its first six digits. For every
// six-digit prefix it asks libphonenumber about 48 numbers: the 7th and the
// 8th digit each through 0-9 with the rest all 0 or all 9, and 8 random
// suffixes (fixed seed). It prints each prefix whose answers differ; those
// belong in PrefixTable's full-parse list. Rerun it when libphonenumber's
// version changes:
//   build/bench/phone_prefixes 1 > plus1.txt; build/bench/phone_prefixes 7
// (about 5 minutes for +7 and 25 for +1 on one core; with libphonenumber
// 8.12.57 they printed nothing for +7 and 246521, 246522, 284496, 876606
// for +1).
#include <phonenumbers/phonenumberutil.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace pn = i18n::phonenumbers;

int main(int argc, char** argv) {
  if (argc != 2 || std::strcmp(argv[1], "--help") == 0 || std::atoi(argv[1]) <= 0) {
    std::fprintf(stderr, "usage: %s COUNTRY_CODE\n  prints the six-digit prefixes of ten-digit national numbers\n"
                 "  whose validity, type or region depend on the last four digits\n", argv[0]);
    return 2;
  }
  const int country_code = std::atoi(argv[1]);
  const auto& util = *pn::PhoneNumberUtil::GetInstance();
  std::vector<uint64_t> suffixes;
  for (uint64_t d = 0; d < 10; ++d) {
    suffixes.push_back(d * 1000);        // 7th digit through 0-9, the rest 0
    suffixes.push_back(d * 1000 + 999);  // ... the rest 9
    suffixes.push_back(d * 100);         // 8th digit, the rest 0
    suffixes.push_back(9099 + d * 100);  // ... the rest 9
  }
  std::mt19937_64 rng(7);
  const size_t fixed = suffixes.size();
  suffixes.resize(fixed + 8);
  long differ = 0, valid = 0;
  for (uint64_t prefix = 100000; prefix < 1000000; ++prefix) {
    for (size_t k = fixed; k < suffixes.size(); ++k) suffixes[k] = rng() % 10000;
    int type0 = 0;
    std::string region0;
    bool valid0 = false;
    for (size_t k = 0; k < suffixes.size(); ++k) {
      pn::PhoneNumber number;
      number.set_country_code(country_code);
      number.set_national_number(prefix * 10000 + suffixes[k]);
      const int type = util.GetNumberType(number);
      std::string region;
      util.GetRegionCodeForNumber(number, &region);
      const bool is_valid = util.IsValidNumber(number);
      if (k == 0) {
        type0 = type, region0 = region, valid0 = is_valid;
        valid += is_valid;
      } else if (type != type0 || region != region0 || is_valid != valid0) {
        ++differ;
        std::printf("%llu\n", static_cast<unsigned long long>(prefix));
        break;
      }
    }
  }
  std::fprintf(stderr, "+%d: %ld of 900000 prefixes depend on later digits; %ld valid with suffix 0000\n",
               country_code, differ, valid);
  return 0;
}
