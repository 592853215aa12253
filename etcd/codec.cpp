#include "etcd/codec.hpp"

#include <sodium.h>

#include "etcd/error.hpp"

namespace sluice::etcd {

std::string to_base64(std::string_view bytes) {
  constexpr int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  text.resize(text.size() - 1);  // the terminating NUL
  return text;
}

std::string from_base64(std::string_view text) {
  std::string bytes(text.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(), text.size(), nullptr,
                        &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    throw Error(Error::Kind::invalid, "etcd sent a key or value that is not base64");
  }
  bytes.resize(length);
  return bytes;
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return std::string(1, '\0');
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

std::int64_t int_field(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) return 0;
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    try {
      std::size_t used = 0;
      const long long value = std::stoll(text, &used);
      if (used == text.size()) return value;
    } catch (const std::exception&) {}
  }
  throw Error(Error::Kind::invalid, std::string("etcd sent a field ") + name + " that is not an integer");
}

std::int64_t header_revision(const nlohmann::json& answer) {
  const auto header = answer.find("header");
  return header == answer.end() ? 0 : int_field(*header, "revision");
}

KeyValue key_value(const nlohmann::json& kv) {
  KeyValue out;
  if (kv.contains("key")) out.key = from_base64(kv.at("key").get<std::string>());
  if (kv.contains("value")) out.value = from_base64(kv.at("value").get<std::string>());
  out.create_revision = int_field(kv, "create_revision");
  out.mod_revision = int_field(kv, "mod_revision");
  out.version = int_field(kv, "version");
  out.lease = int_field(kv, "lease");
  return out;
}

}  // namespace sluice::etcd
