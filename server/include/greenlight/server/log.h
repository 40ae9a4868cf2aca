// Structured one-line logging for the server. Callers pass only bounded, non-identifying
// fields (route pattern, status, durations, counts): by rule the server never logs IP
// addresses, verification codes, tokens, certificates or keys, and no API here takes a
// request object. Tests capture the sink and check that rule.
//
// Thread-safe: the sink is called under a mutex, one complete line per call.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace greenlight::server {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogSink = std::function<void(std::string_view line)>;

// A sink that writes lines to stderr.
LogSink stderr_log_sink();

class Logger {
 public:
  explicit Logger(LogSink sink = stderr_log_sink(), LogLevel min_level = LogLevel::kInfo);
  // Writes "level=info event=EVENT k=v ..." (values with spaces are quoted).
  void log(LogLevel level, std::string_view event,
           const std::vector<std::pair<std::string_view, std::string>>& fields = {});
  void set_min_level(LogLevel level) { min_level_ = level; }

 private:
  std::mutex mutex_;
  LogSink sink_;
  LogLevel min_level_;
};

}  // namespace greenlight::server
