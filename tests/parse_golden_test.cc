// The golden corpus (issue 3 point 8): every tests/fixtures/feeds/*.{xml,
// rss,atom,json} parses to exactly its .expected.json, the output of
// `redwire parse FILE --json`. A document that is no feed expects
// {"error": "..."}. Sidecars: NAME.url (the feed's URL, default
// https://feeds.example.org/NAME) and NAME.content-type (the HTTP header).
//
// After a deliberate change of behaviour, REDWIRE_UPDATE_GOLDEN=1 rewrites
// the expected files; read every diff before committing it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/parse/parse.h"

namespace {

namespace fs = std::filesystem;

constexpr redwire::UnixTime kNow = 1741600800;  // 2025-03-10T10:00:00Z

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string FirstLine(const fs::path& path) {
  std::string line;
  std::ifstream in(path);
  std::getline(in, line);
  return line;
}

std::string JsonQuoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::vector<fs::path> CorpusDocuments() {
  std::vector<fs::path> docs;
  for (const auto& entry : fs::directory_iterator(fs::path(REDWIRE_FIXTURES) / "feeds")) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".xml" || ext == ".rss" || ext == ".atom" || ext == ".json") {
      if (entry.path().string().ends_with(".expected.json")) continue;
      docs.push_back(entry.path());
    }
  }
  std::sort(docs.begin(), docs.end());
  return docs;
}

std::string Render(const fs::path& doc) {
  redwire::parse::Context context;
  context.source_id = "golden";
  context.now = kNow;
  const fs::path url = fs::path(doc.string() + ".url");
  const fs::path type = fs::path(doc.string() + ".content-type");
  context.base_url = fs::exists(url) ? FirstLine(url)
                                     : "https://feeds.example.org/" + doc.filename().string();
  if (fs::exists(type)) context.content_type = FirstLine(type);
  auto out = redwire::parse::Inspect(Slurp(doc), context, true);
  return out.ok() ? out.value() : "{\"error\": " + JsonQuoted(out.error().message) + "}\n";
}

}  // namespace

TEST_CASE("golden corpus: every document parses to its expected JSON", "[golden]") {
  const std::vector<fs::path> docs = CorpusDocuments();
  REQUIRE(docs.size() >= 80);
  const bool update = std::getenv("REDWIRE_UPDATE_GOLDEN") != nullptr;
  for (const fs::path& doc : docs) {
    INFO(doc.filename().string());
    const std::string actual = Render(doc);
    const fs::path expected_path = fs::path(doc.string() + ".expected.json");
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << actual;
      continue;
    }
    REQUIRE(fs::exists(expected_path));
    CHECK(actual == Slurp(expected_path));
  }
}

TEST_CASE("golden corpus: every expected file belongs to a document", "[golden]") {
  for (const auto& entry : fs::directory_iterator(fs::path(REDWIRE_FIXTURES) / "feeds")) {
    const std::string name = entry.path().string();
    if (!name.ends_with(".expected.json")) continue;
    INFO(name);
    CHECK(fs::exists(name.substr(0, name.size() - std::string(".expected.json").size())));
  }
}
