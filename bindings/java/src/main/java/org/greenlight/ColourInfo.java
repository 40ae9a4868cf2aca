package org.greenlight;

/** The colour now, the rule behind it and a sentence that explains it to the user. */
public final class ColourInfo {
  /** gl_colour_rule. */
  public enum Rule {
    NONE,
    OWN_POSITIVE_TEST,
    HIGH_RISK_EXPOSURE,
    LOW_RISK_EXPOSURE,
    VENUE_WARNING;

    static Rule fromCode(int code) {
      Rule[] all = values();
      return code >= 0 && code < all.length ? all[code] : NONE;
    }
  }

  private final Colour colour;
  private final Rule rule;
  private final long day;
  private final double minutes;
  private final double score;
  private final long validUntil;
  private final String explanation;

  ColourInfo(int colour, int rule, long day, double minutes, double score, long validUntil,
      String explanation) {
    this.colour = Colour.fromCode(colour);
    this.rule = Rule.fromCode(rule);
    this.day = day;
    this.minutes = minutes;
    this.score = score;
    this.validUntil = validUntil;
    this.explanation = explanation;
  }

  public Colour colour() {
    return colour;
  }

  public Rule rule() {
    return rule;
  }

  /** 00:00 UTC (unix seconds) of the day the rule refers to; 0 for GREEN. */
  public long day() {
    return day;
  }

  /** Exposure or overlap minutes behind the rule. */
  public double minutes() {
    return minutes;
  }

  /** Normalized exposure minutes (exposure rules). */
  public double score() {
    return score;
  }

  /** When the rule stops applying (unix seconds); 0 for GREEN. */
  public long validUntil() {
    return validUntil;
  }

  public String explanation() {
    return explanation;
  }
}
