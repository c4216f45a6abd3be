#include "support/http_client.h"

#include <strings.h>

namespace redwire::testing {
namespace {

const bool kCurlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;

std::size_t Append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t TakeEtag(char* data, std::size_t size, std::size_t n, void* out) {
  const std::string line(data, size * n);
  if (line.size() > 6 && strncasecmp(line.c_str(), "etag: ", 6) == 0) {
    *static_cast<std::string*>(out) = line.substr(6, line.find_last_not_of("\r\n") - 5);
  }
  return size * n;
}

}  // namespace

HttpResult HttpRequest(const std::string& url, const HttpOptions& options) {
  HttpResult r;
  if (!kCurlReady) {
    r.code = CURLE_FAILED_INIT;
    return r;
  }
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  for (const auto& h : options.headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (!options.method.empty()) curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, options.method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, TakeEtag);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.etag);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (options.setup) options.setup(curl);
  r.code = curl_easy_perform(curl);
  if (r.code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return r;
}

HttpResult HttpGet(const std::string& url, const std::vector<std::string>& headers) {
  HttpOptions options;
  options.headers = headers;
  return HttpRequest(url, options);
}

HttpResult HttpPost(const std::string& url, const std::vector<std::string>& headers) {
  HttpOptions options;
  options.method = "POST";
  options.headers = headers;
  return HttpRequest(url, options);
}

}  // namespace redwire::testing
