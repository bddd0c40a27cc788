// The CSV and NDJSON readers on well-formed and malformed input.
#include "doppel/core/reader.h"

#include <gtest/gtest.h>

#include <random>

#include "doppel/core/encoding.h"
#include "doppel/core/unicode.h"

namespace doppel::core {
namespace {

struct ReadAll {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> rows;
  std::vector<uint64_t> lines;
  std::vector<Reject> rejects;
  Encoding encoding = Encoding::kAuto;
  char delimiter = 0;
  InputFormat format = InputFormat::kAuto;
};

ReadAll Read(std::string data, ReaderOptions options = {}, std::string name = "<memory>") {
  ReadAll out;
  auto reader = OpenReader(std::make_unique<MemorySource>(std::move(data), name), options);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  RecordBatch batch;
  while (true) {
    auto more = (*reader)->Next(&batch, &out.rejects);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < batch.num_columns(); ++c) row.emplace_back(batch.Value(r, c));
      out.rows.push_back(std::move(row));
      out.lines.push_back(batch.lines[r]);
    }
  }
  out.names = (*reader)->column_names();
  out.encoding = (*reader)->encoding();
  out.delimiter = (*reader)->delimiter();
  out.format = (*reader)->format();
  return out;
}

using Row = std::vector<std::string>;

TEST(CsvReader, QuotedFieldsNewlinesAndEscapes) {
  auto r = Read("id,name,note\n1,\"Иванов, Иван\",\"line one\nline two\"\n2,Петров,\"he said \"\"hi\"\"\"\n");
  ASSERT_EQ(r.names, (Row{"id", "name", "note"}));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{"1", "Иванов, Иван", "line one\nline two"}));
  EXPECT_EQ(r.rows[1], (Row{"2", "Петров", "he said \"hi\""}));
  EXPECT_EQ(r.lines, (std::vector<uint64_t>{2, 4}));  // the quoted newline moves line numbers on
  EXPECT_TRUE(r.rejects.empty());
}

TEST(CsvReader, DetectsDelimiters) {
  EXPECT_EQ(Read("a;b;c\n1;2;3\n").delimiter, ';');
  EXPECT_EQ(Read("a\tb\tc\n1\t2\t3\n").delimiter, '\t');
  EXPECT_EQ(Read("a|b\n1|2\n").delimiter, '|');
  EXPECT_EQ(Read("a,b\n\"x;y\",2\n").delimiter, ',');
  // A ';' inside quotes does not fool the detector.
  EXPECT_EQ(Read("name,addr\n\"a;b;c;d\",x\n\"e;f;g\",y\n").delimiter, ',');
}

TEST(CsvReader, CrlfBomAndMissingFinalNewline) {
  auto r = Read("\xEF\xBB\xBFid;ФИО\r\n1;Иванов\r\n2;Петров");
  EXPECT_EQ(r.names, (Row{"id", "ФИО"}));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[1], (Row{"2", "Петров"}));
  EXPECT_EQ(r.encoding, Encoding::kUtf8);
}

TEST(CsvReader, Windows1251IsDetectedAndConverted) {
  std::string cp1251 = "id;\xD4\xC8\xCE\n1;\xC8\xE2\xE0\xED\xEE\xE2 \xC8\xE2\xE0\xED\n";  // id;ФИО / 1;Иванов Иван
  auto r = Read(cp1251);
  EXPECT_EQ(r.encoding, Encoding::kCp1251);
  EXPECT_EQ(r.names, (Row{"id", "ФИО"}));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][1], "Иванов Иван");
}

TEST(CsvReader, Utf16WithBomIsConverted) {
  std::string text = "id,name\n1,Ёж\n";
  std::string utf16 = "\xFF\xFE";
  for (size_t i = 0; i < text.size();) {
    char32_t cp = NextCodePoint(text, i);
    utf16.push_back(static_cast<char>(cp & 0xFF));
    utf16.push_back(static_cast<char>(cp >> 8));
  }
  auto r = Read(utf16);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (Row{"1", "Ёж"}));
}

TEST(CsvReader, Cp1251MatchesTheCodePageTable) {
  // Every byte 0x80..0xFF against the code page's published mapping.
  std::string all;
  for (int b = 0x80; b <= 0xFF; ++b) all.push_back(static_cast<char>(b));
  std::string utf8;
  Cp1251ToUtf8(all, utf8);
  std::vector<char32_t> cps;
  for (size_t i = 0; i < utf8.size();) cps.push_back(NextCodePoint(utf8, i));
  ASSERT_EQ(cps.size(), 128u);
  EXPECT_EQ(cps[0xC0 - 0x80], 0x0410u);  // А
  EXPECT_EQ(cps[0xFF - 0x80], 0x044Fu);  // я
  EXPECT_EQ(cps[0xA8 - 0x80], 0x0401u);  // Ё
  EXPECT_EQ(cps[0xB8 - 0x80], 0x0451u);  // ё
  EXPECT_EQ(cps[0xB9 - 0x80], 0x2116u);  // №
  EXPECT_EQ(cps[0x88 - 0x80], 0x20ACu);  // €
  EXPECT_EQ(cps[0x98 - 0x80], 0xFFFDu);  // unassigned
}

