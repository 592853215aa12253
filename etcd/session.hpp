// The part of talking to etcd that the Client and the Watch share: the endpoint in use (the next
// one after a connection failure), TLS and timeouts on a curl handle, the auth token, and turning
// curl's and the gateway's failures into an Error.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/secret_text.hpp"
#include "etcd/client_options.hpp"
#include "etcd/curl_handle.hpp"
#include "etcd/error.hpp"

namespace sluice::etcd {

class Session {
 public:
  // Throws Error(invalid) when no endpoint is given or one is not http:// or https://.
  explicit Session(ClientOptions options);

  // POSTs `body` (JSON) to the gateway's `path` and returns the parsed answer: on the endpoint in
  // use, then each next one while they cannot be reached; authenticates first when a username is
  // set, and once more when etcd says the token is invalid (it expires after a while unused).
  nlohmann::json call(std::string_view path, const std::string& body);

  [[nodiscard]] std::size_t endpoint_count() const noexcept { return options_.endpoints.size(); }
  [[nodiscard]] const std::string& endpoint() const noexcept { return options_.endpoints[current_]; }
  void next_endpoint() noexcept { current_ = (current_ + 1) % options_.endpoints.size(); }

  // Sets everything but the write callback for a POST of `body` to `path` on the endpoint in use;
  // `headers` and `error_buffer` (CURL_ERROR_SIZE) must outlive the transfer. `stream` leaves out
  // the request timeout (a watch lasts for ever).
  void prepare(CURL* handle, std::string_view path, const std::string& body, HeaderList& headers, char* error_buffer,
               bool stream);

  // Makes sure a token is held when a username is set (a no-op otherwise).
  void ensure_token();
  // Drops the token, so the next ensure_token() fetches a fresh one.
  void forget_token() noexcept { token_.reset(); }
  [[nodiscard]] bool has_credentials() const noexcept { return options_.username.has_value(); }

  // A failed transfer of `handle` to the endpoint in use, from curl's code and error text (and a
  // second handshake when a TLS connection was cut before any answer, see probe_handshake).
  [[nodiscard]] Error transfer_error(CURL* handle, CURLcode code, const char* error_buffer);
  // An error answer of the gateway: {"error": "...", "code": N} (unary) or
  // {"error": {"grpc_code": N, "message": "..."}} (streams).
  [[nodiscard]] Error answer_error(const nlohmann::json& answer, long http_status) const;
  // Whether an error answer says the token expired or is unknown (fetch a new one and retry).
  [[nodiscard]] static bool is_invalid_token(const nlohmann::json& answer);
  // Whether an answer is the gateway's error form rather than a result.
  [[nodiscard]] static bool is_error_answer(const nlohmann::json& answer, long http_status);

 private:
  struct Answer {
    CURLcode code = CURLE_OK;
    long http_status = 0;
    std::string text;
  };
  Answer post(std::string_view path, const std::string& body);
  // The loop over endpoints behind call() and authenticate().
  nlohmann::json call_any(std::string_view path, const std::string& body, bool with_token);
  void authenticate();
  // Error(refused) when curl's code and text say TLS failed on our side or the server's.
  [[nodiscard]] std::optional<Error> tls_error(CURLcode code, const std::string& detail) const;
  // A bare TLS 1.2 handshake with the endpoint in use: its failure, if it is a TLS one.
  [[nodiscard]] std::optional<Error> probe_handshake();

  ClientOptions options_;
  std::size_t current_ = 0;
  EasyHandle easy_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
  // Present once authenticated; empty text when the server has authentication off.
  std::optional<crypto::SecretText> token_;
};

}  // namespace sluice::etcd
