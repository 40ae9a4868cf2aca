#include "greenlight/sim/report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "internal/median.h"

namespace greenlight::sim {
namespace {

std::string vformat(const char* format, std::va_list args) {
  char buf[1024];
  std::vsnprintf(buf, sizeof buf, format, args);
  return buf;
}

__attribute__((format(printf, 1, 2))) std::string fmt(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  std::string s = vformat(format, args);
  va_end(args);
  return s;
}

std::string pct(double x) { return fmt("%.1f %%", 100 * x); }

std::string ratio(const Ratio& r) {
  if (r.total == 0) return "n/a (0 cases)";
  return fmt("%5.1f %%  (%llu of %llu)", 100 * r.value(), static_cast<unsigned long long>(r.hits),
             static_cast<unsigned long long>(r.total));
}

std::string count_pct(std::uint64_t n, std::uint32_t of) {
  return fmt("%llu (%.1f %%)", static_cast<unsigned long long>(n),
             of ? 100.0 * static_cast<double>(n) / of : 0.0);
}

std::string human_bytes(std::uint64_t b) {
  const auto d = static_cast<double>(b);
  if (b >= (1ull << 30)) return fmt("%.2f GiB", d / 1073741824.0);
  if (b >= (1ull << 20)) return fmt("%.1f MiB", d / 1048576.0);
  if (b >= (1ull << 10)) return fmt("%.1f KiB", d / 1024.0);
  return fmt("%llu B", static_cast<unsigned long long>(b));
}

std::string quote(const std::filesystem::path& p) {
  std::string s = p.string();
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "''";
    else
      out += c;
  }
  return out + "'";
}

// Draws the same plot commands to SVG and PNG.
PlotResult draw(const std::filesystem::path& dir, const std::string& stem,
                const std::string& body) {
  const auto svg = dir / (stem + ".svg");
  const auto png = dir / (stem + ".png");
  std::string script;
  script +=
      "set terminal svg size 900,500 dynamic enhanced font 'sans,12' background rgb 'white'\n";
  script += "set output " + quote(svg) + "\n" + body;
  script += "set terminal pngcairo size 900,500 enhanced font 'sans,10'\n";
  script += "set output " + quote(png) + "\nreplot\nset output\n";
  return run_plot_script(stem, script, {svg, png});
}

}  // namespace

PlotResult draw_plot(const std::filesystem::path& dir, const std::string& stem,
                     const std::string& body) {
  return draw(dir, stem, body);
}

PlotResult run_plot_script(const std::string& stem, const std::string& script,
                           std::vector<std::filesystem::path> files) {
  PlotResult result;
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    result.warning = "gnuplot not found (Debian package gnuplot-nox): plots skipped";
    return result;
  }
  // gnuplot's own messages go to stderr, away from the tables on stdout.
  FILE* pipe = popen("gnuplot 1>&2", "w");
  if (pipe == nullptr || (std::fwrite(script.data(), 1, script.size(), pipe), pclose(pipe)) != 0) {
    result.warning = "gnuplot failed: plot '" + stem + "' skipped";
    return result;
  }
  // gnuplot exits 0 when it could not write its output (a full disk): an empty file is none.
  for (const auto& f : files) {
    std::error_code ec;
    if (std::filesystem::file_size(f, ec) == 0 || ec) {
      result.warning = "gnuplot could not write " + f.string() + ": plot '" + stem + "' skipped";
      return result;
    }
  }
  result.files = std::move(files);
  return result;
}

std::string gnuplot_quote(const std::filesystem::path& path) { return quote(path); }

std::string strprintf(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  std::string s = vformat(format, args);
  va_end(args);
  return s;
}

std::string daily_csv(std::span<const DailyStats> days) {
  std::string out =
      "day,susceptible,exposed,infectious,recovered,new_infections,new_household,"
      "new_school_work,new_random,new_venue,cumulative_infections,new_symptomatic,tests,"
      "positives,uploads,keys_fetched,venue_reports_fetched,isolating,notified_red,"
      "notified_yellow,venue_notifications,green,yellow,red,contacts,app_contacts,runs_stored,"
      "check_ins,new_hospitalised,hospitalised,critical,new_deaths,deaths,icu_denied,lockdown,"
      "manual_interviews,manual_traced,interview_backlog,call_backlog,hospital_denied,"
      "new_vaccinated,vaccinated,test_backlog,tests_given_up,variant_infections,"
      "breakthrough_infections,new_boosted,boosted,reinfections,screening_samples,regions_locked,"
      "imported,schools_closed,new_hospital,new_staff_infections,staff_absent,new_care_home,"
      "new_resident_infections,new_resident_deaths,revocations,red_withdrawn,upgrades\n";
  for (const auto& d : days) {
    out += fmt(
        "%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%llu,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%llu,"
        "%llu,%llu,%llu,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,"
        "%u,%u,%u,%u,%u,%u,%u,%u,%u,%u\n",
        d.day, d.susceptible, d.exposed, d.infectious, d.recovered, d.new_infections,
        d.new_infections_by_layer[0], d.new_infections_by_layer[1], d.new_infections_by_layer[2],
        d.new_infections_by_layer[3], static_cast<unsigned long long>(d.cumulative_infections),
        d.new_symptomatic, d.tests, d.positives, d.uploads, d.keys_fetched, d.venue_reports_fetched,
        d.isolating, d.notified_red, d.notified_yellow, d.venue_notifications, d.green, d.yellow,
        d.red, static_cast<unsigned long long>(d.contacts),
        static_cast<unsigned long long>(d.app_contacts),
        static_cast<unsigned long long>(d.runs_stored),
        static_cast<unsigned long long>(d.check_ins), d.new_hospitalised, d.hospitalised,
        d.critical, d.new_deaths, d.deaths, d.icu_denied, d.lockdown, d.manual_interviews,
        d.manual_traced, d.interview_backlog, d.call_backlog, d.hospital_denied, d.new_vaccinated,
        d.vaccinated, d.test_backlog, d.tests_given_up, d.variant_infections,
        d.breakthrough_infections, d.new_boosted, d.boosted, d.reinfections, d.screening_samples,
        d.regions_locked, d.imported, d.schools_closed,
        d.new_infections_by_layer[static_cast<std::size_t>(Layer::kHospital)],
        d.new_staff_infections, d.staff_absent,
        d.new_infections_by_layer[static_cast<std::size_t>(Layer::kCareHome)],
        d.new_resident_infections, d.new_resident_deaths, d.revocations, d.red_withdrawn,
        d.upgrades);
  }
  return out;
}

std::string format_privacy(const PrivacyView& v, std::uint32_t people, std::uint32_t days) {
  std::string o;
  o += "Privacy: what a server holds at the end\n";
  if (v.server.read_error[0] != '\0') {
    o += "  (the key server's store could not be read: " + std::string(v.server.read_error.data()) +
         "; its figures below are zero)\n";
  }
  o += "                                  greenlight key server      centralized health-code "
       "server\n";
  o += fmt("  people identified               %-26s %llu (every app user, by phone number)\n", "0",
           static_cast<unsigned long long>(v.central_people));
  o += fmt("  positive uploads                %-26s %llu test results of named people\n",
           fmt("%llu (anonymous)", static_cast<unsigned long long>(v.server.uploads)).c_str(),
           static_cast<unsigned long long>(v.central_test_results));
  o += fmt("  diagnosis keys                  %-26s -\n",
           fmt("%llu (%llu padding)", static_cast<unsigned long long>(v.server.keys),
               static_cast<unsigned long long>(v.server.padding_keys))
               .c_str());
  o += fmt("  contact records                 %-26s %llu (%llu person-pair-days)\n", "0",
           static_cast<unsigned long long>(v.central_contact_records),
           static_cast<unsigned long long>(v.central_contact_pairs));
  o += fmt("  venue check-ins                 %-26s %llu\n", "0",
           static_cast<unsigned long long>(v.central_check_ins));
  o += fmt("  venue reports                   %-26s -\n",
           fmt("%llu (%llu venues)", static_cast<unsigned long long>(v.server.venue_reports),
               static_cast<unsigned long long>(v.warned_venues))
               .c_str());
  o += fmt("  bytes held                      %-26s %s\n",
           human_bytes(v.server.stored_bytes).c_str(), human_bytes(v.central_bytes).c_str());
  if (v.server.transparency_log) {
    o += fmt(
        "  transparency log                %llu leaves, all %llu downloaded batches verified as "
        "logged\n",
        static_cast<unsigned long long>(v.server.log_leaves),
        static_cast<unsigned long long>(v.server.logged_files_verified));
  }
  o += "  What it could reveal:\n";
  o +=
      fmt("    greenlight: that %llu anonymous uploads were made (each by someone who tested\n"
          "    positive or, with symptom reports, reported symptoms; a reinfected person may\n"
          "    upload again), and for each uploaded key one day of that person's Bluetooth\n"
          "    identifiers (linkable only by someone who recorded them nearby); which %llu venues\n"
          "    had a positive visitor and when. Nothing about anyone who did not upload (of %u\n"
          "    people), nobody's contacts, and no check-in of anybody.\n",
          static_cast<unsigned long long>(v.positive_uploaders),
          static_cast<unsigned long long>(v.warned_venues), people);
  o +=
      fmt("    centralized: the social graph and movement trail of every app user over %u days,\n"
          "    and the power to set anyone's colour with one database write.\n",
          days);
  return o;
}

std::string lockdown_line(const LockdownConfig& l) {
  if (!l.scheduled() && l.elderly_days == 0 && !l.triggered()) return "";
  std::string o = "lockdown:";
  std::string sep = " ";
  if (l.scheduled()) {
    std::string days;
    if (l.days > 0) {
      days = fmt(
          " %u-%u%s", l.start_day, l.start_day + l.days - 1,
          l.repeat_every_days > 0 ? fmt(", again every %u days", l.repeat_every_days).c_str() : "");
    }
    for (std::size_t i = 0; i < l.windows.size(); ++i) {
      const char* before = i > 0 ? "," : days.empty() ? "" : " and days";
      days += fmt("%s %u-%u", before, l.windows[i][0], l.windows[i][1]);
    }
    o += " everyone days" + days + fmt(" (household contacts x%.2f)", l.household_multiplier);
    sep = "; ";
  }
  if (l.triggered()) {
    // "the 7-day positives per 100,000 are at 100 until below 50", and/or admissions.
    const auto measure = [&](const char* what, double trigger) {
      return fmt("the 7-day %s per 100,000%s are at %g until below %g", what,
                 l.regional ? " of its people" : "", trigger, l.release_fraction * trigger);
    };
    std::string when;
    if (l.trigger_incidence > 0) when = measure("positives", l.trigger_incidence);
    if (l.trigger_admissions > 0) {
      when += (when.empty() ? "" : " or ") + measure("admissions", l.trigger_admissions);
    }
    o += sep + (l.regional ? "each region while " : "everyone while ") + when +
         (l.min_days > 0 ? fmt(", at least %u days", l.min_days) : std::string()) +
         fmt(" (household contacts x%.2f)", l.household_multiplier);
    sep = "; ";
  }
  if (l.elderly_days > 0) {
    o += sep +
         fmt("ages 70+ days %u-%u", l.elderly_start_day, l.elderly_start_day + l.elderly_days - 1);
  }
  return o + fmt("; school/work x%.2f, random x%.2f, venues x%.2f\n", l.school_work_multiplier,
                 l.random_multiplier, l.venue_multiplier);
}

