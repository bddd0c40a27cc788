// The generator's reference lists: the small built-in ones, and the loaders
// for the large ones in a ../shared/data-style directory (see its README).
#include "doppel/core/generator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "doppel/core/byte_source.h"
#include "doppel/core/name_data.h"
#include "doppel/core/reader.h"
#include "doppel/core/record_batch.h"
#include "doppel/core/unicode.h"
#include "generator_internal.h"

namespace doppel::core {

using generator_internal::AppendInt;
using generator_internal::Decode;
using generator_internal::DerivePatronymic;
using generator_internal::Encode;
using generator_internal::ToLowerCp;

// ---------------------------------------------------------------------------
// Built-in reference data.

namespace {

// Landline area codes of big Russian cities (the full code, so that code plus
// subscriber number is 10 digits).
struct CityCode {
  std::string_view city, code;
};
constexpr CityCode kRuCityCodes[] = {
    {"Москва", "495"}, {"Санкт-Петербург", "812"}, {"Новосибирск", "383"}, {"Екатеринбург", "343"},
    {"Нижний Новгород", "831"}, {"Казань", "843"}, {"Самара", "846"}, {"Омск", "3812"},
    {"Челябинск", "351"}, {"Ростов-на-Дону", "863"}, {"Уфа", "347"}, {"Волгоград", "8442"},
    {"Пермь", "342"}, {"Красноярск", "391"}, {"Воронеж", "473"}, {"Саратов", "8452"},
    {"Краснодар", "861"}, {"Тольятти", "8482"}, {"Барнаул", "3852"}, {"Ижевск", "3412"},
    {"Ульяновск", "8422"}, {"Владивосток", "423"}, {"Ярославль", "4852"}, {"Иркутск", "3952"},
    {"Тюмень", "3452"}, {"Махачкала", "8722"}, {"Хабаровск", "4212"}, {"Оренбург", "3532"},
    {"Новокузнецк", "3843"}, {"Кемерово", "3842"}, {"Рязань", "4912"}, {"Томск", "3822"},
    {"Астрахань", "8512"}, {"Пенза", "8412"}, {"Набережные Челны", "8552"}, {"Липецк", "4742"},
    {"Тула", "4872"}, {"Киров", "8332"}, {"Чебоксары", "8352"}, {"Улан-Удэ", "3012"},
    {"Калининград", "4012"}, {"Брянск", "4832"}, {"Курск", "4712"}, {"Иваново", "4932"},
    {"Магнитогорск", "3519"}, {"Тверь", "4822"}, {"Ставрополь", "8652"}, {"Севастополь", "8692"},
    {"Нижний Тагил", "3435"}, {"Белгород", "4722"}, {"Архангельск", "8182"}, {"Владимир", "4922"},
    {"Сочи", "862"}, {"Курган", "3522"}, {"Симферополь", "3652"}, {"Смоленск", "4812"},
    {"Калуга", "4842"}, {"Чита", "3022"}, {"Саранск", "8342"}, {"Орёл", "4862"},
    {"Волжский", "8443"}, {"Череповец", "8202"}, {"Владикавказ", "8672"}, {"Мурманск", "8152"},
    {"Сургут", "3462"}, {"Вологда", "8172"}, {"Тамбов", "4752"}, {"Стерлитамак", "3473"},
    {"Грозный", "8712"}, {"Якутск", "4112"}, {"Кострома", "4942"}, {"Петрозаводск", "8142"},
    {"Таганрог", "8634"}, {"Нижневартовск", "3466"}, {"Йошкар-Ола", "8362"}, {"Новороссийск", "8617"},
    {"Сыктывкар", "8212"}, {"Нальчик", "8662"}, {"Шахты", "8636"}, {"Нижнекамск", "8555"},
    {"Великий Новгород", "8162"}, {"Псков", "8112"}, {"Благовещенск", "4162"}, {"Южно-Сахалинск", "4242"},
    {"Петропавловск-Камчатский", "4152"}, {"Майкоп", "8772"}, {"Абакан", "3902"}, {"Магадан", "4132"},
    {"Ханты-Мансийск", "3467"}, {"Черкесск", "8782"}, {"Назрань", "8732"}, {"Элиста", "84722"},
    {"Кызыл", "39422"}, {"Горно-Алтайск", "38822"}, {"Биробиджан", "42622"}, {"Анадырь", "42722"},
    {"Нарьян-Мар", "81853"}, {"Салехард", "34922"},
};

// Three-digit zone of regions whose towns are not in the table above, and of
// whole federal districts as the last resort.
constexpr CityCode kRuRegionZones[] = {
    {"Московская", "496"}, {"Ленинградская", "813"}, {"Крым", "365"},
};
constexpr CityCode kRuDistrictZones[] = {
    {"Центральный", "484"}, {"Северо-Западный", "817"}, {"Южный", "861"}, {"Северо-Кавказский", "879"},
    {"Приволжский", "843"}, {"Уральский", "345"}, {"Сибирский", "383"}, {"Дальневосточный", "421"},
};

struct BuiltinCity {
  std::string_view name, region, postcode_prefix, phone_code;
  double weight;  // population, thousands
};

constexpr BuiltinCity kRuCities[] = {
    {"Москва", "", "10", "495", 12600},
    {"Санкт-Петербург", "", "19", "812", 5600},
    {"Новосибирск", "Новосибирская обл.", "630", "383", 1630},
    {"Екатеринбург", "Свердловская обл.", "620", "343", 1540},
    {"Казань", "Респ. Татарстан", "420", "843", 1310},
    {"Нижний Новгород", "Нижегородская обл.", "603", "831", 1230},
    {"Челябинск", "Челябинская обл.", "454", "351", 1190},
    {"Самара", "Самарская обл.", "443", "846", 1160},
    {"Омск", "Омская обл.", "644", "3812", 1120},
    {"Ростов-на-Дону", "Ростовская обл.", "344", "863", 1140},
    {"Уфа", "Респ. Башкортостан", "450", "347", 1130},
    {"Красноярск", "Красноярский край", "660", "391", 1190},
    {"Воронеж", "Воронежская обл.", "394", "473", 1050},
    {"Пермь", "Пермский край", "614", "342", 1030},
    {"Волгоград", "Волгоградская обл.", "400", "8442", 1000},
    {"Краснодар", "Краснодарский край", "350", "861", 1100},
    {"Саратов", "Саратовская обл.", "410", "8452", 900},
    {"Тюмень", "Тюменская обл.", "625", "3452", 850},
    {"Тольятти", "Самарская обл.", "445", "8482", 690},
    {"Ижевск", "Удмуртская Респ.", "426", "3412", 640},
};

constexpr std::string_view kRuSurnames[] = {
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
    "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
    "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
    "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
    "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков",
    "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов",
    "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров",
    "Матвеев", "Титов", "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников",
    "Толстой", "Белый", "Высоцкий", "Вишневский", "Чайковский", "Черных", "Шевченко", "Бондаренко",
    "Ткаченко", "Седых", "Долгих", "Крайний",
};

constexpr std::string_view kRuStreets[] = {
    "улица Ленина", "Советская улица", "Центральная улица", "Молодёжная улица", "Школьная улица",
    "Садовая улица", "Лесная улица", "Набережная улица", "улица Мира", "Новая улица",
    "Заречная улица", "Зелёная улица", "Полевая улица", "улица Гагарина", "улица Пушкина",
    "Первомайская улица", "Комсомольская улица", "улица Кирова", "Октябрьская улица",
    "Пролетарская улица", "улица Чапаева", "Строительная улица", "улица Победы", "Рабочая улица",
    "Луговая улица", "улица Калинина", "улица Чкалова", "улица Королёва", "Ленинский проспект",
    "проспект Мира", "Невский проспект", "Кутузовский проспект", "Садовый переулок",
    "Почтовый переулок", "Заводской проезд", "Московское шоссе", "Тверской бульвар",
    "площадь Революции", "Школьный переулок", "Речная набережная", "микрорайон Северный",
};

// A few DEF codes of each big operator; the real register has 16,000 ranges.
constexpr std::string_view kRuDefCodes[] = {
    "900", "901", "902", "903", "904", "905", "906", "908", "909", "910", "911", "912", "913",
    "914", "915", "916", "917", "918", "919", "920", "921", "922", "923", "924", "925", "926",
    "927", "928", "929", "930", "931", "950", "951", "952", "953", "960", "961", "962", "963",
    "964", "965", "966", "967", "977", "978", "980", "981", "982", "983", "984", "985", "987",
    "988", "989", "991", "995", "996", "999",
};

constexpr std::string_view kRuEmailDomains[] = {
    "mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "ya.ru",
};
constexpr std::string_view kEnEmailDomains[] = {
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "aol.com", "icloud.com",
};

constexpr std::string_view kEnSurnames[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen",
    "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
    "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards",
    "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez",
    "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim",
    "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray",
    "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long",
    "Ross", "Foster", "Jimenez", "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell",
    "Coleman", "Butler", "Henderson", "Barnes", "Gonzales", "Fisher", "Vasquez", "Simmons", "Romero",
    "Jordan", "Patterson", "Alexander", "Hamilton", "Graham", "Reynolds", "Griffin", "Wallace",
    "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson", "Ellis", "Tran", "Medina",
    "Aguilar", "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens", "Harrison", "Fernandez",
    "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen", "Freeman",
    "Webb", "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter", "Gordon",
    "Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Munoz", "Hunt", "Hicks", "Holmes",
    "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone", "Salazar", "Fox", "Warren",
    "Mills", "Meyer", "Rice", "Schmidt", "Garza", "Daniels", "Ferguson", "Nichols", "Stephens",
    "Soto", "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "Kelley", "Spencer", "Hawkins",
    "Arnold", "Pierce", "Hansen", "Peters", "Santos", "Hart", "Bradley", "Knight", "Elliott",
    "Cunningham", "Duncan", "Armstrong", "Hudson", "Carroll", "Lane", "Riley", "Andrews", "O'Brien",
};

constexpr std::string_view kEnStreets[] = {
    "Main Street", "Oak Street", "Pine Street", "Maple Avenue", "Cedar Lane", "Elm Street",
    "Washington Avenue", "Lake Drive", "Hill Road", "Park Avenue", "Walnut Street", "Sunset Boulevard",
    "Lincoln Avenue", "Jackson Street", "Church Street", "River Road", "Highland Avenue",
    "Center Street", "Chestnut Street", "Spring Street", "Willow Lane", "Meadow Lane", "Forest Drive",
    "Madison Avenue", "Jefferson Street", "Franklin Street", "Adams Street", "Ridge Road",
    "Valley Road", "Cherry Lane", "Birch Court", "Dogwood Drive", "Mill Road", "School Street",
    "North Street", "Broadway", "Market Street", "Union Street", "Prospect Avenue", "Hickory Lane",
    "Lakeview Terrace", "Sycamore Place", "Magnolia Circle", "Harbor Way", "Ocean Parkway",
};

constexpr BuiltinCity kEnCities[] = {
    {"New York", "NY", "100", "212", 8300}, {"Los Angeles", "CA", "900", "213", 3900},
    {"Chicago", "IL", "606", "312", 2700},  {"Houston", "TX", "770", "713", 2300},
    {"Phoenix", "AZ", "850", "602", 1600},  {"Philadelphia", "PA", "191", "215", 1600},
    {"San Antonio", "TX", "782", "210", 1500}, {"San Diego", "CA", "921", "619", 1400},
    {"Dallas", "TX", "752", "214", 1300},   {"San Jose", "CA", "951", "408", 1000},
    {"Austin", "TX", "787", "512", 960},    {"Jacksonville", "FL", "322", "904", 950},
    {"Columbus", "OH", "432", "614", 900},  {"Charlotte", "NC", "282", "704", 870},
    {"San Francisco", "CA", "941", "415", 870}, {"Indianapolis", "IN", "462", "317", 880},
    {"Seattle", "WA", "981", "206", 740},   {"Denver", "CO", "802", "303", 710},
    {"Boston", "MA", "021", "617", 690},    {"Nashville", "TN", "372", "615", 690},
    {"Detroit", "MI", "482", "313", 670},   {"Portland", "OR", "972", "503", 650},
    {"Las Vegas", "NV", "891", "702", 640}, {"Atlanta", "GA", "303", "404", 500},
    {"Miami", "FL", "331", "305", 450},     {"Minneapolis", "MN", "554", "612", 430},
};

bool IsRuVowel(char32_t c) {
  return std::u32string_view(U"аеёиоуыэюя").find(ToLowerCp(c)) != std::u32string_view::npos;
}

}  // namespace

namespace generator_internal {

GeneratorLists::Patronymic DerivePatronymic(std::string_view father) {
  struct Special {
    std::string_view father, male, female;
  };
  static constexpr Special kSpecial[] = {
      {"Илья", "Ильич", "Ильинична"},       {"Лев", "Львович", "Львовна"},
      {"Павел", "Павлович", "Павловна"},    {"Петр", "Петрович", "Петровна"},
      {"Пётр", "Петрович", "Петровна"},     {"Михаил", "Михайлович", "Михайловна"},
      {"Яков", "Яковлевич", "Яковлевна"},   {"Никита", "Никитич", "Никитична"},
      {"Фома", "Фомич", "Фоминична"},       {"Кузьма", "Кузьмич", "Кузьминична"},
      {"Лука", "Лукич", "Лукинична"},       {"Савва", "Саввич", "Саввична"},
      {"Данила", "Данилович", "Даниловна"}, {"Иннокентий", "Иннокентьевич", "Иннокентьевна"},
      {"Леонтий", "Леонтьевич", "Леонтьевна"}, {"Лаврентий", "Лаврентьевич", "Лаврентьевна"},
  };
  for (const Special& s : kSpecial) {
    if (s.father == father) return {std::string(father), std::string(s.male), std::string(s.female)};
  }
  std::u32string u = Decode(father);
  GeneratorLists::Patronymic p;
  p.father = std::string(father);
  const size_t n = u.size();
  if (n < 2) {
    p.male = p.father + "ович";
    p.female = p.father + "овна";
    return p;
  }
  const char32_t last = u[n - 1], prev = u[n - 2];
  std::string stem;
  if (last == U'й' && prev == U'и' && n >= 4) {
    // Дмитрий -> Дмитриевич (consonant cluster before -ий), Юрий -> Юрьевич.
    const bool cluster = !IsRuVowel(u[n - 3]) && !IsRuVowel(u[n - 4]);
    stem = Encode(std::u32string_view(u).substr(0, n - 2));
    p.male = stem + (cluster ? "иевич" : "ьевич");
    p.female = stem + (cluster ? "иевна" : "ьевна");
  } else if (last == U'й' || last == U'ь') {
    stem = Encode(std::u32string_view(u).substr(0, n - 1));
    p.male = stem + "евич";
    p.female = stem + "евна";
  } else if (last == U'а' || last == U'я') {
    stem = Encode(std::u32string_view(u).substr(0, n - 1));
    p.male = stem + "ич";
    p.female = stem + "ична";
  } else if (std::u32string_view(U"жшчщц").find(last) != std::u32string_view::npos) {
    p.male = p.father + "евич";
    p.female = p.father + "евна";
  } else {
    p.male = p.father + "ович";
    p.female = p.father + "овна";
  }
  return p;
}

double DomainWeight(std::string_view domain) {
  static constexpr std::pair<std::string_view, double> kWeights[] = {
      {"mail.ru", 30},     {"yandex.ru", 22}, {"gmail.com", 18}, {"bk.ru", 6},      {"inbox.ru", 5},
      {"list.ru", 5},      {"rambler.ru", 6}, {"ya.ru", 4},      {"yahoo.com", 14}, {"outlook.com", 8},
      {"hotmail.com", 9},  {"aol.com", 4},    {"icloud.com", 7},
  };
  for (const auto& [name, w] : kWeights) {
    if (name == domain) return w;
  }
  return 2;
}

}  // namespace generator_internal

GeneratorLists BuiltinGeneratorLists(Locale locale) {
  GeneratorLists lists;
  lists.source = "builtin";
  const bool ru = locale == Locale::kRu;
  for (const FirstName& n : ru ? RussianFirstNames() : EnglishFirstNames()) {
    if (n.gender == Gender::kMale) lists.male_first.push_back({TitleCase(n.name), 1});
    if (n.gender == Gender::kFemale) lists.female_first.push_back({TitleCase(n.name), 1});
  }
  if (ru) {
    // Earlier entries (the commonest surnames) weigh more, as in real bases.
    double w = 100;
    for (std::string_view s : kRuSurnames) {
      lists.surnames.push_back({std::string(s), w});
      w = std::max(10.0, w * 0.97);
    }
    for (const GeneratorLists::Weighted& f : lists.male_first) lists.patronymics.push_back(DerivePatronymic(f.value));
    for (std::string_view s : kRuStreets) lists.streets.emplace_back(s);
    for (const BuiltinCity& c : kRuCities) {
      lists.cities.push_back({std::string(c.name), std::string(c.region), std::string(c.postcode_prefix),
                              std::string(c.phone_code), c.weight});
    }
    for (std::string_view code : kRuDefCodes) lists.mobile_ranges.push_back({std::string(code), 0, 9999999, 1e7});
    for (std::string_view d : kRuEmailDomains) lists.email_domains.emplace_back(d);
  } else {
    double w = 100;
    for (std::string_view s : kEnSurnames) {
      lists.surnames.push_back({std::string(s), w});
      w = std::max(10.0, w * 0.98);
    }
    for (std::string_view s : kEnStreets) lists.streets.emplace_back(s);
    for (const BuiltinCity& c : kEnCities) {
      lists.cities.push_back({std::string(c.name), std::string(c.region), std::string(c.postcode_prefix),
                              std::string(c.phone_code), c.weight});
    }
    for (std::string_view d : kEnEmailDomains) lists.email_domains.emplace_back(d);
  }
  return lists;
}

// ---------------------------------------------------------------------------
// Loading the lists from ../shared/data.

namespace {

Status ReadWholeFile(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + path.string());
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  if (out.size() >= 3 && out.compare(0, 3, "\xEF\xBB\xBF") == 0) out.erase(0, 3);  // UTF-8 BOM
  return Status::Ok();
}

// A reference list in CSV (',' and UTF-8), read with the project's reader a
// batch at a time. The reader leaves out what a list can do without: blank
// lines, rows whose field count differs from the first row's, rows that are
// not UTF-8. Fields come untrimmed (the callers trim, NBSP included); with
// trim off, a quote after a space stays a literal character.
class CsvList {
 public:
  Status Open(const std::filesystem::path& path, bool header) {
    std::string text;
    DOPPEL_RETURN_IF_ERROR(ReadWholeFile(path, text));
    ReaderOptions options;
    options.format = InputFormat::kCsv;
    options.encoding = Encoding::kUtf8;
    options.delimiter = ',';
    options.header = header;
    options.trim = false;
    DOPPEL_ASSIGN_OR_RETURN(reader_,
                            OpenReader(std::make_unique<MemorySource>(std::move(text), path.string()), options));
    // The first batch also reads the header: columns() is known from here on.
    return NextBatch();
  }

