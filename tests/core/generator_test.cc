#include "doppel/core/generator.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include <unistd.h>

namespace doppel::core {
namespace {

using Table = std::vector<std::vector<std::string>>;

// RFC 4180 parser for the tests: quoted fields may hold the delimiter, doubled
// quotes and line breaks.
Table ParseCsv(const std::string& text, char delim) {
  Table rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delim) {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field.push_back(c);
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote";
  EXPECT_TRUE(row.empty() && field.empty()) << "last line has no LF";
  return rows;
}

struct Output {
  std::string base, truth;
  GeneratorStats stats;
};

Output RunGen(const GeneratorOptions& o, const GeneratorLists& lists) {
  std::ostringstream base, truth;
  Result<GeneratorStats> r = Generate(o, lists, base, truth);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  Output out;
  out.base = base.str();
  out.truth = truth.str();
  if (r.ok()) out.stats = *r;
  return out;
}

Output RunGen(const GeneratorOptions& o) { return RunGen(o, BuiltinGeneratorLists(o.locale)); }

size_t CountLines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

std::string Digits(const std::string& s) {
  std::string d;
  for (char c : s) {
    if (c >= '0' && c <= '9') d.push_back(c);
  }
  return d;
}

constexpr char kRuHeader[] =
    "id;ФИО;Дата рождения;Телефон;Телефон 2;E-mail;Адрес;Дата создания;Дата проверки;Последняя покупка;Покупок;"
    "Сумма;Канал";
constexpr char kEnHeader[] =
    "id,first_name,last_name,dob,phone,email,street_address,city,postcode,created_at,last_verified,last_purchase,"
    "purchases,revenue,channel";

TEST(Generator, SameSeedSameBytesOtherSeedOtherBytes) {
  GeneratorOptions o;
  o.rows = 3000;
  o.shuffle_window = 700;
  const Output a = RunGen(o), b = RunGen(o);
  EXPECT_EQ(a.base, b.base);
  EXPECT_EQ(a.truth, b.truth);
  o.seed = 43;
  const Output c = RunGen(o);
  EXPECT_NE(a.base, c.base);
  o.locale = Locale::kEn;
  o.seed = 42;
  EXPECT_EQ(RunGen(o).base, RunGen(o).base);
}

TEST(Generator, RowCountHeaderAndFieldCountRu) {
  GeneratorOptions o;
  o.rows = 5000;
  o.shuffle_window = 1234;
  const Output out = RunGen(o);
  EXPECT_EQ(out.stats.rows, 5000u);
  EXPECT_EQ(CountLines(out.base), 5001u);
  EXPECT_EQ(CountLines(out.truth), 5001u);
  EXPECT_EQ(out.base.substr(0, out.base.find('\n')), kRuHeader);
  EXPECT_EQ(out.truth.substr(0, out.truth.find('\n')), "record_id,entity_id");
  const Table rows = ParseCsv(out.base, ';');
  ASSERT_EQ(rows.size(), 5001u);
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 13u) << "row " << i;
    EXPECT_EQ(rows[i][0], std::to_string(i));
    EXPECT_FALSE(rows[i][1].empty());
  }
}

TEST(Generator, TruthMatchesRowsAndDuplicatesShareEntities) {
  GeneratorOptions o;
  o.rows = 20000;
  o.shuffle_window = 5000;
  const Output out = RunGen(o);
  const Table truth = ParseCsv(out.truth, ',');
  ASSERT_EQ(truth.size(), 20001u);
  std::map<uint64_t, int> per_entity;
  for (size_t i = 1; i < truth.size(); ++i) {
    ASSERT_EQ(truth[i].size(), 2u);
    EXPECT_EQ(truth[i][0], std::to_string(i));
    const uint64_t entity = std::stoull(truth[i][1]);
    EXPECT_GE(entity, 1u);
    ++per_entity[entity];
  }
  const GeneratorStats& s = out.stats;
  EXPECT_EQ(per_entity.size(), s.entities);
  EXPECT_EQ(s.rows, s.entities + s.duplicates);
  // Entities are numbered 1..entities.
  EXPECT_EQ(per_entity.begin()->first, 1u);
  EXPECT_EQ(per_entity.rbegin()->first, s.entities);
  int duplicated = 0, several = 0;
  for (const auto& [entity, n] : per_entity) {
    duplicated += n >= 2;
    several += n >= 3;
  }
  EXPECT_GT(duplicated, 0);
  EXPECT_GT(several, 0);               // a few entities get several copies
  EXPECT_LT(several, duplicated / 2);  // ...most get one
  EXPECT_GT(s.relatives, 0u);
  EXPECT_GT(s.namesakes, 0u);
}

