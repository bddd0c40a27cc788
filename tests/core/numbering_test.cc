#include "doppel/core/numbering.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "doppel/core/date.h"

namespace doppel::core {
namespace {

namespace fs = std::filesystem;

// ---- numbering plan ---------------------------------------------------------

// A register as the regulator publishes it (BOM, CRLF, no final newline),
// with one bad row of each kind. Line numbers in the comments.
const std::string kRegister =
    "\xEF\xBB\xBF"
    "АВС/ DEF;От;До;Емкость;Оператор;Регион;Территория ГАР;ИНН\r\n"                                      // 1
    "900;0000000;0061999;62000;ООО \"Т2 МОБАЙЛ\";Краснодарский край;Краснодарский край;7743895280\r\n"  // 2
    "900;0062000;0062999;1000;ООО \"Т2 МОБАЙЛ\";Ростовская обл.;Ростовская область;7743895280\r\n"      // 3
    "900;0063000;0063999;1000;ООО \"Т2 МОБАЙЛ\"\r\n"                                                   // 4
    "9x0;0064000;0064999;1000;ООО \"Т2 МОБАЙЛ\";Ростовская обл.;Ростовская область;7743895280\r\n"      // 5
    "900;0065999;0065000;1000;ООО \"Т2 МОБАЙЛ\";Ростовская обл.;Ростовская область;7743895280\r\n"      // 6
    "900;0061000;0062500;1500;ООО \"Т2 МОБАЙЛ\";Ростовская обл.;Ростовская область;7743895280\r\n"      // 7
    "\r\n"                                                                                             // 8
    "901;1000000;1999999;999;ПАО \"МТС\";Ростовская обл.;Ростовская область;7740000076\r\n"             // 9
    "901;2000000;2000009;10;ПАО \"МТС\";г. Москва и Московская область;г. Москва;7740000076";           // 10

// Rebuilt piece by piece rather than with replace(): GCC 12 warns falsely
// (-Wrestrict) on the inlined replace.
std::string Replace(const std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  size_t start = 0;
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, start)) {
    out.append(s, start, p - start).append(to);
    start = p + from.size();
  }
  out.append(s, start, std::string::npos);
  return out;
}

TEST(NumberingPlan, ParseReportsBadRowsByLineAndKeepsTheRest) {
  std::vector<NumberingRowError> errors;
  auto plan = NumberingPlan::Parse(kRegister, &errors);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->size(), 4u);
  EXPECT_EQ(plan->regions(),
            (std::vector<std::string>{"Краснодарский край", "Ростовская обл.", "г. Москва и Московская область"}));

  ASSERT_EQ(errors.size(), 5u);
  struct Expected {
    uint64_t line;
    const char* reason_part;
    bool skipped;
  };
  const Expected expected[] = {
      {4, "5 fields, the header has 8", true},
      {5, "is not 3 digits", true},
      {6, "range start after range end", true},
      {7, "overlaps line 2", true},
      {9, "disagrees with the range size 1000000", false},
  };
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i].line, expected[i].line) << i;
    EXPECT_NE(errors[i].reason.find(expected[i].reason_part), std::string::npos) << errors[i].reason;
    EXPECT_EQ(errors[i].skipped, expected[i].skipped) << errors[i].reason;
  }
}

TEST(NumberingPlan, ParseAcceptsLfAndTrailingNewline) {
  const std::string lf = Replace(kRegister, "\r\n", "\n") + "\n";
  std::vector<NumberingRowError> errors;
  auto plan = NumberingPlan::Parse(lf, &errors);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->size(), 4u);
  EXPECT_EQ(errors.size(), 5u);
  // Without a BOM, and with the spaced header of older files.
  auto plain = NumberingPlan::Parse("ABC/DEF; От; До; Емкость; Оператор; Регион\n"
                                    "999;0000000;0000099;100;ООО \"Х\";Тульская обл.\n");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->Lookup("+79990000050").region, "Тульская обл.");
}

