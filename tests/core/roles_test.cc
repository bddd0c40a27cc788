#include "doppel/core/roles.h"

#include <gtest/gtest.h>

namespace doppel::core {
namespace {

TEST(Roles, InfersRussianAndEnglishHeaders) {
  struct Case { const char* header; Role role; };
  const Case cases[] = {
      {"ФИО", Role::kFullName},         {"Фамилия", Role::kLastName},       {"Имя", Role::kFirstName},
      {"Отчество", Role::kMiddleName},  {"Телефон", Role::kPhone},          {"Моб. телефон", Role::kPhone},
      {"Телефон 2", Role::kPhone},      {"E-mail", Role::kEmail},           {"Эл. почта", Role::kEmail},
      {"Адрес", Role::kAddress},        {"Адрес регистрации", Role::kAddress}, {"Дата рождения", Role::kBirthDate},
      {"Почтовый индекс", Role::kPostcode}, {"Город", Role::kCity},         {"ID", Role::kRecordId},
      {"rec_id", Role::kRecordId},      {"given_name", Role::kFirstName},   {"surname", Role::kLastName},
      {"date_of_birth", Role::kBirthDate}, {"dob", Role::kBirthDate},       {"street_number", Role::kHouse},
      {"address_1", Role::kAddress},    {"suburb", Role::kCity},            {"postcode", Role::kPostcode},
      {"state", Role::kRegion},         {"soc_sec_id", Role::kDocId},       {"unique_id", Role::kRecordId},
      {"first_name", Role::kFirstName}, {"Email Address", Role::kEmail},    {"Mobile Phone", Role::kPhone},
      {"Дата проверки", Role::kLastVerified}, {"Последняя покупка", Role::kLastPurchase}, {"Сумма", Role::kRevenue},
      {"cluster", Role::kPassthrough},  {"Комментарий", Role::kPassthrough},
  };
  for (const auto& c : cases) EXPECT_EQ(RoleName(InferRole(c.header)), RoleName(c.role)) << c.header;
}

TEST(Roles, FieldMapWithOverrides) {
  std::vector<std::string> cols = {"id", "ФИО", "Телефон", "Тел. доп", "Почта", "Примечание"};
  auto m = FieldMap::Build(cols, {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->Column(Role::kRecordId), 0);
  EXPECT_EQ(m->Column(Role::kFullName), 1);
  EXPECT_EQ(m->Columns(Role::kPhone), (std::vector<int>{2}));  // "Тел. доп" is not recognised
  auto o = ParseRoleOverride("phone=Тел. доп");
  ASSERT_TRUE(o.ok());
  auto o2 = ParseRoleOverride("phone=Телефон");
  auto m2 = FieldMap::Build(cols, {*o2, *o});
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2->Columns(Role::kPhone), (std::vector<int>{2, 3}));
  // Moving a column to another role takes it away from the first.
  auto m3 = FieldMap::Build(cols, {{Role::kEmail, "Примечание"}, {Role::kFullName, ""}});
  ASSERT_TRUE(m3.ok());
  EXPECT_EQ(m3->Columns(Role::kEmail), (std::vector<int>{5}));
  EXPECT_FALSE(m3->Has(Role::kFullName));
  auto bad = FieldMap::Build(cols, {{Role::kPhone, "нет такой"}});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no such column"), std::string::npos);
  EXPECT_FALSE(ParseRoleOverride("nonsense=x").ok());
  EXPECT_FALSE(ParseRoleOverride("phone").ok());
  EXPECT_NE(m2->Describe(cols).find("phone=Телефон+Тел. доп"), std::string::npos);
}

}  // namespace
}  // namespace doppel::core
