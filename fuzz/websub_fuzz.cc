// WebSub hub request handling: the input is the form body of a POST /hub,
// checked by ReadHubRequest (the code Hub::Handle runs before verifying
// intent) against the daemon's own feed-path parser (FeedKey::Parse). An
// accepted request must be storable as is: a known mode, an http(s)
// callback without spaces or controls, a topic that is one of our feeds, a
// secret under 200 bytes and a lease within the hub's bounds. Feed paths
// must also survive a round trip through FeedKey::Path.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/serve/routes.h"
#include "fuzz/safe_html.h"

namespace {

using redwire::app::FeedKey;
using redwire::fuzz::Violated;

const std::string kBase = "http://127.0.0.1:8080";

std::optional<redwire::app::HubFeed> Lookup(const std::string& path) {
  const auto key = FeedKey::Parse(path);
  if (!key) return std::nullopt;
  const auto again = FeedKey::Parse(key->Path());
  if (!again || again->kind != key->kind || again->id != key->id || again->format != key->format ||
      again->page != key->page) {
    Violated("FeedKey::Path does not parse back to the same key", path, key->Path());
  }
  if (key->page != 1 || key->format == FeedKey::Format::kHtml) return std::nullopt;
  if (key->kind != FeedKey::Kind::kAll && key->id != "cuba-solidarity" && key->id != "kke-en") return std::nullopt;
  return redwire::app::HubFeed{"<feed/>", "application/atom+xml"};
}

bool IsWebUrl(const std::string& url) {
  const std::string lower = redwire::fuzz::LowerAscii(url.substr(0, 8));
  if (!lower.starts_with("http://") && !lower.starts_with("https://")) return false;
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7F) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const redwire::app::HubOptions options;
  auto checked = redwire::app::ReadHubRequest(body, kBase, Lookup, options);
  if (!checked.ok()) return 0;
  const redwire::app::HubRequest& r = checked.value();
  const redwire::store::Subscription& s = r.subscription;
  if (r.mode != "subscribe" && r.mode != "unsubscribe") Violated("an unknown mode", r.mode, body);
  if (!IsWebUrl(s.callback)) Violated("a callback that is not an http(s) URL", s.callback, body);
  if (s.topic.rfind(kBase + "/", 0) != 0 || !Lookup(s.topic.substr(kBase.size()))) {
    Violated("a topic that is not our feed", s.topic, body);
  }
  if (s.secret.size() >= 200) Violated("a secret of 200 bytes or more", std::to_string(s.secret.size()), body);
  if (s.lease < options.min_lease.count() || s.lease > options.max_lease.count()) {
    Violated("a lease outside the bounds", std::to_string(s.lease), body);
  }
  return 0;
}
