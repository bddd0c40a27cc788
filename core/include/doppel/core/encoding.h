// Text encodings of input files: detection and conversion to UTF-8.
//
// Russian client bases arrive as UTF-8 (with or without BOM), Windows-1251
// (exports from 1C and older Excel) or UTF-16 ("Unicode text" from Excel).
// Everything inside Doppel is UTF-8.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "doppel/core/byte_source.h"
#include "doppel/core/status.h"

namespace doppel::core {

enum class Encoding : uint8_t { kAuto, kUtf8, kCp1251, kUtf16Le, kUtf16Be };

std::string_view EncodingName(Encoding e);
// Accepts auto, utf-8/utf8, cp1251/windows-1251, utf-16le, utf-16be.
Result<Encoding> ParseEncoding(std::string_view name);

// Appends the UTF-8 form of Windows-1251 bytes to out. Bytes with no
// character in the code page (0x98) become U+FFFD.
void Cp1251ToUtf8(std::string_view in, std::string& out);

struct DetectedEncoding {
  Encoding encoding = Encoding::kUtf8;
  size_t bom_bytes = 0;  // bytes of byte-order mark to skip
};
// Guesses the encoding of a file from its first bytes: a BOM decides; else
// valid UTF-8 is UTF-8; else text whose high bytes are mostly Cyrillic
// letters in Windows-1251 is Windows-1251; else UTF-8 (and the bad rows will
// be rejected with a hint).
DetectedEncoding DetectEncoding(std::string_view sample);

// Wraps a UTF-16 source (after its BOM) into one that yields UTF-8. An
// unpaired surrogate becomes U+FFFD.
std::unique_ptr<ByteSource> MakeUtf16ToUtf8Source(std::unique_ptr<ByteSource> inner, bool big_endian,
                                                  std::string prefix);

}  // namespace doppel::core
