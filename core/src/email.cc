#include "doppel/core/email.h"

#include <string>
#include <string_view>
#include <utility>

#include "doppel/core/unicode.h"

namespace doppel::core {
namespace {

// RFC 5321: a path is at most 256 octets including the angle brackets, a local
// part at most 64 and a DNS label at most 63. Lengths are UTF-8 octets, as in
// RFC 6531 (internationalized addresses).
constexpr size_t kMaxAddressLength = 254;
constexpr size_t kMaxLocalLength = 64;
constexpr size_t kMaxLabelLength = 63;

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Most addresses are ASCII, and Fold (NFKC + case folding) costs an extra pass
// through utf8proc that ASCII does not need.
std::string LowerCase(std::string_view s) {
  if (!IsAscii(s)) return Fold(s);
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return out;
}

// Peels the wrappers people paste around an address: "Ivan <ivan@x.ru>",
// "<mailto:ivan@x.ru>", "'ivan@x.ru'", "ivan@x.ru," ... until nothing changes,
// because they nest in any order.
std::string_view StripDirtyForms(std::string_view s) {
  for (;;) {
    const std::string_view before = s;
    s = Trim(s);
    while (!s.empty() && (s.back() == '.' || s.back() == ',' || s.back() == ';')) s.remove_suffix(1);
    if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
      s = s.substr(1, s.size() - 2);
    }
    if (!s.empty() && s.back() == '>') {
      // A display name may itself hold '<' only inside quotes; the address is
      // in the last pair of brackets either way.
      const size_t open = s.rfind('<');
      if (open != std::string_view::npos) s = s.substr(open + 1, s.size() - open - 2);
    }
    if (s.starts_with("mailto:")) s.remove_prefix(7);
    if (s == before) return s;
  }
}

// Local parts that say "there is no address". Kept explicit: a broad list
// ("test", "x", "no") would reject real mailboxes at real domains.
bool IsPlaceholderLocal(std::string_view local) {
  static constexpr std::string_view kLocals[] = {
      "noemail", "no-email", "no_email", "no.email", "nomail", "no-mail", "no_mail", "none",
      "null",    "nil",      "unknown",  "n/a",      "нет",    "нетпочты", "нет-почты", "нет_почты",
  };
  for (auto w : kLocals) {
    if (local == w) return true;
  }
  return false;
}

// Domains nobody receives mail at: RFC 2606 examples and "test.ru"-style
// two-label fillers.
bool IsPlaceholderDomain(std::string_view domain) {
  const size_t dot = domain.find('.');
  if (dot == std::string_view::npos || domain.find('.', dot + 1) != std::string_view::npos) return false;
  const std::string_view name = domain.substr(0, dot);
  static constexpr std::string_view kNames[] = {"example", "test", "тест", "нет", "noemail", "no-email",
                                                "nomail",  "none", "null"};
  for (auto w : kNames) {
    if (name == w) return true;
  }
  return false;
}

// Keyboard junk: "a@a.a", "asd@asd.asd", "xx@x.xx", "1@1.11".
bool IsJunkAddress(std::string_view local, std::string_view domain) {
  bool all_labels_equal_local = true;
  size_t start = 0;
  for (;;) {
    const size_t dot = domain.find('.', start);
    const std::string_view label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label != local) all_labels_equal_local = false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (all_labels_equal_local) return true;
  if (local.empty()) return false;
  const char first = local.front();
  for (char c : local) {
    if (c != first && c != '.') return false;
  }
  for (char c : domain) {
    if (c != first && c != '.') return false;
  }
  return true;
}

bool IsPlaceholderAddress(std::string_view local, std::string_view domain) {
  if (IsPlaceholderLocal(local) || IsPlaceholderDomain(domain) || IsJunkAddress(local, domain)) return true;
  // A mailbox of only filler punctuation: "-@mail.ru", "0@bk.ru", "_+shop@".
  // Judged before the +tag so that an address and its key agree.
  const std::string_view mailbox = local.substr(0, local.find('+', 1));
  return !local.empty() && mailbox.find_first_not_of("-._*?/0") == std::string_view::npos;
}

bool IsLocalAsciiChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~.-";
  return kSpecials.find(c) != std::string_view::npos;
}

// Dot-atom local part (RFC 5322 3.2.3), plus letters of any script (RFC 6531).
// Quoted local parts and comments are not accepted: they do not occur in
// client data except as garbage.
bool IsValidLocal(std::string_view local) {
  if (local.empty() || local.size() > kMaxLocalLength) return false;
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  for (size_t i = 0; i < local.size();) {
    const unsigned char c = static_cast<unsigned char>(local[i]);
    if (c < 0x80) {
      if (!IsLocalAsciiChar(static_cast<char>(c))) return false;
      ++i;
      continue;
    }
    if (!IsLetter(NextCodePoint(local, i))) return false;
  }
  return true;
}

