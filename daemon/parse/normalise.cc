// From what a feed says (RawItem) to the item model: ids, absolute links,
// UTC dates, sanitised HTML with its plain text, gaps filled, fields capped.
// Shared by the XML, JSON and recovery readers.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "daemon/parse/internal.h"
#include "util/hash.h"

namespace redwire::parse::internal {
namespace {

// Raw HTML beyond this multiple of a field's cap cannot survive sanitising
// anyway; cutting it first keeps gumbo's work bounded on 10 MB descriptions.
constexpr std::size_t kRawHtmlFactor = 4;
constexpr std::size_t kMaxCategories = 64;
constexpr std::size_t kMaxEnclosures = 32;
constexpr std::size_t kHashSummaryPrefix = 200;
constexpr std::size_t kTitleWords = 12;
constexpr UnixTime kFutureSlack = 24 * 60 * 60;

std::optional<UnixTime> UsableDate(std::string_view text) {
  auto t = ParseDate(text);
  if (t && *t > 0) return t;  // feeds write epoch 0 (or earlier) to mean "no date"
  return std::nullopt;
}

// RSS <author> is an e-mail address, often "jane@example.org (Jane Doe)":
// readers want the name.
std::string AuthorName(std::string_view raw) {
  const std::string_view s = Trim(raw);
  const std::size_t open = s.find('(');
  if (open != std::string_view::npos && s.ends_with(")") && s.substr(0, open).find('@') != std::string_view::npos) {
    const std::string_view name = Trim(s.substr(open + 1, s.size() - open - 2));
    if (!name.empty()) return std::string(name);
  }
  return std::string(s);
}

std::string JoinAuthors(const std::vector<std::string>& authors) {
  std::string joined;
  std::vector<std::string> seen;
  for (const std::string& a : authors) {
    std::string name = ShortField(AuthorName(a), kShortFieldCap);
    if (name.empty() || std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    if (!joined.empty()) joined += ", ";
    joined += name;
    seen.push_back(std::move(name));
  }
  TruncateUtf8(joined, kShortFieldCap);
  return joined;
}

// A MIME type from the file extension, for enclosures whose feed gave none
// or only a medium ("image"), since published enclosures need one.
std::string MimeFromUrl(std::string_view url) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".png", "image/png"},
      {".gif", "image/gif"},  {".webp", "image/webp"}, {".svg", "image/svg+xml"},
      {".mp3", "audio/mpeg"}, {".m4a", "audio/mp4"},   {".ogg", "audio/ogg"},
      {".opus", "audio/ogg"}, {".mp4", "video/mp4"},   {".webm", "video/webm"},
      {".pdf", "application/pdf"}};
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  const std::size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) return {};
  const std::string ext = ToLowerAscii(path.substr(dot));
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return std::string(type);
  }
  return {};
}

}  // namespace

Item Normalise(RawItem raw, const RawFeed& feed, const Context& context) {
  Item item;
  item.source_id = context.source_id;
  item.guid = CleanText(Trim(raw.guid));
  TruncateUtf8(item.guid, kShortFieldCap);
  item.title = ShortField(raw.title, kTitleCap);

  item.link = WebLink(raw.link_base, raw.link);
  // A permalink guid is the link. A relative one ("/blog/post") resolves
  // against the feed's base when the feed marks it isPermaLink="true" or
  // it is a path; a bare "12345" stays an id.
  const std::string_view guid = Trim(raw.guid);
  if (item.link.empty() && raw.guid_is_permalink &&
      (HasWebScheme(guid) || raw.guid_marked_permalink || guid.starts_with('/'))) {
    item.link = WebLink(raw.link_base, raw.guid);
  }
  TruncateUtf8(item.link, 4 * kShortFieldCap);
  item.canonical_link = item.link.empty() ? std::string() : CanonicalUrl(item.link);

  // Relative URLs in the HTML resolve against xml:base, else the item's own
  // link, else the feed URL.
  const std::string& html_base =
      !raw.html_base.empty() ? raw.html_base : !item.link.empty() ? item.link : raw.link_base;
  auto sanitize = [&html_base](std::string& raw_html, std::size_t cap, std::string* text) {
    if (raw_html.empty()) return std::string();
    if (!IsCleanText(raw_html)) raw_html = CleanText(raw_html);
    TruncateUtf8(raw_html, cap * kRawHtmlFactor);
    return SanitizeCapped(raw_html, html_base, cap, text);
  };
  item.summary = sanitize(raw.summary_html, kSummaryCap, &item.summary_text);
  item.content = sanitize(raw.content_html, kContentCap, &item.content_text);

  if (item.title.empty()) {
    const std::string& text = !item.summary_text.empty() ? item.summary_text : item.content_text;
    item.title = ShortField(FirstWords(text, kTitleWords), kTitleCap);
  }

  item.author = JoinAuthors(raw.authors.empty() ? feed.authors : raw.authors);

  for (const std::string& c : raw.categories) {
    std::string category = ShortField(c, kShortFieldCap);
    if (category.empty() || item.categories.size() >= kMaxCategories) continue;
    if (std::find(item.categories.begin(), item.categories.end(), category) ==
        item.categories.end()) {
      item.categories.push_back(std::move(category));
    }
  }
  for (Enclosure& e : raw.enclosures) {
    if (item.enclosures.size() >= kMaxEnclosures) break;
    const bool repeated = std::any_of(item.enclosures.begin(), item.enclosures.end(),
                                      [&e](const Enclosure& other) { return other.url == e.url; });
    if (repeated) continue;
    e.type = ShortField(e.type, kShortFieldCap);
    if (e.type.find('/') == std::string::npos) e.type = MimeFromUrl(e.url);
    item.enclosures.push_back(std::move(e));
  }
  item.language = ShortField(raw.language.empty() ? feed.language : raw.language, kLanguageCap);

  const auto published = UsableDate(raw.published);
  const auto updated = UsableDate(raw.updated);
  item.published = published ? *published : updated.value_or(0);
  item.updated = updated ? *updated : published.value_or(0);
  if (item.published == 0) {
    item.published = item.updated = context.now;
    item.date_is_first_seen = true;
  } else if (context.now > 0) {
    // A date far in the future would pin the item to the top of every feed.
    for (UnixTime* t : {&item.published, &item.updated}) {
      if (*t > context.now + kFutureSlack) {
        *t = context.now;
        item.date_is_first_seen = true;
      }
    }
  }

  if (!item.guid.empty()) {
    item.id = item.guid;
  } else if (!item.canonical_link.empty()) {
    item.id = item.canonical_link;
  } else {
    const std::string_view date = Trim(raw.published.empty() ? raw.updated : raw.published);
    std::string summary_prefix = item.summary_text.empty() ? item.content_text : item.summary_text;
    TruncateUtf8(summary_prefix, kHashSummaryPrefix);
    item.id = "hash:" + util::Hex64(util::Fnv1a64(item.title + "\n" + std::string(date) + "\n" + summary_prefix));
  }
  return item;
}

