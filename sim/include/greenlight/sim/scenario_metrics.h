// What one run measured for the scenario comparison (scenario.h, docs/simulation.md
// "Scenarios: greenlight against a centralised health code") and for the relay adversary
// (attack A2): colours as people saw them, needless isolation, what a centralised health
// code collected, what chaff hides from a network observer, and the false warnings a relay
// caused. Filled by the simulation from read-only views of its phases.
#pragma once

#include <cstdint>

namespace greenlight::sim {

// What the centralised health code collected and decided (zero when it is off).
struct HealthCodeView {
  std::uint64_t covered_people = 0;        // phones tracked, by phone number
  std::uint64_t location_person_days = 0;  // a location trail of every covered person, daily
  std::uint64_t colocation_records = 0;    // pairs of covered people met, per day
  std::uint64_t venue_visits = 0;          // place-code scans of covered people
  std::uint64_t test_results = 0;          // every test result, by name
  std::uint64_t colour_person_days = 0;    // every covered person's colour, computed centrally
  // Colourings (a person coloured twice counts twice).
  std::uint64_t cases_red = 0;           // confirmed cases
  std::uint64_t close_contacts_red = 0;  // met a case in its trace window
  std::uint64_t secondary_yellow = 0;    // household of a close contact
  std::uint64_t companions_yellow = 0;   // same venue, same day as a case
};

// Upload flows as a network observer sees them (every phone sends fake uploads at
// app.chaff_per_day, a real upload replaces its phone's next fake).
struct ChaffView {
  double chaff_per_day = 0;
  std::uint64_t real_flows = 0;
  std::uint64_t chaff_flows = 0;
  // The observer's best guess that a given flow is real: real / (real + chaff).
  double real_share = 0;
  // How well the number of flows per phone ranks uploaders above other app users (area
  // under the ROC curve; 0.5 = no better than chance, 1 = every uploader found).
  double uploader_auc = 0;
  // Request bytes per app user and day (each flow: three padded requests).
  double bytes_per_phone_day = 0;
};

// The relay adversary's effect (adversary.relay_*; zero when it is off).
struct RelayView {
  std::uint64_t captured_visits = 0;  // app users' visits recorded by a receiver
  std::uint64_t relayed_runs = 0;     // replays stored by victims' phones
  std::uint64_t dropped_runs = 0;     // replays that would cross midnight (not modelled)
  std::uint64_t off_runs = 0;  // replays to a victim whose phone was off (dead, app not running)
  // Keys that matched at a victim only through relayed runs (with a counted window).
  std::uint64_t relay_only_hits = 0;
  // Notifications (RED or YELLOW from an exposure) whose sync had a relay-only hit: false
  // warnings caused by the relay; and those whose every counted hit was relay-only (the
  // person was warned only because of the relay; counted per notification: a person warned
  // YELLOW and then RED so counts twice).
  std::uint64_t false_warnings = 0;
  std::uint64_t warned_only_by_relay = 0;
};

// What manual tracers learn by name (config.manual_tracing; zero when it is off): the people
// interviewed or named at an interview, the (case, named person) pairs, the positive
// results of the cases interviewed, and with guest lists (manual_tracing.guest_lists) the
// venue visits they learned: each case's own visits to venues with lists and the entries of
// the lists handed over (each visit once).
struct ManualTracingView {
  std::uint64_t identified = 0;
  // Of them, those a health code running beside the tracers does not cover (all of them
  // without one): the people a comparison adds to the code's (scenario.cpp).
  std::uint64_t identified_beyond_code = 0;
  std::uint64_t contact_records = 0;
  std::uint64_t test_results = 0;
  std::uint64_t venue_visits = 0;
};

// Who was ever RED or YELLOW, and who of them was never infected during the run.
struct ColourCounts {
  std::uint64_t ever_red = 0;
  std::uint64_t ever_yellow = 0;
  std::uint64_t ever_coloured = 0;  // RED or YELLOW at least once
  // Of those, never infected during the run.
  std::uint64_t wrongly_red = 0;
  std::uint64_t wrongly_yellow = 0;
  std::uint64_t wrongly_coloured = 0;
  std::uint64_t red_person_days = 0;
  std::uint64_t yellow_person_days = 0;
};

struct ScenarioMetrics {
  // The colour people saw: the phone's (app users) or the health code's (covered people).
  ColourCounts colours;
  // The health code's rules in shadow mode (health_code.shadow) on this run's epidemic: the
  // colours it would have given the same people, had nobody acted on them.
  ColourCounts shadow_code;
  // Isolation (all causes), and the part spent by people never infected during the run.
  std::uint64_t isolation_person_days = 0;
  std::uint64_t needless_isolation_person_days = 0;
  HealthCodeView health_code;
  ManualTracingView manual_tracing;
  ChaffView chaff;
  RelayView relay;
};

}  // namespace greenlight::sim
