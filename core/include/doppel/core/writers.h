// Small text writers for what Doppel emits: CSV fields and JSON documents.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace doppel::core {

// When AppendCsvField quotes a field. Both quote the delimiter, quotes and
// line breaks.
enum class CsvQuoting : uint8_t {
  // Also spaces at either end, so that readers that trim fields keep them.
  kEdgeSpaces,
  // Only what RFC 4180 requires: spaces at the ends stay bare, as hand-made
  // exports leave them (the generator's damaged rows).
  kMinimal,
};

// Appends v as one CSV field, quoted (RFC 4180) when it holds the delimiter,
// a quote, a line break or, with kEdgeSpaces, leading/trailing spaces.
void AppendCsvField(std::string& out, std::string_view v, char delimiter = ',',
                    CsvQuoting quoting = CsvQuoting::kEdgeSpaces);
// Appends a whole row and "\n".
void AppendCsvRow(std::string& out, const std::vector<std::string_view>& fields, char delimiter = ',');

// A streaming JSON writer that keeps commas and escaping right. Keys and
// values are UTF-8; invalid bytes are escaped as U+FFFD.
class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = true) : pretty_(pretty) {}
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view k);
  JsonWriter& String(std::string_view v);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Double(double v, int digits = 10);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Shorthands for "key": value.
  template <typename T>
  JsonWriter& Field(std::string_view k, const T& v);
  const std::string& str() const { return out_; }

 private:
  void BeforeValue();
  void Newline();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
  bool pretty_;
};

template <typename T>
JsonWriter& JsonWriter::Field(std::string_view k, const T& v) {
  Key(k);
  if constexpr (std::is_same_v<T, bool>) return Bool(v);
  else if constexpr (std::is_floating_point_v<T>) return Double(v);
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) return Int(v);
  else if constexpr (std::is_integral_v<T>) return Uint(v);
  else return String(v);
}

// Escapes a string for JSON (without the quotes).
void AppendJsonEscaped(std::string& out, std::string_view s);

// 1234567 -> "1,234,567"
std::string WithThousands(uint64_t v);
// 0.1234 -> "12.3%"
std::string Percent(uint64_t part, uint64_t whole);

}  // namespace doppel::core
