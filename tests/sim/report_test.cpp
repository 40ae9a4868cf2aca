#include "greenlight/sim/report.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace greenlight::sim {
namespace {

SweepPoint point(double uptake, std::uint64_t seed, std::uint64_t infections,
                 std::uint64_t deaths = 0) {
  SweepPoint p;
  p.uptake = uptake;
  p.seed = seed;
  p.summary.infections = infections;
  p.summary.deaths = deaths;
  return p;
}

// The row of one uptake ("  50 %" ...) in the table.
std::string row(const std::string& table, const std::string& uptake) {
  const auto at = table.find("\n" + uptake);
  REQUIRE(at != std::string::npos);
  return table.substr(at + 1, table.find('\n', at + 1) - at - 1);
}

TEST_CASE("the sweep table pairs each uptake's runs with the reference run of the same seed") {
  // Seeds 1-3 at uptake 20 % (the reference: the lowest uptake) and 50 %, listed out of order.
  const std::vector<SweepPoint> points{point(0.5, 2, 150), point(0.2, 1, 100), point(0.2, 2, 200),
                                       point(0.2, 3, 400), point(0.5, 1, 90),  point(0.5, 3, 400)};
  const std::string table = format_sweep(points);
  CAPTURE(table);
  // The header names the reference uptake.
  CHECK(table.find("vs 20 %: medians") != std::string::npos);
  CHECK(table.find("vs 20 %, paired by seed: median [min, max]") != std::string::npos);
  const std::string ref = row(table, "  20 %");
  CHECK(ref.find("200 [100, 400]") != std::string::npos);
  CHECK(ref.find("+0.0 % [+0.0, +0.0]") != std::string::npos);
  // 50 %: the medians fall 25 % (200 -> 150), but seed by seed the changes are -10 % (100 ->
  // 90), -25 % (200 -> 150) and 0 % (400 -> 400): median -10 %, range [-25, 0].
  const std::string half = row(table, "  50 %");
  CHECK(half.find("150 [90, 400]") != std::string::npos);
  CHECK(half.find("-25.0 %") != std::string::npos);
  CHECK(half.find("-10.0 % [-25.0, +0.0]") != std::string::npos);
}

TEST_CASE("the sweep table labels each uptake as given and counts the seeds it pairs") {
  // 72.5 % and 73 % are two rows (whole percent gave both "73 %"). Seed 2's reference run
  // had no infection: its change is undefined, so 73 % pairs 2 of its 3 seeds.
  const std::vector<SweepPoint> points{point(0.725, 1, 100), point(0.725, 2, 0),
                                       point(0.725, 3, 200), point(0.73, 1, 50),
                                       point(0.73, 2, 10),   point(0.73, 3, 150)};
  const std::string table = format_sweep(points);
  CAPTURE(table);
  CHECK(table.find("vs 72.5 %: medians") != std::string::npos);
  const std::string ref = row(table, "72.5 %");
  CHECK(ref.find("+0.0 % [+0.0, +0.0] n=2") != std::string::npos);
  // Seeds 1 and 3: -50 % and -25 %.
  const std::string other = row(table, "  73 %");
  CHECK(other.find("-37.5 % [-50.0, -25.0] n=2") != std::string::npos);
  CHECK(table.find("n=K: the paired change over K seeds only") != std::string::npos);
  // Every seed paired: no count, no legend.
  const std::vector<SweepPoint> all{point(0, 1, 100), point(1, 1, 50)};
  const std::string full = format_sweep(all);
  CHECK(full.find("n=") == std::string::npos);
  CHECK(row(full, " 100 %").find("-50.0 % [-50.0, -50.0]  ") != std::string::npos);
}

TEST_CASE("undefined shares and means print '-', not 0") {
  // No RED notification and no close contact (uptake 0): precision and recall are shares
  // of nothing (they printed 0.0 %); at 100 % they are the runs' medians.
  std::vector<SweepPoint> points{point(0, 1, 100), point(1, 1, 50)};
  points[1].summary.red_precision = {3, 4};
  points[1].summary.any_recall = {1, 2};
  const std::string table = format_sweep(points);
  CAPTURE(table);
  CHECK(row(table, "   0 %").ends_with(" -           -"));
  CHECK(row(table, "   0 %").find(" 0.0 %") == std::string::npos);
  CHECK(row(table, " 100 %").ends_with(" 75.0 %      50.0 %"));
  // The report: no upload, nobody notified.
  SimConfig c;
  ReportInput in;
  in.config = &c;
  in.app.people = 1000;
  in.app.app_users = 700;
  in.scenario = ScenarioMetrics{};
  const std::string report = format_report(in);
  CAPTURE(report);
  CHECK(report.find("  notifications per upload             - (no upload)\n") != std::string::npos);
  CHECK(report.find("  days from infection to notification  - (nobody notified)\n") !=
        std::string::npos);
  CHECK(report.find("find the uploaders with AUC - (no upload)\n") != std::string::npos);
  in.app.uploads = 4;
  in.app.notifications_red = 10;
  in.app.notifications_per_upload = 2.5;
  in.scenario->chaff.real_flows = 4;
  in.scenario->chaff.uploader_auc = 0.5;
  const std::string with = format_report(in);
  CHECK(with.find("  notifications per upload             2.50\n") != std::string::npos);
  CHECK(with.find("  days from infection to notification  median 0.0, mean 0.0\n") !=
        std::string::npos);
  CHECK(with.find("find the uploaders with AUC 0.500 (0.5 = chance)\n") != std::string::npos);
}

TEST_CASE("the report gives the client-library check's figures, or says none was made") {
  SimConfig c;
  c.run.verify_phones = 4;
  ReportInput in;
  in.config = &c;
  in.app.people = 1000;
  const std::string none = format_report(in);
  CHECK(none.find("  client-library check                 no phone-sync checked (no sync "
                  "brought published keys to a running phone)\n") != std::string::npos);
  in.app.verified_phones = 12;
  in.app.verified_windows = 30;
  in.app.verified_not_green = 5;
  in.app.verify_client_evictions = 7;
  in.app.verify_client_rejected = 2;
  const std::string some = format_report(in);
  CAPTURE(some);
  CHECK(some.find("  client-library check                 12 phone-syncs, 30 windows, 0 window "
                  "mismatches, 0 colour mismatches\n    the client coloured 5 RED or YELLOW; "
                  "its log evicted or dropped 7 sightings, its matcher rejected 2\n") !=
        std::string::npos);
  c.run.verify_phones = 0;
  in.app.verified_phones = 0;
  CHECK(format_report(in).find("client-library check") == std::string::npos);
}

// A report's input of 1,000 people, app_users of them with the app, on config c.
ReportInput people_with_app(const SimConfig& c, std::uint32_t app_users) {
  ReportInput in;
  in.config = &c;
  in.app.people = 1000;
  in.app.app_users = app_users;
  return in;
}

TEST_CASE("the report labels a run without app users 'no app', not 'with app'") {
  const SimConfig c;
  ReportInput in = people_with_app(c, 0);
  const std::string none = format_report(in);
  CHECK(none.find("\nEpidemic                                no app\n") != std::string::npos);
  CHECK(none.find("with app") == std::string::npos);
  in.app.app_users = 720;
  in.baseline = in.app;
  in.baseline->app_users = 0;
  const std::string both = format_report(in);
  CHECK(both.find("\nEpidemic                                with app             without app\n") !=
        std::string::npos);
}

TEST_CASE("sweep_daily.csv gives each day's median and 10-90 % band over the seeds") {
  // Uptake 50 %: four seeds, two days; uptake 0 %: one seed (listed after, written first).
  const std::vector<SweepPoint> points{point(0.5, 1, 0), point(0.5, 2, 0), point(0.5, 3, 0),
                                       point(0.5, 4, 0), point(0, 1, 0)};
  const auto day = [](std::uint32_t infections, std::uint32_t deaths) {
    return SweepDay{.new_infections = infections,
                    .infectious = 2 * infections,
                    .hospitalised = 1,
                    .deaths = deaths,
                    .isolating = 7};
  };
  const std::vector<std::vector<SweepDay>> curves{{day(10, 0), day(1, 1)},
                                                  {day(40, 0), day(2, 1)},
                                                  {day(20, 0), day(3, 2)},
                                                  {day(80, 0), day(4, 9)},
                                                  {day(5, 0), day(6, 3)}};
  const std::string csv = sweep_daily_csv(points, curves);
  CAPTURE(csv);
  CHECK(csv.rfind("uptake,day,runs,new_infections_median,new_infections_p10,new_infections_p90,"
                  "infectious_median,infectious_p10,infectious_p90,hospitalised_median,"
                  "hospitalised_p10,hospitalised_p90,deaths_median,deaths_p10,deaths_p90,"
                  "isolating_median,isolating_p10,isolating_p90\n",
                  0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 5);
  // One run: every quantile is its value.
  CHECK(csv.find("\n0.0000,0,1,5,5,5,10,10,10,1,1,1,0,0,0,7,7,7\n") != std::string::npos);
  // Four runs 10, 20, 40, 80 (sorted): the median (20 + 40) / 2 = 30; the 10th percentile
  // at rank 0.3, 10 + 0.3 x 10 = 13; the 90th at rank 2.7, 40 + 0.7 x 40 = 68.
  CHECK(csv.find("\n0.5000,0,4,30,13,68,60,26,136,1,1,1,0,0,0,7,7,7\n") != std::string::npos);
  // Deaths 1, 1, 2, 9: median 1.5, 10th 1, 90th 2 + 0.7 x 7 = 6.9.
  CHECK(csv.find("\n0.5000,1,4,2.5,1.3,3.7,5,2.6,7.4,1,1,1,1.5,1,6.9,7,7,7\n") !=
        std::string::npos);
  // With a varied setting its value comes first.
  std::vector<SweepPoint> varied = points;
  for (auto& p : varied) p.values[0] = 250;
  const std::string with_key =
      sweep_daily_csv(varied, curves, std::vector<std::string>{"variant.day"});
  CHECK(with_key.rfind("variant.day,uptake,day,runs,", 0) == 0);
  CHECK(with_key.find("\n250,0.5000,1,4,2.5,") != std::string::npos);
}

TEST_CASE("a sweep with a varied setting pairs each value's runs with its own lowest uptake") {
  // Two values of a setting; the same seeds and uptakes in each.
  std::vector<SweepPoint> points{point(0, 1, 100),   point(0.5, 1, 80), point(0, 2, 200),
                                 point(0.5, 2, 100), point(0, 1, 40),   point(0.5, 1, 20),
                                 point(0, 2, 50),    point(0.5, 2, 50)};
  for (std::size_t i = 0; i < points.size(); ++i) points[i].values[0] = i < 4 ? 250 : 500;
  const std::string key = "vaccination.people_per_day_per_100k";
  const std::vector<std::string> keys{key};
  const std::string table = format_sweep(points, keys);
  CAPTURE(table);
  const auto second = table.find("\n" + key + " = 500\n");
  REQUIRE(table.starts_with(key + " = 250\n"));
  REQUIRE(second != std::string::npos);
  const std::string first_block = table.substr(0, second);
  const std::string second_block = table.substr(second + 1);
  // 250: seeds -20 % and -50 %, median -35 %; 500: -50 % and 0 %, median -25 %.
  CHECK(row(first_block, "  50 %").find("-35.0 % [-50.0, -20.0]") != std::string::npos);
  CHECK(row(second_block, "  50 %").find("-25.0 % [-50.0, +0.0]") != std::string::npos);
  CHECK(row(second_block, "   0 %").find("45 [40, 50]") != std::string::npos);
  // Without the key: one table of all runs, as before.
  CHECK(format_sweep(points).find(key) == std::string::npos);
  // The CSV: the value first, under the key's name.
  const std::string csv = sweep_csv(points, keys);
  CHECK(csv.starts_with(key + ",uptake,seed,people,"));
  CHECK(csv.find("\n250,0.5000,2,0,0,100,") != std::string::npos);
  CHECK(csv.find("\n500,0.0000,1,0,0,40,") != std::string::npos);
  CHECK(sweep_csv(points).starts_with("uptake,seed,people,"));
  // Values of ten digits (a start date in unix seconds) keep every digit.
  for (auto& p : points) p.values[0] = p.values[0] == 250 ? 1709251200 : 1725148800;
  CHECK(sweep_csv(points, keys).find("\n1725148800,0.0000,1,0,0,40,") != std::string::npos);
  CHECK(format_sweep(points, keys).find(key + " = 1709251200\n") != std::string::npos);
}

TEST_CASE("the sweep table gives the deaths and their change paired by seed") {
  // Seed 1: 10 -> 2 deaths (-80 %), seed 2: 20 -> 30 (+50 %), seed 3: 40 -> 36 (-10 %).
  const std::vector<SweepPoint> points{point(0, 1, 100, 10), point(0, 2, 200, 20),
                                       point(0, 3, 400, 40), point(1, 1, 50, 2),
                                       point(1, 2, 150, 30), point(1, 3, 300, 36)};
  const std::string table = format_sweep(points);
  CAPTURE(table);
  CHECK(table.find("deaths: median (paired)") != std::string::npos);
  CHECK(row(table, "   0 %").find("20 (+0.0 %)") != std::string::npos);
  // Median deaths 30 (the medians rise 50 %), but the median of the paired changes is -10 %.
  CHECK(row(table, " 100 %").find("30 (-10.0 %)") != std::string::npos);
  const std::string csv = sweep_csv(points);
  CHECK(csv.substr(0, csv.find('\n'))
            .ends_with(",hospitalisations,deaths,active_at_end,died_out,lockdown_days,"
                       "manual_interviews,manual_traced,peak_interview_backlog,vaccinated,"
                       "peak_test_backlog,tests_given_up,variant_infections,"
                       "breakthrough_infections,boosted,reinfections,screening_samples,"
                       "region_lockdown_days,imported,app_running_at_end,dispersion_k,"
                       "share_for_80,staff_infected,staff_infected_by_patients,"
                       "staff_rate_ratio,staff_absent_days,staff_onward_infections,"
                       "residents_infected,care_homes_with_cases,resident_deaths,"
                       "care_staff_infected,manual_traced_backward,tracing_cases,traced_cases,"
                       "interviewed_with_infector,infectors_named,infectors_warned,"
                       "residents_infected_by_visitors,residents_infected_by_agency,"
                       "residents_infected_by_agency_from_other_homes,care_agency_infected,"
                       "care_home_days_closed,residents_infected_by_staff,"
                       "residents_infected_by_residents,manual_traced_from_lists,"
                       "traced_cases_from_lists,infectors_named_from_lists,"
                       "care_outbreak_rounds,care_outbreak_samples,care_outbreak_positives,"
                       "manual_names_given_up,self_notifying_cases,self_notified,"
                       "traced_cases_self_notified,care_outbreak_agency_samples,self_tests,"
                       "self_test_positives,release_tests,quarantines_released,"
                       "released_infected,symptom_reports,symptom_reports_infected,"
                       "self_reports_revoked,revoked_before_upload,revoked_infected,"
                       "red_withdrawn,quarantines_withdrawn,withdrawn_infected,"
                       "self_reports_upgraded,needless_isolation_person_days,wrongly_red,"
                       "wrongly_yellow"));
  // Seed 1 at 100 %: 0 admissions, 2 deaths, nobody infected at the end, but 50 infections
  // among 0 people is no epidemic that died out; no lockdown, no manual tracing, no
  // vaccination, no test capacity, no second variant, no breakthrough infections, no boosters,
  // no reinfections, no screening, no regional lockdown, no imports, no phone running, no
  // secondary infections fitted, no hospital staff, no care homes, no tracing's cases.
  CHECK(csv.find(",0,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.000000,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                 "0,0.000000,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                 "0\n") != std::string::npos);
  std::vector<SweepPoint> traced = points;
  traced[0].summary.manual_interviews = 12;
  traced[0].summary.manual_traced = 40;
  traced[0].summary.peak_interview_backlog = 3;
  traced[0].summary.vaccinated = 7;
  traced[0].summary.peak_test_backlog = 55;
  traced[0].summary.tests_given_up = 66;
  traced[0].summary.variant_infections = 77;
  traced[0].summary.breakthrough_infections = 88;
  traced[0].summary.boosted = 99;
  traced[0].summary.reinfections = 111;
  traced[0].summary.screening_samples = 222;
  traced[0].summary.region_lockdown_days = 333;
  traced[0].summary.imported = 444;
  traced[0].summary.app_running_at_end = 555;
  traced[0].summary.dispersion_k = 0.4321;
  traced[0].summary.share_for_80 = 0.1875;
  traced[0].summary.staff_infected = 31;
  traced[0].summary.staff_infected_by_patients = 17;
  traced[0].summary.staff_rate = 3;
  traced[0].summary.other_workers_rate = 0.8;
  traced[0].summary.staff_absent_days = 640;
  traced[0].summary.staff_onward_infections = 29;
  traced[0].summary.residents_infected = 41;
  traced[0].summary.care_homes_with_cases = 5;
  traced[0].summary.resident_deaths = 6;
  traced[0].summary.care_staff_infected = 23;
  traced[0].summary.manual_traced_backward = 14;
  traced[0].summary.tracing_cases = 19;
  traced[0].summary.traced_cases = 8;
  traced[0].summary.interviewed_with_infector = 11;
  traced[0].summary.infectors_named = 4;
  traced[0].summary.infectors_warned = {3, 12};
  traced[0].summary.residents_infected_by_visitors = 9;
  traced[0].summary.residents_infected_by_agency = 13;
  traced[0].summary.residents_infected_by_agency_from_other_homes = 2;
  traced[0].summary.care_agency_infected = 21;
  traced[0].summary.care_home_days_closed = 345;
  traced[0].summary.residents_infected_by_staff = 27;
  traced[0].summary.residents_infected_by_residents = 12;
  traced[0].summary.manual_traced_from_lists = 15;
  traced[0].summary.traced_cases_from_lists = 2;
  traced[0].summary.infectors_named_from_lists = 1;
  traced[0].summary.care_outbreak_rounds = 6;
  traced[0].summary.care_outbreak_samples = 310;
  traced[0].summary.care_outbreak_positives = 17;
  traced[0].summary.manual_names_given_up = 58;
  traced[0].summary.self_notifying_cases = 71;
  traced[0].summary.self_notified = 205;
  traced[0].summary.traced_cases_self_notified = 3;
  traced[0].summary.care_outbreak_agency_samples = 44;
  traced[0].summary.self_tests = 930;
  traced[0].summary.self_test_positives = 12;
  traced[0].summary.release_tests = 610;
  traced[0].summary.quarantines_released = 502;
  traced[0].summary.released_infected = 7;
  traced[0].summary.symptom_reports = 420;
  traced[0].summary.symptom_reports_infected = 260;
  traced[0].summary.self_reports_revoked = 150;
  traced[0].summary.revoked_before_upload = 8;
  traced[0].summary.revoked_infected = 16;
  traced[0].summary.red_withdrawn = 390;
  traced[0].summary.quarantines_withdrawn = 240;
  traced[0].summary.withdrawn_infected = 5;
  traced[0].summary.self_reports_upgraded = 61;
  traced[0].summary.needless_isolation_person_days = 4321;
  traced[0].summary.wrongly_red = 87;
  traced[0].summary.wrongly_yellow = 65;
  CHECK(sweep_csv(traced).find(",10,0,0,0,12,40,3,7,55,66,77,88,99,111,222,333,444,555,0.4321,"
                               "0.187500,31,17,3.75,640,29,41,5,6,23,14,19,8,11,4,0.250000,9,13,"
                               "2,21,345,27,12,15,2,1,6,310,17,58,71,205,3,44,930,12,610,502,7,420,"
                               "260,150,8,16,390,240,5,61,4321,87,65\n") != std::string::npos);
}

TEST_CASE("the sweep counts the runs whose epidemic ended, and died out") {
  // 1,000 people. Died out: nobody exposed or infectious at the end and at most 1 % ever
  // infected. Seed 2 still has infectious people; seed 3 ran its course (90 % infected).
  std::vector<SweepPoint> points{point(0, 1, 8),  point(0, 2, 8),  point(0, 3, 900),
                                 point(1, 1, 10), point(1, 2, 11), point(1, 3, 5)};
  for (auto& p : points) p.summary.people = 1000;
  points[1].summary.active_at_end = 3;
  CHECK(points[0].summary.died_out());
  CHECK_FALSE(points[1].summary.died_out());
  CHECK_FALSE(points[2].summary.died_out());
  CHECK(points[3].summary.died_out());        // 10 of 1,000: 1 %
  CHECK_FALSE(points[4].summary.died_out());  // 11
  const std::string table = format_sweep(points);
  CAPTURE(table);
  CHECK(table.find("uptake  runs  ended / died out  infected") != std::string::npos);
  CHECK(row(table, "   0 %").starts_with("   0 %     3             2 / 1  "));
  CHECK(row(table, " 100 %").starts_with(" 100 %     3             3 / 2  "));
  const std::string csv = sweep_csv(points);
  CHECK(csv.find("\n0.0000,1,1000,0,8,") != std::string::npos);
  // active_at_end, died_out, lockdown_days, then manual tracing's three, the vaccinated, the
  // test capacity's two, the second variant's infections, the breakthrough infections, the
  // boosted, the reinfections, the screening samples, the region-days locked down, the
  // imported cases, the phones running the app at the end, the offspring's k and 80 % share,
  // the hospital staff's five, the care homes' four, manual tracing's backward calls and
  // cases.
  CHECK(csv.find(",0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.000000,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                 "0,0.000000,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                 "0\n") != std::string::npos);  // seed 1: died out
  CHECK(csv.find(",3,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.000000,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                 "0,0.000000,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                 "0\n") != std::string::npos);              // seed 2: 3 infected
  CHECK(table.find("lockdown days") == std::string::npos);  // nobody locked down
  // Lockdown days 10, 30, 20 at 0 % and 0, 5, 0 at 100 %: medians 20 and 0.
  const std::array<std::uint32_t, 6> locked{10, 30, 20, 0, 5, 0};
  for (std::size_t i = 0; i < points.size(); ++i) points[i].summary.lockdown_days = locked[i];
  const std::string with_lockdown = format_sweep(points);
  CAPTURE(with_lockdown);
  CHECK(with_lockdown.find("any recall  lockdown days (median)\n") != std::string::npos);
  CHECK(row(with_lockdown, "   0 %").ends_with(" 20.0"));
  CHECK(row(with_lockdown, " 100 %").ends_with(" 0.0"));
  CHECK(with_lockdown.find("region-days") == std::string::npos);  // no region locked down
  // Region-days 40, 80, 60 at 0 % and 8, 4, 0 at 100 % (a regional lockdown): medians 60 and 4,
  // in a column after the lockdown days.
  const std::array<std::uint64_t, 6> region_days{40, 80, 60, 8, 4, 0};
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].summary.region_lockdown_days = region_days[i];
  }
  const std::string regional = format_sweep(points);
  CAPTURE(regional);
  CHECK(regional.find("lockdown days (median)  region-days locked (median)\n") !=
        std::string::npos);
  CHECK(row(regional, "   0 %").ends_with(" 20.0                          60.0"));
  CHECK(row(regional, " 100 %").ends_with(" 0.0                           4.0"));
  CHECK(regional.find("residents") == std::string::npos);  // no care homes
  // With care homes: residents infected 30, 50, 40 at 0 % and 20, 10, 25 at 100 % (medians 40
  // [30, 50] and 20 [10, 25]), died 6, 9, 3 and 2, 1, 4 (medians 6 and 2), in the last column.
  const std::array<std::uint32_t, 6> residents{30, 50, 40, 20, 10, 25};
  const std::array<std::uint32_t, 6> died{6, 9, 3, 2, 1, 4};
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].summary.residents = 100;
    points[i].summary.residents_infected = residents[i];
    points[i].summary.resident_deaths = died[i];
  }
  const std::string homes = format_sweep(points);
  CAPTURE(homes);
  CHECK(homes.find("region-days locked (median)  residents infected: median [min, max]  "
                   "residents died\n") != std::string::npos);
  CHECK(
      row(homes, "   0 %")
          .ends_with(" 60.0" + std::string(28, ' ') + "40 [30, 50]" + std::string(16, ' ') + "6"));
  CHECK(row(homes, " 100 %")
            .ends_with(" 4.0" + std::string(28, ' ') + "20 [10, 25]" + std::string(16, ' ') + "2"));
}

