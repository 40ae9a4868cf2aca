package org.greenlight;

/**
 * A failed call into the greenlight library: the C API's status and its one-line message
 * (gl_last_error). Checked, so that an app decides what a failed sync or upload means for its
 * user; {@link #status()} tells a retryable failure (UNAVAILABLE, IO) from a final one.
 */
public final class GreenlightException extends Exception {
  private static final long serialVersionUID = 1L;
  private final Status status;

  public GreenlightException(Status status, String message) {
    super(status.name() + ": " + message);
    this.status = status;
  }

  /** Called from native code with the numeric gl_status. */
  GreenlightException(int code, String message) {
    this(Status.fromCode(code), message);
  }

  public Status status() {
    return status;
  }

  /** Whether trying again later may succeed (the network or the server was unavailable). */
  public boolean isRetryable() {
    return status == Status.UNAVAILABLE || status == Status.IO;
  }
}
