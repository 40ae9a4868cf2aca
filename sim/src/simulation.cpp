// The day loop: one simulated day runs the phases in order (docs/simulation.md "Code map"):
// sync and matching (sync_phase), health (health_phase) with the centralised health code
// (health_code_phase) and manual tracing (manual_tracing_phase), uploads (upload_phase),
// contacts (contact_phase) with the radio (radio_phase), today's infections, statistics
// (statistics). Each phase owns its state; this file only wires them together and times
// them. Over several MPI ranks (World::ranks) every rank runs the same day loop; the phases
// exchange what they need at fixed points (docs/simulation.md "MPI").
#include "greenlight/sim/simulation.h"

#include <utility>

#include "greenlight/sim/offspring.h"
#include "internal/contact_phase.h"
#include "internal/health_code_phase.h"
#include "internal/health_phase.h"
#include "internal/lockdown_policy.h"
#include "internal/manual_tracing_phase.h"
#include "internal/radio_phase.h"
#include "internal/relay.h"
#include "internal/scenario_ledger.h"
#include "internal/statistics.h"
#include "internal/sync_phase.h"
#include "internal/upload_phase.h"
#include "internal/world.h"

namespace greenlight::sim {

std::string_view layer_name(Layer layer) {
  switch (layer) {
    case Layer::kHousehold:
      return "household";
    case Layer::kSchoolWork:
      return "school_work";
    case Layer::kRandom:
      return "random";
    case Layer::kVenue:
      return "venue";
    case Layer::kHospital:
      return "hospital";
    case Layer::kCareHome:
      return "care_home";
  }
  return "household";
}

struct Simulation::Impl {
  Impl(const SimConfig& c, KeyPublisher& p, Population population, VenueDirectory directory,
       Ranks ranks)
      : world(c, std::move(population), std::move(directory), ranks),
        publisher(p),
        health(world),
        contacts(world),
        radio(world),
        uploads(world, p),
        sync(world, p),
        health_code(world),
        relay(world),
        ledger(world),
        lockdown(world.config.lockdown, world.pop.size()),
        tracing(world) {
    contacts.record_met(health_code.enabled());
    contacts.record_recalled(tracing.enabled());
  }

  Status step() {
    const std::uint32_t t = current_day;
    DailyStats st;
    st.day = t;
    const std::int64_t midnight = world.midnight(t);
    auto clock = times.start();
    const internal::SyncPhase::Phases phases{health, radio, contacts, uploads, radio.expander()};
    // A publisher's error (a key server's refusal, a full disk under its export) names the
    // day, the phase and the publisher.
    const auto located = [&](const Status& s, const char* phase) -> Status {
      if (s) return s;
      return make_error(s.error().code, "day " + std::to_string(t) + ", " + phase +
                                            " (publisher: " + std::string(publisher.name()) +
                                            "): " + s.error().message);
    };
    GL_RETURN_IF_ERROR(located(sync.run(t, midnight + 6 * 3600, phases, st), "the phones' sync"));
    clock.lap(internal::kPhaseSync);
    std::vector<std::uint32_t> uploaders;
    health.run(t, st, uploaders);
    health_code.run(t, health, st);
    tracing.run(t, health, st);
    ledger.uploaded(t, uploaders);
    clock.lap(internal::kPhaseHealth);
    GL_RETURN_IF_ERROR(
        located(uploads.run(t, midnight + 12 * 3600, uploaders, health, contacts, st), "uploads"));
    if (!health.revisions().empty()) {
      GL_RETURN_IF_ERROR(
          located(uploads.revise(midnight + 12 * 3600, health, st), "revised uploads"));
    }
    clock.lap(internal::kPhaseUploads);
    st.lockdown = lockdown.everyone_on(t, daily) ? 1 : 0;
    st.schools_closed = world.config.lockdown.schools_closed_on(t) ? 1 : 0;
    std::vector<std::uint8_t> locked;  // with a regional lockdown, each region's
    if (world.config.lockdown.regional) {
      locked = lockdown.regions_on(t, region_daily, world.pop.regions());
      st.regions_locked = static_cast<std::uint32_t>(std::count(locked.begin(), locked.end(), 1));
    }
    contacts.run(t, health, radio, st, locked);
    if (health.tracks_agency_shifts()) health.record_agency_shifts(t, contacts.agency_shifts());
    health_code.record(t, contacts);
    tracing.record(t, contacts);
    clock.lap(internal::kPhaseContacts);
    if (relay.enabled()) {
      relay.stage(t, contacts, health, radio);
      std::vector<internal::StagedRuns> shards(contacts.staged_runs());
      shards.push_back(relay.staged());
      st.runs_stored = world.ranks.sum(radio.store_day(t, shards));
    } else {
      st.runs_stored = world.ranks.sum(radio.store_day(t, contacts.staged_runs()));
    }
    clock.lap(internal::kPhaseStore);
    radio.derive_rpis(t);
    if (relay.enabled()) relay.fix_rpis(t, *radio.today(), radio.expander());
    clock.lap(internal::kPhaseRpis);
    health.apply_infections(contacts.candidates(), t, st);
    clock.lap(internal::kPhaseInfections);
    internal::finish_day(world, health, sync, t, st,
                         world.pop.regions() > 1 ? &region_daily : nullptr);
    for (std::size_t r = 0; r < locked.size(); ++r) {
      region_daily[region_daily.size() - locked.size() + r].locked = locked[r];
    }
    ledger.observe(t, health, sync, health_code, st);
    clock.lap(internal::kPhaseStats);
    daily.push_back(st);
    ++current_day;
    return ok();
  }

