#include "doppel/core/numbering.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "doppel/core/unicode.h"

namespace doppel::core {
namespace {

constexpr uint64_t kSubscriberDigits = 10'000'000;        // 7 digits after the code
constexpr uint64_t kMaxNational = 9'999'999'999;          // 10 digits
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// ---- register text ----

// Splits on every ';': the register does not quote fields.
std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ';') {
      fields.push_back(Trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return fields;
}

// Between 1 and max_digits ASCII digits, nothing else.
bool ParseDigits(std::string_view s, size_t max_digits, uint64_t& value) {
  if (s.empty() || s.size() > max_digits) return false;
  value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

// The header names the columns; only the six the plan uses are checked, and
// by their folded starts, so "АВС/ DEF", "ABC/DEF" and "Ёмкость" all pass.
bool IsRegisterHeader(const std::vector<std::string_view>& fields) {
  if (fields.size() < 6) return false;
  const std::string code = Fold(fields[0]);
  const bool code_ok = code.find("def") != std::string::npos || code.find("abc") != std::string::npos ||
                       code.find("авс") != std::string::npos;
  return code_ok && Fold(fields[1]) == "от" && Fold(fields[2]) == "до" && Fold(fields[3]).starts_with("емкост") &&
         Fold(fields[4]).starts_with("оператор") && Fold(fields[5]).starts_with("регион");
}

// "9000000000-9000061999" for messages.
std::string RangeText(uint64_t from, uint64_t to) { return std::to_string(from) + "-" + std::to_string(to); }

// Stores each distinct string once and hands out its index.
class Interner {
 public:
  explicit Interner(std::vector<std::string>& table) : table_(table) {}
  uint32_t Intern(std::string_view s) {
    auto [it, inserted] = index_.try_emplace(std::string(s), static_cast<uint32_t>(table_.size()));
    if (inserted) table_.emplace_back(s);
    return it->second;
  }

 private:
  std::vector<std::string>& table_;
  std::unordered_map<std::string, uint32_t> index_;
};

// ---- binary form ----
//
//   "DPNP" version(1)
//   varint n_ops,     n_ops     x (varint length, UTF-8 bytes)
//   varint n_regions, n_regions x (varint length, UTF-8 bytes)
//   varint n_ranges,  n_ranges  x (varint gap, varint to-from, varint op, varint region)
//   8-byte little-endian FNV-1a 64 of everything before it
//
// gap is from minus (previous to + 1), 0 for the first range's base 0: ranges
// are sorted and disjoint, so it is never negative and usually small.

constexpr std::string_view kMagic = "DPNP";
constexpr uint8_t kVersion = 1;

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

// Reads the fields of the binary form front to back; any read past the end
// or malformed varint makes ok() false for good.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}
  bool ok() const { return ok_; }
  bool empty() const { return rest_.empty(); }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (rest_.empty()) return Fail();
      const auto byte = static_cast<unsigned char>(rest_.front());
      rest_.remove_prefix(1);
      if (shift == 63 && byte > 1) return Fail();  // more than 64 bits
      v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
    return Fail();
  }
  // A count of items each at least min_bytes long: bounded by what is left,
  // so a damaged count cannot make the caller reserve gigabytes.
  uint64_t Count(size_t min_bytes) {
    const uint64_t n = Varint();
    if (n > rest_.size() / min_bytes) return Fail();
    return n;
  }
  std::string_view Bytes(uint64_t n) {
    if (!ok_ || n > rest_.size()) {
      Fail();
      return {};
    }
    std::string_view s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return s;
  }

 private:
  uint64_t Fail() {
    ok_ = false;
    rest_ = {};
    return 0;
  }
  std::string_view rest_;
  bool ok_ = true;
};

Status Damaged(std::string_view what) { return Status::Corruption("numbering plan: " + std::string(what)); }

Result<std::vector<std::string>> ReadStrings(Reader& in) {
  const uint64_t n = in.Count(1);
  std::vector<std::string> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n && in.ok(); ++i) {
    const std::string_view s = in.Bytes(in.Varint());
    if (!IsValidUtf8(s)) return Damaged("a name is not valid UTF-8");
    out.emplace_back(s);
  }
  if (!in.ok()) return Damaged("truncated string table");
  return out;
}

}  // namespace

