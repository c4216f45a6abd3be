// TOML config loader: the input is one feeds/*.toml file, loaded the way
// the daemon loads its config directory (LoadCatalog reads files, so the
// input is written to a private directory first), then every topic rule is
// compiled as the daemon does on load. A bad file must come back as an
// error naming file:line:col, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "daemon/classify/classify.h"
#include "daemon/config/config.h"
#include "fuzz/safe_html.h"

namespace {

namespace fs = std::filesystem;

// One directory per process (libFuzzer may run several with -jobs), in
// /dev/shm when there is one so each input costs no disk write. Removed at
// exit; a crash leaves it behind, small, for the crash report to name.
struct ScratchDir {
  ScratchDir() {
    const fs::path root = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    path = (root / ("redwire-config-fuzz-" + std::to_string(::getpid()))).string();
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string path;
};

const std::string& ConfigDir() {
  static const ScratchDir dir;
  return dir.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string file = ConfigDir() + "/feeds.toml";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto catalog = redwire::config::LoadCatalog(ConfigDir());
  if (!catalog.ok()) {
    if (catalog.error().message.rfind(file + ":", 0) != 0) {
      redwire::fuzz::Violated("an error without file:line:col", catalog.error().message, "");
    }
    return 0;
  }
  for (const redwire::config::Topic& topic : catalog.value().topics) {
    if (!topic.match.empty()) (void)redwire::classify::Rule::Compile(topic.match);
  }
  return 0;
}
