#include "doppel/core/unicode.h"

#include <utf8proc.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "doppel/kernels/backend.h"
#include "doppel/kernels/hash.h"

namespace doppel::core {

char32_t NextCodePointSlow(std::string_view s, size_t& i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  unsigned char c = p[i];
  if (c < 0x80) { ++i; return c; }
  int len;
  char32_t cp;
  if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
  else { ++i; return 0xFFFD; }
  if (i + len > n) { ++i; return 0xFFFD; }
  for (int k = 1; k < len; ++k) {
    unsigned char cc = p[i + k];
    if ((cc & 0xC0) != 0x80) { ++i; return 0xFFFD; }
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { ++i; return 0xFFFD; }
  i += len;
  return cp;
}

void AppendUtf8Slow(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

// Validates one sequence at p[i]; returns its length, 0 when invalid, -1 when
// truncated by the end of the buffer.
int SequenceLength(const unsigned char* p, size_t i, size_t n) {
  unsigned char c = p[i];
  if (c < 0x80) return 1;
  int len;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) len = 3;
  else if (c >= 0xF0 && c <= 0xF4) len = 4;
  else return 0;
  for (int k = 1; k < len; ++k) {
    if (i + k >= n) return -1;
    if ((p[i + k] & 0xC0) != 0x80) return 0;
  }
  if (len == 3) {
    if (c == 0xE0 && p[i + 1] < 0xA0) return 0;  // overlong
    if (c == 0xED && p[i + 1] >= 0xA0) return 0;  // surrogate
  } else if (len == 4) {
    if (c == 0xF0 && p[i + 1] < 0x90) return 0;  // overlong
    if (c == 0xF4 && p[i + 1] >= 0x90) return 0;  // > U+10FFFF
  }
  return len;
}

// How many of the eight bytes of w (the first at the start of a sequence)
// are ASCII and whole, valid two-byte sequences (C2-DF, then 80-BF): 8, or
// 7 when the last byte leads a sequence that the next word finishes, or 0
// when the word holds anything else. Bit tricks on the whole word: bit 7 of
// each byte of `high`, `six` and `five` is bit 7, 6 or 5 of that byte.
constexpr size_t AsciiAndTwoByteSequences(uint64_t w) {
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t high = w & kHigh, six = (w << 1) & kHigh, five = (w << 2) & kHigh;
  const uint64_t continuation = high & ~six;    // 10xxxxxx
  const uint64_t lead = high & six & ~five;     // 110xxxxx
  const uint64_t longer = high & six & five;    // 111xxxxx: a longer sequence
  // C0 and C1 (overlong): a lead byte whose bits 1-4 are all zero.
  const uint64_t payload = ((w & 0x1E1E1E1E1E1E1E1EULL) + 0x7E7E7E7E7E7E7E7EULL) & kHigh;
  // Every continuation led, and every lead but the last byte's followed.
  if (longer != 0 || (lead & ~payload) != 0 || continuation != (lead << 8)) return 0;
  return (lead >> 56) == 0 ? 8 : 7;
}
static_assert(AsciiAndTwoByteSequences(0x4141414141414141ULL) == 8);  // "AAAAAAAA"
static_assert(AsciiAndTwoByteSequences(0xB2D0B8D098D04141ULL) == 8);  // "AAИив" in memory order
static_assert(AsciiAndTwoByteSequences(0x41414141414141B8ULL) == 0);  // a continuation first
static_assert(AsciiAndTwoByteSequences(0x41414141414141D0ULL) == 0);  // a lead, then ASCII
static_assert(AsciiAndTwoByteSequences(0xD041414141414141ULL) == 7);  // a lead last
static_assert(AsciiAndTwoByteSequences(0x4141414141AFC041ULL) == 0);  // C0 AF, overlong

size_t ScanUtf8(std::string_view s, bool* truncated) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  *truncated = false;
  while (i < n) {
    // ASCII fast path, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    // Eight bytes of ASCII and whole two-byte sequences (Cyrillic, Latin
    // with accents) at a time, until a word holds anything else.
    while (std::endian::native == std::endian::little && i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      const size_t whole = AsciiAndTwoByteSequences(w);
      if (whole == 0) break;
      i += whole;
    }
    if (i >= n) break;
    int len = SequenceLength(p, i, n);
    if (len == 0) return i;
    if (len < 0) { *truncated = true; return i; }
    i += len;
  }
  return n;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  bool truncated;
  return ScanUtf8(s, &truncated) == s.size();
}

size_t ValidUtf8Prefix(std::string_view s) {
  bool truncated;
  return ScanUtf8(s, &truncated);
}

bool IsLetterSlow(char32_t cp) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

Script DetectScript(std::string_view s) {
  ScriptTally tally;
  for (size_t i = 0; i < s.size();) {
    const char32_t cp = NextCodePoint(s, i);
    if (IsLetter(cp)) tally.Add(cp);
  }
  return tally.Result();
}

Script ScriptTally::Result() const {
  const int kinds = latin + cyrillic + other;
  if (kinds == 0) return Script::kNone;
  if (kinds > 1) return Script::kMixed;
  return latin ? Script::kLatin : cyrillic ? Script::kCyrillic : Script::kOther;
}

std::string Fold(std::string_view s) {
  // The common case, ASCII and basic Cyrillic, by the fold kernel
  // (kernels/fold.h); the rest through utf8proc.
  std::string out(s.size(), '\0');
  const uint64_t offsets[2] = {0, s.size()};
  uint8_t basic = 0;
  kernels::ActiveKernels().fold_basic(s.data(), offsets, 1, out.data(), &basic);
  if (basic) return out;
  utf8proc_uint8_t* mapped = nullptr;
  auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                                UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &mapped, options);
  if (n < 0) {
    // Not valid UTF-8: each bad sequence becomes U+FFFD, and the repaired
    // text is folded like any other, so that folding what Fold returned
    // changes nothing (found by tests/fuzz/name_fuzz.cc).
    std::string repaired;
    for (size_t i = 0; i < s.size();) AppendUtf8(repaired, NextCodePoint(s, i));
    if (IsValidUtf8(repaired) && repaired != s) return Fold(repaired);
    out.clear();
    for (size_t i = 0; i < repaired.size();) {
      char32_t cp = NextCodePoint(repaired, i);
      AppendUtf8(out, cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    }
    return out;
  }
  std::string folded(reinterpret_cast<char*>(mapped), static_cast<size_t>(n));
  std::free(mapped);
  // ё -> е; casefolding already lowered Ё.
  out.clear();
  out.reserve(folded.size());
  for (size_t i = 0; i < folded.size();) {
    char32_t cp = NextCodePoint(folded, i);
    AppendUtf8(out, cp == 0x0451 ? 0x0435 : cp);
  }
  return out;
}

std::string TitleCase(std::string_view folded) {
  // The text as it stands, with the first letter of each word raised in
  // place; only a letter whose capital has another length (rare outside
  // ASCII and Cyrillic) rebuilds the rest of the text.
  std::string out(folded);
  bool start = true;
  for (size_t i = 0; i < out.size();) {
    const size_t at = i;
    char32_t cp = NextCodePoint(out, i);
    if (cp == 0xFFFD && i - at != 3) {  // a broken byte reads as U+FFFD, and is written so
      out.replace(at, i - at, "\xEF\xBF\xBD");
      i = at + 3;
    }
    if (!IsLetter(cp)) {
      // An apostrophe inside a word (O'Brien) does not start a new word.
      start = !(cp == '\'' || cp == 0x2019);
      continue;
    }
    if (!start) continue;
    start = false;
    if (cp >= 'a' && cp <= 'z') {
      out[at] = static_cast<char>(cp - 32);
      continue;
    }
    char32_t upper;
    if (cp >= 0x0430 && cp <= 0x044F) upper = cp - 0x20;
    else if (cp >= 0x0450 && cp <= 0x045F) upper = cp - 0x50;
    else upper = static_cast<char32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(cp)));
    if (upper == cp) continue;
    std::string bytes;
    AppendUtf8(bytes, upper);
    out.replace(at, i - at, bytes);
    i = at + bytes.size();
  }
  return out;
}

