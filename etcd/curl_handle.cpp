#include "etcd/curl_handle.hpp"

#include <mutex>
#include <new>
#include <stdexcept>

namespace sluice::etcd {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  });
}

}  // namespace

EasyHandle make_easy() {
  global_init();
  EasyHandle handle(curl_easy_init());
  if (!handle) throw std::bad_alloc();
  return handle;
}

MultiHandle make_multi() {
  global_init();
  MultiHandle handle(curl_multi_init());
  if (!handle) throw std::bad_alloc();
  return handle;
}

void HeaderList::append(const std::string& line) {
  curl_slist* longer = curl_slist_append(list_, line.c_str());
  if (longer == nullptr) throw std::bad_alloc();
  list_ = longer;
}

}  // namespace sluice::etcd