TEST_CASE("the report gives hospital figures and the deaths the app averted") {
  const SimConfig config;
  ReportInput in;
  in.config = &config;
  in.app.people = in.baseline.emplace().people = 1000;
  in.app.infections = 300;
  in.app.hospitalisations = 12;
  in.app.peak_hospitalised = 5;
  in.app.peak_critical = 2;
  in.app.deaths = 4;
  in.baseline->infections = 400;
  in.baseline->hospitalisations = 15;
  in.baseline->peak_hospitalised = 7;
  in.baseline->peak_critical = 3;
  in.baseline->deaths = 5;
  in.app.by_age[8] = {200, 50, 9, 3};
  in.baseline->by_age[8] = {200, 80, 12, 4};
  const std::string report = format_report(in);
  CAPTURE(report);
  CHECK(report.find("admitted / peak in hospital / ICU    12 / 5 / 2") != std::string::npos);
  CHECK(report.find("15 / 7 / 3") != std::string::npos);
  CHECK(report.find("deaths averted by the app              1 (20.0 %)") != std::string::npos);
  CHECK(report.find("infections averted by the app          100 (25.0 %)") != std::string::npos);
  // The 80+ row: people, infected with / without the app, admitted, deaths.
  const auto at = report.find("\n  80+ ");
  REQUIRE(at != std::string::npos);
  const std::string row = report.substr(at + 1, report.find('\n', at + 1) - at - 1);
  CAPTURE(row);
  CHECK(row.find(" 200 ") != std::string::npos);
  CHECK(row.find("25.0 % / 40.0 %") != std::string::npos);
  CHECK(row.find("9 / 12") != std::string::npos);
  CHECK(row.ends_with("3 / 4"));
  // Without deaths in the baseline there is nothing to avert: no line.
  in.baseline->deaths = 0;
  CHECK(format_report(in).find("deaths averted") == std::string::npos);
  CHECK(report.find("lockdown") == std::string::npos);  // none configured
  // 300 of 1,000 infected: with nobody infectious left the epidemic ran its course.
  CHECK(report.find("exposed or infectious at the end     0                    0\n") !=
        std::string::npos);
  in.app.infections = 10;
  CHECK(format_report(in).find("exposed or infectious at the end     0 (died out)") !=
        std::string::npos);
}

