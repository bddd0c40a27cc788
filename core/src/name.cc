#include "doppel/core/name.h"

#include <initializer_list>
#include <unordered_map>
#include <vector>

#include "doppel/core/name_data.h"
#include "doppel/core/unicode.h"

namespace doppel::core {

namespace {

struct Token {
  std::string folded;
  std::string key;  // AsciiKeyOfFolded(folded)
  bool initial = false;
  bool mixed = false;  // Cyrillic and ASCII letters both: RepairMixedScript may apply
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Gender of a first name's ASCII key, across scripts: "ivan", "ivan" (Иван),
// "mariia" -> "maria". Diminutives take their full form's gender. A key
// claimed by both genders is kUnknown.
const std::unordered_map<std::string, Gender>& FirstNameKeys() {
  static const auto* map = [] {
    auto* m = new std::unordered_map<std::string, Gender>;
    auto add = [&](std::string_view name, Gender g) {
      std::string key = AsciiKeyOfFolded(name);
      auto [it, inserted] = m->emplace(key, g);
      if (!inserted && it->second != g) it->second = Gender::kUnknown;
    };
    for (const auto& n : RussianFirstNames()) add(n.name, n.gender);
    for (const auto& n : EnglishFirstNames()) add(n.name, n.gender);
    for (const auto& d : Diminutives()) add(d.diminutive, FirstNameGender(d.full));
    return m;
  }();
  return *map;
}

bool IsFirstNameKey(const std::string& key) { return FirstNameKeys().count(key) > 0; }

Gender FirstNameKeyGender(const std::string& key) {
  auto it = FirstNameKeys().find(key);
  return it == FirstNameKeys().end() ? Gender::kUnknown : it->second;
}

bool IsPatronymicKey(std::string_view k) {
  if (k.size() < 4) return false;
  return EndsWith(k, "ovich") || EndsWith(k, "evich") || (k.size() >= 5 && EndsWith(k, "ich")) ||
         EndsWith(k, "ovna") || EndsWith(k, "evna") || EndsWith(k, "ichna") || EndsWith(k, "ogli") ||
         EndsWith(k, "kizi") || EndsWith(k, " uli") || EndsWith(k, "uulu");
}

Gender PatronymicKeyGender(std::string_view k) {
  if (!IsPatronymicKey(k)) return Gender::kUnknown;
  if (EndsWith(k, "na") || EndsWith(k, "kizi")) return Gender::kFemale;
  return Gender::kMale;
}

bool IsTurkicParticle(std::string_view key) {
  return key == "ogli" || key == "kizi" || key == "uli" || key == "uulu" || key == "ogl";
}

// Latin letters that look like Cyrillic ones, and back.
char32_t LatinToCyrillic(char32_t c) {
  switch (c) {
    case 'a': return 0x0430; case 'b': return 0x0432; case 'c': return 0x0441; case 'e': return 0x0435;
    case 'h': return 0x043D; case 'k': return 0x043A; case 'm': return 0x043C; case 'o': return 0x043E;
    case 'p': return 0x0440; case 't': return 0x0442; case 'x': return 0x0445; case 'y': return 0x0443;
    default: return 0;
  }
}
char32_t CyrillicToLatin(char32_t c) {
  switch (c) {
    case 0x0430: return 'a'; case 0x0432: return 'b'; case 0x0441: return 'c'; case 0x0435: return 'e';
    case 0x043D: return 'h'; case 0x043A: return 'k'; case 0x043C: return 'm'; case 0x043E: return 'o';
    case 0x0440: return 'p'; case 0x0442: return 't'; case 0x0445: return 'x'; case 0x0443: return 'y';
    default: return 0;
  }
}

// Repairs a word that mixes scripts through look-alike letters ("Ивaнов"
// with a Latin 'a'). Returns true when it changed the word.
bool RepairMixedScript(std::string& word) {
  int cyr = 0, lat = 0;
  for (size_t i = 0; i < word.size();) {
    char32_t cp = NextCodePoint(word, i);
    if (IsCyrillic(cp)) ++cyr;
    else if (cp < 0x80 && IsLetter(cp)) ++lat;
  }
  if (cyr == 0 || lat == 0) return false;
  bool to_cyrillic = cyr >= lat;
  std::string out;
  for (size_t i = 0; i < word.size();) {
    char32_t cp = NextCodePoint(word, i);
    char32_t mapped = to_cyrillic ? (cp < 0x80 ? LatinToCyrillic(cp) : 0) : (IsCyrillic(cp) ? CyrillicToLatin(cp) : 0);
    if ((to_cyrillic && cp < 0x80 && IsLetter(cp)) || (!to_cyrillic && IsCyrillic(cp))) {
      if (mapped == 0) return false;  // not a look-alike: a real mix, leave it
      cp = mapped;
    }
    AppendUtf8(out, cp);
  }
  word = std::move(out);
  return true;
}

struct Tokenized {
  std::vector<Token> tokens;
  int comma_at = -1;  // index of the first token after a comma ("Smith, John")
  bool digits = false;
  bool letters = false;
  bool repaired = false;
  Script script = Script::kNone;
};

void Tokenize(std::string_view folded, Tokenized* out) {
  out->tokens.reserve(4);
  std::string word;
  size_t word_letters = 0;
  // Letters are copied a run at a time: [run_begin, run_end) of folded, the
  // bytes of the letters met since the word last changed otherwise (valid
  // UTF-8, so the bytes a letter decodes from are the ones it encodes to).
  size_t run_begin = 0, run_end = 0;
  auto commit = [&] {
    word.append(folded.data() + run_begin, run_end - run_begin);
    run_begin = run_end;
  };
  // The word's scripts, for RepairMixedScript; the text's, as DetectScript.
  bool word_cyrillic = false, word_latin = false;
  ScriptTally script;
  auto flush = [&] {
    commit();
    while (!word.empty() && (word.back() == '-' || word.back() == '\'')) word.pop_back();
    if (!word.empty()) {
      Token t;
      t.folded = std::move(word);
      t.initial = word_letters == 1;
      t.mixed = word_cyrillic && word_latin;
      out->tokens.push_back(std::move(t));
    }
    word.clear();
    word_letters = 0;
    word_cyrillic = word_latin = false;
  };
  for (size_t i = 0; i < folded.size();) {
    const size_t at = i;
    char32_t cp = NextCodePoint(folded, i);
    if (IsLetter(cp)) {
      if (run_end != at) {
        commit();
        run_begin = at;
      }
      run_end = i;
      ++word_letters;
      out->letters = true;
      script.Add(cp);
      word_cyrillic |= IsCyrillic(cp);
      word_latin |= cp < 0x80;
      continue;
    }
    commit();
    if (IsAsciiDigit(cp)) {
      out->digits = true;
    } else if ((cp == '-' || cp == 0x2010 || cp == 0x2011 || cp == 0x2013) && word_letters > 0) {
      word.push_back('-');
    } else if ((cp == '\'' || cp == 0x2019 || cp == 0x02BC) && word_letters > 0) {
      word.push_back('\'');
    } else if (cp == '.') {
      flush();
    } else if (cp == ',') {
      flush();
      if (out->comma_at < 0 && !out->tokens.empty()) out->comma_at = static_cast<int>(out->tokens.size());
    } else {
      flush();
    }
  }
  flush();
  // Attach Turkic patronymic particles (оглы, кызы) to the word before them.
  std::vector<Token>& t = out->tokens;
  size_t kept = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].mixed && RepairMixedScript(t[i].folded)) out->repaired = true;
    t[i].key = AsciiKeyOfFolded(t[i].folded);
    if (kept > 0 && !t[kept - 1].initial && IsTurkicParticle(t[i].key)) {
      (t[kept - 1].folded += ' ') += t[i].folded;
      (t[kept - 1].key += ' ') += t[i].key;
      continue;
    }
    if (kept != i) t[kept] = std::move(t[i]);
    ++kept;
  }
  t.resize(kept);
  out->script = script.Result();
}

