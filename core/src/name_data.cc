#include "doppel/core/name_data.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace doppel::core {
namespace {

constexpr Gender kM = Gender::kMale;
constexpr Gender kF = Gender::kFemale;
constexpr Gender kU = Gender::kUnknown;

// Everything below is stored folded (lower case, ё written as е) because every
// caller folds before it looks a name up; the generator title-cases on output.
// The Russian lists mix today's newborn names with the names of people born
// 1940-2000, since a client base holds adults of every age.
constexpr FirstName kRussianFirstNames[] = {
    // Male.
    {"александр", kM}, {"алексей", kM}, {"анатолий", kM}, {"андрей", kM}, {"антон", kM},
    {"аркадий", kM}, {"арсений", kM}, {"артем", kM}, {"артемий", kM}, {"артур", kM},
    {"афанасий", kM}, {"богдан", kM}, {"борис", kM}, {"вадим", kM}, {"валентин", kM},
    {"валерий", kM}, {"василий", kM}, {"вениамин", kM}, {"виктор", kM}, {"виталий", kM},
    {"владимир", kM}, {"владислав", kM}, {"владлен", kM}, {"всеволод", kM}, {"вячеслав", kM},
    {"гавриил", kM}, {"геннадий", kM}, {"генрих", kM}, {"георгий", kM}, {"герман", kM},
    {"глеб", kM}, {"гордей", kM}, {"григорий", kM}, {"давид", kM}, {"дамир", kM},
    {"даниил", kM}, {"данил", kM}, {"данила", kM}, {"демид", kM}, {"демьян", kM},
    {"денис", kM}, {"дмитрий", kM}, {"евгений", kM}, {"егор", kM}, {"елисей", kM},
    {"емельян", kM}, {"ефим", kM}, {"ефрем", kM}, {"захар", kM}, {"иван", kM},
    {"игнат", kM}, {"игнатий", kM}, {"игорь", kM}, {"ильдар", kM}, {"илья", kM},
    {"иннокентий", kM}, {"иосиф", kM}, {"кирилл", kM}, {"климент", kM}, {"константин", kM},
    {"кузьма", kM}, {"лаврентий", kM}, {"лев", kM}, {"леонид", kM}, {"леонтий", kM},
    {"лука", kM}, {"макар", kM}, {"максим", kM}, {"марат", kM}, {"марк", kM},
    {"матвей", kM}, {"мирон", kM}, {"мирослав", kM}, {"митрофан", kM}, {"михаил", kM},
    {"мстислав", kM}, {"назар", kM}, {"наум", kM}, {"нестор", kM}, {"никита", kM},
    {"никифор", kM}, {"николай", kM}, {"олег", kM}, {"остап", kM}, {"павел", kM},
    {"пантелей", kM}, {"петр", kM}, {"платон", kM}, {"потап", kM}, {"прохор", kM},
    {"радик", kM}, {"рамиль", kM}, {"ренат", kM}, {"ринат", kM}, {"роберт", kM},
    {"родион", kM}, {"роман", kM}, {"ростислав", kM}, {"рудольф", kM}, {"руслан", kM},
    {"рустам", kM}, {"савва", kM}, {"савелий", kM}, {"самуил", kM}, {"святослав", kM},
    {"семен", kM}, {"серафим", kM}, {"сергей", kM}, {"спартак", kM}, {"станислав", kM},
    {"степан", kM}, {"тарас", kM}, {"тимофей", kM}, {"тимур", kM}, {"тихон", kM},
    {"трофим", kM}, {"федор", kM}, {"феликс", kM}, {"филипп", kM}, {"фома", kM},
    {"харитон", kM}, {"эдуард", kM}, {"эльдар", kM}, {"эмиль", kM}, {"эрик", kM},
    {"юлиан", kM}, {"юлий", kM}, {"юрий", kM}, {"яков", kM}, {"ян", kM},
    {"ярослав", kM}, {"азат", kM}, {"айдар", kM}, {"альберт", kM}, {"арсен", kM},
    {"адам", kM}, {"аким", kM}, {"архип", kM}, {"влас", kM}, {"елизар", kM},
    {"ермолай", kM}, {"захарий", kM}, {"клим", kM}, {"марсель", kM},
    // Female.
    {"августа", kF}, {"агата", kF}, {"агния", kF}, {"аделина", kF}, {"аксинья", kF},
    {"алевтина", kF}, {"александра", kF}, {"алена", kF}, {"алина", kF}, {"алиса", kF},
    {"алла", kF}, {"алсу", kF}, {"альбина", kF}, {"анастасия", kF}, {"ангелина", kF},
    {"анжела", kF}, {"анжелика", kF}, {"анна", kF}, {"антонина", kF}, {"анфиса", kF},
    {"ариадна", kF}, {"арина", kF}, {"ася", kF}, {"белла", kF}, {"валентина", kF},
    {"валерия", kF}, {"варвара", kF}, {"василина", kF}, {"василиса", kF}, {"венера", kF},
    {"вера", kF}, {"вероника", kF}, {"виктория", kF}, {"виолетта", kF}, {"виталина", kF},
    {"влада", kF}, {"владислава", kF}, {"галина", kF}, {"гульнара", kF}, {"дана", kF},
    {"дарина", kF}, {"дарья", kF}, {"диана", kF}, {"дина", kF}, {"доминика", kF},
    {"ева", kF}, {"евгения", kF}, {"евдокия", kF}, {"екатерина", kF}, {"елена", kF},
    {"елизавета", kF}, {"есения", kF}, {"жанна", kF}, {"зарина", kF}, {"злата", kF},
    {"зинаида", kF}, {"зоя", kF}, {"изабелла", kF}, {"илона", kF}, {"инга", kF},
    {"инесса", kF}, {"инна", kF}, {"ираида", kF}, {"ирина", kF}, {"камилла", kF},
    {"капитолина", kF}, {"карина", kF}, {"каролина", kF}, {"катерина", kF}, {"кира", kF},
    {"клавдия", kF}, {"кристина", kF}, {"ксения", kF}, {"лада", kF}, {"лариса", kF},
    {"лиана", kF}, {"лидия", kF}, {"лилия", kF}, {"лия", kF}, {"любовь", kF},
    {"людмила", kF}, {"майя", kF}, {"маргарита", kF}, {"марианна", kF}, {"марина", kF},
    {"мария", kF}, {"марта", kF}, {"марьяна", kF}, {"мелания", kF}, {"милана", kF},
    {"милена", kF}, {"мирослава", kF}, {"надежда", kF}, {"наталия", kF}, {"наталья", kF},
    {"нелли", kF}, {"ника", kF}, {"нина", kF}, {"нонна", kF}, {"оксана", kF},
    {"олеся", kF}, {"ольга", kF}, {"пелагея", kF}, {"полина", kF}, {"прасковья", kF},
    {"раиса", kF}, {"регина", kF}, {"римма", kF}, {"роза", kF}, {"руслана", kF},
    {"сабина", kF}, {"светлана", kF}, {"серафима", kF}, {"снежана", kF}, {"софия", kF},
    {"софья", kF}, {"станислава", kF}, {"стефания", kF}, {"таисия", kF}, {"тамара", kF},
    {"татьяна", kF}, {"ульяна", kF}, {"фаина", kF}, {"эвелина", kF}, {"элеонора", kF},
    {"элина", kF}, {"эльвира", kF}, {"эльмира", kF}, {"эмилия", kF}, {"эмма", kF},
    {"юлиана", kF}, {"юлия", kF}, {"яна", kF}, {"янина", kF}, {"ярослава", kF},
    {"аида", kF}, {"алия", kF}, {"анисия", kF}, {"лолита", kF}, {"луиза", kF},
    {"любава", kF}, {"марфа", kF}, {"милослава", kF}, {"стелла", kF}, {"устинья", kF},
    // Written on forms as a name in its own right by both sexes.
    {"саша", kU}, {"женя", kU},
};

constexpr FirstName kEnglishFirstNames[] = {
    // Male.
    {"aaron", kM}, {"adam", kM}, {"alan", kM}, {"albert", kM}, {"alexander", kM},
    {"alfred", kM}, {"andrew", kM}, {"anthony", kM}, {"arthur", kM}, {"austin", kM},
    {"benjamin", kM}, {"bernard", kM}, {"brandon", kM}, {"brian", kM}, {"bruce", kM},
    {"bryan", kM}, {"carl", kM}, {"charles", kM}, {"christopher", kM}, {"daniel", kM},
    {"david", kM}, {"dennis", kM}, {"donald", kM}, {"douglas", kM}, {"dylan", kM},
    {"edward", kM}, {"elijah", kM}, {"eric", kM}, {"ethan", kM}, {"eugene", kM},
    {"francis", kM}, {"frank", kM}, {"frederick", kM}, {"gabriel", kM}, {"gary", kM},
    {"george", kM}, {"gerald", kM}, {"gregory", kM}, {"harold", kM}, {"harry", kM},
    {"henry", kM}, {"isaac", kM}, {"jack", kM}, {"jacob", kM}, {"james", kM},
    {"jason", kM}, {"jeffrey", kM}, {"jeremy", kM}, {"jerry", kM}, {"jesse", kM},
    {"john", kM}, {"jonathan", kM}, {"jose", kM}, {"joseph", kM}, {"joshua", kM},
    {"juan", kM}, {"justin", kM}, {"keith", kM}, {"kenneth", kM}, {"kevin", kM},
    {"kyle", kM}, {"larry", kM}, {"lawrence", kM}, {"leonard", kM}, {"liam", kM},
    {"logan", kM}, {"louis", kM}, {"lucas", kM}, {"mark", kM}, {"mason", kM},
    {"matthew", kM}, {"michael", kM}, {"nathan", kM}, {"nathaniel", kM}, {"nicholas", kM},
    {"noah", kM}, {"oliver", kM}, {"owen", kM}, {"patrick", kM}, {"paul", kM},
    {"peter", kM}, {"philip", kM}, {"ralph", kM}, {"randy", kM}, {"raymond", kM},
    {"richard", kM}, {"robert", kM}, {"roger", kM}, {"ronald", kM}, {"roy", kM},
    {"russell", kM}, {"ryan", kM}, {"samuel", kM}, {"scott", kM}, {"sean", kM},
    {"stanley", kM}, {"stephen", kM}, {"steven", kM}, {"theodore", kM}, {"thomas", kM},
    {"timothy", kM}, {"tyler", kM}, {"vincent", kM}, {"walter", kM}, {"wayne", kM},
    {"william", kM}, {"zachary", kM},
    // Female.
    {"abigail", kF}, {"alexandra", kF}, {"alice", kF}, {"amanda", kF}, {"amber", kF},
    {"amy", kF}, {"andrea", kF}, {"angela", kF}, {"ann", kF}, {"anna", kF},
    {"ashley", kF}, {"barbara", kF}, {"betty", kF}, {"beverly", kF}, {"brenda", kF},
    {"brittany", kF}, {"carol", kF}, {"caroline", kF}, {"carolyn", kF}, {"catherine", kF},
    {"charlotte", kF}, {"cheryl", kF}, {"christina", kF}, {"christine", kF}, {"cynthia", kF},
    {"danielle", kF}, {"deborah", kF}, {"debra", kF}, {"denise", kF}, {"diana", kF},
    {"diane", kF}, {"donna", kF}, {"doris", kF}, {"dorothy", kF}, {"eleanor", kF},
    {"elizabeth", kF}, {"emily", kF}, {"emma", kF}, {"evelyn", kF}, {"florence", kF},
    {"frances", kF}, {"gloria", kF}, {"grace", kF}, {"hannah", kF}, {"harriet", kF},
    {"heather", kF}, {"helen", kF}, {"isabella", kF}, {"jacqueline", kF}, {"jane", kF},
    {"janet", kF}, {"janice", kF}, {"jean", kF}, {"jennifer", kF}, {"jessica", kF},
    {"joan", kF}, {"josephine", kF}, {"joyce", kF}, {"judith", kF}, {"judy", kF},
    {"julie", kF}, {"karen", kF}, {"katherine", kF}, {"kathleen", kF}, {"kathryn", kF},
    {"kelly", kF}, {"kimberly", kF}, {"laura", kF}, {"lauren", kF}, {"linda", kF},
    {"lisa", kF}, {"lucy", kF}, {"madison", kF}, {"margaret", kF}, {"maria", kF},
    {"marie", kF}, {"marilyn", kF}, {"martha", kF}, {"mary", kF}, {"megan", kF},
    {"melissa", kF}, {"michelle", kF}, {"nancy", kF}, {"natalie", kF}, {"nicole", kF},
    {"olivia", kF}, {"pamela", kF}, {"patricia", kF}, {"penelope", kF}, {"rachel", kF},
    {"rebecca", kF}, {"rose", kF}, {"rosemary", kF}, {"ruth", kF}, {"samantha", kF},
    {"sandra", kF}, {"sara", kF}, {"sarah", kF}, {"sharon", kF}, {"shirley", kF},
    {"sophia", kF}, {"stephanie", kF}, {"susan", kF}, {"teresa", kF}, {"theresa", kF},
    {"valerie", kF}, {"victoria", kF}, {"virginia", kF}, {"wendy", kF},
    // Given to boys and girls alike.
    {"jordan", kU}, {"taylor", kU}, {"leslie", kU},
};

constexpr Diminutive kDiminutives[] = {
    // Russian.
    {"александр", "саша"}, {"александр", "шура"}, {"александр", "саня"}, {"александр", "сашка"},
    {"александр", "алекс"}, {"александр", "санек"},
    {"александра", "саша"}, {"александра", "шура"}, {"александра", "саня"}, {"александра", "сашка"},
    {"алексей", "леша"}, {"алексей", "алеша"}, {"алексей", "леха"},
    {"анастасия", "настя"}, {"анастасия", "ася"}, {"анастасия", "стася"},
    {"анатолий", "толя"}, {"анатолий", "толик"},
    {"андрей", "андрюша"}, {"андрей", "андрюха"},
    {"анна", "аня"}, {"анна", "аннушка"}, {"анна", "анюта"}, {"анна", "нюра"},
    {"антон", "антоша"}, {"антонина", "тоня"}, {"алевтина", "аля"},
    {"аркадий", "аркаша"}, {"арсений", "сеня"}, {"артем", "тема"},
    {"борис", "боря"}, {"вадим", "вадик"},
    {"валентин", "валя"}, {"валентина", "валя"},
    {"валерий", "валера"}, {"валерия", "лера"},
    {"варвара", "варя"}, {"василий", "вася"}, {"вениамин", "веня"},
    {"вероника", "ника"}, {"виктор", "витя"}, {"виктория", "вика"}, {"виталий", "виталик"},
    {"владимир", "вова"}, {"владимир", "володя"},
    {"владислав", "влад"}, {"владислав", "владик"}, {"владислав", "слава"},
    {"всеволод", "сева"},
    {"вячеслав", "слава"}, {"вячеслав", "славик"},
    {"галина", "галя"}, {"геннадий", "гена"},
    {"георгий", "жора"}, {"георгий", "гоша"},
    {"григорий", "гриша"}, {"даниил", "даня"}, {"дарья", "даша"},
    {"дмитрий", "дима"}, {"дмитрий", "митя"}, {"дмитрий", "димка"},
    {"евгений", "женя"}, {"евгения", "женя"},
    {"евдокия", "дуня"}, {"евдокия", "дуся"},
    {"екатерина", "катя"}, {"екатерина", "катюша"},
    {"елена", "лена"}, {"елена", "аленка"},
    {"елизавета", "лиза"}, {"ефим", "фима"},
    {"зинаида", "зина"}, {"иван", "ваня"}, {"илья", "илюша"},
    {"ирина", "ира"}, {"ирина", "иришка"},
    {"клавдия", "клава"}, {"константин", "костя"},
    {"ксения", "ксюша"}, {"оксана", "ксюша"},
    {"лариса", "лара"}, {"лев", "лева"}, {"леонид", "леня"},
    {"лидия", "лида"}, {"лилия", "лиля"}, {"любовь", "люба"},
    {"людмила", "люда"}, {"людмила", "мила"},
    {"маргарита", "рита"},
    {"мария", "маша"}, {"мария", "маня"},
    {"михаил", "миша"}, {"надежда", "надя"},
    {"наталья", "наташа"}, {"наталья", "ната"}, {"наталия", "наташа"}, {"наталия", "ната"},
    {"николай", "коля"}, {"олеся", "леся"}, {"ольга", "оля"},
    {"павел", "паша"}, {"петр", "петя"}, {"полина", "поля"}, {"раиса", "рая"},
    {"роман", "рома"}, {"светлана", "света"}, {"семен", "сеня"},
    {"серафима", "сима"},
    {"сергей", "сережа"}, {"сергей", "серега"},
    {"софия", "соня"}, {"софья", "соня"},
    {"станислав", "стас"}, {"станислав", "слава"},
    {"степан", "степа"}, {"тамара", "тома"}, {"татьяна", "таня"},
    {"тимофей", "тима"}, {"тимур", "тима"},
    {"ульяна", "уля"}, {"федор", "федя"}, {"эдуард", "эдик"},
    {"юлия", "юля"}, {"юрий", "юра"}, {"яков", "яша"},
    {"ярослав", "слава"}, {"ярослав", "ярик"},
    // English.
    {"abigail", "abby"}, {"albert", "al"}, {"albert", "bert"},
    {"alexander", "alex"}, {"alexander", "al"}, {"alexandra", "alex"}, {"alexandra", "lexi"},
    {"alfred", "al"}, {"alfred", "alf"}, {"alfred", "alfie"},
    {"amanda", "mandy"}, {"andrew", "andy"}, {"andrew", "drew"}, {"angela", "angie"},
    {"anthony", "tony"}, {"barbara", "barb"}, {"barbara", "babs"},
    {"benjamin", "ben"}, {"benjamin", "benny"}, {"bernard", "bernie"},
    {"caroline", "carrie"}, {"carolyn", "carrie"},
    {"catherine", "kate"}, {"catherine", "cathy"}, {"catherine", "katie"},
    {"charles", "charlie"}, {"charles", "chuck"},
    {"christina", "tina"}, {"christina", "chris"}, {"christine", "chris"}, {"christine", "chrissy"},
    {"christopher", "chris"}, {"christopher", "kit"},
    {"cynthia", "cindy"}, {"daniel", "dan"}, {"daniel", "danny"},
    {"david", "dave"}, {"deborah", "debbie"}, {"deborah", "deb"},
    {"donald", "don"}, {"donald", "donnie"}, {"dorothy", "dot"}, {"dorothy", "dottie"},
    {"douglas", "doug"},
    {"edward", "ed"}, {"edward", "ted"}, {"edward", "eddie"}, {"edward", "ned"},
    {"eleanor", "ellie"}, {"eleanor", "nell"},
    {"elizabeth", "liz"}, {"elizabeth", "beth"}, {"elizabeth", "betty"}, {"elizabeth", "eliza"},
    {"elizabeth", "lizzie"}, {"elizabeth", "libby"},
    {"emily", "em"}, {"eugene", "gene"}, {"florence", "flo"},
    {"frances", "fran"}, {"frances", "frannie"}, {"francis", "frank"}, {"francis", "frankie"},
    {"frederick", "fred"}, {"frederick", "freddie"},
    {"gerald", "gerry"}, {"gerald", "jerry"}, {"gregory", "greg"},
    {"harriet", "hattie"}, {"henry", "hank"}, {"henry", "harry"},
    {"isabella", "bella"}, {"isabella", "izzy"},
    {"jacob", "jake"}, {"jacqueline", "jackie"},
    {"james", "jim"}, {"james", "jimmy"}, {"james", "jamie"},
    {"jeffrey", "jeff"}, {"jennifer", "jen"}, {"jennifer", "jenny"},
    {"jessica", "jess"}, {"jessica", "jessie"},
    {"john", "jack"}, {"john", "johnny"}, {"jonathan", "jon"},
    {"joseph", "joe"}, {"joseph", "joey"}, {"josephine", "jo"}, {"josephine", "josie"},
    {"joshua", "josh"}, {"judith", "judy"},
    {"katherine", "kate"}, {"katherine", "kathy"}, {"katherine", "katie"}, {"katherine", "kat"},
    {"kathleen", "kathy"}, {"kathleen", "kate"},
    {"kenneth", "ken"}, {"kenneth", "kenny"}, {"kimberly", "kim"},
    {"lawrence", "larry"}, {"leonard", "len"}, {"leonard", "lenny"},
    {"madison", "maddie"},
    {"margaret", "maggie"}, {"margaret", "peggy"}, {"margaret", "meg"}, {"margaret", "marge"},
    {"matthew", "matt"}, {"melissa", "missy"}, {"melissa", "mel"},
    {"michael", "mike"}, {"michael", "mikey"}, {"michael", "mick"},
    {"natalie", "nat"}, {"nathan", "nate"}, {"nathaniel", "nat"}, {"nathaniel", "nate"},
    {"nicholas", "nick"}, {"nicholas", "nicky"}, {"olivia", "liv"},
    {"pamela", "pam"}, {"patricia", "pat"}, {"patricia", "patty"}, {"patricia", "trish"},
    {"patrick", "pat"}, {"patrick", "paddy"}, {"penelope", "penny"},
    {"peter", "pete"}, {"philip", "phil"}, {"raymond", "ray"},
    {"rebecca", "becky"}, {"rebecca", "becca"},
    {"richard", "dick"}, {"richard", "rick"}, {"richard", "ricky"}, {"richard", "rich"},
    {"robert", "bob"}, {"robert", "bobby"}, {"robert", "rob"}, {"robert", "robbie"},
    {"ronald", "ron"}, {"ronald", "ronnie"}, {"rosemary", "rosie"}, {"russell", "russ"},
    {"samantha", "sam"}, {"samantha", "sammy"}, {"samuel", "sam"}, {"samuel", "sammy"},
    {"sophia", "sophie"}, {"stanley", "stan"}, {"stephanie", "steph"},
    {"stephen", "steve"}, {"steven", "steve"}, {"susan", "sue"}, {"susan", "susie"},
    {"teresa", "terry"}, {"teresa", "tess"}, {"theresa", "tess"}, {"theresa", "terri"},
    {"theodore", "ted"}, {"theodore", "teddy"}, {"theodore", "theo"},
    {"thomas", "tom"}, {"thomas", "tommy"}, {"timothy", "tim"}, {"timothy", "timmy"},
    {"valerie", "val"}, {"victoria", "vicky"}, {"victoria", "tori"},
    {"vincent", "vince"}, {"vincent", "vinny"}, {"virginia", "ginny"},
    {"walter", "walt"}, {"walter", "wally"},
    {"william", "bill"}, {"william", "will"}, {"william", "billy"}, {"william", "willie"},
    {"zachary", "zach"}, {"zachary", "zack"},
};

// Built once, on first use (C++ guarantees the static's initialisation is
// thread-safe); afterwards only read, so lookups need no lock.
struct Index {
  std::unordered_map<std::string_view, Gender> full_gender;
  std::unordered_map<std::string_view, std::vector<std::string_view>> full_forms;  // diminutive -> full
  std::unordered_map<std::string_view, std::vector<std::string_view>> diminutives;  // full -> diminutive
};

const Index& GetIndex() {
  static const Index* const index = [] {
    auto* ix = new Index();  // never freed: outlives every caller, even at exit
    for (const FirstName& n : kRussianFirstNames) ix->full_gender.emplace(n.name, n.gender);
    for (const FirstName& n : kEnglishFirstNames) ix->full_gender.emplace(n.name, n.gender);
    // Tables are in source order, so the vectors come out in a stable order.
    for (const Diminutive& d : kDiminutives) {
      ix->full_forms[d.diminutive].push_back(d.full);
      ix->diminutives[d.full].push_back(d.diminutive);
    }
    return ix;
  }();
  return *index;
}

}  // namespace