TEST_CASE("the report gives who saw RED or YELLOW and the isolation of the never infected") {
  const SimConfig config;
  ReportInput in;
  in.config = &config;
  in.app.people = in.baseline.emplace().people = 1000;
  in.app.isolation_person_days = 900;
  in.baseline->isolation_person_days = 500;
  // Without the runs' metrics: no lines.
  std::string report = format_report(in);
  CHECK(report.find("never infected") == std::string::npos);
  ScenarioMetrics& m = in.scenario.emplace();
  m.colours.ever_red = 120;
  m.colours.ever_yellow = 80;
  m.colours.wrongly_red = 30;
  m.colours.wrongly_yellow = 55;
  m.needless_isolation_person_days = 410;
  in.baseline_scenario.emplace().needless_isolation_person_days = 170;
  report = format_report(in);
  CAPTURE(report);
  CHECK(report.find("  isolation person-days                900                  500\n"
                    "    of people never infected           410                  170\n") !=
        std::string::npos);
  CHECK(
      report.find("  people ever RED / YELLOW             120 / 80 (never infected: 30 / 55)\n") !=
      std::string::npos);
  // The upload flows, shown when the run has app users.
  CHECK(report.find("upload flows") == std::string::npos);
  in.app.app_users = 700;
  m.chaff.chaff_per_day = 1.0 / 3;
  m.chaff.real_flows = 40;
  m.chaff.chaff_flows = 9000;
  m.chaff.uploader_auc = 0.5125;
  CHECK(format_report(in).find(
            "  upload flows a network observer sees 40 real, 9000 fake (chaff 0.33 per phone and "
            "day)\n    flows per phone find the uploaders with AUC 0.512 (0.5 = chance)\n") !=
        std::string::npos);
}