TEST(CsvReader, BadRowsAreRejectedWithLineAndReasonAndReadingGoesOn) {
  std::string data =
      "id,name,phone\n"         // 1
      "1,Иванов,89123456789\n"  // 2
      "2,Петров\n"              // 3: too few fields
      "3,Сидоров,1,extra\n"     // 4: too many
      "4,\xFF\xFE bad,x\n"      // 5: not UTF-8
      "5,Смирнов,8912\n";       // 6
  ReaderOptions o;
  o.encoding = Encoding::kUtf8;
  auto r = Read(data, o);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[1][0], "5");
  EXPECT_EQ(r.lines, (std::vector<uint64_t>{2, 6}));
  ASSERT_EQ(r.rejects.size(), 3u);
  EXPECT_EQ(r.rejects[0].line, 3u);
  EXPECT_EQ(r.rejects[0].reason, "expected 3 fields, found 2");
  EXPECT_EQ(r.rejects[0].raw, "2,Петров");
  EXPECT_EQ(r.rejects[1].line, 4u);
  EXPECT_EQ(r.rejects[1].reason, "expected 3 fields, found 4");
  EXPECT_EQ(r.rejects[2].line, 5u);
  EXPECT_NE(r.rejects[2].reason.find("invalid UTF-8 in column 'name'"), std::string::npos);
  EXPECT_EQ(r.rejects[2].raw, "4,\xFF\xFE bad,x");  // raw bytes kept as found
}

// A record is checked for UTF-8 once, as a whole; a character cut in two
// by a delimiter (each half invalid, the whole line valid) is still a bad
// field, named, and so is one cut by quoting.
TEST(CsvReader, ACharacterSplitAcrossFieldsIsRejected) {
  std::string data =
      "id,name,phone\n"
      "1,\xD0,\x98\xD0\xB2\n"         // 2: И cut by a comma
      "2,\"\xD0\"\"\x98\",x\n"      // 3: И cut by an escaped quote
      "3,\xD0\x98\xD0\xB2,\xD0\x98\n";  // 4: fine
  ReaderOptions o;
  o.encoding = Encoding::kUtf8;
  auto r = Read(data, o);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{"3", "Ив", "И"}));
  ASSERT_EQ(r.rejects.size(), 2u);
  EXPECT_EQ(r.rejects[0].line, 2u);
  EXPECT_NE(r.rejects[0].reason.find("invalid UTF-8 in column 'name'"), std::string::npos) << r.rejects[0].reason;
  EXPECT_EQ(r.rejects[1].line, 3u);
  EXPECT_NE(r.rejects[1].reason.find("invalid UTF-8 in column 'name'"), std::string::npos) << r.rejects[1].reason;
}

TEST(CsvReader, UnterminatedQuoteRejectsOneLineAndResumes) {
  std::string data =
      "id,name\n"
      "1,\"Иванов\n"  // never closed
      "2,Петров\n"
      "3,Сидоров\n";
  auto r = Read(data);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].line, 2u);
  EXPECT_NE(r.rejects[0].reason.find("unterminated quoted field in column 2"), std::string::npos);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{"2", "Петров"}));
  EXPECT_EQ(r.lines, (std::vector<uint64_t>{3, 4}));
}

TEST(CsvReader, OverlongQuotedFieldIsCutOffNotBuffered) {
  ReaderOptions o;
  o.max_record_bytes = 64;
  o.chunk_bytes = 4096;
  std::string data = "id,note\n1,\"" + std::string(10000, 'x') + "\n2,ok\n";
  auto r = Read(data, o);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].line, 2u);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (Row{"2", "ok"}));
  EXPECT_EQ(r.lines[0], 3u);
}

TEST(CsvReader, StrayQuoteCannotSwallowRowsInsideOneChunk) {
  // The closing quote sits in the same chunk, far away: still cut off.
  ReaderOptions o;
  o.max_record_bytes = 64;
  std::string data = "id,note\n1,\"" + std::string(10000, 'x') + "\n2,\"ok\"\n3,fine\n";
  auto r = Read(data, o);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].line, 2u);
  EXPECT_NE(r.rejects[0].reason.find("longer than 64 bytes"), std::string::npos) << r.rejects[0].reason;
  EXPECT_EQ(r.rejects[0].raw.size(), 64u);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{"2", "ok"}));
  EXPECT_EQ(r.rows[1], (Row{"3", "fine"}));
  EXPECT_EQ(r.lines, (std::vector<uint64_t>{3, 4}));
}

TEST(CsvReader, CarriageReturnOnlyLineEnds) {
  auto r = Read("id,n\r1,\"a\rb\"\r2,c\r");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{"1", "a\rb"}));
  EXPECT_EQ(r.lines, (std::vector<uint64_t>{2, 4}));
  auto bad = Read("id,n\r1,\"a\r2,b\r3,c\r");
  ASSERT_EQ(bad.rejects.size(), 1u);
  EXPECT_EQ(bad.rejects[0].line, 2u);
  EXPECT_EQ(bad.rows.size(), 2u);
  EXPECT_EQ(bad.lines, (std::vector<uint64_t>{3, 4}));
}