std::string policy_lines(const SimConfig& c) {
  std::string o = lockdown_line(c.lockdown);
  if (c.population.regions > 1) {
    const auto& pc = c.population;
    o +=
        fmt("regions: %u (%s); %g %% of workers commute %s, %g %% of random encounters and "
            "venue visits %s",
            pc.regions, pc.region_weights.empty() ? "equal sizes" : "sizes by region_weights",
            100 * pc.commuter_share,
            !pc.commuting_matrix.empty()  ? "by commuting_matrix"
            : !pc.commuting_flows.empty() ? "by commuting_flows"
                                          : "to another region",
            100 * c.contacts.travel_share,
            !c.contacts.travel_matrix.empty()  ? "by travel_matrix"
            : !c.contacts.travel_flows.empty() ? "by travel_flows"
                                               : "anywhere");
    if (!c.app.uptake_by_region.empty()) o += "; app uptake by region";
    if (c.disease.seed_region >= 0) o += fmt("; first cases in region %d", c.disease.seed_region);
    o += "\n";
  }
  if (!c.lockdown.schools_closed.empty()) {
    o += "schools closed: days";
    for (std::size_t i = 0; i < c.lockdown.schools_closed.size(); ++i) {
      const auto& w = c.lockdown.schools_closed[i];
      o += fmt("%s %u-%u", i > 0 ? "," : "", w[0], w[1]);
    }
    o += " (children meet none of their school links)\n";
  }
  if (c.disease.imports_per_day > 0) {
    o += fmt("imports: %g cases a day from outside (Poisson mean), %s\n", c.disease.imports_per_day,
             c.disease.imports_region >= 0 ? fmt("in region %d", c.disease.imports_region).c_str()
                                           : "anywhere");
  }
  if (c.app.ramp_days > 0 && c.app.ramp_launch_share > 0) {
    o +=
        fmt("app: launched on day %u, %g %% of its users starting that day and the others "
            "evenly over days %u-%u (before its first day no phone runs it)\n",
            c.app.start_day, 100 * c.app.ramp_launch_share, c.app.start_day,
            c.app.start_day + c.app.ramp_days - 1);
  } else if (c.app.ramp_days > 0) {
    o +=
        fmt("app: launched on day %u, its users starting evenly over days %u-%u (before "
            "its first day no phone runs it)\n",
            c.app.start_day, c.app.start_day, c.app.start_day + c.app.ramp_days - 1);
  } else if (c.app.start_day > 0) {
    o += fmt("app: launched on day %u (before it no phone runs it)\n", c.app.start_day);
  }
  if (c.app.dropout_per_day > 0) {
    o +=
        fmt("app: each day %g %% of the phones running it give it up (on average %.0f days of "
            "use; a phone that stops does nothing more)\n",
            100 * c.app.dropout_per_day, 1 / c.app.dropout_per_day);
  }
  if (c.app.symptom_report_share > 0) {
    o +=
        fmt("app: %g %% of the app users with symptoms report them and upload their keys as a "
            "self-report (with consent)\n",
            100 * c.app.symptom_report_share);
  }
  if (c.app.revoke_on_negative) {
    o += "app: a self-reporter books a test; a negative result revokes the self-report's keys, "
         "and a RED they caused is withdrawn (its quarantine ends)\n";
  }
  if (c.app.upgrade_on_positive) {
    o += "app: a self-reporter books a test; a positive result upgrades the self-report's keys "
         "to a confirmed test's\n";
  }
  if (c.app.upload_delay_days > 0) {
    const std::uint32_t delay = c.app.upload_delay_days;
    if (c.app.upload_delay_spread_days > 0) {
      o +=
          fmt("app: a positive user who consents uploads %u to %u days after the result, each "
              "day alike",
              c.app.shortest_upload_delay(), c.app.longest_upload_delay());
    } else {
      o += fmt("app: a positive user who consents uploads %u day%s after the result", delay,
               delay == 1 ? "" : "s");
    }
    if (c.app.upload_same_day_share > 0) {
      o += fmt(" (%g %% on the result's day)", 100 * c.app.upload_same_day_share);
    }
    o += "\n";
  }
  if (c.app.red_daily_test_days > 0) {
    o +=
        fmt("app: a RED contact who follows the advice takes a self-test each day for %u days "
            "instead of quarantine",
            c.app.red_daily_test_days);
    if (c.app.red_daily_test_adherence >= 0) {
      o += fmt(" (%g %% follow it)", 100 * c.app.red_daily_test_adherence);
    }
    o += "\n";
  }
  if (c.app.red_quarantine_from_exposure) {
    o +=
        fmt("app: a RED contact's %u days of quarantine count from its last day of high-risk "
            "exposure\n",
            c.app.red_isolation_days);
  }
  if (c.app.red_release_test_day > 0) {
    o += fmt(
        "app: a RED contact's quarantine ends early on a negative test taken from day %u of it\n",
        c.app.red_release_test_day);
  }
  if (!c.disease.transmission_changes.empty()) {
    o += "transmission: the per-contact hazard";
    const char* sep = " ";
    for (const auto& [day, factor] : c.disease.transmission_changes) {
      o += fmt("%sx%g from day %g", sep, factor, day);
      sep = ", ";
    }
    o += "\n";
  }
  if (c.disease.seasonality_amplitude > 0) {
    // The run's lowest and highest factors, day by day (at each day's noon).
    double lo = 2;
    double hi = 0;
    for (std::uint32_t t = 0; t < c.run.days; ++t) {
      const double f = c.disease.seasonal_factor(c.run.start_unix_seconds + t * 86400LL + 43200);
      lo = std::min(lo, f);
      hi = std::max(hi, f);
    }
    o +=
        fmt("seasonality: the per-contact hazard x%.2f on day %u of each year, x%.2f half a year "
            "later; x%.2f to x%.2f over this run's days\n",
            1 + c.disease.seasonality_amplitude, c.disease.seasonality_peak_day_of_year,
            1 - c.disease.seasonality_amplitude, lo, hi);
  }
  if (!c.disease.transmission_changes_by_layer.empty()) {
    o += "transmission by layer (household / school and work / random / venues):";
    const char* sep = " ";
    for (const auto& ch : c.disease.transmission_changes_by_layer) {
      o += fmt("%sx%g / x%g / x%g / x%g from day %g", sep, ch[1], ch[2], ch[3], ch[4], ch[0]);
      sep = ", ";
    }
    o += "\n";
  }
  // "N <what> (F per 100,000 people)" for a figure F given per 100,000 people.
  const auto counted = [&](double figure, const char* what) {
    return fmt("%llu %s (%g per 100,000 people)",
               static_cast<unsigned long long>(per_100k(figure, c.population.people)), what,
               figure);
  };
  if (c.disease.icu_beds_per_100k > 0) {
    o += "intensive care: " + counted(c.disease.icu_beds_per_100k, "beds") +
         fmt("; without a bed a death is %gx as likely\n", c.disease.no_icu_fatality_factor);
  }
  if (c.disease.hospital_beds_per_100k > 0) {
    o += "hospital: " + counted(c.disease.hospital_beds_per_100k, "beds outside intensive care") +
         fmt("; without a bed a patient stays at home, and turning critical is %gx as likely\n",
             c.disease.no_hospital_critical_factor);
  }
  if (c.testing.screening_per_day_per_100k > 0) {
    o += "screening: " + counted(c.testing.screening_per_day_per_100k, "samples a day") +
         " drawn from everyone alive out of hospital without a positive result or a test "
         "pending" +
         fmt("; their test's sensitivity %g, specificity %g, result after %u day(s)\n",
             c.testing.screening_sensitivity, c.testing.screening_specificity,
             c.testing.screening_result_delay_days);
  }
  if (c.testing.tests_per_day_per_100k > 0) {
    // By region each region's figure is rounded from its own people, which the configuration
    // does not know: the rate alone.
    o += "testing: " +
         (c.testing.capacity_by_region && c.population.regions > 1
              ? fmt("%g samples a day per 100,000 people, each region its own (rounded per "
                    "region)",
                    c.testing.tests_per_day_per_100k)
              : counted(c.testing.tests_per_day_per_100k, "samples a day")) +
         fmt("; the others wait, first come first served, at most %u days\n",
             c.testing.max_wait_days);
  }
  if (c.immunity.reinfection) {
    const auto& im = c.immunity;
    o +=
        fmt("reinfection: once recovered, protected against infection %g, symptoms %g, hospital "
            "%g",
            im.efficacy_infection, im.efficacy_symptoms, im.efficacy_severe);
    o += im.waning_half_life_days > 0
             ? fmt("; against infection and symptoms halving every %g days\n",
                   im.waning_half_life_days)
             : std::string("; no waning\n");
  }
  if (c.variant.enabled()) {
    o +=
        fmt("variant: %u people infected with a second variant on day %u, %gx as "
            "transmissible\n",
            c.variant.imports, c.variant.day, c.variant.relative_transmissibility);
    if (c.variant.escapes_immunity() && c.immunity.reinfection) {
      const auto& va = c.variant;
      const ImmunityConfig e = c.immunity.escaped(
          va.immunity_escape_infection, va.immunity_escape_symptoms, va.immunity_escape_severe);
      o +=
          fmt("  escaping the immunity of an infection with the first: against it efficacy "
              "%.2f / %.2f / %.2f (infection / symptoms / severe)\n",
              e.efficacy_infection, e.efficacy_symptoms, e.efficacy_severe);
    }
    if (c.variant.escapes_vaccine() && c.vaccination.enabled()) {
      const VaccinationConfig e = c.variant.against(c.vaccination);
      o +=
          fmt("  escaping the vaccine: against it efficacy %.2f / %.2f / %.2f (infection / "
              "symptoms / severe)\n",
              e.efficacy_infection, e.efficacy_symptoms, e.efficacy_severe);
    }
  }
  const auto& v = c.vaccination;
  if (v.enabled()) {
    const auto& u = v.uptake_by_age;
    o += "vaccination: " + counted(v.people_per_day_per_100k, "people a day") +
         fmt(" from day %u, %s, willing by age %g/%g/%g/%g/%g/%g/%g/%g/%g; protected %u days "
             "later against infection %g, symptoms %g, hospital %g\n",
             v.start_day, v.oldest_first ? "oldest first" : "in random order", u[0], u[1], u[2],
             u[3], u[4], u[5], u[6], u[7], u[8], v.days_to_protect, v.efficacy_infection,
             v.efficacy_symptoms, v.efficacy_severe);
    const auto& f = v.efficacy_factor_by_age;
    if (std::any_of(f.begin(), f.end(), [](double x) { return x != 1; })) {
      o += fmt("vaccination efficacy by age (every efficacy times): %g/%g/%g/%g/%g/%g/%g/%g/%g\n",
               f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]);
    }
    if (v.first_dose_protect_days > 0) {
      o +=
          fmt("vaccination between the doses: from %u days after the first against infection %g, "
              "symptoms %g, hospital %g\n",
              v.first_dose_protect_days, v.first_dose_efficacy_infection,
              v.first_dose_efficacy_symptoms, v.first_dose_efficacy_severe);
    }
    if (v.booster_after_days > 0) {
      o +=
          fmt("vaccination boosters: %u days after the first dose for %g of the vaccinated, "
              "the full protection again %u days later\n",
              v.booster_after_days, v.booster_uptake, v.booster_protect_days);
    }
    if (v.waning_half_life_days > 0) {
      o +=
          fmt("vaccination wanes: protection from infection and symptoms halves every %g days "
              "once it began, from hospital it stays\n",
              v.waning_half_life_days);
    }
  }
  const auto& m = c.manual_tracing;
  if (m.enabled) {
    const auto& f = m.traceable_fraction;
    // Daily self-tests with their own adherence (manual_tracing.daily_test_adherence).
    const bool own_adherence = m.daily_test_days > 0 && m.daily_test_adherence >= 0;
    o +=
        fmt("manual tracing%s: %g tracers per 100,000 (%llu interviews and %llu calls a day), "
            "%u-day delay, contacts of %u days%s recalled (household %g, school/work %g, random "
            "%g, venues %g)%s%s%s; %s (%s %g), test %g\n",
            m.start_day > 0 ? fmt(" from day %u", m.start_day).c_str() : "", m.workers_per_100k,
            static_cast<unsigned long long>(m.interviews_per_day(c.population.people)),
            static_cast<unsigned long long>(m.notifications_per_day(c.population.people)),
            m.delay_days, m.trace_days,
            m.backward_days > 0 ? fmt(" and %u before (backward)", m.backward_days).c_str() : "",
            f[0], f[1], f[2], f[3],
            m.guest_lists_on()
                ? fmt(", guest lists of venues visited (shops %g, restaurants %g, event halls "
                      "%g)%s",
                      m.guest_lists[0], m.guest_lists[1], m.guest_lists[2],
                      m.lists_last ? ", their names called after the recalled" : "")
                      .c_str()
                : "",
            m.call_within_days > 0
                ? fmt(", a name given up %u days after the meeting", m.call_within_days).c_str()
                : "",
            m.self_notify_after_days > 0
                ? fmt(", a case not interviewed within %u days of its result informs its "
                      "contacts itself (reach %g)",
                      m.self_notify_after_days, m.self_notify_reach)
                      .c_str()
                : "",
            m.daily_test_days > 0
                ? fmt("a self-test each day for %u days instead of quarantine", m.daily_test_days)
                      .c_str()
                : fmt("%u days of quarantine%s%s", m.quarantine_days,
                      m.quarantine_from_meeting ? " from the last meeting" : "",
                      m.release_test_day > 0
                          ? fmt(", ended early by a negative test taken from day %u of it",
                                m.release_test_day)
                                .c_str()
                          : "")
                      .c_str(),
            own_adherence ? "adherence" : "compliance",
            own_adherence ? m.daily_test_adherence : m.quarantine_compliance, m.test_probability);
  }
  return o;
}

