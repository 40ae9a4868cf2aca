#include "greenlight/server/log.h"

#include <chrono>
#include <cstdio>

namespace greenlight::server {

LogSink stderr_log_sink() {
  return [](std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
  };
}

Logger::Logger(LogSink sink, LogLevel min_level) : sink_(std::move(sink)), min_level_(min_level) {}

void Logger::log(LogLevel level, std::string_view event,
                 const std::vector<std::pair<std::string_view, std::string>>& fields) {
  if (level < min_level_ || !sink_) return;
  static constexpr std::string_view kNames[] = {"debug", "info", "warning", "error"};
  std::string line = "level=";
  line += kNames[static_cast<int>(level)];
  line += " event=";
  line += event;
  for (const auto& [k, v] : fields) {
    line += ' ';
    line += k;
    line += '=';
    if (v.find_first_of(" \"") != std::string::npos) {
      line += '"';
      for (char c : v) {
        if (c == '"') line += '\\';
        line += c;
      }
      line += '"';
    } else {
      line += v;
    }
  }
  std::lock_guard lock(mutex_);
  sink_(line);
}

}  // namespace greenlight::server
