// A26: every text a host or HA tool writes from outside data is safe in a terminal and a
// spreadsheet: no control or escape characters besides the line feed, and no line that
// starts with = + - @ (a formula when the output is pasted or imported as CSV). Covers the
// writers that print what a server or a venue QR code supplied: `greenlight log audit`
// (format_audit_report), `greenlight export inspect` (format_export_summary) and
// `greenlight venue decode` (venue text is validated at parse time).
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/log_auditor.h"
#include "greenlight/crypto/log_leaf.h"
#include "greenlight/crypto/random.h"
#include "greenlight/wire/export_file.h"
#include "greenlight/wire/export_text.h"
#include "greenlight/wire/venue.h"

namespace greenlight::client {
namespace {

const std::vector<std::string> kHostile = {"=HYPERLINK(\"http://evil.example\",\"x\")",
                                           "+1+cmd|' /C calc'!A0",
                                           "-2+3",
                                           "@SUM(A1)",
                                           "\t=1",
                                           "\r=1",
                                           "\x1b[2J\x1b]0;owned\x07",
                                           "a\nb",
                                           std::string("nul\0byte", 8),
                                           "\xC2\x9B"
                                           "31m"};

void check_safe(const std::string& text) {
  CAPTURE(text);
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t eol = text.find('\n', start);
    const std::string_view line(text.data() + start,
                                (eol == std::string::npos ? text.size() : eol) - start);
    if (!line.empty()) {
      CHECK(std::string_view("=+-@\t\r").find(line.front()) == std::string_view::npos);
    }
    for (const char c : line) {
      const auto u = static_cast<unsigned char>(c);
      CHECK((u >= 0x20 && u != 0x7f));
    }
    if (eol == std::string::npos) break;
    start = eol + 1;
  }
}

}  // namespace

TEST_CASE("A26: audit reports are terminal- and spreadsheet-safe", "[security][A26]") {
  for (const std::string& hostile : kHostile) {
    // Leaf strings are printable ASCII by construction; the hostile ones that remain
    // printable reach describe_log_leaf.
    auto encoded = encode_log_leaf(
        SigningKeyChangeLeaf{{}, SigningKeyPurpose::kExportSigning, hostile, hostile});
    AuditReport report;
    if (encoded) {
      report.notable.push_back("leaf 0: " + describe_log_leaf(decode_log_leaf(*encoded).value()));
    }
    report.failures.push_back("served file x.zip is not in the log");
    report.warnings.push_back("no content index at v1/exports/index.txt");
    check_safe(format_audit_report(report));
    // Index lines the auditor would print must be safe relative paths first.
    if (auto paths = parse_content_index(hostile + "\n")) {
      for (const std::string& p : *paths) check_safe(p);
    }
  }
}

TEST_CASE("A26: export summaries are terminal- and spreadsheet-safe", "[security][A26]") {
  for (const std::string& hostile : kHostile) {
    wire::UnverifiedExport file;
    file.batch.region = hostile;
    wire::SignatureInfo info;
    info.verification_key_id = hostile;
    info.verification_key_version = hostile;
    info.signature_algorithm = hostile;
    file.batch.signature_infos.push_back(info);
    file.signatures.emplace_back(info, Bytes{1, 2, 3});
    check_safe(wire::format_export_summary(file));
  }
}

TEST_CASE("A26: venue texts with control characters never parse", "[security][A26]") {
  wire::VenueInfo info;
  for (const std::string& hostile : kHostile) {
    CAPTURE(hostile);
    info.description = "Cafe " + hostile;
    info.address = "Street " + hostile;
    SeededRandom rng(1);
    auto venue = wire::new_venue(info, rng);
    const wire::VenuePayload* payload = venue ? &venue->payload : nullptr;
    const bool has_control =
        hostile.find_first_of(std::string("\t\r\n\x1b\x07\0", 6)) != std::string::npos ||
        hostile.find("\xC2\x9B") != std::string::npos;
    if (has_control) {
      CHECK_FALSE(venue);
    } else if (payload) {
      // Printed as "name: ..." / "address: ..." lines: never at the start of a line.
      check_safe("name: " + payload->description + "\naddress: " + payload->address + "\n");
    }
  }
}

}  // namespace greenlight::client
