package org.greenlight;

/** The colour the phone derives for its user (never sent anywhere). */
public enum Colour {
  GREEN,
  YELLOW,
  RED;

  static Colour fromCode(int code) {
    switch (code) {
      case 1:
        return YELLOW;
      case 2:
        return RED;
      default:
        return GREEN;
    }
  }
}
