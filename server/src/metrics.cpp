#include "greenlight/server/metrics.h"

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

}  // namespace greenlight::server
