#include "internal/manual_tracing_phase.h"

#include <algorithm>

namespace greenlight::sim::internal {
namespace {

// Decision numbers of a called person's draws (kPurposeBehaviour streams; the phones use
// 1..13, the health code 40 and 41).
constexpr std::uint64_t kQuarantineCompliance = 42;
constexpr std::uint64_t kTracedTest = 43;

}  // namespace

ManualTracingPhase::ManualTracingPhase(const World& world)
    : w_(world), enabled_(world.config.manual_tracing.enabled) {
  if (!enabled_) return;
  const auto& m = w_.config.manual_tracing;
  interviews_per_day_ = m.interviews_per_day(w_.pop.size());
  calls_per_day_ = m.notifications_per_day(w_.pop.size());
  ring_.resize(m.trace_days + 1);
  quarantined_until_.assign(w_.pop.size(), 0);
  known_.assign(w_.pop.size(), 0);
}

ManualTracingView ManualTracingPhase::view() const {
  ManualTracingView v;
  v.identified = static_cast<std::uint64_t>(std::count(known_.begin(), known_.end(), 1));
  v.contact_records = named_;
  v.test_results = interviewed_;
  return v;
}

const ManualTracingPhase::DayRecords* ManualTracingPhase::records(std::uint32_t day) const {
  const DayRecords& r = ring_[day % ring_.size()];
  return r.day == day ? &r : nullptr;
}

void ManualTracingPhase::record(std::uint32_t t, const ContactPhase& contacts) {
  if (!enabled_) return;
  const std::uint32_t n = w_.pop.size();
  DayRecords& r = ring_[t % ring_.size()];
  r.day = t;
  r.start.assign(n + 1, 0);
  for (const MetPair& m : contacts.recalled()) {
    ++r.start[m.a + 1];
    ++r.start[m.b + 1];
  }
  for (std::uint32_t p = 0; p < n; ++p) r.start[p + 1] += r.start[p];
  r.named.resize(r.start[n]);
  std::vector<std::uint32_t> fill(r.start.begin(), r.start.end() - 1);
  for (const MetPair& m : contacts.recalled()) {
    r.named[fill[m.a]++] = m.b;
    r.named[fill[m.b]++] = m.a;
  }
}

void ManualTracingPhase::interview(std::uint32_t c, std::uint32_t t) {
  const std::uint32_t days = w_.config.manual_tracing.trace_days;
  scratch_.clear();
  for (std::uint32_t d = t >= days ? t - days : 0; d < t; ++d) {
    const DayRecords* r = records(d);
    if (r == nullptr) continue;
    scratch_.insert(scratch_.end(), r->named.begin() + r->start[c],
                    r->named.begin() + r->start[c + 1]);
  }
  // Each person named once, in person order.
  std::sort(scratch_.begin(), scratch_.end());
  scratch_.erase(std::unique(scratch_.begin(), scratch_.end()), scratch_.end());
  for (const std::uint32_t q : scratch_) call_queue_.push_back({q, c, t});
  known_[c] = 1;
  for (const std::uint32_t q : scratch_) known_[q] = 1;
  ++interviewed_;
  named_ += scratch_.size();
}

bool ManualTracingPhase::call(const Named& n, std::uint32_t t, HealthPhase& health) {
  const auto day = static_cast<std::int32_t>(t);
  const std::uint32_t q = n.contact;
  if (health.tested_positive(q) || health.dead(q, t) || quarantined_until_[q] > day) return false;
  const auto& m = w_.config.manual_tracing;
  const auto until = day + static_cast<std::int32_t>(m.quarantine_days);
  quarantined_until_[q] = until;
  if (w_.decision(kPurposeBehaviour, q, t, kQuarantineCompliance)
          .bernoulli(m.quarantine_compliance)) {
    health.isolate(q, until);
  }
  if (w_.decision(kPurposeBehaviour, q, t, kTracedTest).bernoulli(m.test_probability)) {
    health.order_test(q, t);
  }
  calls_.push_back({t, n.interview_day, n.index_case, q});
  return true;
}

void ManualTracingPhase::run(std::uint32_t t, HealthPhase& health, DailyStats& st) {
  if (!enabled_) return;
  const auto& m = w_.config.manual_tracing;
  if (t >= m.start_day) {
    const auto day = static_cast<std::int32_t>(t);
    for (std::uint32_t p = 0; p < w_.pop.size(); ++p) {
      if (health.positive_day(p) == day && !health.dead(p, t))
        interview_queue_.push_back({p, t + m.delay_days});
    }
  }
  std::uint64_t interviews = 0;
  while (interviews < interviews_per_day_ && !interview_queue_.empty() &&
         interview_queue_.front().ready_day <= t) {
    const std::uint32_t c = interview_queue_.front().person;
    interview_queue_.pop_front();
    if (health.dead(c, t)) continue;
    interview(c, t);
    ++interviews;
  }
  std::uint64_t called = 0;
  while (called < calls_per_day_ && !call_queue_.empty()) {
    const Named n = call_queue_.front();
    call_queue_.pop_front();
    if (call(n, t, health)) ++called;
  }
  st.manual_interviews = static_cast<std::uint32_t>(interviews);
  st.manual_traced = static_cast<std::uint32_t>(called);
  st.interview_backlog = static_cast<std::uint32_t>(interview_queue_.size());
  st.call_backlog = static_cast<std::uint32_t>(call_queue_.size());
}

}  // namespace greenlight::sim::internal
