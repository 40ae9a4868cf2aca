// A downstream project using the installed greenlight package.
#include <cstdio>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/gaen.h"

int main() {
  auto tek = greenlight::from_hex_fixed<16>("75c734c6dd1a782de7a965da5eb93125");
  if (!tek) return 1;
  const auto rpik = greenlight::derive_rpik(greenlight::Tek(*tek));
  std::printf("consumer: RPIK %s\n", greenlight::to_hex(rpik.span()).c_str());
  return 0;
}
