#include "greenlight/crypto/signed_note.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "greenlight/crypto/hash.h"

namespace greenlight {
namespace {

constexpr std::string_view kEmDashSpace = "\xE2\x80\x94 ";  // U+2014 followed by a space
constexpr std::string_view kSkeyPrefix = "PRIVATE+KEY+";

// Decodes one UTF-8 code point at text[pos]; returns its length, or 0 if the sequence is
// invalid (truncated, overlong, surrogate or above U+10FFFF).
std::size_t decode_utf8(std::string_view text, std::size_t pos, char32_t& cp) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(pos);
  std::size_t len = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1Fu;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0Fu;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07u;
    min = 0x10000;
  } else {
    return 0;
  }
  if (text.size() - pos < len) return 0;
  for (std::size_t i = 1; i < len; ++i) {
    const unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// The code points Go's unicode.IsSpace reports, plus every other control character.
bool is_space_or_control(char32_t cp) {
  if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) return true;
  switch (cp) {
    case U' ':
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = 0;
    const std::size_t len = decode_utf8(text, pos, cp);
    if (len == 0) return false;
    pos += len;
  }
  return true;
}

Result<NoteKeyHash> parse_key_hash_hex(std::string_view hex) {
  if (hex.size() != 8) {
    return make_error(ErrorCode::kInvalidArgument,
                      "key hash must be 8 hex digits, got " + std::to_string(hex.size()));
  }
  return from_hex_fixed<4>(hex);
}

// Parses "NAME+HASH+BASE64(0x01 || key32)" shared by vkeys and skeys.
struct KeyText {
  std::string name;
  NoteKeyHash hash{};
  Bytes key;  // 32 bytes
};

Result<KeyText> parse_key_text(std::string_view text, std::string_view what) {
  const std::size_t p1 = text.find('+');
  const std::size_t p2 = p1 == std::string_view::npos ? p1 : text.find('+', p1 + 1);
  // Names contain no '+', the base64 key data may: split at the first two only.
  if (p2 == std::string_view::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(what) + " must be NAME+HASH+KEYDATA");
  }
  KeyText out;
  out.name = std::string(text.substr(0, p1));
  if (!is_valid_note_key_name(out.name)) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(what) + " has an invalid key name (empty, whitespace or '+')");
  }
  auto hash = parse_key_hash_hex(text.substr(p1 + 1, p2 - p1 - 1));
  if (!hash)
    return make_error(ErrorCode::kInvalidArgument, std::string(what) + ": " + hash.error().message);
  out.hash = *hash;
  auto data = base64_decode(text.substr(p2 + 1));
  if (!data)
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(what) + " key data: " + data.error().message);
  if (data->size() != 33 || (*data)[0] != kNoteAlgorithmEd25519) {
    const std::size_t size = data->size();
    secure_wipe(data->data(), data->size());
    return make_error(
        ErrorCode::kInvalidArgument,
        std::string(what) +
            " key data must be 0x01 followed by a 32-byte Ed25519 key (33 bytes), got " +
            std::to_string(size) + " bytes");
  }
  out.key.assign(data->begin() + 1, data->end());
  secure_wipe(data->data(), data->size());
  return out;
}

Result<std::uint64_t> parse_decimal(std::string_view digits) {
  if (digits.empty() || digits.size() > 20 || (digits.size() > 1 && digits[0] == '0') ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return make_error(ErrorCode::kInvalidArgument,
                      "checkpoint size must be a decimal number without leading zeros");
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return make_error(ErrorCode::kInvalidArgument, "checkpoint size does not fit in 64 bits");
  }
  return value;
}

}  // namespace

bool is_valid_note_key_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t pos = 0; pos < name.size();) {
    char32_t cp = 0;
    const std::size_t len = decode_utf8(name, pos, cp);
    if (len == 0 || cp == U'+' || is_space_or_control(cp)) return false;
    pos += len;
  }
  return true;
}

bool is_valid_note_text(std::string_view text) {
  if (text.empty() || text.back() != '\n') return false;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = 0;
    const std::size_t len = decode_utf8(text, pos, cp);
    if (len == 0) return false;
    if (cp < 0x20 && cp != U'\n') return false;
    if (cp == 0x7F) return false;
    pos += len;
  }
  return true;
}

NoteKeyHash note_key_hash(std::string_view name, const ByteArray<32>& ed25519_public_key) {
  Sha256 h;
  h.update(as_bytes(name));
  const std::array<std::uint8_t, 2> sep{'\n', kNoteAlgorithmEd25519};
  h.update(sep);
  h.update(ed25519_public_key);
  const Sha256Digest digest = h.finish();
  return NoteKeyHash{digest[0], digest[1], digest[2], digest[3]};
}

