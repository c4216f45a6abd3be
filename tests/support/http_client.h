// A blocking HTTP client for tests, over libcurl's easy interface: what a
// feed reader or an operator's curl sends to the daemon, one request a call.
#pragma once

#include <curl/curl.h>

#include <functional>
#include <string>
#include <vector>

namespace redwire::testing {

struct HttpResult {
  CURLcode code = CURLE_OK;  // a transport failure; status is then 0
  long status = 0;
  std::string body;
  std::string etag;  // the ETag header's value, quotes kept
};

struct HttpOptions {
  std::string method;                // empty: GET
  std::vector<std::string> headers;  // whole lines, "Name: value"
  long timeout_ms = 5000;
  std::function<void(CURL*)> setup;  // any further curl_easy_setopt
};

HttpResult HttpRequest(const std::string& url, const HttpOptions& options = {});
HttpResult HttpGet(const std::string& url, const std::vector<std::string>& headers = {});
// A POST without a body, as `curl -X POST` sends it.
HttpResult HttpPost(const std::string& url, const std::vector<std::string>& headers = {});

}  // namespace redwire::testing
