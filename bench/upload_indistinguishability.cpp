// Can a network observer tell real uploads from chaff? (issue 11 item 8; reference/security.md
// A19, A30.) Starts the real server in-process on loopback (SQLite WAL, synchronous=FULL,
// group commit, venue module) and runs N real and N chaff phone flows (POST /v1/verify ->
// /v1/certificate -> /v1/publish with 14 keys and 112 venue reports, bodies shaped like
// sim/src/server_publisher.cpp and padded to 1 KiB as a phone pads them) in one random
// interleaved order, each flow on a new connection. It does so twice: with the response
// deadline off and on. Per endpoint it prints the median latency of real and chaff requests,
// the AUC of real vs chaff latency (Mann-Whitney U / (n1 n2): 0.5 = indistinguishable, 0 or 1
// = a perfect classifier), whether request and response sizes and statuses are equal, and
// what the deadline costs a real upload; "late" counts responses that overran the deadline and
// left at a later step of its grid. Figures and command: docs/server.md "Answering alike".
//
//   greenlight_bench_upload_indistinguishability [--flows 200] [--deadline-ms 100]
//       [--parallel 1] [--seed 1] [--keys 14] [--venue-reports 112]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/random.h"
#include "greenlight/server/http_client.h"
#include "greenlight/server/server.h"
#include "greenlight/server/venue_warnings.h"
#include "greenlight/wire/upload_auth.h"

namespace {

using namespace greenlight;
using namespace greenlight::server;
namespace json = boost::json;
using Steady = std::chrono::steady_clock;

constexpr char kHaKey[] = "indistinguishability-bench-health-authority-key";
constexpr std::size_t kRequestBucket = 1024;
constexpr std::size_t kVenueReportBytes = 76;
constexpr std::array<const char*, 3> kEndpoints = {"/v1/verify", "/v1/certificate", "/v1/publish"};

struct Sample {
  double ms = 0;
  std::size_t request_bytes = 0;
  std::size_t response_bytes = 0;
  unsigned status = 0;
};

// samples[real ? 0 : 1][endpoint index]; flow_ms[real ? 0 : 1].
struct Results {
  std::mutex mutex;
  std::array<std::array<std::vector<Sample>, 3>, 2> samples;
  std::array<std::vector<double>, 2> flow_ms;
  std::size_t errors = 0;
};

// The body with a "padding" member so that its serialized size is a multiple of the bucket
// (as the server pads its responses): real and chaff requests then have one size.
std::string padded(json::object body) {
  body["padding"] = "";
  std::string text = json::serialize(body);
  if (text.size() % kRequestBucket != 0) {
    body["padding"] = std::string(kRequestBucket - text.size() % kRequestBucket, 'p');
    text = json::serialize(body);
  }
  return text;
}

std::vector<TemporaryExposureKey> make_keys(std::size_t n, std::int64_t now) {
  std::vector<TemporaryExposureKey> keys(n);
  const std::uint32_t today = day_start(interval_from_unix_seconds(now)).value;
  for (std::size_t i = 0; i < n; ++i) {
    system_random().fill(keys[i].key_data.mutable_span());
    keys[i].rolling_start_interval_number = {today -
                                             static_cast<std::uint32_t>(i + 1) * kTekRollingPeriod};
    keys[i].transmission_risk_level = 1;
  }
  return keys;
}

std::string random_digits(std::size_t n) {
  Bytes b(n);
  system_random().fill(b);
  std::string s;
  for (auto x : b) s += static_cast<char>('0' + x % 10);
  return s;
}

// One phone flow; returns false on any unexpected answer.
bool run_flow(const HttpClientOptions& options, bool real, std::size_t nkeys, std::size_t nreports,
              std::int64_t now, Results& results) {
  std::string code = random_digits(20);  // a chaff flow sends a random code of the same shape
  if (real) {
    HttpClient ha(options);
    auto r = ha.post_json("/v1/codes", R"({"kind":"long"})", kHaKey);
    if (!r || r->status != 200) return false;
    code = std::string(json::parse(r->body).at("code").as_string());
  }
  const auto keys = make_keys(nkeys, now);
  Bytes hmac_key(32);
  system_random().fill(hmac_key);
  json::array reports;
  for (std::size_t i = 0; i < nreports; ++i) {
    Bytes report(kVenueReportBytes);
    system_random().fill(report);
    reports.push_back(json::string(base64_encode(report)));
  }

  HttpClient phone(options);
  std::array<Sample, 3> steps;
  auto post = [&](std::size_t i, const std::string& body) -> std::optional<json::object> {
    const auto t = Steady::now();
    auto r = phone.post_json(kEndpoints[i], body);
    steps[i].ms = std::chrono::duration<double, std::milli>(Steady::now() - t).count();
    if (!r) return std::nullopt;
    steps[i].request_bytes = phone.last_request_bytes();
    steps[i].response_bytes = phone.last_response_bytes();
    steps[i].status = r->status;
    if (r->status != 200) return std::nullopt;
    return json::parse(r->body).as_object();
  };
  const auto flow_start = Steady::now();
  auto verified = post(0, padded({{"code", code}, {"chaff", !real}}));
  if (!verified) return false;
  auto certified = post(1, padded({{"token", verified->at("token")},
                                   {"tekmac", base64_encode(wire::compute_tekmac(hmac_key, keys))},
                                   {"chaff", !real}}));
  if (!certified) return false;
  json::array key_list;
  for (const auto& k : keys) {
    key_list.push_back(
        json::object{{"key", base64_encode(k.key_data.span())},
                     {"rolling_start_interval_number", k.rolling_start_interval_number.value},
                     {"rolling_period", k.rolling_period},
                     {"transmission_risk_level", k.transmission_risk_level}});
  }
  auto published = post(2, padded({{"keys", std::move(key_list)},
                                   {"certificate", certified->at("certificate")},
                                   {"hmac_key", base64_encode(hmac_key)},
                                   {"venue_reports", std::move(reports)},
                                   {"chaff", !real}}));
  if (!published) return false;
  const double flow_ms =
      std::chrono::duration<double, std::milli>(Steady::now() - flow_start).count();
  std::lock_guard lock(results.mutex);
  for (std::size_t i = 0; i < 3; ++i) results.samples[real ? 0 : 1][i].push_back(steps[i]);
  results.flow_ms[real ? 0 : 1].push_back(flow_ms);
  return true;
}

// P(real > chaff) + P(real == chaff) / 2 over all pairs: Mann-Whitney U / (n1 n2), with
// average ranks for ties.
double auc(const std::vector<double>& real, const std::vector<double>& chaff) {
  std::vector<std::pair<double, int>> all;
  for (double v : real) all.emplace_back(v, 0);
  for (double v : chaff) all.emplace_back(v, 1);
  std::sort(all.begin(), all.end());
  double rank_sum_real = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k) {
      if (all[k].second == 0) rank_sum_real += average_rank;
    }
    i = j;
  }
  const double n1 = static_cast<double>(real.size());
  const double n2 = static_cast<double>(chaff.size());
  if (n1 == 0 || n2 == 0) return 0.5;
  return (rank_sum_real - n1 * (n1 + 1) / 2) / (n1 * n2);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// "1187" if every value is the same, else "min..max".