TEST(NumberingPlan, ParseFailsOnUnknownHeaderOrNoValidRow) {
  for (const char* text : {"", "code;from;to\n900;0000000;0000001\n", "900;0000000;0061999;62000;x;y;z;i\n"}) {
    auto plan = NumberingPlan::Parse(text);
    ASSERT_FALSE(plan.ok()) << text;
    EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  }
  std::vector<NumberingRowError> errors;
  auto none = NumberingPlan::Parse("АВС/ DEF;От;До;Емкость;Оператор;Регион\n900;1;0;1;x;y\nxyz\n", &errors);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no valid row"), std::string::npos);
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_FALSE(NumberingPlan::Parse("АВС/ DEF;От;До;Емкость;Оператор;Регион\r\n").ok());
}

TEST(NumberingPlan, LookupInsideAtEdgesAndBetweenRanges) {
  auto plan = NumberingPlan::Parse(kRegister);
  ASSERT_TRUE(plan.ok());
  struct Case {
    const char* e164;
    bool covered, allocated;
    const char* region;
  };
  const Case cases[] = {
      {"+79000000000", true, true, "Краснодарский край"},  // first number of the first range
      {"+79000030000", true, true, "Краснодарский край"},
      {"+79000061999", true, true, "Краснодарский край"},  // last
      {"+79000062000", true, true, "Ростовская обл."},     // first of the next
      {"+79000062999", true, true, "Ростовская обл."},
      {"+79000063000", true, false, ""},  // its row was skipped
      {"+79009999999", true, false, ""},
      {"+79010999999", true, false, ""},  // just before a range
      {"+79011000000", true, true, "Ростовская обл."},
      {"+79012000009", true, true, "г. Москва и Московская область"},
      {"+79012000010", true, false, ""},  // just after the last range
      {"+79020000000", false, false, ""},  // a code the plan does not have
      {"+74951234567", false, false, ""},  // a landline: not in a DEF plan
      {"+380441234567", false, false, ""},  // not Russian
      {"+7900000000", false, false, ""},    // 9 national digits
      {"+790000000000", false, false, ""},  // 11
      {"79000000000", false, false, ""},    // no '+'
      {"+7 900 000-00-00", false, false, ""},
      {"+7900000000a", false, false, ""},
      {"", false, false, ""},
  };
  for (const auto& c : cases) {
    const NumberingInfo info = plan->Lookup(c.e164);
    EXPECT_EQ(info.covered, c.covered) << c.e164;
    EXPECT_EQ(info.allocated, c.allocated) << c.e164;
    EXPECT_EQ(info.region, c.region) << c.e164;
  }
  EXPECT_EQ(plan->Lookup("+79011234567").op, "ПАО \"МТС\"");
}

TEST(NumberingPlan, SerializeRoundTrips) {
  auto plan = NumberingPlan::Parse(kRegister);
  ASSERT_TRUE(plan.ok());
  const std::string bytes = plan->Serialize();
  auto back = NumberingPlan::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->size(), plan->size());
  EXPECT_EQ(back->regions(), plan->regions());
  EXPECT_EQ(back->Serialize(), bytes);
  for (const char* n : {"+79000000000", "+79000061999", "+79000062000", "+79000063000", "+79011000000",
                        "+79012000009", "+79012000010", "+79020000000"}) {
    const NumberingInfo a = plan->Lookup(n), b = back->Lookup(n);
    EXPECT_EQ(a.covered, b.covered) << n;
    EXPECT_EQ(a.allocated, b.allocated) << n;
    EXPECT_EQ(a.op, b.op) << n;
    EXPECT_EQ(a.region, b.region) << n;
  }
}

TEST(NumberingPlan, DeserializeRejectsDamage) {
  auto plan = NumberingPlan::Parse(kRegister);
  ASSERT_TRUE(plan.ok());
  const std::string bytes = plan->Serialize();
  auto expect_corruption = [](std::string_view blob, const std::string& what) {
    auto r = NumberingPlan::Deserialize(blob);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << what;
  };
  expect_corruption("", "empty");
  expect_corruption("not a plan at all", "garbage");
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    expect_corruption(damaged, "bit flip at " + std::to_string(i));
  }
  for (size_t n = 0; n < bytes.size(); ++n) expect_corruption(bytes.substr(0, n), "truncated to " + std::to_string(n));
  expect_corruption(bytes + "x", "trailing byte");
}

// The register's mobile part, when ../shared/data has it.
class NumberingRealFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path file = fs::path(DOPPEL_SHARED_DATA) / "ru_phone_def_codes/DEF-9xx.csv";
    if (!fs::exists(file)) GTEST_SKIP() << "no " << file;
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    text_ = ss.str();
  }
  std::string text_;
};

