#include "doppel/core/writers.h"

#include <gtest/gtest.h>

namespace doppel::core {
namespace {

TEST(Csv, QuotesOnlyWhenNeeded) {
  std::string out;
  AppendCsvRow(out, {"1", "Иванов, Иван", "say \"hi\"", "two\nlines", " pad", ""});
  EXPECT_EQ(out, "1,\"Иванов, Иван\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\",\n");
  out.clear();
  AppendCsvField(out, "a;b", ';');
  EXPECT_EQ(out, "\"a;b\"");
}

TEST(Csv, MinimalQuotingLeavesEdgeSpacesBare) {
  std::string out;
  AppendCsvField(out, "Иванов Иван ", ';', CsvQuoting::kMinimal);
  out += '|';
  AppendCsvField(out, " a;b", ';', CsvQuoting::kMinimal);
  out += '|';
  AppendCsvField(out, "say \"hi\"", ';', CsvQuoting::kMinimal);
  out += '|';
  AppendCsvField(out, "a\rb", ';', CsvQuoting::kMinimal);
  EXPECT_EQ(out, "Иванов Иван |\" a;b\"|\"say \"\"hi\"\"\"|\"a\rb\"");
}

TEST(Json, NestingEscapesAndNumbers) {
  JsonWriter j(false);
  j.BeginObject().Field("name", std::string("Иван \"И\"\n")).Field("n", uint64_t{3}).Field("x", 0.5);
  j.Key("list").BeginArray().Int(-1).Bool(true).Null().EndArray();
  j.Key("empty").BeginObject().EndObject();
  j.EndObject();
  EXPECT_EQ(j.str(), "{\"name\":\"Иван \\\"И\\\"\\n\",\"n\":3,\"x\":0.5,\"list\":[-1,true,null],\"empty\":{}}");
  std::string bad;
  AppendJsonEscaped(bad, "a\xFF" "b\x01");
  EXPECT_EQ(bad, "a\\ufffdb\\u0001");
}

TEST(Format, ThousandsAndPercent) {
  EXPECT_EQ(WithThousands(0), "0");
  EXPECT_EQ(WithThousands(1234567), "1,234,567");
  EXPECT_EQ(Percent(1, 3), "33.3%");
  EXPECT_EQ(Percent(1, 0), "-");
}

}  // namespace
}  // namespace doppel::core