std::string format_staff(const HospitalConfig& hospital, const RunSummary& a, const RunSummary* b) {
  if (a.staff == 0) return "";
  std::string o = fmt(
      "\nHospital staff (%u people, hospital.staff_per_100k %g; their phones %s%s)%s\n", a.staff,
      hospital.staff_per_100k, hospital.app_paused_at_work ? "paused at work" : "recording at work",
      hospital.staff_test_every_days > 0
          ? fmt("; tested every %u days", hospital.staff_test_every_days).c_str()
          : "",
      b ? "\n                                         with app                 without app" : "");
  auto row = [&](const char* label, const std::string& x, const std::string& y) {
    o += fmt("  %-38s %-24s %s\n", label, x.c_str(), b ? y.c_str() : "");
  };
  const auto share = [](std::uint64_t n, std::uint32_t of) {
    return fmt("%llu (%.1f %%)", static_cast<unsigned long long>(n),
               of ? 100.0 * static_cast<double>(n) / of : 0.0);
  };
  row("staff infected", share(a.staff_infected, a.staff),
      b ? share(b->staff_infected, b->staff) : "");
  row("  by a patient", fmt("%u", a.staff_infected_by_patients),
      b ? fmt("%u", b->staff_infected_by_patients) : "");
  const auto onward = [](const RunSummary& r) {
    return fmt("%llu", static_cast<unsigned long long>(r.staff_onward_infections));
  };
  row("infections caused by staff", onward(a), b ? onward(*b) : "");
  row("other workers infected", share(a.other_workers_infected, a.other_workers),
      b ? share(b->other_workers_infected, b->other_workers) : "");
  const auto rates = [](const RunSummary& r) {
    return fmt("%.3f / %.3f (x %.2f)", r.staff_rate, r.other_workers_rate, r.staff_rate_ratio());
  };
  row("incidence: staff / other workers", rates(a), b ? rates(*b) : "");
  const auto absent = [](const RunSummary& r) {
    return fmt("%llu / %u (%.1f %%)", static_cast<unsigned long long>(r.staff_absent_days),
               r.peak_staff_absent, r.staff ? 100.0 * r.peak_staff_absent / r.staff : 0.0);
  };
  row("staff absent: person-days / worst day", absent(a), b ? absent(*b) : "");
  return o + "  (incidence: infections per 1,000 susceptible person-days, and their ratio)\n";
}

std::string format_care_homes(const CareHomeConfig& homes, const RunSummary& a,
                              const RunSummary* b) {
  if (a.care_homes == 0) return "";
  std::string policies;
  if (homes.staff_test_every_days > 0)
    policies += fmt("; staff tested every %u days", homes.staff_test_every_days);
  if (homes.resident_test_every_days > 0)
    policies += fmt("; residents tested every %u days", homes.resident_test_every_days);
  if (homes.outbreak_testing) {
    policies +=
        fmt("; every resident and member of staff tested after a case (at most every %u "
            "days)",
            CareHomeConfig::kOutbreakRoundDays);
    if (homes.outbreak_agency_days > 0 && a.care_agency_staff > 0) {
      policies += fmt(", agency workers of the last %u days too", homes.outbreak_agency_days);
    }
  }
  if (homes.staff_units > 1) policies += fmt("; staff in %u units", homes.staff_units);
  if (homes.staff_units > 1 && homes.resident_zoning > 0) {
    policies += fmt(", residents zoned (%.0f %% of their contacts in the unit)",
                    100 * homes.resident_zoning);
  }
  if (homes.staff_symptom_isolation >= 0) {
    policies +=
        fmt("; %.0f %% of staff with symptoms isolate", 100 * homes.staff_symptom_isolation);
  }
  if (homes.visits_per_week > 0) policies += fmt("; %g visits a week", homes.visits_per_week);
  if (homes.visits_per_week > 0 && homes.visits_closed_days > 0) {
    policies += fmt(", none for %u days after a case", homes.visits_closed_days);
  }
  std::string agency;
  if (a.care_agency_staff > 0) {
    agency = homes.agency_pool_homes > 0
                 ? fmt(" and %u agency staff in pools of %u homes", a.care_agency_staff,
                       homes.agency_pool_homes)
                 : fmt(" and %u agency staff, a pool per region", a.care_agency_staff);
  }
  std::string o = fmt(
      "\nCare homes (%u homes, %u residents, %u staff%s; staff's phones %s%s)%s\n", a.care_homes,
      a.residents, a.care_staff, agency.c_str(),
      homes.app_paused_at_work ? "paused at work" : "recording at work", policies.c_str(),
      b ? "\n                                         with app                 without app" : "");
  auto row = [&](const char* label, const auto& value) {
    o += fmt("  %-38s %-24s %s\n", label, value(a).c_str(), b ? value(*b).c_str() : "");
  };
  const auto share = [](std::uint64_t n, std::uint64_t of) {
    return fmt("%llu (%.1f %%)", static_cast<unsigned long long>(n),
               of ? 100.0 * static_cast<double>(n) / static_cast<double>(of) : 0.0);
  };
  row("residents infected",
      [&](const RunSummary& r) { return share(r.residents_infected, r.residents); });
  row("  by the home's staff / by a resident", [](const RunSummary& r) {
    return fmt("%u / %u", r.residents_infected_by_staff, r.residents_infected_by_residents);
  });
  if (a.care_agency_staff > 0) {
    row("      by agency / from another home", [](const RunSummary& r) {
      return fmt("%u / %u", r.residents_infected_by_agency,
                 r.residents_infected_by_agency_from_other_homes);
    });
  }
  if (homes.visits_per_week > 0) {
    row("  by a visitor",
        [](const RunSummary& r) { return fmt("%u", r.residents_infected_by_visitors); });
  }
  row("homes with a resident infected",
      [&](const RunSummary& r) { return share(r.care_homes_with_cases, r.care_homes); });
  row("residents died (share of all deaths)", [](const RunSummary& r) {
    return fmt("%u (%.1f %%)", r.resident_deaths,
               r.deaths ? 100.0 * r.resident_deaths / static_cast<double>(r.deaths) : 0.0);
  });
  row("staff infected",
      [&](const RunSummary& r) { return share(r.care_staff_infected, r.care_staff); });
  row("  by a resident",
      [](const RunSummary& r) { return fmt("%u", r.care_staff_infected_by_residents); });
  if (a.care_agency_staff > 0) {
    row("agency staff infected",
        [&](const RunSummary& r) { return share(r.care_agency_infected, r.care_agency_staff); });
    row("  by a resident",
        [](const RunSummary& r) { return fmt("%u", r.care_agency_infected_by_residents); });
  }
  if (homes.outbreak_testing) {
    row("whole-home test rounds / samples", [](const RunSummary& r) {
      return fmt("%llu / %llu", static_cast<unsigned long long>(r.care_outbreak_rounds),
                 static_cast<unsigned long long>(r.care_outbreak_samples));
    });
    if (homes.outbreak_agency_days > 0 && a.care_agency_staff > 0) {
      row("  samples of agency workers", [](const RunSummary& r) {
        return fmt("%llu", static_cast<unsigned long long>(r.care_outbreak_agency_samples));
      });
    }
    row("  positive results", [](const RunSummary& r) {
      return fmt("%llu", static_cast<unsigned long long>(r.care_outbreak_positives));
    });
  }
  if (homes.visits_per_week > 0) {
    row("visitors infected by a resident",
        [](const RunSummary& r) { return fmt("%u", r.visitors_infected_by_residents); });
    if (homes.visits_closed_days > 0) {
      row("home-days closed to visitors", [](const RunSummary& r) {
        return fmt("%llu", static_cast<unsigned long long>(r.care_home_days_closed));
      });
    }
  }
  return o;
}

namespace {

// One line per day: the day, then two values of the app's run and two of the baseline's
// (NaN NaN where a run has no such day), each pair from `values(day's stats, run)` (run 0:
// with the app, 1: without), called in day order.
template <typename Values>
std::string two_runs_data(std::span<const DailyStats> app, std::span<const DailyStats> baseline,
                          Values values) {
  std::string data;
  const std::size_t n = std::max(app.size(), baseline.size());
  for (std::size_t i = 0; i < n; ++i) {
    data += fmt("%zu", i);
    for (std::size_t k = 0; k < 2; ++k) {
      const auto days = k == 0 ? app : baseline;
      if (i >= days.size()) {
        data += " NaN NaN";
        continue;
      }
      const auto [x, y] = values(days[i], k);
      data +=
          fmt(" %llu %llu", static_cast<unsigned long long>(x), static_cast<unsigned long long>(y));
    }
    data += "\n";
  }
  return data;
}

// NAME.{svg,png} from two_runs_data's `data` (written to NAME_data.txt): gnuplot's `header`,
// then the two values with the app (green) and without (red, with a baseline), the first
// solid and the second dashed (on the right-hand axis with `second_y2`).
PlotResult two_runs_plot(const std::filesystem::path& dir, const std::string& name,
                         const std::string& data, const std::string& header, const char* first,
                         const char* second, bool second_y2, bool baseline) {
  const auto data_path = dir / (name + "_data.txt");
  if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
  const char* axes = second_y2 ? " axes x1y2" : "";
  std::string body = header + "plot " + quote(data_path);
  body +=
      fmt(" using 1:2 with lines lw 2 lc rgb '#1b7837' title '%s, with app', '' using 1:3%s with "
          "lines dt 2 lw 2 lc rgb '#1b7837' title '%s, with app'",
          first, axes, second);
  if (baseline) {
    body +=
        fmt(", '' using 1:4 with lines lw 2 lc rgb '#b2182b' title '%s, without app', '' using "
            "1:5%s with lines dt 2 lw 2 lc rgb '#b2182b' title '%s, without app'",
            first, axes, second);
  }
  return draw(dir, name, body + "\n");
}

}  // namespace