bool IsAsciiAlpha(char c) { return c >= 'a' && c <= 'z'; }

// One label: letters of any script (IDN in Unicode form), ASCII digits and
// inner hyphens. When tld is set, digits are refused unless it is an
// A-label ("xn--p1ai" is .рф), and at least two letters are needed.
bool IsValidLabel(std::string_view label, bool tld) {
  if (label.empty() || label.size() > kMaxLabelLength) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  const bool a_label = label.starts_with("xn--") && label.size() > 4;
  size_t code_points = 0;
  for (size_t i = 0; i < label.size(); ++code_points) {
    const unsigned char c = static_cast<unsigned char>(label[i]);
    if (c < 0x80) {
      const char a = static_cast<char>(c);
      const bool ok = IsAsciiAlpha(a) || (!tld && (a == '-' || (a >= '0' && a <= '9'))) ||
                      (a_label && (a == '-' || (a >= '0' && a <= '9')));
      if (!ok) return false;
      ++i;
      continue;
    }
    if (!IsLetter(NextCodePoint(label, i))) return false;
  }
  return !tld || code_points >= 2;
}

bool IsValidDomain(std::string_view domain) {
  size_t labels = 0;
  size_t start = 0;
  for (;;) {
    const size_t dot = domain.find('.', start);
    const bool last = dot == std::string_view::npos;
    const std::string_view label = domain.substr(start, last ? dot : dot - start);
    if (!IsValidLabel(label, last)) return false;
    ++labels;
    if (last) break;
    start = dot + 1;
  }
  return labels >= 2;
}

// ---- Domain typos -----------------------------------------------------------

// Mail domains common in Russian and international client bases. Besides being
// typo targets, they are never reported as typos themselves; the list holds
// real look-alikes too (ymail.com, mail.com, email.com, gmail.ru, mai.ru)
// so that they are left alone.
constexpr std::string_view kKnownDomains[] = {
    "gmail.com",     "googlemail.com", "yandex.ru",    "ya.ru",      "yandex.com",  "yandex.by",
    "yandex.kz",     "yandex.ua",      "narod.ru",     "mail.ru",    "inbox.ru",    "list.ru",
    "bk.ru",         "internet.ru",    "rambler.ru",   "lenta.ru",   "autorambler.ru", "myrambler.ru",
    "ro.ru",         "yahoo.com",      "ymail.com",    "hotmail.com", "outlook.com", "live.com",
    "msn.com",       "icloud.com",     "me.com",       "mac.com",    "aol.com",     "protonmail.com",
    "proton.me",     "gmx.com",        "gmx.de",       "gmx.net",    "web.de",      "mail.com",
    "email.com",     "ukr.net",        "i.ua",         "tut.by",     "qip.ru",      "gmail.ru",
    "mai.ru",        "hotmail.co.uk",  "yahoo.co.uk",
};

bool IsKnownDomain(std::string_view domain) {
  for (auto d : kKnownDomains) {
    if (d == domain) return true;
  }
  return false;
}

struct DomainMapping {
  std::string_view from;
  std::string_view to;
};

// Observed typos more than one edit away from their target, or one edit away
// from a domain too short for the edit-distance rule to be safe.
constexpr DomainMapping kTypoTable[] = {
    {"gmial.com", "gmail.com"},     {"gmai.com", "gmail.com"},       {"gamil.com", "gmail.com"},
    {"gmail.co", "gmail.com"},      {"gmail.cm", "gmail.com"},       {"gmail.om", "gmail.com"},
    {"gmaill.com", "gmail.com"},    {"gmal.com", "gmail.com"},       {"gnail.com", "gmail.com"},
    {"gmali.com", "gmail.com"},     {"gmeil.com", "gmail.com"},      {"mail.ry", "mail.ru"},
    {"mali.ru", "mail.ru"},         {"maill.ru", "mail.ru"},         {"meil.ru", "mail.ru"},
    {"mial.ru", "mail.ru"},         {"yandex.ri", "yandex.ru"},      {"yandeks.ru", "yandex.ru"},
    {"yadex.ru", "yandex.ru"},      {"yndex.ru", "yandex.ru"},       {"yandx.ru", "yandex.ru"},
    {"yanex.ru", "yandex.ru"},      {"yandek.ru", "yandex.ru"},      {"ynadex.ru", "yandex.ru"},
    {"ramble.ru", "rambler.ru"},    {"rambker.ru", "rambler.ru"},    {"ramdler.ru", "rambler.ru"},
    {"hotmial.com", "hotmail.com"}, {"hotmal.com", "hotmail.com"},   {"hotmai.com", "hotmail.com"},
    {"hotamil.com", "hotmail.com"}, {"yahooo.com", "yahoo.com"},     {"yaho.com", "yahoo.com"},
    {"yhoo.com", "yahoo.com"},      {"outlok.com", "outlook.com"},   {"outlool.com", "outlook.com"},
    {"otlook.com", "outlook.com"},  {"iclod.com", "icloud.com"},     {"icoud.com", "icloud.com"},
    {"iclould.com", "icloud.com"},  {"inbx.ru", "inbox.ru"},         {"inboks.ru", "inbox.ru"},
};

