// The output-safety invariant shared by the fuzz targets whose output is
// sanitised HTML: parsed again the way a browser parses it (gumbo, HTML5
// rules, so character references and broken tags read as browsers read
// them), it holds no script, no event handler and no active URL. A
// violation aborts, so libFuzzer saves the input as a crash.
#pragma once

#include <gumbo.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace redwire::fuzz {

inline std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

[[noreturn]] inline void Violated(std::string_view what, std::string_view detail, std::string_view html) {
  std::fprintf(stderr, "invariant violated: %.*s: %.*s\n--- output ---\n%.*s\n--- end ---\n",
               static_cast<int>(what.size()), what.data(), static_cast<int>(detail.size()), detail.data(),
               static_cast<int>(html.size()), html.data());
  std::abort();
}

// A URL a browser would run or render as a document: browsers ignore ASCII
// whitespace and controls inside the scheme and compare it without case.
// Raster data: images are inert and allowed in <img src>.
inline bool IsActiveUrl(std::string_view value, bool image_src) {
  std::string probe;
  for (char c : value) {
    if (static_cast<unsigned char>(c) > 0x20 && c != 0x7F) probe += c;
  }
  probe = LowerAscii(probe);
  for (std::string_view bad : {"javascript:", "vbscript:", "livescript:"}) {
    if (probe.starts_with(bad)) return true;
  }
  if (!probe.starts_with("data:")) return false;
  if (!image_src) return true;
  for (std::string_view ok : {"data:image/png", "data:image/jpeg", "data:image/jpg", "data:image/gif",
                              "data:image/webp"}) {
    if (probe.starts_with(ok) && probe.size() > ok.size() && (probe[ok.size()] == ';' || probe[ok.size()] == ',')) {
      return false;
    }
  }
  return true;
}

inline bool IsUrlAttribute(std::string_view name) {
  for (std::string_view n : {"href", "src", "cite", "action", "formaction", "background", "poster", "xlink:href",
                             "data", "srcset", "ping", "longdesc", "lowsrc", "dynsrc", "codebase", "manifest"}) {
    if (name == n) return true;
  }
  return false;
}

inline bool IsActiveElement(const GumboElement& e) {
  if (e.tag_namespace != GUMBO_NAMESPACE_HTML) return true;  // svg and math carry script
  switch (e.tag) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_IFRAME: case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED: case GUMBO_TAG_FORM: case GUMBO_TAG_BASE: case GUMBO_TAG_META:
    case GUMBO_TAG_LINK: case GUMBO_TAG_FRAME: case GUMBO_TAG_FRAMESET: case GUMBO_TAG_APPLET:
    case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_INPUT: case GUMBO_TAG_BUTTON:
      return true;
    default:
      return false;
  }
}

// Aborts unless `html` (sanitiser output) is free of active content.
inline void CheckSafeHtml(std::string_view html) {
  if (LowerAscii(html).find("<script") != std::string::npos) Violated("a <script tag", "", html);
  std::string buffer(html);
  GumboOptions options = kGumboDefaultOptions;
  options.fragment_context = GUMBO_TAG_DIV;
  GumboOutput* out = gumbo_parse_with_options(&options, buffer.data(), buffer.size());
  if (out == nullptr) return;
  std::vector<const GumboNode*> stack{out->root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) continue;
    const GumboElement& e = node->v.element;
    if (node != out->root && IsActiveElement(e)) {
      const char* tag = gumbo_normalized_tagname(e.tag);
      Violated("an active element", *tag != '\0' ? tag : "(foreign)", html);
    }
    for (unsigned k = 0; k < e.attributes.length; ++k) {
      const auto* a = static_cast<const GumboAttribute*>(e.attributes.data[k]);
      const std::string name = LowerAscii(a->name);
      if (name.starts_with("on")) Violated("an event handler attribute", name, html);
      if (name == "style" || name == "srcdoc") Violated("an active attribute", name, html);
      if (IsUrlAttribute(name) && IsActiveUrl(a->value, e.tag == GUMBO_TAG_IMG && name == "src")) {
        Violated("an active URL", name + "=" + a->value, html);
      }
    }
    for (unsigned k = 0; k < e.children.length; ++k) stack.push_back(static_cast<const GumboNode*>(e.children.data[k]));
  }
  gumbo_destroy_output(&options, out);
}

}  // namespace redwire::fuzz