TEST_F(NumberingRealFile, ParsesLooksUpAndRoundTrips) {
  std::vector<NumberingRowError> errors;
  auto plan = NumberingPlan::Parse(text_, &errors);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  for (const auto& e : errors) ADD_FAILURE() << "line " << e.line << ": " << e.reason;
  EXPECT_GT(plan->size(), 16000u);

  // 900-0060000..0061999 is still Краснодарский край; 0062000.. is Ростовская.
  EXPECT_EQ(plan->Lookup("+79000061999").region, "Краснодарский край");
  const NumberingInfo rostov = plan->Lookup("+79000062500");
  EXPECT_TRUE(rostov.allocated);
  EXPECT_EQ(rostov.region, "Ростовская обл.");
  EXPECT_EQ(rostov.op, "ООО \"Т2 МОБАЙЛ\"");
  EXPECT_FALSE(plan->Lookup("+74951234567").covered);

  const std::string bytes = plan->Serialize();
  auto back = NumberingPlan::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->size(), plan->size());
  EXPECT_EQ(back->Lookup("+79000062500").region, "Ростовская обл.");

  // Lookup speed, for the record (no assertion: machines differ).
  const auto start = std::chrono::steady_clock::now();
  size_t allocated = 0;
  constexpr int kLookups = 1'000'000;
  std::string e164 = "+79000000000";
  for (int i = 0; i < kLookups; ++i) {
    const uint64_t n = 9'000'000'000ULL + (uint64_t{static_cast<uint32_t>(i)} * 99'991ULL) % 1'000'000'000ULL;
    std::snprintf(e164.data() + 2, 11, "%010llu", static_cast<unsigned long long>(n));
    allocated += plan->Lookup(e164).allocated;
  }
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  std::printf("DEF-9xx: %zu ranges, %zu regions, %zu bytes serialized (%zu of CSV); %.0f ns a lookup, %zu/%d "
              "allocated\n",
              plan->size(), plan->regions().size(), bytes.size(), text_.size(), ns / kLookups, allocated, kLookups);
}

TEST_F(NumberingRealFile, EveryRegionHasATimeZone) {
  auto plan = NumberingPlan::Parse(text_);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<std::string> unmapped;
  for (const std::string& region : plan->regions()) {
    if (region == "-" || region == "Российская Федерация") {
      EXPECT_FALSE(RegionUtcOffsetMinutes(region).has_value()) << region;
      continue;
    }
    if (!RegionUtcOffsetMinutes(region)) unmapped.push_back(region);
  }
  for (const auto& r : unmapped) std::printf("no time zone: \"%s\"\n", r.c_str());
  EXPECT_TRUE(unmapped.empty()) << unmapped.size() << " regions without a time zone";
  EXPECT_GT(plan->regions().size(), 90u);
}

// ---- time zones -------------------------------------------------------------

struct ZoneCase {
  const char* region;
  int hours;
};

void ExpectZones(const std::vector<ZoneCase>& cases) {
  for (const auto& c : cases) {
    const auto offset = RegionUtcOffsetMinutes(c.region);
    ASSERT_TRUE(offset.has_value()) << c.region;
    EXPECT_EQ(*offset, c.hours * 60) << c.region;
  }
}

TEST(TimeZone, RegisterAndAddressSpellings) {
  ExpectZones({
      {"Краснодарский край", 3},
      {"Ростовская обл.", 3},
      {"Ростовская область", 3},
      {"Ростовской обл", 3},
      {"г. Москва и Московская область", 3},
      {"Москва и Московская область", 3},
      {"г. Москва * Московская область", 3},
      {"Московская область * Москва|Московская область * Москва", 3},
      {"г. Санкт-Петербург * Ленинградская область", 3},
      {"г. Санкт-Петербург и Ленинградская область", 3},
      {"Ханты - Мансийский - Югра АО", 5},
      {"Ханты-Мансийский автономный округ - Югра", 5},
      {"Ханты-Мансийский АО - Югра", 5},
      {"Республика Саха /Якутия/", 9},
      {"Кемеровская область - Кузбасс обл.", 7},
      {"Кемеровская обл.", 7},
      {"Республика Удмуртская", 4},
      {"Удмуртская Республика", 4},
      {"Республика Чеченская", 3},
      {"г. Норильск", 7},
      {"г. Норильск|Красноярский край", 7},
      {"Корякский округ|Камчатский край", 12},
      {"Донецкая Народная Республика", 3},
      {"Республика Донецкая Народная", 3},
      {"Республика Крым и г. Севастополь", 3},
      {"Республика Крым * г. Севастополь", 3},
      {"Запорожская обл.", 3},
      {"Херсонская обл.", 3},
      {"Архангельская область * Ненецкий автономный округ", 3},
      {"Ненецкий АО", 3},
      {"Ямало-Ненецкий АО", 5},
      {"Коми-Пермяцкий округ", 5},
      {"Республика Коми", 3},
      {"Сахалинская обл.", 11},
      {"Еврейская автономная обл.", 10},
      {"СВЕРДЛОВСКАЯ ОБЛ", 5},
      {"Орёл", 3},
  });
}