Result<Note> parse_note(std::string_view message) {
  if (message.size() > kMaxNoteBytes) {
    return make_error(ErrorCode::kInvalidArgument,
                      "signed note is larger than " + std::to_string(kMaxNoteBytes) + " bytes");
  }
  if (message.empty() || message.back() != '\n') {
    return make_error(ErrorCode::kInvalidArgument, "signed note must end with a newline");
  }
  if (!is_valid_utf8(message)) {
    return make_error(ErrorCode::kInvalidArgument, "signed note is not valid UTF-8");
  }
  const std::size_t split = message.rfind("\n\n");
  if (split == std::string_view::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      "signed note has no blank line between text and signatures");
  }
  Note note;
  note.text = std::string(message.substr(0, split + 1));
  if (!is_valid_note_text(note.text)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "signed note text contains control characters other than newline");
  }
  std::string_view sigs = message.substr(split + 2);
  if (sigs.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "signed note has no signature lines");
  }
  while (!sigs.empty()) {
    const std::size_t eol = sigs.find('\n');
    const std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (note.signatures.size() == kMaxNoteSignatures) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "signed note has more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    }
    if (!line.starts_with(kEmDashSpace)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "signature line must start with an em dash (U+2014) and a space");
    }
    const std::string_view rest = line.substr(kEmDashSpace.size());
    const std::size_t space = rest.find(' ');
    if (space == std::string_view::npos || rest.find(' ', space + 1) != std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        "signature line must be '— NAME BASE64' with exactly one space after NAME");
    }
    NoteSignature sig;
    sig.name = std::string(rest.substr(0, space));
    if (!is_valid_note_key_name(sig.name)) {
      return make_error(ErrorCode::kInvalidArgument, "signature line has an invalid key name");
    }
    auto raw = base64_decode(rest.substr(space + 1));
    if (!raw) {
      return make_error(ErrorCode::kInvalidArgument, "signature: " + raw.error().message);
    }
    if (raw->size() < 5) {
      return make_error(ErrorCode::kInvalidArgument,
                        "signature must hold a 4-byte key hash and a signature, got " +
                            std::to_string(raw->size()) + " bytes");
    }
    std::copy_n(raw->begin(), 4, sig.key_hash.begin());
    sig.signature.assign(raw->begin() + 4, raw->end());
    note.signatures.push_back(std::move(sig));
  }
  return note;
}

std::string format_note(const Note& note) {
  std::string out = note.text;
  out += '\n';
  for (const NoteSignature& sig : note.signatures) {
    Bytes raw(sig.key_hash.begin(), sig.key_hash.end());
    raw.insert(raw.end(), sig.signature.begin(), sig.signature.end());
    out += kEmDashSpace;
    out += sig.name;
    out += ' ';
    out += base64_encode(raw);
    out += '\n';
  }
  return out;
}

// NoteVerifier ---------------------------------------------------------------------------

Result<NoteVerifier> NoteVerifier::create(std::string name, const Ed25519PublicKey& public_key) {
  if (!is_valid_note_key_name(name)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "note key name must be non-empty without whitespace or '+'");
  }
  const NoteKeyHash hash = note_key_hash(name, public_key.raw());
  return NoteVerifier(std::move(name), hash, public_key);
}

Result<NoteVerifier> NoteVerifier::from_vkey(std::string_view vkey) {
  auto parsed = parse_key_text(vkey, "verifier key");
  GL_RETURN_IF_ERROR(parsed);
  auto key = Ed25519PublicKey::from_raw(parsed->key);
  GL_RETURN_IF_ERROR(key);
  auto verifier = create(parsed->name, *key);
  GL_RETURN_IF_ERROR(verifier);
  if (verifier->key_hash() != parsed->hash) {
    return make_error(ErrorCode::kInvalidArgument, "verifier key hash " + to_hex(parsed->hash) +
                                                       " does not match its key (" +
                                                       to_hex(verifier->key_hash()) + ")");
  }
  return verifier;
}

std::string NoteVerifier::vkey() const {
  const ByteArray<32> raw = key_.raw();
  Bytes data{kNoteAlgorithmEd25519};
  data.insert(data.end(), raw.begin(), raw.end());
  return name_ + "+" + to_hex(key_hash_) + "+" + base64_encode(data);
}

bool NoteVerifier::matches(const NoteSignature& signature) const {
  return signature.name == name_ && signature.key_hash == key_hash_;
}

