// RAII for libcurl: easy and multi handles and header lists, after curl_global_init ran once.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace sluice::etcd {

struct EasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
struct MultiDeleter {
  void operator()(CURLM* handle) const noexcept { curl_multi_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;

// Both run curl_global_init first (once per process: it is not thread-safe to repeat).
[[nodiscard]] EasyHandle make_easy();
[[nodiscard]] MultiHandle make_multi();

class HeaderList {
 public:
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() { curl_slist_free_all(list_); }

  void append(const std::string& line);
  [[nodiscard]] curl_slist* get() const noexcept { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace sluice::etcd