std::uint64_t infections_axis_top(std::uint32_t people, std::span<const DailyStats> app,
                                  std::span<const DailyStats> baseline,
                                  std::uint32_t DailyStats::*count) {
  std::uint64_t top = people;
  for (const auto run : {app, baseline}) {
    std::uint64_t sum = 0;
    for (const DailyStats& d : run) sum += d.*count;
    top = std::max(top, sum);
  }
  return top;
}

std::string staff_plot_data(std::span<const DailyStats> app, std::span<const DailyStats> baseline) {
  std::array<std::uint64_t, 2> infected{};
  return two_runs_data(app, baseline, [&](const DailyStats& d, std::size_t k) {
    infected[k] += d.new_staff_infections;
    return std::pair<std::uint64_t, std::uint64_t>(d.staff_absent, infected[k]);
  });
}

PlotResult write_staff_plot(const std::filesystem::path& dir, std::uint32_t staff,
                            std::span<const DailyStats> app, std::span<const DailyStats> baseline) {
  if (staff == 0) return {};
  const std::uint64_t infections =
      infections_axis_top(staff, app, baseline, &DailyStats::new_staff_infections);
  return two_runs_plot(
      dir, "staff", staff_plot_data(app, baseline),
      fmt("set title 'Hospital staff (%u people): absent and infected'\nset xlabel 'day'\n"
          "set ylabel 'staff absent (at home, in hospital or dead)'\n"
          "set y2label 'staff infections (cumulative)'\nset y2tics\nset ytics nomirror\n"
          "set key top left\nset grid\nset yrange [0:%u]\nset y2range [0:%llu]\n",
          staff, staff, static_cast<unsigned long long>(infections)),
      "absent", "infected", true, !baseline.empty());
}

std::string care_plot_data(std::span<const DailyStats> app, std::span<const DailyStats> baseline) {
  std::array<std::uint64_t, 4> so_far{};  // infected, died: with the app, then without
  return two_runs_data(app, baseline, [&](const DailyStats& d, std::size_t k) {
    so_far[2 * k] += d.new_resident_infections;
    so_far[2 * k + 1] += d.new_resident_deaths;
    return std::pair<std::uint64_t, std::uint64_t>(so_far[2 * k], so_far[2 * k + 1]);
  });
}

PlotResult write_care_plot(const std::filesystem::path& dir, std::uint32_t residents,
                           std::span<const DailyStats> app, std::span<const DailyStats> baseline) {
  if (residents == 0) return {};
  const std::uint64_t top =
      infections_axis_top(residents, app, baseline, &DailyStats::new_resident_infections);
  return two_runs_plot(
      dir, "care", care_plot_data(app, baseline),
      fmt("set title 'Care homes (%u residents): infected and died so far'\nset xlabel 'day'\n"
          "set ylabel 'residents'\nset key top left\nset grid\nset yrange [0:%llu]\n",
          residents, static_cast<unsigned long long>(top)),
      "infected", "died", false, !baseline.empty());
}

