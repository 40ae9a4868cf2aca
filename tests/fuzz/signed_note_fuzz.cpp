// libFuzzer target for signed notes and checkpoints (crypto/include/greenlight/crypto/
// signed_note.h): untrusted text as a note (parse_note, open_note), as a checkpoint body
// (parse_checkpoint) and as a signed checkpoint under a witness policy (open_checkpoint), and
// as a verifier key (NoteVerifier::from_vkey). The pinned log key below signed the seeds in
// tests/data/fuzz/signed_note, so mutations reach the body parser behind the signature.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "greenlight/crypto/signed_note.h"

namespace {

// The Go reference example key (golang.org/x/mod/sumdb/note), as in signed_note_test.cpp.
constexpr char kLogVkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

const greenlight::CheckpointPolicy* policy() {
  static const auto* p = []() -> const greenlight::CheckpointPolicy* {
    auto key = greenlight::NoteVerifier::from_vkey(kLogVkey);
    if (!key) return nullptr;
    // Leaked on purpose: lives for the whole fuzzing process.
    return new greenlight::CheckpointPolicy{"fuzz.greenlight.example/log", *key, {}, 0};
  }();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto note = greenlight::parse_note(text)) {
    // Whatever parses formats back to exactly the same bytes (one canonical form).
    if (greenlight::format_note(*note) != text) __builtin_trap();
  }
  if (auto cp = greenlight::parse_checkpoint(text)) {
    if (greenlight::format_checkpoint(*cp) != text) __builtin_trap();
  }
  (void)greenlight::NoteVerifier::from_vkey(text);
  if (const auto* p = policy()) {
    const std::vector<greenlight::NoteVerifier> keys{p->log_key};
    auto opened = greenlight::open_note(text, keys);
    auto checkpoint = greenlight::open_checkpoint(text, *p);
    // A verified checkpoint is a verified note.
    if (checkpoint && !opened) __builtin_trap();
  }
  return 0;
}
