// The upload phase (12:00): every positive app user who consented uploads its last 14
// daily keys with the venue reports of its infectious days, sealed for each venue, through
// the KeyPublisher (with the ServerPublisher: the client library's Uploader against the
// real server); each venue's owner releases the reports of its venue. The health authority
// states the symptom onset it recorded. It owns the ground truth of who uploaded which key
// (the sync phase takes it when the key is published; phones never see it).
// Not thread-safe (the simulation calls it from one thread).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/result.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/simulation.h"
#include "internal/contact_phase.h"
#include "internal/health_phase.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

// The uploader of a published key and the simulation day the key was valid on.
struct KeyOwner {
  std::uint32_t person = kNoPerson;
  std::uint32_t day = 0;
};

class UploadPhase {
 public:
  UploadPhase(const World& world, KeyPublisher& publisher) : w_(world), publisher_(publisher) {}

  [[nodiscard]] Status run(std::uint32_t t, std::int64_t now,
                           std::span<const std::uint32_t> uploaders, const HealthPhase& health,
                           const ContactPhase& contacts, DailyStats& st);
  // The owner of an uploaded key, once: a key is published once, so its entry goes.
  std::optional<KeyOwner> take_owner(const ByteArray<16>& key_data);
  // app.revoke_on_negative, upgrade_on_positive: the uploaded self-reports of
  // health.revisions() revised through the publisher (the keys of the upload, the report's
  // onset), counted in st.revocations or st.upgrades; a key not published yet is published
  // with its new type (revoked: never). A revision of a report whose upload never happened
  // revises nothing.
  [[nodiscard]] Status revise(std::int64_t now, const HealthPhase& health, DailyStats& st);
  // A revised key's owner, the key as it was published (report type and days since onset:
  // what the phones scored) and its new report type, once (as take_owner).
  struct RevisedKey {
    KeyOwner owner;
    TemporaryExposureKey published;
    ReportType type = ReportType::kRevoked;
  };
  std::optional<RevisedKey> take_revised(const ByteArray<16>& key_data);
  // Self-reports revoked after their upload, and of them those of people infected in the
  // testing.sensitive_to_day days before the revocation; self-reports upgraded to a
  // confirmed test after their upload.
  std::uint64_t self_reports_revoked() const { return self_reports_revoked_; }
  std::uint64_t revoked_infected() const { return revoked_infected_; }
  std::uint64_t self_reports_upgraded() const { return self_reports_upgraded_; }
  // Whether this rank's person p uploaded its check-ins of day d (in the last 15 days): its
  // phone knows them as its own report and takes no warning from them.
  // The venues of every upload's venue reports so far (the server holds a report of each;
  // every rank counts all uploads).
  std::uint64_t reported_venues() const { return reported_venues_.size(); }
  bool reported_checkins(std::uint32_t p, std::uint32_t d) const {
    return !reported_checkins_.empty() &&
           reported_checkins_.contains(std::uint64_t{p} << 32 | std::uint64_t{d});
  }

 private:
  struct KeyHash {
    std::size_t operator()(const ByteArray<16>& k) const;
  };
  // One check-in of an uploader on day `day`.
  struct UploaderCheckIn {
    std::uint32_t day;
    CheckIn check_in;
  };
  static bool by_person_day(const UploaderCheckIn& a, const UploaderCheckIn& b);
  // The check-ins of the last 14 days of today's uploaders, of every rank (a collective over
  // ranks), sorted by person and day, each day's in the order the phone keeps them.
  std::vector<UploaderCheckIn> uploader_checkins(std::uint32_t t,
                                                 std::span<const std::uint32_t> uploaders,
                                                 const ContactPhase& contacts) const;
  // Thread-safe: reads the world and the phases only.
  // The days whose check-ins the upload reports go to `reported_days`, their venues to
  // `venues`.
  [[nodiscard]] Result<SimUpload> prepare(std::uint32_t p, std::uint32_t t,
                                          const HealthPhase& health,
                                          std::span<const UploaderCheckIn> checkins,
                                          std::vector<std::uint32_t>& reported_days,
                                          std::vector<std::uint32_t>& venues) const;

  // The first day of the keys an upload on day t carries: the last 14 days', from the
  // phone's first day with the app.
  std::uint32_t first_key_day(std::uint32_t p, std::uint32_t t) const;

  const World& w_;
  KeyPublisher& publisher_;
  std::unordered_map<ByteArray<16>, KeyOwner, KeyHash> uploaded_keys_;
  // With immunity.reinfection: the day of each person's upload in the last 14 days (its
  // keys are of the days before it).
  std::unordered_map<std::uint32_t, std::uint32_t> last_upload_day_;
  // (person << 32 | day) of this rank's uploaders' reported check-ins, for 15 days.
  std::unordered_set<std::uint64_t> reported_checkins_;
  std::unordered_set<std::uint32_t> reported_venues_;
  // With app.revoke_on_negative or upgrade_on_positive: the day of each uploaded
  // self-report still revisable, and the revised keys until the sync takes them.
  struct SelfReportUpload {
    std::uint32_t day = 0;
    EnIntervalNumber onset;  // the symptom onset the upload stated
  };
  std::unordered_map<std::uint32_t, SelfReportUpload> self_report_uploads_;
  std::unordered_map<ByteArray<16>, RevisedKey, KeyHash> revised_keys_;
  std::uint64_t self_reports_revoked_ = 0;
  std::uint64_t revoked_infected_ = 0;
  std::uint64_t self_reports_upgraded_ = 0;
};

}  // namespace greenlight::sim::internal
