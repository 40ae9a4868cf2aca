#include "greenlight/crypto/signed_note.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "greenlight/crypto/random.h"

namespace greenlight {
namespace {

// The example key and note of the Go reference implementation (golang.org/x/mod/sumdb/note,
// note_test.go), which C2SP signed-note adopted.
constexpr std::string_view kGoVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kGoSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kGoSigLine =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

std::string go_note() { return std::string(kGoText) + "\n" + std::string(kGoSigLine); }

NoteSigner seeded_signer(const std::string& name, std::uint64_t seed) {
  SeededRandom rng(seed);
  const auto raw = rng.bytes<32>();
  auto key = Ed25519PrivateKey::from_seed(raw);
  REQUIRE(key);
  auto signer = NoteSigner::create(name, *key);
  REQUIRE(signer);
  return *signer;
}

std::vector<NoteVerifier> go_verifiers() {
  auto v = NoteVerifier::from_vkey(kGoVkey);
  REQUIRE(v);
  return {*v};
}

}  // namespace

TEST_CASE("Go reference vector: key encodings, key hash and signature byte for byte",
          "[signed_note]") {
  auto signer = NoteSigner::from_skey(kGoSkey);
  REQUIRE(signer);
  CHECK(signer->verifier().vkey() == kGoVkey);
  const SecretBytes skey = signer->skey();
  CHECK(as_string_view(skey.span()) == kGoSkey);
  CHECK(to_hex(signer->verifier().key_hash()) == "c74f20a3");

  const std::vector<NoteSigner> signers{*signer};
  auto note = sign_note(kGoText, signers);
  REQUIRE(note);
  CHECK(*note == go_note());

  auto opened = open_note(go_note(), go_verifiers());
  REQUIRE(opened);
  CHECK(opened->note.text == kGoText);
  CHECK(opened->verified_by == std::vector<std::string>{"PeterNeumann"});
  CHECK(format_note(opened->note) == go_note());
}

TEST_CASE("note_key_hash is SHA-256(name || LF || 0x01 || key)[0:4]", "[signed_note]") {
  const NoteSigner signer = seeded_signer("example.org/log", 1);
  const ByteArray<32> pub = signer.verifier().public_key().raw();
  const std::string_view name = "example.org/log";
  std::string preimage = std::string(name) + "\n\x01";
  preimage.append(as_string_view(pub));
  const Sha256Digest digest = sha256(as_bytes(preimage));
  const NoteKeyHash expected{digest[0], digest[1], digest[2], digest[3]};
  CHECK(note_key_hash(name, pub) == expected);
  CHECK(signer.verifier().key_hash() == expected);
  auto round = NoteVerifier::from_vkey(signer.verifier().vkey());
  REQUIRE(round);
  CHECK(round->key_hash() == expected);
  CHECK(round->public_key().raw() == pub);
}

TEST_CASE("verifier keys: every mangling of the Go vkey is rejected", "[signed_note]") {
  REQUIRE(NoteVerifier::from_vkey(kGoVkey));
  const std::string vkey(kGoVkey);
  for (std::size_t i = 0; i <= vkey.size(); ++i) {
    for (std::size_t j = i + 1; j <= vkey.size(); ++j) {
      if (i == 0 && j == vkey.size()) continue;
      CAPTURE(i, j);
      CHECK_FALSE(NoteVerifier::from_vkey(vkey.substr(i, j - i)));
    }
  }
  for (std::size_t i = 0; i < vkey.size(); ++i) {
    std::string bad = vkey;
    ++bad[i];
    CAPTURE(bad);
    CHECK_FALSE(NoteVerifier::from_vkey(bad));
  }
  // A correct hash for another name.
  CHECK_FALSE(NoteVerifier::from_vkey(
      "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
  CHECK_FALSE(NoteSigner::from_skey(kGoVkey));
  CHECK_FALSE(NoteSigner::from_skey(
      "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"));
}

TEST_CASE("open_note rejects tampering, unknown keys and malformed notes", "[signed_note]") {
  const auto verifiers = go_verifiers();
  const std::string good = go_note();
  REQUIRE(open_note(good, verifiers));

  SECTION("changed text or signature") {
    std::string text_changed = good;
    text_changed[text_changed.find("cryptography")] = 'C';
    auto r = open_note(text_changed, verifiers);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kAuthentication);

    std::string sig_changed = good;
    sig_changed[sig_changed.size() - 10] = sig_changed[sig_changed.size() - 10] == 'A' ? 'B' : 'A';
    r = open_note(sig_changed, verifiers);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kAuthentication);
  }

  SECTION("unknown keys are ignored, but a note needs one known signature") {
    const NoteSigner other = seeded_signer("Other", 7);
    auto cosigned = cosign_note(good, other);
    REQUIRE(cosigned);
    auto r = open_note(*cosigned, verifiers);
    REQUIRE(r);
    CHECK(r->verified_by == std::vector<std::string>{"PeterNeumann"});

    const std::vector<NoteSigner> signers{other};
    auto only_other = sign_note(kGoText, signers);
    REQUIRE(only_other);
    r = open_note(*only_other, verifiers);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kAuthentication);

    // Same name, different key: not the known key.
    const NoteSigner impostor = seeded_signer("PeterNeumann", 8);
    const std::vector<NoteSigner> impostors{impostor};
    r = open_note(sign_note(kGoText, impostors).value(), verifiers);
    CHECK_FALSE(r);
  }