TEST(Generator, DupRateIsHonoured) {
  for (double rate : {0.0, 0.2, 0.5}) {
    GeneratorOptions o;
    o.rows = 40000;
    o.dup_rate = rate;
    const Output out = RunGen(o);
    const double actual = static_cast<double>(out.stats.duplicates) / static_cast<double>(out.stats.rows);
    EXPECT_NEAR(actual, rate, 0.02) << "dup_rate " << rate;
  }
}

TEST(Generator, AnEntitysRowsStayInOneWindow) {
  GeneratorOptions o;
  o.rows = 10000;
  o.shuffle_window = 1000;
  o.dup_rate = 0.4;
  const Table truth = ParseCsv(RunGen(o).truth, ',');
  std::map<std::string, std::set<uint64_t>> windows;
  for (size_t i = 1; i < truth.size(); ++i) windows[truth[i][1]].insert((i - 1) / o.shuffle_window);
  for (const auto& [entity, w] : windows) EXPECT_EQ(w.size(), 1u) << "entity " << entity;
}

TEST(Generator, EnglishLocale) {
  GeneratorOptions o;
  o.locale = Locale::kEn;
  o.rows = 5000;
  const Output out = RunGen(o);
  EXPECT_EQ(out.base.substr(0, out.base.find('\n')), kEnHeader);
  const Table rows = ParseCsv(out.base, ',');
  ASSERT_EQ(rows.size(), 5001u);
  int ten_digit_phones = 0, quoted_addresses = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 15u) << "row " << i;
    for (const std::string& f : rows[i]) {
      // Latin letters only: no Cyrillic lead bytes.
      EXPECT_EQ(f.find('\xD0'), std::string::npos) << f;
      EXPECT_EQ(f.find('\xD1'), std::string::npos) << f;
    }
    std::string d = Digits(rows[i][4]);
    if (d.size() == 11 && d[0] == '1') d = d.substr(1);
    if (d.size() == 10 && d[3] >= '2' && d.substr(3, 3) != "555") ++ten_digit_phones;
    quoted_addresses += rows[i][6].find(',') != std::string::npos;
  }
  EXPECT_GT(ten_digit_phones, 4500);
  EXPECT_GT(quoted_addresses, 0);  // "12 Oak Street, Apt. 4" survives the round trip
}

TEST(Generator, RussianFieldsLookRussian) {
  GeneratorOptions o;
  o.rows = 10000;
  const Table rows = ParseCsv(RunGen(o).base, ';');
  int mobiles = 0, dates = 0, emails = 0, wrong_gender = 0, women = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::string d = Digits(r[3]);
    if (d.size() == 11 && (d[0] == '7' || d[0] == '8')) d = d.substr(1);
    mobiles += d.size() == 10 && d[0] == '9';
    dates += r[2].size() == 10;
    emails += r[5].find('@') != std::string::npos;
    // "Фамилия Имя Отчество" of a woman: an -ов surname must have become -ова.
    std::vector<std::string> words;
    std::istringstream ws(r[1]);
    for (std::string w; ws >> w;) words.push_back(w);
    auto ends = [](const std::string& s, std::string_view tail) {
      return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    if (words.size() == 3 && ends(words[2], "вна")) {
      ++women;
      wrong_gender += ends(words[0], "ов") || ends(words[0], "ев") || ends(words[0], "ин");
    }
  }
  EXPECT_GT(mobiles, 8800);
  EXPECT_GT(dates, 9300);
  EXPECT_GT(emails, 6500);
  EXPECT_GT(women, 3000);
  EXPECT_LT(wrong_gender, women / 100);  // only typos that drop the final а
}