// One pass over the lines. Accepted ranges go into a map keyed by start so
// an overlap with any earlier row is found in O(log n), in whatever order
// the rows come.
Result<NumberingPlan> NumberingPlan::Parse(std::string_view text, std::vector<NumberingRowError>* errors) {
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  auto report = [&](uint64_t line, std::string reason, bool skipped = true) {
    if (errors) errors->push_back({line, std::move(reason), skipped});
  };
  struct Row {
    uint64_t to, line;
    uint32_t op, region;
  };
  std::map<uint64_t, Row> accepted;  // by range start
  NumberingPlan plan;
  Interner ops(plan.ops_), regions(plan.regions_);
  size_t n_fields = 0;  // from the header
  uint64_t line_no = 0;
  size_t rejected = 0;

  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (line.ends_with('\r')) line.remove_suffix(1);

    const std::vector<std::string_view> f = SplitFields(line);
    if (line_no == 1) {
      if (!IsRegisterHeader(f)) {
        return Status::InvalidArgument("not a numbering-plan register (UTF-8, header \"АВС/ DEF;От;До;Емкость;"
                                       "Оператор;Регион...\"): the first line is \"" +
                                       std::string(line.substr(0, 120)) + "\"");
      }
      n_fields = f.size();
      continue;
    }
    if (Trim(line).empty()) continue;  // blank lines carry nothing

    auto skip = [&](std::string reason) {
      ++rejected;
      report(line_no, std::move(reason));
    };
    if (f.size() != n_fields) {
      skip(std::to_string(f.size()) + " fields, the header has " + std::to_string(n_fields));
      continue;
    }
    uint64_t code, from, to, capacity;
    if (f[0].size() != 3 || !ParseDigits(f[0], 3, code)) {
      skip("ABC/DEF code \"" + std::string(f[0]) + "\" is not 3 digits");
      continue;
    }
    if (!ParseDigits(f[1], 7, from) || !ParseDigits(f[2], 7, to)) {
      skip("range start or end is not a number of up to 7 digits");
      continue;
    }
    from += code * kSubscriberDigits;
    to += code * kSubscriberDigits;
    if (from > to) {
      skip("range start after range end: " + RangeText(from, to));
      continue;
    }
    if (!IsValidUtf8(f[4]) || !IsValidUtf8(f[5])) {
      skip("operator or region is not valid UTF-8");
      continue;
    }
    // The nearest accepted range starting after `from`, and the one before it,
    // are the only ones that can overlap.
    auto next = accepted.upper_bound(from);
    const Row* clash = nullptr;
    if (next != accepted.end() && next->first <= to) clash = &next->second;
    if (next != accepted.begin() && std::prev(next)->second.to >= from) clash = &std::prev(next)->second;
    if (clash) {
      skip("range " + RangeText(from, to) + " overlaps line " + std::to_string(clash->line));
      continue;
    }
    // Capacity repeats to-from+1; a disagreement is the register's typo, not
    // a reason to lose the range.
    if (!ParseDigits(f[3], 19, capacity) || capacity != to - from + 1) {
      report(line_no, "capacity \"" + std::string(f[3]) + "\" disagrees with the range size " +
                          std::to_string(to - from + 1), /*skipped=*/false);
    }
    accepted.emplace(from, Row{to, line_no, ops.Intern(f[4]), regions.Intern(f[5])});
  }
  if (line_no == 0) return Status::InvalidArgument("empty numbering-plan register");
  if (accepted.empty()) {
    return Status::InvalidArgument("no valid row in the numbering-plan register (" + std::to_string(rejected) +
                                   " rejected)");
  }
  plan.ranges_.reserve(accepted.size());
  for (const auto& [from, row] : accepted) plan.ranges_.push_back({from, row.to, row.op, row.region});
  plan.MarkCodes();
  return plan;
}