Status NoteVerifier::verify(std::string_view text, ByteSpan signature) const {
  return key_.verify(as_bytes(text), signature);
}

// NoteSigner -----------------------------------------------------------------------------

Result<NoteSigner> NoteSigner::create(std::string name, Ed25519PrivateKey private_key) {
  auto verifier = NoteVerifier::create(name, private_key.public_key());
  GL_RETURN_IF_ERROR(verifier);
  return NoteSigner(std::move(name), std::move(private_key), std::move(*verifier));
}

Result<NoteSigner> NoteSigner::from_skey(std::string_view skey) {
  if (!skey.starts_with(kSkeyPrefix)) {
    return make_error(ErrorCode::kInvalidArgument, "signer key must start with PRIVATE+KEY+");
  }
  auto parsed = parse_key_text(skey.substr(kSkeyPrefix.size()), "signer key");
  GL_RETURN_IF_ERROR(parsed);
  auto key = Ed25519PrivateKey::from_seed(parsed->key);
  secure_wipe(parsed->key.data(), parsed->key.size());
  GL_RETURN_IF_ERROR(key);
  auto signer = create(parsed->name, std::move(*key));
  GL_RETURN_IF_ERROR(signer);
  if (signer->verifier().key_hash() != parsed->hash) {
    return make_error(ErrorCode::kInvalidArgument, "signer key hash does not match its key");
  }
  return signer;
}

Result<NoteSigner> NoteSigner::generate(std::string name) {
  auto key = Ed25519PrivateKey::generate();
  GL_RETURN_IF_ERROR(key);
  return create(std::move(name), std::move(*key));
}

SecretBytes NoteSigner::skey() const {
  const SecretArray<32> seed = key_.seed();
  SecretBytes data(33);
  data.data()[0] = kNoteAlgorithmEd25519;
  std::copy_n(seed.data(), 32, data.data() + 1);
  std::string encoded = base64_encode(data.span());
  const std::string head =
      std::string(kSkeyPrefix) + name_ + "+" + to_hex(verifier_.key_hash()) + "+";
  SecretBytes out(head.size() + encoded.size());
  std::copy(head.begin(), head.end(), out.data());
  std::copy(encoded.begin(), encoded.end(), out.data() + head.size());
  secure_wipe(encoded.data(), encoded.size());
  return out;
}

NoteVerifier NoteSigner::verifier() const { return verifier_; }

Result<NoteSignature> NoteSigner::sign(std::string_view text) const {
  if (!is_valid_note_text(text)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "note text must be non-empty UTF-8 ending in a newline, without control "
                      "characters");
  }
  auto sig = key_.sign(as_bytes(text));
  GL_RETURN_IF_ERROR(sig);
  return NoteSignature{name_, verifier_.key_hash(), Bytes(sig->begin(), sig->end())};
}

Result<std::string> sign_note(std::string_view text, std::span<const NoteSigner> signers) {
  if (signers.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a signed note needs at least one signer");
  }
  Note note{std::string(text), {}};
  for (const NoteSigner& signer : signers) {
    auto sig = signer.sign(text);
    GL_RETURN_IF_ERROR(sig);
    note.signatures.push_back(std::move(*sig));
  }
  return format_note(note);
}

Result<std::string> cosign_note(std::string_view message, const NoteSigner& signer) {
  auto note = parse_note(message);
  GL_RETURN_IF_ERROR(note);
  auto sig = signer.sign(note->text);
  GL_RETURN_IF_ERROR(sig);
  note->signatures.push_back(std::move(*sig));
  if (note->signatures.size() > kMaxNoteSignatures) {
    return make_error(ErrorCode::kResourceExhausted,
                      "note already has the maximum number of signatures");
  }
  return format_note(*note);
}

Result<VerifiedNote> open_note(std::string_view message, std::span<const NoteVerifier> known_keys) {
  auto note = parse_note(message);
  GL_RETURN_IF_ERROR(note);
  VerifiedNote out;
  for (const NoteSignature& sig : note->signatures) {
    for (const NoteVerifier& key : known_keys) {
      if (!key.matches(sig)) continue;
      if (!key.verify(note->text, sig.signature)) return authentication_failed();
      if (std::find(out.verified_by.begin(), out.verified_by.end(), key.name()) ==
          out.verified_by.end()) {
        out.verified_by.push_back(key.name());
      }
    }
  }
  if (out.verified_by.empty()) {
    return make_error(ErrorCode::kAuthentication, "note is not signed by any known key");
  }
  out.note = std::move(*note);
  return out;
}

