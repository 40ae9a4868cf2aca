// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures, and the C2SP
// tlog-checkpoint body (https://c2sp.org/tlog-checkpoint) that the transparency log signs
// (spec/protocol.md "Transparency log", reference/security.md section 2).
//
// A signed note is
//   TEXT            non-empty UTF-8, no control characters but '\n', ends with '\n'
//   "\n"            one blank line
//   SIGNATURES      one or more lines "— NAME BASE64(key_hash[4] || signature)\n"
// with the em dash U+2014. The signature covers the TEXT bytes exactly. For Ed25519 (the only
// algorithm supported here, algorithm byte 0x01) key_hash is the first 4 bytes of
// SHA-256(NAME || "\n" || 0x01 || public_key[32]). Key names are non-empty and contain no
// whitespace and no '+'.
//
// Verification keys travel as "vkey" strings in the Go golang.org/x/mod/sumdb/note format,
//   NAME+HASH8HEX+BASE64(0x01 || public_key)
// and signing keys as "PRIVATE+KEY+NAME+HASH8HEX+BASE64(0x01 || seed)".
//
// A checkpoint body is "ORIGIN\nSIZE\nBASE64(ROOT)\n" optionally followed by non-empty
// extension lines; SIZE is decimal without leading zeros, ROOT the 32-byte RFC 9162 root.
// Ed25519 signatures are deterministic, so signing the same checkpoint twice yields the same
// note byte for byte.
//
// Witness cosignatures (reference/security.md section 2.5) are, in this version, ordinary
// Ed25519 note signatures by the witness keys over the same checkpoint text (not the
// timestamped C2SP tlog-cosignature format): open_checkpoint() requires the log's signature and
// at least `witness_threshold` signatures from distinct pinned witness keys.
//
// Parsers never crash or read out of bounds on arbitrary input; they return kInvalidArgument
// for malformed text and kAuthentication for a signature that does not verify.
// Thread-safety: immutable values, safe to share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/ed25519.h"
#include "greenlight/crypto/merkle.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/secret_bytes.h"

namespace greenlight {

inline constexpr std::size_t kMaxNoteBytes = 1u << 20;
inline constexpr std::size_t kMaxNoteSignatures = 100;
inline constexpr std::uint8_t kNoteAlgorithmEd25519 = 0x01;

using NoteKeyHash = ByteArray<4>;

struct NoteSignature {
  std::string name;
  NoteKeyHash key_hash{};
  Bytes signature;  // the bytes after the key hash (64 for Ed25519)
  friend bool operator==(const NoteSignature&, const NoteSignature&) = default;
};

struct Note {
  std::string text;  // includes its final '\n'
  std::vector<NoteSignature> signatures;
  friend bool operator==(const Note&, const Note&) = default;
};

bool is_valid_note_key_name(std::string_view name);
// Non-empty, valid UTF-8, only '\n' among control characters, ends with '\n'.
bool is_valid_note_text(std::string_view text);

NoteKeyHash note_key_hash(std::string_view name, const ByteArray<32>& ed25519_public_key);

// Splits a signed note into text and signature lines; checks syntax only (no signature is
// verified). Rejects: more than kMaxNoteBytes, invalid text, no blank line before the
// signatures, no signature, more than kMaxNoteSignatures, a malformed signature line.
[[nodiscard]] Result<Note> parse_note(std::string_view message);
// The exact inverse of parse_note for valid notes.
std::string format_note(const Note& note);

class NoteVerifier {
 public:
  [[nodiscard]] static Result<NoteVerifier> create(std::string name,
                                                   const Ed25519PublicKey& public_key);
  [[nodiscard]] static Result<NoteVerifier> from_vkey(std::string_view vkey);

  const std::string& name() const { return name_; }
  const NoteKeyHash& key_hash() const { return key_hash_; }
  const Ed25519PublicKey& public_key() const { return key_; }
  std::string vkey() const;
  // True iff the signature line names this key (same name and key hash).
  bool matches(const NoteSignature& signature) const;
  [[nodiscard]] Status verify(std::string_view text, ByteSpan signature) const;

 private:
  NoteVerifier(std::string name, NoteKeyHash key_hash, Ed25519PublicKey key)
      : name_(std::move(name)), key_hash_(key_hash), key_(std::move(key)) {}
  std::string name_;
  NoteKeyHash key_hash_;
  Ed25519PublicKey key_;
};

class NoteSigner {
 public:
  [[nodiscard]] static Result<NoteSigner> create(std::string name, Ed25519PrivateKey private_key);
  // Parses "PRIVATE+KEY+NAME+HASH+BASE64(0x01 || seed32)", checking that HASH matches.
  [[nodiscard]] static Result<NoteSigner> from_skey(std::string_view skey);
  // Generates a fresh key (SystemRandom via OpenSSL).
  [[nodiscard]] static Result<NoteSigner> generate(std::string name);

  const std::string& name() const { return name_; }
  // The skey text; a secret.
  SecretBytes skey() const;
  NoteVerifier verifier() const;
  [[nodiscard]] Result<NoteSignature> sign(std::string_view text) const;

 private:
  NoteSigner(std::string name, Ed25519PrivateKey key, NoteVerifier verifier)
      : name_(std::move(name)), key_(std::move(key)), verifier_(std::move(verifier)) {}
  std::string name_;
  Ed25519PrivateKey key_;
  NoteVerifier verifier_;
};

// Signs text (which must satisfy is_valid_note_text) with each signer, in order.
[[nodiscard]] Result<std::string> sign_note(std::string_view text,
                                            std::span<const NoteSigner> signers);
// Adds one more signature line (a witness cosignature) to an already signed note. The
// existing signatures are kept as they are, and not verified here.
[[nodiscard]] Result<std::string> cosign_note(std::string_view message, const NoteSigner& signer);

struct VerifiedNote {
  Note note;
  // Names of the known keys whose signatures verified, in the order of the note, each once.
  std::vector<std::string> verified_by;
};

// Parses message and verifies every signature line that names a key in known_keys (same
// name and key hash); lines from unknown keys are ignored. Fails with kAuthentication if a
// known key's signature does not verify, or if no known key signed at all.
[[nodiscard]] Result<VerifiedNote> open_note(std::string_view message,
                                             std::span<const NoteVerifier> known_keys);

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  MerkleHash root{};
  std::vector<std::string> extensions;
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

std::string format_checkpoint(const Checkpoint& checkpoint);
[[nodiscard]] Result<Checkpoint> parse_checkpoint(std::string_view text);
// format_checkpoint + sign_note with one signer.
[[nodiscard]] Result<std::string> sign_checkpoint(const Checkpoint& checkpoint,
                                                  const NoteSigner& signer);

struct CheckpointPolicy {
  std::string origin;  // the checkpoint's first line must equal this
  NoteVerifier log_key;
  std::vector<NoteVerifier> witnesses;
  std::size_t witness_threshold = 0;
};

struct VerifiedCheckpoint {
  Checkpoint checkpoint;
  std::string note;                       // the signed note exactly as received
  std::vector<std::string> witnessed_by;  // names of the witnesses whose signatures verified
};

// Verifies the log's signature and >= policy.witness_threshold distinct witness signatures,
// then parses the body and checks the origin. Any signature line from a pinned key that does
// not verify is an error; lines from unknown keys are ignored.
[[nodiscard]] Result<VerifiedCheckpoint> open_checkpoint(std::string_view note,
                                                         const CheckpointPolicy& policy);

}  // namespace greenlight