std::string format_report(const ReportInput& in) {
  const SimConfig& c = *in.config;
  const RunSummary& a = in.app;
  std::string o;
  o +=
      fmt("greenlight population simulation: %u people (%u with the app, %.1f %%), %u days, seed "
          "%llu\n",
          a.people, a.app_users, a.people ? 100.0 * a.app_users / a.people : 0.0, a.days,
          static_cast<unsigned long long>(c.run.seed));
  o += fmt("key server: %s; config sha256 %s; %.1f s\n", in.publisher_name.c_str(),
           config_hash(c).substr(0, 16).c_str(), in.seconds);
  o += policy_lines(c) + "\n";

  const bool base = in.baseline.has_value();
  const RunSummary* b = base ? &*in.baseline : nullptr;
  // The run's column: "with app", or "no app" when nobody has it and there is no run without
  // it beside (a no-intervention run).
  const char* run_column = a.app_users > 0 || base ? "with app" : "no app";
  o += base ? fmt("Epidemic                                %-8s             without app\n",
                  run_column)
            : fmt("Epidemic                                %s\n", run_column);
  auto row = [&](const char* label, const std::string& x, const std::string& y) {
    o += fmt("  %-36s %-20s %s\n", label, x.c_str(), base ? y.c_str() : "");
  };
  // People: with reinfection the infections less the reinfections (a person's later ones).
  const auto people_infected = [&](const RunSummary& r) {
    return r.infections - (c.immunity.reinfection ? r.reinfections : 0);
  };
  row("infected (ever)", count_pct(people_infected(a), a.people),
      b ? count_pct(people_infected(*b), b->people) : "");
  if (c.immunity.reinfection) {
    row("infections (reinfections included)",
        fmt("%llu", static_cast<unsigned long long>(a.infections)),
        b ? fmt("%llu", static_cast<unsigned long long>(b->infections)) : "");
  }
  row("peak infectious (day)", fmt("%u (day %u)", a.peak_infectious, a.peak_day),
      b ? fmt("%u (day %u)", b->peak_infectious, b->peak_day) : "");
  const auto hospital = [](const RunSummary& r) {
    return fmt("%llu / %u / %u", static_cast<unsigned long long>(r.hospitalisations),
               r.peak_hospitalised, r.peak_critical);
  };
  row("admitted / peak in hospital / ICU", hospital(a), b ? hospital(*b) : "");
  row("deaths", fmt("%llu", static_cast<unsigned long long>(a.deaths)),
      b ? fmt("%llu", static_cast<unsigned long long>(b->deaths)) : "");
  if (c.lockdown.scheduled() || (c.lockdown.triggered() && !c.lockdown.regional)) {
    row("days everyone was locked down", fmt("%u", a.lockdown_days),
        b ? fmt("%u", b->lockdown_days) : "");
  }
  if (c.disease.imports_per_day > 0) {
    const auto imported = [](std::span<const DailyStats> days) {
      std::uint64_t sum = 0;
      for (const auto& d : days) sum += d.imported;
      return fmt("%llu", static_cast<unsigned long long>(sum));
    };
    row("imported cases", imported(in.app_daily), b ? imported(in.baseline_daily) : "");
  }
  if (c.lockdown.regional) {
    const auto region_days = [](std::span<const DailyStats> days) {
      std::uint64_t sum = 0;
      for (const auto& d : days) sum += d.regions_locked;
      return fmt("%llu", static_cast<unsigned long long>(sum));
    };
    row("region-days locked down", region_days(in.app_daily),
        b ? region_days(in.baseline_daily) : "");
  }
  if (c.testing.screening_per_day_per_100k > 0) {
    row("samples from screening", fmt("%llu", static_cast<unsigned long long>(a.screening_samples)),
        b ? fmt("%llu", static_cast<unsigned long long>(b->screening_samples)) : "");
  }
  if (c.testing.tests_per_day_per_100k > 0) {
    row("most people waiting for a test", fmt("%u", a.peak_test_backlog),
        b ? fmt("%u", b->peak_test_backlog) : "");
    row("tests given up after waiting",
        fmt("%llu", static_cast<unsigned long long>(a.tests_given_up)),
        b ? fmt("%llu", static_cast<unsigned long long>(b->tests_given_up)) : "");
  }
  if (c.app.red_daily_test_days > 0 ||
      (c.manual_tracing.enabled && c.manual_tracing.daily_test_days > 0)) {
    const auto self_tests = [](const RunSummary& r) {
      return fmt("%llu / %llu", static_cast<unsigned long long>(r.self_tests),
                 static_cast<unsigned long long>(r.self_test_positives));
    };
    row("contacts' self-tests / positive", self_tests(a), b ? self_tests(*b) : "");
  }
  // A row of counts of the run (and of the baseline), " / " between them.
  const auto counts_row = [&](const char* label,
                              std::initializer_list<std::uint64_t RunSummary::*> fields) {
    const auto counts = [&](const RunSummary& r) {
      std::string out;
      for (const auto field : fields) {
        if (!out.empty()) out += " / ";
        out += std::to_string(r.*field);
      }
      return out;
    };
    row(label, counts(a), b ? counts(*b) : "");
  };
  if (c.app.red_release_test_day > 0 ||
      (c.manual_tracing.enabled && c.manual_tracing.release_test_day > 0)) {
    counts_row("release tests / released / infected",
               {&RunSummary::release_tests, &RunSummary::quarantines_released,
                &RunSummary::released_infected});
  }
  if (c.app.symptom_report_share > 0) {
    counts_row("symptom self-reports / infected",
               {&RunSummary::symptom_reports, &RunSummary::symptom_reports_infected});
  }
  if (c.app.revoke_on_negative) {
    counts_row("self-reports revoked / infected",
               {&RunSummary::self_reports_revoked, &RunSummary::revoked_infected});
    counts_row("self-reports revoked before upload", {&RunSummary::revoked_before_upload});
    counts_row("RED withdrawn / quarantines ended",
               {&RunSummary::red_withdrawn, &RunSummary::quarantines_withdrawn});
    counts_row("ended quarantines of the infected", {&RunSummary::withdrawn_infected});
  }
  if (c.app.upgrade_on_positive) {
    counts_row("self-reports upgraded to a test", {&RunSummary::self_reports_upgraded});
  }
  if (c.variant.enabled()) {
    row("infected with the second variant", count_pct(a.variant_infections, a.people),
        b ? count_pct(b->variant_infections, b->people) : "");
  }
  if (c.immunity.reinfection) {
    row("reinfections", count_pct(a.reinfections, a.people),
        b ? count_pct(b->reinfections, b->people) : "");
  }
  if (c.vaccination.enabled()) {
    row("vaccinated", count_pct(a.vaccinated, a.people),
        b ? count_pct(b->vaccinated, b->people) : "");
    row("infected when fully vaccinated", count_pct(a.breakthrough_infections, a.people),
        b ? count_pct(b->breakthrough_infections, b->people) : "");
    if (c.vaccination.booster_after_days > 0) {
      row("boosted", count_pct(a.boosted, a.people), b ? count_pct(b->boosted, b->people) : "");
    }
  }
  if (c.disease.hospital_beds_per_100k > 0) {
    row("denied a hospital bed (none free)",
        fmt("%llu", static_cast<unsigned long long>(a.hospital_denied)),
        b ? fmt("%llu", static_cast<unsigned long long>(b->hospital_denied)) : "");
  }
  if (c.disease.icu_beds_per_100k > 0) {
    row("denied intensive care (no bed free)",
        fmt("%llu", static_cast<unsigned long long>(a.icu_denied)),
        b ? fmt("%llu", static_cast<unsigned long long>(b->icu_denied)) : "");
  }
  if (c.manual_tracing.enabled) {
    const auto traced = [](const RunSummary& r) {
      return fmt("%llu / %llu (%.1f)", static_cast<unsigned long long>(r.manual_interviews),
                 static_cast<unsigned long long>(r.manual_traced),
                 r.manual_interviews > 0 ? static_cast<double>(r.manual_traced) /
                                               static_cast<double>(r.manual_interviews)
                                         : 0.0);
    };
    row("tracers' interviews / calls (per)", traced(a), b ? traced(*b) : "");
    row("most cases waiting for an interview", fmt("%u", a.peak_interview_backlog),
        b ? fmt("%u", b->peak_interview_backlog) : "");
    // A count and its share of `total` (named in docs/simulation.md "Manual tracing").
    const auto of = [](std::uint64_t n, std::uint64_t total) {
      return fmt("%llu (%.1f %%)", static_cast<unsigned long long>(n),
                 total > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0);
    };
    const bool backward = c.manual_tracing.backward_days > 0;
    // Rows of the backward window's own counts, shown only with it.
    const auto backward_row = [&](const char* label, std::uint64_t RunSummary::*count) {
      if (!backward) return;
      row(label, fmt("%llu", static_cast<unsigned long long>(a.*count)),
          b ? fmt("%llu", static_cast<unsigned long long>(b->*count)) : "");
    };
    if (backward) {
      row("calls from the backward window", of(a.manual_traced_backward, a.manual_traced),
          b ? of(b->manual_traced_backward, b->manual_traced) : "");
    }
    row("cases called before their result", of(a.traced_cases, a.tracing_cases),
        b ? of(b->traced_cases, b->tracing_cases) : "");
    backward_row("  of them by a backward call", &RunSummary::traced_cases_backward);
    row("interviewed cases naming infector", of(a.infectors_named, a.interviewed_with_infector),
        b ? of(b->infectors_named, b->interviewed_with_infector) : "");
    backward_row("  of them in the backward window", &RunSummary::infectors_named_backward);
    if (c.manual_tracing.guest_lists_on()) {
      row("calls from guest lists only", of(a.manual_traced_from_lists, a.manual_traced),
          b ? of(b->manual_traced_from_lists, b->manual_traced) : "");
      row("cases called from a guest list", of(a.traced_cases_from_lists, a.tracing_cases),
          b ? of(b->traced_cases_from_lists, b->tracing_cases) : "");
      row("infectors named by a guest list",
          of(a.infectors_named_from_lists, a.interviewed_with_infector),
          b ? of(b->infectors_named_from_lists, b->interviewed_with_infector) : "");
    }
    if (c.manual_tracing.call_within_days > 0) {
      row("names given up (meeting too old)",
          fmt("%llu", static_cast<unsigned long long>(a.manual_names_given_up)),
          b ? fmt("%llu", static_cast<unsigned long long>(b->manual_names_given_up)) : "");
    }
    if (c.manual_tracing.self_notify_after_days > 0) {
      row("cases informing contacts themselves", of(a.self_notifying_cases, a.tracing_cases),
          b ? of(b->self_notifying_cases, b->tracing_cases) : "");
      row("  contacts they informed", fmt("%llu", static_cast<unsigned long long>(a.self_notified)),
          b ? fmt("%llu", static_cast<unsigned long long>(b->self_notified)) : "");
      row("  cases informed before their result", of(a.traced_cases_self_notified, a.tracing_cases),
          b ? of(b->traced_cases_self_notified, b->tracing_cases) : "");
    }
  }
  const auto at_end = [](const RunSummary& r) {
    return fmt("%u%s", r.active_at_end, r.died_out() ? " (died out)" : "");
  };
  row("exposed or infectious at the end", at_end(a), b ? at_end(*b) : "");
  if (a.early_r > 0) {
    row("R of the cases of days 0-27", fmt("%.2f", a.early_r), b ? fmt("%.2f", b->early_r) : "");
  }
  row("tests / positives",
      fmt("%llu / %llu", static_cast<unsigned long long>(a.tests),
          static_cast<unsigned long long>(a.positives)),
      b ? fmt("%llu / %llu", static_cast<unsigned long long>(b->tests),
              static_cast<unsigned long long>(b->positives))
        : "");
  row("isolation person-days",
      fmt("%llu", static_cast<unsigned long long>(a.isolation_person_days)),
      b ? fmt("%llu", static_cast<unsigned long long>(b->isolation_person_days)) : "");
  if (in.scenario) {
    const auto needless = [](const std::optional<ScenarioMetrics>& m) {
      return m ? fmt("%llu", static_cast<unsigned long long>(m->needless_isolation_person_days))
               : std::string();
    };
    row("  of people never infected", needless(in.scenario), needless(in.baseline_scenario));
  }
  if (b && b->infections > 0) {
    o += fmt("  infections averted by the app          %lld (%.1f %%)\n",
             static_cast<long long>(b->infections) - static_cast<long long>(a.infections),
             100.0 * (static_cast<double>(b->infections) - static_cast<double>(a.infections)) /
                 static_cast<double>(b->infections));
  }
  if (b && b->deaths > 0) {
    o += fmt("  deaths averted by the app              %lld (%.1f %%)\n",
             static_cast<long long>(b->deaths) - static_cast<long long>(a.deaths),
             100.0 * (static_cast<double>(b->deaths) - static_cast<double>(a.deaths)) /
                 static_cast<double>(b->deaths));
  }
  // Outcomes by age group (decades, 80+ last): each cell right-aligned under its header.
  const std::array<std::string, 3> heads =
      base ? std::array<std::string, 3>{"infected: with / without app", "admitted: with / without",
                                        "deaths: with / without"}
           : std::array<std::string, 3>{"infected", "admitted", "deaths"};
  o += fmt("\nBy age (years)    people  %s  %s  %s\n", heads[0].c_str(), heads[1].c_str(),
           heads[2].c_str());
  const auto width = [&](std::size_t i) { return static_cast<int>(heads[i].size()); };
  const auto share = [](const RunSummary::AgeOutcome& x) {
    return x.people ? 100.0 * x.infected / x.people : 0.0;
  };
  for (std::size_t g = 0; g < kAgeGroups; ++g) {
    const auto& r = a.by_age[g];
    const std::string label = g + 1 < kAgeGroups ? fmt("%zu-%zu", 10 * g, 10 * g + 9) : "80+";
    std::string infected = fmt("%.1f %%", share(r));
    std::string admitted = fmt("%u", r.admitted);
    std::string deaths = fmt("%u", r.deaths);
    if (b) {
      const auto& q = b->by_age[g];
      infected += fmt(" / %.1f %%", share(q));
      admitted += fmt(" / %u", q.admitted);
      deaths += fmt(" / %u", q.deaths);
    }
    o += fmt("  %-12s %9u  %*s  %*s  %*s\n", label.c_str(), r.people, width(0), infected.c_str(),
             width(1), admitted.c_str(), width(2), deaths.c_str());
  }
  o += format_regions(in.app_regions, in.baseline_regions);
  o += format_staff(c.hospital, a, b);
  o += format_care_homes(c.care_homes, a, b);
  o += "\nNotifications (app users)\n";
  o += fmt("  uploads by positive app users        %llu\n",
           static_cast<unsigned long long>(a.uploads));
  o += fmt("  RED / YELLOW notifications           %llu / %llu (%llu from venue warnings)\n",
           static_cast<unsigned long long>(a.notifications_red),
           static_cast<unsigned long long>(a.notifications_yellow),
           static_cast<unsigned long long>(a.venue_notifications));
  // Undefined without an upload, or without a notification: "-" (they printed 0).
  o += "  notifications per upload             " +
       (a.uploads > 0 ? fmt("%.2f", a.notifications_per_upload) : std::string("- (no upload)")) +
       "\n";
  if (in.scenario && a.app_users > 0) {
    const ChaffView& ch = in.scenario->chaff;
    o +=
        fmt("  upload flows a network observer sees %llu real, %llu fake (chaff %.2f per phone "
            "and day)\n",
            static_cast<unsigned long long>(ch.real_flows),
            static_cast<unsigned long long>(ch.chaff_flows), ch.chaff_per_day);
    o += ch.real_flows > 0
             ? fmt("    flows per phone find the uploaders with AUC %.3f (0.5 = chance)\n",
                   ch.uploader_auc)
             : std::string("    flows per phone find the uploaders with AUC - (no upload)\n");
  }
  o += "  against true close contacts (>= 15 min within 2 m of an uploaded case):\n";
  o += "    RED precision                      " + ratio(a.red_precision) + "\n";
  o += "    YELLOW precision                   " + ratio(a.yellow_precision) + "\n";
  o += "    RED recall                         " + ratio(a.red_recall) + "\n";
  o += "    RED or YELLOW recall               " + ratio(a.any_recall) + "\n";
  o += "  notified who were infected by a case they matched\n";
  o += "                                       " + ratio(a.notified_infected_by_index) + "\n";
  o += "  infected contacts of uploaded cases who were notified\n";
  o += "                                       " + ratio(a.infected_contacts_notified) + "\n";
  o += "  uploaders whose infector was notified by their key\n";
  o += "                                       " + ratio(a.infectors_warned) + "\n";
  o += a.notifications_red + a.notifications_yellow > 0
           ? fmt("  days from infection to notification  median %.1f, mean %.1f\n",
                 a.median_days_infection_to_notification, a.mean_days_infection_to_notification)
           : std::string("  days from infection to notification  - (nobody notified)\n");
  if (in.scenario) {
    const ColourCounts& k = in.scenario->colours;
    o += fmt("  people ever RED / YELLOW             %llu / %llu (never infected: %llu / %llu)\n",
             static_cast<unsigned long long>(k.ever_red),
             static_cast<unsigned long long>(k.ever_yellow),
             static_cast<unsigned long long>(k.wrongly_red),
             static_cast<unsigned long long>(k.wrongly_yellow));
  }
  if (a.verified_phones > 0) {
    o +=
        fmt("  client-library check                 %llu phone-syncs, %llu windows, %llu window "
            "mismatches, %llu colour mismatches\n"
            "    the client coloured %llu RED or YELLOW; its log evicted or dropped %llu "
            "sightings, its matcher rejected %llu\n",
            static_cast<unsigned long long>(a.verified_phones),
            static_cast<unsigned long long>(a.verified_windows),
            static_cast<unsigned long long>(a.verify_mismatches),
            static_cast<unsigned long long>(a.verify_colour_mismatches),
            static_cast<unsigned long long>(a.verified_not_green),
            static_cast<unsigned long long>(a.verify_client_evictions),
            static_cast<unsigned long long>(a.verify_client_rejected));
  } else if (c.run.verify_phones > 0) {
    o += "  client-library check                 no phone-sync checked (no sync brought published "
         "keys to a running phone)\n";
  }
  if (!in.app_daily.empty()) {
    o += "\nColours of app users (after the morning sync)\n";
    o += "  day      green     yellow        red\n";
    const std::size_t n = in.app_daily.size();
    const std::size_t step = std::max<std::size_t>(1, n / 8);
    for (std::size_t i = 0; i < n; i += step) {
      const auto& d = in.app_daily[i];
      o += fmt("  %3u %10u %10u %10u\n", d.day, d.green, d.yellow, d.red);
    }
    if ((n - 1) % step != 0) {
      const auto& d = in.app_daily.back();
      o += fmt("  %3u %10u %10u %10u\n", d.day, d.green, d.yellow, d.red);
    }
  }
  o += "\n" + format_privacy(in.privacy, a.people, a.days);
  return o;
}

