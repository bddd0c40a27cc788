#include "doppel/core/address.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "doppel/core/generator.h"
#include "doppel/core/normalize.h"
#include "doppel/core/reader.h"
#include "doppel/core/unicode.h"

namespace doppel::core {
namespace {

AddressInput Line(std::string_view line) {
  AddressInput in;
  in.line = line;
  return in;
}

std::string Describe(const AddressInput& in) {
  std::string s = "line='" + std::string(in.line) + "'";
  for (std::string_view c : {in.postcode, in.region, in.city, in.street, in.house, in.flat}) {
    s += " | '" + std::string(c) + "'";
  }
  return s;
}

struct Case {
  AddressInput in;
  Validity validity;
  Reason reason;
  const char* postcode;
  const char* region;
  const char* city;
  const char* street;
  const char* house;
  const char* building;
  const char* flat;
  const char* key;
};

TEST(NormalizeAddress, RealInputs) {
  AddressInput febrl;
  febrl.house = "8";
  febrl.street = "stanley street";
  febrl.city = "miami beach";
  febrl.postcode = "4223";
  febrl.region = "nsw";

  AddressInput russian_columns;
  russian_columns.postcode = "620014";
  russian_columns.region = "Свердловская обл.";
  russian_columns.city = "г. Екатеринбург";
  russian_columns.street = "Ленина";
  russian_columns.house = "12к2";
  russian_columns.flat = "кв. 45";

  AddressInput line_and_columns;  // the columns win over the line
  line_and_columns.line = "г. Москва, ул. Ленина, д. 5, кв. 7";
  line_and_columns.city = "Санкт-Петербург";
  line_and_columns.flat = "9";

  constexpr Validity kValid = Validity::kValid;
  constexpr Validity kWarning = Validity::kWarning;
  constexpr Validity kInvalid = Validity::kInvalid;
  constexpr Validity kEmpty = Validity::kEmpty;
  constexpr Reason kOk = Reason::kOk;

  const Case cases[] = {
      {Line("620014, г. Екатеринбург, ул. Ленина, д. 12, кв. 45"), kValid, kOk,
       "620014", "", "екатеринбург", "улица ленина", "12", "", "45", "ekaterinburg|lenina|12|45"},
      {Line("г Москва, пр-т Мира д.5 корп.2 кв.10"), kValid, kOk,
       "", "", "москва", "проспект мира", "5", "2", "10", "moskva|mira|5k2|10"},
      {Line("Москва, Мира пр-кт, 5к2-10"), kValid, kOk,
       "", "", "москва", "проспект мира", "5", "2", "10", "moskva|mira|5k2|10"},
      {Line("СПб, Невский пр., 28"), kValid, kOk,
       "", "", "санкт-петербург", "проспект невский", "28", "", "", "sankt peterburg|nevski|28|"},
      {Line("ул.Ленина 12-45"), kValid, kOk,
       "", "", "", "улица ленина", "12", "", "45", "|lenina|12|45"},
      {Line("Свердловская обл., г. Екатеринбург, ул. 8 Марта, 10"), kValid, kOk,
       "", "свердловская область", "екатеринбург", "улица 8 марта", "10", "", "", "ekaterinburg|8 marta|10|"},
      {Line("Московская область, Одинцовский р-н, д. Барвиха, д. 5"), kValid, kOk,
       "", "московская область", "барвиха", "", "5", "", "", ""},
      {Line("пос. Шушары, ул. Школьная, д. 3, стр. 1"), kValid, kOk,
       "", "", "шушары", "улица школьная", "3", "стр 1", "", "shushari|shkolnaia|3s1|"},
      {Line("123 Main St, Springfield, IL 62704"), kValid, kOk,
       "62704", "il", "springfield", "main street", "123", "", "", "springfield|main|123|"},
      {febrl, kValid, kOk,
       "4223", "nsw", "miami beach", "stanley street", "8", "", "", "miami beach|stanlei|8|"},
      {Line("g. Moskva, ul. Lenina, d. 5"), kValid, kOk,
       "", "", "moskva", "ulitsa lenina", "5", "", "", "moskva|lenina|5|"},
      {Line("нет"), kInvalid, Reason::kPlaceholder, "", "", "", "", "", "", "", ""},
      {Line("-"), kInvalid, Reason::kPlaceholder, "", "", "", "", "", "", "", ""},
      {Line("  "), kEmpty, Reason::kEmpty, "", "", "", "", "", "", "", ""},
      {AddressInput{}, kEmpty, Reason::kEmpty, "", "", "", "", "", "", "", ""},
      {Line("12"), kInvalid, Reason::kAddressTooShort, "", "", "", "", "", "", "", ""},
      {Line("ул. Ленина"), kValid, kOk, "", "", "", "улица ленина", "", "", "", ""},
      {Line("1-я Артельная улица, 7"), kValid, kOk,
       "", "", "", "улица 1-я артельная", "7", "", "", "|1 ia artelnaia|7|"},
      {Line("улица 30 лет Советской Чукотки, 2"), kValid, kOk,
       "", "", "", "улица 30 лет советской чукотки", "2", "", "", "|30 let sovetskoi chukotki|2|"},
      {Line("  УЛ.   Королёва ,  Д.7  "), kValid, kOk,
       "", "", "", "улица королева", "7", "", "", "|koroleva|7|"},
      {Line("62001, г. Екатеринбург, ул. Ленина, д. 12"), kInvalid, Reason::kAddressBadPostcode,
       "", "", "екатеринбург", "улица ленина", "12", "", "", "ekaterinburg|lenina|12|"},
      {Line("Екатеринбург"), kValid, kOk, "", "", "екатеринбург", "", "", "", "", ""},
      {Line("Верхние Котлы"), kWarning, Reason::kAddressNoStreetOrCity, "", "", "", "", "", "", "", ""},
      {Line("Ленина ул., д. 7, оф. 305"), kValid, kOk,
       "", "", "", "улица ленина", "7", "", "305", "|lenina|7|305"},
      {Line("Екатеринбург, Ленина 5"), kValid, kOk,
       "", "", "екатеринбург", "ленина", "5", "", "", "ekaterinburg|lenina|5|"},
      {Line("г. Казань, Баумана, д. 19А"), kValid, kOk,
       "", "", "казань", "баумана", "19а", "", "", "kazan|baumana|19a|"},
      {Line("Республика Татарстан, г. Казань, ул. Баумана, д. 19/1"), kValid, kOk,
       "", "республика татарстан", "казань", "улица баумана", "19/1", "", "", "kazan|baumana|19/1|"},
      {Line("Россия, 190000, С.-Петербург, наб. р. Мойки, д. 12, лит. А"), kValid, kOk,
       "190000", "", "санкт-петербург", "набережная р мойки", "12", "", "", "sankt peterburg|r moiki|12|"},
      {Line("пгт Шушары, Московское ш., № 5"), kValid, kOk,
       "", "", "шушары", "шоссе московское", "5", "", "", "shushari|moskovskoe|5|"},
      {Line("ул. Тверская, дом N 7, строение 2, квартира 15"), kValid, kOk,
       "", "", "", "улица тверская", "7", "стр 2", "15", "|tverskaia|7s2|15"},
      {Line("Apt 5, 42 Baker Street, London"), kValid, kOk,
       "", "", "london", "baker street", "42", "", "5", "london|baker|42|5"},
      {Line("8 stanley street miami beach nsw 4223"), kValid, kOk,
       "4223", "nsw", "miami beach", "stanley street", "8", "", "", "miami beach|stanlei|8|"},
      {Line("17 St Kilda Rd, Melbourne VIC 3004"), kValid, kOk,
       "3004", "vic", "melbourne", "st kilda road", "17", "", "", "melbourne|st kilda|17|"},
      {russian_columns, kValid, kOk,
       "620014", "свердловская область", "екатеринбург", "ленина", "12", "2", "45",
       "ekaterinburg|lenina|12k2|45"},
      {line_and_columns, kValid, kOk,
       "", "", "санкт-петербург", "улица ленина", "5", "", "9", "sankt peterburg|lenina|5|9"},
      {Line("деревня Горки, 12"), kValid, kOk, "", "", "горки", "", "12", "", "", ""},
      {Line("ул. Ленина д5 к2 кв7"), kValid, kOk, "", "", "", "улица ленина", "5", "2", "7", "|lenina|5k2|7"},
      {Line("Татарстан Респ., Казань, Баумана 1"), kValid, kOk,
       "", "республика татарстан", "казань", "баумана", "1", "", "", "kazan|baumana|1|"},
      {Line("обл Свердловская, г Екатеринбург, ул Ленина, д 12"), kValid, kOk,
       "", "свердловская область", "екатеринбург", "улица ленина", "12", "", "", "ekaterinburg|lenina|12|"},
      {Line("Flat 3, 10 Downing Street, London SW1A 2AA"), kValid, kOk,
       "sw1a 2aa", "", "london", "downing street", "10", "", "3", "london|dovning|10|3"},
      {Line("24 Sussex Drive, Ottawa ON K1A 0A6"), kValid, kOk,
       "k1a 0a6", "on", "ottawa", "sussex drive", "24", "", "", "ottava|susseks|24|"},
      {Line("1600 Pennsylvania Ave NW, Washington, DC 20500"), kValid, kOk,
       "20500", "dc", "washington", "pennsylvania avenue", "1600", "", "", "vashington|pennsilvania|1600|"},
      {Line("5/12 smith street, kooringal, nsw 2650"), kValid, kOk,
       "2650", "nsw", "kooringal", "smith street", "12", "", "5", "kooringal|smith|12|5"},
      {Line("Ханты-Мансийский автономный округ, г. Сургут, ул. Ленина, 1"), kValid, kOk,
       "", "ханты-мансийский автономный округ", "сургут", "улица ленина", "1", "", "", "surgut|lenina|1|"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(Describe(c.in));
    AddressResult r = NormalizeAddress(c.in);
    EXPECT_EQ(r.verdict.validity, c.validity);
    EXPECT_EQ(ReasonCode(r.verdict.reason), ReasonCode(c.reason));
    EXPECT_EQ(r.parts.postcode, c.postcode);
    EXPECT_EQ(r.parts.region, c.region);
    EXPECT_EQ(r.parts.city, c.city);
    EXPECT_EQ(r.parts.street, c.street);
    EXPECT_EQ(r.parts.house, c.house);
    EXPECT_EQ(r.parts.building, c.building);
    EXPECT_EQ(r.parts.flat, c.flat);
    EXPECT_EQ(r.key, c.key);
  }
}

TEST(NormalizeAddress, CanonicalForm) {
  struct Want {
    const char* line;
    const char* normalized;
  };
  const Want wants[] = {
      {"620014, Свердловская обл., г. Екатеринбург, ул. Ленина, д. 12, кв. 45",
       "620014, свердловская область, город екатеринбург, улица ленина, дом 12, квартира 45"},
      {"Москва, Мира пр-кт, 5к2-10", "город москва, проспект мира, дом 5, корпус 2, квартира 10"},
      {"Московская область, Одинцовский р-н, д. Барвиха, д. 5",
       "московская область, одинцовский район, деревня барвиха, дом 5"},
      {"пос. Шушары, ул. Школьная, д. 3, стр. 1", "поселок шушары, улица школьная, дом 3, строение 1"},
      {"п.г.т. Шушары, ул. Школьная, 3", "поселок городского типа шушары, улица школьная, дом 3"},
      {"Ленина ул., д. 7, оф. 305", "улица ленина, дом 7, офис 305"},
      {"g. Moskva, ul. Lenina, d. 5", "gorod moskva, ulitsa lenina, dom 5"},
      {"123 Main St, Springfield, IL 62704", "123 main street, springfield, il 62704"},
      {"Apt 5, 42 Baker Street, London", "42 baker street, flat 5, london"},
  };
  for (const Want& w : wants) {
    EXPECT_EQ(NormalizeAddress(Line(w.line)).normalized, w.normalized) << w.line;
  }
}

TEST(NormalizeAddress, PartsOfAnotherKind) {
  AddressResult r = NormalizeAddress(Line("Московская область, Одинцовский р-н, д. Барвиха, д. 5"));
  EXPECT_EQ(r.parts.district, "одинцовский район");
  EXPECT_EQ(r.parts.city_type, "деревня");
  EXPECT_EQ(NormalizeAddress(Line("СПб, Невский пр., 28")).parts.city_type, "город");
  EXPECT_EQ(NormalizeAddress(Line("с. Ивановка, ул. Садовая, 4")).parts.city_type, "село");
  EXPECT_EQ(NormalizeAddress(Line("123 Main St, Springfield, IL 62704")).parts.city_type, "");
}

TEST(NormalizeAddress, AbbreviationsAndFullWordsAgree) {
  AddressResult a = NormalizeAddress(Line("ул. Ленина, д. 12"));
  AddressResult b = NormalizeAddress(Line("улица Ленина дом 12"));
  EXPECT_EQ(a.parts.street, b.parts.street);
  EXPECT_EQ(a.parts.house, b.parts.house);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.normalized, b.normalized);
  EXPECT_EQ(a.tokens, (std::vector<std::string>{"12", "lenina"}));

  // Type word after the name, no dots, upper case, ё.
  AddressResult c = NormalizeAddress(Line("ЛЕНИНА УЛ Д12"));
  EXPECT_EQ(c.parts.street, "улица ленина");
  EXPECT_EQ(c.parts.house, "12");
  EXPECT_EQ(NormalizeAddress(Line("ул. Королёва, 3")).parts.street, "улица королева");
}

TEST(NormalizeAddress, CyrillicAndLatinShareTokensAndKey) {
  AddressResult cyr = NormalizeAddress(Line("ул. Ленина 5"));
  AddressResult lat = NormalizeAddress(Line("ul. Lenina 5"));
  EXPECT_EQ(cyr.tokens, lat.tokens);
  EXPECT_EQ(cyr.tokens, (std::vector<std::string>{"5", "lenina"}));
  EXPECT_EQ(NormalizeAddress(Line("г. Москва, ул. Ленина, д. 5")).key,
            NormalizeAddress(Line("g. Moskva, ul. Lenina, d. 5")).key);
}

TEST(NormalizeAddress, TokensSkipTypeWordsAndPunctuation) {
  AddressResult r = NormalizeAddress(Line("620014, г. Екатеринбург, ул. Ленина, д. 12, кв. 45"));
  EXPECT_EQ(r.tokens, (std::vector<std::string>{"12", "45", "620014", "ekaterinburg", "lenina"}));
  // Words nothing claimed still count, so an unparsed address is comparable.
  AddressResult w = NormalizeAddress(Line("Верхние Котлы"));
  EXPECT_EQ(w.tokens, (std::vector<std::string>{"kotli", "verhnie"}));
  EXPECT_TRUE(w.verdict.usable());
}

TEST(NormalizeAddress, BadPostcodeKeepsTheRest) {
  AddressResult r = NormalizeAddress(Line("6200145, г. Екатеринбург, ул. Ленина, д. 12"));
  EXPECT_EQ(r.verdict.reason, Reason::kAddressBadPostcode);
  EXPECT_EQ(r.parts.postcode, "");
  EXPECT_EQ(r.parts.street, "улица ленина");
  AddressInput col;
  col.postcode = "62001";
  col.street = "ул. Ленина, 12";
  EXPECT_EQ(NormalizeAddress(col).verdict.reason, Reason::kAddressBadPostcode);
  // Five digits are a fine postcode outside Russia.
  EXPECT_EQ(NormalizeAddress(Line("123 Main St, Springfield, IL 62704")).verdict.reason, Reason::kOk);
}

TEST(NormalizeAddress, PlaceholderColumnsAreIgnored) {
  AddressInput in;
  in.line = "ул. Ленина, д. 12";
  in.flat = "-";
  AddressResult r = NormalizeAddress(in);
  EXPECT_EQ(r.verdict.validity, Validity::kValid);
  EXPECT_EQ(r.parts.flat, "");
  AddressInput all;
  all.city = "нет";
  all.street = "n/a";
  EXPECT_EQ(NormalizeAddress(all).verdict.reason, Reason::kPlaceholder);
}

}  // namespace
}  // namespace doppel::core