  // The header's column names, or column_1..N.
  const std::vector<std::string>& columns() const { return reader_->column_names(); }

  // The next row's fields; false after the last row or on an error (status()).
  bool Next(std::vector<std::string_view>& fields) {
    while (row_ >= batch_.num_rows()) {
      if (!more_ || !status_.ok()) return false;
      status_ = NextBatch();
    }
    fields.clear();
    for (size_t c = 0; c < batch_.num_columns(); ++c) fields.push_back(batch_.Value(row_, c));
    ++row_;
    return true;
  }
  const Status& status() const { return status_; }

 private:
  Status NextBatch() {
    row_ = 0;
    rejects_.clear();
    Result<bool> more = reader_->Next(&batch_, &rejects_);
    if (!more.ok()) {
      batch_.Clear();
      return more.status();
    }
    more_ = *more;
    return Status::Ok();
  }

  std::unique_ptr<BatchReader> reader_;
  RecordBatch batch_;
  std::vector<Reject> rejects_;  // the rows left out; not reported
  size_t row_ = 0;
  bool more_ = true;
  Status status_;
};

// Splits on the delimiter with no quoting at all. The DEF register is not RFC
// 4180: it writes operator names such as ООО "Т2 Мобайл" with bare quotes, and
// a CSV reader would take a name that opens with one for a quoted field and
// run it on into the next rows. The columns read here are numbers, never
// quoted, so a plain split is exact.
void SplitPlain(std::string_view line, char delim, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0;
  while (true) {
    size_t p = line.find(delim, start);
    if (p == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, p - start));
    start = p + 1;
  }
}

