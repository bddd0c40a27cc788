#include "doppel/core/email.h"

#include <gtest/gtest.h>

#include <string>

namespace doppel::core {
namespace {

struct EmailCase {
  const char* input;
  Validity validity;
  Reason reason;
  const char* normalized;  // "" when not usable
  const char* key;
  const char* suggestion;
};

constexpr Validity kV = Validity::kValid;
constexpr Validity kW = Validity::kWarning;
constexpr Validity kI = Validity::kInvalid;
constexpr Validity kE = Validity::kEmpty;

const EmailCase kCases[] = {
    // Case, Gmail dots and tags, googlemail.
    {"Ivan.Petrov@Gmail.COM", kV, Reason::kOk, "ivan.petrov@gmail.com", "ivanpetrov@gmail.com", ""},
    {"ivan.petrov+shop@googlemail.com", kV, Reason::kOk, "ivan.petrov+shop@googlemail.com", "ivanpetrov@gmail.com", ""},
    {"  Ivan.Petrov@GMAIL.COM\t", kV, Reason::kOk, "ivan.petrov@gmail.com", "ivanpetrov@gmail.com", ""},
    // Yandex: aliases, +tags, '-' equals '.'.
    {"ivan-petrov+promo@ya.ru", kV, Reason::kOk, "ivan-petrov+promo@ya.ru", "ivan.petrov@yandex.ru", ""},
    {"Ivan.Petrov@yandex.by", kV, Reason::kOk, "ivan.petrov@yandex.by", "ivan.petrov@yandex.ru", ""},
    {"olga@narod.ru", kV, Reason::kOk, "olga@narod.ru", "olga@yandex.ru", ""},
    // Plus addressing where the provider has it, and not at mail.ru.
    {"john.smith+news@outlook.com", kV, Reason::kOk, "john.smith+news@outlook.com", "john.smith@outlook.com", ""},
    {"j.doe+apple@iCloud.com", kV, Reason::kOk, "j.doe+apple@icloud.com", "j.doe@icloud.com", ""},
    {"ivan+shop@mail.ru", kV, Reason::kOk, "ivan+shop@mail.ru", "ivan+shop@mail.ru", ""},
    {"o.smirnova@bk.ru", kV, Reason::kOk, "o.smirnova@bk.ru", "o.smirnova@bk.ru", ""},
    // Dirty forms.
    {"Ivan Petrov <Ivan.Petrov@Yandex.ru>", kV, Reason::kOk, "ivan.petrov@yandex.ru", "ivan.petrov@yandex.ru", ""},
    {"\"Петров, Иван\" <petrov@inbox.ru>", kV, Reason::kOk, "petrov@inbox.ru", "petrov@inbox.ru", ""},
    {"mailto:olga@inbox.ru", kV, Reason::kOk, "olga@inbox.ru", "olga@inbox.ru", ""},
    {"<MAILTO:olga@list.ru>,", kV, Reason::kOk, "olga@list.ru", "olga@list.ru", ""},
    {"olga.smirnova@mail.ru.", kV, Reason::kOk, "olga.smirnova@mail.ru", "olga.smirnova@mail.ru", ""},
    {"'anna@rambler.ru'", kV, Reason::kOk, "anna@rambler.ru", "anna@rambler.ru", ""},
    // Internationalized addresses.
    {"почта@пример.рф", kV, Reason::kOk, "почта@пример.рф", "почта@пример.рф", ""},
    {"ПОЧТА@ПРИМЕР.РФ", kV, Reason::kOk, "почта@пример.рф", "почта@пример.рф", ""},
    {"info@xn--80a1acny.xn--p1ai", kV, Reason::kOk, "info@xn--80a1acny.xn--p1ai", "info@xn--80a1acny.xn--p1ai", ""},
    {"müller@beispiel.de", kV, Reason::kOk, "müller@beispiel.de", "müller@beispiel.de", ""},
    {"sales@ooo-romashka.moscow", kV, Reason::kOk, "sales@ooo-romashka.moscow", "sales@ooo-romashka.moscow", ""},
    // Real domains one edit from a well-known one are left alone.
    {"ivan@gmail.ru", kV, Reason::kOk, "ivan@gmail.ru", "ivan@gmail.ru", ""},
    {"ivan@mail.ua", kV, Reason::kOk, "ivan@mail.ua", "ivan@mail.ua", ""},
    {"ivan@bk.rs", kV, Reason::kOk, "ivan@bk.rs", "ivan@bk.rs", ""},
    {"ivan@mai.ru", kV, Reason::kOk, "ivan@mai.ru", "ivan@mai.ru", ""},
    {"ivan@ymail.com", kV, Reason::kOk, "ivan@ymail.com", "ivan@ymail.com", ""},
    {"ivan@mail.com", kV, Reason::kOk, "ivan@mail.com", "ivan@mail.com", ""},
    // Domain typos: normalized keeps what was typed, key and suggestion fix it.
    {"petrov@gmial.com", kW, Reason::kEmailDomainTypo, "petrov@gmial.com", "petrov@gmail.com", "petrov@gmail.com"},
    {"Iv.Petrov@gmail.con", kW, Reason::kEmailDomainTypo, "iv.petrov@gmail.con", "ivpetrov@gmail.com", "iv.petrov@gmail.com"},
    {"ivan@mail.ry", kW, Reason::kEmailDomainTypo, "ivan@mail.ry", "ivan@mail.ru", "ivan@mail.ru"},
    {"ivan@mail.ру", kW, Reason::kEmailDomainTypo, "ivan@mail.ру", "ivan@mail.ru", "ivan@mail.ru"},
    {"ivan@yandeks.ru", kW, Reason::kEmailDomainTypo, "ivan@yandeks.ru", "ivan@yandex.ru", "ivan@yandex.ru"},
    {"ivan-p@yandx.com", kW, Reason::kEmailDomainTypo, "ivan-p@yandx.com", "ivan.p@yandex.ru", "ivan-p@yandex.com"},
    {"ivan@rambler.ry", kW, Reason::kEmailDomainTypo, "ivan@rambler.ry", "ivan@rambler.ru", "ivan@rambler.ru"},
    {"petrov@gmaul.com", kW, Reason::kEmailDomainTypo, "petrov@gmaul.com", "petrov@gmail.com", "petrov@gmail.com"},
    {"petrov@hotmial.com", kW, Reason::kEmailDomainTypo, "petrov@hotmial.com", "petrov@hotmail.com", "petrov@hotmail.com"},
    {"petrov@inbox.ri", kW, Reason::kEmailDomainTypo, "petrov@inbox.ri", "petrov@inbox.ru", "petrov@inbox.ru"},
    {"petrov@gmial.con", kW, Reason::kEmailDomainTypo, "petrov@gmial.con", "petrov@gmail.com", "petrov@gmail.com"},
    {"ceo@romashka.con", kW, Reason::kEmailDomainTypo, "ceo@romashka.con", "ceo@romashka.com", "ceo@romashka.com"},
    // Broken syntax.
    {"ivan@@mail.ru", kI, Reason::kEmailBadLocalPart, "", "", ""},
    {"ivan@petrov@mail.ru", kI, Reason::kEmailBadLocalPart, "", "", ""},
    {"ivan@mail", kI, Reason::kEmailBadDomain, "", "", ""},
    {"ivan mail.ru", kI, Reason::kEmailNoAt, "", "", ""},
    {"ivan.mail.ru", kI, Reason::kEmailNoAt, "", "", ""},
    {".ivan@mail.ru", kI, Reason::kEmailBadLocalPart, "", "", ""},
    {"ivan.@mail.ru", kI, Reason::kEmailBadLocalPart, "", "", ""},
    {"iv..an@mail.ru", kI, Reason::kEmailBadLocalPart, "", "", ""},
    {"ivan petrov@mail.ru", kI, Reason::kEmailBadLocalPart, "", "", ""},
    {"ivan,petrov@mail.ru", kI, Reason::kEmailBadLocalPart, "", "", ""},
    {"@mail.ru", kI, Reason::kEmailBadLocalPart, "", "", ""},
    {"ivan@", kI, Reason::kEmailBadDomain, "", "", ""},
    {"ivan@mail .ru", kI, Reason::kEmailBadDomain, "", "", ""},
    {"ivan@mail.r", kI, Reason::kEmailBadDomain, "", "", ""},
    {"ivan@mail.ru1", kI, Reason::kEmailBadDomain, "", "", ""},
    {"ivan@-mail.ru", kI, Reason::kEmailBadDomain, "", "", ""},
    {"ivan@mail-.ru", kI, Reason::kEmailBadDomain, "", "", ""},
    {"ivan@mail..ru", kI, Reason::kEmailBadDomain, "", "", ""},
    {"ivan@mail_box.ru", kI, Reason::kEmailBadDomain, "", "", ""},
    {"ivan@[192.168.0.1]", kI, Reason::kEmailBadDomain, "", "", ""},
    {"a@b.ru, c@d.ru", kI, Reason::kEmailBadLocalPart, "", "", ""},
    // Placeholders.
    {"нет", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"-", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"N/A", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"noemail", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"<>", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"noemail@mail.ru", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"No-Email@gmail.com", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"none@yandex.ru", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"test@test.ru", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"ivan@example.com", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"info@example.org", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"нет@нет.ру", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"a@a.a", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"asd@asd.asd", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"xx@x.xx", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"-@mail.ru", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"_+shop@outlook.com", kI, Reason::kEmailPlaceholder, "", "", ""},
    {"no.e.mail@gmail.com", kI, Reason::kEmailPlaceholder, "", "", ""},  // its key is noemail@gmail.com
    {"no-email+x@ya.ru", kI, Reason::kEmailPlaceholder, "", "", ""},
    // Empty.
    {"", kE, Reason::kEmpty, "", "", ""},
    {" \t\u00a0 ", kE, Reason::kEmpty, "", "", ""},
};

TEST(NormalizeEmail, Table) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.input);
    const EmailResult r = NormalizeEmail(c.input);
    EXPECT_EQ(r.verdict.validity, c.validity);
    EXPECT_EQ(ReasonCode(r.verdict.reason), ReasonCode(c.reason));
    EXPECT_EQ(r.normalized, c.normalized);
    EXPECT_EQ(r.key, c.key);
    EXPECT_EQ(r.suggestion, c.suggestion);
  }
}