namespace doppel::core {
namespace {

// Found by the address fuzz target: type words whose expanded form has two
// or more words were written expanded and did not read back as one.
TEST(NormalizeAddress, ExpandedTypeWordsReadBack) {
  for (const char* line : {"Свердловская обл., рп Лесной, ул. Ленина, д. 5",
                           "Тюменская обл., Ханты-Мансийский АО, пгт Лесной, ул. Ленина, д. 5"}) {
    AddressResult r = NormalizeAddress({line});
    ASSERT_TRUE(r.verdict.usable()) << line;
    AddressResult again = NormalizeAddress({r.normalized});
    EXPECT_EQ(again.normalized, r.normalized) << line;
    EXPECT_EQ(again.parts.city_type, r.parts.city_type) << line;
    EXPECT_EQ(again.key, r.key) << line;
  }
}

}  // namespace
}  // namespace doppel::core

namespace doppel::core {
namespace {

// The parts are folded text (pieces of FoldAddressText's output and folded
// type words): the token and dwelling keys are made from them without a
// second Fold, which is only right when folding them again changes nothing.
void ExpectFoldedParts(const AddressResult& r, const std::string& what) {
  for (const std::string* part : {&r.parts.postcode, &r.parts.region, &r.parts.district, &r.parts.city_type,
                                  &r.parts.city, &r.parts.street, &r.parts.house, &r.parts.building,
                                  &r.parts.flat}) {
    ASSERT_EQ(Fold(*part), *part) << what;
  }
}

TEST(NormalizeAddress, PartsAreFoldedText) {
  for (std::string_view line :
       {"620014, СВЕРДЛОВСКАЯ ОБЛ., Г. ЕКАТЕРИНБУРГ, УЛ. ЛЕНИНА, Д. 12К2, КВ. 45",
        "г. Москва, ул. Ёлочная, д. 5 стр. 1, оф. 7", "Московская обл, Одинцовский р-н, п. Лесной Городок, ул. Школьная д.1",
        "123 MAIN STREET, FLAT 5, SPRINGFIELD, IL 62704", "Straße 5, MÜNCHEN", "ул. 8 Марта — д. № 3", "ＭＯＳＣＯＷ, ＵＬ． ＬＥＮＩＮＡ １"}) {
    ExpectFoldedParts(NormalizeAddress(Line(line)), std::string(line));
  }
  GeneratorOptions options;
  options.rows = 3000;
  options.seed = 3;
  std::ostringstream base, truth;
  ASSERT_TRUE(Generate(options, BuiltinGeneratorLists(Locale::kRu), base, truth).ok());
  auto reader = OpenReader(std::make_unique<MemorySource>(base.str()), {});
  ASSERT_TRUE(reader.ok());
  RecordBatch batch;
  std::vector<Reject> rejects;
  std::vector<NormalizedRecord> records;
  size_t addresses = 0;
  while (*(*reader)->Next(&batch, &rejects)) {
    const FieldMap map = *FieldMap::Build(batch.column_names, {});
    NormalizeBatch(batch, map, {}, &records);
    for (const NormalizedRecord& r : records) {
      ExpectFoldedParts(r.address, r.id);
      addresses += !r.address.parts.city.empty();
    }
  }
  EXPECT_GT(addresses, 2000u);
}

}  // namespace
}  // namespace doppel::core