bool ParseUint(std::string_view s, uint64_t& v) {
  s = Trim(s);
  if (s.empty() || s.size() > 18) return false;
  v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

double ParseWeight(std::string_view s) {
  std::string tmp(Trim(s));
  char* end = nullptr;
  const double v = std::strtod(tmp.c_str(), &end);
  if (end == tmp.c_str() || !std::isfinite(v) || v < 0) return 1;
  return v;
}

int FindColumn(const std::vector<std::string>& header, std::string_view name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (Trim(header[i]) == name) return static_cast<int>(i);
  }
  return -1;
}

Status LoadWeightedNames(const std::filesystem::path& path, std::vector<GeneratorLists::Weighted>& out) {
  CsvList csv;
  DOPPEL_RETURN_IF_ERROR(csv.Open(path, /*header=*/false));
  std::vector<std::string_view> f;
  std::vector<GeneratorLists::Weighted> list;
  bool first = true;
  while (csv.Next(f)) {
    // A header, when there is one, names the first column "name".
    if (std::exchange(first, false) && !f.empty() && Trim(f[0]) == "name") continue;
    if (f.empty() || Trim(f[0]).empty()) continue;
    list.push_back({std::string(Trim(f[0])), f.size() > 1 ? ParseWeight(f[1]) : 1.0});
  }
  DOPPEL_RETURN_IF_ERROR(csv.status());
  if (list.empty()) return Status::Corruption(path.string() + ": no names");
  out = std::move(list);
  return Status::Ok();
}