  SECTION("malformed") {
    const std::string sig(kGoSigLine);
    const std::string text(kGoText);
    const std::vector<std::string> bad = {
        "",
        "\n",
        text,                                         // no signatures
        text + "\n",                                  // blank line, no signatures
        text + sig,                                   // no blank line
        text + "\n" + sig.substr(0, sig.size() - 1),  // no final newline
        text + "\n" + sig.substr(4),                  // no em dash
        text +
            "\n- PeterNeumann "
            "x08go/ZJkuBS9UG/"
            "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        text +
            "\n\xE2\x80\x94 Peter+Neumann "
            "x08go/ZJkuBS9UG/"
            "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        text +
            "\n\xE2\x80\x94  PeterNeumann "
            "x08go/ZJkuBS9UG/"
            "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        text +
            "\n\xE2\x80\x94 PeterNeumann "
            "x08go/ZJkuBS9UG/"
            "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n",
        text + "\n\xE2\x80\x94 PeterNeumann AAAA\n",  // 3 bytes: no room for key hash + signature
        text + "\n\xE2\x80\x94 PeterNeumann\n",
        "a\tb\n\n" + sig,          // control character in text
        "caf\xC3\n\n" + sig,       // truncated UTF-8
        "\xC0\xAF\n\n" + sig,      // overlong UTF-8
        text + "\n" + sig + "\n",  // trailing blank line: empty signature block
    };
    for (const std::string& message : bad) {
      CAPTURE(message);
      auto r = open_note(message, verifiers);
      CHECK_FALSE(r);
    }
  }

  SECTION("at most 100 signatures") {
    std::string many = good;
    for (int i = 0; i < 99; ++i) many += kGoSigLine;
    CHECK(parse_note(many));
    many += kGoSigLine;
    CHECK_FALSE(parse_note(many));
  }
}

TEST_CASE("parsers survive random and truncated input", "[signed_note]") {
  const auto verifiers = go_verifiers();
  const std::string good = go_note();
  for (std::size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    CHECK_FALSE(open_note(good.substr(0, n), verifiers));
    (void)parse_checkpoint(good.substr(0, n));
  }
  SeededRandom rng(99);
  const std::string alphabet =
      "ab+/= \n\t\xE2\x80\x94\xC3\xFF"
      "0123456789";
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const std::size_t len = rng.uniform(120);
    for (std::size_t j = 0; j < len; ++j) s += alphabet[rng.uniform(alphabet.size())];
    if (rng.uniform(2) == 0) s = std::string(kGoText) + "\n" + s;
    (void)parse_note(s);
    (void)open_note(s, verifiers);
    (void)parse_checkpoint(s);
    (void)NoteVerifier::from_vkey(s);
    (void)NoteSigner::from_skey(s);
  }
  // Random single-byte changes of a valid note never verify.
  for (int i = 0; i < 500; ++i) {
    std::string s = good;
    const std::size_t pos = rng.uniform(s.size());
    const auto delta = static_cast<char>(1 + rng.uniform(255));
    s[pos] = static_cast<char>(s[pos] + delta);
    CAPTURE(pos);
    CHECK_FALSE(open_note(s, verifiers));
  }
}