namespace {

// GOST-like transliteration of the lower-case Cyrillic block U+0430..U+045F.
constexpr const char* kCyrillic[48] = {
    "a", "b",  "v",  "g",  "d",    "e", "zh", "z",  "i",  "y", "k",  "l",  "m", "n",  "o",  "p",   // а-п
    "r", "s",  "t",  "u",  "f",    "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",  // р-я
    "e", "e",  "dj", "g",  "ye",   "dz", "i",  "yi", "j",  "lj", "nj", "c",  "k", "i",  "u",  "dz",  // ѐ-џ
};

}  // namespace

bool TransliterateCodePoint(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
    return true;
  }
  if (cp >= 0x0430 && cp <= 0x045F) {
    out += kCyrillic[cp - 0x0430];
    return true;
  }
  if (cp >= 0x0410 && cp <= 0x042F) {
    out += kCyrillic[cp - 0x0410];
    return true;
  }
  switch (cp) {
    case 0x0491: out += "g"; return true;   // ґ
    case 0x04D9: out += "a"; return true;   // ә
    case 0x04E9: out += "o"; return true;   // ө
    case 0x04AF: case 0x04B1: out += "u"; return true;  // ү ұ
    case 0x049B: out += "k"; return true;   // қ
    case 0x0493: out += "g"; return true;   // ғ
    case 0x04A3: out += "n"; return true;   // ң
    case 0x04BB: out += "h"; return true;   // һ
    case 0x00DF: out += "ss"; return true;  // ß
    case 0x00E6: out += "ae"; return true;  // æ
    case 0x0153: out += "oe"; return true;  // œ
    case 0x00F8: out += "o"; return true;   // ø
    case 0x0142: out += "l"; return true;   // ł
    case 0x0111: out += "d"; return true;   // đ
    case 0x0131: out += "i"; return true;   // ı (Turkish dotless i; its capital is I, found by name_fuzz)
    case 0x00F0: out += "d"; return true;   // ð
    case 0x00FE: out += "th"; return true;  // þ
    case 0x0127: out += "h"; return true;   // ħ
    case 0x2019: case 0x02BC: case 0x0060: case 0x00B4: return true;  // apostrophes
    default: break;
  }
  // Latin with diacritics: decompose and keep the ASCII base letter.
  utf8proc_int32_t buf[8];
  int last_boundclass = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(
      static_cast<utf8proc_int32_t>(cp), buf, 8,
      static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD),
      &last_boundclass);
  if (n > 0 && n <= 8) {
    bool ascii = true;
    for (utf8proc_ssize_t k = 0; k < n; ++k) ascii = ascii && buf[k] < 0x80;
    if (ascii) {
      for (utf8proc_ssize_t k = 0; k < n; ++k) out.push_back(static_cast<char>(buf[k]));
      return true;
    }
  }
  return false;
}