  internal::World world;
  KeyPublisher& publisher;
  internal::HealthPhase health;
  internal::ContactPhase contacts;
  internal::RadioPhase radio;
  internal::UploadPhase uploads;
  internal::SyncPhase sync;
  internal::HealthCodePhase health_code;  // the comparison arm (health_code.enabled)
  internal::RelayAdversary relay;         // attack A2 (adversary.relay_venue_share)
  internal::ScenarioLedger ledger;
  internal::LockdownPolicy lockdown;
  internal::ManualTracingPhase tracing;
  internal::PhaseTimes times;
  std::vector<DailyStats> daily;
  std::vector<RegionDay> region_daily;
  std::uint32_t current_day = 0;
};

Simulation::Simulation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulation::~Simulation() = default;

Result<std::unique_ptr<Simulation>> Simulation::create(const SimConfig& config,
                                                       KeyPublisher& publisher, Ranks ranks) {
  GL_RETURN_IF_ERROR(validate_config(config));
  // The comparison arm and the relay adversary read every person's contacts and runs in one
  // process; over ranks each rank holds only its part of them.
  if (ranks.size() > 1 && (config.health_code.enabled || config.adversary.relay_venue_share > 0)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the health-code comparison and the relay adversary run in one process, not "
                      "over " +
                          std::to_string(ranks.size()) + " MPI ranks");
  }
  if ((config.app.revoke_on_negative || config.app.upgrade_on_positive) && !publisher.revises()) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(config.app.revoke_on_negative ? "app.revoke_on_negative"
                                                                : "app.upgrade_on_positive") +
                          " needs the in-memory publisher (--server none): greenlight's upload "
                          "API has no revision, so the " +
                          std::string(publisher.name()) + " cannot revise an upload");
  }
  Population pop = generate_population(config);
  auto venues = VenueDirectory::create(pop, config.run.seed);
  GL_RETURN_IF_ERROR(venues);
  auto impl = std::make_unique<Impl>(config, publisher, std::move(pop), std::move(*venues), ranks);
  impl->contacts.calibrate();
  impl->health.seed_infections();
  return std::unique_ptr<Simulation>(new Simulation(std::move(impl)));
}

Status Simulation::step() { return impl_->step(); }

Status Simulation::run(const ProgressFn& progress) {
  while (impl_->current_day < impl_->world.config.run.days) {
    GL_RETURN_IF_ERROR(impl_->step());
    if (progress)
      progress({impl_->current_day, impl_->world.config.run.days, &impl_->daily.back()});
  }
  return ok();
}

