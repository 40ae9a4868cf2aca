package org.greenlight;

/** The C API's gl_status codes (greenlight.h), as carried by {@link GreenlightException}. */
public enum Status {
  OK(0),
  INVALID_ARGUMENT(1),
  AUTHENTICATION(2),
  NOT_FOUND(3),
  ALREADY_EXISTS(4),
  FAILED_PRECONDITION(5),
  RESOURCE_EXHAUSTED(6),
  IO(7),
  UNAVAILABLE(8),
  INTERNAL(9),
  BUFFER_TOO_SMALL(10);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  /** The numeric gl_status. */
  public int code() {
    return code;
  }

  /** The status for a numeric gl_status; INTERNAL for a code this binding does not know. */
  public static Status fromCode(int code) {
    for (Status s : values()) {
      if (s.code == code) return s;
    }
    return INTERNAL;
  }
}