namespace {

// Replaces every `from` in w, left to right; true if there was one.
bool ReplaceAll(std::string& w, std::string_view from, std::string_view to) {
  size_t pos = w.find(from);
  if (pos == std::string::npos) return false;
  for (; pos != std::string::npos; pos = w.find(from, pos)) {
    w.replace(pos, from.size(), to);
    pos += to.size();
  }
  return true;
}

// The letters a-z that occur in s, one bit each.
constexpr uint32_t LetterSet(std::string_view s) {
  uint32_t set = 0;
  for (char c : s) {
    if (c >= 'a' && c <= 'z') set |= 1u << (c - 'a');
  }
  return set;
}

// Spelling variants of transliterated Russian, replaced in this order.
struct Respelling {
  std::string_view from, to;
  uint32_t letters;  // LetterSet(from)
};
constexpr Respelling R(std::string_view from, std::string_view to) { return {from, to, LetterSet(from)}; }
constexpr Respelling kRespellings[] = {R("x", "ks"),     R("tch", "ch"), R("ph", "f"), R("ck", "k"),
                                       R("shch", "sch"), R("kh", "h"),   R("tz", "ts")};

}  // namespace

void FoldKeyWord(std::string& w) {
  if (w.empty()) return;
  // A respelling whose letters are not all in the word cannot apply: most
  // words skip most searches.
  uint32_t letters = LetterSet(w);
  for (const Respelling& r : kRespellings) {
    if ((r.letters & ~letters) != 0) continue;
    if (ReplaceAll(w, r.from, r.to)) letters = LetterSet(w);
  }
  for (size_t i = 0; i < w.size(); ++i) {
    char& c = w[i];
    if (c == 'c' && (i + 1 == w.size() || w[i + 1] != 'h')) c = 'k';  // Victoria ~ Viktoria
    else if (c == 'w') c = 'v';
    else if (c == 'j' || c == 'y') c = 'i';
  }
  // Collapse runs of i, in place (the kept prefix never passes the reader).
  size_t kept = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 'i' && kept > 0 && w[kept - 1] == 'i') continue;
    w[kept++] = w[i];
  }
  w.resize(kept);
  if (w.size() > 2 && w[0] == 'i' && w[1] == 'e') w.erase(0, 1);
  if (w.size() > 4) {
    std::string_view tail(w.data() + w.size() - 3, 3);
    if (tail == "off" || tail == "eff") w.pop_back(), w.back() = 'v';
  }
}