std::uint32_t Simulation::days_done() const { return impl_->current_day; }
const SimConfig& Simulation::config() const { return impl_->world.config; }
const Population& Simulation::population() const { return impl_->world.pop; }
const std::vector<DailyStats>& Simulation::daily() const { return impl_->daily; }
const std::vector<RegionDay>& Simulation::region_daily() const { return impl_->region_daily; }
std::uint64_t Simulation::runs_staged() const { return impl_->contacts.runs_staged(); }
std::uint64_t Simulation::runs_sent() const { return impl_->contacts.runs_sent(); }
RunSummary Simulation::summary() const {
  RunSummary s = internal::summarise(impl_->world, impl_->contacts.beta(), impl_->current_day,
                                     impl_->daily, impl_->health, impl_->sync);
  if (impl_->tracing.enabled()) impl_->tracing.summarise(s);
  s.care_home_days_closed = impl_->contacts.closed_home_days();
  s.care_outbreak_rounds = impl_->health.outbreak_rounds();
  s.care_outbreak_samples = impl_->health.outbreak_samples();
  s.care_outbreak_agency_samples = impl_->health.outbreak_agency_samples();
  s.self_tests = impl_->health.self_tests();
  s.self_test_positives = impl_->health.self_test_positives();
  s.release_tests = impl_->health.release_tests();
  s.quarantines_released = impl_->health.quarantines_released();
  s.released_infected = impl_->health.released_infected();
  s.symptom_reports = impl_->health.symptom_reports();
  s.symptom_reports_infected = impl_->health.symptom_reports_infected();
  s.self_reports_revoked = impl_->uploads.self_reports_revoked();
  s.revoked_before_upload = impl_->health.revoked_before_upload();
  s.revoked_infected = impl_->uploads.revoked_infected();
  s.self_reports_upgraded = impl_->uploads.self_reports_upgraded();
  s.quarantines_withdrawn = impl_->health.quarantines_withdrawn();
  s.withdrawn_infected = impl_->health.withdrawn_infected();
  for (const auto& d : impl_->daily) s.red_withdrawn += d.red_withdrawn;
  s.care_outbreak_positives = impl_->health.outbreak_positives();
  const ScenarioMetrics judged = impl_->ledger.counts(impl_->health.infection_day());
  s.needless_isolation_person_days = judged.needless_isolation_person_days;
  s.wrongly_red = judged.colours.wrongly_red;
  s.wrongly_yellow = judged.colours.wrongly_yellow;
  return s;
}
ScenarioMetrics Simulation::scenario_metrics() const {
  ScenarioMetrics m = impl_->ledger.metrics(impl_->health.infection_day(), impl_->current_day);
  if (impl_->health_code.enabled() && !impl_->health_code.shadow())
    m.health_code = impl_->health_code.view();
  if (impl_->tracing.enabled()) {
    m.manual_tracing = impl_->tracing.view();
    // Beside a health code: the tracers' people the code does not cover already.
    if (impl_->health_code.enabled() && !impl_->health_code.shadow()) {
      std::uint64_t beyond = 0;
      for (std::uint32_t p = 0; p < impl_->world.pop.size(); ++p) {
        beyond += impl_->tracing.known(p) && !impl_->health_code.ever_covered(p) ? 1u : 0u;
      }
      m.manual_tracing.identified_beyond_code = beyond;
    }
  }
  m.relay = impl_->relay.view(impl_->sync);
  return m;
}
PrivacyView Simulation::privacy() const {
  return internal::privacy_view(impl_->world, impl_->publisher, impl_->daily, impl_->uploads);
}
std::span<const std::int32_t> Simulation::infection_day() const {
  return impl_->health.infection_day();
}
std::span<const std::uint32_t> Simulation::infector() const { return impl_->health.infector(); }
std::span<const std::uint8_t> Simulation::infection_layer() const {
  return impl_->health.infection_layer();
}
std::span<const std::int32_t> Simulation::positive_day() const {
  return impl_->health.positive_days();
}
std::span<const std::int32_t> Simulation::isolated_until() const {
  return impl_->health.isolated_until();
}
std::span<const Course> Simulation::courses() const { return impl_->health.courses(); }
std::vector<Infection> Simulation::infections() const {
  std::vector<Infection> out;
  impl_->health.for_each_infection([&](const Infection& i) { out.push_back(i); });
  return out;
}
Reproduction Simulation::reproduction() const {
  return internal::reproduction(impl_->world, impl_->health, impl_->current_day);
}

Offspring Simulation::offspring() const {
  return internal::offspring(impl_->world, impl_->health, impl_->current_day);
}

double Reproduction::r(std::uint32_t first, std::uint32_t last) const {
  std::uint64_t infected = 0;
  std::uint64_t secondary = 0;
  for (std::uint32_t d = first; d <= last && d < complete && d < cohorts.size(); ++d) {
    infected += cohorts[d].infected;
    secondary += cohorts[d].secondary;
  }
  return infected > 0 ? static_cast<double>(secondary) / static_cast<double>(infected) : 0.0;
}
const std::deque<ExposureHit>& Simulation::exposure_hits() const {
  return impl_->sync.exposure_hits();
}
const std::deque<Notification>& Simulation::notifications() const {
  return impl_->sync.notifications();
}
const std::deque<Simulation::FetchedKey>& Simulation::fetched_keys() const {
  return impl_->sync.fetched();
}
std::uint32_t Simulation::app_start(std::uint32_t p) const { return impl_->world.app_start(p); }
std::uint32_t Simulation::app_end(std::uint32_t p) const { return impl_->world.app_end(p); }
const std::vector<TracingCall>& Simulation::tracing_calls() const { return impl_->tracing.calls(); }
const std::vector<TracingInterview>& Simulation::tracing_interviews() const {
  return impl_->tracing.interviews();
}
std::span<const std::int32_t> Simulation::vaccination_day() const {
  return impl_->health.vaccination_day();
}
std::span<const VaccineProtection> Simulation::vaccine_protection() const {
  return impl_->health.vaccine_protection();
}
std::span<const std::uint8_t> Simulation::variant() const { return impl_->health.variant(); }
std::size_t Simulation::encounter_store_bytes() const { return impl_->radio.peak_store_bytes(); }
std::vector<PhaseTime> Simulation::phase_seconds() const { return impl_->times.seconds(); }

}  // namespace greenlight::sim