// Which tokens are which part: each part is a run [begin, end) of tokens.
struct Span {
  int begin = 0, end = 0;
};
struct Assignment {
  Span last, first, middle;
};

// Chooses which token is which by scoring the plausible orders: a known first
// name, a patronymic ending and the script (Cyrillic bases write the surname
// first, Latin ones last) are the evidence; an initial is never a surname.
Assignment Assign(const Tokenized& tz) {
  const auto& t = tz.tokens;
  const int n = static_cast<int>(t.size());
  Assignment a;
  if (n == 0) return a;
  auto known = [&](int i) { return !t[i].initial && IsFirstNameKey(t[i].key) ? 1.0 : 0.0; };
  auto patr = [&](int i) { return !t[i].initial && IsPatronymicKey(t[i].key) ? 1.0 : 0.0; };
  auto initial = [&](int i) { return t[i].initial ? 1.0 : 0.0; };
  const double cyr = tz.script == Script::kCyrillic ? 0.25 : 0.0;
  const double lat = tz.script == Script::kLatin ? 0.25 : 0.0;

  if (tz.comma_at > 0 && tz.comma_at < n) {  // "Last, First Middle"
    a.last = {0, tz.comma_at};
    a.first = {tz.comma_at, tz.comma_at + 1};
    a.middle = {tz.comma_at + 1, n};
    return a;
  }
  if (n == 1) {
    (known(0) || initial(0) ? a.first : a.last) = {0, 1};
    return a;
  }
  if (n == 2) {
    double fi = known(1) + 0.5 * (1 - known(0)) + cyr - 5 * initial(0);   // Фамилия Имя
    double if_ = known(0) + 0.5 * (1 - known(1)) + lat - 5 * initial(1);  // Имя Фамилия
    double io = 2 * patr(1) + known(0) - 5 * initial(0) - 1;              // Имя Отчество
    if (io > fi && io > if_) {
      a.first = {0, 1};
      a.middle = {1, 2};
    } else if (fi >= if_) {
      a.last = {0, 1};
      a.first = {1, 2};
    } else {
      a.first = {0, 1};
      a.last = {1, 2};
    }
    return a;
  }
  // Three or more: surname first (ФИО) or last (ИОФ, First Middle Last).
  double fio = 2 * patr(n - 1) + known(1) + 0.5 * (1 - known(0)) + cyr - 5 * initial(0);
  double iof = 2 * patr(1) + known(0) + 0.5 * (1 - known(n - 1)) + lat - 5 * initial(n - 1);
  if (fio >= iof) {
    a.last = {0, 1};
    a.first = {1, 2};
    a.middle = {2, n};
  } else {
    a.first = {0, 1};
    a.middle = {1, n - 1};
    a.last = {n - 1, n};
  }
  return a;
}