namespace {

// The fragment of a link ("#v2.3" in "https://example.org/changelog#v2.3").
std::string_view Fragment(std::string_view link) {
  const std::size_t hash = link.find('#');
  return hash == std::string_view::npos ? std::string_view() : link.substr(hash + 1);
}

// What tells apart items that share a guid or a link: title, date and the
// start of the text, with the link itself.
std::string DistinctHash(const Item& item, std::string_view raw_date) {
  std::string text = item.summary_text.empty() ? item.content_text : item.summary_text;
  TruncateUtf8(text, kHashSummaryPrefix);
  return "hash:" + util::Hex64(util::Fnv1a64(item.id + "\n" + item.link + "\n" + item.title + "\n" +
                                             std::string(Trim(raw_date)) + "\n" + text));
}

}  // namespace

void AddItems(std::vector<RawItem> raws, const RawFeed& feed, const Context& context,
              ParsedFeed& out) {
  // Only entries within the cap are read: items collapse only when truly
  // the same, so the first max_items entries are (nearly) the items kept.
  const std::size_t room = context.max_items > out.items.size() ? context.max_items - out.items.size() : 0;
  const std::size_t count = std::min(raws.size(), room);
  std::vector<Item> items;
  std::vector<std::string> dates;  // as given: the first-seen time is no part of an id
  items.reserve(count);
  dates.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    dates.push_back(raws[i].published.empty() ? raws[i].updated : raws[i].published);
    items.push_back(Normalise(std::move(raws[i]), feed, context));
  }
  // Items that share an id (newsletters whose issues all link to one page,
  // changelogs linking to #anchors of one, a CMS that repeats one guid)
  // are still different items unless they say the same: each then gets an
  // id of its own, the link with its fragment where that tells it apart,
  // else a hash of what it says. Ids no other item shares stay as they
  // were, and so does the id of an item repeated word for word.
  std::unordered_map<std::string_view, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < items.size(); ++i) groups[items[i].id].push_back(i);
  std::vector<std::string> distinct(items.size());
  for (const auto& [id, members] : groups) {
    if (members.size() < 2) continue;
    std::vector<std::string> hashes;
    for (std::size_t i : members) hashes.push_back(DistinctHash(items[i], dates[i]));
    if (std::all_of(hashes.begin(), hashes.end(), [&](const std::string& h) { return h == hashes[0]; })) continue;
    // A candidate id that two different items would share is no good.
    std::unordered_map<std::string, std::unordered_set<std::string_view>> sayers;
    std::vector<std::string> candidates;
    for (std::size_t k = 0; k < members.size(); ++k) {
      const Item& item = items[members[k]];
      const std::string_view fragment = Fragment(item.link);
      candidates.push_back(item.guid.empty() && !fragment.empty() ? item.id + "#" + std::string(fragment)
                                                                  : item.id);
      sayers[candidates.back()].insert(hashes[k]);
    }
    for (std::size_t k = 0; k < members.size(); ++k) {
      distinct[members[k]] = sayers[candidates[k]].size() > 1 ? hashes[k] : candidates[k];
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!distinct[i].empty()) items[i].id = std::move(distinct[i]);
  }

  // The ids are viewed where the items keep them: no item moves once the
  // vector has room for all. An id seen twice now is one item given twice.
  out.items.reserve(std::min(out.items.size() + items.size(), context.max_items));
  std::unordered_set<std::string_view> seen;
  for (const Item& item : out.items) seen.insert(item.id);
  for (Item& item : items) {
    if (out.items.size() >= context.max_items) break;
    if (seen.contains(item.id)) continue;
    out.items.push_back(std::move(item));
    seen.insert(out.items.back().id);
  }
}

void NormaliseMeta(FeedMeta& meta, const RawFeed& feed) {
  meta.title = ShortField(meta.title, kTitleCap);
  meta.subtitle = ShortField(meta.subtitle, kTitleCap);
  meta.id = ShortField(meta.id, kShortFieldCap);
  meta.author = JoinAuthors(feed.authors);
  meta.language = ShortField(feed.language, kLanguageCap);
  for (std::string* url : {&meta.link, &meta.hub, &meta.self}) TruncateUtf8(*url, 4 * kShortFieldCap);
}

}  // namespace redwire::parse::internal