std::string progress_line(const Progress& p, double elapsed, std::size_t width) {
  const std::size_t filled = p.days ? width * p.day / p.days : width;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::string line = fmt("[%s] %4u/%u days", bar.c_str(), p.day, p.days);
  if (p.today != nullptr) {
    line += fmt("  infected %llu  red %u  yellow %u",
                static_cast<unsigned long long>(p.today->cumulative_infections), p.today->red,
                p.today->yellow);
  }
  line += fmt("  %.1f s", elapsed);
  return line;
}

PlotResult write_plots(const std::filesystem::path& dir, std::span<const DailyStats> app,
                       std::span<const DailyStats> baseline, const LockdownConfig& lockdown,
                       bool has_app) {
  const std::string run = has_app ? "with app" : "no app";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // Data files for gnuplot (whitespace separated).
  std::string data;
  const std::size_t n = std::max(app.size(), baseline.size());
  for (std::size_t i = 0; i < n; ++i) {
    const DailyStats* a = i < app.size() ? &app[i] : nullptr;
    const DailyStats* b = i < baseline.size() ? &baseline[i] : nullptr;
    const auto count = [](const DailyStats* d, std::uint32_t DailyStats::*field) {
      return d ? fmt("%u", d->*field) : std::string("NaN");
    };
    data += fmt(
        "%zu %s %s %s %s %s %s %s %s %s %s %s %s %s\n", i,
        a ? fmt("%u", a->new_infections).c_str() : "NaN",
        a ? fmt("%llu", static_cast<unsigned long long>(a->cumulative_infections)).c_str() : "NaN",
        b ? fmt("%u", b->new_infections).c_str() : "NaN",
        b ? fmt("%llu", static_cast<unsigned long long>(b->cumulative_infections)).c_str() : "NaN",
        a ? fmt("%u", a->green).c_str() : "NaN", a ? fmt("%u", a->yellow).c_str() : "NaN",
        a ? fmt("%u", a->red).c_str() : "NaN", count(a, &DailyStats::hospitalised).c_str(),
        count(a, &DailyStats::critical).c_str(), count(a, &DailyStats::deaths).c_str(),
        count(b, &DailyStats::hospitalised).c_str(), count(b, &DailyStats::critical).c_str(),
        count(b, &DailyStats::deaths).c_str());
  }
  const auto data_path = dir / "plot_data.txt";
  if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
  PlotResult all;
  // Lockdowns as bands behind the curves (day d covers d to d + 1): the elderly's window light
  // grey; the days everyone was locked down (the runs' lockdown column) grey when both runs
  // locked down on the same days, else as strips at the bottom, green with the app and red
  // without.
  std::string bands;
  const auto band = [&](std::uint32_t first, std::uint32_t end, double bottom, double top,
                        const char* colour) {
    bands +=
        fmt("set object rect from %u, graph %g to %u, graph %g behind fc rgb '%s' fs solid "
            "noborder\n",
            first, bottom, end, top, colour);
  };
  std::string shaded;
  if (lockdown.elderly_days > 0 && lockdown.elderly_start_day < n) {
    band(lockdown.elderly_start_day,
         std::min<std::uint32_t>(lockdown.elderly_start_day + lockdown.elderly_days,
                                 static_cast<std::uint32_t>(n)),
         0, 1, "#f2f2f2");
    shaded = "light grey: ages 70+ shielded";
  }
  const auto locked = [](std::span<const DailyStats> days) {
    std::vector<std::uint32_t> on;
    for (const auto& d : days) {
      if (d.lockdown != 0) on.push_back(d.day);
    }
    return on;
  };
  const std::vector<std::uint32_t> app_on = locked(app);
  const std::vector<std::uint32_t> base_on = locked(baseline);
  const bool same = baseline.empty() || app_on == base_on;
  const auto days_as_bands = [&](const std::vector<std::uint32_t>& on, double bottom, double top,
                                 const char* colour) {
    for (std::size_t i = 0; i < on.size();) {
      std::size_t j = i + 1;
      while (j < on.size() && on[j] == on[j - 1] + 1) ++j;
      band(on[i], on[j - 1] + 1, bottom, top, colour);
      i = j;
    }
  };
  if (!app_on.empty() || !base_on.empty()) {
    if (same) {
      days_as_bands(app_on, 0, 1, "#dddddd");
      shaded += std::string(shaded.empty() ? "" : ", ") + "grey: lockdown";
    } else {
      days_as_bands(app_on, 0.03, 0.06, "#1b7837");
      days_as_bands(base_on, 0, 0.03, "#b2182b");
      shaded += std::string(shaded.empty() ? "" : ", ") +
                "strips at the bottom: lockdown with the app (green), without (red)";
    }
  }
  if (!shaded.empty()) shaded = " (" + shaded + ")";
  // An axis whose values are all 0 gets the range [0:1] (gnuplot warns on [0:0]).
  std::uint32_t new_infections = 0;
  std::uint64_t infected = 0;
  std::uint32_t warned = 0;
  std::uint32_t beds = 0;
  std::uint32_t deaths = 0;
  for (const auto days : {app, baseline}) {
    for (const auto& d : days) {
      new_infections = std::max(new_infections, d.new_infections);
      infected = std::max(infected, d.cumulative_infections);
      warned = std::max(warned, d.yellow + d.red);
      beds = std::max(beds, d.hospitalised);
      deaths = std::max(deaths, d.deaths);
    }
  }
  const auto range = [](const char* axis, bool any) {
    return std::string("set ") + axis + (any ? " [0:*]\n" : " [0:1]\n");
  };
  std::string epi =
      "set title 'Epidemic curve" + shaded +
      "'\nset xlabel 'day'\nset ylabel 'new infections per day'\n"
      "set y2label 'infections (cumulative; reinfections too)'\nset y2tics\nset ytics nomirror\n"
      "set key top left\nset grid\n" +
      bands + range("yrange", new_infections > 0) + range("y2range", infected > 0);
  epi += "plot " + quote(data_path) + " using 1:2 with lines lw 2 lc rgb '#1b7837' title 'new, " +
         run +
         "', '' using 1:3 axes x1y2 with lines dt 2 lw 2 lc rgb '#1b7837' title 'cumulative, " +
         run + "'";
  if (!baseline.empty()) {
    epi +=
        ", '' using 1:4 with lines lw 2 lc rgb '#b2182b' title 'new, without app', '' using "
        "1:5 axes x1y2 with lines dt 2 lw 2 lc rgb '#b2182b' title 'cumulative, without app'";
  }
  epi += "\n";
  auto r1 = draw(dir, "epidemic", epi);
  std::string col =
      "set title 'App users warned: RED and YELLOW phones (the rest are GREEN)'\n"
      "set xlabel 'day'\nset ylabel '% of app users'\nset key top left\nset grid\n"
      "set style fill solid 0.8\n" +
      range("yrange", warned > 0);
  col += "total(g, y, r) = (g + y + r) > 0 ? (g + y + r) : 1\n";
  col += "plot " + quote(data_path) +
         " using 1:(100 * ($7 + $8) / total($6, $7, $8)) with filledcurves x1 lc rgb '#f1c40f' "
         "title 'yellow', '' using 1:(100 * $8 / total($6, $7, $8)) with filledcurves x1 lc rgb "
         "'#d7191c' title 'red'\n";
  auto r2 = draw(dir, "colours", col);
  std::string hosp =
      "set title 'Hospital: beds in use and deaths" + shaded +
      "'\nset xlabel 'day'\n"
      "set ylabel 'people in hospital / in intensive care'\nset y2label 'deaths (cumulative)'\n"
      "set y2tics\nset ytics nomirror\nset key top left\nset grid\n" +
      bands;
  hosp += range("yrange", beds > 0) + range("y2range", deaths > 0);
  hosp += "plot " + quote(data_path) +
          " using 1:9 with lines lw 2 lc rgb '#1b7837' title 'in hospital, " + run +
          "', '' using 1:10 with lines dt 3 lw 2 lc rgb '#1b7837' title 'in intensive care, " +
          run + "', '' using 1:11 axes x1y2 with lines dt 2 lw 2 lc rgb '#1b7837' title 'deaths, " +
          run + "'";
  if (!baseline.empty()) {
    hosp +=
        ", '' using 1:12 with lines lw 2 lc rgb '#b2182b' title 'in hospital, without app', '' "
        "using 1:13 with lines dt 3 lw 2 lc rgb '#b2182b' title 'in intensive care, without "
        "app', '' using 1:14 axes x1y2 with lines dt 2 lw 2 lc rgb '#b2182b' title 'deaths, "
        "without app'";
  }
  hosp += "\n";
  auto r3 = draw(dir, "hospital", hosp);
  for (auto* r : {&r1, &r2, &r3}) {
    all.files.insert(all.files.end(), r->files.begin(), r->files.end());
    if (!r->warning.empty() && all.warning.empty()) all.warning = r->warning;
  }
  return all;
}

std::string reproduction_csv(const Reproduction& app, const Reproduction* baseline) {
  std::string out = "day,complete,infected,secondary,r";
  out += baseline ? ",infected_without_app,secondary_without_app,r_without_app\n" : "\n";
  // A day without cases has no R: an empty cell (it was 0.0000).
  const auto cells = [](const Cohort& c) {
    return c.infected > 0 ? fmt("%u,%u,%.4f", c.infected, c.secondary,
                                static_cast<double>(c.secondary) / c.infected)
                          : fmt("0,%u,", c.secondary);
  };
  for (std::size_t d = 0; d < app.cohorts.size(); ++d) {
    out += fmt("%zu,%d,", d, d < app.complete ? 1 : 0) + cells(app.cohorts[d]);
    if (baseline) {
      out += "," + (d < baseline->cohorts.size() ? cells(baseline->cohorts[d]) : "0,0,");
    }
    out += "\n";
  }
  return out;
}

PlotResult write_reproduction_plot(const std::filesystem::path& dir, const Reproduction& app,
                                   const Reproduction* baseline) {
  std::string data;
  const auto weekly = [](const Reproduction& s, std::uint32_t week) {
    const std::uint32_t first = 7 * week;
    if (first + 7 > s.complete) return std::string("NaN");
    std::uint64_t infected = 0;
    for (std::uint32_t d = first; d < first + 7; ++d) infected += s.cohorts[d].infected;
    return infected > 0 ? fmt("%.4f", s.r(first, first + 6)) : std::string("NaN");
  };
  for (std::uint32_t w = 0; 7 * (w + 1) <= app.complete; ++w) {
    data += fmt("%u %s %s\n", 7 * w, weekly(app, w).c_str(),
                baseline ? weekly(*baseline, w).c_str() : "NaN");
  }
  if (data.empty()) return {{}, "no complete week of cases: reproduction plot skipped"};
  const auto data_path = dir / "reproduction_data.txt";
  if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
  std::string body =
      "set title 'Case reproduction number: infections caused per case, by week of infection'\n"
      "set xlabel 'day of infection (week starting)'\nset ylabel 'R'\nset key top right\n"
      "set grid\nset yrange [0:*]\n";
  body += "plot " + quote(data_path) +
          " using 1:2 with linespoints lw 2 pt 7 lc rgb '#1b7837' title 'with app'";
  if (baseline) {
    body += ", '' using 1:3 with linespoints lw 2 pt 7 lc rgb '#b2182b' title 'without app'";
  }
  body += ", 1 with lines dt 2 lc rgb '#555555' title 'R = 1'\n";
  return draw(dir, "reproduction", body);
}

