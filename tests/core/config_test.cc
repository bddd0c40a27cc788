#include "doppel/core/config.h"

#include <gtest/gtest.h>

namespace doppel::core {
namespace {

TEST(Config, AppliesEverySection) {
  JobConfig c;
  Status s = ApplyConfigToml(R"(
[input]
encoding = "cp1251"
delimiter = "tab"
header = false

[columns]
phone = ["Тел1", "Тел2"]
full_name = "Клиент"

[normalize]
phone_region = "KZ"
date_order = "mdy"
today = "2026-12-04"

[dedupe]
keys = ["email", "phone"]
backend = "reference"

[profile]
stale_after_days = 180
)", "test.toml", &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.reader.encoding, Encoding::kCp1251);
  EXPECT_EQ(c.reader.delimiter, '\t');
  EXPECT_FALSE(c.reader.header);
  ASSERT_EQ(c.columns.size(), 3u);
  int phones = 0;
  for (const auto& o : c.columns) phones += o.role == Role::kPhone;
  EXPECT_EQ(phones, 2);
  EXPECT_EQ(c.normalize.phone.default_region, "KZ");
  EXPECT_EQ(c.normalize.birth_date.slash_order, DateOrder::kMonthFirst);
  EXPECT_EQ(c.normalize.birth_date.today, 20261204);
  EXPECT_EQ(c.profile.today, 20261204);
  EXPECT_EQ(c.exact.keys, (std::vector<ExactKey>{ExactKey::kEmail, ExactKey::kPhone}));
  EXPECT_EQ(c.backend, "reference");
  EXPECT_EQ(c.profile.stale_after_days, 180);
}

TEST(Config, ErrorsNameTheFileLineAndKey) {
  JobConfig c;
  Status s = ApplyConfigToml("[input]\nencodng = \"utf-8\"\n", "x.toml", &c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("x.toml:2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("encodng"), std::string::npos);
  EXPECT_FALSE(ApplyConfigToml("[nope]\n", "x.toml", &c).ok());
  EXPECT_FALSE(ApplyConfigToml("[input\n", "x.toml", &c).ok());
  EXPECT_FALSE(ApplyConfigToml("[columns]\nshoe = \"x\"\n", "x.toml", &c).ok());
  EXPECT_FALSE(ApplyConfigToml("[normalize]\nphone_region = \"QQ\"\n", "x.toml", &c).ok());
  EXPECT_FALSE(ApplyConfigToml("[dedupe]\nkeys = \"phone\"\n", "x.toml", &c).ok());
}

TEST(Config, MatchSection) {
  JobConfig c;
  Status s = ApplyConfigToml(R"(
[match]
blocking = ["phone", "minhash"]
max_block = 50
max_name_block = 20
threshold = 0.9
link_threshold = 0.5
survivorship = "source_priority"
source_priority = ["CRM", "call_centre"]
)", "m.toml", &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(c.match.blocking.rules.size(), 2u);
  EXPECT_EQ(c.match.blocking.rules[1], BlockingRule::kMinHash);
  EXPECT_EQ(c.match.blocking.max_block, 50u);
  EXPECT_EQ(c.match.blocking.max_name_block, 20u);
  EXPECT_DOUBLE_EQ(c.match.cluster.threshold, 0.9);
  EXPECT_DOUBLE_EQ(c.match.cluster.link_threshold, 0.5);
  EXPECT_EQ(c.survivorship.rule, Survivorship::kSourcePriority);
  EXPECT_EQ(c.survivorship.source_priority, (std::vector<std::string>{"crm", "call_centre"}));
  JobConfig d;
  Status lonely = ApplyConfigToml("[match]\nsurvivorship = \"source_priority\"\n", "m.toml", &d);
  EXPECT_FALSE(lonely.ok());  // which sources? the error says to list them

  Status bad = ApplyConfigToml("[match]\nblocking = [\"phone\", \"shoe\"]\n", "m.toml", &c);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("m.toml:2"), std::string::npos) << bad.ToString();
  EXPECT_NE(bad.message().find("shoe"), std::string::npos);
  EXPECT_FALSE(ApplyConfigToml("[match]\nthreshold = 1.5\n", "m.toml", &c).ok());
  EXPECT_FALSE(ApplyConfigToml("[match]\nsurvivorship = \"newest\"\n", "m.toml", &c).ok());
}

TEST(Config, ParseDay) {
  EXPECT_EQ(*ParseDay("2026-12-04"), 20261204);
  EXPECT_EQ(*ParseDay("20261204"), 20261204);
  EXPECT_FALSE(ParseDay("yesterday").ok());
}

}  // namespace
}  // namespace doppel::core
