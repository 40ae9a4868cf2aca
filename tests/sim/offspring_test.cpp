// Secondary infections per case (offspring.h): the counts from a run's infections, the
// negative-binomial fit and the 80 % share; and individual variation of infectiousness
// (disease.infectiousness_sd), which makes the counts overdispersed.
#include "greenlight/sim/offspring.h"

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/disease.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/simulation.h"
#include "internal/rng.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

Infection infection(std::uint32_t person, std::int32_t day, std::uint32_t infector = kNoPerson,
                    std::int32_t infector_day = -1, Layer layer = Layer::kHousehold) {
  Infection i;
  i.person = person;
  i.day = day;
  i.infector = infector;
  i.infector_day = infector_day;
  i.layer = static_cast<std::uint8_t>(layer);
  return i;
}

// `cases` x the negative binomial's probabilities of 0 .. 400 (mean m, dispersion k),
// rounded: a histogram whose fit should give back m and k.
std::vector<std::uint64_t> expected_histogram(double m, double k, double cases) {
  std::vector<std::uint64_t> h;
  for (int x = 0; x <= 400; ++x) {
    const double log_p = std::lgamma(x + k) - std::lgamma(k) - std::lgamma(x + 1.0) +
                         k * std::log(k / (k + m)) + x * std::log(m / (k + m));
    h.push_back(static_cast<std::uint64_t>(std::llround(cases * std::exp(log_p))));
  }
  return h;
}

// The log-likelihood of a histogram under NB(mean, k), up to terms free of k.
double log_likelihood(const std::vector<std::uint64_t>& h, double mean, double k) {
  double l = 0;
  for (std::size_t x = 0; x < h.size(); ++x) {
    const auto xd = static_cast<double>(x);
    l += static_cast<double>(h[x]) *
         (std::lgamma(xd + k) - std::lgamma(k) + k * std::log(k / (k + mean)) +
          xd * std::log(mean / (k + mean)));
  }
  return l;
}

Offspring offspring_of(const Simulation& sim) {
  return count_offspring(sim.infections(), sim.reproduction().complete);
}

// 20,000 people for 60 days from 50 initial cases, nobody isolating, no app: the
// transmission alone.
SimConfig free_spread(double sd, std::uint64_t seed) {
  SimConfig c = small(20000, 60, seed);
  c.app.uptake = 0;
  c.testing.symptom_isolation = 0;
  c.testing.household_isolation = false;
  c.disease.initial_infections = 50;
  c.disease.infectiousness_sd = sd;
  return c;
}

}  // namespace