TEST_CASE("the report names the lockdown's days and multipliers") {
  SimConfig config;
  CHECK(lockdown_line(config.lockdown).empty());
  config.lockdown.start_day = 20;
  config.lockdown.days = 35;
  CHECK(lockdown_line(config.lockdown) ==
        "lockdown: everyone days 20-54 (household contacts x1.50); school/work x0.22, random "
        "x0.22, venues x0.22\n");
  config.lockdown.elderly_start_day = 20;
  config.lockdown.elderly_days = 100;
  config.lockdown.random_multiplier = 0.5;
  CHECK(lockdown_line(config.lockdown)
            .find("; ages 70+ days 20-119; school/work x0.22, random "
                  "x0.50") != std::string::npos);
  ReportInput in;
  in.config = &config;
  in.app.people = 100;
  CHECK(format_report(in).find("\nlockdown: everyone days 20-54") != std::string::npos);
  CHECK(format_report(in).find("app: launched") == std::string::npos);
  CHECK(format_report(in).find("denied intensive care") == std::string::npos);
  in.app.lockdown_days = 35;
  CHECK(format_report(in).find("days everyone was locked down        35") != std::string::npos);
  LockdownConfig repeated;
  repeated.start_day = 40;
  repeated.days = 14;
  repeated.repeat_every_days = 60;
  CHECK(lockdown_line(repeated) ==
        "lockdown: everyone days 40-53, again every 60 days (household contacts x1.50); "
        "school/work x0.22, random x0.22, venues x0.22\n");
  repeated.windows = {{150, 170}, {200, 210}};
  CHECK(lockdown_line(repeated) ==
        "lockdown: everyone days 40-53, again every 60 days and days 150-170, 200-210 "
        "(household contacts x1.50); school/work x0.22, random x0.22, venues x0.22\n");
  LockdownConfig series;
  series.windows = {{5, 9}, {30, 30}};
  CHECK(lockdown_line(series) ==
        "lockdown: everyone days 5-9, 30-30 (household contacts x1.50); school/work x0.22, "
        "random x0.22, venues x0.22\n");
  LockdownConfig triggered;
  triggered.trigger_incidence = 100;
  CHECK(lockdown_line(triggered) ==
        "lockdown: everyone while the 7-day positives per 100,000 are at 100 until below 50 "
        "(household contacts x1.50); school/work x0.22, random x0.22, venues x0.22\n");
  triggered.trigger_admissions = 8;
  triggered.min_days = 21;
  CHECK(lockdown_line(triggered) ==
        "lockdown: everyone while the 7-day positives per 100,000 are at 100 until below 50 or "
        "the 7-day admissions per 100,000 are at 8 until below 4, at least 21 days (household "
        "contacts x1.50); school/work x0.22, random x0.22, venues x0.22\n");
  config.app.start_day = 55;
  CHECK(
      policy_lines(config).ends_with("x0.22\napp: launched on day 55 (before it no phone runs "
                                     "it)\n"));
  config.app.ramp_days = 30;
  CHECK(policy_lines(config).ends_with(
      "\napp: launched on day 55, its users starting evenly over days 55-84 (before its first "
      "day no phone runs it)\n"));
  config.app.ramp_days = 0;
  // 2,000,000 people at 7.5 beds per 100,000: 150 beds.
  config.population.people = 2'000'000;
  config.disease.icu_beds_per_100k = 7.5;
  CHECK(policy_lines(config).ends_with(
      "\nintensive care: 150 beds (7.5 per 100,000 people); without a bed a death is 2x as "
      "likely\n"));
  CHECK(policy_lines(config).find("hospital:") == std::string::npos);
  CHECK(format_report(in).find("denied a hospital bed") == std::string::npos);
  config.disease.hospital_beds_per_100k = 250;
  CHECK(policy_lines(config).ends_with(
      "\nhospital: 5000 beds outside intensive care (250 per 100,000 people); without a bed a "
      "patient stays at home, and turning critical is 2x as likely\n"));
  in.app.hospital_denied = 40;
  CHECK(format_report(in).find("denied a hospital bed (none free)    40") != std::string::npos);
  in.app.icu_denied = 12;
  CHECK(format_report(in).find("denied intensive care (no bed free)  12") != std::string::npos);
}

