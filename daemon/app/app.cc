#include "daemon/app/app.h"

#include <cstdlib>
#include <filesystem>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "daemon/app/poller.h"
#include "daemon/app/routes.h"
#include "daemon/fetch/fetcher.h"
#include "daemon/http/server.h"
#include "store/store.h"

namespace redwire::app {

const config::Source* LiveConfig::source(const std::string& id) const {
  for (const auto& s : catalog.sources) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const config::Topic* LiveConfig::topic(const std::string& id) const {
  for (const auto& t : catalog.topics) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

Result<std::shared_ptr<const LiveConfig>> LoadConfig(const std::string& config_dir) {
  auto catalog = config::LoadCatalog(config_dir);
  if (!catalog.ok()) return catalog.error();
  auto live = std::make_shared<LiveConfig>();
  std::string problems;
  for (const auto& topic : catalog->topics) {
    auto rule = classify::Rule::Compile(topic.match);
    if (!rule.ok()) {
      // The rule's own "col N: reason" becomes a position inside the value.
      std::string message = rule.error().message;
      config::Where where = topic.match_where;
      if (message.rfind("col ", 0) == 0) {
        // match_where is the opening quote, so rule column N is N to its right.
        where.column += std::atoi(message.c_str() + 4);
        message = message.substr(message.find(':') + 2);
      }
      if (!problems.empty()) problems += '\n';
      problems += where.str() + ": topic '" + topic.id + "': " + message;
      continue;
    }
    live->rules.push_back({topic.id, std::move(rule).value()});
  }
  if (!problems.empty()) return Error{problems};
  live->catalog = std::move(catalog).value();
  return std::shared_ptr<const LiveConfig>(std::move(live));
}

int Run(const RunOptions& options) {
  auto config = LoadConfig(options.config_dir);
  if (!config.ok()) {
    spdlog::error("config errors, not starting:\n{}", config.error().message);
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.state_dir, ec);
  if (ec) {
    spdlog::error("cannot create state directory {}: {}", options.state_dir, ec.message());
    return 1;
  }
  auto opened = store::Store::Open(options.state_dir + "/redwire.db");
  if (!opened.ok()) {
    spdlog::error("{}", opened.error().message);
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(opened).value();
  const config::Settings& settings = config.value()->catalog.settings;

  asio::io_context io;
  fetch::Options fetch_options;
  fetch_options.user_agent = settings.user_agent;
  fetch::Fetcher fetcher(io, fetch_options);
  Poller poller(io, *store, fetcher, config.value());
  std::unique_ptr<Routes> routes;
  http::Server server(io, [&routes](const http::Request& r) { return routes->Handle(r); });
  if (auto st = server.Start(options.listen); !st.ok()) {
    spdlog::error("{}", st.error().message);
    return 1;
  }
  std::string base_url = settings.public_url;
  if (base_url.empty()) {
    base_url = "http://" + options.listen.substr(0, options.listen.rfind(':')) + ":" +
               std::to_string(server.port());
  }
  routes = std::make_unique<Routes>(*store, config.value(), base_url);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& error, int signo) {
    if (error) return;
    spdlog::info("signal {}: stopping", signo);
    sd_notify(0, "STOPPING=1");
    poller.Stop();
    server.Stop();
    io.stop();
  });

  const std::size_t polled = poller.Start();
  const auto& catalog = config.value()->catalog;
  spdlog::info("serving {} on {}; polling {} of {} sources, {} topics", base_url, options.listen, polled,
               catalog.sources.size(), catalog.topics.size());
  auto count = store->CountItems();
  sd_notifyf(0, "READY=1\nSTATUS=%zu sources, %lld items", catalog.sources.size(),
             static_cast<long long>(count.ok() ? count.value() : 0));
  io.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace redwire::app
