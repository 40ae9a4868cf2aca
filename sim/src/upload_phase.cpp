#include "internal/upload_phase.h"

#include <algorithm>
#include <optional>

#include "greenlight/crypto/random.h"
#include "greenlight/crypto/venue_crypto.h"
#include "internal/parallel.h"

namespace greenlight::sim::internal {

std::size_t UploadPhase::KeyHash::operator()(const ByteArray<16>& k) const {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | k[static_cast<std::size_t>(i)];
  return static_cast<std::size_t>(v);
}

std::optional<KeyOwner> UploadPhase::take_owner(const ByteArray<16>& key_data) {
  auto it = uploaded_keys_.find(key_data);
  if (it == uploaded_keys_.end()) return std::nullopt;
  const KeyOwner owner = it->second;
  uploaded_keys_.erase(it);
  return owner;
}

std::optional<UploadPhase::RevisedKey> UploadPhase::take_revised(const ByteArray<16>& key_data) {
  auto it = revised_keys_.find(key_data);
  if (it == revised_keys_.end()) return std::nullopt;
  RevisedKey revised = std::move(it->second);
  revised_keys_.erase(it);
  return revised;
}

std::uint32_t UploadPhase::first_key_day(std::uint32_t p, std::uint32_t t) const {
  return std::max(t > kRetentionDays ? t - kRetentionDays : 0, w_.app_start(p));
}

Status UploadPhase::revise(std::int64_t now, const HealthPhase& health, DailyStats& st) {
  for (const HealthPhase::Revision& r : health.revisions()) {
    const std::uint32_t p = r.person;
    const ReportType type = r.type;
    // The upload of the report revised: none when it never happened (an entry of p's earlier
    // report stays apart).
    const auto up = self_report_uploads_.find(p);
    if (up == self_report_uploads_.end() ||
        up->second.onset != w_.schedule.day_interval(r.report_day)) {
      continue;
    }
    const SelfReportUpload upload = up->second;
    self_report_uploads_.erase(up);
    std::vector<TemporaryExposureKey> keys;
    for (std::uint32_t d = first_key_day(p, upload.day); d < upload.day; ++d) {
      keys.push_back(w_.schedule.key(p, d));
      const ByteArray<16>& data = keys.back().key_data.array();
      // A key not published yet is published with its new type (or, revoked, never): the
      // phones see it once.
      if (uploaded_keys_.contains(data)) {
        if (type == ReportType::kRevoked) uploaded_keys_.erase(data);
        continue;
      }
      RevisedKey& revised = revised_keys_[data];
      revised.owner = {p, d};
      revised.published = keys.back();
      revised.published.report_type = ReportType::kSelfReport;
      revised.published.days_since_onset_of_symptoms = days_since_onset(keys.back(), upload.onset);
      revised.type = type;
    }
    GL_RETURN_IF_ERROR(publisher_.revise(keys, type, upload.onset, now));
    if (type == ReportType::kRevoked) {
      ++st.revocations;
      ++self_reports_revoked_;
      if (r.missed_infection) ++revoked_infected_;
    } else {
      ++st.upgrades;
      ++self_reports_upgraded_;
    }
  }
  return ok();
}

bool UploadPhase::by_person_day(const UploaderCheckIn& a, const UploaderCheckIn& b) {
  return a.check_in.person != b.check_in.person ? a.check_in.person < b.check_in.person
                                                : a.day < b.day;
}

std::vector<UploadPhase::UploaderCheckIn> UploadPhase::uploader_checkins(
    std::uint32_t t, std::span<const std::uint32_t> uploaders, const ContactPhase& contacts) const {
  // Each rank keeps the check-ins of its own people: it sends those of its uploaders of the
  // last 14 days, and every rank gets all of them (for one person and day in the order of
  // the day's check-ins).
  const std::uint32_t first = t > kRetentionDays ? t - kRetentionDays : 0;
  std::vector<std::uint32_t> own;  // each uploader once (a person uploads once anyway)
  for (const std::uint32_t p : uploaders) {
    if (w_.owns(p)) own.push_back(p);
  }
  std::sort(own.begin(), own.end());
  own.erase(std::unique(own.begin(), own.end()), own.end());
  std::vector<UploaderCheckIn> mine;
  for (const std::uint32_t p : own) {
    for (std::uint32_t d = first; d < t; ++d) {
      const DayCheckIns* ring = contacts.checkins(d);
      if (ring == nullptr) continue;
      auto lo = std::lower_bound(ring->check_ins.begin(), ring->check_ins.end(), p,
                                 [](const CheckIn& c, std::uint32_t q) { return c.person < q; });
      for (; lo != ring->check_ins.end() && lo->person == p; ++lo) mine.push_back({d, *lo});
    }
  }
  std::vector<UploaderCheckIn> all = w_.ranks.gather_all<UploaderCheckIn>(mine);
  std::stable_sort(all.begin(), all.end(), by_person_day);
  return all;
}

Result<SimUpload> UploadPhase::prepare(std::uint32_t p, std::uint32_t t, const HealthPhase& health,
                                       std::span<const UploaderCheckIn> checkins,
                                       std::vector<std::uint32_t>& reported_days,
                                       std::vector<std::uint32_t>& venues) const {
  SimUpload up;
  // The health authority records the symptom onset, or the test date without symptoms; a
  // symptom self-report the day the symptoms were reported.
  // A self-report upgraded before its upload goes out as a confirmed test with the report's
  // onset.
  const std::optional<std::uint32_t> reported = health.self_report_day(p, t);
  up.report_type =
      reported && !health.report_upgraded(p) ? ReportType::kSelfReport : ReportType::kConfirmedTest;
  const std::uint32_t onset = reported ? *reported : health.recorded_onset_day(p, t);
  up.symptom_onset_interval = w_.schedule.day_interval(onset);
  // The last 14 days' keys, of the days the app ran (from the phone's first day).
  const std::uint32_t first = first_key_day(p, t);
  SeededRandom sealing(stream_key(w_.seed, kPurposeUpload, p, t, 1));
  for (std::uint32_t d = first; d < t; ++d) {
    up.keys.push_back(w_.schedule.key(p, d));
    // Check-ins of infectious days (by the same days-since-onset rule as the keys).
    const auto dsos = static_cast<std::int32_t>(d) - static_cast<std::int32_t>(onset);
    const client::Infectiousness inf = w_.scorer.infectiousness(dsos);
    if (inf == client::Infectiousness::kNone) continue;
    const auto of_day = std::equal_range(checkins.begin(), checkins.end(),
                                         UploaderCheckIn{d, CheckIn{p, 0, 0, 0}}, by_person_day);
    if (of_day.first != of_day.second) reported_days.push_back(d);
    for (auto it = of_day.first; it != of_day.second; ++it) {
      const CheckIn& c = it->check_in;
      VenueReportRecord rec;
      rec.start_interval = {w_.schedule.day_interval(d).value + c.start_scan / kScansPerInterval};
      const std::uint32_t end_scan = std::min<std::uint32_t>(kScansPerDay, c.start_scan + c.scans);
      rec.duration_intervals =
          std::max<std::uint32_t>(1, (end_scan + kScansPerInterval - 1) / kScansPerInterval -
                                         c.start_scan / kScansPerInterval);
      rec.risk_level = inf == client::Infectiousness::kHigh ? 8 : 7;
      auto sealed = seal_venue_report(w_.venues.location_id(c.venue), rec, sealing);
      GL_RETURN_IF_ERROR(sealed);
      up.venue_reports.push_back(*sealed);
      venues.push_back(c.venue);
      // The venue's owner, asked by the health authority, releases this stay.
      auto released = w_.venues.release(c.venue, *sealed, sealing);
      GL_RETURN_IF_ERROR(released);
      up.venue_warnings.push_back(*released);
    }
  }
  // One venue's warnings together: its owner releases them in one request.
  std::stable_sort(up.venue_warnings.begin(), up.venue_warnings.end(),
                   [](const SealedVenueWarning& a, const SealedVenueWarning& b) {
                     return a.location_tag < b.location_tag;
                   });
  return up;
}

Status UploadPhase::run(std::uint32_t t, std::int64_t now, std::span<const std::uint32_t> uploaders,
                        const HealthPhase& health, const ContactPhase& contacts, DailyStats& st) {
  if (t == 0) return ok();  // no key of a past day to upload yet
  // Each upload is prepared from its own streams (keys, sealing), so they are prepared in
  // parallel and then published in the order of `uploaders`.
  const std::vector<UploaderCheckIn> checkins = uploader_checkins(t, uploaders, contacts);
  std::vector<std::optional<Result<SimUpload>>> prepared(uploaders.size());
  std::vector<std::vector<std::uint32_t>> reported_days(uploaders.size());
  std::vector<std::vector<std::uint32_t>> venues(uploaders.size());
  parallel_for(w_.threads, static_cast<std::uint32_t>(uploaders.size()),
               [&](std::uint32_t i, std::uint32_t) {
                 prepared[i].emplace(
                     prepare(uploaders[i], t, health, checkins, reported_days[i], venues[i]));
               });
  // The phone remembers the check-ins it reported for as long as the sync matches
  // check-ins (14 days back; kept one day more).
  std::erase_if(reported_checkins_, [t](std::uint64_t e) {
    return static_cast<std::uint32_t>(e) + kRetentionDays + 1 < t;
  });
  for (std::size_t i = 0; i < uploaders.size(); ++i) {
    if (prepared[i]->has_value()) reported_venues_.insert(venues[i].begin(), venues[i].end());
    if (!w_.owns(uploaders[i])) continue;
    for (const std::uint32_t d : reported_days[i]) {
      reported_checkins_.insert(std::uint64_t{uploaders[i]} << 32 | std::uint64_t{d});
    }
  }
  // With reinfection a person may upload again within 14 days of its last upload; the
  // days both uploads hold keep the key of the first, as the server keeps the first upload
  // of a key (a key it holds already is dropped), so the phones see each key once.
  const bool again = w_.config.immunity.reinfection;
  if (again) {
    std::erase_if(last_upload_day_, [t](const auto& e) { return e.second + kRetentionDays <= t; });
  }
  std::vector<SimUpload> uploads;
  uploads.reserve(uploaders.size());
  for (std::size_t i = 0; i < uploaders.size(); ++i) {
    auto& up = *prepared[i];
    GL_RETURN_IF_ERROR(up);
    if (again) {
      const auto [last, first_upload] = last_upload_day_.try_emplace(uploaders[i], t);
      if (!first_upload) {
        const std::uint32_t held_before = last->second;
        std::erase_if(up->keys, [&](const TemporaryExposureKey& k) {
          return w_.schedule.day_of(k.rolling_start_interval_number) < held_before;
        });
        last->second = t;
      }
    }
    for (const auto& k : up->keys) {
      uploaded_keys_[k.key_data.array()] = {uploaders[i],
                                            w_.schedule.day_of(k.rolling_start_interval_number)};
    }
    if (w_.config.app.revoke_on_negative || w_.config.app.upgrade_on_positive) {
      if (up->report_type == ReportType::kSelfReport) {
        self_report_uploads_[uploaders[i]] = {t, *up->symptom_onset_interval};
      } else {
        self_report_uploads_.erase(uploaders[i]);  // a confirmed test is not revoked
      }
    }
    uploads.push_back(std::move(*up));
  }
  // In order; the publisher may sign the venue warnings of the day's uploads in parallel.
  GL_RETURN_IF_ERROR(publisher_.publish_all(uploads, now, w_.threads));
  st.uploads += static_cast<std::uint32_t>(uploads.size());
  return ok();
}

}  // namespace greenlight::sim::internal
