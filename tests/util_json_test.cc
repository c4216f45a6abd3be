// util/json.h: the JSON string escaper every hand-written JSON document
// goes through, and the non-throwing reader over nlohmann::json.
#include "util/json.h"

#include <catch2/catch.hpp>

using redwire::util::JsonString;
using redwire::util::ParseJson;
using redwire::util::JsonEscape;

TEST_CASE("JsonString escapes quotes, backslashes and controls", "[util][json]") {
  CHECK(JsonString("") == "\"\"");
  CHECK(JsonString("say \"no\" to NATO\\") == "\"say \\\"no\\\" to NATO\\\\\"");
  CHECK(JsonString("a\nb\rc\td") == "\"a\\nb\\rc\\td\"");
  CHECK(JsonString(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
  CHECK(JsonString(std::string("nul\0byte", 8)) == "\"nul\\u0000byte\"");
}

TEST_CASE("JsonString keeps valid UTF-8 and replaces every invalid byte with U+FFFD", "[util][json]") {
  CHECK(JsonString("Κούβα, Куба, Küba") == "\"Κούβα, Куба, Küba\"");
  CHECK(JsonString("\xF0\x9F\x9A\xA9") == "\"\xF0\x9F\x9A\xA9\"");  // a four-byte flag
  CHECK(JsonString("windows-1253: \xca\xef\xfd\xe2\xe1") ==
        "\"windows-1253: \\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
  CHECK(JsonString("overlong \xC0\xAF") == "\"overlong \\ufffd\\ufffd\"");
  CHECK(JsonString("surrogate \xED\xA0\x80") == "\"surrogate \\ufffd\\ufffd\\ufffd\"");
  CHECK(JsonString("past U+10FFFF \xF4\x90\x80\x80") == "\"past U+10FFFF \\ufffd\\ufffd\\ufffd\\ufffd\"");
  CHECK(JsonString("cut \xE2\x82") == "\"cut \\ufffd\\ufffd\"");
}

TEST_CASE("The HTML-safe escape also hides '<' and the JavaScript line ends", "[util][json]") {
  CHECK(JsonString("</script><b>", JsonEscape::kHtmlSafe) == "\"\\u003c/script>\\u003cb>\"");
  CHECK(JsonString("a\u2028b\u2029c", JsonEscape::kHtmlSafe) == "\"a\\u2028b\\u2029c\"");
  CHECK(JsonString("a\u2028b<") == "\"a\u2028b<\"");  // plain leaves both
  CHECK(JsonString("bad \xff", JsonEscape::kHtmlSafe) == "\"bad \\ufffd\"");
}

TEST_CASE("What JsonString writes, ParseJson reads back", "[util][json]") {
  for (const char* s : {"", "say \"no\"\\", "Κούβα\n\t", "\x01\x7f", "</script>\u2028"}) {
    for (JsonEscape e : {JsonEscape::kPlain, JsonEscape::kHtmlSafe}) {
      const auto doc = ParseJson(JsonString(s, e));
      REQUIRE(doc);
      CHECK(doc->get<std::string>() == s);
    }
  }
}

TEST_CASE("ParseJson reads documents and refuses malformed ones without throwing", "[util][json]") {
  // The shape of a JSON Feed 1.1 item (jsonfeed.org/version/1.1).
  const auto feed = ParseJson(R"({"version": "https://jsonfeed.org/version/1.1", "items": [
      {"id": "1", "title": "\u039a\u03bf\u03cd\u03b2\u03b1", "date_published": "2024-03-05T09:00:00Z"}]})");
  REQUIRE(feed);
  CHECK((*feed)["items"][0]["title"] == "Κούβα");
  CHECK(ParseJson("  [1, 2.5, true, null]\n")->size() == 4);
  CHECK_FALSE(ParseJson(""));
  CHECK_FALSE(ParseJson("{"));
  CHECK_FALSE(ParseJson("{\"a\": 1,}"));
  CHECK_FALSE(ParseJson("[1] [2]"));
  CHECK_FALSE(ParseJson("{'a': 1}"));
  CHECK_FALSE(ParseJson("\"bad \xff\""));  // invalid UTF-8
  CHECK_FALSE(ParseJson("\"lone \\ud800\""));
}

TEST_CASE("ParseJson caps the nesting depth", "[util][json]") {
  const auto nested = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  CHECK(ParseJson(nested(64)));
  CHECK_FALSE(ParseJson(nested(65)));
  CHECK(ParseJson(nested(3), 3));
  CHECK_FALSE(ParseJson(nested(4), 3));
  CHECK_FALSE(ParseJson(nested(100000)));  // no stack overflow either
  CHECK_FALSE(ParseJson("{\"a\": {\"b\": [1]}}", 2));
  CHECK(ParseJson("{\"a\": {\"b\": 1}}", 2));
}