std::string AsciiKey(std::string_view s) { return AsciiKeyOfFolded(Fold(s)); }

namespace {

// Whether the code point at folded[i] (advancing i) belongs to a key word:
// letters, digits, apostrophes and combining marks do; anything else ends
// the word.
bool InKeyWord(std::string_view folded, size_t& i) {
  // The common bytes first: ASCII, and two-byte Cyrillic letters (D0 or D1
  // and a continuation: U+0400-U+047F, letters all).
  const auto c = static_cast<unsigned char>(folded[i]);
  if (c < 0x80) {
    ++i;
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'';
  }
  if ((c == 0xD0 || c == 0xD1) && i + 1 < folded.size() && (static_cast<unsigned char>(folded[i + 1]) & 0xC0) == 0x80) {
    i += 2;
    return true;
  }
  const char32_t cp = NextCodePoint(folded, i);
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || IsAsciiDigit(cp) || cp == '\'';
  if (IsLetter(cp) || cp == 0x2019 || cp == 0x02BC) return true;
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC || cat == UTF8PROC_CATEGORY_ND;
}

// The key of one word (a run of code points InKeyWord accepts), appended to
// `out`: transliterated, then the spelling variants folded.
void KeyWord(std::string_view run, std::string& out) {
  std::string word;
  for (size_t i = 0; i < run.size();) {
    const char32_t cp = NextCodePoint(run, i);
    if (cp < 0x80) {
      if (cp != '\'') word.push_back(static_cast<char>(cp));  // O'Brien -> obrien
      continue;
    }
    if (!IsLetter(cp) && cp != 0x2019 && cp != 0x02BC) {
      // Marks (combining accents left after NFKC) vanish; digits stay.
      auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
      if (cat == UTF8PROC_CATEGORY_ND) AppendUtf8(word, cp);
      continue;
    }
    if (!TransliterateCodePoint(cp, word)) AppendUtf8(word, cp);
  }
  FoldKeyWord(word);
  out += word;
}

// Words repeat across a base (names, streets, cities): each thread keeps the
// keys of the words it met last, in a direct-mapped table, so most words are
// a hash and a compare instead of a transliteration. Bounded: a fixed number
// of slots, and words or keys too long for a slot are keyed every time.
class WordKeyCache {
 public:
  static constexpr size_t kWordBytes = 30, kKeyBytes = 31;
  // Appends run's key to out (nothing for a run that keys to nothing).
  void Append(std::string_view run, std::string& out) {
    // A number keys to itself (no respelling touches digits). Numbers are
    // most of an address's words (postcode, house, flat), and a table slot
    // spent on a random postcode would only evict a street's or a name's key.
    if (std::all_of(run.begin(), run.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      out.append(run);
      return;
    }
    if (run.size() > kWordBytes) {
      KeyWord(run, out);
      return;
    }
    const uint64_t h = kernels::HashString(run, 0x57);
    Slot& s = slots_[h & (kSlots - 1)];
    if (s.hash == h && s.word_len == run.size() && std::memcmp(s.word, run.data(), run.size()) == 0) {
      out.append(s.key, s.key_len);
      return;
    }
    const size_t from = out.size();
    KeyWord(run, out);
    const size_t key_len = out.size() - from;
    if (key_len > kKeyBytes) return;
    s.hash = h;
    s.word_len = static_cast<uint8_t>(run.size());
    std::memcpy(s.word, run.data(), run.size());
    s.key_len = static_cast<uint8_t>(key_len);
    std::memcpy(s.key, out.data() + from, key_len);
  }

 private:
  static constexpr size_t kSlots = 8192;
  struct Slot {
    uint64_t hash = 0;
    uint8_t word_len = 0xFF;  // no word: never matches
    uint8_t key_len = 0;
    char word[kWordBytes];
    char key[kKeyBytes];
  };
  std::vector<Slot> slots_ = std::vector<Slot>(kSlots);
};

template <typename KeyOf>
std::string KeyOfWords(std::string_view folded, KeyOf&& key_of) {
  std::string key;
  key.reserve(folded.size());
  for (size_t i = 0; i < folded.size();) {
    // The next run of word code points, keyed as a whole.
    size_t start = i, end = i;
    for (size_t j = i; j < folded.size();) {
      if (!InKeyWord(folded, j)) {
        i = j;
        break;
      }
      end = i = j;
    }
    if (end == start) continue;  // a separator
    const size_t mark = key.size();
    if (mark != 0) key.push_back(' ');
    const size_t word_at = key.size();
    key_of(folded.substr(start, end - start), key);
    if (key.size() == word_at) key.resize(mark);  // keyed to nothing: no separator either
  }
  return key;
}

}  // namespace

std::string AsciiKeyOfFolded(std::string_view folded) {
  thread_local WordKeyCache cache;
  return KeyOfWords(folded, [](std::string_view run, std::string& out) { cache.Append(run, out); });
}

std::string AsciiKeyOfFoldedUncached(std::string_view folded) { return KeyOfWords(folded, KeyWord); }

std::vector<std::string_view> SplitWords(std::string_view s) {
  std::vector<std::string_view> words;
  ForEachWord(s, [&](std::string_view w) { words.push_back(w); });
  return words;
}

std::string_view Trim(std::string_view s) {
  auto is_space_at_front = [&](size_t& len) {
    if (s.empty()) return false;
    unsigned char c = static_cast<unsigned char>(s.front());
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') { len = 1; return true; }
    if (s.size() >= 2 && c == 0xC2 && static_cast<unsigned char>(s[1]) == 0xA0) { len = 2; return true; }
    return false;
  };
  auto is_space_at_back = [&](size_t& len) {
    if (s.empty()) return false;
    unsigned char c = static_cast<unsigned char>(s.back());
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') { len = 1; return true; }
    if (s.size() >= 2 && c == 0xA0 && static_cast<unsigned char>(s[s.size() - 2]) == 0xC2) { len = 2; return true; }
    return false;
  };
  size_t len;
  while (is_space_at_front(len)) s.remove_prefix(len);
  while (is_space_at_back(len)) s.remove_suffix(len);
  return s;
}

}  // namespace doppel::core