std::span<const FirstName> RussianFirstNames() { return kRussianFirstNames; }
std::span<const FirstName> EnglishFirstNames() { return kEnglishFirstNames; }
std::span<const Diminutive> Diminutives() { return kDiminutives; }

Gender FirstNameGender(std::string_view folded) {
  const Index& ix = GetIndex();
  // A full name's own gender wins: "jack" is a name of its own as well as John's.
  if (auto it = ix.full_gender.find(folded); it != ix.full_gender.end()) return it->second;
  auto it = ix.full_forms.find(folded);
  if (it == ix.full_forms.end()) return Gender::kUnknown;
  // A diminutive shared by a man's and a woman's name (саша, sam) says nothing.
  Gender g = Gender::kUnknown;
  for (std::string_view full : it->second) {
    auto f = ix.full_gender.find(full);
    Gender fg = f == ix.full_gender.end() ? Gender::kUnknown : f->second;
    if (fg == Gender::kUnknown) return Gender::kUnknown;
    if (g == Gender::kUnknown) {
      g = fg;
    } else if (g != fg) {
      return Gender::kUnknown;
    }
  }
  return g;
}

bool IsKnownFirstName(std::string_view folded) {
  const Index& ix = GetIndex();
  return ix.full_gender.contains(folded) || ix.full_forms.contains(folded);
}

std::vector<std::string_view> FullFormsOf(std::string_view folded) {
  const Index& ix = GetIndex();
  auto it = ix.full_forms.find(folded);
  if (it == ix.full_forms.end()) return {};
  return it->second;
}

std::vector<std::string_view> DiminutivesOf(std::string_view folded_full) {
  const Index& ix = GetIndex();
  auto it = ix.diminutives.find(folded_full);
  if (it == ix.diminutives.end()) return {};
  return it->second;
}

}  // namespace doppel::core
