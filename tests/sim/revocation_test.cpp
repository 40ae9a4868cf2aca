// Revoking a symptom self-report on a negative test (app.revoke_on_negative; HealthPhase,
// UploadPhase::revoke, InMemoryPublisher::revoke, SyncPhase::withdraw): who revokes on which
// day, what the publisher does with the keys, and what phones and users do when a warning
// is withdrawn.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "internal/health_phase.h"
#include "internal/world.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {
namespace {

// 3,000 app users, nobody infected, false symptoms at 5 % a day, everyone reporting them
// and consenting, nobody isolating on symptoms; every test negative (specificity 1) or
// every test positive (specificity 0); results a day after the sample, ordered the same day.
SimConfig revoking(double specificity) {
  SimConfig c;
  c.population.people = 3000;
  c.app.uptake = 1;
  c.app.upload_consent = 1;
  c.app.symptom_report_share = 1;
  c.app.revoke_on_negative = true;
  c.disease.initial_infections = 0;
  c.disease.false_symptom_rate = 0.05;
  c.testing.symptom_isolation = 0;
  c.testing.specificity = specificity;
  c.testing.order_delay_days = 0;
  c.testing.result_delay_days = 1;
  return c;
}

// Each day's revokers over `days` days of the health phase, and each day's uploaders.
struct Days {
  std::vector<std::vector<std::uint32_t>> uploaders;
  std::vector<std::vector<std::uint32_t>> revokers;
};
Days run_days(HealthPhase& health, std::uint32_t days) {
  Days out;
  out.revokers.resize(days);
  out.uploaders = uploaders_of_days(health, days, [&](std::uint32_t t) {
    if (t > 0) {
      const auto r = health.revokers();
      out.revokers[t - 1].assign(r.begin(), r.end());
    }
  });
  const auto r = health.revokers();
  out.revokers[days - 1].assign(r.begin(), r.end());
  return out;
}

}  // namespace

TEST_CASE("a negative test revokes the self-report the day its result comes") {
  const auto world = make_world(revoking(1));
  HealthPhase health(*world);
  const std::uint32_t days = 40;
  const Days d = run_days(health, days);
  // Each report uploads on its day and books a test that day: the negative result the next
  // day revokes it (the phone then may report again; with 5 % false symptoms a day some do).
  std::map<std::uint32_t, std::vector<std::uint32_t>> uploaded;
  std::map<std::uint32_t, std::vector<std::uint32_t>> revoked;
  std::uint64_t revocations = 0;
  for (std::uint32_t t = 0; t < days; ++t) {
    for (const std::uint32_t p : d.uploaders[t]) uploaded[p].push_back(t);
    CHECK(std::is_sorted(d.revokers[t].begin(), d.revokers[t].end()));
    for (const std::uint32_t p : d.revokers[t]) revoked[p].push_back(t);
    revocations += d.revokers[t].size();
  }
  REQUIRE(revocations > 1000);
  std::uint64_t reported_again = 0;  // within 14 days of a revoked report
  for (const auto& [p, on] : revoked) {
    CAPTURE(p);
    REQUIRE(uploaded.count(p) == 1);
    const std::vector<std::uint32_t>& up = uploaded.at(p);
    REQUIRE(up.size() >= on.size());
    for (std::size_t i = 0; i < on.size(); ++i) CHECK(on[i] == up[i] + 1);
    for (std::size_t i = 1; i < up.size(); ++i) {
      if (up[i] - up[i - 1] <= 14) ++reported_again;
    }
  }
  CHECK(reported_again > 100);
  // Every report but those of the last day was revoked; none before its upload.
  std::uint64_t reports_before_last = 0;
  for (const auto& [p, up] : uploaded) {
    for (const std::uint32_t t : up) {
      if (t + 1 < days) ++reports_before_last;
    }
  }
  CHECK(revocations == reports_before_last);
  CHECK(health.revoked_before_upload() == 0);
  CHECK(health.symptom_reports() == revocations + d.uploaders[days - 1].size());
}

