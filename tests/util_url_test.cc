// util/url.h: percent-encoding as RFC 3986 2.1-2.3 defines it, form
// decoding as the WHATWG URL standard's application/x-www-form-urlencoded
// parser does ('+' is a space), and the http(s) URL check. The example
// URLs are sources' own (inter.kke.gr, www.pcp.pt, cpusa.org).
#include <catch2/catch.hpp>

#include "util/url.h"

using namespace redwire;

TEST_CASE("PercentEncode keeps only unreserved characters", "[util][url]") {
  CHECK(util::PercentEncode("") == "");
  CHECK(util::PercentEncode("AZaz09-._~") == "AZaz09-._~");
  CHECK(util::PercentEncode("a b&c=d/e?f#g+h%") == "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25");
  CHECK(util::PercentEncode("Κούβα") == "%CE%9A%CE%BF%CF%8D%CE%B2%CE%B1");
  CHECK(util::PercentEncode(std::string("\0\xff", 2)) == "%00%FF");
}

TEST_CASE("PercentDecode reverses PercentEncode and refuses broken escapes", "[util][url]") {
  for (const char* s : {"", "plain", "a b&c=d/e?f#g+h%", "Κούβα", "https://inter.kke.gr/en/?q=1"}) {
    CHECK(util::PercentDecode(util::PercentEncode(s)) == s);
  }
  CHECK(util::PercentDecode("%ce%9a%CE%BF") == "Κο");  // either case of hex
  CHECK(util::PercentDecode("a+b") == "a+b");
  CHECK(util::PercentDecode("a+b%2B", util::PlusIs::kSpace) == "a b+");
  CHECK(util::PercentDecode("nul%00") == std::string("nul\0", 4));
  CHECK_FALSE(util::PercentDecode("%"));
  CHECK_FALSE(util::PercentDecode("%4"));
  CHECK_FALSE(util::PercentDecode("ab%4"));
  CHECK_FALSE(util::PercentDecode("%G1"));
  CHECK_FALSE(util::PercentDecode("%1g"));
  CHECK(util::PercentDecode("%41") == "A");
}

TEST_CASE("IsHttpUrl accepts absolute http(s) URLs with a host and nothing else", "[util][url]") {
  CHECK(util::IsHttpUrl("https://inter.kke.gr/en/"));
  CHECK(util::IsHttpUrl("http://www.pcp.pt"));
  CHECK(util::IsHttpUrl("HTTPS://cpusa.org/feed/"));
  CHECK(util::IsHttpUrl("http://127.0.0.1:8080/feed.xml"));
  CHECK_FALSE(util::IsHttpUrl(""));
  CHECK_FALSE(util::IsHttpUrl("https://"));
  CHECK_FALSE(util::IsHttpUrl("https:///path"));
  CHECK_FALSE(util::IsHttpUrl("ftp://example.org/"));
  CHECK_FALSE(util::IsHttpUrl("javascript:alert(1)"));
  CHECK_FALSE(util::IsHttpUrl("//example.org/"));
  CHECK_FALSE(util::IsHttpUrl("/feed.xml"));
  CHECK_FALSE(util::IsHttpUrl("https://example.org/a b"));
  CHECK_FALSE(util::IsHttpUrl("https://example.org/\ttab"));
  CHECK_FALSE(util::IsHttpUrl("https://example.org/\x01"));
  CHECK_FALSE(util::IsHttpUrl("https://example.org/\x7f"));
  CHECK_FALSE(util::IsHttpUrl("https://example.org/\r\nHost: evil"));
}
