#include "etcd/watch.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <exception>
#include <new>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "etcd/codec.hpp"

namespace sluice::etcd {
namespace {

using nlohmann::json;

// A silent stream (etcd's host gone, a cut link) ends after idle + count * interval = 11 s.
constexpr long keepalive_idle_s = 5;
constexpr long keepalive_interval_s = 2;
constexpr int keepalive_count = 3;
// The wait between looks at the stop flag when no wakeup comes (stop() always sends one).
constexpr int poll_ms = 200;

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// curl sets idle and interval itself but not the probe count (before 8.9); Linux's default is 9.
int set_keepalive_count(void*, curl_socket_t socket, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    const int count = keepalive_count;
    setsockopt(socket, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  }
  return CURL_SOCKOPT_OK;
}

}  // namespace

// The state of one streamed request: what came so far, and how it ended.
struct Watch::Stream {
  Watch& watch;
  const std::function<void(const WatchBatch&)>& on_batch;
  std::int64_t start_revision;
  std::string buffer;
  bool created = false;
  bool renew_token = false;
  std::optional<Error> error;
  std::exception_ptr thrown;  // from on_batch, rethrown once curl is out of the way

  // One JSON object of the stream; false ends the transfer.
  bool handle(std::string_view line) {
    try {
      return handle_json(line);
    } catch (const json::exception& e) {
      error = Error(Error::Kind::invalid, watch.session_.endpoint() + ": unexpected watch answer: " + e.what());
    } catch (const Error& e) {
      error = e;
    }
    return false;
  }

  bool handle_json(std::string_view line) {
    const json answer = json::parse(line, nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) {
      error = Error(Error::Kind::invalid, watch.session_.endpoint() + ": etcd's watch answer is not JSON");
      return false;
    }
    if (answer.contains("error")) {
      if (Session::is_invalid_token(answer)) {
        renew_token = true;
      } else {
        error = watch.session_.answer_error(answer, 0);
      }
      return false;
    }
    const json& result = answer.at("result");
    if (result.value("canceled", false)) {
      cancelled(result);
      return false;
    }
    if (result.value("created", false)) {
      created = true;
      return true;
    }
    WatchBatch batch{header_revision(result), {}};
    for (const json& event : result.value("events", json::array())) {
      batch.events.push_back({event.value("type", "") == "DELETE", key_value(event.at("kv"))});
    }
    if (batch.events.empty()) return true;  // a progress notification
    try {
      on_batch(batch);
    } catch (...) {
      thrown = std::current_exception();  // the caller's own, passed on as it is
      return false;
    }
    return !watch.stopped_;
  }

  void cancelled(const json& result) {
    const std::string& where = watch.session_.endpoint();
    const std::int64_t oldest = int_field(result, "compact_revision");
    const std::string reason = result.value("cancel_reason", "");
    if (oldest > 0) {
      error = Error(Error::Kind::compacted,
                    where + ": the watch's start revision " + std::to_string(start_revision) +
                        " was compacted; the oldest revision held is " + std::to_string(oldest),
                    oldest);
    } else if (contains(reason, "invalid auth token")) {
      renew_token = true;
    } else if (contains(reason, "permission denied")) {
      error = Error(Error::Kind::refused, where + ": etcd refused the watch: " + reason);
    } else if (contains(reason, "user name is empty")) {
      error = Error(Error::Kind::refused,
                    where + ": the server requires authentication (set a username and password): " + reason);
    } else {
      error = Error(Error::Kind::invalid, where + ": etcd canceled the watch: " + reason);
    }
  }