std::string transmissions_csv(const Simulation& sim) {
  const Population& pop = sim.population();
  // In person order, each person's in day order: sorted by day, people in order.
  std::vector<Infection> infections = sim.infections();
  std::stable_sort(infections.begin(), infections.end(),
                   [](const Infection& a, const Infection& b) { return a.day < b.day; });
  std::string out = "day,person,infector,how,infector_infection_day,age_group,app,variant\n";
  for (const Infection& i : infections) {
    const std::uint32_t p = i.person;
    std::string how = "initial";
    if (i.infector != kNoPerson) {
      how = std::string(layer_name(static_cast<Layer>(i.layer)));
    } else if (i.variant != 0) {
      how = "import";
    }
    out += fmt("%d,%u,%s,%s,%s,%u,%u,%d\n", i.day, p,
               i.infector != kNoPerson ? fmt("%u", i.infector).c_str() : "", how.c_str(),
               i.infector != kNoPerson ? fmt("%d", i.infector_day).c_str() : "", pop.age_group[p],
               pop.has_app[p], i.variant);
  }
  return out;
}

std::string exposures_csv(std::span<const ExposureHit> hits, const Simulation& sim) {
  const std::vector<Infection> infections = sim.infections();  // person order, day order
  // The phone's infection an exposure is judged against: its latest on or before the sync
  // day, or else its first (its only one without reinfection); and whether the uploader
  // caused one of its infections.
  const auto judged = [&](const ExposureHit& h) {
    auto it = std::lower_bound(infections.begin(), infections.end(), h.phone,
                               [](const Infection& i, std::uint32_t p) { return i.person < p; });
    std::int32_t infected = -1;
    bool by_uploader = false;
    for (; it != infections.end() && it->person == h.phone; ++it) {
      by_uploader = by_uploader || it->infector == h.owner;
      if (infected < 0 || it->day <= static_cast<std::int32_t>(h.sync_day)) infected = it->day;
    }
    return std::make_pair(infected, by_uploader);
  };
  std::vector<ExposureHit> sorted(hits.begin(), hits.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const ExposureHit& a, const ExposureHit& b) {
    return std::tie(a.sync_day, a.phone) < std::tie(b.sync_day, b.phone);
  });
  std::string out =
      "sync_day,phone,uploader,exposure_day,windows,phone_infection_day,days_infected_to_sync,"
      "infected_by_uploader\n";
  for (const ExposureHit& h : sorted) {
    const auto [infected, by_uploader] = judged(h);
    out += fmt("%u,%u,%u,%u,%u,%s,%s,%d\n", h.sync_day, h.phone, h.owner, h.exposure_day, h.windows,
               infected >= 0 ? fmt("%d", infected).c_str() : "",
               infected >= 0 ? fmt("%d", static_cast<int>(h.sync_day) - infected).c_str() : "",
               by_uploader ? 1 : 0);
  }
  return out;
}

std::string sweep_csv(std::span<const SweepPoint> points, std::span<const std::string> keys) {
  std::string out;
  for (const auto& key : keys) out += key + ",";
  out +=
      "uptake,seed,people,app_users,infections,peak_infectious,tests,positives,uploads,"
      "notifications_red,notifications_yellow,red_precision,red_recall,any_recall,"
      "notified_infected_by_index,isolation_person_days,hospitalisations,deaths,active_at_end,"
      "died_out,lockdown_days,manual_interviews,manual_traced,peak_interview_backlog,vaccinated,"
      "peak_test_backlog,tests_given_up,variant_infections,breakthrough_infections,boosted,"
      "reinfections,screening_samples,region_lockdown_days,imported,app_running_at_end,"
      "dispersion_k,share_for_80,staff_infected,staff_infected_by_patients,staff_rate_ratio,"
      "staff_absent_days,staff_onward_infections,residents_infected,care_homes_with_cases,"
      "resident_deaths,care_staff_infected,manual_traced_backward,tracing_cases,traced_cases,"
      "interviewed_with_infector,infectors_named,infectors_warned,residents_infected_by_visitors,"
      "residents_infected_by_agency,residents_infected_by_agency_from_other_homes,"
      "care_agency_infected,care_home_days_closed,residents_infected_by_staff,"
      "residents_infected_by_residents,manual_traced_from_lists,traced_cases_from_lists,"
      "infectors_named_from_lists,care_outbreak_rounds,care_outbreak_samples,"
      "care_outbreak_positives,manual_names_given_up,self_notifying_cases,self_notified,"
      "traced_cases_self_notified,care_outbreak_agency_samples,self_tests,self_test_positives,"
      "release_tests,quarantines_released,released_infected,symptom_reports,"
      "symptom_reports_infected,self_reports_revoked,revoked_before_upload,revoked_infected,"
      "red_withdrawn,quarantines_withdrawn,withdrawn_infected,self_reports_upgraded,"
      "needless_isolation_person_days,wrongly_red,wrongly_yellow\n";
  for (const auto& p : points) {
    const auto& s = p.summary;
    for (std::size_t i = 0; i < keys.size(); ++i) out += fmt("%.10g,", p.values[i]);
    out += fmt(
        "%.4f,%llu,%u,%u,%llu,%u,%llu,%llu,%llu,%llu,%llu,%.6f,%.6f,%.6f,%.6f,%llu,%llu,%llu,%u,"
        "%d,%u,%llu,%llu,%u,%u,%u,%llu,%llu,%llu,%u,%llu,%llu,%llu,%llu,%u,%.6g,%.6f,%u,%u,%.6g,"
        "%llu,%llu,%u,%u,%u,%u,%llu,%llu,%llu,%llu,%llu,%.6f,%u,%u,%u,%u,%llu,%u,%u,%llu,%llu,%llu,"
        "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,"
        "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu\n",
        p.uptake, static_cast<unsigned long long>(p.seed), s.people, s.app_users,
        static_cast<unsigned long long>(s.infections), s.peak_infectious,
        static_cast<unsigned long long>(s.tests), static_cast<unsigned long long>(s.positives),
        static_cast<unsigned long long>(s.uploads),
        static_cast<unsigned long long>(s.notifications_red),
        static_cast<unsigned long long>(s.notifications_yellow), s.red_precision.value(),
        s.red_recall.value(), s.any_recall.value(), s.notified_infected_by_index.value(),
        static_cast<unsigned long long>(s.isolation_person_days),
        static_cast<unsigned long long>(s.hospitalisations),
        static_cast<unsigned long long>(s.deaths), s.active_at_end, s.died_out() ? 1 : 0,
        s.lockdown_days, static_cast<unsigned long long>(s.manual_interviews),
        static_cast<unsigned long long>(s.manual_traced), s.peak_interview_backlog, s.vaccinated,
        s.peak_test_backlog, static_cast<unsigned long long>(s.tests_given_up),
        static_cast<unsigned long long>(s.variant_infections),
        static_cast<unsigned long long>(s.breakthrough_infections), s.boosted,
        static_cast<unsigned long long>(s.reinfections),
        static_cast<unsigned long long>(s.screening_samples),
        static_cast<unsigned long long>(s.region_lockdown_days),
        static_cast<unsigned long long>(s.imported), s.app_running_at_end, s.dispersion_k,
        s.share_for_80, s.staff_infected, s.staff_infected_by_patients, s.staff_rate_ratio(),
        static_cast<unsigned long long>(s.staff_absent_days),
        static_cast<unsigned long long>(s.staff_onward_infections), s.residents_infected,
        s.care_homes_with_cases, s.resident_deaths, s.care_staff_infected,
        static_cast<unsigned long long>(s.manual_traced_backward),
        static_cast<unsigned long long>(s.tracing_cases),
        static_cast<unsigned long long>(s.traced_cases),
        static_cast<unsigned long long>(s.interviewed_with_infector),
        static_cast<unsigned long long>(s.infectors_named), s.infectors_warned.value(),
        s.residents_infected_by_visitors, s.residents_infected_by_agency,
        s.residents_infected_by_agency_from_other_homes, s.care_agency_infected,
        static_cast<unsigned long long>(s.care_home_days_closed), s.residents_infected_by_staff,
        s.residents_infected_by_residents,
        static_cast<unsigned long long>(s.manual_traced_from_lists),
        static_cast<unsigned long long>(s.traced_cases_from_lists),
        static_cast<unsigned long long>(s.infectors_named_from_lists),
        static_cast<unsigned long long>(s.care_outbreak_rounds),
        static_cast<unsigned long long>(s.care_outbreak_samples),
        static_cast<unsigned long long>(s.care_outbreak_positives),
        static_cast<unsigned long long>(s.manual_names_given_up),
        static_cast<unsigned long long>(s.self_notifying_cases),
        static_cast<unsigned long long>(s.self_notified),
        static_cast<unsigned long long>(s.traced_cases_self_notified),
        static_cast<unsigned long long>(s.care_outbreak_agency_samples),
        static_cast<unsigned long long>(s.self_tests),
        static_cast<unsigned long long>(s.self_test_positives),
        static_cast<unsigned long long>(s.release_tests),
        static_cast<unsigned long long>(s.quarantines_released),
        static_cast<unsigned long long>(s.released_infected),
        static_cast<unsigned long long>(s.symptom_reports),
        static_cast<unsigned long long>(s.symptom_reports_infected),
        static_cast<unsigned long long>(s.self_reports_revoked),
        static_cast<unsigned long long>(s.revoked_before_upload),
        static_cast<unsigned long long>(s.revoked_infected),
        static_cast<unsigned long long>(s.red_withdrawn),
        static_cast<unsigned long long>(s.quarantines_withdrawn),
        static_cast<unsigned long long>(s.withdrawn_infected),
        static_cast<unsigned long long>(s.self_reports_upgraded),
        static_cast<unsigned long long>(s.needless_isolation_person_days),
        static_cast<unsigned long long>(s.wrongly_red),
        static_cast<unsigned long long>(s.wrongly_yellow));
  }
  return out;
}

namespace {

std::map<double, std::vector<const SweepPoint*>> by_uptake(std::span<const SweepPoint> points) {
  std::map<double, std::vector<const SweepPoint*>> m;
  for (const auto& p : points) m[p.uptake].push_back(&p);
  return m;
}

// The points of each combination of the varied settings' values, in value order.
std::map<std::array<double, kMaxVaried>, std::vector<SweepPoint>> by_values(
    std::span<const SweepPoint> points) {
  std::map<std::array<double, kMaxVaried>, std::vector<SweepPoint>> m;
  for (const auto& p : points) m[p.values].push_back(p);
  return m;
}

// "key1 = v1, key2 = v2" (separator ", " and " = "), or "v1/v2" (separator "/", no keys).
std::string combination(std::span<const std::string> keys,
                        const std::array<double, kMaxVaried>& values, bool named) {
  std::string s;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) s += named ? ", " : "/";
    s += named ? fmt("%s = %.10g", keys[i].c_str(), values[i]) : fmt("%.10g", values[i]);
  }
  return s;
}

std::string uptake_table(std::span<const SweepPoint> points);

}  // namespace