template <class F>
std::string spread(const std::vector<Sample>& a, const std::vector<Sample>& b, F field) {
  std::size_t lo = SIZE_MAX, hi = 0;
  for (const auto* v : {&a, &b}) {
    for (const auto& s : *v) {
      lo = std::min<std::size_t>(lo, field(s));
      hi = std::max<std::size_t>(hi, field(s));
    }
  }
  return lo == hi ? std::to_string(lo) + " equal"
                  : std::to_string(lo) + ".." + std::to_string(hi) + " DIFFER";
}

struct Run {
  std::array<double, 3> auc{};
  std::array<double, 2> flow_p50{}, flow_p99{};
  bool sizes_equal = true;
};

Run measure(std::chrono::milliseconds deadline, std::size_t flows, std::size_t parallel,
            std::uint64_t seed, std::size_t nkeys, std::size_t nreports) {
  char dir_template[] = "/tmp/greenlight-indist-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(dir_template);
  const std::int64_t now = std::time(nullptr);
  Run out;
  {
    ServerOptions so;
    so.database_path = dir / "server.db";
    so.export_directory = dir / "site";
    so.http.response_deadline = deadline;
    so.retention_period_seconds = 0;
    ServerKeys keys{{wire::ExportSigner{{"v1", "bench", wire::kEcdsaP256Sha256Oid},
                                        *EcdsaP256PrivateKey::generate()}},
                    *EcdsaP256PrivateKey::generate(),
                    {kHaKey},
                    {}};
    ServerEnvironment env;
    env.log_sink = [](std::string_view) {};
    auto server = Server::create(std::move(so), std::move(keys), std::move(env));
    if (!server) {
      std::fprintf(stderr, "server: %s\n", server.error().message.c_str());
      std::exit(1);
    }
    if (auto s = (*server)->add_module(std::make_shared<VenueWarningModule>()); !s) {
      std::fprintf(stderr, "venue module: %s\n", s.error().message.c_str());
      std::exit(1);
    }
    auto port = (*server)->start();
    if (!port) {
      std::fprintf(stderr, "server: %s\n", port.error().message.c_str());
      std::exit(1);
    }
    HttpClientOptions options;
    options.port = *port;

    // N real and N chaff flows in one random order.
    std::vector<char> plan(2 * flows, 0);  // 1 = real
    std::fill(plan.begin(), plan.begin() + static_cast<std::ptrdiff_t>(flows), 1);
    std::mt19937_64 rng(seed);
    std::shuffle(plan.begin(), plan.end(), rng);
    Results results;
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < std::max<std::size_t>(1, parallel); ++t) {
      threads.emplace_back([&] {
        for (std::size_t i = next++; i < plan.size(); i = next++) {
          if (!run_flow(options, plan[i] != 0, nkeys, nreports, now, results)) {
            std::lock_guard lock(results.mutex);
            ++results.errors;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    (*server)->stop();

    std::printf("\nresponse deadline %s: %zu real + %zu chaff flows (%zu errors), parallel %zu\n",
                deadline.count() == 0 ? "off" : (std::to_string(deadline.count()) + " ms").c_str(),
                results.flow_ms[0].size(), results.flow_ms[1].size(), results.errors, parallel);
    std::printf("%-22s %9s %9s %6s  %-16s %-16s %-10s %s\n", "endpoint", "real p50", "chaff p50",
                "AUC", "request bytes", "response bytes", "status", "late real/chaff");
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& real = results.samples[0][i];
      const auto& chaff = results.samples[1][i];
      std::vector<double> rl, cl;
      for (const auto& s : real) rl.push_back(s.ms);
      for (const auto& s : chaff) cl.push_back(s.ms);
      out.auc[i] = auc(rl, cl);
      const std::string req = spread(real, chaff, [](const Sample& s) { return s.request_bytes; });
      const std::string resp =
          spread(real, chaff, [](const Sample& s) { return s.response_bytes; });
      const std::string status = spread(real, chaff, [](const Sample& s) { return s.status; });
      out.sizes_equal = out.sizes_equal && req.ends_with("equal") && resp.ends_with("equal") &&
                        status.ends_with("equal");
      // Responses that missed the first deadline and left at a later step of the grid.
      auto late = [&](const std::vector<double>& v) {
        if (deadline.count() == 0) return std::string("-");
        const double limit = 1.5 * static_cast<double>(deadline.count());
        return std::to_string(
            std::count_if(v.begin(), v.end(), [&](double x) { return x > limit; }));
      };
      std::printf("POST %-17s %9.2f %9.2f %6.3f  %-16s %-16s %-10s %s/%s\n", kEndpoints[i],
                  percentile(rl, 0.5), percentile(cl, 0.5), out.auc[i], req.c_str(), resp.c_str(),
                  status.c_str(), late(rl).c_str(), late(cl).c_str());
    }
    for (std::size_t k = 0; k < 2; ++k) {
      out.flow_p50[k] = percentile(results.flow_ms[k], 0.5);
      out.flow_p99[k] = percentile(results.flow_ms[k], 0.99);
    }
    std::printf("%-22s %9.2f %9.2f %6.3f  (p99 real %.2f, chaff %.2f)\n", "whole flow (3 req.)",
                out.flow_p50[0], out.flow_p50[1], auc(results.flow_ms[0], results.flow_ms[1]),
                out.flow_p99[0], out.flow_p99[1]);
  }
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"real vs chaff upload flows: latency AUC and sizes per endpoint"};
  std::size_t flows = 200;
  std::int64_t deadline_ms = kDefaultResponseDeadline.count();
  std::size_t parallel = 1;
  std::uint64_t seed = 1;
  std::size_t nkeys = 14;
  std::size_t nreports = 112;
  app.add_option("--flows", flows, "Real flows, and as many chaff flows (default 200)");
  app.add_option("--deadline-ms", deadline_ms, "Response deadline of the second run (default 100)")
      ->check(CLI::PositiveNumber);
  app.add_option("--parallel", parallel, "Flows at a time (default 1)")->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "Seed of the real/chaff order (default 1)");
  app.add_option("--keys", nkeys, "Keys per upload (default 14)");
  app.add_option("--venue-reports", nreports, "Venue reports per upload (default 112)");
  CLI11_PARSE(app, argc, argv);

  const Run off = measure(std::chrono::milliseconds(0), flows, parallel, seed, nkeys, nreports);
  const Run on =
      measure(std::chrono::milliseconds(deadline_ms), flows, parallel, seed, nkeys, nreports);

  bool met = on.sizes_equal;
  for (double a : on.auc) met = met && a >= 0.4 && a <= 0.6;
  std::printf(
      "\ncost of equalisation for a real upload (3 requests): p50 %.1f -> %.1f ms "
      "(+%.1f), p99 %.1f -> %.1f ms\n",
      off.flow_p50[0], on.flow_p50[0], on.flow_p50[0] - off.flow_p50[0], off.flow_p99[0],
      on.flow_p99[0]);
  std::printf("target (deadline on: every AUC within 0.5 +- 0.1, equal sizes and statuses): %s\n",
              met ? "met" : "MISSED");
  return 0;
}