void NumberingPlan::MarkCodes() {
  codes_.reset();
  // A range may in principle span codes; mark every code it touches.
  for (const Range& r : ranges_) {
    for (uint64_t c = r.from / kSubscriberDigits; c <= r.to / kSubscriberDigits; ++c) codes_.set(c);
  }
}

NumberingInfo NumberingPlan::Lookup(std::string_view e164) const {
  NumberingInfo info;
  uint64_t national;
  if (e164.size() != 12 || !e164.starts_with("+7") || !ParseDigits(e164.substr(2), 10, national)) return info;
  info.covered = codes_.test(national / kSubscriberDigits);
  if (!info.covered) return info;
  // The last range starting at or before the number is the only candidate.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), national,
                             [](uint64_t n, const Range& r) { return n < r.from; });
  if (it == ranges_.begin() || std::prev(it)->to < national) return info;
  const Range& r = *std::prev(it);
  info.allocated = true;
  info.op = ops_[r.op];
  info.region = regions_[r.region];
  return info;
}

std::string NumberingPlan::Serialize() const {
  std::string out(kMagic);
  out.push_back(static_cast<char>(kVersion));
  PutVarint(out, ops_.size());
  for (const auto& s : ops_) PutString(out, s);
  PutVarint(out, regions_.size());
  for (const auto& s : regions_) PutString(out, s);
  PutVarint(out, ranges_.size());
  uint64_t base = 0;  // previous to + 1
  for (const Range& r : ranges_) {
    PutVarint(out, r.from - base);
    PutVarint(out, r.to - r.from);
    PutVarint(out, r.op);
    PutVarint(out, r.region);
    base = r.to + 1;
  }
  const uint64_t sum = Fnv1a64(out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(sum >> (8 * i)));
  return out;
}

Result<NumberingPlan> NumberingPlan::Deserialize(std::string_view bytes) {
  if (bytes.size() < kMagic.size() + 1 + 8 || !bytes.starts_with(kMagic)) return Damaged("not a serialized plan");
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  uint64_t sum = 0;
  for (int i = 0; i < 8; ++i) sum |= uint64_t{static_cast<unsigned char>(bytes[body.size() + i])} << (8 * i);
  if (sum != Fnv1a64(body)) return Damaged("checksum mismatch");
  if (static_cast<uint8_t>(body[kMagic.size()]) != kVersion) return Damaged("unknown version");

  Reader in(body.substr(kMagic.size() + 1));
  NumberingPlan plan;
  DOPPEL_ASSIGN_OR_RETURN(plan.ops_, ReadStrings(in));
  DOPPEL_ASSIGN_OR_RETURN(plan.regions_, ReadStrings(in));
  const uint64_t n = in.Count(4);
  plan.ranges_.reserve(n);
  uint64_t base = 0;
  for (uint64_t i = 0; i < n && in.ok(); ++i) {
    const uint64_t gap = in.Varint(), width = in.Varint(), op = in.Varint(), region = in.Varint();
    // Checked before adding, so a damaged gap cannot wrap around.
    if (base > kMaxNational || gap > kMaxNational - base || width > kMaxNational - base - gap) {
      return Damaged("range outside 10-digit numbers");
    }
    if (op >= plan.ops_.size() || region >= plan.regions_.size()) return Damaged("name index out of range");
    const uint64_t from = base + gap;
    plan.ranges_.push_back({from, from + width, static_cast<uint32_t>(op), static_cast<uint32_t>(region)});
    base = from + width + 1;
  }
  if (!in.ok()) return Damaged("truncated range table");
  if (!in.empty()) return Damaged("trailing bytes");
  plan.MarkCodes();
  return plan;
}

}  // namespace doppel::core
