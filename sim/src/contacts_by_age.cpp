// The model's contact matrix by age group (report.h ContactsByAge): one typical day of the
// contact generator, every contact counted for both of its people.
#include <string>

#include "greenlight/sim/report.h"
#include "internal/contacts.h"
#include "internal/parallel.h"

namespace greenlight::sim {
namespace {

constexpr std::size_t kCommunityLayers = static_cast<std::size_t>(Layer::kVenue) + 1;

// Salt of the typical day's contact streams (never a simulated day's, nor calibration's).
constexpr std::uint64_t kTypicalDaySalt = 0xa9e;

std::string age_label(std::size_t g) {
  return g + 1 < kAgeGroups ? strprintf("%zu-%zu", 10 * g, 10 * g + 9) : "80+";
}

}  // namespace

ContactsByAge contacts_by_age(const SimConfig& config, const Population& pop) {
  using Counts = std::array<std::array<std::array<std::uint64_t, kAgeGroups>, kAgeGroups>, kLayers>;
  internal::ContactGenerator generator(config, pop);
  // Nobody isolates; care-home residents stay in their homes (whose contacts, as a
  // hospital's, are not among the community layers counted here).
  std::vector<std::uint8_t> everyone(pop.size(), internal::kMeetsAll);
  for (const std::uint32_t p : pop.care_residents) everyone[p] = internal::kInCareHome;
  const std::uint32_t threads = std::max<std::uint32_t>(1, config.run.threads);
  generator.prepare_day(0, everyone, kTypicalDaySalt, threads);
  std::vector<Counts> shards(internal::kShards, Counts{});
  internal::parallel_for(threads, internal::kShards, [&](std::uint32_t shard, std::uint32_t) {
    Counts& n = shards[shard];
    generator.generate(shard, [&](const internal::Contact& c) {
      const auto l = static_cast<std::size_t>(c.layer);
      const std::uint8_t a = pop.age_group[c.a];
      const std::uint8_t b = pop.age_group[c.b];
      ++n[l][a][b];
      ++n[l][b][a];
    });
  });
  ContactsByAge m;
  for (const std::uint8_t g : pop.age_group) ++m.people[g];
  for (const Counts& n : shards) {
    for (std::size_t l = 0; l < kLayers; ++l) {
      for (std::size_t i = 0; i < kAgeGroups; ++i) {
        for (std::size_t j = 0; j < kAgeGroups; ++j) {
          m.per_person[l][i][j] += static_cast<double>(n[l][i][j]);
        }
      }
    }
  }
  for (auto& layer : m.per_person) {
    for (std::size_t i = 0; i < kAgeGroups; ++i) {
      for (double& x : layer[i]) x = m.people[i] > 0 ? x / m.people[i] : 0.0;
    }
  }
  return m;
}

std::string contacts_by_age_csv(const ContactsByAge& m) {
  std::string out = "layer,age_group,contact_age_group,contacts_per_person_day\n";
  // A typical day has no patients in hospital: the community layers only.
  for (std::size_t l = 0; l < kCommunityLayers; ++l) {
    const std::string layer(layer_name(static_cast<Layer>(l)));
    for (std::size_t i = 0; i < kAgeGroups; ++i) {
      for (std::size_t j = 0; j < kAgeGroups; ++j) {
        out += strprintf("%s,%s,%s,%.6g\n", layer.c_str(), age_label(i).c_str(),
                         age_label(j).c_str(), m.per_person[l][i][j]);
      }
    }
  }
  return out;
}

std::string format_contacts_by_age(const ContactsByAge& m) {
  std::string o =
      "\nContacts a day per person (a typical day: nobody isolating, no lockdown; "
      "contacts_by_age.csv by age of both)\n"
      "  age (years)   household  school/work   random   venues    all\n";
  for (std::size_t i = 0; i < kAgeGroups; ++i) {
    std::array<double, kLayers> by_layer{};
    double all = 0;
    for (std::size_t l = 0; l < kCommunityLayers; ++l) {
      for (const double x : m.per_person[l][i]) by_layer[l] += x;
      all += by_layer[l];
    }
    o += strprintf("  %-12s %10.2f %12.2f %8.2f %8.2f %6.2f\n", age_label(i).c_str(), by_layer[0],
                   by_layer[1], by_layer[2], by_layer[3], all);
  }
  return o;
}

}  // namespace greenlight::sim