// TLDs that do not exist but are one key away from .ru or .com (and .ру is
// .ru typed in the Russian layout).
constexpr DomainMapping kTldTypos[] = {
    {"ry", "ru"},    {"ri", "ru"},    {"ty", "ru"},    {"ру", "ru"},
    {"con", "com"},  {"cim", "com"},  {"vom", "com"},  {"xom", "com"},  {"cpm", "com"},
    {"ocm", "com"},  {"cmo", "com"},  {"comm", "com"}, {"coom", "com"},
};

// True when a and b are exactly one Damerau-Levenshtein edit apart: one
// insertion, deletion, substitution or swap of neighbours.
bool IsOneEditApart(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  if (a.size() - b.size() > 1) return false;
  size_t i = 0;
  while (i < b.size() && a[i] == b[i]) ++i;
  if (a.size() != b.size()) return a.substr(i + 1) == b.substr(i);
  if (i == a.size()) return false;  // equal
  if (a.substr(i + 1) == b.substr(i + 1)) return true;
  return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
}

// The distance rule: the typed domain keeps a known domain's TLD and its name
// (all before the last dot) is one edit from that domain's name and from no
// other known name with that TLD, and the target name is at least 5 letters.
// Short names are left out because their one-edit neighbours are mostly real
// domains (bk.ru/bk.rs, mail.ru/gmail.ru, me.com/mi.com); a changed TLD is
// left out because most two-letter TLDs exist (mail.ru/mail.rs). Both kinds
// of typos still get caught by kTypoTable and kTldTypos.
std::string_view NearestKnownDomain(std::string_view domain) {
  const size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos) return {};
  const std::string_view name = domain.substr(0, dot), tld = domain.substr(dot);
  std::string_view found;
  int matches = 0;
  for (auto d : kKnownDomains) {
    if (!d.ends_with(tld) || d.size() <= tld.size()) continue;
    const std::string_view known_name = d.substr(0, d.size() - tld.size());
    if (IsOneEditApart(name, known_name)) {
      found = d;
      ++matches;
    }
  }
  if (matches != 1 || found.size() - tld.size() < 5) return {};
  return found;
}

std::string_view LookUpTypoTable(std::string_view domain) {
  for (const auto& f : kTypoTable) {
    if (f.from == domain) return f.to;
  }
  return {};
}

// Returns the corrected domain, or "" when the domain does not look like a
// typo. Non-ASCII domains only get the TLD fix: the known list is ASCII.
std::string CorrectDomain(std::string_view domain) {
  if (IsKnownDomain(domain)) return {};
  if (auto fix = LookUpTypoTable(domain); !fix.empty()) return std::string(fix);
  std::string fixed_tld;
  const size_t dot = domain.rfind('.');
  if (dot != std::string_view::npos) {
    const std::string_view tld = domain.substr(dot + 1);
    for (const auto& t : kTldTypos) {
      if (t.from == tld) {
        fixed_tld = std::string(domain.substr(0, dot + 1)).append(t.to);
        break;
      }
    }
  }
  // A fixed TLD may leave a name typo behind (gmial.con): fix both.
  const std::string_view base = fixed_tld.empty() ? domain : std::string_view(fixed_tld);
  if (!fixed_tld.empty()) {
    if (IsKnownDomain(base)) return fixed_tld;
    if (auto fix = LookUpTypoTable(base); !fix.empty()) return std::string(fix);
  }
  if (IsAscii(base)) {
    if (auto near = NearestKnownDomain(base); !near.empty()) return std::string(near);
  }
  return fixed_tld;
}

// ---- Matching key -----------------------------------------------------------

// Domains that deliver to the same mailbox as another one.
constexpr DomainMapping kDomainAliases[] = {
    {"googlemail.com", "gmail.com"}, {"ya.ru", "yandex.ru"},     {"yandex.com", "yandex.ru"},
    {"yandex.by", "yandex.ru"},      {"yandex.kz", "yandex.ru"}, {"yandex.ua", "yandex.ru"},
    {"narod.ru", "yandex.ru"},
};

struct ProviderRule {
  std::string_view domain;
  bool drop_dots;      // "i.van" and "ivan" are one mailbox
  bool drop_plus_tag;  // "ivan+shop" is delivered to "ivan"
  bool dash_is_dot;    // "i-van" and "i.van" are one mailbox
};

