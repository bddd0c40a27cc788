// The actualization loop's pure parts: contacts and outcomes, staleness and
// decay, segments and priorities, call lists, and their config sections.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "doppel/core/calllist.h"
#include "doppel/core/config.h"
#include "doppel/core/contacts.h"
#include "doppel/core/date.h"
#include "doppel/core/segments.h"
#include "doppel/core/staleness.h"

namespace doppel::core {
namespace {

ContactFacts Phone(std::string value, int32_t verified, int32_t first_seen = 20200101) {
  ContactFacts c;
  c.kind = ContactKind::kPhone;
  c.value = std::move(value);
  c.last_verified = verified;
  c.first_seen = first_seen;
  return c;
}

TEST(Contacts, NamesRoundTripAndUnknownNamesAreErrors) {
  for (Outcome o : {Outcome::kConfirmed, Outcome::kUpdated, Outcome::kUnreachable, Outcome::kWrongPerson,
                    Outcome::kDoNotCall}) {
    EXPECT_EQ(*ParseOutcome(OutcomeName(o)), o);
  }
  EXPECT_EQ(*ParseOutcome("Wrong-Person"), Outcome::kWrongPerson);
  EXPECT_FALSE(ParseOutcome("maybe").ok());
  EXPECT_EQ(*ParseSuppressReason("do not call"), SuppressReason::kDoNotCall);
  EXPECT_FALSE(ParseContactKind("fax").ok());
}

TEST(Contacts, NormalizeContactAndSuppressedValues) {
  EXPECT_EQ(*NormalizeContact(ContactKind::kPhone, "8 (916) 123-45-67"), "+79161234567");
  EXPECT_EQ(*NormalizeContact(ContactKind::kEmail, " Ivan.Petrov@Mail.RU "), "ivan.petrov@mail.ru");
  EXPECT_FALSE(NormalizeContact(ContactKind::kPhone, "нет").ok());
  // Placeholders cannot be contacts, but they can be suppressed.
  EXPECT_FALSE(NormalizeContact(ContactKind::kEmail, "test@test.ru").ok());
  EXPECT_EQ(*NormalizeSuppressedValue(ContactKind::kEmail, "Test@Test.ru"), "test@test.ru");
  EXPECT_EQ(*NormalizeSuppressedValue(ContactKind::kPhone, "8-900-000-00-00"), "+79000000000");
  EXPECT_FALSE(NormalizeSuppressedValue(ContactKind::kPhone, "call me").ok());
}

TEST(Contacts, ContactStateCodecRoundTripsAndRejectsDamage) {
  ContactState s;
  s.last_verified = 20261204;
  s.last_outcome = Outcome::kWrongPerson;
  s.last_date = 20261205;
  s.attempts = 3;
  s.unreachable_streak = 1;
  s.wrong_for = {17, 1ull << 40};
  std::string bytes = EncodeContactState(s);
  EXPECT_EQ(*DecodeContactState(bytes), s);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(DecodeContactState(bytes.substr(0, cut)).ok()) << cut;
  }
  EXPECT_FALSE(DecodeContactState(bytes + "x").ok());
}

TEST(Contacts, OutcomeRowsParseOrSayWhy) {
  std::vector<std::string> header = {"entity_id", "contact", "outcome", "called_at", "operator", "new_phone",
                                     "interests"};
  ASSERT_TRUE(CheckOutcomeHeader(header).ok());
  EXPECT_FALSE(CheckOutcomeHeader({"entity_id", "contact", "outcome"}).ok());           // no called_at
  EXPECT_FALSE(CheckOutcomeHeader({"entity_id", "contact", "outcome", "called_at", "colour"}).ok());
  OutcomeRow row;
  ASSERT_TRUE(ParseOutcomeRow(header, {"42", "8 916 123 45 67", "updated", "05.12.2026", "op1", "+7 903 111 22 33",
                                       "Кредиты; вклады"},
                              {}, &row)
                  .ok());
  EXPECT_EQ(row.entity, 42u);
  EXPECT_EQ(row.contact, "+79161234567");
  EXPECT_EQ(row.outcome, Outcome::kUpdated);
  EXPECT_EQ(row.date, 20261205);
  EXPECT_EQ(row.new_phone, "+79031112233");
  EXPECT_EQ(row.survey.interests, (std::vector<std::string>{"кредиты", "вклады"}));

  auto why = [&](std::vector<std::string_view> cells) {
    OutcomeRow r;
    Status s = ParseOutcomeRow(header, cells, {}, &r);
    return s.ok() ? std::string("ok") : s.message();
  };
  EXPECT_NE(why({"x", "+79161234567", "confirmed", "2026-12-05", "", "", ""}).find("entity_id"), std::string::npos);
  EXPECT_NE(why({"1", "", "confirmed", "2026-12-05", "", "", ""}).find("contact is empty"), std::string::npos);
  EXPECT_NE(why({"1", "+79161234567", "updated", "2026-12-05", "", "", ""}).find("needs new_phone"), std::string::npos);
  EXPECT_NE(why({"1", "+79161234567", "confirmed", "2026-12-05", "", "+79031112233", ""}).find("only"),
            std::string::npos);
  EXPECT_NE(why({"1", "+79161234567", "confirmed", "someday", "", "", ""}).find("not a date"), std::string::npos);
  EXPECT_EQ(why({"1", "+79161234567", "confirmed", "2026-12-05T10:30:00", "", "", ""}), "ok");
}

TEST(Staleness, GrowsWithAgeAtTheKindsHalfLife) {
  StalenessPolicy p;
  EXPECT_EQ(DaysBetween(20261204, 20271204), 365);
  EXPECT_EQ(YmdFromMs(DaysFromCivil(2026, 12, 4) * 86400000 + 5), 20261204);
  ContactFacts fresh = Phone("+79161234567", 20261204);
  EXPECT_NEAR(ContactStaleness(fresh, p.phone_half_life_days, 20261204), 0.0, 1e-12);
  ContactFacts half = Phone("+79161234567", 20261204);
  int32_t later = 20261204 + 30000;  // 2029-12-04: 1096 days
  EXPECT_NEAR(ContactStaleness(half, 1096, later), 0.5, 1e-9);
  // Never verified: at least 0.5, aged from first seen.
  ContactFacts never = Phone("+79161234567", 0, 20261201);
  EXPECT_NEAR(ContactStaleness(never, p.phone_half_life_days, 20261204), 0.5, 1e-12);
  // Unreachable on the last call: 0.8, then 1 after two in a row.
  ContactFacts u = fresh;
  u.state.last_outcome = Outcome::kUnreachable;
  u.state.last_date = 20261204;
  u.state.unreachable_streak = 1;
  EXPECT_NEAR(ContactStaleness(u, p.phone_half_life_days, 20261204), 0.8, 1e-12);
  u.state.unreachable_streak = 2;
  EXPECT_NEAR(ContactStaleness(u, p.phone_half_life_days, 20261204), 1.0, 1e-12);
  // Suppressed or detached contacts are unusable: fully stale.
  ContactFacts s = fresh;
  s.suppressed = true;
  EXPECT_EQ(ContactStaleness(s, p.phone_half_life_days, 20261204), 1.0);
}

TEST(Staleness, EntityTakesItsBestUsableContactAndSaysWhy) {
  StalenessPolicy p;
  EntityFacts e;
  e.phones = {Phone("+79161111111", 20200101), Phone("+79162222222", 20261101)};
  e.phones[1].suppressed = true;  // the fresh one may not be used
  EntityStaleness s = AssessStaleness(e, p, 20261204);
  EXPECT_EQ(s.best_phone, 0);
  EXPECT_TRUE(s.needs_reverification);
  EXPECT_NE(std::find(s.reasons.begin(), s.reasons.end(), "phone_unverified_365d"), s.reasons.end());
  EXPECT_NE(std::find(s.reasons.begin(), s.reasons.end(), "phone_suppressed"), s.reasons.end());
  e.phones[0].last_verified = 20261201;
  s = AssessStaleness(e, p, 20261204);
  EXPECT_FALSE(s.needs_reverification) << s.reasons.size();
  EXPECT_LT(s.score, 0.01);
  EntityFacts none;
  s = AssessStaleness(none, p, 20261204);
  EXPECT_EQ(s.best_phone, -1);
  EXPECT_EQ(s.score, 1.0);
}

TEST(Staleness, HalfLifeIsLearnedFromOutcomes) {
  // Simulate calls on contacts whose true half-life is 400 days.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> age(0, 1500), u(0, 1);
  std::vector<DecayObservation> obs;
  for (int i = 0; i < 4000; ++i) {
    double a = age(rng);
    obs.push_back({a, u(rng) < std::exp2(-a / 400.0)});
  }
  DecayEstimate est = EstimateHalfLife(obs, 1095);
  ASSERT_TRUE(est.estimated);
  EXPECT_NEAR(est.half_life_days, 400, 40);
  // Too few observations, or all of one kind: the fallback.
  EXPECT_FALSE(EstimateHalfLife({obs.begin(), obs.begin() + 10}, 1095).estimated);
  std::vector<DecayObservation> all_valid(100, {100, true});
  EXPECT_EQ(EstimateHalfLife(all_valid, 1095).half_life_days, 1095);
  EXPECT_NEAR(DecayPerYear(365), 0.5, 1e-12);
  EXPECT_EQ(ReverifyIntervalDays(1000, 0.5), 1000);
}

TEST(Segments, ConditionsParseAndMatch) {
  EXPECT_FALSE(ParseCondition("purchases").ok());
  EXPECT_FALSE(ParseCondition("purchases >= many").ok());
  EXPECT_FALSE(ParseCondition(">= 5").ok());
  EXPECT_FALSE(ParseCondition("channel in phone").ok());
  auto in = ParseCondition("channel in [Phone, 'sms']");
  ASSERT_TRUE(in.ok()) << in.status().message();
  EXPECT_EQ(in->values, (std::vector<std::string>{"phone", "sms"}));

  EntityFacts e;
  MemberSnapshot m;
  m.activity.purchases = 7;
  m.activity.revenue_cents = 6000000;  // 60,000 roubles
  m.activity.last_purchase = 20260301;
  m.activity.channel = "phone";
  e.members.push_back(m);
  e.fields = {{"Тариф", "Премиум"}};
  SegmentConfig config = SegmentConfig::Defaults();
  EntityStaleness st;
  st.score = 0.3;
  EntityAttributes a = ComputeAttributes(e, st, config, 20261204);
  EXPECT_EQ(a.value_tier, "high");
  EXPECT_EQ(a.days_since_purchase, DaysBetween(20260301, 20261204));
  EXPECT_EQ(AssignSegment(config, a), "vip");
  EXPECT_GT(a.value_score, 0.5);
  // Passthrough columns by folded name; a missing attribute is false.
  SegmentRule r{"premium", "", {*ParseCondition("тариф = премиум"), *ParseCondition("channel in [phone]")}};
  EXPECT_TRUE(Matches(r, a));
  SegmentRule missing{"x", "", {*ParseCondition("age > 30")}};
  EXPECT_FALSE(Matches(missing, a));
  // Lapsed: many purchases, none for a year and a half.
  e.members[0].activity.last_purchase = 20250501;
  e.members[0].activity.revenue_cents = 100000;
  a = ComputeAttributes(e, st, config, 20261204);
  EXPECT_EQ(AssignSegment(config, a), "lapsed_regulars");
  EntityFacts empty;
  a = ComputeAttributes(empty, st, config, 20261204);
  EXPECT_EQ(AssignSegment(config, a), "other");
  // Priority: a weighted mean in [0, 1].
  a.value_score = 1;
  a.staleness = 1;
  a.uncertainty = 1;
  EXPECT_NEAR(Priority(config.weights, a), 1.0, 1e-12);
}

TEST(Segments, ConfigSectionsApplyAndTyposAreErrors) {
  JobConfig c;
  Status s = ApplyConfigToml(R"(
[staleness]
phone_half_life_days = 500
max_unverified_days = 180

[segments]
high_value = 100000

[priority]
value = 1
staleness = 0
uncertainty = 0

[calllist]
hours = "10:00-19:00"
days = "mon-sat"

[[segment]]
name = "premium"
when = ["revenue >= 100000"]

[[segment]]
name = "phone_people"
description = "prefer calls"
when = "channel = phone"
)",
                             "loop.toml", &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.loop.staleness.phone_half_life_days, 500);
  EXPECT_EQ(c.loop.staleness.max_unverified_days, 180);
  EXPECT_EQ(c.loop.segments.high_value, 100000);
  EXPECT_EQ(c.loop.segments.weights.staleness, 0);
  EXPECT_EQ(c.loop.calling_hours, "10:00-19:00");
  ASSERT_EQ(c.loop.segments.rules.size(), 2u);
  EXPECT_EQ(c.loop.segments.rules[0].description, "revenue >= 100000");
  EXPECT_EQ(c.loop.segments.rules[1].description, "prefer calls");

