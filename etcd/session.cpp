#include "etcd/session.hpp"

#include <utility>

namespace sluice::etcd {
namespace {

// gRPC status codes the gateway passes on.
constexpr int grpc_canceled = 1;
constexpr int grpc_invalid_argument = 3;
constexpr int grpc_deadline_exceeded = 4;
constexpr int grpc_permission_denied = 7;
constexpr int grpc_out_of_range = 11;
constexpr int grpc_unavailable = 14;
constexpr int grpc_unauthenticated = 16;

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Appends `text` as a JSON string (quoted, escaped) without temporaries, for a body holding a password.
void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

}  // namespace

Session::Session(ClientOptions options) : options_(std::move(options)), easy_(make_easy()) {
  if (options_.endpoints.empty()) throw Error(Error::Kind::invalid, "no etcd endpoint given");
  for (const std::string& endpoint : options_.endpoints) {
    if (!endpoint.starts_with("http://") && !endpoint.starts_with("https://")) {
      throw Error(Error::Kind::invalid, "etcd endpoint '" + endpoint + "' must start with http:// or https://");
    }
  }
}

void Session::prepare(CURL* handle, std::string_view path, const std::string& body, HeaderList& headers,
                      char* error_buffer, bool stream) {
  std::string url = endpoint();
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += path;
  headers.append("Content-Type: application/json");
  if (token_ && !token_->str().empty()) headers.append("Authorization: " + token_->str());
  error_buffer[0] = '\0';
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  // HTTP/1.1 even over TLS (curl would pick HTTP/2): one request per connection is all we need,
  // and its failures come as the plain send and receive errors transfer_error sorts.
  curl_easy_setopt(handle, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  // Not copied: the body (which may hold the password) stays in the caller's wiped buffer.
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, stream ? 0L : static_cast<long>(options_.request_timeout.count()));
  // Set only when given: a null CAINFO would drop the system's CAs. The options never change, so
  // a reused handle holds no stale file.
  if (options_.ca_file) curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file->c_str());
  if (options_.cert_file) curl_easy_setopt(handle, CURLOPT_SSLCERT, options_.cert_file->c_str());
  if (options_.key_file) curl_easy_setopt(handle, CURLOPT_SSLKEY, options_.key_file->c_str());
}

