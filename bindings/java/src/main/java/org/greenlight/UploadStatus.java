package org.greenlight;

/** Where the upload of the own keys stands (gl_upload_status). */
public final class UploadStatus {
  /** gl_upload_stage. */
  public enum Stage {
    NONE,
    STARTED,
    VERIFIED,
    CERTIFIED,
    PUBLISHED,
    FAILED
  }

  /** gl_upload_failure. */
  public enum Failure {
    NONE,
    INVALID_CODE,
    EXPIRED_CODE,
    TOO_MANY_ATTEMPTS,
    EXPIRED_AUTHORISATION,
    REJECTED,
    PROTOCOL
  }

  private final Stage stage;
  private final Failure failure;
  private final long startedAt;
  private final long updatedAt;
  private final int keys;
  private final int inserted;
  private final boolean alreadyUploaded;

  UploadStatus(int stage, int failure, long startedAt, long updatedAt, int keys, int inserted,
      boolean alreadyUploaded) {
    Stage[] stages = Stage.values();
    Failure[] failures = Failure.values();
    this.stage = stage >= 0 && stage < stages.length ? stages[stage] : Stage.FAILED;
    this.failure = failure >= 0 && failure < failures.length ? failures[failure] : Failure.PROTOCOL;
    this.startedAt = startedAt;
    this.updatedAt = updatedAt;
    this.keys = keys;
    this.inserted = inserted;
    this.alreadyUploaded = alreadyUploaded;
  }

  public Stage stage() {
    return stage;
  }

  public Failure failure() {
    return failure;
  }

  public long startedAt() {
    return startedAt;
  }

  public long updatedAt() {
    return updatedAt;
  }

  /** Own keys in the upload. */
  public int keys() {
    return keys;
  }

  /** Keys the server stored new (PUBLISHED). */
  public int inserted() {
    return inserted;
  }

  /** Published, learnt from a replay the server refused. */
  public boolean alreadyUploaded() {
    return alreadyUploaded;
  }
}