Status LoadPatronymics(const std::filesystem::path& path, std::vector<GeneratorLists::Patronymic>& out) {
  CsvList csv;
  DOPPEL_RETURN_IF_ERROR(csv.Open(path, /*header=*/false));
  std::vector<std::string_view> f;
  std::vector<GeneratorLists::Patronymic> list;
  bool first = true;
  while (csv.Next(f)) {
    if (std::exchange(first, false) && !f.empty() && Trim(f[0]) == "father_first_name") continue;
    if (f.size() < 3 || Trim(f[0]).empty() || Trim(f[1]).empty() || Trim(f[2]).empty()) continue;
    list.push_back({std::string(Trim(f[0])), std::string(Trim(f[1])), std::string(Trim(f[2]))});
  }
  DOPPEL_RETURN_IF_ERROR(csv.status());
  if (list.empty()) return Status::Corruption(path.string() + ": no patronymics");
  out = std::move(list);
  return Status::Ok();
}

// One street a line, and not CSV: names hold commas ("МКАД, 1-й километр")
// and a note may follow after #.
Status LoadStreets(const std::filesystem::path& path, std::vector<std::string>& out) {
  std::string text;
  DOPPEL_RETURN_IF_ERROR(ReadWholeFile(path, text));
  std::vector<std::string> list;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    // "1-й Батайский проезд         # Пенза": the note after # is not part of the name.
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (!line.empty()) list.emplace_back(line);
  }
  if (list.empty()) return Status::Corruption(path.string() + ": no streets");
  out = std::move(list);
  return Status::Ok();
}