std::string format_sweep(std::span<const SweepPoint> points, std::span<const std::string> keys) {
  if (keys.empty()) return uptake_table(points);
  std::string o;
  for (const auto& [values, part] : by_values(points)) {
    o += (o.empty() ? "" : "\n") + combination(keys, values, true) + "\n" + uptake_table(part);
  }
  return o.empty() ? "no runs\n" : o;
}

namespace {

std::string uptake_table(std::span<const SweepPoint> points) {
  const auto groups = by_uptake(points);
  if (groups.empty()) return "no runs\n";
  // The reference is the lowest uptake of the sweep; its infections per seed pair with each
  // other uptake's run of the same seed (same population, same seeded draws but the app's),
  // which separates the app's effect from the seeds' spread.
  const auto& [reference_uptake, reference_runs] = *groups.begin();
  std::map<std::uint64_t, double> reference_by_seed;
  std::map<std::uint64_t, double> reference_deaths_by_seed;
  for (const auto* p : reference_runs) {
    reference_by_seed[p->seed] = static_cast<double>(p->summary.infections);
    reference_deaths_by_seed[p->seed] = static_cast<double>(p->summary.deaths);
  }
  // Uptakes as given (72.5 %, not 73 %: two uptakes must not share a label).
  const auto label = [](double uptake) { return fmt("%g %%", 100 * uptake); };
  int w_uptake = 6;
  for (const auto& [u, ps] : groups) {
    w_uptake = std::max(w_uptake, static_cast<int>(label(u).size()));
  }
  const std::string ref = label(reference_uptake);
  const std::string h_inf = "infected: median [min, max]";
  const std::string h_change = "vs " + ref + ": medians";
  const std::string h_paired = "vs " + ref + ", paired by seed: median [min, max]";
  const auto w_inf = static_cast<int>(h_inf.size());
  const auto w_change = static_cast<int>(h_change.size());
  const auto w_paired = static_cast<int>(h_paired.size());
  const std::string h_deaths = "deaths: median (paired)";
  const auto w_deaths = static_cast<int>(h_deaths.size());
  // With a lockdown (any run locked down), the median of the days everyone was locked down.
  const bool lockdowns = std::any_of(points.begin(), points.end(), [](const SweepPoint& p) {
    return p.summary.lockdown_days > 0;
  });
  // With a regional lockdown (any region locked down), the median of the region-days.
  const bool regional = std::any_of(points.begin(), points.end(), [](const SweepPoint& p) {
    return p.summary.region_lockdown_days > 0;
  });
  // With care homes: the residents infected (median [min, max]) and died (median).
  const bool homes = std::any_of(points.begin(), points.end(),
                                 [](const SweepPoint& p) { return p.summary.residents > 0; });
  const std::string h_residents = "residents infected: median [min, max]  residents died";
  std::string o = fmt(
      "%*s  runs  ended / died out  %s  %s  %s  %s  RED (median)  RED precision  any "
      "recall%s%s%s%s\n",
      w_uptake, "uptake", h_inf.c_str(), h_change.c_str(), h_paired.c_str(), h_deaths.c_str(),
      lockdowns ? "  lockdown days (median)" : "", regional ? "  region-days locked (median)" : "",
      homes ? "  " : "", homes ? h_residents.c_str() : "");
  double reference = -1;
  bool fewer_pairs = false;  // a paired change over fewer seeds than the uptake's runs
  for (const auto& [u, ps] : groups) {
    std::vector<double> inf, red, prec, rec, paired, deaths, deaths_paired, locked, region_days;
    std::vector<double> residents, resident_deaths;
    std::size_t ended = 0;
    std::size_t died_out = 0;
    for (const auto* p : ps) {
      if (p->summary.active_at_end == 0) ++ended;
      if (p->summary.died_out()) ++died_out;
      const auto infections = static_cast<double>(p->summary.infections);
      inf.push_back(infections);
      red.push_back(static_cast<double>(p->summary.notifications_red));
      // A share of nothing (no RED notification, no close contact: uptake 0) is left out.
      if (p->summary.red_precision.total > 0) prec.push_back(p->summary.red_precision.value());
      if (p->summary.any_recall.total > 0) rec.push_back(p->summary.any_recall.value());
      locked.push_back(p->summary.lockdown_days);
      region_days.push_back(static_cast<double>(p->summary.region_lockdown_days));
      residents.push_back(p->summary.residents_infected);
      resident_deaths.push_back(p->summary.resident_deaths);
      const auto it = reference_by_seed.find(p->seed);
      if (it != reference_by_seed.end() && it->second > 0) {
        paired.push_back(100 * (infections - it->second) / it->second);
      }
      const auto died = static_cast<double>(p->summary.deaths);
      deaths.push_back(died);
      const auto dt = reference_deaths_by_seed.find(p->seed);
      if (dt != reference_deaths_by_seed.end() && dt->second > 0) {
        deaths_paired.push_back(100 * (died - dt->second) / dt->second);
      }
    }
    const double mi = internal::median(inf);
    if (reference < 0) reference = mi;
    const std::string range =
        fmt("%.0f [%.0f, %.0f]", mi, *std::min_element(inf.begin(), inf.end()),
            *std::max_element(inf.begin(), inf.end()));
    const std::string change =
        reference > 0 ? fmt("%+.1f %%", 100 * (mi - reference) / reference) : std::string("-");
    // A seed whose reference run had no infection (or death) gives no relative change: the
    // pairs left are counted when they are fewer than the runs.
    const auto pairs = [&](std::size_t n) {
      if (n == ps.size()) return std::string();
      fewer_pairs = true;
      return fmt(" n=%zu", n);
    };
    std::string pair = "-";
    if (!paired.empty()) {
      pair = fmt("%+.1f %% [%+.1f, %+.1f]", internal::median(paired),
                 *std::min_element(paired.begin(), paired.end()),
                 *std::max_element(paired.begin(), paired.end())) +
             pairs(paired.size());
    }
    std::string died = fmt("%.0f", internal::median(deaths));
    if (!deaths_paired.empty()) {
      died += fmt(" (%+.1f %%%s)", internal::median(deaths_paired),
                  pairs(deaths_paired.size()).c_str());
    }
    o += fmt("%*s  %4zu  %16s  %*s  %*s  %*s  %*s  %12.0f  %13s  %10s", w_uptake, label(u).c_str(),
             ps.size(), fmt("%zu / %zu", ended, died_out).c_str(), w_inf, range.c_str(), w_change,
             change.c_str(), w_paired, pair.c_str(), w_deaths, died.c_str(), internal::median(red),
             prec.empty() ? "-" : pct(internal::median(prec)).c_str(),
             rec.empty() ? "-" : pct(internal::median(rec)).c_str());
    if (lockdowns) o += fmt("  %22.1f", internal::median(locked));
    if (regional) o += fmt("  %28.1f", internal::median(region_days));
    if (homes) {
      const std::string infected = fmt("%.0f [%.0f, %.0f]", internal::median(residents),
                                       *std::min_element(residents.begin(), residents.end()),
                                       *std::max_element(residents.begin(), residents.end()));
      o += fmt("  %37s  %15.0f", infected.c_str(), internal::median(resident_deaths));
    }
    o += "\n";
  }
  if (fewer_pairs) {
    o += "n=K: the paired change over K seeds only (the others had no infection, or no death, "
         "at the reference uptake, or no run there)\n";
  }
  return o;
}

}  // namespace

PlotResult write_sweep_plot(const std::filesystem::path& dir, std::span<const SweepPoint> points,
                            std::span<const std::string> keys) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!keys.empty()) {
    // One block of infections (median, min, max over seeds) against uptake per combination.
    std::string data;
    std::string titles;
    const auto combinations = by_values(points);
    if (combinations.empty()) return {{}, "no runs: sweep plot skipped"};
    for (const auto& [values, part] : combinations) {
      for (const auto& [u, ps] : by_uptake(part)) {
        std::vector<double> inf;
        for (const auto* p : ps) inf.push_back(static_cast<double>(p->summary.infections));
        data += fmt("%.4f %.1f %.1f %.1f\n", 100 * u, internal::median(inf),
                    *std::min_element(inf.begin(), inf.end()),
                    *std::max_element(inf.begin(), inf.end()));
      }
      data += "\n\n";
      titles += (titles.empty() ? "" : " ") + combination(keys, values, false);
    }
    const auto data_path = dir / "sweep_data.txt";
    if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
    std::string names;
    for (std::size_t i = 0; i < keys.size(); ++i) names += (i > 0 ? " / " : "") + keys[i];
    std::string body = "set title 'Infections against app uptake, for each " + names +
                       "' noenhanced\nset xlabel 'app uptake (% of people)'\n"
                       "set ylabel 'infected (median over seeds, range)'\nset grid\n"
                       "set key top right noenhanced\nset yrange [0:*]\n"
                       "values = '" +
                       titles + "'\n";
    body += fmt("plot for [i=0:%zu] ", combinations.size() - 1) + quote(data_path) +
            " index i using 1:2:3:4 with yerrorlines lw 2 pt 7 title '" + names +
            " = '.word(values, i + 1)\n";
    return draw(dir, "sweep", body);
  }
  std::string data;
  // Per uptake: infections and deaths, each as median, min and max over the seeds.
  for (const auto& [u, ps] : by_uptake(points)) {
    std::vector<double> inf;
    std::vector<double> deaths;
    for (const auto* p : ps) {
      inf.push_back(static_cast<double>(p->summary.infections));
      deaths.push_back(static_cast<double>(p->summary.deaths));
    }
    data +=
        fmt("%.4f %.1f %.1f %.1f %.1f %.1f %.1f\n", 100 * u, internal::median(inf),
            *std::min_element(inf.begin(), inf.end()), *std::max_element(inf.begin(), inf.end()),
            internal::median(deaths), *std::min_element(deaths.begin(), deaths.end()),
            *std::max_element(deaths.begin(), deaths.end()));
  }
  const auto data_path = dir / "sweep_data.txt";
  if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
  std::string body =
      "set title 'Infections and deaths against app uptake'\n"
      "set xlabel 'app uptake (% of people)'\nset ylabel 'infected (median over seeds, range)'\n"
      "set y2label 'deaths (median over seeds, range)'\nset y2tics\nset ytics nomirror\n"
      "set grid\nset key top right\n";
  body += "plot " + quote(data_path) +
          " using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb '#2166ac' title 'infected', '' using "
          "1:5:6:7 axes x1y2 with yerrorlines lw 2 pt 5 dt 2 lc rgb '#b2182b' title 'deaths'\n";
  return draw(dir, "sweep", body);
}

namespace {
std::mutex written_mutex;
std::vector<std::filesystem::path> written;  // by write_file, since take_written_files
}  // namespace

std::vector<std::filesystem::path> take_written_files() {
  const std::lock_guard lock(written_mutex);
  return std::exchange(written, {});
}

Status write_file(const std::filesystem::path& path, std::string_view text) {
  {
    const std::lock_guard lock(written_mutex);
    written.push_back(path);
  }
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return make_error(ErrorCode::kIo,
                      "cannot open " + path.string() + " for writing: " + std::strerror(errno));
  }
  // A full disk shows at the write or only at the close, which flushes the buffer.
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_errno = errno;
  if (std::fclose(f) != 0 || !written) {
    return make_error(ErrorCode::kIo, "cannot write " + path.string() + ": " +
                                          std::strerror(written ? errno : write_errno));
  }
  return ok();
}

}  // namespace greenlight::sim