TEST(CsvReader, BlankLinesSkippedAndNoHeaderMode) {
  ReaderOptions o;
  o.header = false;
  auto r = Read("1,a\n\n2,b\n\r\n3,c\n", o);
  EXPECT_EQ(r.names, (Row{"column_1", "column_2"}));
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.lines, (std::vector<uint64_t>{1, 3, 5}));
}

TEST(CsvReader, FebrlStyleCommaSpace) {
  auto r = Read("rec_id, given_name, surname\nrec-1-org, michaela, neumann\nrec-1-dup-0, , neuman\n");
  EXPECT_EQ(r.names, (Row{"rec_id", "given_name", "surname"}));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{"rec-1-org", "michaela", "neumann"}));
  EXPECT_EQ(r.rows[1], (Row{"rec-1-dup-0", "", "neuman"}));
}

TEST(CsvReader, DuplicateAndEmptyHeaderNamesAreMadeUnique) {
  auto r = Read("phone,phone,,x\n1,2,3,4\n");
  EXPECT_EQ(r.names, (Row{"phone", "phone_2", "column_3", "x"}));
  EXPECT_EQ(Read("phone_2,phone,phone\n1,2,3\n").names, (Row{"phone_2", "phone", "phone_3"}));
}

TEST(CsvReader, SameResultWhateverTheChunkAndBatchSizes) {
  // Random CSV with quotes, CRLF and multi-byte text, read with tiny chunks.
  std::mt19937 rng(7);
  const char* pieces[] = {"Иванов", "a,b", "say \"x\"", "multi\nline", "", " spaced ", "ёж", "x"};
  std::string data = "c1,c2,c3\n";
  for (int i = 0; i < 300; ++i) {
    for (int c = 0; c < 3; ++c) {
      std::string v = pieces[rng() % 8];
      std::string q = "\"";
      for (char ch : v) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      q += "\"";
      data += (c ? "," : "") + q;
    }
    data += (i % 3 == 0) ? "\r\n" : "\n";
  }
  ReaderOptions big;
  auto a = Read(data, big);
  ReaderOptions small;
  small.chunk_bytes = 4096;
  small.batch_rows = 7;
  auto b = Read(data, small);
  ASSERT_EQ(a.rows.size(), 300u);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_TRUE(a.rejects.empty());
}

TEST(NdjsonReader, FlatObjectsArraysAndNewKeys) {
  std::string data =
      "{\"id\": 1, \"name\": \"Иванов \\u0418\\u0432\\u0430\\u043d\", \"phones\": [\"89123456789\", \"+7 343 123 45 67\"]}\n"
      "\n"
      "{\"id\": 2, \"name\": null, \"email\": \"a@b.ru\", \"vip\": true}\n";
  auto r = Read(data);
  EXPECT_EQ(r.format, InputFormat::kNdjson);
  EXPECT_EQ(r.names, (Row{"id", "name", "phones", "email", "vip"}));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0][1], "Иванов Иван");
  EXPECT_EQ(r.rows[0][2], "89123456789; +7 343 123 45 67");
  EXPECT_EQ(r.rows[1], (Row{"2", "", "", "a@b.ru", "true"}));
  EXPECT_EQ(r.lines, (std::vector<uint64_t>{1, 3}));
}

TEST(NdjsonReader, MalformedLinesAreRejected) {
  std::string data =
      "{\"id\": 1}\n"
      "{\"id\": 2\n"                     // unterminated object
      "not json\n"
      "{\"id\": 3, \"addr\": {\"city\": \"x\"}}\n"  // nested object
      "{\"id\": \"4\"}\n";
  ReaderOptions o;
  o.format = InputFormat::kNdjson;
  auto r = Read(data, o);
  ASSERT_EQ(r.rows.size(), 2u);
  ASSERT_EQ(r.rejects.size(), 3u);
  EXPECT_EQ(r.rejects[0].line, 2u);
  EXPECT_NE(r.rejects[0].reason.find("malformed JSON"), std::string::npos);
  EXPECT_EQ(r.rejects[1].line, 3u);
  EXPECT_EQ(r.rejects[2].line, 4u);
  EXPECT_NE(r.rejects[2].reason.find("nested object"), std::string::npos);
}

TEST(NdjsonReader, FormatFromExtension) {
  auto r = Read("{\"a\":1}\n", {}, "clients.jsonl");
  EXPECT_EQ(r.format, InputFormat::kNdjson);
}

TEST(ReaderOptions, ValidateRejectsNonsense) {
  ReaderOptions o;
  o.delimiter = '"';
  EXPECT_FALSE(o.Validate().ok());
  o = {};
  o.batch_rows = 0;
  EXPECT_FALSE(o.Validate().ok());
}

}  // namespace
}  // namespace doppel::core
