// The header-only model: the JSON string escaper every hand-written JSON
// document goes through.
#include "model/json.h"

#include <catch2/catch.hpp>

using redwire::JsonString;

TEST_CASE("JsonString escapes quotes, backslashes and controls") {
  CHECK(JsonString("") == "\"\"");
  CHECK(JsonString("say \"no\" to NATO\\") == "\"say \\\"no\\\" to NATO\\\\\"");
  CHECK(JsonString("a\nb\rc\td") == "\"a\\nb\\rc\\td\"");
  CHECK(JsonString(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
  CHECK(JsonString(std::string("nul\0byte", 8)) == "\"nul\\u0000byte\"");
}

TEST_CASE("JsonString keeps valid UTF-8 and replaces every invalid byte with U+FFFD") {
  CHECK(JsonString("Κούβα, Куба, Küba") == "\"Κούβα, Куба, Küba\"");
  CHECK(JsonString("\xF0\x9F\x9A\xA9") == "\"\xF0\x9F\x9A\xA9\"");  // a four-byte flag
  CHECK(JsonString("windows-1253: \xca\xef\xfd\xe2\xe1") ==
        "\"windows-1253: \\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
  CHECK(JsonString("overlong \xC0\xAF") == "\"overlong \\ufffd\\ufffd\"");
  CHECK(JsonString("surrogate \xED\xA0\x80") == "\"surrogate \\ufffd\\ufffd\\ufffd\"");
  CHECK(JsonString("past U+10FFFF \xF4\x90\x80\x80") == "\"past U+10FFFF \\ufffd\\ufffd\\ufffd\\ufffd\"");
  CHECK(JsonString("cut \xE2\x82") == "\"cut \\ufffd\\ufffd\"");
}