TEST_CASE("checkpoint body: format and parse", "[signed_note][checkpoint]") {
  Checkpoint cp{"greenlight.example/log", 1234, sha256(as_bytes("root")), {}};
  const std::string text = format_checkpoint(cp);
  CHECK(text == "greenlight.example/log\n1234\n" + base64_encode(cp.root) + "\n");
  CHECK(parse_checkpoint(text).value() == cp);

  cp.extensions = {"time 1764000000", "extra"};
  CHECK(parse_checkpoint(format_checkpoint(cp)).value() == cp);

  const std::string root = base64_encode(cp.root);
  const std::vector<std::string> bad = {
      "",
      "origin\n",
      "origin\n12\n",
      "origin\n12\n" + root,          // no final newline
      "\n12\n" + root + "\n",         // empty origin
      "origin\n012\n" + root + "\n",  // leading zero
      "origin\n-1\n" + root + "\n",
      "origin\n1 2\n" + root + "\n",
      "origin\n18446744073709551616\n" + root + "\n",  // 2^64
      "origin\n12\n" + root.substr(4) + "\n",          // 30 bytes
      "origin\n12\n" + base64_encode(Bytes(31, 1)) + "\n",
      "origin\n12\n" + root + "\n\nextension\n",  // empty line
      "origin\n12\nnot base64!\n",
  };
  for (const std::string& t : bad) {
    CAPTURE(t);
    CHECK_FALSE(parse_checkpoint(t));
  }
  CHECK(parse_checkpoint("o\n0\n" + root + "\n").value().size == 0);
  CHECK(parse_checkpoint("o\n18446744073709551615\n" + root + "\n").value().size ==
        18446744073709551615ull);
}

TEST_CASE("signed checkpoints: deterministic signing, log key and witness policy",
          "[signed_note][checkpoint]") {
  const NoteSigner log = seeded_signer("greenlight.example/log", 21);
  const NoteSigner w1 = seeded_signer("witness-one.example", 22);
  const NoteSigner w2 = seeded_signer("witness-two.example", 23);
  const NoteSigner w3 = seeded_signer("witness-three.example", 24);
  const NoteSigner stranger = seeded_signer("stranger.example", 25);
  const Checkpoint cp{"greenlight.example/log", 42, sha256(as_bytes("a root")), {}};

  auto note = sign_checkpoint(cp, log);
  REQUIRE(note);
  CHECK(sign_checkpoint(cp, log).value() == *note);  // Ed25519 is deterministic

  CheckpointPolicy policy{"greenlight.example/log", log.verifier(), {}, 0};
  auto opened = open_checkpoint(*note, policy);
  REQUIRE(opened);
  CHECK(opened->checkpoint == cp);
  CHECK(opened->note == *note);

  SECTION("wrong origin, wrong log key, forged signature") {
    CheckpointPolicy other_origin = policy;
    other_origin.origin = "elsewhere.example/log";
    CHECK_FALSE(open_checkpoint(*note, other_origin));

    CheckpointPolicy other_key{"greenlight.example/log", stranger.verifier(), {}, 0};
    CHECK_FALSE(open_checkpoint(*note, other_key));

    // A checkpoint "signed" under the log's name and key hash by another key.
    auto forged = parse_note(sign_checkpoint(cp, stranger).value()).value();
    forged.signatures[0].name = log.name();
    forged.signatures[0].key_hash = log.verifier().key_hash();
    auto r = open_checkpoint(format_note(forged), policy);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kAuthentication);

    // A signed note whose body is not a checkpoint.
    const std::vector<NoteSigner> signers{log};
    CHECK_FALSE(open_checkpoint(sign_note("hello\n", signers).value(), policy));
  }

  SECTION("k-of-n witnesses") {
    CheckpointPolicy two_of_three{
        "greenlight.example/log", log.verifier(), {w1.verifier(), w2.verifier(), w3.verifier()}, 2};
    CHECK_FALSE(open_checkpoint(*note, two_of_three));
    const std::string one = cosign_note(*note, w1).value();
    CHECK_FALSE(open_checkpoint(one, two_of_three));
    // An unknown witness does not count.
    const std::string one_plus_stranger = cosign_note(one, stranger).value();
    CHECK_FALSE(open_checkpoint(one_plus_stranger, two_of_three));
    // The same witness twice counts once.
    CHECK_FALSE(open_checkpoint(cosign_note(one, w1).value(), two_of_three));
    const std::string two = cosign_note(one_plus_stranger, w3).value();
    auto r = open_checkpoint(two, two_of_three);
    REQUIRE(r);
    CHECK(r->witnessed_by ==
          std::vector<std::string>{"witness-one.example", "witness-three.example"});
    // A witness signature over other text (a different checkpoint) fails outright.
    const Checkpoint other{"greenlight.example/log", 43, cp.root, {}};
    auto w2_other = parse_note(sign_checkpoint(other, w2).value()).value();
    auto combined = parse_note(two).value();
    combined.signatures.push_back(w2_other.signatures[0]);
    CHECK_FALSE(open_checkpoint(format_note(combined), two_of_three));
    // Witnesses without the log's own signature are not enough.
    auto no_log = parse_note(two).value();
    no_log.signatures.erase(no_log.signatures.begin());
    CHECK_FALSE(open_checkpoint(format_note(no_log), two_of_three));
  }
}

}  // namespace greenlight
