#include "doppel/core/roles.h"

#include <algorithm>
#include <unordered_map>

#include "doppel/core/unicode.h"

namespace doppel::core {

namespace {

constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "passthrough", "record_id", "full_name", "last_name", "first_name", "middle_name", "phone",
    "email",       "address",   "postcode",  "region",    "city",       "street",      "house",
    "flat",        "birth_date", "doc_id",   "gender",    "created",    "last_verified", "last_purchase",
    "purchases",   "revenue",   "channel",   "source"};

// A header reduced to letters and digits, folded: "E-mail" -> "email",
// "Дата рождения" -> "датарождения", "date_of_birth" -> "dateofbirth".
std::string HeaderKey(std::string_view header) {
  std::string folded = Fold(header);
  std::string key;
  for (size_t i = 0; i < folded.size();) {
    size_t start = i;
    char32_t cp = NextCodePoint(folded, i);
    if (IsLetter(cp) || IsAsciiDigit(cp)) key.append(folded, start, i - start);
  }
  return key;
}

const std::unordered_map<std::string, Role>& ExactHeaders() {
  static const auto* map = [] {
    auto* m = new std::unordered_map<std::string, Role>;
    auto add = [&](Role r, std::initializer_list<const char*> names) {
      for (const char* n : names) m->emplace(HeaderKey(n), r);
    };
    add(Role::kRecordId, {"id", "rec_id", "record_id", "unique_id", "uid", "guid", "client_id", "customer_id",
                          "external_id", "person_id", "код", "код клиента", "ид", "идентификатор", "id клиента",
                          "номер клиента"});
    add(Role::kFullName, {"фио", "name", "full_name", "fullname", "full name", "клиент", "контакт", "имя клиента",
                          "фамилия имя отчество", "customer_name", "client_name", "contact_name", "person"});
    add(Role::kLastName, {"фамилия", "surname", "last_name", "lastname", "family_name", "last"});
    add(Role::kFirstName, {"имя", "first_name", "firstname", "given_name", "forename", "first"});
    add(Role::kMiddleName, {"отчество", "middle_name", "middlename", "patronymic", "middle", "second_name"});
    add(Role::kPhone, {"телефон", "тел", "тел.", "phone", "tel", "telephone", "mobile", "cell", "msisdn", "моб",
                       "мобильный", "сотовый", "phone_number", "номер телефона"});
    add(Role::kEmail, {"email", "e-mail", "mail", "емейл", "имейл", "эл. почта", "электронная почта", "почта",
                       "email_address"});
    add(Role::kAddress, {"адрес", "address", "addr", "address_1", "address1", "address_2", "address2",
                         "street_address", "адрес проживания", "адрес регистрации", "фактический адрес",
                         "почтовый адрес", "postal_address", "address_line"});
    add(Role::kPostcode, {"postcode", "zip", "zipcode", "zip_code", "postal_code", "индекс", "почтовый индекс"});
    add(Role::kRegion, {"region", "регион", "область", "state", "province", "субъект", "край", "субъект рф"});
    add(Role::kCity, {"city", "town", "город", "населенный пункт", "нас. пункт", "suburb", "locality"});
    add(Role::kStreet, {"street", "улица", "street_name"});
    add(Role::kHouse, {"house", "дом", "house_number", "street_number", "building_number", "номер дома"});
    add(Role::kFlat, {"flat", "apartment", "apt", "квартира", "кв", "кв."});
    add(Role::kBirthDate, {"дата рождения", "dob", "birth_date", "birthdate", "date_of_birth", "birthday",
                           "день рождения", "др", "д.р.", "дата рожд.", "born"});
    add(Role::kDocId, {"паспорт", "снилс", "инн", "passport", "ssn", "soc_sec_id", "national_id", "doc_id",
                       "document", "номер паспорта"});
    add(Role::kGender, {"пол", "gender", "sex"});
    add(Role::kCreated, {"created", "created_at", "дата создания", "дата регистрации", "registered",
                         "registration_date", "signup_date", "first_seen"});
    add(Role::kLastVerified, {"last_verified", "verified_at", "дата проверки", "дата актуализации",
                              "последняя проверка", "дата верификации", "verified"});
    add(Role::kLastPurchase, {"last_purchase", "last_order", "last_order_date", "дата последней покупки",
                              "последняя покупка", "последний заказ"});
    add(Role::kPurchases, {"purchases", "orders", "order_count", "количество покупок", "покупок", "число покупок",
                           "заказов"});
    add(Role::kRevenue, {"revenue", "ltv", "total_spent", "сумма", "сумма покупок", "выручка", "оборот"});
    add(Role::kChannel, {"channel", "preferred_channel", "канал", "канал связи", "предпочтительный канал"});
    add(Role::kSource, {"source", "data_source", "source_system", "источник", "источник данных", "система-источник"});
    return m;
  }();
  return *map;
}

bool Contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

}  // namespace

std::string_view RoleName(Role r) {
  auto i = static_cast<size_t>(r);
  return i < kRoleNames.size() ? kRoleNames[i] : "?";
}

Result<Role> ParseRole(std::string_view name) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == name) return static_cast<Role>(i);
  }
  // Friendly aliases.
  if (name == "id") return Role::kRecordId;
  if (name == "name") return Role::kFullName;
  if (name == "dob") return Role::kBirthDate;
  if (name == "surname") return Role::kLastName;
  if (name == "patronymic") return Role::kMiddleName;
  std::string all;
  for (size_t i = 1; i < kRoleNames.size(); ++i) all += (i > 1 ? ", " : "") + std::string(kRoleNames[i]);
  return Status::InvalidArgument("unknown role '" + std::string(name) + "'; roles are: " + all);
}

