// The fetch keys of the config (issue 5): per-source interval bounds and the
// [redwire] politeness, proxy, timeout and limit settings.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "daemon/config/config.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A config directory holding one file with `text`, removed afterwards.
class ConfigDir {
 public:
  explicit ConfigDir(const std::string& text) {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("redwire-config-fetch-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "feeds.toml") << text;
  }
  ~ConfigDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path() const { return dir_.string(); }

 private:
  fs::path dir_;
};

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("fetch settings have defaults and read every key", "[config][fetch]") {
  SECTION("defaults") {
    ConfigDir dir("[[source]]\nid = \"a\"\nurl = \"https://a.example/feed\"\nevery = \"30m\"\n");
    auto catalog = redwire::config::LoadCatalog(dir.path());
    REQUIRE(catalog.ok());
    const auto& s = catalog->settings;
    CHECK(s.max_concurrency == 32);
    CHECK(s.per_host == 2);
    CHECK(s.host_delay == 1s);
    CHECK(s.proxy.empty());
    CHECK(s.connect_timeout == 10s);
    CHECK(s.timeout == 60s);
    CHECK(s.low_speed_time == 30s);
    CHECK(s.max_body == 10 * 1024 * 1024);
    CHECK(s.max_redirects == 5);
    const auto& source = catalog->sources.at(0);
    CHECK(source.min_every == 30min);
    CHECK(source.max_every == 2h);
  }
  SECTION("every key") {
    ConfigDir dir(R"([[source]]
id = "a"
url = "https://a.example/feed"
every = "30m"
min_every = "5m"
max_every = "1d"

[redwire]
max_concurrency = 64
per_host = 4
host_delay = "3s"
proxy = "socks5h://127.0.0.1:9050"
connect_timeout = "5s"
timeout = "2m"
low_speed_time = "20s"
max_body = 2097152
max_redirects = 3
)");
    auto catalog = redwire::config::LoadCatalog(dir.path());
    REQUIRE(catalog.ok());
    const auto& s = catalog->settings;
    CHECK(s.max_concurrency == 64);
    CHECK(s.per_host == 4);
    CHECK(s.host_delay == 3s);
    CHECK(s.proxy == "socks5h://127.0.0.1:9050");
    CHECK(s.connect_timeout == 5s);
    CHECK(s.timeout == 120s);
    CHECK(s.low_speed_time == 20s);
    CHECK(s.max_body == 2097152);
    CHECK(s.max_redirects == 3);
    CHECK(catalog->sources.at(0).min_every == 5min);
    CHECK(catalog->sources.at(0).max_every == 24h);
  }
}

TEST_CASE("bad fetch settings are reported where they are", "[config][fetch]") {
  ConfigDir dir(R"([[source]]
id = "a"
url = "https://a.example/feed"
min_every = "2h"
max_every = "1h"

[redwire]
max_concurrency = 0
per_host = "two"
host_delay = "soon"
proxy = "ftp://proxy"
max_body = 10
user_agent = "bad\nagent"
)");
  auto catalog = redwire::config::LoadCatalog(dir.path());
  REQUIRE_FALSE(catalog.ok());
  const std::string& e = catalog.error().message;
  INFO(e);
  CHECK(Contains(e, "feeds.toml:4:13: source 'a': min_every is above max_every"));
  CHECK(Contains(e, ":8:19: max_concurrency must be 1..1024"));
  CHECK(Contains(e, ":9:12: 'per_host' must be an integer"));
  CHECK(Contains(e, ":10:14: host_delay: bad interval 'soon'"));
  CHECK(Contains(e, ":11:9: proxy must be an http://, https://, socks5:// or socks5h:// URL"));
  CHECK(Contains(e, ":12:12: max_body must be 1024.."));
  CHECK(Contains(e, ":13:14: user_agent must be 1..256 printable characters"));
}