std::string_view LookupCode(std::span<const CityCode> table, std::string_view key) {
  for (const CityCode& c : table) {
    if (c.city == key) return c.code;
  }
  return {};
}

// "обл" + "Московская" -> "Московская обл."; "Респ" + "Татарстан" -> "Респ. Татарстан".
std::string RegionDisplay(std::string_view type, std::string_view region) {
  if (type == "г" || region.empty()) return "";
  if (type == "обл") return std::string(region) + " обл.";
  if (type == "Респ") return "Респ. " + std::string(region);
  if (type == "Чувашия") return std::string(region) + " - Чувашия";
  if (type == "Аобл") return std::string(region) + " авт. обл.";
  return std::string(region) + " " + std::string(type);
}

Status LoadCities(const std::filesystem::path& path, std::vector<GeneratorLists::City>& out) {
  CsvList csv;
  DOPPEL_RETURN_IF_ERROR(csv.Open(path, /*header=*/true));
  const std::vector<std::string>& header = csv.columns();
  if (header.empty()) return Status::Corruption(path.string() + ": empty");
  const int c_city = FindColumn(header, "city"), c_settlement = FindColumn(header, "settlement"),
            c_area = FindColumn(header, "area"), c_region = FindColumn(header, "region"),
            c_region_type = FindColumn(header, "region_type"), c_postal = FindColumn(header, "postal_code"),
            c_population = FindColumn(header, "population"), c_capital = FindColumn(header, "capital_marker"),
            c_district = FindColumn(header, "federal_district");
  if (c_city < 0 || c_region < 0 || c_postal < 0) {
    return Status::Corruption(path.string() + ": missing city, region or postal_code column");
  }
  struct Row {
    GeneratorLists::City city;
    std::string region_key, district;
  };
  std::vector<Row> rows;
  std::unordered_map<std::string, std::string> region_zone;  // region -> 3-digit zone of its capital
  std::vector<std::string_view> f;
  auto get = [&f](int c) -> std::string_view {
    return c >= 0 && static_cast<size_t>(c) < f.size() ? Trim(f[static_cast<size_t>(c)]) : std::string_view();
  };
  while (csv.Next(f)) {
    Row r;
    std::string_view name = get(c_city);
    const std::string_view region_type = get(c_region_type), region = get(c_region);
    if (name.empty() && region_type == "г") name = region;  // Москва, Санкт-Петербург, Севастополь
    if (name.empty()) name = get(c_settlement);
    if (name.empty()) name = get(c_area);
    if (name.empty()) continue;
    r.city.name = std::string(name);
    r.city.region = RegionDisplay(region_type, region);
    r.region_key = std::string(region);
    r.district = std::string(get(c_district));
    double population = ParseWeight(get(c_population));
    r.city.weight = std::max(population, 1000.0);
    const std::string_view postal = get(c_postal);
    if (postal.size() == 6) {
      // Big cities spread over many post offices; a town has a handful.
      const size_t keep = population >= 4e6 ? 2 : population >= 1e6 ? 3 : 4;
      r.city.postcode_prefix = std::string(postal.substr(0, keep));
    }
    const bool capital = get(c_capital) == "2";
    if (capital || population >= 200000) r.city.phone_code = std::string(LookupCode(kRuCityCodes, name));
    if (r.city.name == "Москва" && r.city.phone_code.empty()) r.city.phone_code = "495";
    if (capital && !r.city.phone_code.empty()) region_zone.emplace(r.region_key, r.city.phone_code.substr(0, 3));
    rows.push_back(std::move(r));
  }
  DOPPEL_RETURN_IF_ERROR(csv.status());
  if (rows.empty()) return Status::Corruption(path.string() + ": no cities");
  std::vector<GeneratorLists::City> list;
  list.reserve(rows.size());
  for (Row& r : rows) {
    if (r.city.phone_code.empty()) {
      // A town's code is its region's zone plus two digits (Свердловская обл.:
      // 343xx); the digits come from the name so that a town keeps its code.
      std::string zone(LookupCode(kRuRegionZones, r.region_key));
      if (zone.empty()) {
        auto it = region_zone.find(r.region_key);
        if (it != region_zone.end()) zone = it->second;
      }
      if (zone.empty()) zone = std::string(LookupCode(kRuDistrictZones, r.district));
      if (zone.empty()) zone = "484";
      uint64_t h = 1469598103934665603ull;
      for (char c : r.city.name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
      r.city.phone_code = zone;
      AppendInt(r.city.phone_code, 20 + h % 80, 2);
    }
    list.push_back(std::move(r.city));
  }
  out = std::move(list);
  return Status::Ok();
}

Status LoadDefRanges(const std::filesystem::path& path, std::vector<GeneratorLists::PhoneRange>& out) {
  std::string text;
  DOPPEL_RETURN_IF_ERROR(ReadWholeFile(path, text));
  std::vector<GeneratorLists::PhoneRange> list;
  std::vector<std::string_view> f;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    SplitPlain(line, ';', f);
    if (f.size() < 3) continue;
    uint64_t code = 0, from = 0, to = 0, capacity = 0;
    // The header and any malformed row fail here and are skipped.
    if (!ParseUint(f[0], code) || !ParseUint(f[1], from) || !ParseUint(f[2], to)) continue;
    if (code < 900 || code > 999 || from > to || to > 9999999) continue;
    if (f.size() < 4 || !ParseUint(f[3], capacity) || capacity == 0) capacity = to - from + 1;
    std::string prefix;
    AppendInt(prefix, code, 3);
    list.push_back({std::move(prefix), from, to, static_cast<double>(capacity)});
  }
  if (list.empty()) return Status::Corruption(path.string() + ": no DEF ranges");
  out = std::move(list);
  return Status::Ok();
}

}  // namespace