TEST_CASE(
    "the fit gives the cases, the mean, the variance, the cases without offspring and "
    "the 80 % share") {
  // Five cases infected nobody, two one person, one three, two six: 17 infections.
  const std::vector<std::uint64_t> h{5, 2, 0, 1, 0, 0, 2};
  const OffspringFit f = fit_offspring(h);
  CHECK(f.cases == 10);
  CHECK(f.infections == 17);
  CHECK(f.mean == Approx(1.7));
  // (5 x 1.7^2 + 2 x 0.7^2 + 1.3^2 + 2 x 4.3^2) / 9
  CHECK(f.variance == Approx(54.1 / 9));
  CHECK(f.zero_share == Approx(0.5));
  // 6 + 6 = 12 < 13.6 = 80 % of 17; with the case of 3, 15: three cases of ten.
  CHECK(f.share_for_80 == Approx(0.3));
  CHECK(f.overdispersed);
  // Exactly 80 %: four cases of 1 and one of 16 cause 20; 16 is 80 % of them.
  CHECK(fit_offspring(std::vector<std::uint64_t>{0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
            .share_for_80 == Approx(0.2));
  // Nobody infected: nothing to fit.
  const OffspringFit none = fit_offspring(std::vector<std::uint64_t>{7});
  CHECK(none.cases == 7);
  CHECK(none.infections == 0);
  CHECK(none.share_for_80 == 0);
  CHECK_FALSE(none.overdispersed);
  CHECK(fit_offspring(std::vector<std::uint64_t>{}).cases == 0);
}

TEST_CASE("the dispersion k is the negative binomial's maximum likelihood, with its interval") {
  for (const double k : {0.1, 0.5, 2.0}) {
    CAPTURE(k);
    const auto h = expected_histogram(1.5, k, 1e6);
    const OffspringFit f = fit_offspring(h);
    REQUIRE(f.overdispersed);
    CHECK(f.mean == Approx(1.5).epsilon(0.002));
    CHECK(f.k == Approx(k).epsilon(0.01));
    // The maximum: the likelihood is lower a little to either side.
    const double top = log_likelihood(h, f.mean, f.k);
    CHECK(log_likelihood(h, f.mean, f.k * 0.99) < top);
    CHECK(log_likelihood(h, f.mean, f.k * 1.01) < top);
    // The 95 % profile-likelihood bounds: twice the drop is 3.84 at each.
    CHECK(2 * (top - log_likelihood(h, f.mean, f.k_low)) == Approx(3.8415).epsilon(1e-3));
    CHECK(2 * (top - log_likelihood(h, f.mean, f.k_high)) == Approx(3.8415).epsilon(1e-3));
    CHECK(f.k_low < f.k);
    CHECK(f.k_high > f.k);
    // Sixteen times fewer cases: an interval about four times as wide.
    const OffspringFit few = fit_offspring(expected_histogram(1.5, k, 1e6 / 16));
    CHECK((few.k_high - few.k_low) / (f.k_high - f.k_low) == Approx(4).epsilon(0.15));
  }
  // Smaller k, more of the infections from fewer cases.
  CHECK(fit_offspring(expected_histogram(2, 0.1, 1e5)).share_for_80 <
        fit_offspring(expected_histogram(2, 0.5, 1e5)).share_for_80);
  // Less spread than a Poisson (every case infected one or two): no overdispersion.
  CHECK_FALSE(fit_offspring(std::vector<std::uint64_t>{0, 50, 50}).overdispersed);
  // Few cases: the interval is open above.
  const OffspringFit open = fit_offspring(std::vector<std::uint64_t>{4, 3, 1, 1});
  REQUIRE(open.overdispersed);
  CHECK(std::isinf(open.k_high));
}

TEST_CASE(
    "the concentration curve: the cases most infectious first against their share of "
    "the infections") {
  // Two cases of 6, one of 3, two of 1, five of 0: 17 infections among 10 cases.
  const std::vector<std::uint64_t> h{5, 2, 0, 1, 0, 0, 2};
  const std::vector<std::array<double, 2>> expected{
      {0, 0}, {0.2, 12.0 / 17}, {0.3, 15.0 / 17}, {0.5, 1}, {1, 1}};
  const auto curve = offspring_concentration(h);
  REQUIRE(curve.size() == expected.size());
  for (std::size_t i = 0; i < curve.size(); ++i) {
    CAPTURE(i);
    CHECK(curve[i][0] == Approx(expected[i][0]));
    CHECK(curve[i][1] == Approx(expected[i][1]));
  }
  CHECK(offspring_concentration(std::vector<std::uint64_t>{4}).empty());

  // The plot's data: one block per run, with the app first.
  Offspring app;
  app.cohort_days = 30;
  app.cases_by_count = h;
  Offspring without = app;
  without.cases_by_count = {0, 3};  // three cases of one: the even spread
  std::string folder =
      (std::filesystem::temp_directory_path() / "greenlight-offspring-XXXXXX").string();
  REQUIRE(::mkdtemp(folder.data()) != nullptr);
  const PlotResult plot = write_offspring_plot(folder, app, &without);
  std::ifstream in(std::filesystem::path(folder) / "offspring_data.txt");
  const std::string data{std::istreambuf_iterator<char>(in), {}};
  CHECK(data ==
        "0.000000 0.000000\n0.200000 0.705882\n0.300000 0.882353\n0.500000 1.000000\n"
        "1.000000 1.000000\n\n\n0.000000 0.000000\n1.000000 1.000000\n");
  if (plot.warning.empty()) {
    CHECK(std::filesystem::exists(std::filesystem::path(folder) / "offspring.svg"));
  }
  // Nobody infected anybody: no plot.
  Offspring none;
  none.cohort_days = 30;
  none.cases_by_count = {5};
  CHECK(write_offspring_plot(folder, none, nullptr).files.empty());
  std::filesystem::remove_all(folder);
}

TEST_CASE("offspring are counted per infection of the infector, by layer, in the cohort") {
  // Person 1 was infected on day 0 (a seed) and again on day 20. Its first infection infected
  // 2 (household) and 3 (random); its second infected 4 (venue). Person 2 infected 5 at work.
  // Person 6 was infected on day 30, after the cohort (days 0-24), and infected 7; 8 too.
  const std::vector<Infection> infections{
      infection(1, 0),
      infection(1, 20, 3, 3, Layer::kRandom),  // reinfected by 3
      infection(2, 2, 1, 0, Layer::kHousehold),
      infection(3, 3, 1, 0, Layer::kRandom),
      infection(4, 22, 1, 20, Layer::kVenue),
      infection(5, 6, 2, 2, Layer::kSchoolWork),
      infection(6, 30),
      infection(7, 33, 6, 30, Layer::kHousehold),
      // Names an infection of person 1 on day 5, which there is not: nobody's offspring.
      infection(8, 30, 1, 5, Layer::kRandom),
  };
  const Offspring o = count_offspring(infections, 25);
  CHECK(o.cohort_days == 25);
  // Cases 1@0 (2), 1@20 (1), 2 (1), 3 (1), 4 (0), 5 (0); 6, 7 and 8 are after the cohort.
  CHECK(o.cases_by_count == std::vector<std::uint64_t>{2, 3, 1});
  CHECK(o.by_layer[static_cast<std::size_t>(Layer::kHousehold)] ==
        std::vector<std::uint64_t>{5, 1});
  CHECK(o.by_layer[static_cast<std::size_t>(Layer::kSchoolWork)] ==
        std::vector<std::uint64_t>{5, 1});
  CHECK(o.by_layer[static_cast<std::size_t>(Layer::kRandom)] == std::vector<std::uint64_t>{4, 2});
  CHECK(o.by_layer[static_cast<std::size_t>(Layer::kVenue)] == std::vector<std::uint64_t>{5, 1});

  // All of the cohort's cases were infected in the first four weeks.
  CHECK(o.early_cases_by_count == o.cases_by_count);

  const std::string csv = offspring_csv(o, nullptr);
  CHECK(csv ==
        "secondary_infections,cases,household,school_work,random,venue,hospital,care_home,"
        "cases_days_0_27\n"
        "0,2,5,5,4,5,6,6,2\n1,3,1,1,2,1,0,0,3\n2,1,0,0,0,0,0,0,1\n");
  // Days 0-39: 6, 7 and 8 are cases too, but not of the first four weeks.
  const Offspring later = count_offspring(infections, 40);
  CHECK(later.cases_by_count == std::vector<std::uint64_t>{4, 4, 1});
  CHECK(later.early_cases_by_count == std::vector<std::uint64_t>{2, 3, 1});
  CHECK(offspring_csv(o, &later) ==
        "secondary_infections,cases,household,school_work,random,venue,hospital,care_home,"
        "cases_days_0_27,cases_without_app,household_without_app,school_work_without_app,"
        "random_without_app,venue_without_app,hospital_without_app,care_home_without_app,"
        "cases_days_0_27_without_app\n"
        "0,2,5,5,4,5,6,6,2,4,7,8,7,8,9,9,2\n1,3,1,1,2,1,0,0,3,4,2,1,2,1,0,0,3\n"
        "2,1,0,0,0,0,0,0,1,1,0,0,0,0,0,0,1\n");
  // The first four weeks end with day 27.
  const Offspring edge =
      count_offspring(std::vector<Infection>{infection(1, 27), infection(2, 28)}, 40);
  CHECK(edge.cases_by_count == std::vector<std::uint64_t>{2});
  CHECK(edge.early_cases_by_count == std::vector<std::uint64_t>{1});
  const std::string text = format_offspring(o, &later);
  CHECK(text.find("cases infected on days 0-24") != std::string::npos);
  CHECK(text.find("with app") != std::string::npos);
  CHECK(text.find("without app") != std::string::npos);
  CHECK(text.find("school/work") != std::string::npos);
  CHECK(text.find("days 0-27") != std::string::npos);
  // Without a baseline of later cohorts: the first four weeks are every case (days 0-24),
  // no row of their own under a label of days the run does not have.
  CHECK(format_offspring(o, nullptr).find("days 0-27") == std::string::npos);
  CHECK(format_offspring(later, nullptr).find("days 0-27") != std::string::npos);
}

TEST_CASE("transmission pairs: generation and serial intervals, the infector's stage") {
  // Person 1, infected on day 0, falls ill on day 4. It infects 7 on day 1 (ill on day 2,
  // before 1), 2 on day 2 (ill on day 5) and 3 on day 4 (never ill). 2 infects 4 on day 6
  // (ill on day 7), after its own onset; 3 infects 5 on day 7.
  const auto ill = [](Infection i, std::uint16_t onset_delay) {
    i.course.symptomatic = true;
    i.course.onset_delay_days = onset_delay;
    return i;
  };
  const std::vector<Infection> infections{
      ill(infection(1, 0), 4),       ill(infection(2, 2, 1, 0), 3), infection(3, 4, 1, 0),
      ill(infection(4, 6, 2, 2), 1), infection(5, 7, 3, 4),         ill(infection(7, 1, 1, 0), 1),
  };
  const Offspring o = count_offspring(infections, 30);
  CHECK(o.generation_days == std::map<std::int32_t, std::uint64_t>{{1, 1}, {2, 1}, {3, 1}, {4, 2}});
  // Before the infector's onset: 7 and 2; from it on: 3 and 4; by a case never ill: 5.
  CHECK(o.by_stage[Offspring::kPresymptomatic] == 2);
  CHECK(o.by_stage[Offspring::kSymptomatic] == 2);
  CHECK(o.by_stage[Offspring::kAsymptomatic] == 1);
  // Both ill: 7 (2 - 4), 2 (5 - 4), 4 (7 - 5).
  CHECK(o.serial_days == std::map<std::int32_t, std::uint64_t>{{-2, 1}, {1, 1}, {2, 1}});
  const DaysSummary serial = summarise_days(o.serial_days);
  CHECK(serial.pairs == 3);
  CHECK(serial.mean == Approx(1.0 / 3));
  CHECK(serial.sd == Approx(std::sqrt(13.0 / 3)));  // (49 + 4 + 25) / 9 / 2
  CHECK(serial.negative_share == Approx(1.0 / 3));
  CHECK(intervals_csv(o, nullptr) ==
        "days,generation_interval,serial_interval\n"
        "-2,0,1\n-1,0,0\n0,0,0\n1,1,1\n2,1,1\n3,1,0\n4,2,0\n");
  // Only the pairs of the cohort's cases (day 0: person 1's).
  const Offspring first = count_offspring(infections, 1);
  CHECK(first.generation_days == std::map<std::int32_t, std::uint64_t>{{1, 1}, {2, 1}, {4, 1}});
  CHECK(intervals_csv(first, &o).starts_with(
      "days,generation_interval,serial_interval,generation_interval_without_app,"
      "serial_interval_without_app\n-2,0,1,0,1\n"));
  const std::string text = format_offspring(o, nullptr);
  CHECK(text.find("40.0 % / 40.0 % / 20.0 %") != std::string::npos);
}

TEST_CASE("a run's offspring add up to its cohorts' cases and secondary infections") {
  InMemoryPublisher publisher;
  SimConfig c = small(5000, 60, 3);
  c.disease.initial_infections = 20;
  c.disease.infectiousness_sd = 1;
  const auto sim = ran(c, publisher);
  const Reproduction r = sim->reproduction();
  const Offspring o = offspring_of(*sim);
  std::uint64_t cases = 0;
  std::uint64_t secondary = 0;
  for (std::uint32_t d = 0; d < r.complete; ++d) {
    cases += r.cohorts[d].infected;
    secondary += r.cohorts[d].secondary;
  }
  const OffspringFit f = fit_offspring(o.cases_by_count);
  REQUIRE(cases > 100);
  CHECK(f.cases == cases);
  CHECK(f.infections == secondary);
  std::uint64_t by_layers = 0;
  for (const auto& h : o.by_layer) by_layers += fit_offspring(h).infections;
  CHECK(by_layers == secondary);
  // Simulation::offspring counts the same, and the summary carries its fit.
  const Offspring again = sim->offspring();
  CHECK(again.cases_by_count == o.cases_by_count);
  CHECK(again.by_layer == o.by_layer);
  REQUIRE(f.overdispersed);
  CHECK(sim->summary().dispersion_k == f.k);
  CHECK(sim->summary().share_for_80 == f.share_for_80);
}

TEST_CASE(
    "individual infectiousness: a gamma multiplier of mean 1 and the given sd, drawn "
    "once per person") {
  SECTION("the draws") {
    DiseaseConfig d;
    CHECK(DiseaseModel(d).infectiousness_multiplier(42) == 1.0);
    d.infectiousness_sd = 1.4;
    const DiseaseModel model(d);
    double sum = 0;
    double squares = 0;
    constexpr int kDraws = 200000;
    for (int i = 0; i < kDraws; ++i) {
      const double x = model.infectiousness_multiplier(
          internal::stream_key(9, 39, static_cast<std::uint64_t>(i)));
      REQUIRE(x >= 0);
      sum += x;
      squares += x * x;
    }
    const double mean = sum / kDraws;
    CHECK(mean == Approx(1).margin(0.02));
    CHECK(std::sqrt(squares / kDraws - mean * mean) == Approx(1.4).epsilon(0.03));
  }
  SECTION("every infection of a person carries the person's multiplier") {
    // The recovered are infected again (no immunity after an infection).
    SimConfig c = small(3000, 150, 4);
    c.disease.initial_infections = 30;
    c.disease.infectiousness_sd = 1.4;
    without_immunity(c);
    InMemoryPublisher publisher;
    const auto sim = ran(c, publisher);
    const DiseaseModel model(c.disease);
    std::map<std::uint32_t, int> infections_of;
    for (const Infection& i : sim->infections()) {
      ++infections_of[i.person];
      const double m = model.infectiousness_multiplier(
          internal::stream_key(c.run.seed, internal::kPurposeInfectiousness, i.person));
      // The course's own factor: asymptomatic, mild or neither.
      const double base = static_cast<double>(i.course.infectiousness_factor) / m;
      CAPTURE(i.person, i.day, m, base);
      CHECK((base == Approx(0.33) || base == Approx(0.72) || base == Approx(1.0)));
    }
    const auto twice = std::count_if(infections_of.begin(), infections_of.end(),
                                     [](const auto& e) { return e.second > 1; });
    CHECK(twice > 20);
  }
}

TEST_CASE("sim run's scenario brings both runs' offspring, other runs none") {
  SimConfig c = small(3000, 40, 2);
  c.run.baseline = true;
  const auto scenario = run_scenario(c);
  REQUIRE(scenario);
  REQUIRE(scenario->app.offspring);
  REQUIRE(scenario->baseline);
  REQUIRE(scenario->baseline->offspring);
  for (const RunOutcome* r : {&scenario->app, &*scenario->baseline}) {
    const OffspringFit f = fit_offspring(r->offspring->cases_by_count);
    CHECK(f.infections > 0);
    CHECK(r->summary.share_for_80 == f.share_for_80);
    CHECK(r->summary.dispersion_k == (f.overdispersed ? f.k : 0));
  }
  const auto once = run_once(c);
  REQUIRE(once);
  CHECK_FALSE(once->offspring);
  CHECK(once->summary.share_for_80 == scenario->app.summary.share_for_80);
}

TEST_CASE("individual infectiousness makes the secondary infections overdispersed") {
  // The same seeds with and without the variation: a smaller k and more of the infections
  // from fewer cases.
  for (const std::uint64_t seed : {1u, 2u}) {
    CAPTURE(seed);
    InMemoryPublisher p0;
    InMemoryPublisher p1;
    const OffspringFit even =
        fit_offspring(offspring_of(*ran(free_spread(0, seed), p0)).cases_by_count);
    const OffspringFit varied =
        fit_offspring(offspring_of(*ran(free_spread(1.4, seed), p1)).cases_by_count);
    REQUIRE(even.cases > 500);
    REQUIRE(varied.cases > 500);
    REQUIRE(varied.overdispersed);
    CHECK((!even.overdispersed || varied.k_high < even.k_low));
    CHECK(varied.share_for_80 < even.share_for_80 - 0.05);
    CHECK(varied.zero_share > even.zero_share);
  }
}

TEST_CASE("disease.infectiousness_sd: read, written back and range-checked") {
  SimConfig c;
  REQUIRE(apply_override(c, "disease.infectiousness_sd=1.4"));
  const auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->disease.infectiousness_sd == 1.4);
  CHECK(refusal("disease.infectiousness_sd=-0.1") ==
        "disease.infectiousness_sd must be 0 (none) or in [0.01, 5]");
  CHECK(refusal("disease.infectiousness_sd=5.5") ==
        "disease.infectiousness_sd must be 0 (none) or in [0.01, 5]");
}

}  // namespace greenlight::sim
