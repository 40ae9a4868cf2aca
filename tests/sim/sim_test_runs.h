// Helpers of the simulation tests: a small run's configuration, and a run to its end.
#pragma once

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/phone_keys.h"
#include "greenlight/sim/population.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/simulation.h"

namespace greenlight::sim {

// `people` people for `days` days from `seed`, two threads, without the run without the app.
inline SimConfig small(std::uint32_t people, std::uint32_t days, std::uint64_t seed) {
  SimConfig c;
  c.population.people = people;
  c.run.days = days;
  c.run.seed = seed;
  c.run.threads = 2;
  c.run.baseline = false;
  return c;
}

// Creates and runs a simulation whose uploads go to `publisher` (which must outlive it).
inline std::unique_ptr<Simulation> ran(const SimConfig& c, KeyPublisher& publisher) {
  auto sim = Simulation::create(c, publisher);
  REQUIRE(sim);
  REQUIRE((*sim)->run());
  return std::move(*sim);
}

// A run's summary, its uploads to the in-memory publisher.
inline RunSummary summary_of(const SimConfig& c) {
  InMemoryPublisher publisher;
  return ran(c, publisher)->summary();
}

// 20,000 people, 90 days from seed 3, where nobody isolates on symptoms or a positive result
// (only contacts quarantine); `contacts` sets who is told and how.
template <typename Contacts>
SimConfig only_contacts_isolate(Contacts contacts) {
  SimConfig c = small(20000, 90, 3);
  c.testing.symptom_isolation = 0;
  c.testing.isolation_adherence = 0;
  contacts(c);
  return c;
}

// The message with which one --set assignment is refused (as read, or by the range check
// of the whole configuration that apply_override runs).
// Reinfection on, and an infection protects nobody from the next (a person may be
// infected again as soon as its course is over).
inline void without_immunity(SimConfig& c) {
  c.immunity.reinfection = true;
  c.immunity.efficacy_infection = 0;
  c.immunity.efficacy_symptoms = 0;
  c.immunity.efficacy_severe = 0;
}

// Every infection symptomatic, admitted to hospital, in intensive care and fatal.
inline void every_course_fatal(SimConfig& c) {
  c.disease.asymptomatic_fraction.fill(0);
  c.disease.mild_fraction.fill(0);
  c.disease.hospitalised_fraction.fill(1);
  c.disease.critical_fraction.fill(1);
  c.disease.fatality_fraction.fill(1);
}

inline std::string refusal(std::string_view assignment) {
  SimConfig c;
  const Status st = apply_override(c, assignment);
  REQUIRE_FALSE(st);
  return st.error().message;
}

// The in-memory publisher, keeping every upload it was given.
class RecordingPublisher : public KeyPublisher {
 public:
  std::string_view name() const override { return inner_.name(); }
  Status publish(const SimUpload& upload, std::int64_t unix_seconds) override {
    uploads.push_back(upload);
    return inner_.publish(upload, unix_seconds);
  }
  Result<PublishedBatch> fetch_new(std::int64_t unix_seconds) override {
    return inner_.fetch_new(unix_seconds);
  }
  ServerHoldings holdings() const override { return inner_.holdings(); }
  std::vector<EcdsaP256PublicKey> authority_keys() const override {
    return inner_.authority_keys();
  }
  bool revises() const override { return inner_.revises(); }
  Status revise(std::span<const TemporaryExposureKey> keys, ReportType type,
                std::optional<EnIntervalNumber> onset, std::int64_t unix_seconds) override {
    revisions.push_back({unix_seconds, type, std::vector(keys.begin(), keys.end())});
    return inner_.revise(keys, type, onset, unix_seconds);
  }
  std::vector<SimUpload> uploads;
  struct Revision {
    std::int64_t unix_seconds = 0;
    ReportType type = ReportType::kRevoked;
    std::vector<TemporaryExposureKey> keys;
  };
  std::vector<Revision> revisions;

 private:
  InMemoryPublisher inner_;
};

// The 16 bytes of a TEK, a map key.
using KeyBytes = std::array<std::uint8_t, 16>;
inline KeyBytes key_bytes(const TemporaryExposureKey& k) {
  KeyBytes bytes{};
  std::copy_n(k.key_data.data(), 16, bytes.begin());
  return bytes;
}

// Every app user's TEK of days [0, days) -> (person, day): who uploaded a key, of which day.
inline std::map<KeyBytes, std::pair<std::uint32_t, std::uint32_t>> key_owners(const SimConfig& c,
                                                                              const Population& pop,
                                                                              std::uint32_t days) {
  const TekSchedule schedule(c.run.seed, c.run.start_unix_seconds);
  std::map<KeyBytes, std::pair<std::uint32_t, std::uint32_t>> owner;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.has_app[p] == 0) continue;
    for (std::uint32_t d = 0; d < days; ++d) owner[key_bytes(schedule.key(p, d))] = {p, d};
  }
  return owner;
}

}  // namespace greenlight::sim
