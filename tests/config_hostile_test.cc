// The bad-input catalogue (docs/hardening.md), config cases: TOML files an
// operator (or whoever can write the config directory) got badly wrong.
// Each is a clear file:line:col error, never a crash or a catalog that
// carries megabytes into every feed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "daemon/config/config.h"

namespace fs = std::filesystem;
using redwire::config::LoadCatalog;

namespace {

struct ConfigDir {
  fs::path path;
  ConfigDir() {
    path = fs::temp_directory_path() / ("redwire-config-hostile-" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~ConfigDir() { fs::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
  std::string str() const { return path.string(); }
};

const std::string kMegabyte(1024 * 1024, 'x');

std::string LoadError(const ConfigDir& dir) {
  auto loaded = LoadCatalog(dir.str());
  REQUIRE_FALSE(loaded.ok());
  return loaded.error().message;
}

}  // namespace

TEST_CASE("a TOML file with a 1 MB string is refused at its line and column", "[hostile][config]") {
  ConfigDir dir;
  SECTION("as a source name") {
    dir.Write("a.toml", "[[source]]\nid = \"kke\"\nurl = \"https://inter.kke.gr/en/rss\"\nname = \"" + kMegabyte +
                            "\"\n");
    const std::string error = LoadError(dir);
    CHECK(error.find("a.toml:4:8: 'name' is 1048576 bytes long; at most 65536") != std::string::npos);
    CHECK(error.size() < 1000);
  }
  SECTION("as a topic rule, a tag and a settings value") {
    dir.Write("a.toml", "[[topic]]\nid = \"t\"\nmatch = '" + kMegabyte + "'\ntags = [\"" + kMegabyte +
                            "\"]\n\n[redwire]\npublic_url = \"https://x.org/" + kMegabyte + "\"\n");
    const std::string error = LoadError(dir);
    INFO(error.substr(0, 2000));
    CHECK(error.find("a.toml:3:9: 'match' is 1048576 bytes long") != std::string::npos);
    CHECK(error.find("a.toml:4:9: 'tags' is 1048576 bytes long") != std::string::npos);
    CHECK(error.find("a.toml:7:14: 'public_url' is 1048590 bytes long") != std::string::npos);
    CHECK(error.size() < 1000);
  }
  SECTION("as a key: named in the error, cut short") {
    dir.Write("a.toml", "[[source]]\nid = \"kke\"\nurl = \"https://inter.kke.gr/en/rss\"\n" + kMegabyte + " = 1\n");
    const std::string error = LoadError(dir);
    CHECK(error.find("a.toml:4:") != std::string::npos);
    CHECK(error.find("unknown key 'xxxx") != std::string::npos);
    CHECK(error.size() < 1000);
  }
  SECTION("in a comment it is only a comment") {
    dir.Write("a.toml", "# " + kMegabyte + "\n[[source]]\nid = \"kke\"\nurl = \"https://inter.kke.gr/en/rss\"\n");
    auto loaded = LoadCatalog(dir.str());
    REQUIRE(loaded.ok());
    CHECK(loaded->sources.size() == 1);
  }
  SECTION("just under the cap loads") {
    dir.Write("a.toml", "[[source]]\nid = \"kke\"\nurl = \"https://inter.kke.gr/en/rss\"\nname = \"" +
                            std::string(65536, 'n') + "\"\n");
    auto loaded = LoadCatalog(dir.str());
    REQUIRE(loaded.ok());
    CHECK(loaded->sources[0].name.size() == 65536);
  }
}

TEST_CASE("TOML nested 10 000 deep is a parse error and no stack overflow", "[hostile][config]") {
  ConfigDir dir;
  SECTION("arrays") {
    dir.Write("a.toml", "x = " + std::string(10000, '[') + std::string(10000, ']') + "\n");
  }
  SECTION("inline tables") {
    std::string nested;
    for (int i = 0; i < 10000; ++i) nested += "{a = ";
    nested += "1";
    for (int i = 0; i < 10000; ++i) nested += "}";
    dir.Write("a.toml", "x = " + nested + "\n");
  }
  SECTION("dotted keys") {
    std::string key = "a";
    for (int i = 0; i < 10000; ++i) key += ".a";
    dir.Write("a.toml", key + " = 1\n");
  }
  const std::string error = LoadError(dir);
  CHECK(error.find("a.toml:1:") != std::string::npos);
}