// Checkpoints ----------------------------------------------------------------------------

std::string format_checkpoint(const Checkpoint& checkpoint) {
  std::string out = checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
                    base64_encode(checkpoint.root) + "\n";
  for (const std::string& ext : checkpoint.extensions) out += ext + "\n";
  return out;
}

Result<Checkpoint> parse_checkpoint(std::string_view text) {
  if (!is_valid_note_text(text)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "checkpoint must be UTF-8 text lines ending in a newline");
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const std::size_t eol = rest.find('\n');
    lines.push_back(rest.substr(0, eol));
    rest.remove_prefix(eol + 1);
  }
  if (lines.size() < 3) {
    return make_error(ErrorCode::kInvalidArgument,
                      "checkpoint needs origin, size and root lines, got " +
                          std::to_string(lines.size()) + " lines");
  }
  Checkpoint out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "checkpoint line " + std::to_string(i + 1) + " is empty");
    }
  }
  out.origin = std::string(lines[0]);
  auto size = parse_decimal(lines[1]);
  GL_RETURN_IF_ERROR(size);
  out.size = *size;
  auto root = base64_decode(lines[2]);
  if (!root)
    return make_error(ErrorCode::kInvalidArgument, "checkpoint root: " + root.error().message);
  if (root->size() != out.root.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "checkpoint root must be 32 bytes, got " + std::to_string(root->size()));
  }
  std::copy(root->begin(), root->end(), out.root.begin());
  for (std::size_t i = 3; i < lines.size(); ++i) out.extensions.emplace_back(lines[i]);
  return out;
}

Result<std::string> sign_checkpoint(const Checkpoint& checkpoint, const NoteSigner& signer) {
  if (checkpoint.origin.empty() || checkpoint.origin.find('\n') != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "checkpoint origin must be one non-empty line");
  }
  for (const std::string& ext : checkpoint.extensions) {
    if (ext.empty() || ext.find('\n') != std::string::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        "checkpoint extension lines must be non-empty single lines");
    }
  }
  const std::array<NoteSigner, 1> signers{signer};
  return sign_note(format_checkpoint(checkpoint), signers);
}

Result<VerifiedCheckpoint> open_checkpoint(std::string_view note, const CheckpointPolicy& policy) {
  auto parsed = parse_note(note);
  GL_RETURN_IF_ERROR(parsed);
  bool log_signed = false;
  std::vector<bool> witnessed(policy.witnesses.size(), false);
  for (const NoteSignature& sig : parsed->signatures) {
    if (policy.log_key.matches(sig)) {
      if (!policy.log_key.verify(parsed->text, sig.signature)) return authentication_failed();
      log_signed = true;
    }
    for (std::size_t i = 0; i < policy.witnesses.size(); ++i) {
      if (!policy.witnesses[i].matches(sig)) continue;
      if (!policy.witnesses[i].verify(parsed->text, sig.signature)) return authentication_failed();
      witnessed[i] = true;
    }
  }
  if (!log_signed) {
    return make_error(ErrorCode::kAuthentication,
                      "checkpoint is not signed by the log key " + policy.log_key.name());
  }
  VerifiedCheckpoint out;
  // A key listed twice, or the log key listed as a witness, counts once and not as a witness.
  std::vector<const NoteVerifier*> counted;
  for (std::size_t i = 0; i < witnessed.size(); ++i) {
    const NoteVerifier& w = policy.witnesses[i];
    const auto same_key = [&](const NoteVerifier* other) {
      return other->name() == w.name() && other->key_hash() == w.key_hash();
    };
    if (!witnessed[i] || same_key(&policy.log_key) ||
        std::any_of(counted.begin(), counted.end(), same_key)) {
      continue;
    }
    counted.push_back(&w);
    out.witnessed_by.push_back(w.name());
  }
  if (out.witnessed_by.size() < policy.witness_threshold) {
    return make_error(ErrorCode::kAuthentication,
                      "checkpoint has " + std::to_string(out.witnessed_by.size()) +
                          " valid witness signatures, policy requires " +
                          std::to_string(policy.witness_threshold));
  }
  auto checkpoint = parse_checkpoint(parsed->text);
  GL_RETURN_IF_ERROR(checkpoint);
  if (checkpoint->origin != policy.origin) {
    return make_error(ErrorCode::kInvalidArgument, "checkpoint origin is '" + checkpoint->origin +
                                                       "', expected '" + policy.origin + "'");
  }
  out.checkpoint = std::move(*checkpoint);
  out.note = std::string(note);
  return out;
}

}  // namespace greenlight