// Every federal subject by its name in the Constitution (art. 65).
TEST(TimeZone, EveryFederalSubject) {
  ExpectZones({
      {"Республика Адыгея (Адыгея)", 3}, {"Республика Алтай", 7}, {"Республика Башкортостан", 5},
      {"Республика Бурятия", 8}, {"Республика Дагестан", 3}, {"Донецкая Народная Республика", 3},
      {"Республика Ингушетия", 3}, {"Кабардино-Балкарская Республика", 3}, {"Республика Калмыкия", 3},
      {"Карачаево-Черкесская Республика", 3}, {"Республика Карелия", 3}, {"Республика Коми", 3},
      {"Республика Крым", 3}, {"Луганская Народная Республика", 3}, {"Республика Марий Эл", 3},
      {"Республика Мордовия", 3}, {"Республика Саха (Якутия)", 9}, {"Республика Северная Осетия — Алания", 3},
      {"Республика Татарстан (Татарстан)", 3}, {"Республика Тыва", 7}, {"Удмуртская Республика", 4},
      {"Республика Хакасия", 7}, {"Чеченская Республика", 3}, {"Чувашская Республика — Чувашия", 3},
      {"Алтайский край", 7}, {"Забайкальский край", 9}, {"Камчатский край", 12}, {"Краснодарский край", 3},
      {"Красноярский край", 7}, {"Пермский край", 5}, {"Приморский край", 10}, {"Ставропольский край", 3},
      {"Хабаровский край", 10}, {"Амурская область", 9}, {"Архангельская область", 3},
      {"Астраханская область", 4}, {"Белгородская область", 3}, {"Брянская область", 3},
      {"Владимирская область", 3}, {"Волгоградская область", 3}, {"Вологодская область", 3},
      {"Воронежская область", 3}, {"Запорожская область", 3}, {"Ивановская область", 3},
      {"Иркутская область", 8}, {"Калининградская область", 2}, {"Калужская область", 3},
      {"Кемеровская область — Кузбасс", 7}, {"Кировская область", 3}, {"Костромская область", 3},
      {"Курганская область", 5}, {"Курская область", 3}, {"Ленинградская область", 3},
      {"Липецкая область", 3}, {"Магаданская область", 11}, {"Московская область", 3},
      {"Мурманская область", 3}, {"Нижегородская область", 3}, {"Новгородская область", 3},
      {"Новосибирская область", 7}, {"Омская область", 6}, {"Оренбургская область", 5},
      {"Орловская область", 3}, {"Пензенская область", 3}, {"Псковская область", 3},
      {"Ростовская область", 3}, {"Рязанская область", 3}, {"Самарская область", 4},
      {"Саратовская область", 4}, {"Сахалинская область", 11}, {"Свердловская область", 5},
      {"Смоленская область", 3}, {"Тамбовская область", 3}, {"Тверская область", 3},
      {"Томская область", 7}, {"Тульская область", 3}, {"Тюменская область", 5},
      {"Ульяновская область", 4}, {"Херсонская область", 3}, {"Челябинская область", 5},
      {"Ярославская область", 3}, {"Москва", 3}, {"Санкт-Петербург", 3}, {"Севастополь", 3},
      {"Еврейская автономная область", 10}, {"Ненецкий автономный округ", 3},
      {"Ханты-Мансийский автономный округ — Югра", 5}, {"Чукотский автономный округ", 12},
      {"Ямало-Ненецкий автономный округ", 5},
  });
}

