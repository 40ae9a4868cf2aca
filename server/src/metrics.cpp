#include "greenlight/server/metrics.h"

#include <cstdio>
#include <ctime>
#include <sstream>

namespace greenlight::server {

namespace {
std::string label_text(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i != 0) out += ",";
    out += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += "\"";
  }
  return out + "}";
}

constexpr std::int64_t kSecondsPerDay = 86400;

std::int64_t unix_day(std::int64_t unix_seconds) {
  return unix_seconds >= 0 ? unix_seconds / kSecondsPerDay
                           : -((-unix_seconds + kSecondsPerDay - 1) / kSecondsPerDay);
}

std::string day_text(std::int64_t day) {
  const std::time_t t = static_cast<std::time_t>(day * kSecondsPerDay);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}
}  // namespace

void Metrics::describe(const std::string& name, std::string help) {
  std::lock_guard lock(mutex_);
  help_[name] = std::move(help);
}

Counter& Metrics::counter(const std::string& name, const Labels& labels) {
  const std::string key = label_text(labels);
  std::lock_guard lock(mutex_);
  return families_[name][key];
}

std::uint64_t Metrics::value(const std::string& name, const Labels& labels) const {
  const std::string key = label_text(labels);
  std::lock_guard lock(mutex_);
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  auto c = f->second.find(key);
  return c == f->second.end() ? 0 : c->second.value();
}

std::string Metrics::prometheus_text() const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, series] : families_) {
    if (auto h = help_.find(name); h != help_.end())
      out << "# HELP " << name << " " << h->second << "\n";
    out << "# TYPE " << name << " counter\n";
    for (const auto& [labels, counter] : series)
      out << name << labels << " " << counter.value() << "\n";
  }
  return out.str();
}

void Metrics::add_daily(const std::string& name, const Labels& labels, std::int64_t unix_seconds,
                        std::uint64_t n) {
  const std::string key = label_text(labels);
  const std::int64_t day = unix_day(unix_seconds);
  std::lock_guard lock(mutex_);
  if (!daily_.empty() && day <= daily_.rbegin()->first - kDailyDays) return;
  daily_[day][name][key] += n;
  while (daily_.begin()->first <= daily_.rbegin()->first - kDailyDays) daily_.erase(daily_.begin());
}

std::uint64_t Metrics::daily_value(const std::string& name, const Labels& labels,
                                   std::int64_t unix_seconds) const {
  const std::string key = label_text(labels);
  std::lock_guard lock(mutex_);
  auto d = daily_.find(unix_day(unix_seconds));
  if (d == daily_.end()) return 0;
  auto f = d->second.find(name);
  if (f == d->second.end()) return 0;
  auto c = f->second.find(key);
  return c == f->second.end() ? 0 : c->second;
}

std::string Metrics::daily_text(std::int64_t now, std::uint64_t min_count) const {
  const std::int64_t today = unix_day(now);
  // name -> lines, so each family is one block with one # TYPE line.
  std::map<std::string, std::string> blocks;
  std::lock_guard lock(mutex_);
  for (const auto& [day, names] : daily_) {
    if (day >= today) break;
    const std::string day_label = "day=\"" + day_text(day) + "\"";
    for (const auto& [name, series] : names) {
      for (const auto& [labels, count] : series) {
        if (count < min_count) continue;
        const std::string all =
            labels.empty() ? "{" + day_label + "}" : "{" + day_label + "," + labels.substr(1);
        blocks[name] += name + all + " " + std::to_string(count) + "\n";
      }
    }
  }
  std::string out;
  for (const auto& [name, lines] : blocks) {
    if (auto h = help_.find(name); h != help_.end())
      out += "# HELP " + name + " " + h->second + "\n";
    out += "# TYPE " + name + " gauge\n" + lines;
  }
  return out;
}

}  // namespace greenlight::server
