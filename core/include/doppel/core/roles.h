// Field roles: what each input column means.
//
// Roles are inferred from common Russian and English headers (ФИО, Фамилия,
// Телефон, E-mail, Дата рождения; full_name, surname, phone, dob...) and can
// be set explicitly ("phone=Моб. тел." on the command line, or a [columns]
// table in the TOML config). Columns with no role pass through untouched.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/status.h"

namespace doppel::core {

enum class Role : uint8_t {
  kPassthrough = 0,
  kRecordId,
  kFullName,
  kLastName,
  kFirstName,
  kMiddleName,
  kPhone,       // several columns allowed; a cell may hold several numbers
  kEmail,       // several columns allowed
  kAddress,     // free-form line(s); several columns are joined
  kPostcode,
  kRegion,
  kCity,
  kStreet,
  kHouse,
  kFlat,
  kBirthDate,
  kDocId,       // passport, SNILS, INN, SSN
  kGender,
  kCreated,     // when the client was created
  kLastVerified,
  kLastPurchase,
  kPurchases,
  kRevenue,
  kChannel,
  kSource,      // the system a record came from (CRM, web form, call centre)
  kRoleCount
};
inline constexpr size_t kRoleCount = static_cast<size_t>(Role::kRoleCount);

std::string_view RoleName(Role r);  // "record_id", "full_name", ..., "passthrough"
Result<Role> ParseRole(std::string_view name);
// Roles that may be spread over several columns.
bool RoleAllowsManyColumns(Role r);

// The role a header suggests, or kPassthrough.
Role InferRole(std::string_view header);

struct RoleOverride {
  Role role;
  std::string column;  // a header name; empty means "no column has this role"
};
// Parses "role=column" (as given to --map).
Result<RoleOverride> ParseRoleOverride(std::string_view text);

class FieldMap {
 public:
  // Maps columns to roles: inference first (unless disabled), then the
  // overrides. An override replaces what inference found for its role and
  // takes its column away from any other role. Fails when an override names
  // a column that does not exist, unless `allow_missing` (NDJSON, where a key
  // may first appear later: the map is rebuilt when it does).
  static Result<FieldMap> Build(const std::vector<std::string>& column_names,
                                const std::vector<RoleOverride>& overrides, bool infer = true,
                                bool allow_missing = false);

  const std::vector<int>& Columns(Role r) const { return by_role_[static_cast<size_t>(r)]; }
  // The first column of a role, or -1.
  int Column(Role r) const { return Columns(r).empty() ? -1 : Columns(r).front(); }
  bool Has(Role r) const { return !Columns(r).empty(); }
  Role RoleOf(size_t column) const { return column < role_of_.size() ? role_of_[column] : Role::kPassthrough; }
  size_t num_columns() const { return role_of_.size(); }
  // "full_name=ФИО, phone=Телефон+Телефон 2, ..." for logs and summaries.
  std::string Describe(const std::vector<std::string>& column_names) const;

 private:
  std::array<std::vector<int>, kRoleCount> by_role_;
  std::vector<Role> role_of_;
};

}  // namespace doppel::core