TEST(TimeZone, LargestCities) {
  ExpectZones({
      {"Москва", 3}, {"Санкт-Петербург", 3}, {"Новосибирск", 7}, {"Екатеринбург", 5}, {"Казань", 3},
      {"Нижний Новгород", 3}, {"Челябинск", 5}, {"Самара", 4}, {"Уфа", 5}, {"Ростов-на-Дону", 3},
      {"Омск", 6}, {"Красноярск", 7}, {"Воронеж", 3}, {"Пермь", 5}, {"Волгоград", 3}, {"Краснодар", 3},
      {"Саратов", 4}, {"Тюмень", 5}, {"Тольятти", 4}, {"Ижевск", 4}, {"Барнаул", 7}, {"Ульяновск", 4},
      {"Иркутск", 8}, {"Хабаровск", 10}, {"Ярославль", 3}, {"Владивосток", 10}, {"Махачкала", 3},
      {"Томск", 7}, {"Оренбург", 5}, {"Кемерово", 7}, {"Новокузнецк", 7}, {"Рязань", 3}, {"Астрахань", 4},
      {"Набережные Челны", 3}, {"Пенза", 3}, {"Киров", 3}, {"Липецк", 3}, {"Чебоксары", 3},
      {"Калининград", 2}, {"Тула", 3}, {"Курск", 3}, {"Ставрополь", 3}, {"Улан-Удэ", 8}, {"Сочи", 3},
      {"Тверь", 3}, {"Магнитогорск", 5}, {"Иваново", 3}, {"Брянск", 3}, {"Белгород", 3}, {"Сургут", 5},
      {"Владимир", 3}, {"Чита", 9}, {"Архангельск", 3}, {"Якутск", 9}, {"Смоленск", 3}, {"Курган", 5},
      {"Мурманск", 3}, {"Петропавловск-Камчатский", 12}, {"Южно-Сахалинск", 11}, {"Магадан", 11},
      {"Симферополь", 3}, {"Донецк", 3}, {"Луганск", 3}, {"Грозный", 3},
      {"г. Екатеринбург", 5}, {"город Новосибирск", 7},
  });
}

TEST(TimeZone, DistrictNamesDoNotMisleadAndUnknownIsNullopt) {
  // A masculine adjective names a district, not the subject.
  ExpectZones({
      {"Калининград, Московский район", 2},
      {"Самарская обл., Красноярский район", 4},
      {"Иркутск, Свердловский район", 8},
      {"Хабаровский край, Амурский район", 10},
  });
  // Благовещенск is a city of Амурская (+9) and of Башкортостан (+5).
  for (const char* s : {"Российская Федерация", "-", "", "   ", "Атлантида", "Свердловский район", "Благовещенск",
                        "\xD0"}) {
    EXPECT_FALSE(RegionUtcOffsetMinutes(s).has_value()) << s;
  }
}

// One line of an RFC 4180 CSV (quoted fields may hold commas and "").
std::vector<std::string> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back().push_back('"');
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back().push_back(c);
    }
  }
  return fields;
}

// An independent source: DaData's city list gives each city's region and
// time zone ("UTC+7"). Every region must map to that zone, and every city
// name that maps at all must map to its own zone (a stem that fires on the
// wrong town shows up here).
TEST(TimeZone, AgreesWithTheCityList) {
  const fs::path file = fs::path(DOPPEL_SHARED_DATA) / "ru_cities_hflabs/city.csv";
  if (!fs::exists(file)) GTEST_SKIP() << "no " << file;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = SplitCsvLine(line);
  auto column = [&](std::string_view name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const size_t region_type = column("region_type"), region = column("region"), city = column("city"),
               timezone = column("timezone");
  ASSERT_LT(timezone, header.size());
  size_t rows = 0, cities_mapped = 0;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = SplitCsvLine(line);
    ASSERT_EQ(f.size(), header.size()) << line;
    ASSERT_TRUE(f[timezone].starts_with("UTC+")) << line;
    const int expected = std::stoi(f[timezone].substr(4)) * 60;
    ++rows;
    // Якутия spans +9..+11 and is mapped to +9.
    if (f[region].starts_with("Саха") && expected != 9 * 60) continue;
    const std::string subject = f[region] + " " + f[region_type];
    EXPECT_EQ(RegionUtcOffsetMinutes(subject), expected) << subject;
    if (const auto by_city = RegionUtcOffsetMinutes(f[city])) {
      ++cities_mapped;
      EXPECT_EQ(*by_city, expected) << f[city] << " (" << subject << ")";
    }
  }
  EXPECT_GT(rows, 1000u);
  std::printf("city.csv: %zu rows, %zu city names resolve on their own\n", rows, cities_mapped);
}

