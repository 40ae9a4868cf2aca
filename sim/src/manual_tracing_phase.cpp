#include "internal/manual_tracing_phase.h"

#include <algorithm>

namespace greenlight::sim::internal {
namespace {

// Decision numbers of a called person's draws (kPurposeBehaviour streams; the phones use
// 1..13, the health code 40 and 41).
constexpr std::uint64_t kQuarantineCompliance = 42;
constexpr std::uint64_t kTracedTest = 43;

// A Meeting's parts (ManualTracingPhase::Meeting: person << 32 | day << 1 | recalled).
std::uint32_t person(std::uint64_t x) { return static_cast<std::uint32_t>(x >> 32); }
std::uint32_t met_day(std::uint64_t x) { return static_cast<std::uint32_t>(x) >> 1; }
bool recalled(std::uint64_t x) { return (x & 1) != 0; }

}  // namespace

ManualTracingPhase::ManualTracingPhase(const World& world)
    : w_(world), enabled_(world.config.manual_tracing.enabled) {
  if (!enabled_) return;
  const auto& m = w_.config.manual_tracing;
  interviews_per_day_ = m.interviews_per_day(w_.pop.size());
  calls_per_day_ = m.notifications_per_day(w_.pop.size());
  ring_.resize(m.trace_days + m.backward_days + 1);
  quarantined_until_.assign(w_.pop.size(), 0);
  known_.assign(w_.pop.size(), 0);
  last_call_.assign(w_.pop.size(), kNoDay);
  last_call_backward_.assign(w_.pop.size(), 0);
  last_call_list_.assign(w_.pop.size(), 0);
  last_call_self_.assign(w_.pop.size(), 0);
  lists_ = m.guest_lists_on();
}

void ManualTracingPhase::summarise(RunSummary& s) const {
  s.manual_traced_backward = backward_calls_;
  s.tracing_cases = cases_;
  s.traced_cases = traced_cases_;
  s.traced_cases_backward = traced_cases_backward_;
  s.interviewed_with_infector = with_infector_;
  s.manual_traced_from_lists = list_calls_;
  s.traced_cases_from_lists = traced_cases_list_;
  s.manual_names_given_up = given_up_;
  s.self_notifying_cases = self_notifying_;
  s.self_notified = self_notified_;
  s.traced_cases_self_notified = traced_cases_self_;
  for (const TracingInterview& i : interviews_) {
    s.infectors_named += i.infector != TracingInterview::kNotNamed;
    s.infectors_named_backward += i.infector == TracingInterview::kNamedBackward;
    s.infectors_named_from_lists += i.infector_from_list;
  }
}

ManualTracingView ManualTracingPhase::view() const {
  ManualTracingView v;
  v.identified = static_cast<std::uint64_t>(std::count(known_.begin(), known_.end(), 1));
  v.identified_beyond_code = v.identified;  // no health code beside them (Simulation sets it)
  v.contact_records = named_;
  v.test_results = interviews_.size();
  v.venue_visits = visits_learned_.size();
  return v;
}

const ManualTracingPhase::DayRecords* ManualTracingPhase::records(std::uint32_t day) const {
  const DayRecords& r = ring_[day % ring_.size()];
  return r.day == day ? &r : nullptr;
}

void ManualTracingPhase::record(std::uint32_t t, const ContactPhase& contacts) {
  if (!enabled_) return;
  record(t, contacts.recalled(), contacts.visits());
}

void ManualTracingPhase::record(std::uint32_t t, std::span<const MetPair> recalled,
                                std::span<const Visit> visits) {
  if (!enabled_) return;
  const std::uint32_t n = w_.pop.size();
  DayRecords& r = ring_[t % ring_.size()];
  r.day = t;
  r.start.assign(n + 1, 0);
  for (const MetPair& m : recalled) {
    ++r.start[m.a + 1];
    ++r.start[m.b + 1];
  }
  for (std::uint32_t p = 0; p < n; ++p) r.start[p + 1] += r.start[p];
  r.named.resize(r.start[n]);
  std::vector<std::uint32_t> fill(r.start.begin(), r.start.end() - 1);
  for (const MetPair& m : recalled) {
    r.named[fill[m.a]++] = m.b;
    r.named[fill[m.b]++] = m.a;
  }
  if (!lists_) return;
  r.visits.assign(visits.begin(), visits.end());
  const auto venues = static_cast<std::uint32_t>(w_.pop.venue_kind.size());
  r.venue_start.assign(venues + 1, 0);
  for (const Visit& v : r.visits) ++r.venue_start[v.venue + 1];
  for (std::uint32_t v = 0; v < venues; ++v) r.venue_start[v + 1] += r.venue_start[v];
  r.by_person.resize(r.visits.size());
  for (std::size_t i = 0; i < r.visits.size(); ++i)
    r.by_person[i] = static_cast<std::uint64_t>(r.visits[i].person) << 32 | i;
  std::sort(r.by_person.begin(), r.by_person.end());
}

void ManualTracingPhase::name_from_lists(std::uint32_t c, const DayRecords& r) {
  const auto& share = w_.config.manual_tracing.guest_lists;
  const std::uint64_t day = r.day;
  for (auto it = std::lower_bound(r.by_person.begin(), r.by_person.end(),
                                  static_cast<std::uint64_t>(c) << 32);
       it != r.by_person.end() && (*it >> 32) == c; ++it) {
    const Visit& x = r.visits[static_cast<std::uint32_t>(*it)];
    const double s = share[static_cast<std::size_t>(w_.pop.venue_kind[x.venue])];
    if (s <= 0) continue;
    visits_learned_.insert(day << 32 | static_cast<std::uint32_t>(*it));
    const int leaves = x.arrival + x.minutes;
    // The venue's visits in order of arrival: those overlapping x arrive before x leaves.
    for (std::uint32_t j = r.venue_start[x.venue]; j < r.venue_start[x.venue + 1]; ++j) {
      const Visit& y = r.visits[j];
      if (y.arrival >= leaves) break;
      if (y.person == c || y.arrival + y.minutes <= x.arrival) continue;
      // On the list or not: one draw per visit (a person visits a venue once a day).
      if (s < 1 && !w_.decision(kPurposeGuestList, y.person, r.day, y.venue).bernoulli(s)) continue;
      scratch_.push_back(static_cast<Meeting>(y.person) << 32 | day << 1);
      visits_learned_.insert(day << 32 | j);
    }
  }
}

void ManualTracingPhase::gather(std::uint32_t c, std::uint32_t from, std::uint32_t t, bool lists) {
  scratch_.clear();
  for (std::uint32_t d = from; d < t; ++d) {
    const DayRecords* r = records(d);
    if (r == nullptr) continue;
    for (std::uint32_t k = r->start[c]; k < r->start[c + 1]; ++k)
      scratch_.push_back(static_cast<Meeting>(r->named[k]) << 32 | std::uint64_t{d} << 1 | 1);
    if (lists) name_from_lists(c, *r);
  }
  // Each person named once, in person order, with the last day met (and whether the case
  // recalled any meeting of theirs, kept in the low bit).
  std::sort(scratch_.begin(), scratch_.end());
  std::size_t kept = 0;
  bool any_recalled = false;
  for (std::size_t i = 0; i < scratch_.size(); ++i) {
    any_recalled = any_recalled || recalled(scratch_[i]);
    if (i + 1 < scratch_.size() && person(scratch_[i + 1]) == person(scratch_[i])) continue;
    scratch_[kept++] = (scratch_[i] & ~Meeting{1}) | (any_recalled ? 1 : 0);
    any_recalled = false;
  }
  scratch_.resize(kept);
}

void ManualTracingPhase::interview(std::uint32_t c, std::uint32_t t, const HealthPhase& health) {
  const auto& m = w_.config.manual_tracing;
  const std::uint32_t forward_from = t >= m.trace_days ? t - m.trace_days : 0;
  const std::uint32_t days = m.trace_days + m.backward_days;
  // Forward names (met within the trace_days days) join the call queue, the others the
  // backward queue.
  gather(c, t >= days ? t - days : 0, t, lists_);
  const std::uint32_t infector = health.infector()[c];
  if (infector != kNoPerson) ++with_infector_;
  TracingInterview iv{t, c, TracingInterview::kNotNamed};
  for (const Meeting x : scratch_) {
    const bool backward = met_day(x) < forward_from;
    const bool from_list = !recalled(x);
    auto& queue = from_list && m.lists_last ? list_queue_
                  : backward                ? backward_queue_
                                            : call_queue_;
    queue.push_back({person(x), c, t, met_day(x), backward, from_list});
    known_[person(x)] = 1;
    if (person(x) == infector) {
      iv.infector = backward ? TracingInterview::kNamedBackward : TracingInterview::kNamed;
      iv.infector_from_list = from_list;
    }
  }
  known_[c] = 1;
  interviews_.push_back(iv);
  named_ += scratch_.size();
}

void ManualTracingPhase::self_notify(std::uint32_t c, std::uint32_t t, HealthPhase& health) {
  const auto& m = w_.config.manual_tracing;
  gather(c, t >= m.trace_days ? t - m.trace_days : 0, t, false);
  ++self_notifying_;
  for (const Meeting x : scratch_) {
    const std::uint32_t q = person(x);
    // Whom the case tells: one draw per case, contact and day.
    if (m.self_notify_reach < 1 &&
        !w_.decision(kPurposeSelfNotify, q, t, c).bernoulli(m.self_notify_reach)) {
      continue;
    }
    if (call({q, c, t, met_day(x), false, false}, t, health, true)) ++self_notified_;
  }
}

bool ManualTracingPhase::call(const Named& n, std::uint32_t t, HealthPhase& health, bool by_case) {
  const auto today = static_cast<std::int32_t>(t);
  const std::uint32_t q = n.contact;
  if (health.exempt_as_positive(q) || health.dead(q, t) || quarantined_until_[q] > today) {
    return false;
  }
  const auto& m = w_.config.manual_tracing;
  const std::uint32_t start = m.quarantine_from_meeting ? n.met_day : t;
  const auto until = static_cast<std::int32_t>(start + m.quarantine_days);
  // Called today already with no quarantine left: called again today only for a name that
  // leaves one (a later meeting's).
  if (last_call_[q] == t && until <= today) return false;
  quarantined_until_[q] = until;
  // Daily self-tests instead of quarantine, with their own adherence if set (the same draw).
  const double follows = m.daily_test_days > 0 && m.daily_test_adherence >= 0
                             ? m.daily_test_adherence
                             : m.quarantine_compliance;
  if (until > today &&
      w_.decision(kPurposeBehaviour, q, t, kQuarantineCompliance).bernoulli(follows)) {
    if (m.daily_test_days > 0) {
      // Instead of quarantine: the day's self-tests were taken before the calls, so the
      // first is the next day's.
      health.test_daily(q, t + 1, m.daily_test_days);
    } else {
      health.quarantine(q, until, m.release_test_day > 0 ? start + m.release_test_day : 0);
    }
  }
  if (w_.decision(kPurposeBehaviour, q, t, kTracedTest).bernoulli(m.test_probability)) {
    health.order_test(q, t);
  }
  last_call_[q] = t;
  last_call_backward_[q] = n.backward ? 1 : 0;
  last_call_list_[q] = n.from_list ? 1 : 0;
  last_call_self_[q] = by_case ? 1 : 0;
  if (n.backward) ++backward_calls_;
  if (n.from_list) ++list_calls_;
  calls_.push_back(
      {t, n.interview_day, n.index_case, q, n.met_day, n.backward, n.from_list, by_case});
  return true;
}

void ManualTracingPhase::run(std::uint32_t t, HealthPhase& health, DailyStats& st) {
  if (!enabled_) return;
  const auto& m = w_.config.manual_tracing;
  if (t >= m.start_day) {
    const auto day = static_cast<std::int32_t>(t);
    for (std::uint32_t p = 0; p < w_.pop.size(); ++p) {
      if (health.positive_day(p) != day || health.dead(p, t)) continue;
      interview_queue_.push_back({p, t + m.delay_days});
      ++cases_;
      if (last_call_[p] != kNoDay && t <= last_call_[p] + m.quarantine_days) {
        ++traced_cases_;
        traced_cases_backward_ += last_call_backward_[p];
        traced_cases_list_ += last_call_list_[p];
        traced_cases_self_ += last_call_self_[p];
      }
    }
  }
  std::uint64_t interviews = 0;
  while (interviews < interviews_per_day_ && !interview_queue_.empty() &&
         interview_queue_.front().ready_day <= t) {
    const std::uint32_t c = interview_queue_.front().person;
    interview_queue_.pop_front();
    if (health.dead(c, t)) continue;
    interview(c, t, health);
    ++interviews;
  }
  // Cases left waiting too long inform their contacts themselves (the oldest wait in front).
  while (m.self_notify_after_days > 0 && !interview_queue_.empty() &&
         interview_queue_.front().ready_day + m.self_notify_after_days <= t + m.delay_days) {
    const std::uint32_t c = interview_queue_.front().person;
    interview_queue_.pop_front();
    if (!health.dead(c, t)) self_notify(c, t, health);
  }
  std::uint64_t called = 0;
  for (auto* queue : {&call_queue_, &backward_queue_, &list_queue_}) {
    while (called < calls_per_day_ && !queue->empty()) {
      const Named n = queue->front();
      queue->pop_front();
      if (m.call_within_days > 0 && t >= n.met_day + m.call_within_days) {
        ++given_up_;
        continue;
      }
      if (call(n, t, health)) ++called;
    }
  }
  st.manual_interviews = static_cast<std::uint32_t>(interviews);
  st.manual_traced = static_cast<std::uint32_t>(called);
  st.interview_backlog = static_cast<std::uint32_t>(interview_queue_.size());
  st.call_backlog =
      static_cast<std::uint32_t>(call_queue_.size() + backward_queue_.size() + list_queue_.size());
}

}  // namespace greenlight::sim::internal
