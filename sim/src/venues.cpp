#include "greenlight/sim/venues.h"

#include "greenlight/crypto/random.h"
#include "greenlight/wire/venue.h"
#include "internal/rng.h"

namespace greenlight::sim {
namespace {

std::string tag_key(const VenueLocationTag& tag) {
  return {reinterpret_cast<const char*>(tag.data()), tag.size()};
}

}  // namespace

Result<VenueDirectory> VenueDirectory::create(const Population& population, std::uint64_t seed) {
  VenueDirectory dir;
  SeededRandom rng(internal::stream_key(seed, internal::kPurposeVenuePayload));
  const auto n = static_cast<std::uint32_t>(population.venue_kind.size());
  dir.urls_.reserve(n);
  dir.ids_.reserve(n);
  dir.tags_.reserve(n);
  for (std::uint32_t v = 0; v < n; ++v) {
    wire::VenueInfo info;
    switch (population.venue_kind[v]) {
      case VenueKind::kShop:
        info.description = "Shop " + std::to_string(v);
        info.type = wire::VenueType::kRetail;
        info.default_checkin_minutes = 30;
        break;
      case VenueKind::kRestaurant:
        info.description = "Restaurant " + std::to_string(v);
        info.type = wire::VenueType::kFoodService;
        info.default_checkin_minutes = 90;
        break;
      case VenueKind::kEvent:
        info.description = "Event hall " + std::to_string(v);
        info.type = wire::VenueType::kCulturalEvent;
        info.default_checkin_minutes = 180;
        break;
    }
    info.address = "Simulated Street " + std::to_string(v % 997 + 1);
    auto created = wire::new_venue(info, rng);
    GL_RETURN_IF_ERROR(created);
    auto owner = wire::venue_owner_key(created->owner_seed);
    GL_RETURN_IF_ERROR(owner);
    auto raw = wire::encode_venue_payload(created->payload);
    GL_RETURN_IF_ERROR(raw);
    auto url = wire::venue_url(wire::kDefaultVenueBaseUrl, *raw);
    GL_RETURN_IF_ERROR(url);
    // What a phone does when it scans the poster.
    auto scanned = wire::parse_venue_url(*url);
    GL_RETURN_IF_ERROR(scanned);
    dir.by_tag_.emplace(tag_key(scanned->location_tag), v);
    dir.urls_.push_back(std::move(*url));
    dir.ids_.push_back(scanned->location_id);
    dir.tags_.push_back(scanned->location_tag);
    dir.owner_public_keys_.push_back(scanned->payload.owner_public_key);
    dir.owners_.push_back(std::move(*owner));
  }
  return dir;
}

Result<SealedVenueWarning> VenueDirectory::release(std::uint32_t venue,
                                                   const SealedVenueReport& pending,
                                                   RandomSource& rng) const {
  // As client::release_visitor_reports does for a host: open with the payload, re-seal signed.
  auto record = open_venue_report(ids_[venue], pending);
  GL_RETURN_IF_ERROR(record);
  return seal_venue_warning(ids_[venue], *record, VenueWarningOrigin::kVisitorRelease,
                            owners_[venue], rng);
}

std::optional<std::uint32_t> VenueDirectory::find(const VenueLocationTag& tag) const {
  auto it = by_tag_.find(tag_key(tag));
  if (it == by_tag_.end()) return std::nullopt;
  return it->second;
}

}  // namespace greenlight::sim