TEST_CASE("a positive test revokes nothing; a delayed upload is revoked before it happens") {
  {
    const auto world = make_world(revoking(0));
    HealthPhase health(*world);
    const Days d = run_days(health, 30);
    for (const auto& r : d.revokers) CHECK(r.empty());
    CHECK(health.symptom_reports() > 1000);
  }
  // Uploads 5 days after the report, the negative result after 1: no self-report uploads,
  // each is revoked before (the same-day share, a third, uploads at once and is revoked).
  SimConfig c = revoking(1);
  c.app.upload_delay_days = 5;
  c.app.upload_same_day_share = 1.0 / 3;
  const auto world = make_world(c);
  HealthPhase health(*world);
  const Days d = run_days(health, 30);
  std::uint64_t uploads = 0;
  std::uint64_t revokers = 0;
  for (std::uint32_t t = 0; t < 30; ++t) {
    uploads += d.uploaders[t].size();
    revokers += d.revokers[t].size();
  }
  // Each same-day upload is revoked the next day.
  for (std::uint32_t t = 1; t < 30; ++t) CHECK(d.revokers[t] == d.uploaders[t - 1]);
  CHECK(uploads > 300);
  // The others were taken back before their upload: all but those reported on the last day
  // (revoked after day 30) or still waiting.
  CHECK(2 * health.revoked_before_upload() > 3 * uploads);
  CHECK(health.revoked_before_upload() + revokers <= health.symptom_reports());
  CHECK(health.revoked_before_upload() + revokers + 200 > health.symptom_reports());
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim {
namespace {

TemporaryExposureKey key_of(std::uint8_t byte, std::uint32_t start) {
  TemporaryExposureKey k;
  ByteArray<16> data{};
  data.fill(byte);
  k.key_data = Tek(data);
  k.rolling_start_interval_number = {start};
  k.rolling_period = 144;
  return k;
}

// Keeps every upload but the first drop[k] uploads of each key k (those another run
// revoked), and does not revoke those again (nobody saw them).
class DroppingPublisher final : public KeyPublisher {
 public:
  explicit DroppingPublisher(const std::map<KeyBytes, int>& drop)
      : uploads_to_drop_(drop), revocations_to_skip_(drop) {}
  std::string_view name() const override { return inner_.name(); }
  Status publish(const SimUpload& upload, std::int64_t unix_seconds) override {
    SimUpload kept = upload;
    std::erase_if(kept.keys, [&](const auto& k) { return take(uploads_to_drop_, k); });
    return inner_.publish(kept, unix_seconds);
  }
  Result<PublishedBatch> fetch_new(std::int64_t unix_seconds) override {
    return inner_.fetch_new(unix_seconds);
  }
  ServerHoldings holdings() const override { return inner_.holdings(); }
  std::vector<EcdsaP256PublicKey> authority_keys() const override {
    return inner_.authority_keys();
  }
  bool revokes() const override { return true; }
  Status revoke(std::span<const TemporaryExposureKey> keys, std::int64_t unix_seconds) override {
    std::vector<TemporaryExposureKey> seen;
    for (const auto& k : keys) {
      if (!take(revocations_to_skip_, k)) seen.push_back(k);
    }
    return inner_.revoke(seen, unix_seconds);
  }

 private:
  // Whether k still has a count left in `left` (then one is used).
  static bool take(std::map<KeyBytes, int>& left, const TemporaryExposureKey& k) {
    const auto it = left.find(key_bytes(k));
    if (it == left.end() || it->second == 0) return false;
    --it->second;
    return true;
  }
  std::map<KeyBytes, int> uploads_to_drop_;
  std::map<KeyBytes, int> revocations_to_skip_;
  InMemoryPublisher inner_;
};

}  // namespace

TEST_CASE("the in-memory publisher lists a published key revoked, never one still held") {
  InMemoryPublisher publisher;
  SimUpload up;
  const std::int64_t noon = unix_seconds_from_interval({2'700'144}) + 12 * 3600;
  up.keys = {key_of(1, 2'700'000), key_of(2, 2'700'144)};  // the second ends at midnight
  up.report_type = ReportType::kSelfReport;
  up.symptom_onset_interval = EnIntervalNumber{2'700'144};
  REQUIRE(publisher.publish(up, noon - 12 * 3600));  // the first key out at 02:00, the second not
  auto first = publisher.fetch_new(noon - 9 * 3600);
  REQUIRE(first);
  REQUIRE(first->keys.size() == 1);
  CHECK(first->keys[0].key_data == up.keys[0].key_data);
  CHECK(first->keys[0].report_type == ReportType::kSelfReport);
  REQUIRE(publisher.revoke(up.keys, noon - 9 * 3600));
  auto second = publisher.fetch_new(noon + 24 * 3600);
  REQUIRE(second);
  CHECK(second->keys.empty());  // the held key was taken back
  REQUIRE(second->revoked_keys.size() == 1);
  CHECK(second->revoked_keys[0].key_data == up.keys[0].key_data);
  CHECK(second->revoked_keys[0].report_type == ReportType::kRevoked);
  CHECK_FALSE(second->revoked_keys[0].days_since_onset_of_symptoms);
  CHECK(second->download_bytes > 0);
  CHECK(publisher.holdings().revoked_keys == 1);
  auto third = publisher.fetch_new(noon + 48 * 3600);
  REQUIRE(third);
  CHECK(third->revoked_keys.empty());
  CHECK(publisher.revokes());
}

TEST_CASE("revoked self-reports in a run: RED withdrawn, quarantines ended") {
  SimConfig c = small(20000, 90, 3);
  c.app.symptom_report_share = 0.5;
  c.app.revoke_on_negative = true;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const RunSummary s = sim->summary();
  REQUIRE(s.self_reports_revoked > 20);
  CHECK(s.self_reports_revoked + s.revoked_before_upload <= s.symptom_reports);
  CHECK(s.revoked_infected < s.self_reports_revoked);  // mostly false symptoms
  CHECK(s.red_withdrawn > 0);
  CHECK(s.red_withdrawn <= s.notifications_red);
  CHECK(s.quarantines_withdrawn > 0);
  CHECK(s.quarantines_withdrawn <= s.red_withdrawn);
  CHECK(s.withdrawn_infected <= s.quarantines_withdrawn);
  // The publisher was asked to revoke the keys of self-report uploads only, each once.
  std::set<KeyBytes> self_reported;
  for (const SimUpload& up : publisher.uploads) {
    if (up.report_type != ReportType::kSelfReport) continue;
    for (const auto& k : up.keys) self_reported.insert(key_bytes(k));
  }
  // (A phone that reports again after a revocation uploads and may revoke some keys again.)
  std::map<KeyBytes, int> times;
  for (const SimUpload& up : publisher.uploads) {
    if (up.report_type != ReportType::kSelfReport) continue;
    for (const auto& k : up.keys) ++times[key_bytes(k)];
  }
  for (const auto& r : publisher.revocations) {
    for (const auto& k : r.keys) {
      CHECK(self_reported.contains(key_bytes(k)));
      CHECK(--times[key_bytes(k)] >= 0);
    }
  }
  CHECK(publisher.revocations.size() == s.self_reports_revoked);
  std::uint64_t revocations = 0;
  std::uint64_t withdrawn = 0;
  for (const DailyStats& d : sim->daily()) {
    revocations += d.revocations;
    withdrawn += d.red_withdrawn;
  }
  CHECK(revocations == s.self_reports_revoked);
  CHECK(withdrawn == s.red_withdrawn);
}

TEST_CASE("after a revocation the phones' colours are those the revoked keys never reached") {
  // Nobody acts on a notification, so the epidemic, the tests and the revocations do not
  // depend on what phones show. Run A revokes; run B never publishes the keys that A revoked
  // before its last sync. On the last day every phone's colour must be the same: A's phones
  // took the revoked keys' windows off exactly.
  SimConfig c = small(20000, 60, 5);
  c.app.symptom_report_share = 0.5;
  c.app.revoke_on_negative = true;
  c.app.red_isolation_adherence = 0;
  c.app.red_test_probability = 0;
  c.app.yellow_test_probability = 0;
  c.disease.false_symptom_rate = 0.01;
  RecordingPublisher recording;
  const auto a = ran(c, recording);
  const std::int64_t last_sync =
      c.run.start_unix_seconds + static_cast<std::int64_t>(c.run.days - 1) * 86400 + 6 * 3600;
  // Each revocation takes back the key's latest upload (a phone that reports again after a
  // revocation uploads some keys again).
  std::map<KeyBytes, int> drop;
  for (const auto& r : recording.revocations) {
    if (r.unix_seconds >= last_sync) continue;
    for (const auto& k : r.keys) ++drop[key_bytes(k)];
  }
  REQUIRE(drop.size() > 100);
  DroppingPublisher dropping(drop);
  const auto b = ran(c, dropping);
  const RunSummary sa = a->summary();
  REQUIRE(sa.red_withdrawn > 10);
  CHECK(sa.quarantines_withdrawn == 0);  // nobody quarantined
  CHECK(sa.infections == b->summary().infections);
  const DailyStats& la = a->daily().back();
  const DailyStats& lb = b->daily().back();
  CHECK(la.red == lb.red);
  CHECK(la.yellow == lb.yellow);
  CHECK(la.green == lb.green);
  // And on the days before, A showed more RED than B (the keys before their revocation).
  std::uint64_t red_a = 0;
  std::uint64_t red_b = 0;
  for (std::size_t i = 0; i < a->daily().size(); ++i) {
    red_a += a->daily()[i].red;
    red_b += b->daily()[i].red;
  }
  CHECK(red_a > red_b);
}

TEST_CASE("revocation: setting, refusals, round trip, policy line and rows") {
  SimConfig c;
  CHECK_FALSE(c.app.revoke_on_negative);
  CHECK(policy_lines(c).find("revokes") == std::string::npos);
  CHECK(refusal("app.revoke_on_negative=true")
            .find("app.revoke_on_negative needs symptom self-reports (app.symptom_report_share)") !=
        std::string::npos);
  REQUIRE(apply_override(c, "app.symptom_report_share=0.3"));
  REQUIRE(apply_override(c, "app.revoke_on_negative=true"));
  const auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->app.revoke_on_negative);
  CHECK(policy_lines(c).find("app: a self-reporter books a test; a negative result revokes the "
                             "self-report's keys, and a RED they caused is withdrawn (its "
                             "quarantine ends)\n") != std::string::npos);
  // A publisher that cannot revoke (the server's: its upload API has no revision) is refused
  // before the run starts.
  class NoRevocation final : public KeyPublisher {
   public:
    std::string_view name() const override { return "server (in-process)"; }
    Status publish(const SimUpload&, std::int64_t) override { return ok(); }
    Result<PublishedBatch> fetch_new(std::int64_t) override { return PublishedBatch{}; }
    ServerHoldings holdings() const override { return {}; }
    std::vector<EcdsaP256PublicKey> authority_keys() const override { return {}; }
  } server;
  CHECK_FALSE(server.revokes());
  const auto refused = server.revoke({}, 0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message ==
        "server (in-process) cannot revoke keys (the upload API has no revision)");
  c.population.people = 1000;
  c.run.days = 5;
  auto sim = Simulation::create(c, server);
  REQUIRE_FALSE(sim);
  CHECK(sim.error().message ==
        "app.revoke_on_negative needs the in-memory publisher (--server none): greenlight's "
        "upload API has no revision, so the server (in-process) cannot revoke an upload");
  ReportInput in;
  in.config = &c;
  in.app.people = 20000;
  in.app.self_reports_revoked = 120;
  in.app.revoked_before_upload = 7;
  in.app.revoked_infected = 9;
  in.app.red_withdrawn = 310;
  in.app.quarantines_withdrawn = 190;
  in.app.withdrawn_infected = 4;
  const std::string report = format_report(in);
  CAPTURE(report);
  // The value on the report's line of a label.
  const auto value_of = [](const std::string& text, const std::string& label) {
    const std::size_t at = text.find("\n  " + label + " ");
    if (at == std::string::npos) return std::string("(no line)");
    const std::size_t from = text.find_first_not_of(' ', at + 3 + label.size());
    const std::string line = text.substr(from, text.find('\n', from) - from);
    return line.substr(0, line.find_last_not_of(' ') + 1);
  };
  CHECK(value_of(report, "self-reports revoked / infected") == "120 / 9");
  CHECK(value_of(report, "self-reports revoked before upload") == "7");
  CHECK(value_of(report, "RED withdrawn / quarantines ended") == "310 / 190");
  CHECK(value_of(report, "ended quarantines of the infected") == "4");
  c.app.revoke_on_negative = false;
  CHECK(format_report(in).find("revoked") == std::string::npos);
  // The day's columns.
  const std::string csv = daily_csv(std::vector<DailyStats>{DailyStats{}});
  CHECK(csv.substr(0, csv.find('\n')).ends_with(",revocations,red_withdrawn"));
}

}  // namespace greenlight::sim