bool RoleAllowsManyColumns(Role r) { return r == Role::kPhone || r == Role::kEmail || r == Role::kAddress; }

Role InferRole(std::string_view header) {
  std::string key = HeaderKey(header);
  if (key.empty()) return Role::kPassthrough;
  const auto& exact = ExactHeaders();
  if (auto it = exact.find(key); it != exact.end()) return it->second;
  // Numbered variants: phone2, телефон 2, email_1.
  std::string base = key;
  while (!base.empty() && base.back() >= '0' && base.back() <= '9') base.pop_back();
  if (base != key && !base.empty()) {
    if (auto it = exact.find(base); it != exact.end() && RoleAllowsManyColumns(it->second)) return it->second;
  }
  // Substring rules, most specific first.
  if (Contains(key, "индекс") || Contains(key, "postcode") || Contains(key, "zip")) return Role::kPostcode;
  if (Contains(key, "email") || Contains(key, "mail") || Contains(key, "почт")) {
    return Contains(key, "адрес") && !Contains(key, "электрон") && !Contains(key, "email") ? Role::kAddress
                                                                                            : Role::kEmail;
  }
  if (Contains(key, "phone") || Contains(key, "телефон") || Contains(key, "mobile") || Contains(key, "мобильн") ||
      Contains(key, "сотов")) {
    return Role::kPhone;
  }
  if (Contains(key, "фио")) return Role::kFullName;
  if (Contains(key, "рожден") || Contains(key, "birth")) return Role::kBirthDate;
  if (Contains(key, "фамил") || Contains(key, "surname") || Contains(key, "lastname")) return Role::kLastName;
  if (Contains(key, "отчеств") || Contains(key, "patronym") || Contains(key, "middlename")) return Role::kMiddleName;
  if (Contains(key, "firstname") || Contains(key, "givenname")) return Role::kFirstName;
  if (Contains(key, "адрес") || Contains(key, "address")) return Role::kAddress;
  if (Contains(key, "проверк") || Contains(key, "верифик") || Contains(key, "актуализ") || Contains(key, "verified")) {
    return Role::kLastVerified;
  }
  return Role::kPassthrough;
}

Result<RoleOverride> ParseRoleOverride(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return Status::InvalidArgument("expected role=column, got '" + std::string(text) + "'");
  }
  DOPPEL_ASSIGN_OR_RETURN(Role role, ParseRole(Trim(text.substr(0, eq))));
  return RoleOverride{role, std::string(Trim(text.substr(eq + 1)))};
}

Result<FieldMap> FieldMap::Build(const std::vector<std::string>& column_names,
                                 const std::vector<RoleOverride>& overrides, bool infer, bool allow_missing) {
  FieldMap m;
  m.role_of_.assign(column_names.size(), Role::kPassthrough);
  if (infer) {
    for (size_t c = 0; c < column_names.size(); ++c) {
      Role r = InferRole(column_names[c]);
      if (r == Role::kPassthrough) continue;
      auto& cols = m.by_role_[static_cast<size_t>(r)];
      if (!cols.empty() && !RoleAllowsManyColumns(r)) continue;  // the first column wins
      cols.push_back(static_cast<int>(c));
      m.role_of_[c] = r;
    }
  }
  // Overrides: each named role is rebuilt from scratch.
  std::array<bool, kRoleCount> reset{};
  for (const auto& o : overrides) {
    auto r = static_cast<size_t>(o.role);
    if (!reset[r]) {
      for (int c : m.by_role_[r]) m.role_of_[c] = Role::kPassthrough;
      m.by_role_[r].clear();
      reset[r] = true;
    }
    if (o.column.empty()) continue;
    auto it = std::find(column_names.begin(), column_names.end(), o.column);
    if (it == column_names.end()) {
      if (allow_missing) continue;
      std::string known;
      for (const auto& n : column_names) known += (known.empty() ? "" : ", ") + n;
      return Status::InvalidArgument("--map " + std::string(RoleName(o.role)) + "=" + o.column +
                                     ": no such column (columns: " + known + ")");
    }
    int c = static_cast<int>(it - column_names.begin());
    Role old = m.role_of_[c];
    if (old != Role::kPassthrough) {
      auto& cols = m.by_role_[static_cast<size_t>(old)];
      cols.erase(std::remove(cols.begin(), cols.end(), c), cols.end());
    }
    if (!m.by_role_[r].empty() && !RoleAllowsManyColumns(o.role)) {
      return Status::InvalidArgument("role " + std::string(RoleName(o.role)) + " takes one column, given twice");
    }
    m.by_role_[r].push_back(c);
    m.role_of_[c] = o.role;
  }
  if (m.Has(Role::kRecordId) && m.Columns(Role::kRecordId).size() > 1) {
    return Status::Internal("record_id mapped to several columns");
  }
  return m;
}

std::string FieldMap::Describe(const std::vector<std::string>& column_names) const {
  std::string out;
  for (size_t r = 1; r < kRoleCount; ++r) {
    if (by_role_[r].empty()) continue;
    if (!out.empty()) out += ", ";
    out += RoleName(static_cast<Role>(r));
    out += "=";
    for (size_t k = 0; k < by_role_[r].size(); ++k) {
      if (k > 0) out += "+";
      out += column_names[by_role_[r][k]];
    }
  }
  return out;
}

}  // namespace doppel::core