TEST(TimeZone, NeighbourCountries) {
  EXPECT_EQ(CountryUtcOffsetMinutes("KZ"), 300);
  EXPECT_EQ(CountryUtcOffsetMinutes("kz"), 300);
  EXPECT_EQ(CountryUtcOffsetMinutes("KZ-ALA"), 300);
  EXPECT_EQ(CountryUtcOffsetMinutes("BY"), 180);
  EXPECT_EQ(CountryUtcOffsetMinutes("UZ"), 300);
  EXPECT_EQ(CountryUtcOffsetMinutes("KG"), 360);
  EXPECT_EQ(CountryUtcOffsetMinutes("AM"), 240);
  EXPECT_EQ(CountryUtcOffsetMinutes("AZ"), 240);
  EXPECT_EQ(CountryUtcOffsetMinutes("GE"), 240);
  EXPECT_EQ(CountryUtcOffsetMinutes("UA"), 120);
  for (const char* s : {"RU", "XX", "", "K", "KZA"}) EXPECT_FALSE(CountryUtcOffsetMinutes(s).has_value()) << s;
}

// ---- calling windows --------------------------------------------------------

TEST(CallingWindow, ParsesHoursAndDays) {
  struct Case {
    const char* hours;
    const char* days;
    int start, end;
    uint8_t bits;
  };
  const Case cases[] = {
      {"09:00-20:00", "mon-fri", 540, 1200, 0x1F},
      {"9-21", "mon,wed,sat", 540, 1260, 0x25},
      {" 08:30 – 22:00 ", "mon-sun", 510, 1320, 0x7F},
      {"00:00-24:00", "daily", 0, 1440, 0x7F},
      {"10:00 - 19:00", "ПН-ПТ", 600, 1140, 0x1F},
      {"09:00-20:00", "fri-mon", 540, 1200, 0x71},
      {"09:00-20:00", "Sat, Sunday", 540, 1200, 0x60},
      {"", "", 540, 1200, 0x1F},
  };
  for (const auto& c : cases) {
    auto w = ParseCallingWindow(c.hours, c.days);
    ASSERT_TRUE(w.ok()) << c.hours << " " << c.days << ": " << w.status().ToString();
    EXPECT_EQ(w->start_minute, c.start) << c.hours;
    EXPECT_EQ(w->end_minute, c.end) << c.hours;
    EXPECT_EQ(w->days, c.bits) << c.days;
  }
}

TEST(CallingWindow, RejectsMalformedInput) {
  for (const char* hours : {"20:00-09:00", "09:00-09:00", "9:60-20:00", "25:00-26:00", "09:00", "abc",
                            "09:00-24:30", "9:0-20:00", "09:00-20:00:00", "-20:00"}) {
    auto w = ParseCallingWindow(hours, "mon-fri");
    ASSERT_FALSE(w.ok()) << hours;
    EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument) << hours;
  }
  for (const char* days : {"mon-xyz", "funday", "mon,,fri", "mon-", "1-5"}) {
    EXPECT_FALSE(ParseCallingWindow("09:00-20:00", days).ok()) << days;
  }
}