Session::Answer Session::post(std::string_view path, const std::string& body) {
  HeaderList headers;
  prepare(easy_.get(), path, body, headers, error_buffer_, false);
  Answer answer;
  curl_easy_setopt(easy_.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(easy_.get(), CURLOPT_WRITEDATA, &answer.text);
  answer.code = curl_easy_perform(easy_.get());
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &answer.http_status);
  // The handle outlives this call: it must not keep pointers to the headers and body.
  curl_easy_setopt(easy_.get(), CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(easy_.get(), CURLOPT_POSTFIELDS, nullptr);
  return answer;
}

nlohmann::json Session::call(std::string_view path, const std::string& body) { return call_any(path, body, true); }

nlohmann::json Session::call_any(std::string_view path, const std::string& body, bool with_token) {
  std::optional<Error> refused;
  std::string reasons;
  bool renewed_token = false;
  for (std::size_t tried = 0; tried < endpoint_count();) {
    if (with_token) ensure_token();
    const Answer answer = post(path, body);
    std::optional<Error> failure;
    if (answer.code != CURLE_OK) {
      failure = transfer_error(easy_.get(), answer.code, error_buffer_);
    } else {
      nlohmann::json parsed = nlohmann::json::parse(answer.text, nullptr, false);
      if (parsed.is_discarded()) {
        // A proxy in the way that cannot reach etcd answers 502 or 503 in HTML.
        failure =
            Error(answer.http_status >= 500 ? Error::Kind::unavailable : Error::Kind::invalid,
                  endpoint() + ": etcd's answer is not JSON (HTTP status " + std::to_string(answer.http_status) + ")");
      } else if (!is_error_answer(parsed, answer.http_status)) {
        return parsed;
      } else if (with_token && has_credentials() && !renewed_token && is_invalid_token(parsed)) {
        forget_token();
        renewed_token = true;
        continue;
      } else {
        failure = answer_error(parsed, answer.http_status);
      }
      if (failure->kind() != Error::Kind::unavailable) throw *failure;
    }
    if (failure->kind() == Error::Kind::refused && !refused) refused = failure;
    reasons += (reasons.empty() ? "" : "; ") + std::string(failure->what());
    next_endpoint();
    ++tried;
  }
  if (refused) throw *refused;
  throw Error(Error::Kind::unavailable, "no etcd endpoint answered: " + reasons);
}

void Session::ensure_token() {
  if (has_credentials() && !token_) authenticate();
}

void Session::authenticate() {
  forget_token();
  const std::string& name = *options_.username;
  const std::string_view password = options_.password ? std::string_view(options_.password->str()) : "";
  crypto::SecretText body(32 + 6 * (name.size() + password.size()));
  body.str() += "{\"name\":";
  append_json_string(body.str(), name);
  body.str() += ",\"password\":";
  append_json_string(body.str(), password);
  body.str() += '}';
  nlohmann::json answer;
  try {
    answer = call_any("/v3/auth/authenticate", body.str(), false);
  } catch (const Error& error) {
    // A username for a server that does not check them: go on without a token.
    if (error.kind() == Error::Kind::invalid && contains(error.what(), "authentication is not enabled")) {
      token_.emplace();
      return;
    }
    throw;
  }
  const auto token = answer.find("token");
  if (token == answer.end() || !token->is_string() || token->get_ref<const std::string&>().empty()) {
    throw Error(Error::Kind::invalid, endpoint() + ": etcd's authenticate answer holds no token");
  }
  const std::string& text = token->get_ref<const std::string&>();
  token_.emplace(text.size());
  token_->str().append(text);
}

bool Session::is_error_answer(const nlohmann::json& answer, long http_status) {
  if (http_status != 200) return true;
  if (!answer.is_object()) return true;
  const auto error = answer.find("error");
  // LeaseGrantResponse has an "error" field of its own; the gateway's form carries a code too.
  return error != answer.end() && (error->is_object() || answer.contains("code"));
}

namespace {

struct GrpcStatus {
  int code = 0;
  std::string message;
};

GrpcStatus grpc_status(const nlohmann::json& answer) {
  GrpcStatus status;
  if (!answer.is_object()) return status;
  const auto error = answer.find("error");
  if (error != answer.end() && error->is_object()) {  // a stream's error
    status.code = error->value("grpc_code", 0);
    status.message = error->value("message", "");
  } else {
    status.code = answer.value("code", 0);
    status.message = answer.value("message", answer.value("error", ""));
  }
  return status;
}

}  // namespace

bool Session::is_invalid_token(const nlohmann::json& answer) {
  const GrpcStatus status = grpc_status(answer);
  return status.code == grpc_unauthenticated && contains(status.message, "invalid auth token");
}

Error Session::answer_error(const nlohmann::json& answer, long http_status) const {
  const GrpcStatus status = grpc_status(answer);
  const std::string message = status.message.empty() ? "HTTP status " + std::to_string(http_status) : status.message;
  const std::string where = endpoint() + ": ";
  switch (status.code) {
    // A server shutting down cancels its gateway's own gRPC calls ("the client connection is
    // closing"): the server is going away, so this is an outage, not a bad request.
    case grpc_canceled:
    case grpc_unavailable:
    case grpc_deadline_exceeded:
      return {Error::Kind::unavailable, where + message};
    case grpc_permission_denied:
      return {Error::Kind::refused, where + "permission denied: " + message};
    case grpc_unauthenticated:
      return {Error::Kind::refused, where + "authentication failed: " + message};
    case grpc_invalid_argument:
      if (contains(message, "user name is empty")) {
        return {Error::Kind::refused,
                where + "the server requires authentication (set a username and password): " + message};
      }
      if (contains(message, "authentication failed")) {
        return {Error::Kind::refused,
                where + "authentication as '" + options_.username.value_or("") + "' failed: " + message};
      }
      break;
    case grpc_out_of_range:
      if (contains(message, "compacted")) return {Error::Kind::compacted, where + message};
      break;
    default:
      if (http_status >= 500) return {Error::Kind::unavailable, where + message};
  }
  return {Error::Kind::invalid, where + "etcd refused the request: " + message};
}

std::optional<Error> Session::tls_error(CURLcode code, const std::string& detail) const {
  const std::string where = endpoint() + ": ";
  const auto refused = [&](const std::string& reason) {
    return Error(Error::Kind::refused, where + reason + " (" + detail + ")");
  };
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
      return refused("TLS handshake failed: the server's certificate is not trusted" +
                     std::string(options_.ca_file ? " by " + options_.ca_file->string() : " (set ca_file)"));
    case CURLE_SSL_CERTPROBLEM:
      return refused("cannot use the client certificate " +
                     (options_.cert_file ? options_.cert_file->string() : std::string("(none set)")));
    case CURLE_SSL_CACERT_BADFILE:
      return refused("cannot use the CA file " + (options_.ca_file ? options_.ca_file->string() : std::string()));
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      if (contains(detail, "certificate") || contains(detail, "unknown ca")) {
        return refused(options_.cert_file ? "TLS handshake failed: the server refused our client certificate"
                                          : "TLS handshake failed: the server requires a client certificate "
                                            "(set cert_file and key_file)");
      }
      if (code == CURLE_SSL_CONNECT_ERROR || contains(detail, "alert")) return refused("TLS handshake failed");
      return std::nullopt;
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return refused("cannot connect");
    default:
      return std::nullopt;
  }
}

