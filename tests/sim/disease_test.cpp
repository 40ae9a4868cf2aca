#include "greenlight/sim/disease.h"

#include <catch2/catch.hpp>
#include <cstdint>

#include "greenlight/sim/config.h"

namespace greenlight::sim {
namespace {

std::uint64_t key(std::uint32_t i) { return 0x9e3779b97f4a7c15ULL * (i + 1); }

}  // namespace

TEST_CASE("severe courses go to hospital, intensive care and death in the configured shares") {
  DiseaseConfig c;
  constexpr std::uint8_t kAge = 8;
  c.hospitalised_fraction[kAge] = 0.5;
  c.critical_fraction[kAge] = 0.4;
  c.fatality_fraction[kAge] = 0.25;
  const DiseaseModel model(c);
  constexpr std::uint32_t kCourses = 200'000;
  std::uint32_t severe = 0;
  std::uint32_t hospital = 0;
  std::uint32_t critical = 0;
  std::uint32_t dies = 0;
  double to_hospital = 0;
  double ward_stay = 0;
  double to_death = 0;
  for (std::uint32_t i = 0; i < kCourses; ++i) {
    const Course course = model.sample_course(kAge, key(i));
    const bool is_severe = course.symptomatic && course.infectiousness_factor == 1.0f;
    if (is_severe) ++severe;
    if (course.severity == Severity::kNone) {
      CHECK_FALSE(course.absent(course.onset_delay_days + 10u));
      CHECK_FALSE(course.admitted_by(200));
      continue;
    }
    REQUIRE(is_severe);  // only severe courses (not asymptomatic, not mild) are admitted
    ++hospital;
    REQUIRE(course.hospital_day >= course.onset_delay_days);
    REQUIRE(course.end_day > course.hospital_day);
    to_hospital += course.hospital_day - course.onset_delay_days;
    CHECK_FALSE(course.in_hospital(course.hospital_day - 1u));
    CHECK(course.in_hospital(course.hospital_day));
    CHECK(course.admitted_on(course.hospital_day));
    CHECK_FALSE(course.admitted_on(course.hospital_day + 1u));
    CHECK_FALSE(course.admitted_by(course.hospital_day - 1u));
    CHECK(course.admitted_by(course.end_day + 5u));
    CHECK_FALSE(course.in_hospital(course.end_day));
    if (course.severity == Severity::kWard) {
      ward_stay += course.end_day - course.hospital_day;
      CHECK_FALSE(course.in_critical_care(course.hospital_day));
      CHECK_FALSE(course.dead(200));
      continue;
    }
    ++critical;
    REQUIRE(course.critical_day >= course.hospital_day);
    REQUIRE(course.end_day > course.critical_day);
    CHECK(course.in_critical_care(course.critical_day));
    CHECK(course.in_critical_care(course.end_day - 1u));
    if (course.severity == Severity::kDies) {
      ++dies;
      to_death += course.end_day - course.critical_day;
      CHECK_FALSE(course.dead(course.end_day - 1u));
      CHECK(course.dead(course.end_day));
      CHECK(course.absent(course.end_day + 100u));  // the dead stay absent
    } else {
      CHECK_FALSE(course.dead(200));
      CHECK_FALSE(course.absent(course.end_day));
    }
  }
  // Severe share: (1 - asymptomatic) x (1 - mild) of the age group.
  const double severe_share = (1 - c.asymptomatic_fraction[kAge]) * (1 - c.mild_fraction[kAge]);
  CHECK(static_cast<double>(severe) / kCourses == Approx(severe_share).margin(0.005));
  CHECK(static_cast<double>(hospital) / severe == Approx(0.5).margin(0.01));
  CHECK(static_cast<double>(critical) / hospital == Approx(0.4).margin(0.015));
  CHECK(static_cast<double>(dies) / critical == Approx(0.25).margin(0.02));
  // Whole-day delays of Gamma(mean, sd) draws (rounding keeps the mean within a few tenths).
  const auto ward = hospital - critical;
  CHECK(to_hospital / hospital == Approx(c.hospital_mean_days).margin(0.3));
  CHECK(ward_stay / ward == Approx(c.ward_stay_mean_days).margin(0.3));
  CHECK(to_death / dies == Approx(c.death_mean_days).margin(0.4));
}

TEST_CASE("the severity draws come after a course's other draws") {
  // The same key gives the same symptoms, onset and infectiousness with or without
  // hospitalisations: runs without them reproduce the model before it.
  DiseaseConfig none;
  none.hospitalised_fraction.fill(0);
  DiseaseConfig all;
  all.hospitalised_fraction.fill(1);
  all.critical_fraction.fill(1);
  all.fatality_fraction.fill(1);
  const DiseaseModel without(none);
  const DiseaseModel with(all);
  std::uint32_t dying = 0;
  for (std::uint32_t i = 0; i < 20'000; ++i) {
    const std::uint8_t age = static_cast<std::uint8_t>(i % kAgeGroups);
    const Course a = without.sample_course(age, key(i));
    const Course b = with.sample_course(age, key(i));
    REQUIRE(a.severity == Severity::kNone);
    REQUIRE(a.symptomatic == b.symptomatic);
    REQUIRE(a.onset_delay_days == b.onset_delay_days);
    REQUIRE(a.infectiousness_factor == b.infectiousness_factor);
    const bool severe = b.symptomatic && b.infectiousness_factor == 1.0f;
    REQUIRE((b.severity == Severity::kDies) == severe);
    if (severe) ++dying;
  }
  CHECK(dying > 2'000);
}

TEST_CASE("without a hospital bed a patient stays home and turns critical twice as often") {
  DiseaseConfig c;
  constexpr std::uint8_t kAge = 6;
  c.hospitalised_fraction[kAge] = 1;
  c.critical_fraction[kAge] = 0.3;
  c.fatality_fraction[kAge] = 0.5;
  c.no_hospital_critical_factor = 2;
  const DiseaseModel model(c);
  std::uint32_t severe = 0;
  std::uint32_t critical_with_bed = 0;
  std::uint32_t critical_without = 0;
  std::uint32_t died_without = 0;
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    const Course drawn = model.sample_course(kAge, key(i));
    if (drawn.severity == Severity::kNone) continue;
    ++severe;
    const bool was_critical = drawn.severity != Severity::kWard;
    if (was_critical) ++critical_with_bed;
    if (was_critical && drawn.critical_day == drawn.hospital_day) {
      // Straight to intensive care: never needs a ward bed, never denied one.
      ++critical_without;
      if (drawn.severity == Severity::kDies) ++died_without;
      continue;
    }
    Course denied = drawn;
    model.deny_admission(denied, kAge, key(i) ^ 0x3333);
    CHECK(denied.denied_ward);
    CHECK(drawn.admitted_on(drawn.hospital_day));
    CHECK_FALSE(denied.in_hospital(drawn.hospital_day));  // at home
    CHECK_FALSE(denied.absent(drawn.hospital_day));
    if (was_critical) {
      // The drawn course, admitted to intensive care on its critical day.
      CHECK(denied.severity == drawn.severity);
      CHECK(denied.critical_day == drawn.critical_day);
      CHECK(denied.end_day == drawn.end_day);
    }
    if (denied.severity == Severity::kWard) {
      CHECK_FALSE(denied.admitted_by(1000));  // never admitted: recovers at home
      continue;
    }
    ++critical_without;
    if (denied.severity == Severity::kDies) ++died_without;
    const std::uint32_t k = denied.critical_day;
    CHECK(k > denied.hospital_day);
    CHECK(denied.admitted_on(k));
    CHECK(denied.in_critical_care(k));
    CHECK(denied.needs_critical_care_on(k));
    CHECK(denied.end_day > k);
  }
  REQUIRE(severe > 40'000);
  CHECK(static_cast<double>(critical_with_bed) / severe == Approx(0.3).margin(0.01));
  CHECK(static_cast<double>(critical_without) / severe == Approx(0.6).margin(0.01));
  CHECK(static_cast<double>(died_without) / severe == Approx(0.3).margin(0.01));
  // A course without hospital stays unchanged but for the flag.
  for (std::uint32_t i = 0; i < 2000; ++i) {
    Course course = DiseaseModel(DiseaseConfig{}).sample_course(2, key(i));
    if (course.severity != Severity::kNone) continue;
    const Course before = course;
    model.deny_admission(course, 2, key(i));
    CHECK(course.severity == before.severity);
    CHECK(course.end_day == before.end_day);
  }
}

TEST_CASE("without an intensive-care bed a patient dies no_icu_fatality_factor times as often") {
  DiseaseConfig c;
  constexpr std::uint8_t kAge = 7;
  c.hospitalised_fraction[kAge] = 1;
  c.critical_fraction[kAge] = 1;
  c.fatality_fraction[kAge] = 0.3;
  c.no_icu_fatality_factor = 2;
  const DiseaseModel model(c);
  std::uint32_t critical = 0;
  std::uint32_t died_with_bed = 0;
  std::uint32_t died_without = 0;
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    const Course drawn = model.sample_course(kAge, key(i));
    if (drawn.severity != Severity::kCritical && drawn.severity != Severity::kDies) continue;
    ++critical;
    if (drawn.severity == Severity::kDies) ++died_with_bed;
    Course denied = drawn;
    model.deny_intensive_care(denied, kAge, key(i) ^ 0x5555);
    CHECK(denied.denied_icu);
    const std::uint32_t k = drawn.critical_day;
    CHECK(drawn.needs_critical_care_on(k));
    CHECK(drawn.in_critical_care(k));
    // On a ward instead: in hospital, not in intensive care.
    CHECK_FALSE(denied.in_critical_care(k));
    CHECK(denied.in_hospital(k));
    CHECK(denied.hospital_day == drawn.hospital_day);
    CHECK(denied.critical_day == drawn.critical_day);
    if (denied.severity == Severity::kDies) {
      ++died_without;
      CHECK(denied.end_day > denied.critical_day);
      // A death drawn with the bed stays the same death.
      if (drawn.severity == Severity::kDies) CHECK(denied.end_day == drawn.end_day);
    } else {
      CHECK(denied.end_day == drawn.end_day);  // a survivor's stay is unchanged
    }
  }
  REQUIRE(critical > 50'000);
  CHECK(static_cast<double>(died_with_bed) / critical == Approx(0.3).margin(0.01));
  CHECK(static_cast<double>(died_without) / critical == Approx(0.6).margin(0.01));
  // The factor is capped at certain death.
  c.fatality_fraction[kAge] = 0.7;
  const DiseaseModel severe(c);
  for (std::uint32_t i = 0; i < 2000; ++i) {
    Course course = severe.sample_course(kAge, key(i));
    if (course.severity == Severity::kNone) continue;  // asymptomatic or mild
    severe.deny_intensive_care(course, kAge, key(i) ^ 0x5555);
    CHECK(course.severity == Severity::kDies);
  }
}

TEST_CASE("a frail resident's course that stays out of hospital dies at home with its share") {
  DiseaseConfig c;
  constexpr std::uint8_t kAge = 8;
  const DiseaseModel model(c);
  std::uint32_t eligible = 0;
  std::uint32_t died = 0;
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    const Course drawn = model.sample_course(kAge, key(i));
    Course frail = drawn;
    model.die_at_home(frail, 0.25, key(i) ^ 0x7777);
    Course sturdy = drawn;
    model.die_at_home(sturdy, 0, key(i) ^ 0x7777);
    CHECK(sturdy.severity == drawn.severity);
    CHECK(sturdy.end_day == drawn.end_day);
    if (!drawn.symptomatic || drawn.severity != Severity::kNone) {
      // Asymptomatic courses and hospital courses keep their path.
      CHECK(frail.severity == drawn.severity);
      CHECK(frail.end_day == drawn.end_day);
      continue;
    }
    ++eligible;
    if (frail.severity != Severity::kDiesAtHome) {
      CHECK(frail.severity == Severity::kNone);
      continue;
    }
    ++died;
    // Dead from its day on, at least a day after the onset, never in hospital.
    CHECK(frail.end_day > frail.onset_delay_days);
    CHECK_FALSE(frail.dead(frail.end_day - 1u));
    CHECK(frail.dead(frail.end_day));
    CHECK_FALSE(frail.admitted());
    CHECK_FALSE(frail.admitted_by(60));
    for (std::uint32_t k = 0; k < 80; ++k) {
      CHECK_FALSE(frail.in_hospital(k));
      CHECK_FALSE(frail.in_critical_care(k));
      CHECK(frail.absent(k) == frail.dead(k));
    }
    // A vaccine that protects from severe disease spares it.
    CHECK_FALSE(model.protect(frail, VaccineProtection::kSevere).dead(80));
  }
  REQUIRE(eligible > 30'000);
  CHECK(static_cast<double>(died) / eligible == Approx(0.25).margin(0.01));
}

}  // namespace greenlight::sim