Gender SurnameGender(std::string_view folded) {
  // Cyrillic endings only: Latin ones (-in, -ov) are too common in other languages.
  static constexpr std::string_view kFemale[] = {"ова", "ева", "ина", "ына", "ская", "цкая", "ая", "яя"};
  static constexpr std::string_view kMale[] = {"ов", "ев", "ин", "ын", "ский", "цкий", "ой", "ый", "ий"};
  for (auto s : kFemale) if (EndsWith(folded, s)) return Gender::kFemale;
  for (auto s : kMale) if (EndsWith(folded, s)) return Gender::kMale;
  return Gender::kUnknown;
}

// Appends `part` to `out`, a space between non-empty parts.
void AppendJoined(std::string& out, std::string_view part) {
  if (part.empty()) return;
  if (!out.empty()) out += ' ';
  out += part;
}

std::string Join(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (std::string_view p : parts) size += p.size() + 1;
  std::string out;
  out.reserve(size);
  for (std::string_view p : parts) AppendJoined(out, p);
  return out;
}

}  // namespace

std::string_view GenderCode(Gender g) {
  switch (g) {
    case Gender::kMale: return "m";
    case Gender::kFemale: return "f";
    default: return "";
  }
}

bool LooksLikePatronymic(std::string_view folded) { return IsPatronymicKey(AsciiKeyOfFolded(folded)); }

