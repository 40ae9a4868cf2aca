// `greenlight risk`: exposure risk from exposure windows (docs/cli.md, docs/risk.md).
//
//   greenlight risk score --config FILE --windows FILE [--today DATE]
//
// scores the windows with a Corona-Warn-App risk calculation configuration exactly as CWA's
// apps do and prints the result as one JSON object.
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "greenlight/client/clock.h"
#include "greenlight/client/cwa_risk.h"
#include "text_file.h"
#include "utc_time.h"

namespace greenlight::cli {
namespace {

constexpr std::uintmax_t kMaxJsonBytes = 16u << 20;

struct ScoreOptions {
  std::string config_path;
  std::string windows_path;
  std::string today;
};

void run_score(const ScoreOptions& options) {
  auto parameters = client::cwa::risk_parameters_from_json(
      read_input_file("--config", options.config_path, kMaxJsonBytes));
  if (!parameters) throw CommandError{"--config: " + parameters.error().message};
  const std::int64_t now = options.today.empty() ? client::SystemClock().now()
                                                 : parse_utc_time("--today", options.today);
  const std::int64_t today = client::utc_day_start(now);
  auto windows = client::cwa::windows_from_json(
      read_input_file("--windows", options.windows_path, kMaxJsonBytes), today);
  if (!windows) throw CommandError{"--windows: " + windows.error().message};
  auto result = client::cwa::aggregate(*windows, *parameters, today);
  if (!result) throw CommandError{result.error().message};
  std::fputs(client::cwa::result_to_json(*result, today).c_str(), stdout);
}

void setup_risk(CLI::App& app) {
  CLI::App* risk = app.add_subcommand("risk", "Exposure risk from exposure windows");
  risk->require_subcommand(1);

  auto options = std::make_shared<ScoreOptions>();
  CLI::App* score = risk->add_subcommand(
      "score", "Score exposure windows with a Corona-Warn-App risk configuration; prints JSON");
  score
      ->add_option("--config", options->config_path,
                   "CWA risk calculation parameters (JSON, CWA's member names)")
      ->required();
  score
      ->add_option("--windows", options->windows_path,
                   "Exposure windows (JSON: {\"exposureWindows\": [...]}, CWA's test-case shape)")
      ->required();
  score->add_option("--today", options->today,
                    "The phone's date for ageInDays and maxEncounterAgeInDays (UTC; default now)");
  score->callback([options] { run_score(*options); });
}

}  // namespace

GREENLIGHT_REGISTER_COMMAND(risk, setup_risk);

}  // namespace greenlight::cli