TEST_CASE("the report names manual tracing's capacity and what the tracers did") {
  SimConfig config;
  config.population.people = 1'000'000;
  ReportInput in;
  in.config = &config;
  in.app.people = 100;
  CHECK(policy_lines(config).find("manual tracing") == std::string::npos);
  CHECK(format_report(in).find("tracers' interviews") == std::string::npos);
  config.manual_tracing.enabled = true;
  CHECK(policy_lines(config) ==
        "manual tracing: 30 tracers per 100,000 (1800 interviews and 3600 calls a day), 1-day "
        "delay, contacts of 7 days recalled (household 1, school/work 0.8, random 0.05, venues "
        "0.05); 14 days of quarantine (compliance 0.9), test 0.8\n");
  config.manual_tracing.start_day = 30;
  CHECK(policy_lines(config).starts_with("manual tracing from day 30: 30 tracers"));
  in.app.manual_interviews = 40;
  in.app.manual_traced = 130;
  in.app.peak_interview_backlog = 7;
  const std::string report = format_report(in);
  CAPTURE(report);
  CHECK(report.find("\n  tracers' interviews / calls (per)    40 / 130 (3.2)") !=
        std::string::npos);
  CHECK(report.find("\n  most cases waiting for an interview  7") != std::string::npos);
  CHECK(report.find("backward") == std::string::npos);
  in.app.tracing_cases = 80;
  in.app.traced_cases = 20;
  in.app.interviewed_with_infector = 36;
  in.app.infectors_named = 9;
  CHECK(format_report(in).find("\n  cases called before their result     20 (25.0 %)") !=
        std::string::npos);
  CHECK(format_report(in).find("\n  interviewed cases naming infector    9 (25.0 %)") !=
        std::string::npos);
  config.manual_tracing.backward_days = 5;
  config.manual_tracing.quarantine_from_meeting = true;
  CHECK(policy_lines(config).find("contacts of 7 days and 5 before (backward) recalled") !=
        std::string::npos);
  CHECK(policy_lines(config).find("14 days of quarantine from the last meeting (compliance") !=
        std::string::npos);
  in.app.manual_traced_backward = 26;
  in.app.traced_cases_backward = 3;
  in.app.infectors_named_backward = 2;
  const std::string backward = format_report(in);
  CAPTURE(backward);
  CHECK(backward.find("\n  calls from the backward window       26 (20.0 %)") != std::string::npos);
  CHECK(backward.find("\n    of them by a backward call         3") != std::string::npos);
  CHECK(backward.find("\n    of them in the backward window     2") != std::string::npos);
  CHECK(backward.find("guest list") == std::string::npos);
  config.manual_tracing.guest_lists = {0, 0.7, 0.8};
  CHECK(policy_lines(config).find(
            "venues 0.05), guest lists of venues visited (shops 0, restaurants 0.7, event halls "
            "0.8); 14 days of quarantine") != std::string::npos);
  in.app.manual_traced_from_lists = 52;
  in.app.traced_cases_from_lists = 4;
  in.app.infectors_named_from_lists = 3;
  const std::string lists = format_report(in);
  CAPTURE(lists);
  CHECK(lists.find("\n  calls from guest lists only          52 (40.0 %)") != std::string::npos);
  CHECK(lists.find("\n  cases called from a guest list       4 (5.0 %)") != std::string::npos);
  CHECK(lists.find("\n  infectors named by a guest list      3 (8.3 %)") != std::string::npos);
  CHECK(lists.find("given up") == std::string::npos);
  config.manual_tracing.lists_last = true;
  config.manual_tracing.call_within_days = 10;
  CHECK(policy_lines(config).find(
            "(shops 0, restaurants 0.7, event halls 0.8), their names called after the recalled, "
            "a name given up 10 days after the meeting; 14 days of quarantine") !=
        std::string::npos);
  in.app.manual_names_given_up = 71;
  const std::string given_up = format_report(in);
  CAPTURE(given_up);
  CHECK(given_up.find("\n  names given up (meeting too old)     71") != std::string::npos);
  CHECK(given_up.find("themselves") == std::string::npos);
  config.manual_tracing.self_notify_after_days = 3;
  CHECK(policy_lines(config).find(
            "a name given up 10 days after the meeting, a case not interviewed within 3 days of "
            "its result informs its contacts itself (reach 1); 14 days of quarantine") !=
        std::string::npos);
  in.app.self_notifying_cases = 16;
  in.app.self_notified = 47;
  in.app.traced_cases_self_notified = 8;
  const std::string self = format_report(in);
  CAPTURE(self);
  CHECK(self.find("\n  cases informing contacts themselves  16 (20.0 %)") != std::string::npos);
  CHECK(self.find("\n    contacts they informed             47") != std::string::npos);
  CHECK(self.find("\n    cases informed before their result 8 (10.0 %)") != std::string::npos);
}

