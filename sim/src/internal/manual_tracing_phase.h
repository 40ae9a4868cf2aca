// Manual contact tracing (config.manual_tracing; docs/simulation.md "Manual tracing"):
// OpenABM's manual tracing with its capacity limits. Each day after the contact phase it
// keeps the contacts people would recall (ContactPhase::recalled, trace_days days), and at
// 09:00, after the health phase:
//  - today's positive results (from start_day, of the living) join the interview queue,
//    ready delay_days later;
//  - tracers interview the ready cases in queue order, as many as the day's interviews
//    allow; an interviewed case names everyone it recalls from the trace_days days before;
//  - tracers call the named people in the order they were named, as many as the day's calls
//    allow, skipping those tested positive, dead or still in a traced quarantine; a called
//    person quarantines (HealthPhase::isolate) with quarantine_compliance and orders a test
//    with test_probability.
// Cases and names left over wait for the next day. The state is the same on every MPI rank
// (the recalled contacts of all ranks). Not thread-safe (the simulation calls it from one
// thread).
#pragma once

#include <cstdint>
#include <deque>
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
  // After the contact phase: today's recalled contacts.
  void record(std::uint32_t t, const ContactPhase& contacts);

  const std::vector<TracingCall>& calls() const { return calls_; }
  // What the tracers learned by name so far.
  ManualTracingView view() const;

 private:
  // One day of recalled contacts: a CSR of the people each person would name.
  struct DayRecords {
    std::uint32_t day = kNoDay;
    std::vector<std::uint32_t> start;  // n + 1 offsets
    std::vector<std::uint32_t> named;
  };
  struct Waiting {
    std::uint32_t person = 0;
    std::uint32_t ready_day = 0;
  };
  struct Named {
    std::uint32_t contact = 0;
    std::uint32_t index_case = 0;
    std::uint32_t interview_day = 0;
  };
  const DayRecords* records(std::uint32_t day) const;
  void interview(std::uint32_t c, std::uint32_t t);
  bool call(const Named& n, std::uint32_t t, HealthPhase& health);

  const World& w_;
  bool enabled_;
  std::uint64_t interviews_per_day_ = 0;
  std::uint64_t calls_per_day_ = 0;
  std::vector<DayRecords> ring_;
  std::deque<Waiting> interview_queue_;
  std::deque<Named> call_queue_;
  std::vector<std::int32_t> quarantined_until_;  // by a tracer's call
  std::vector<std::uint8_t> known_;              // 1: interviewed or named at an interview
  std::uint64_t interviewed_ = 0;
  std::uint64_t named_ = 0;
  std::vector<std::uint32_t> scratch_;
  std::vector<TracingCall> calls_;
};

}  // namespace greenlight::sim::internal
