#include "upload_test_support.h"

#include <catch2/catch.hpp>
#include <stdexcept>

#include "greenlight/server/venue_warnings.h"

namespace greenlight::upload_test {

std::string base_url(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

const EcdsaP256PrivateKey& venue_authority_key() {
  static const EcdsaP256PrivateKey key = [] {
    auto k = EcdsaP256PrivateKey::generate();
    if (!k) throw std::runtime_error("cannot generate the venue authority key");
    return *k;
  }();
  return key;
}

server::testing::TestServerConfig server_with_venues() {
  server::testing::TestServerConfig config;
  config.before_start = [](server::Server& s) {
    server::VenueWarningConfig venues;
    venues.authority_key = venue_authority_key();
    REQUIRE(s.add_module(std::make_shared<server::VenueWarningModule>(venues)));
  };
  return config;
}

Result<client::TransportResponse> RecordingTransport::send(
    const client::TransportRequest& request) {
  std::string path = request.url;
  if (path.starts_with(base_)) path.erase(0, base_.size());
  sent.push_back(
      Sent{std::string(client::http_method_name(request.method)), path, request.body.size()});
  const std::size_t n = sent.size();
  if (n == fail_before) return make_error(ErrorCode::kUnavailable, "injected: network down");
  auto response = inner_.send(request);
  if (n == drop_response_of) {
    return make_error(ErrorCode::kIo, "injected: connection lost before the answer");
  }
  return response;
}

Phone::Phone(std::filesystem::path db, const client::Clock& c, const EcdsaP256PublicKey& export_key,
             std::uint64_t seed)
    : path(std::move(db)), clock(c), rng(seed) {
  config.trusted_keys.push_back(wire::TrustedSigningKey{"test", "v1", export_key});
  reopen();
}

void Phone::reopen() {
  client.reset();
  auto opened = client::Client::open(path.string(), config, clock, rng);
  if (!opened) FAIL("open client: " << opened.error().message);
  client = std::move(*opened);
}

client::Colour Phone::colour() {
  auto decision = client->colour();
  REQUIRE(decision);
  return decision->colour;
}

World::World() { set_time(kYesterday); }

void World::set_time(std::int64_t t) {
  clock.set(t);
  server.clock().set(t);
}

std::unique_ptr<Phone> World::phone(const std::string& name, std::uint64_t seed) {
  return std::make_unique<Phone>(phone_dir.path() / (name + ".db"), clock,
                                 server.export_public_key(), seed);
}

void World::meet(Phone& me, Phone& positive) {
  set_time(kYesterday + 10 * kHour);
  for (int scan = 0; scan < 6; ++scan) {
    auto ad = positive.client->advertisement();
    REQUIRE(ad);
    REQUIRE(me.client->record_observation(client::Observation{ad->rpi, ad->aem, -65}));
    set_time(clock.now() + 300);
  }
}

std::size_t World::export_real_keys() {
  set_time(clock.now() + kHour);
  auto run = server.server().export_now();
  REQUIRE(run);
  return run->has_value() ? (*run)->real_keys : 0;
}

}  // namespace greenlight::upload_test