// How providers treat the local part, checked against their help pages. The
// mail.ru family is listed to record that it has no plus addressing: there
// "ivan+shop" is a different (usually nonexistent) mailbox, so it stays as is.
constexpr ProviderRule kProviderRules[] = {
    {"gmail.com", true, true, false},
    {"yandex.ru", false, true, true},
    {"outlook.com", false, true, false},
    {"hotmail.com", false, true, false},
    {"live.com", false, true, false},
    {"icloud.com", false, true, false},
    {"protonmail.com", false, true, false},
    {"mail.ru", false, false, false},
    {"inbox.ru", false, false, false},
    {"list.ru", false, false, false},
    {"bk.ru", false, false, false},
};

std::string_view CanonicalDomain(std::string_view domain) {
  for (const auto& a : kDomainAliases) {
    if (a.from == domain) return a.to;
  }
  return domain;
}

std::string MatchingKey(std::string_view local, std::string_view domain) {
  domain = CanonicalDomain(domain);
  const ProviderRule* rule = nullptr;
  for (const auto& r : kProviderRules) {
    if (r.domain == domain) rule = &r;
  }
  std::string key;
  key.reserve(local.size() + domain.size() + 1);
  if (rule == nullptr) {
    key.append(local);
  } else {
    std::string_view mailbox = local;
    if (rule->drop_plus_tag) {
      const size_t plus = mailbox.find('+');
      if (plus != std::string_view::npos && plus > 0) mailbox = mailbox.substr(0, plus);
    }
    for (char c : mailbox) {
      if (rule->dash_is_dot && c == '-') c = '.';
      if (c == '.' && (rule->drop_dots || key.empty() || key.back() == '.')) continue;
      key.push_back(c);
    }
    // Cutting a +tag or mapping '-' can leave a trailing dot ("a.+x"); drop it
    // so that the key is itself a valid address with the same key.
    while (!key.empty() && key.back() == '.') key.pop_back();
    if (key.empty()) key.append(local);
  }
  key.push_back('@');
  key.append(domain);
  return key;
}

}  // namespace

EmailResult NormalizeEmail(std::string_view raw) {
  EmailResult result;
  const std::string_view trimmed = Trim(raw);
  if (trimmed.empty()) {
    result.verdict = Verdict::Empty();
    return result;
  }
  const std::string lowered = LowerCase(trimmed);
  if (IsPlaceholderText(lowered)) {
    result.verdict = Verdict::Invalid(Reason::kEmailPlaceholder);
    return result;
  }
  const std::string_view s = StripDirtyForms(lowered);
  if (s.empty() || IsPlaceholderText(s) || IsPlaceholderLocal(s)) {
    result.verdict = Verdict::Invalid(Reason::kEmailPlaceholder);
    return result;
  }
  // Split at the last '@': a second '@' then lands in the local part, which
  // the dot-atom syntax refuses, so "ivan@@mail.ru" is email_bad_local_part.
  const size_t at = s.rfind('@');
  if (at == std::string_view::npos) {
    result.verdict = Verdict::Invalid(Reason::kEmailNoAt);
    return result;
  }
  const std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  Reason bad = Reason::kOk;
  if (IsPlaceholderAddress(local, domain)) {
    bad = Reason::kEmailPlaceholder;
  } else if (s.size() > kMaxAddressLength) {
    bad = Reason::kEmailTooLong;
  } else if (!IsValidLocal(local)) {
    bad = Reason::kEmailBadLocalPart;
  } else if (!IsValidDomain(domain)) {
    bad = Reason::kEmailBadDomain;
  }
  if (bad != Reason::kOk) {
    result.verdict = Verdict::Invalid(bad);
    return result;
  }

  const std::string corrected = CorrectDomain(domain);
  std::string key = MatchingKey(local, corrected.empty() ? domain : std::string_view(corrected));
  // The key may reveal a placeholder the typed form hid ("no.e.mail@gmail.com"
  // -> "noemail@gmail.com"); checking it too keeps keys fixed points.
  const size_t key_at = key.rfind('@');
  if (IsPlaceholderAddress(std::string_view(key).substr(0, key_at), std::string_view(key).substr(key_at + 1))) {
    result.verdict = Verdict::Invalid(Reason::kEmailPlaceholder);
    return result;
  }
  result.normalized = std::string(s);
  result.key = std::move(key);
  if (corrected.empty()) {
    result.verdict = Verdict::Valid();
  } else {
    result.verdict = Verdict::Warn(Reason::kEmailDomainTypo);
    result.suggestion = std::string(local).append("@").append(corrected);
  }
  return result;
}

}  // namespace doppel::core
