package org.greenlight;

/** One of the phone's own temporary exposure keys, as uploaded after a positive test. */
public final class ExposureKey {
  private final byte[] keyData;
  private final int rollingStartIntervalNumber;
  private final int rollingPeriod;

  ExposureKey(byte[] keyData, int rollingStartIntervalNumber, int rollingPeriod) {
    this.keyData = keyData;
    this.rollingStartIntervalNumber = rollingStartIntervalNumber;
    this.rollingPeriod = rollingPeriod;
  }

  /** The 16 key bytes (a copy). */
  public byte[] keyData() {
    return keyData.clone();
  }

  public int rollingStartIntervalNumber() {
    return rollingStartIntervalNumber;
  }

  public int rollingPeriod() {
    return rollingPeriod;
  }
}
