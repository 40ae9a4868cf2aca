// Manual contact tracing (config.manual_tracing; docs/simulation.md "Manual tracing"):
// OpenABM's manual tracing with its capacity limits. Each day after the contact phase it
// keeps the contacts people would recall (ContactPhase::recalled, trace_days days), and at
// 09:00, after the health phase:
//  - today's positive results (from start_day, of the living) join the interview queue,
//    ready delay_days later;
//  - tracers interview the ready cases in queue order, as many as the day's interviews
//    allow; an interviewed case names everyone it recalls from the trace_days days before
//    (in person order), then those it recalls only from the backward_days days before these
//    (backward tracing, in person order); with guest lists (guest_lists) also everyone on
//    the list of a venue the case visited in that window whose visit overlapped the case's
//    (the day's visits are kept for the window);
//  - tracers call the named people in the order they were named, as many as the day's calls
//    allow, the backward names only when no other is waiting (they wait in a queue of their
//    own; with lists_last the names from a list only wait in a third one, called last),
//    giving up (with call_within_days) a name whose last meeting is that many days old,
//    skipping those tested positive, dead or still in a traced quarantine; a called
//    person quarantines (HealthPhase::isolate) with quarantine_compliance, until
//    quarantine_days after the call (or, with quarantine_from_meeting, after the last
//    recalled meeting: none if that is over), and orders a test with test_probability.
//  - with self_notify_after_days, the cases still waiting for their interview that many
//    days after their result leave the queue and inform the contacts they recall from the
//    trace_days days before themselves (each with self_notify_reach): those act as called,
//    at no tracer's cost (calls() lists them as by_case).
// It counts the cases found by tracing (a positive result within quarantine_days of a call)
// and the interviewed cases who named their infector (RunSummary).
// Cases and names left over wait for the next day. The state is the same on every MPI rank
// (the recalled contacts of all ranks). Not thread-safe (the simulation calls it from one
// thread).
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <unordered_set>
#include <vector>

#include "greenlight/sim/scenario_metrics.h"
#include "greenlight/sim/simulation.h"
#include "internal/contact_phase.h"
#include "internal/health_phase.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

class ManualTracingPhase {
 public:
  explicit ManualTracingPhase(const World& world);

  bool enabled() const { return enabled_; }
  // 09:00, after the health phase: queue today's cases, interview, call.
  void run(std::uint32_t t, HealthPhase& health, DailyStats& st);
  // After the contact phase: today's recalled contacts (and with guest lists the venue
  // visits).
  void record(std::uint32_t t, const ContactPhase& contacts);
  // The same from today's recalled pairs and everyone's venue visits (grouped by venue,
  // sorted by arrival, as ContactPhase::visits).
  void record(std::uint32_t t, std::span<const MetPair> recalled, std::span<const Visit> visits);

  const std::vector<TracingCall>& calls() const { return calls_; }
  const std::vector<TracingInterview>& interviews() const { return interviews_; }
  // The calls from the backward window, cases found by tracing and infectors named
  // (RunSummary's fields; the same on every rank).
  void summarise(RunSummary& s) const;
  // What the tracers learned by name so far.
  ManualTracingView view() const;
  // Whether the tracers know p by name (interviewed, or named at an interview).
  bool known(std::uint32_t p) const { return known_[p] == 1; }

 private:
  // One day of recalled contacts: a CSR of the people each person would name; with guest
  // lists the day's visits by venue (venue_start: venues + 1 offsets into visits) and each
  // visit's index in person order (person << 32 | index, sorted).
  struct DayRecords {
    std::uint32_t day = kNoDay;
    std::vector<std::uint32_t> start;  // n + 1 offsets
    std::vector<std::uint32_t> named;
    std::vector<Visit> visits;
    std::vector<std::uint32_t> venue_start;
    std::vector<std::uint64_t> by_person;
  };
  struct Waiting {
    std::uint32_t person = 0;
    std::uint32_t ready_day = 0;
  };
  struct Named {
    std::uint32_t contact = 0;
    std::uint32_t index_case = 0;
    std::uint32_t interview_day = 0;
    std::uint32_t met_day = 0;  // the last recalled meeting
    bool backward = false;
    bool from_list = false;  // named by a guest list only
  };
  // A meeting the tracers learn of: (person, day, recalled) packed as person << 32 | day << 1
  // | recalled (0: from a guest list), so that sorting groups a person's meetings in day order.
  using Meeting = std::uint64_t;
  const DayRecords* records(std::uint32_t day) const;
  // Adds to scratch_ everyone on the guest lists of case c's visits of day d.
  void name_from_lists(std::uint32_t c, const DayRecords& r);
  // Fills scratch_ with the people case c names from days [from, t) (with `lists` also the
  // guest lists'): each once, in person order, with its last day met and whether recalled.
  void gather(std::uint32_t c, std::uint32_t from, std::uint32_t t, bool lists);
  void interview(std::uint32_t c, std::uint32_t t, const HealthPhase& health);
  // Case c, not interviewed in time, informs its recalled contacts itself.
  void self_notify(std::uint32_t c, std::uint32_t t, HealthPhase& health);
  // A call (by_case: the case informing its contact): the contact quarantines and tests.
  bool call(const Named& n, std::uint32_t t, HealthPhase& health, bool by_case = false);

  const World& w_;
  bool enabled_;
  std::uint64_t interviews_per_day_ = 0;
  std::uint64_t calls_per_day_ = 0;
  std::vector<DayRecords> ring_;
  std::deque<Waiting> interview_queue_;
  std::deque<Named> call_queue_;
  std::deque<Named> backward_queue_;              // called when call_queue_ is empty
  std::deque<Named> list_queue_;                  // with lists_last: called after both
  std::vector<std::int32_t> quarantined_until_;   // by a tracer's call
  std::vector<std::uint8_t> known_;               // 1: interviewed or named at an interview
  std::vector<std::uint32_t> last_call_;          // day of the person's last call (kNoDay: none)
  std::vector<std::uint8_t> last_call_backward_;  // 1: that call was a backward one
  std::vector<std::uint8_t> last_call_list_;      // 1: that call was from a guest list only
  std::vector<std::uint8_t> last_call_self_;      // 1: that "call" was by the case itself
  bool lists_ = false;                            // guest lists kept (config)
  std::uint64_t named_ = 0;
  std::uint64_t backward_calls_ = 0;
  std::uint64_t cases_ = 0;
  std::uint64_t traced_cases_ = 0;
  std::uint64_t traced_cases_backward_ = 0;
  std::uint64_t with_infector_ = 0;
  std::uint64_t list_calls_ = 0;
  std::uint64_t traced_cases_list_ = 0;
  std::uint64_t given_up_ = 0;  // names given up (call_within_days)
  std::uint64_t self_notifying_ = 0;
  std::uint64_t self_notified_ = 0;
  std::uint64_t traced_cases_self_ = 0;
  std::vector<Meeting> scratch_;
  // The venue visits the tracers learned (day << 32 | the visit's index in the day's visits).
  std::unordered_set<std::uint64_t> visits_learned_;
  std::vector<TracingCall> calls_;
  std::vector<TracingInterview> interviews_;
};

}  // namespace greenlight::sim::internal