// ms since the epoch of a local time at the given offset.
int64_t LocalMs(int y, int mo, int d, int h, int mi, int offset_minutes) {
  return ((DaysFromCivil(y, mo, d) * 1440) + h * 60 + mi - offset_minutes) * int64_t{60'000};
}

// 2024-03-13 was a Wednesday, 2024-03-15 a Friday, 2024-03-18 a Monday.
TEST(CallingWindow, NextPermitted) {
  const CallingWindow w;  // 09:00-20:00, mon-fri
  constexpr int kMsk = 180;
  struct Case {
    const char* what;
    int64_t now;
    int offset;
    int64_t start, end;
  };
  const int64_t wed_noon = LocalMs(2024, 3, 13, 12, 0, kMsk);
  const Case cases[] = {
      {"inside: now", wed_noon, kMsk, wed_noon, LocalMs(2024, 3, 13, 20, 0, kMsk)},
      {"at opening", LocalMs(2024, 3, 13, 9, 0, kMsk), kMsk, LocalMs(2024, 3, 13, 9, 0, kMsk),
       LocalMs(2024, 3, 13, 20, 0, kMsk)},
      {"before opening: today's opening", LocalMs(2024, 3, 13, 7, 30, kMsk), kMsk, LocalMs(2024, 3, 13, 9, 0, kMsk),
       LocalMs(2024, 3, 13, 20, 0, kMsk)},
      {"at closing: next day", LocalMs(2024, 3, 13, 20, 0, kMsk), kMsk, LocalMs(2024, 3, 14, 9, 0, kMsk),
       LocalMs(2024, 3, 14, 20, 0, kMsk)},
      {"after closing: next day", LocalMs(2024, 3, 13, 23, 59, kMsk), kMsk, LocalMs(2024, 3, 14, 9, 0, kMsk),
       LocalMs(2024, 3, 14, 20, 0, kMsk)},
      {"friday evening: monday", LocalMs(2024, 3, 15, 20, 30, kMsk), kMsk, LocalMs(2024, 3, 18, 9, 0, kMsk),
       LocalMs(2024, 3, 18, 20, 0, kMsk)},
      {"saturday: monday", LocalMs(2024, 3, 16, 12, 0, kMsk), kMsk, LocalMs(2024, 3, 18, 9, 0, kMsk),
       LocalMs(2024, 3, 18, 20, 0, kMsk)},
      {"+2 before opening", LocalMs(2024, 3, 13, 8, 59, 120), 120, LocalMs(2024, 3, 13, 9, 0, 120),
       LocalMs(2024, 3, 13, 20, 0, 120)},
      // Sunday 22:00 UTC is already Monday 10:00 at +12.
      {"+12 across the date line", LocalMs(2024, 3, 17, 22, 0, 0), 720, LocalMs(2024, 3, 17, 22, 0, 0),
       LocalMs(2024, 3, 18, 20, 0, 720)},
      // Saturday 03:00 UTC is still Friday 22:00 at -5: closed until Monday.
      {"-5 friday night", LocalMs(2024, 3, 16, 3, 0, 0), -300, LocalMs(2024, 3, 18, 9, 0, -300),
       LocalMs(2024, 3, 18, 20, 0, -300)},
      // 1969-12-31 was a Wednesday: negative times round down to their day.
      {"before the epoch", LocalMs(1969, 12, 31, 8, 0, 0), 0, LocalMs(1969, 12, 31, 9, 0, 0),
       LocalMs(1969, 12, 31, 20, 0, 0)},
  };
  for (const auto& c : cases) {
    const WindowSlot slot = NextPermitted(w, c.now, c.offset);
    EXPECT_EQ(slot.start_ms, c.start) << c.what;
    EXPECT_EQ(slot.end_ms, c.end) << c.what;
  }

  auto some_days = ParseCallingWindow("10:00-18:00", "mon,wed,sat");
  ASSERT_TRUE(some_days.ok());
  const WindowSlot thu = NextPermitted(*some_days, LocalMs(2024, 3, 14, 11, 0, kMsk), kMsk);
  EXPECT_EQ(thu.start_ms, LocalMs(2024, 3, 16, 10, 0, kMsk));  // saturday
  EXPECT_EQ(thu.end_ms, LocalMs(2024, 3, 16, 18, 0, kMsk));

  CallingWindow never;
  never.days = 0;
  EXPECT_EQ(NextPermitted(never, wed_noon, kMsk).start_ms, INT64_MAX);
}

TEST(CallingWindow, DescribesTheLocalWindow) {
  const CallingWindow w;
  EXPECT_EQ(DescribeLocalWindow(w, 180), "09:00-20:00 UTC+03:00");
  EXPECT_EQ(DescribeLocalWindow(w, 0), "09:00-20:00 UTC+00:00");
  EXPECT_EQ(DescribeLocalWindow(w, -300), "09:00-20:00 UTC-05:00");
  EXPECT_EQ(DescribeLocalWindow(w, 330), "09:00-20:00 UTC+05:30");
  EXPECT_EQ(DescribeLocalWindow({510, 1440, 0x7F}, 720), "08:30-24:00 UTC+12:00");
}

}  // namespace
}  // namespace doppel::core
