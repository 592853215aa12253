// Typed reading of a parsed TOML document for the configuration loaders (sluiced's interface
// files and the mesh agent's): every failure throws `Error` with one line that starts
// "FILE:LINE:COLUMN: KEY: ", so a user finds the mistake without guessing.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace sluice::config {

// "a table", "an integer", ... for messages.
[[nodiscard]] std::string_view toml_type_name(const toml::node& node);

// A path or a parser description could hold a control character; a message must stay one line.
[[nodiscard]] std::string one_line(std::string text);

template <typename Error>
class TomlReader {
 public:
  explicit TomlReader(std::filesystem::path origin) : origin_(std::move(origin)) {}

  [[nodiscard]] const std::filesystem::path& origin() const noexcept { return origin_; }

  // "FILE:LINE:COLUMN"
  [[nodiscard]] std::string position(const toml::source_region& where) const {
    return origin_.string() + ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
  }

  // "FILE:LINE:COLUMN: KEY", how every message about a key begins.
  [[nodiscard]] std::string where(const toml::node& at, std::string_view key) const {
    return position(at.source()) + ": " + std::string(key);
  }

  [[noreturn]] void fail(const toml::source_region& where, std::string_view key, const std::string& message) const {
    throw Error(one_line(position(where) + ": " + std::string(key) + ": " + message));
  }
  [[noreturn]] void fail(const toml::node& at, std::string_view key, const std::string& message) const {
    fail(at.source(), key, message);
  }

  [[nodiscard]] toml::table parse(std::string_view text) const {
    try {
      return toml::parse(text, origin_.string());
    } catch (const toml::parse_error& e) {
      fail(e.source(), "invalid TOML", std::string(e.description()));
    }
  }

  // Typos must not be ignored: a misspelt "persistent_keepalive" would silently leave NAT
  // mappings to expire, a misspelt "allowed_ips" would drop a peer's traffic.
  void reject_unknown_keys(const toml::table& table, std::string_view prefix,
                           std::span<const std::string_view> known) const {
    for (auto&& [key, value] : table) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
      std::string allowed;
      for (const auto name : known) allowed += (allowed.empty() ? "" : ", ") + std::string(name);
      fail(key.source(), std::string(prefix) + std::string(key.str()), "unknown key (allowed here: " + allowed + ")");
    }
  }

  const toml::table& table(const toml::node& node, std::string_view key) const {
    if (const auto* found = node.as_table()) return *found;
    fail(node, key, "expected a table, got " + std::string(toml_type_name(node)));
  }
  const toml::array& array(const toml::node& node, std::string_view key) const {
    if (const auto* found = node.as_array()) return *found;
    fail(node, key, "expected an array, got " + std::string(toml_type_name(node)));
  }
  const std::string& string(const toml::node& node, std::string_view key) const {
    if (const auto* text = node.as_string()) return text->get();
    fail(node, key, "expected a string, got " + std::string(toml_type_name(node)));
  }
  bool boolean(const toml::node& node, std::string_view key) const {
    if (const auto* value = node.as_boolean()) return value->get();
    fail(node, key, "expected true or false, got " + std::string(toml_type_name(node)));
  }
  std::int64_t integer(const toml::node& node, std::string_view key, std::int64_t min, std::int64_t max) const {
    const auto* value = node.as_integer();
    if (value == nullptr) fail(node, key, "expected an integer, got " + std::string(toml_type_name(node)));
    if (value->get() < min || value->get() > max) {
      fail(node, key,
           std::to_string(value->get()) + " is out of range (" + std::to_string(min) + "-" + std::to_string(max) + ")");
    }
    return value->get();
  }

  // A path taken relative to the file's own folder, so a config and its key files move together.
  std::filesystem::path path(const toml::node& node, std::string_view key) const {
    const std::string& text = string(node, key);
    if (text.empty()) fail(node, key, "the path is empty");
    const std::filesystem::path path(text);
    return path.is_relative() ? origin_.parent_path() / path : path;
  }

 private:
  std::filesystem::path origin_;
};

}  // namespace sluice::config