  JobConfig bad;
  s = ApplyConfigToml("[staleness]\nphone_half_life = 3\n", "typo.toml", &bad);
  EXPECT_NE(s.message().find("typo.toml:2"), std::string::npos) << s.message();
  s = ApplyConfigToml("[[segment]]\nname = \"other\"\nwhen = [\"age > 1\"]\n", "reserved.toml", &bad);
  EXPECT_FALSE(s.ok());
  s = ApplyConfigToml("[[segment]]\nname = \"x\"\nwhen = [\"age >> 1\"]\n", "cond.toml", &bad);
  EXPECT_NE(s.message().find("cond.toml:1"), std::string::npos) << s.message();
}

CallListEntry Entry(uint64_t entity, double priority, std::string phone) {
  CallListEntry e;
  e.entity = entity;
  e.priority = priority;
  e.phone = std::move(phone);
  return e;
}

TEST(CallList, KeepsTheBestOncePerPhoneWhateverTheOrder) {
  std::vector<CallListEntry> all;
  for (uint64_t i = 1; i <= 200; ++i) all.push_back(Entry(i, (i % 17) / 17.0, "+7916" + std::to_string(1000000 + i)));
  all.push_back(Entry(500, 0.99, "+79161000001"));  // shares entity 1's phone, higher priority
  for (int shuffle = 0; shuffle < 3; ++shuffle) {
    std::mt19937 rng(shuffle);
    std::shuffle(all.begin(), all.end(), rng);
    CallListBuilder b(10);
    for (const auto& e : all) b.Offer(e);
    auto out = b.Finish();
    ASSERT_EQ(out.size(), 10u);
    EXPECT_EQ(out[0].entity, 500u);
    for (size_t i = 1; i < out.size(); ++i) {
      EXPECT_TRUE(out[i - 1].priority > out[i].priority ||
                  (out[i - 1].priority == out[i].priority && out[i - 1].entity < out[i].entity));
      EXPECT_NE(out[i].phone, "+79161000001");
    }
    // The same list every time.
    static std::vector<uint64_t> first;
    std::vector<uint64_t> ids;
    for (const auto& e : out) ids.push_back(e.entity);
    if (shuffle == 0) first = ids;
    EXPECT_EQ(ids, first);
  }
}

