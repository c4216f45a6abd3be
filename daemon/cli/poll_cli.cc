#include "daemon/cli/poll_cli.h"

#include <chrono>
#include <memory>
#include <set>

#include <asio/io_context.hpp>
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "daemon/app/app.h"
#include "daemon/schedule/poller.h"
#include "daemon/fetch/fetcher.h"
#include "store/store.h"

namespace redwire::app {
namespace {

bool Gone(const config::Source& source, const store::SourceState* state) {
  return state && state->gone && state->gone_url == source.url;
}

std::string Summary(const PollReport& r, int sources, std::chrono::milliseconds took) {
  std::string out = std::to_string(sources) + (sources == 1 ? " source: " : " sources: ") + std::to_string(r.ok) +
                    " ok (" + std::to_string(r.not_modified) + " not modified), " + std::to_string(r.failed) +
                    " failed";
  if (r.skipped > 0) out += ", " + std::to_string(r.skipped) + " skipped";
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(took.count()) / 1000.0);
  return out + "; " + std::to_string(r.new_items) + " new items in " + seconds + " s";
}

// The sources asked for, in config order, or every polled one.
Result<std::vector<const config::Source*>> Select(const LiveConfig& config, const std::vector<std::string>& ids) {
  std::vector<const config::Source*> out;
  if (ids.empty()) {
    for (const auto& s : config.catalog.sources) out.push_back(&s);
    return out;
  }
  std::set<std::string> seen;
  for (const auto& id : ids) {
    const config::Source* source = config.source(id);
    if (!source) return Error{"unknown source '" + id + "' (not in the configuration)"};
    if (seen.insert(id).second) out.push_back(source);
  }
  return out;
}

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* body) {
  auto* text = static_cast<std::string*>(body);
  if (text->size() < 4096) text->append(data, std::min<std::size_t>(size * n, 4096 - text->size()));
  return size * n;
}

// POST URL/sources/ID/poll to the daemon; its status code and body.
Result<std::pair<long, std::string>> AskDaemon(const std::string& base, const std::string& id,
                                               const std::string& token) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Error{"curl_easy_init failed"};
  const std::string url = base + "/sources/" + id + "/poll";
  std::string body;
  curl_slist* headers = nullptr;
  const std::string auth = "Authorization: Bearer " + token;
  if (!token.empty()) headers = curl_slist_append(headers, auth.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) return Error{url + ": " + curl_easy_strerror(rc)};
  long code = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return std::make_pair(code, body);
}

Result<PollReport> ThroughDaemon(const PollOptions& options, const LiveConfig& config,
                                 const std::vector<const config::Source*>& sources, const LockHolder& daemon) {
  if (daemon.url.empty()) {
    return Error{options.state_dir + " is in use by redwire " + daemon.command + " (pid " +
                 std::to_string(daemon.pid) + "), which takes no poll requests (not listening yet?)"};
  }
  PollReport report;
  report.asked_daemon = true;
  int asked = 0;
  for (const config::Source* source : sources) {
    auto answer = AskDaemon(daemon.url, source->id, config.catalog.settings.control_token);
    if (!answer.ok()) return answer.error();
    const auto& [code, body] = answer.value();
    if (code == 401 || code == 403) {
      return Error{"the daemon at " + daemon.url + " refused the poll request (HTTP " + std::to_string(code) +
                   ": " + body + ")"};
    }
    ++asked;
    if (code == 202) {
      ++report.ok;
      if (options.progress && options.every_source) options.progress(source->id + ": " + body);
    } else {
      ++report.failed;
      if (options.progress) options.progress(source->id + ": HTTP " + std::to_string(code) + ": " + body);
    }
  }
  report.summary = "asked the daemon at " + daemon.url + " to poll " + std::to_string(report.ok) + " of " +
                   std::to_string(asked) + (asked == 1 ? " source" : " sources") +
                   " now; redwire status shows the outcomes";
  return report;
}

Result<PollReport> Here(const PollOptions& options, std::shared_ptr<const LiveConfig> config,
                        const std::vector<const config::Source*>& sources) {
  auto lock = StateLock::Acquire(options.state_dir, "poll --once");
  if (!lock.ok()) return lock.error();
  auto store = store::Store::Open(options.state_dir + "/redwire.db");
  if (!store.ok()) return store.error();
  const auto started = std::chrono::steady_clock::now();

  PollReport report;
  std::vector<std::string> ids;
  for (const config::Source* source : sources) {
    auto state = store.value()->GetSourceState(source->id);
    const store::SourceState* known = state.ok() && state.value() ? &*state.value() : nullptr;
    std::string skipped;
    // Asked for by name, a gone source is tried again; "every source" leaves it parked.
    if (options.sources.empty() && Gone(*source, known))
      skipped = "skipped: gone (HTTP 410); poll it by name with --source to try again";
    if (skipped.empty()) {
      ids.push_back(source->id);
      continue;
    }
    ++report.skipped;
    if (options.progress && options.every_source) options.progress(source->id + ": " + skipped);
  }

  asio::io_context io;
  fetch::Fetcher fetcher(io, FetchOptionsFrom(config->catalog.settings));
  {
    Poller poller(io, *store.value(), fetcher, config);
    std::size_t done = 0;
    poller.OnPolled([&](const store::SourceState& state) {
      ++done;
      char prefix[32];
      std::snprintf(prefix, sizeof prefix, "[%zu/%zu] ", done, ids.size());
      const bool failed = !state.last_error.empty();
      std::string line = prefix + state.source_id + ": ";
      if (failed) {
        ++report.failed;
        line += "failed (" + state.last_outcome + "): " + state.last_error;
      } else if (state.last_outcome == "not-modified") {
        ++report.ok;
        ++report.not_modified;
        line += "not modified";
      } else {
        ++report.ok;
        report.new_items += state.items_new;
        line += std::to_string(state.items_new) + " new of " + std::to_string(state.items_seen) + " items";
      }
      line += " (" + std::to_string(state.last_elapsed_ms) + " ms)";
      if (options.progress && (failed || options.every_source)) options.progress(line);
      if (done == ids.size()) {
        poller.Stop();
        io.stop();
      }
    });
    for (const auto& id : ids) poller.PollSoon(id);
    if (!ids.empty()) io.run();
  }
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  report.summary = Summary(report, static_cast<int>(sources.size()), took);
  spdlog::info("poll: {}", report.summary);
  return report;
}

}  // namespace

Result<PollReport> PollSources(const PollOptions& options) {
  auto config = LoadConfig(options.config_dir);
  if (!config.ok()) return config.error();
  auto sources = Select(*config.value(), options.sources);
  if (!sources.ok()) return sources.error();
  if (auto daemon = FindHolder(options.state_dir)) {
    if (options.once || daemon->command != "run") {
      return Error{options.state_dir + " is in use by redwire " + daemon->command + " (pid " +
                   std::to_string(daemon->pid) + "); " +
                   (daemon->command == "run" ? "redwire poll without --once asks it to poll"
                                             : "wait for it to finish")};
    }
    return ThroughDaemon(options, *config.value(), sources.value(), *daemon);
  }
  return Here(options, config.value(), sources.value());
}

}  // namespace redwire::app