TEST(NormalizeEmail, LengthLimits) {
  const std::string local64(64, 'a');
  EXPECT_EQ(NormalizeEmail(local64 + "b@mail.ru").verdict.reason, Reason::kEmailBadLocalPart);
  EXPECT_EQ(NormalizeEmail(local64 + "@mail.ru").verdict.validity, Validity::kValid);
  // 64 + 1 + 189 = 254 octets is the most an address may have.
  std::string domain;
  while (domain.size() < 180) domain += "abcdefghi.";
  domain += "romashka.ru";  // 191 octets
  const std::string longest = local64 + "@" + domain.substr(domain.size() - 189);
  ASSERT_EQ(longest.size(), 254u);
  EXPECT_EQ(NormalizeEmail(longest).verdict.validity, Validity::kValid) << longest;
  EXPECT_EQ(NormalizeEmail("b" + longest).verdict.reason, Reason::kEmailTooLong);
  // A label longer than 63 octets.
  EXPECT_EQ(NormalizeEmail("ivan@" + std::string(64, 'x') + ".ru").verdict.reason, Reason::kEmailBadDomain);
}

// A key is what the matcher compares, so normalizing a key must give it back
// unchanged and valid; otherwise a re-run over cleaned data would split
// clusters.
TEST(NormalizeEmail, KeysAreFixedPoints) {
  for (const auto& c : kCases) {
    const EmailResult r = NormalizeEmail(c.input);
    if (!r.verdict.usable()) continue;
    const EmailResult again = NormalizeEmail(r.key);
    EXPECT_EQ(again.verdict.validity, Validity::kValid) << c.input << " -> " << r.key;
    EXPECT_EQ(again.key, r.key) << c.input;
    EXPECT_EQ(again.normalized, r.key) << c.input;
  }
  // Transformations that could leave stray dots behind.
  for (const char* input : {"a.+x@gmail.com", "a.-b@yandex.ru", "a-.b@ya.ru", "a-+x@yandex.ru", "+x@gmail.com"}) {
    const EmailResult r = NormalizeEmail(input);
    ASSERT_TRUE(r.verdict.usable()) << input;
    EXPECT_EQ(NormalizeEmail(r.key).key, r.key) << input << " -> " << r.key;
  }
}

TEST(NormalizeEmail, SameMailboxSameKey) {
  const char* groups[][4] = {
      {"IvanPetrov@gmail.com", "ivan.petrov@gmail.com", "i.v.a.n.petrov+crm@googlemail.com", "ivanpetrov@gmial.com"},
      {"ivan.petrov@yandex.ru", "ivan-petrov@ya.ru", "Ivan.Petrov+x@yandex.com", "ivan-petrov@yandex.kz"},
  };
  for (const auto& g : groups) {
    const std::string key = NormalizeEmail(g[0]).key;
    for (const char* e : g) EXPECT_EQ(NormalizeEmail(e).key, key) << e;
  }
  // Different mailboxes stay apart.
  EXPECT_NE(NormalizeEmail("ivan.petrov@mail.ru").key, NormalizeEmail("ivanpetrov@mail.ru").key);
  EXPECT_NE(NormalizeEmail("ivan-petrov@gmail.com").key, NormalizeEmail("ivan.petrov@gmail.com").key);
}

}  // namespace
}  // namespace doppel::core