TEST(CallList, EntryPicksTheBestPhoneAndTheLocalWindow) {
  EntityFacts e;
  e.id = 9;
  e.golden.last = "Иванов";
  e.phones = {Phone("+79161111111", 20200101), Phone("+79142222222", 20250101)};
  e.phones[1].utc_offset_minutes = 600;  // Хабаровск
  e.phones[1].region = "Хабаровский край";
  StalenessPolicy p;
  EntityStaleness s = AssessStaleness(e, p, 20261204);
  ASSERT_EQ(s.best_phone, 1);
  EntityAttributes a = ComputeAttributes(e, s, SegmentConfig::Defaults(), 20261204);
  CallListOptions o;
  o.now_ms = DaysFromCivil(2026, 12, 4) * 86400000;  // Friday 00:00 UTC = 10:00 in Хабаровск
  auto entry = MakeCallListEntry(e, s, a, "other", 0.5, o);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->phone, "+79142222222");
  EXPECT_EQ(entry->time_zone_source, "phone_region");
  EXPECT_EQ(entry->call_from_ms, o.now_ms);
  EXPECT_EQ(IsoUtc(entry->call_until_ms), "2026-12-04T10:00:00Z");
  // Another segment asked for, or not due: no entry.
  o.segment = "vip";
  EXPECT_FALSE(MakeCallListEntry(e, s, a, "other", 0.5, o).has_value());
  // Called yesterday: not offered again yet.
  o.segment.clear();
  e.phones[1].state.last_date = 20261203;
  e.phones[1].state.last_outcome = Outcome::kUnreachable;
  s = AssessStaleness(e, p, 20261204);
  auto again = MakeCallListEntry(e, s, a, "other", 0.5, o);
  EXPECT_TRUE(!again.has_value() || again->phone != "+79142222222");
  std::string csv = CallListCsv({*entry});
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "rank,entity_id,priority,segment,last_name,first_name,middle_name,phone,carrier,region,reasons,staleness,"
            "value_score,uncertainty,utc_offset,time_zone_source,local_window,call_from_utc,call_until_utc");
  EXPECT_NE(csv.find("1,9,0.5000,other,Иванов"), std::string::npos) << csv;
}

TEST(Activity, AmountsAndCountsParseOrAreUnknown) {
  EXPECT_EQ(ParseAmountCents("9252,58"), 925258);
  EXPECT_EQ(ParseAmountCents("9 252.5 руб."), 925250);
  EXPECT_EQ(ParseAmountCents("1000"), 100000);
  EXPECT_EQ(ParseAmountCents("12,345"), -1);  // three decimals: not money
  EXPECT_EQ(ParseAmountCents("abc"), -1);
  EXPECT_EQ(ParseAmountCents(""), -1);
  EXPECT_EQ(ParseCount(" 12 "), 12);
  EXPECT_EQ(ParseCount("-3"), -1);
}

}  // namespace
}  // namespace doppel::core
