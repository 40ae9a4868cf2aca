// Revising a symptom self-report after its test (app.revoke_on_negative,
// upgrade_on_positive; HealthPhase, UploadPhase::revise, InMemoryPublisher::revise,
// SyncPhase::revise): who revises on which day, what the publisher does with the keys, and
// what phones and users do when a warning is withdrawn or strengthened.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
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

// Each day's revisions over `days` days of the health phase (the people revoking, the
// people upgrading), and each day's uploaders.
struct Days {
  std::vector<std::vector<std::uint32_t>> uploaders;
  std::vector<std::vector<std::uint32_t>> revokers;
  std::vector<std::vector<std::uint32_t>> upgraders;
};
Days run_days(HealthPhase& health, std::uint32_t days) {
  Days out;
  out.revokers.resize(days);
  out.upgraders.resize(days);
  const auto take = [&](std::uint32_t t) {
    for (const auto& r : health.revisions()) {
      (r.type == ReportType::kRevoked ? out.revokers : out.upgraders)[t].push_back(r.person);
      CHECK((r.type == ReportType::kRevoked || r.type == ReportType::kConfirmedTest));
    }
  };
  out.uploaders = uploaders_of_days(health, days, [&](std::uint32_t t) {
    if (t > 0) take(t - 1);
  });
  take(days - 1);
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
    for (std::uint32_t t = 0; t < 30; ++t) {
      CHECK(d.revokers[t].empty());
      CHECK(d.upgraders[t].empty());  // without upgrade_on_positive
    }
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

TEST_CASE("a positive test upgrades the self-report the day its result comes") {
  // Nobody infected but every test positive: each report is upgraded the day after its
  // upload; the upgraded person reports nothing more.
  SimConfig c = revoking(0);
  c.app.revoke_on_negative = false;
  c.app.upgrade_on_positive = true;
  {
    const auto world = make_world(c);
    HealthPhase health(*world);
    const Days d = run_days(health, 30);
    std::uint64_t upgrades = 0;
    std::set<std::uint32_t> upgraded;
    for (std::uint32_t t = 0; t < 30; ++t) {
      CHECK(d.revokers[t].empty());
      if (t > 0) CHECK(d.upgraders[t] == d.uploaders[t - 1]);
      upgrades += d.upgraders[t].size();
      for (const std::uint32_t p : d.upgraders[t]) CHECK(upgraded.insert(p).second);
    }
    CHECK(upgrades > 1000);
    CHECK(upgrades + d.uploaders[29].size() == health.symptom_reports());
  }
  // Uploads 5 days after the report: the upgraded reports are still waiting, and go out as
  // confirmed tests on their day (the report's day their onset), no revision.
  c.app.upload_delay_days = 5;
  const auto world = make_world(c);
  HealthPhase health(*world);
  const Days d = run_days(health, 30);
  std::uint64_t uploads = 0;
  for (std::uint32_t t = 0; t < 30; ++t) {
    CHECK(d.upgraders[t].empty());
    uploads += d.uploaders[t].size();
    for (const std::uint32_t p : d.uploaders[t]) {
      CHECK(health.report_upgraded(p));
      CHECK(health.self_report_day(p, t) == t - 5);
    }
  }
  CHECK(uploads > 1000);
}

TEST_CASE("a revocation counts the infections its negative test missed, not later ones") {
  // Every test negative (sensitivity 0, specificity 1), results two days after the sample
  // (taken on the report's day). 200 people infected on day 0 report real symptoms.
  SimConfig c = revoking(1);
  c.testing.sensitivity = 0;
  c.testing.result_delay_days = 2;
  c.disease.initial_infections = 200;
  const auto world = make_world(c);
  const std::uint32_t days = 30;
  // The revisions of each day, from a run where `before` may infect people.
  const auto revisions = [&](auto before) {
    HealthPhase health(*world);
    std::vector<std::vector<HealthPhase::Revision>> out(days);
    uploaders_of_days(health, days, [&](std::uint32_t t) {
      if (t == 0) health.seed_infections();
      if (t > 0) out[t - 1].assign(health.revisions().begin(), health.revisions().end());
      before(health, t);
    });
    return std::make_pair(std::move(out), std::vector<std::int32_t>(health.infection_day().begin(),
                                                                    health.infection_day().end()));
  };
  const auto [plain, infected] = revisions([](HealthPhase&, std::uint32_t) {});
  std::uint64_t missed = 0;
  std::uint64_t not_missed = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> later;  // (person, day to infect)
  for (std::uint32_t t = 0; t + 1 < days; ++t) {
    for (const auto& r : plain[t]) {
      REQUIRE(r.type == ReportType::kRevoked);
      CHECK(r.report_day + 2 == t);
      const std::int32_t i = infected[r.person];
      const auto sample = static_cast<std::int32_t>(r.report_day);
      const bool by_sample = i != kNever && i <= sample &&
                             sample - i <= static_cast<std::int32_t>(c.testing.sensitive_to_day);
      CHECK(r.missed_infection == by_sample);
      (r.missed_infection ? missed : not_missed) += 1;
      if (!by_sample && infected[r.person] == kNever && later.size() < 20 && t + 5 < days) {
        later.emplace_back(r.person, r.report_day + 1);
      }
    }
  }
  CHECK(missed > 20);  // the infected reporters: their tests missed every infection
  CHECK(not_missed > 100);
  REQUIRE(later.size() == 20);
  // The same people infected the day after their sample, before its result: the revocation
  // comes the same day and does not count them.
  const auto [again, infected_later] = revisions([&](HealthPhase& health, std::uint32_t t) {
    for (const auto& [p, day] : later) {
      if (day != t) continue;
      DailyStats st;
      health.apply_infections({{p, kNoPerson, Layer::kRandom}}, t, st);
    }
  });
  for (const auto& [p, day] : later) {
    REQUIRE(infected_later[p] == static_cast<std::int32_t>(day));
    bool found = false;
    for (const auto& r : again[day + 1]) {
      if (r.person != p) continue;
      found = true;
      CHECK_FALSE(r.missed_infection);
    }
    CHECK(found);
  }
}

TEST_CASE("a withdrawal ends the withdrawn RED's quarantine, not the isolation before it") {
  const auto world = make_world(revoking(1));
  HealthPhase health(*world);
  const auto until = [&](std::uint32_t p) { return health.isolated_until()[p]; };
  // p0: an earlier RED's quarantine (to day 20) outlasts its colour; a later RED's (to day
  // 24) is withdrawn on day 16: the earlier one stands.
  health.quarantine(0, 20, 0, true);
  health.quarantine(0, 24, 0, true);
  health.withdraw_quarantine(0, 16);
  CHECK(until(0) == 20);
  // p1: the withdrawn RED's quarantine alone ends on the day of the withdrawal.
  health.quarantine(1, 24, 0, true);
  health.withdraw_quarantine(1, 16);
  CHECK(until(1) == 16);
  // p2, p3: a tracer's call with a release test (not withdrawable) before and after the RED.
  health.quarantine(2, 18, 14, false);
  health.quarantine(2, 24, 0, true);
  health.withdraw_quarantine(2, 16);
  CHECK(until(2) == 18);
  health.quarantine(3, 22, 0, true);
  health.quarantine(3, 25, 14, false);
  health.withdraw_quarantine(3, 16);
  CHECK(until(3) == 25);
  // p4: its own symptoms' isolation.
  health.isolate(4, 19);
  health.quarantine(4, 24, 0, true);
  health.withdraw_quarantine(4, 16);
  CHECK(until(4) == 19);
  // p5: a withdrawn RED, then a new one, withdrawn too.
  health.quarantine(5, 24, 0, true);
  health.withdraw_quarantine(5, 16);
  health.quarantine(5, 30, 0, true);
  health.withdraw_quarantine(5, 21);
  CHECK(until(5) == 21);
  CHECK(health.quarantines_withdrawn() == 6);  // p3's was not shortened
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

// Publishes each self-report upload's keys as another run's revisions left them: the key's
// revisions (in order, one per self-report upload of the key) are applied when the key is
// published (revoked: never published; upgraded: published as a confirmed test), and not
// again when this run revises the same keys.
class ReplayingPublisher final : public KeyPublisher {
 public:
  explicit ReplayingPublisher(std::map<KeyBytes, std::deque<ReportType>> revisions)
      : at_publish_(std::move(revisions)) {
    for (const auto& [k, list] : at_publish_) skip_[k] = static_cast<int>(list.size());
  }
  std::string_view name() const override { return inner_.name(); }
  Status publish(const SimUpload& upload, std::int64_t unix_seconds) override {
    SimUpload kept = upload;
    SimUpload confirmed;
    confirmed.report_type = ReportType::kConfirmedTest;
    confirmed.symptom_onset_interval = upload.symptom_onset_interval;
    if (upload.report_type == ReportType::kSelfReport) {
      std::erase_if(kept.keys, [&](const TemporaryExposureKey& k) {
        const auto it = at_publish_.find(key_bytes(k));
        if (it == at_publish_.end() || it->second.empty()) return false;
        const ReportType type = it->second.front();
        it->second.pop_front();
        if (type == ReportType::kConfirmedTest) confirmed.keys.push_back(k);
        return true;
      });
    }
    GL_RETURN_IF_ERROR(inner_.publish(kept, unix_seconds));
    if (confirmed.keys.empty()) return ok();
    return inner_.publish(confirmed, unix_seconds);
  }
  Result<PublishedBatch> fetch_new(std::int64_t unix_seconds) override {
    return inner_.fetch_new(unix_seconds);
  }
  ServerHoldings holdings() const override { return inner_.holdings(); }
  std::vector<EcdsaP256PublicKey> authority_keys() const override {
    return inner_.authority_keys();
  }
  bool revises() const override { return true; }
  Status revise(std::span<const TemporaryExposureKey> keys, ReportType type,
                std::optional<EnIntervalNumber> onset, std::int64_t unix_seconds) override {
    std::vector<TemporaryExposureKey> left;
    for (const auto& k : keys) {
      const auto it = skip_.find(key_bytes(k));
      if (it != skip_.end() && it->second > 0) {
        --it->second;
      } else {
        left.push_back(k);
      }
    }
    return inner_.revise(left, type, onset, unix_seconds);
  }

 private:
  std::map<KeyBytes, std::deque<ReportType>> at_publish_;
  std::map<KeyBytes, int> skip_;
  InMemoryPublisher inner_;
};

}  // namespace

TEST_CASE("the in-memory publisher lists a published key revised, never one still held") {
  const std::int64_t noon = unix_seconds_from_interval({2'700'144}) + 12 * 3600;
  SimUpload up;
  up.keys = {key_of(1, 2'700'000), key_of(2, 2'700'144)};  // the second ends at midnight
  up.report_type = ReportType::kSelfReport;
  up.symptom_onset_interval = EnIntervalNumber{2'700'144};
  for (const ReportType type : {ReportType::kRevoked, ReportType::kConfirmedTest}) {
    CAPTURE(static_cast<int>(type));
    InMemoryPublisher publisher;
    REQUIRE(publisher.publish(up, noon - 12 * 3600));  // the first key out at 02:00, not the second
    auto first = publisher.fetch_new(noon - 9 * 3600);
    REQUIRE(first);
    REQUIRE(first->keys.size() == 1);
    CHECK(first->keys[0].key_data == up.keys[0].key_data);
    CHECK(first->keys[0].report_type == ReportType::kSelfReport);
    CHECK(first->keys[0].days_since_onset_of_symptoms == -1);
    REQUIRE(publisher.revise(up.keys, type, up.symptom_onset_interval, noon - 9 * 3600));
    auto second = publisher.fetch_new(noon + 24 * 3600);
    REQUIRE(second);
    REQUIRE(second->revised_keys.size() == 1);
    CHECK(second->revised_keys[0].key_data == up.keys[0].key_data);
    CHECK(second->revised_keys[0].report_type == type);
    if (type == ReportType::kRevoked) {
      CHECK(second->keys.empty());  // the held key was taken back
      CHECK_FALSE(second->revised_keys[0].days_since_onset_of_symptoms);
    } else {
      // The held key goes out as a confirmed test, the revised one keeps its days.
      REQUIRE(second->keys.size() == 1);
      CHECK(second->keys[0].key_data == up.keys[1].key_data);
      CHECK(second->keys[0].report_type == ReportType::kConfirmedTest);
      CHECK(second->keys[0].days_since_onset_of_symptoms == 0);
      CHECK(second->revised_keys[0].days_since_onset_of_symptoms == -1);
    }
    CHECK(second->download_bytes > 0);
    CHECK(publisher.holdings().revised_keys == 1);
    auto third = publisher.fetch_new(noon + 48 * 3600);
    REQUIRE(third);
    CHECK(third->revised_keys.empty());
    CHECK(third->keys.empty());
    CHECK(publisher.revises());
  }
}

TEST_CASE("revised self-reports in a run: RED withdrawn, quarantines ended, upgrades") {
  SimConfig c = small(20000, 90, 3);
  c.app.symptom_report_share = 0.5;
  c.app.revoke_on_negative = true;
  c.app.upgrade_on_positive = true;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const RunSummary s = sim->summary();
  REQUIRE(s.self_reports_revoked > 20);
  REQUIRE(s.self_reports_upgraded > 20);
  CHECK(s.self_reports_revoked + s.revoked_before_upload + s.self_reports_upgraded <=
        s.symptom_reports);
  CHECK(s.revoked_infected < s.self_reports_revoked);  // mostly false symptoms
  CHECK(s.red_withdrawn > 0);
  CHECK(s.red_withdrawn <= s.notifications_red);
  CHECK(s.quarantines_withdrawn > 0);
  CHECK(s.quarantines_withdrawn <= s.red_withdrawn);
  CHECK(s.withdrawn_infected <= s.quarantines_withdrawn);
  // The publisher was asked to revise the keys of self-report uploads only, each upload
  // once (a phone that reports again after a revocation uploads some keys again).
  std::map<KeyBytes, int> times;
  for (const SimUpload& up : publisher.uploads) {
    if (up.report_type != ReportType::kSelfReport) continue;
    for (const auto& k : up.keys) ++times[key_bytes(k)];
  }
  std::uint64_t revoked = 0;
  std::uint64_t upgraded = 0;
  for (const auto& r : publisher.revisions) {
    (r.type == ReportType::kRevoked ? revoked : upgraded) += 1;
    CHECK((r.type == ReportType::kRevoked || r.type == ReportType::kConfirmedTest));
    for (const auto& k : r.keys) CHECK(--times[key_bytes(k)] >= 0);
  }
  CHECK(revoked == s.self_reports_revoked);
  CHECK(upgraded == s.self_reports_upgraded);
  std::uint64_t revocations = 0;
  std::uint64_t withdrawn = 0;
  std::uint64_t upgrades = 0;
  for (const DailyStats& d : sim->daily()) {
    revocations += d.revocations;
    withdrawn += d.red_withdrawn;
    upgrades += d.upgrades;
  }
  CHECK(revocations == s.self_reports_revoked);
  CHECK(withdrawn == s.red_withdrawn);
  CHECK(upgrades == s.self_reports_upgraded);
  // Upgrades alone: nothing revoked, no warning withdrawn (a stronger key only raises a
  // colour), more RED notifications than without them.
  c.app.revoke_on_negative = false;
  RecordingPublisher upgrading;
  const RunSummary u = ran(c, upgrading)->summary();
  CHECK(u.self_reports_upgraded > 20);
  CHECK(u.self_reports_revoked == 0);
  CHECK(u.red_withdrawn == 0);
  for (const auto& r : upgrading.revisions) CHECK(r.type == ReportType::kConfirmedTest);
  CHECK(upgrading.revisions.size() == u.self_reports_upgraded);
}

TEST_CASE("a self-report upgraded before its delayed upload goes out with the report's onset") {
  // One infected, false symptoms, every test positive, nobody tested on a notification:
  // every upload is a report's, upgraded two or three days later (the sample a day after the
  // report, so the recorded onset of a test would be a day later), before its upload on the
  // fifth day after it.
  SimConfig c = small(3000, 30, 2);
  c.app.uptake = 1;
  c.app.upload_consent = 1;
  c.app.symptom_report_share = 1;
  c.app.upgrade_on_positive = true;
  c.app.upload_delay_days = 5;
  c.app.red_test_probability = 0;
  c.app.yellow_test_probability = 0;
  c.disease.initial_infections = 1;
  c.disease.false_symptom_rate = 0.02;
  c.testing.symptom_isolation = 0;
  c.testing.specificity = 0;
  c.testing.sensitivity = 1;
  c.testing.order_delay_days = 1;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  REQUIRE(publisher.uploads.size() > 50);
  for (const SimUpload& up : publisher.uploads) {
    CHECK(up.report_type == ReportType::kConfirmedTest);
    REQUIRE_FALSE(up.keys.empty());
    REQUIRE(up.symptom_onset_interval);
    std::uint32_t last = 0;  // the key of the day before the upload
    for (const auto& k : up.keys) last = std::max(last, k.rolling_start_interval_number.value);
    CHECK(up.symptom_onset_interval->value + 4 * 144 == last);
  }
  CHECK(sim->summary().self_reports_upgraded == 0);  // none after its upload
}

TEST_CASE("after a revision the phones' colours are those of the keys published as revised") {
  // Nobody acts on a notification, so the epidemic, the tests and the revisions do not
  // depend on what phones show. Run A revises; run B publishes each key as A's revisions
  // before its last sync left it (revoked: never; upgraded: as a confirmed test from the
  // start). On the last day every phone's colour must be the same: A's phones took the
  // windows as published off and added them as revised exactly.
  SimConfig c = small(20000, 60, 5);
  c.app.symptom_report_share = 0.5;
  c.app.revoke_on_negative = true;
  c.app.upgrade_on_positive = true;
  c.app.red_isolation_adherence = 0;
  c.app.red_test_probability = 0;
  c.app.yellow_test_probability = 0;
  c.disease.false_symptom_rate = 0.01;
  RecordingPublisher recording;
  const auto a = ran(c, recording);
  const std::int64_t last_sync =
      c.run.start_unix_seconds + static_cast<std::int64_t>(c.run.days - 1) * 86400 + 6 * 3600;
  std::map<KeyBytes, std::deque<ReportType>> revisions;
  std::uint64_t revoked = 0;
  std::uint64_t upgraded = 0;
  for (const auto& r : recording.revisions) {
    if (r.unix_seconds >= last_sync) continue;
    (r.type == ReportType::kRevoked ? revoked : upgraded) += r.keys.size();
    for (const auto& k : r.keys) revisions[key_bytes(k)].push_back(r.type);
  }
  REQUIRE(revoked > 100);
  REQUIRE(upgraded > 100);
  ReplayingPublisher replaying(revisions);
  const auto b = ran(c, replaying);
  const RunSummary sa = a->summary();
  REQUIRE(sa.red_withdrawn > 10);
  CHECK(sa.quarantines_withdrawn == 0);  // nobody quarantined
  // A RED that fell to YELLOW (another exposure's, hidden under the RED) tells its user
  // YELLOW, on the day of the withdrawal, after a RED notification of the same phone; every
  // other notification is a rise.
  std::map<std::uint32_t, Colour> last_told;
  std::uint64_t told_yellow = 0;
  for (const Notification& n : a->notifications()) {
    if (n.withdrawn) {
      ++told_yellow;
      CHECK(n.colour == Colour::kYellow);
      CHECK(last_told[n.phone] == Colour::kRed);
    }
    last_told[n.phone] = n.colour;
  }
  CHECK(told_yellow > 0);
  CHECK(told_yellow <= sa.red_withdrawn);
  for (const Notification& n : b->notifications()) CHECK_FALSE(n.withdrawn);
  CHECK(sa.infections == b->summary().infections);
  const DailyStats& la = a->daily().back();
  const DailyStats& lb = b->daily().back();
  CHECK(la.red == lb.red);
  CHECK(la.yellow == lb.yellow);
  CHECK(la.green == lb.green);
  // An upgrade that raises a phone's colour notifies its user: more RED notifications than
  // the same run without upgrades (the same epidemic).
  SimConfig no_upgrade = c;
  no_upgrade.app.upgrade_on_positive = false;
  const RunSummary sc = summary_of(no_upgrade);
  CHECK(sc.infections == sa.infections);
  CHECK(sa.notifications_red > sc.notifications_red);
  // On the days before they differ (the keys before their revision).
  bool differed = false;
  for (std::size_t i = 0; i < a->daily().size(); ++i) {
    differed = differed || a->daily()[i].red != b->daily()[i].red;
  }
  CHECK(differed);
}

TEST_CASE("revision: settings, refusals, round trip, policy lines and rows") {
  SimConfig c;
  CHECK_FALSE(c.app.revoke_on_negative);
  CHECK_FALSE(c.app.upgrade_on_positive);
  CHECK(policy_lines(c).find("self-reporter books a test") == std::string::npos);
  CHECK(refusal("app.revoke_on_negative=true")
            .find("app.revoke_on_negative needs symptom self-reports (app.symptom_report_share)") !=
        std::string::npos);
  CHECK(refusal("app.upgrade_on_positive=true")
            .find("app.upgrade_on_positive needs symptom self-reports "
                  "(app.symptom_report_share)") != std::string::npos);
  REQUIRE(apply_override(c, "app.symptom_report_share=0.3"));
  REQUIRE(apply_override(c, "app.revoke_on_negative=true"));
  REQUIRE(apply_override(c, "app.upgrade_on_positive=1"));
  const auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->app.revoke_on_negative);
  CHECK(back->app.upgrade_on_positive);
  CHECK(policy_lines(c).find("app: a self-reporter books a test; a negative result revokes the "
                             "self-report's keys, and a RED they caused is withdrawn (its "
                             "quarantine ends)\n") != std::string::npos);
  CHECK(policy_lines(c).find("app: a self-reporter books a test; a positive result upgrades the "
                             "self-report's keys to a confirmed test's\n") != std::string::npos);
  // A publisher that cannot revise (the server's: its upload API has no revision) is refused
  // before the run starts, naming the setting.
  class NoRevision final : public KeyPublisher {
   public:
    std::string_view name() const override { return "server (in-process)"; }
    Status publish(const SimUpload&, std::int64_t) override { return ok(); }
    Result<PublishedBatch> fetch_new(std::int64_t) override { return PublishedBatch{}; }
    ServerHoldings holdings() const override { return {}; }
    std::vector<EcdsaP256PublicKey> authority_keys() const override { return {}; }
  } server;
  CHECK_FALSE(server.revises());
  const auto refused = server.revise({}, ReportType::kRevoked, std::nullopt, 0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message ==
        "server (in-process) cannot revise keys (the upload API has no revision)");
  c.population.people = 1000;
  c.run.days = 5;
  auto sim = Simulation::create(c, server);
  REQUIRE_FALSE(sim);
  CHECK(sim.error().message ==
        "app.revoke_on_negative needs the in-memory publisher (--server none): greenlight's "
        "upload API has no revision, so the server (in-process) cannot revise an upload");
  SimConfig upgrading = c;
  upgrading.app.revoke_on_negative = false;
  auto sim2 = Simulation::create(upgrading, server);
  REQUIRE_FALSE(sim2);
  CHECK(sim2.error().message.starts_with("app.upgrade_on_positive needs the in-memory publisher"));
  ReportInput in;
  in.config = &c;
  in.app.people = 20000;
  in.app.self_reports_revoked = 120;
  in.app.revoked_before_upload = 7;
  in.app.revoked_infected = 9;
  in.app.red_withdrawn = 310;
  in.app.quarantines_withdrawn = 190;
  in.app.withdrawn_infected = 4;
  in.app.self_reports_upgraded = 66;
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
  CHECK(value_of(report, "self-reports upgraded to a test") == "66");
  c.app.revoke_on_negative = false;
  CHECK(format_report(in).find("revoked") == std::string::npos);
  CHECK(format_report(in).find("upgraded") != std::string::npos);
  c.app.upgrade_on_positive = false;
  CHECK(format_report(in).find("upgraded") == std::string::npos);
  // The day's columns.
  const std::string csv = daily_csv(std::vector<DailyStats>{DailyStats{}});
  CHECK(csv.substr(0, csv.find('\n')).ends_with(",revocations,red_withdrawn,upgrades"));
}

}  // namespace greenlight::sim