Gender PatronymicGender(std::string_view folded) { return PatronymicKeyGender(AsciiKeyOfFolded(folded)); }

NameResult NormalizeName(const NameInput& input) {
  NameResult r;
  std::string_view full = Trim(input.full), last = Trim(input.last), first = Trim(input.first),
                   middle = Trim(input.middle);
  if (full.empty() && last.empty() && first.empty() && middle.empty()) {
    r.verdict = Verdict::Empty();
    return r;
  }

  // Each source yields tokens; parts given as columns win.
  struct Piece {
    std::string folded, key;
    bool initial = false;
  };
  Piece p_last, p_first, p_middle;
  bool digits = false, letters = false, repaired = false, placeholder = true;
  size_t total_tokens = 0;

  auto take = [&](std::string_view text, auto&& assign) {
    if (text.empty()) return;
    std::string folded = Fold(text);
    placeholder = placeholder && IsPlaceholderText(folded);
    Tokenized tz;
    Tokenize(folded, &tz);
    digits |= tz.digits;
    letters |= tz.letters;
    repaired |= tz.repaired;
    total_tokens += tz.tokens.size();
    assign(tz);
  };
  auto piece_of = [](const Tokenized& tz, Span span) {
    Piece p;
    for (int i = span.begin; i < span.end; ++i) {
      AppendJoined(p.folded, tz.tokens[i].folded);
      AppendJoined(p.key, tz.tokens[i].key);
    }
    p.initial = span.end - span.begin == 1 && tz.tokens[span.begin].initial;
    return p;
  };

  take(full, [&](const Tokenized& tz) {
    Assignment a = Assign(tz);
    p_last = piece_of(tz, a.last);
    p_first = piece_of(tz, a.first);
    p_middle = piece_of(tz, a.middle);
  });
  auto whole = [&](Piece* target) {
    return [&, target](const Tokenized& tz) {
      if (tz.tokens.empty()) return;
      *target = piece_of(tz, {0, static_cast<int>(tz.tokens.size())});
    };
  };
  take(last, whole(&p_last));
  take(first, whole(&p_first));
  take(middle, whole(&p_middle));

  if (!letters) {
    r.verdict = Verdict::Invalid(placeholder ? Reason::kPlaceholder : Reason::kNameNoLetters);
    return r;
  }
  // The name as assembled may be a placeholder even when no source text was
  // one ("x 0" leaves "x"): judged again, so that normalizing the parts it
  // returns gives the same verdict (found by tests/fuzz/name_fuzz.cc).
  if (placeholder || IsPlaceholderText(Join({p_last.folded, p_first.folded, p_middle.folded}))) {
    r.verdict = Verdict::Invalid(Reason::kPlaceholder);
    return r;
  }

  r.last = TitleCase(p_last.folded);
  r.first = TitleCase(p_first.folded);
  r.middle = TitleCase(p_middle.folded);
  r.first_is_initial = p_first.initial;
  r.middle_is_initial = p_middle.initial;
  r.last_key = std::move(p_last.key);
  r.first_key = std::move(p_first.key);
  r.middle_key = std::move(p_middle.key);
  r.normalized = Join({p_last.folded, p_first.folded, p_middle.folded});

  r.gender = p_middle.initial ? Gender::kUnknown : PatronymicKeyGender(r.middle_key);
  if (r.gender == Gender::kUnknown && !p_first.initial) r.gender = FirstNameKeyGender(r.first_key);
  if (r.gender == Gender::kUnknown) r.gender = SurnameGender(p_last.folded);

  if (r.normalized.size() > 120 || total_tokens > 8) r.verdict = Verdict::Invalid(Reason::kNameTooLong);
  else if (digits) r.verdict = Verdict::Warn(Reason::kNameHasDigits);
  else if (repaired) r.verdict = Verdict::Warn(Reason::kNameMixedScript);
  else r.verdict = Verdict::Valid();
  return r;
}

}  // namespace doppel::core