Result<GeneratorLists> LoadGeneratorLists(const std::string& data_dir, Locale locale) {
  GeneratorLists lists = BuiltinGeneratorLists(locale);
  if (data_dir.empty()) return lists;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) return Status::NotFound("no such data directory: " + data_dir);
  if (locale != Locale::kRu) return lists;  // the shared data has Russian lists only
  const fs::path dir(data_dir);
  bool any = false;
  auto present = [&](const fs::path& p) {
    std::error_code e;
    return fs::exists(p, e);
  };
  auto names = dir / "ru_names_realistic";
  if (auto p = names / "russian_male_first_names_and_popularity.csv"; present(p)) {
    DOPPEL_RETURN_IF_ERROR(LoadWeightedNames(p, lists.male_first));
    any = true;
    // The built-in patronymics follow the built-in first names; the file's
    // fathers (or the rule, below) follow the loaded ones.
    lists.patronymics.clear();
    for (const auto& f : lists.male_first) lists.patronymics.push_back(DerivePatronymic(f.value));
  }
  if (auto p = names / "russian_female_first_names_and_popularity.csv"; present(p)) {
    DOPPEL_RETURN_IF_ERROR(LoadWeightedNames(p, lists.female_first));
    any = true;
  }
  if (auto p = names / "russian_male_last_names_and_popularity.csv"; present(p)) {
    DOPPEL_RETURN_IF_ERROR(LoadWeightedNames(p, lists.surnames));
    any = true;
  }
  if (auto p = names / "russian_patronymics.csv"; present(p)) {
    DOPPEL_RETURN_IF_ERROR(LoadPatronymics(p, lists.patronymics));
    any = true;
  }
  if (auto p = dir / "ru_streets_osm" / "main.txt"; present(p)) {
    DOPPEL_RETURN_IF_ERROR(LoadStreets(p, lists.streets));
    any = true;
  }
  if (auto p = dir / "ru_cities_hflabs" / "city.csv"; present(p)) {
    DOPPEL_RETURN_IF_ERROR(LoadCities(p, lists.cities));
    any = true;
  }
  if (auto p = dir / "ru_phone_def_codes" / "DEF-9xx.csv"; present(p)) {
    DOPPEL_RETURN_IF_ERROR(LoadDefRanges(p, lists.mobile_ranges));
    any = true;
  }
  if (any) lists.source = data_dir;
  return lists;
}

}  // namespace doppel::core