TEST(Generator, HouseholdsShareAddressAndLandline) {
  GeneratorOptions o;
  o.rows = 5000;
  o.dup_rate = 0;
  o.household_rate = 0.3;
  const Output out = RunGen(o);
  const Table rows = ParseCsv(out.base, ';');
  std::map<std::string, std::set<std::string>> by_landline;
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string d = Digits(rows[i][4]);
    if (d.size() >= 10) by_landline[d.substr(d.size() - 7)].insert(rows[i][6].empty() ? rows[i][0] : rows[i][1]);
  }
  int shared = 0;
  for (const auto& [number, names] : by_landline) shared += names.size() >= 2;
  EXPECT_GT(shared, 50);
  EXPECT_GT(out.stats.relatives, 1000u);
}

TEST(Generator, NamesakesShareFirstAndLastName) {
  GeneratorOptions o;
  o.rows = 5000;
  o.dup_rate = 0;
  o.namesake_rate = 0.3;
  const Output out = RunGen(o);
  const Table rows = ParseCsv(out.base, ';');
  const Table truth = ParseCsv(out.truth, ',');
  std::map<std::string, std::set<std::string>> entities_by_name;
  for (size_t i = 1; i < rows.size(); ++i) {
    std::istringstream ws(rows[i][1]);
    std::string last, first;
    ws >> last >> first;
    entities_by_name[last + " " + first].insert(truth[i][1]);
  }
  int shared = 0;
  for (const auto& [name, entities] : entities_by_name) shared += entities.size() >= 2;
  EXPECT_GT(shared, 500);
  EXPECT_GT(out.stats.namesakes, 1000u);
}

TEST(Generator, ZeroRowsWritesTheHeaderOnly) {
  GeneratorOptions o;
  o.rows = 0;
  const Output out = RunGen(o);
  EXPECT_EQ(out.base, std::string(kRuHeader) + "\n");
  EXPECT_EQ(out.truth, "record_id,entity_id\n");
}

TEST(Generator, ProgressReportsEachWindow) {
  GeneratorOptions o;
  o.rows = 2500;
  o.shuffle_window = 1000;
  std::vector<uint64_t> seen;
  std::ostringstream base, truth;
  auto r = Generate(o, BuiltinGeneratorLists(o.locale), base, truth, [&](uint64_t n) { seen.push_back(n); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{1000, 2000, 2500}));
}