TEST_CASE("the report names the vaccination campaign and counts the vaccinated") {
  SimConfig config;
  config.population.people = 20000;
  ReportInput in;
  in.config = &config;
  in.app.people = 20000;
  CHECK(policy_lines(config).find("vaccination") == std::string::npos);
  CHECK(format_report(in).find("vaccinated") == std::string::npos);
  config.vaccination.people_per_day_per_100k = 250;
  config.vaccination.start_day = 10;
  CHECK(policy_lines(config) ==
        "vaccination: 50 people a day (250 per 100,000 people) from day 10, oldest first, willing "
        "by age "
        "0/1/1/1/1/1/1/1/1; protected 28 days later against infection 0.92, symptoms 0.94, "
        "hospital 0.94\n");
  CHECK(policy_lines(config).find("efficacy by age") == std::string::npos);
  config.vaccination.efficacy_factor_by_age = {1, 1, 1, 1, 1, 1, 0.9, 0.8, 0.75};
  CHECK(policy_lines(config).ends_with(
      "hospital 0.94\nvaccination efficacy by age (every efficacy times): "
      "1/1/1/1/1/1/0.9/0.8/0.75\n"));
  config.vaccination.efficacy_factor_by_age.fill(1);
  config.vaccination.oldest_first = false;
  CHECK(policy_lines(config).find(", in random order, willing") != std::string::npos);
  CHECK(policy_lines(config).find("between the doses") == std::string::npos);
  config.vaccination.first_dose_protect_days = 14;
  CHECK(policy_lines(config).ends_with(
      "\nvaccination between the doses: from 14 days after the first against infection 0.46, "
      "symptoms 0.57, hospital 0.74\n"));
  config.vaccination.first_dose_protect_days = 0;
  CHECK(policy_lines(config).find("wanes") == std::string::npos);
  config.vaccination.waning_half_life_days = 84;
  CHECK(policy_lines(config).ends_with(
      "\nvaccination wanes: protection from infection and symptoms halves every 84 days once it "
      "began, from hospital it stays\n"));
  config.vaccination.waning_half_life_days = 0;
  config.vaccination.booster_after_days = 180;
  config.vaccination.booster_uptake = 0.8;
  CHECK(policy_lines(config).ends_with(
      "\nvaccination boosters: 180 days after the first dose for 0.8 of the vaccinated, the "
      "full protection again 12 days later\n"));
  in.app.boosted = 4000;
  CHECK(format_report(in).find("\n  boosted                              4000 (20.0 %)") !=
        std::string::npos);
  config.vaccination.booster_after_days = 0;
  // A test capacity: its line before the campaign's, and its rows.
  CHECK(format_report(in).find("waiting for a test") == std::string::npos);
  config.testing.tests_per_day_per_100k = 500;
  CHECK(policy_lines(config).starts_with(
      "testing: 100 samples a day (500 per 100,000 people); the others wait, first come first "
      "served, at most 3 days\nvaccination: "));
  // By region: named only with several regions.
  config.testing.capacity_by_region = true;
  CHECK(policy_lines(config).starts_with("testing: 100 samples a day (500 per 100,000 people); "));
  config.population.regions = 4;
  // Each region's figure is rounded from its own people: the rate alone.
  CHECK(policy_lines(config).find("testing: 500 samples a day per 100,000 people, each region "
                                  "its own (rounded per region); the others wait") !=
        std::string::npos);
  config.population.regions = 1;
  config.testing.capacity_by_region = false;
  config.variant.imports = 25;
  config.variant.day = 60;
  CHECK(policy_lines(config).find("\nvariant: 25 people infected with a second variant on day "
                                  "60, 1.67x as transmissible\nvaccination: ") !=
        std::string::npos);
  in.app.variant_infections = 8000;
  CHECK(format_report(in).find("\n  infected with the second variant     8000 (40.0 %)") !=
        std::string::npos);
  in.app.peak_test_backlog = 321;
  in.app.tests_given_up = 4567;
  CHECK(format_report(in).find("\n  most people waiting for a test       321") !=
        std::string::npos);
  CHECK(format_report(in).find("\n  tests given up after waiting         4567") !=
        std::string::npos);
  in.app.vaccinated = 5000;
  CHECK(format_report(in).find("\n  vaccinated                           5000 (25.0 %)") !=
        std::string::npos);
  in.app.breakthrough_infections = 300;
  CHECK(format_report(in).find("\n  infected when fully vaccinated       300 (1.5 %)") !=
        std::string::npos);
  // A variant escaping the vaccine: its efficacies against the variant.
  CHECK(policy_lines(config).find("escaping") == std::string::npos);
  config.variant.vaccine_escape_infection = 0.5;
  config.variant.vaccine_escape_symptoms = 0.25;
  CHECK(policy_lines(config).find(
            "1.67x as transmissible\n  escaping the vaccine: against it efficacy 0.46 / 0.70 / "
            "0.94 (infection / symptoms / severe)\nvaccination: ") != std::string::npos);
  // Reinfection: its line and row; a variant escaping the immunity of an infection.
  CHECK(policy_lines(config).find("reinfection") == std::string::npos);
  CHECK(format_report(in).find("reinfections") == std::string::npos);
  config.immunity.reinfection = true;
  CHECK(policy_lines(config).find(
            "\nreinfection: once recovered, protected against infection 0.855, symptoms 0.855, "
            "hospital 0.973; against infection and symptoms halving every 850 days\n") !=
        std::string::npos);
  in.app.reinfections = 900;
  CHECK(format_report(in).find("\n  reinfections                         900 (4.5 %)") !=
        std::string::npos);
  // People infected: the infections less the reinfections; the infections on a row of their
  // own.
  in.app.infections = 5900;
  CHECK(format_report(in).find("\n  infected (ever)                      5000 (25.0 %)") !=
        std::string::npos);
  CHECK(format_report(in).find("\n  infections (reinfections included)   5900") !=
        std::string::npos);
  config.variant.immunity_escape_infection = 0.554;
  config.variant.immunity_escape_symptoms = 0.554;
  CHECK(policy_lines(config).find(
            "1.67x as transmissible\n  escaping the immunity of an infection with the first: "
            "against it efficacy 0.38 / 0.38 / 0.97 (infection / symptoms / severe)\n  escaping "
            "the vaccine") != std::string::npos);
  config.immunity.waning_half_life_days = 0;
  CHECK(policy_lines(config).find("hospital 0.973; no waning\n") != std::string::npos);
}