  static std::size_t on_data(char* data, std::size_t size, std::size_t count, void* self) {
    auto& stream = *static_cast<Stream*>(self);
    if (stream.watch.stopped_) return 0;
    stream.buffer.append(data, size * count);
    // The gateway ends every object of the stream with a newline.
    std::size_t start = 0;
    for (std::size_t end; (end = stream.buffer.find('\n', start)) != std::string::npos; start = end + 1) {
      if (!stream.handle(std::string_view(stream.buffer).substr(start, end - start))) return 0;
    }
    stream.buffer.erase(0, start);
    return size * count;
  }
};

Watch::Watch(ClientOptions options, std::string prefix)
    : session_(std::move(options)), prefix_(std::move(prefix)), multi_(make_multi()) {}

Watch::~Watch() = default;

void Watch::stop() {
  stopped_ = true;
  curl_multi_wakeup(multi_.get());
}

void Watch::run(std::int64_t start_revision, const std::function<void(const WatchBatch&)>& on_batch) {
  const json request = {{"create_request",
                         {{"key", to_base64(prefix_.empty() ? std::string(1, '\0') : prefix_)},
                          {"range_end", to_base64(prefix_end(prefix_))},
                          {"start_revision", std::to_string(start_revision)},
                          {"progress_notify", true}}}};
  const std::string body = request.dump();
  bool renewed_token = false;
  std::optional<Error> refused;
  std::string reasons;
  for (std::size_t tried = 0; tried < session_.endpoint_count();) {
    if (stopped_) return;
    session_.ensure_token();
    Stream stream{*this, on_batch, start_revision, {}, false, false, {}, {}};
    switch (stream_once(body, stream)) {
      case Outcome::stopped:
        return;
      case Outcome::renew_token:
        if (renewed_token || !session_.has_credentials()) {
          throw Error(Error::Kind::refused, session_.endpoint() + ": etcd refused the watch: invalid auth token");
        }
        renewed_token = true;
        session_.forget_token();
        continue;
      case Outcome::failed_to_open:
        if (stream.error->kind() == Error::Kind::refused && !refused) refused = stream.error;
        reasons += (reasons.empty() ? "" : "; ") + std::string(stream.error->what());
        session_.next_endpoint();
        ++tried;
        continue;
    }
  }
  if (refused) throw *refused;
  throw Error(Error::Kind::unavailable, "no etcd endpoint answered the watch: " + reasons);
}

Watch::Outcome Watch::stream_once(const std::string& body, Stream& stream) {
  EasyHandle easy = make_easy();
  HeaderList headers;
  char error_buffer[CURL_ERROR_SIZE];
  session_.prepare(easy.get(), "/v3/watch", body, headers, error_buffer, true);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, Stream::on_data);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &stream);
  curl_easy_setopt(easy.get(), CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_TCP_KEEPIDLE, keepalive_idle_s);
  curl_easy_setopt(easy.get(), CURLOPT_TCP_KEEPINTVL, keepalive_interval_s);
  curl_easy_setopt(easy.get(), CURLOPT_SOCKOPTFUNCTION, set_keepalive_count);

  CURLcode result = CURLE_OK;
  {
    if (curl_multi_add_handle(multi_.get(), easy.get()) != CURLM_OK) throw std::bad_alloc();
    // Removed on every path, before the easy handle goes.
    struct Detach {
      CURLM* multi;
      CURL* easy;
      ~Detach() { curl_multi_remove_handle(multi, easy); }
    } detach{multi_.get(), easy.get()};
    for (int running = 1; running != 0 && !stopped_;) {
      if (curl_multi_perform(multi_.get(), &running) != CURLM_OK) break;
      if (running != 0) curl_multi_poll(multi_.get(), nullptr, 0, poll_ms, nullptr);
    }
    int left = 0;
    while (const CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
      if (message->msg == CURLMSG_DONE) result = message->data.result;
    }
  }
  if (stopped_) return Outcome::stopped;
  // The last object when the stream ended without a newline (a plain error answer).
  if (result == CURLE_OK && !stream.buffer.empty() && !stream.error && !stream.renew_token) {
    stream.handle(stream.buffer);
  }
  if (stream.thrown) std::rethrow_exception(stream.thrown);
  if (stream.renew_token) return Outcome::renew_token;
  if (!stream.error && result != CURLE_OK) stream.error = session_.transfer_error(easy.get(), result, error_buffer);
  if (!stream.error) {
    stream.error = Error(Error::Kind::unavailable, session_.endpoint() + ": etcd ended the watch stream");
  }
  if (stream.created) {
    if (stream.error->kind() == Error::Kind::unavailable && result != CURLE_OK) {
      throw Error(Error::Kind::unavailable, std::string("the watch stream broke: ") + stream.error->what());
    }
    throw *stream.error;
  }
  if (stream.error->kind() == Error::Kind::unavailable || stream.error->kind() == Error::Kind::refused) {
    return Outcome::failed_to_open;
  }
  throw *stream.error;
}

}  // namespace sluice::etcd