TEST(Generator, RejectsBadOptionsAndLists) {
  std::ostringstream base, truth;
  GeneratorOptions o;
  o.dup_rate = 0.95;
  EXPECT_EQ(Generate(o, BuiltinGeneratorLists(o.locale), base, truth).status().code(), StatusCode::kInvalidArgument);
  o = GeneratorOptions();
  o.shuffle_window = 0;
  EXPECT_FALSE(o.Validate().ok());
  o = GeneratorOptions();
  o.today = 20260231;
  EXPECT_FALSE(o.Validate().ok());
  EXPECT_TRUE(GeneratorOptions().Validate().ok());
  GeneratorLists lists = BuiltinGeneratorLists(Locale::kRu);
  lists.surnames.clear();
  EXPECT_EQ(Generate(GeneratorOptions(), lists, base, truth).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(base.str(), "");  // nothing written before the check
}

TEST(Generator, ParseLocale) {
  EXPECT_EQ(*ParseLocale("ru"), Locale::kRu);
  EXPECT_EQ(*ParseLocale("en"), Locale::kEn);
  EXPECT_FALSE(ParseLocale("de").ok());
  EXPECT_EQ(LocaleName(Locale::kEn), "en");
  EXPECT_EQ(LocaleName(Locale::kRu), "ru");
}

TEST(GeneratorLists, BuiltinFallback) {
  auto empty = LoadGeneratorLists("", Locale::kRu);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->source, "builtin");
  EXPECT_GE(empty->surnames.size(), 50u);
  EXPECT_GE(empty->cities.size(), 20u);
  EXPECT_FALSE(empty->patronymics.empty());
  EXPECT_FALSE(empty->mobile_ranges.empty());

  // A directory without any of the files: every list is built in.
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("doppel_gen_empty_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto none = LoadGeneratorLists(dir.string(), Locale::kRu);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->source, "builtin");
  EXPECT_EQ(none->surnames.size(), empty->surnames.size());

  EXPECT_EQ(LoadGeneratorLists("/nonexistent/doppel/data", Locale::kRu).status().code(), StatusCode::kNotFound);

  auto en = LoadGeneratorLists("", Locale::kEn);
  ASSERT_TRUE(en.ok());
  EXPECT_GE(en->surnames.size(), 200u);
  EXPECT_GE(en->male_first.size(), 100u);
}

TEST(GeneratorLists, CorruptFileIsAnError) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("doppel_gen_bad_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "ru_phone_def_codes");
  {
    std::FILE* f = std::fopen((dir / "ru_phone_def_codes" / "DEF-9xx.csv").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("not;a;register\n", f);
    std::fclose(f);
  }
  auto r = LoadGeneratorLists(dir.string(), Locale::kRu);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
}

TEST(GeneratorLists, SharedDataLoads) {
  const std::string dir = DOPPEL_SHARED_DATA;
  if (!std::filesystem::is_directory(dir + "/ru_names_realistic")) GTEST_SKIP() << "no shared data at " << dir;
  auto lists = LoadGeneratorLists(dir, Locale::kRu);
  ASSERT_TRUE(lists.ok()) << lists.status().ToString();
  EXPECT_EQ(lists->source, dir);
  EXPECT_GT(lists->surnames.size(), 50000u);
  EXPECT_GT(lists->male_first.size(), 250u);
  EXPECT_GT(lists->female_first.size(), 250u);
  EXPECT_GT(lists->patronymics.size(), 250u);
  EXPECT_GT(lists->streets.size(), 40000u);
  EXPECT_GT(lists->cities.size(), 1000u);
  EXPECT_GT(lists->mobile_ranges.size(), 16000u);
  for (const auto& s : lists->streets) EXPECT_EQ(s.find('#'), std::string::npos) << s;
  bool moscow = false;
  for (const auto& c : lists->cities) {
    EXPECT_FALSE(c.name.empty());
    EXPECT_GE(c.phone_code.size(), 3u) << c.name;
    if (c.name == "Москва") moscow = c.phone_code == "495";
  }
  EXPECT_TRUE(moscow);
  for (const auto& r : lists->mobile_ranges) {
    ASSERT_EQ(r.prefix.size(), 3u);
    ASSERT_EQ(r.prefix[0], '9');
    ASSERT_LE(r.from, r.to);
  }

  GeneratorOptions o;
  o.rows = 5000;
  const Output out = RunGen(o, *lists);
  const Table rows = ParseCsv(out.base, ';');
  ASSERT_EQ(rows.size(), 5001u);
  for (size_t i = 1; i < rows.size(); ++i) ASSERT_EQ(rows[i].size(), 13u);
}

// Discards what it is given and counts bytes and lines: lets the test stream
// a large base without keeping it.
class CountingBuf : public std::streambuf {
 public:
  uint64_t bytes = 0, lines = 0;

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      ++bytes;
      lines += c == '\n';
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    bytes += static_cast<uint64_t>(n);
    for (std::streamsize i = 0; i < n; ++i) lines += s[i] == '\n';
    return n;
  }
};

TEST(Generator, StreamsLargeBasesInWindows) {
  GeneratorOptions o;
  o.rows = 300000;
  o.shuffle_window = 10000;
  CountingBuf base_buf, truth_buf;
  std::ostream base(&base_buf), truth(&truth_buf);
  auto r = Generate(o, BuiltinGeneratorLists(o.locale), base, truth);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows, 300000u);
  EXPECT_EQ(base_buf.lines, 300001u);
  EXPECT_EQ(truth_buf.lines, 300001u);
  EXPECT_GT(base_buf.bytes, 300000u * 100);
}

}  // namespace
}  // namespace doppel::core