std::optional<Error> Session::probe_handshake() {
  EasyHandle probe = make_easy();
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(probe.get(), CURLOPT_URL, endpoint().c_str());
  curl_easy_setopt(probe.get(), CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(probe.get(), CURLOPT_SSLVERSION,
                   static_cast<long>(CURL_SSLVERSION_TLSv1_2) | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2));
  curl_easy_setopt(probe.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(probe.get(), CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(probe.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(probe.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  if (options_.ca_file) curl_easy_setopt(probe.get(), CURLOPT_CAINFO, options_.ca_file->c_str());
  if (options_.cert_file) curl_easy_setopt(probe.get(), CURLOPT_SSLCERT, options_.cert_file->c_str());
  if (options_.key_file) curl_easy_setopt(probe.get(), CURLOPT_SSLKEY, options_.key_file->c_str());
  const CURLcode code = curl_easy_perform(probe.get());
  if (code == CURLE_OK) return std::nullopt;
  return tls_error(code, error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code));
}

Error Session::transfer_error(CURL* handle, CURLcode code, const char* error_buffer) {
  const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  const std::optional<Error> tls = tls_error(code, detail);
  if (tls && contains(tls->what(), "certificate")) return *tls;
  long http_status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
  // TLS 1.3 gives the verdict on our certificate after our side of the handshake is done: as an
  // alert on the first read or, when our request crossed it, as a bare reset or end of the
  // connection. A handshake capped at TLS 1.2, which carries the verdict inside, tells which.
  const bool cut_before_answer = code == CURLE_SSL_CONNECT_ERROR || code == CURLE_SEND_ERROR ||
                                 code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING;
  if (endpoint().starts_with("https://") && cut_before_answer && http_status == 0) {
    if (std::optional<Error> probed = probe_handshake()) return *probed;
  }
  if (tls) return *tls;
  return {Error::Kind::unavailable, endpoint() + ": cannot reach etcd: " + detail};
}

}  // namespace sluice::etcd