TEST_CASE("the reproduction CSV gives each day's cohort with and without the app") {
  Reproduction app;
  app.cohorts = {{10, 25}, {4, 2}, {0, 0}};
  app.complete = 2;
  Reproduction none;
  none.cohorts = {{10, 30}, {5, 5}, {2, 1}};
  none.complete = 2;
  CHECK(reproduction_csv(app, &none) ==
        "day,complete,infected,secondary,r,infected_without_app,secondary_without_app,"
        "r_without_app\n"
        "0,1,10,25,2.5000,10,30,3.0000\n"
        "1,1,4,2,0.5000,5,5,1.0000\n"
        "2,0,0,0,,2,1,0.5000\n");
  CHECK(reproduction_csv(app, nullptr).starts_with("day,complete,infected,secondary,r\n0,1,10,"));
  // R over complete cohorts only: days 0-1 of app, 27 secondary per 14 cases.
  CHECK(app.r(0, 2) == Approx(27.0 / 14));
  CHECK(none.r(2, 2) == 0);
}

TEST_CASE("a seed without a reference run or reference infections is not paired") {
  const std::vector<SweepPoint> points{point(0, 1, 0), point(0, 2, 50), point(1, 1, 10),
                                       point(1, 2, 40), point(1, 3, 5)};
  const std::string table = format_sweep(points);
  CAPTURE(table);
  // Only seed 2 pairs (seed 1's reference had no infections, seed 3 has no reference run).
  CHECK(row(table, " 100 %").find("-20.0 % [-20.0, -20.0]") != std::string::npos);
  CHECK(format_sweep({}) == "no runs\n");
}

TEST_CASE("write_file fails on a full disk, also when only the close finds it") {
  // /dev/full refuses every write with ENOSPC; a short text stays in the buffer until the close.
  for (const std::string text : {std::string("x"), std::string(1 << 20, 'y')}) {
    const Status s = write_file("/dev/full", text);
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find("cannot write /dev/full: No space left on device") !=
          std::string::npos);
  }
  const Status missing = write_file("/dev/null/inside", "x");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("cannot open /dev/null/inside for writing: Not a directory") !=
        std::string::npos);
}

}  // namespace
}  // namespace greenlight::sim
