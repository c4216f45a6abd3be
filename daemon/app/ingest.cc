#include "daemon/app/ingest.h"

#include <chrono>

#include "daemon/parse/parse.h"

namespace redwire::app {

Ingester::Ingester(store::Store& store, fetch::Fetcher& fetcher) : store_(store), fetcher_(fetcher) {}

void Ingester::Ingest(std::shared_ptr<const LiveConfig> config, const config::Source& source,
                      const fetch::Response& response, Done done) {
  IngestResult result;
  const UnixTime now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  parse::Context context{source.id, response.final_url.empty() ? source.url : response.final_url,
                         response.content_type, now};
  auto parsed = parse::ParseFeed(response.body, context);
  if (!parsed.ok()) {
    result.error = parsed.error().message;
    done(std::move(result));
    return;
  }
  for (auto& item : parsed->items) {
    if (item.language.empty()) item.language = !parsed->meta.language.empty() ? parsed->meta.language : source.lang;
  }
  std::vector<std::vector<std::string>> topics;
  topics.reserve(parsed->items.size());
  for (const auto& item : parsed->items) topics.push_back(classify::Classify(config->rules, item));
  auto stats = store_.Upsert(parsed->items, topics);
  if (!stats.ok()) {
    result.error = stats.error().message;
    done(std::move(result));
    return;
  }
  result.items_seen = static_cast<int>(parsed->items.size());
  result.stats = stats.value();
  result.meta = std::move(parsed->meta);
  result.bozo = parsed->bozo;
  result.bozo_reason = std::move(parsed->bozo_reason);
  done(std::move(result));
}

}  // namespace redwire::app
