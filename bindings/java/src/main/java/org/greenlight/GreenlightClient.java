package org.greenlight;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The phone's exposure-notification core over one encrypted device database: the Java face of
 * the C API (greenlight.h), for Android apps and the desktop JVM.
 *
 * <p>Storage: the device database is encrypted at rest with the 32-byte store key the app
 * passes to {@link #open}; keep it in the Android Keystore (for example wrapped by a Keystore
 * AES key, or a key from EncryptedSharedPreferences), never next to the database. A wrong key
 * fails with {@link Status#AUTHENTICATION} and changes nothing; a database from a release
 * without encryption is encrypted in place on the first open with a key.
 *
 * <p>Threading: every method is safe to call from any thread; calls on one client are
 * serialised (by this object's monitor and by the C library's lock). Long calls (sync, upload)
 * block the calling thread: run them on a background thread or a WorkManager worker. The clock
 * and the transport are called back on the thread that made the call.
 *
 * <p>Lifetime: close() releases the native handle; calls after close() throw
 * IllegalStateException. Use try-with-resources.
 */
public final class GreenlightClient implements AutoCloseable {
  /** Bytes of an advertisement payload: RPI (16) || AEM (4). */
  public static final int ADVERTISEMENT_SIZE = 20;
  /** Bytes of the store key. */
  public static final int STORE_KEY_SIZE = 32;

  static {
    System.loadLibrary("greenlight_jni");
  }

  private long handle;

  private GreenlightClient(long handle) {
    this.handle = handle;
  }

  /**
   * Opens (creating if needed) the encrypted device database at dbPath with the app's store key
   * (exactly {@link #STORE_KEY_SIZE} bytes; the binding keeps no copy). clock gives UTC unix
   * seconds (null: the system clock); it must not throw.
   */
  public static GreenlightClient open(String dbPath, byte[] storeKey, LongSupplier clock)
      throws GreenlightException {
    if (dbPath == null) throw new IllegalArgumentException("dbPath must not be null");
    if (storeKey == null || storeKey.length != STORE_KEY_SIZE) {
      throw new IllegalArgumentException("storeKey must be " + STORE_KEY_SIZE + " bytes, got "
          + (storeKey == null ? "null" : Integer.toString(storeKey.length)));
    }
    return new GreenlightClient(nativeOpen(dbPath, storeKey, clock));
  }

  /** {@link #open(String, byte[], LongSupplier)} with the system clock. */
  public static GreenlightClient open(String dbPath, byte[] storeKey) throws GreenlightException {
    return open(dbPath, storeKey, null);
  }

  @Override
  public synchronized void close() {
    if (handle != 0) {
      nativeClose(handle);
      handle = 0;
    }
  }

  private long live() {
    if (handle == 0) throw new IllegalStateException("GreenlightClient is closed");
    return handle;
  }

  // ---- Identifiers and the encounter log ----

  /** The 20-byte payload to advertise now. */
  public synchronized byte[] currentAdvertisement() throws GreenlightException {
    return nativeAdvertisement(live());
  }

  /** Records one received advertisement (20 bytes) with its calibrated RSSI (dBm). */
  public synchronized void recordObservation(byte[] payload, int rssiDbm)
      throws GreenlightException {
    checkPayload(payload);
    nativeRecordObservation(live(), payload, rssiDbm);
  }

  /** Records one scan (also an empty one) of the advertisements heard, one RSSI each. */
  public synchronized void recordScan(List<byte[]> payloads, int[] rssiDbm)
      throws GreenlightException {
    if (payloads.size() != rssiDbm.length) {
      throw new IllegalArgumentException("one RSSI per payload: " + payloads.size()
          + " payloads, " + rssiDbm.length + " RSSI values");
    }
    byte[] packed = new byte[payloads.size() * ADVERTISEMENT_SIZE];
    for (int i = 0; i < payloads.size(); ++i) {
      checkPayload(payloads.get(i));
      System.arraycopy(payloads.get(i), 0, packed, i * ADVERTISEMENT_SIZE, ADVERTISEMENT_SIZE);
    }
    nativeRecordScan(live(), packed, rssiDbm.clone());
  }

  // ---- Exports, sync, transparency log ----

  /** Pins an export signing key (PEM, ECDSA P-256) under the key id and version it signs as. */
  public synchronized void pinSigningKey(String publicKeyPem, String keyId, String keyVersion)
      throws GreenlightException {
    nativePinSigningKey(live(), publicKeyPem, keyId, keyVersion);
  }

  /** Verifies, matches and stores one export zip; returns the number of matched keys. */
  public synchronized int processExport(byte[] zip) throws GreenlightException {
    return nativeProcessExport(live(), zip);
  }

  /** Fetches the export index of baseUrl and every new export; returns how many were used. */
  public synchronized int sync(String baseUrl) throws GreenlightException {
    return nativeSync(live(), baseUrl);
  }

  /**
   * The regions whose keys sync() also downloads from the server's federated feeds, e.g.
   * "AA,CC" (null or "": only the own feed). Held by this object, not stored: set it after
   * every open (greenlight.h gl_client_set_regions).
   */
  public synchronized void setRegions(String regions) throws GreenlightException {
    nativeSetRegions(live(), regions);
  }

  /** Requires the transparency log with this verifier key (origin null: the key's name). */
  public synchronized void requireLog(String logVerifierKey, String origin)
      throws GreenlightException {
    nativeRequireLog(live(), logVerifierKey, origin);
  }

  /** Routes every request through the app's HTTP stack (null: the built-in HTTP client). */
  public synchronized void setTransport(Transport transport) throws GreenlightException {
    nativeSetTransport(live(), transport);
  }

  // ---- Risk and colour ----

  public synchronized void setPositiveTest(long testTime) throws GreenlightException {
    nativeSetPositiveTest(live(), testTime);
  }

  public synchronized ColourInfo colour() throws GreenlightException {
    return nativeColour(live());
  }

  public synchronized void setRiskConfigJson(String json) throws GreenlightException {
    nativeSetRiskConfigJson(live(), json);
  }

  /**
   * Rotates the store key: every row is re-sealed under newKey (exactly {@link #STORE_KEY_SIZE}
   * bytes; the binding keeps no copy) in one transaction, and the client goes on under it.
   * Interrupted at any point (the process killed), the database opens with exactly one of the
   * old and the new key: save newKey in the keystore before the call, delete the old key after it
   * returns, and after a crash try both. Afterwards the old key fails with
   * {@link Status#AUTHENTICATION}. The re-sealing grows with the database and holds the client's
   * lock: call it from a background thread.
   */
  public synchronized void rotateStoreKey(byte[] newKey) throws GreenlightException {
    if (newKey == null || newKey.length != STORE_KEY_SIZE) {
      throw new IllegalArgumentException("newKey must be " + STORE_KEY_SIZE + " bytes, got "
          + (newKey == null ? "null" : Integer.toString(newKey.length)));
    }
    nativeRotateStoreKey(live(), newKey);
  }

  /** Deletes data older than 14 days; the library also does it at open and after a sync. */
  public synchronized void runRetention() throws GreenlightException {
    nativeRunRetention(live());
  }

  // ---- Upload ----

  /** The own keys an upload would send (see greenlight.h gl_client_keys_for_upload). */
  public synchronized List<ExposureKey> keysForUpload(boolean releaseCurrentKey)
      throws GreenlightException {
    ExposureKey[] keys = nativeKeysForUpload(live(), releaseCurrentKey);
    return Collections.unmodifiableList(Arrays.asList(keys));
  }

  /** Uploads the own keys with the health authority's verification code. */
  public synchronized UploadStatus upload(String baseUrl, String code, boolean releaseCurrentKey)
      throws GreenlightException {
    return nativeUpload(live(), baseUrl, code, releaseCurrentKey);
  }

  /** Continues an upload a network failure or a crash interrupted. */
  public synchronized UploadStatus uploadResume(String baseUrl) throws GreenlightException {
    return nativeUploadResume(live(), baseUrl);
  }

  /** Where the upload stands; no network. */
  public synchronized UploadStatus uploadStatus() throws GreenlightException {
    return nativeUploadStatus(live());
  }

  private static void checkPayload(byte[] payload) {
    if (payload == null || payload.length != ADVERTISEMENT_SIZE) {
      throw new IllegalArgumentException("an advertisement payload is " + ADVERTISEMENT_SIZE
          + " bytes, got " + (payload == null ? "null" : Integer.toString(payload.length)));
    }
  }

  private static native long nativeOpen(String dbPath, byte[] storeKey, LongSupplier clock)
      throws GreenlightException;
  private static native void nativeClose(long handle);
  private static native void nativeRotateStoreKey(long handle, byte[] newKey)
      throws GreenlightException;
  private static native byte[] nativeAdvertisement(long handle) throws GreenlightException;
  private static native void nativeRecordObservation(long handle, byte[] payload, int rssi)
      throws GreenlightException;
  private static native void nativeRecordScan(long handle, byte[] payloads, int[] rssi)
      throws GreenlightException;
  private static native void nativePinSigningKey(long handle, String pem, String keyId,
      String keyVersion) throws GreenlightException;
  private static native int nativeProcessExport(long handle, byte[] zip)
      throws GreenlightException;
  private static native int nativeSync(long handle, String baseUrl) throws GreenlightException;

  private static native void nativeSetRegions(long handle, String regions)
      throws GreenlightException;
  private static native void nativeRequireLog(long handle, String vkey, String origin)
      throws GreenlightException;
  private static native void nativeSetTransport(long handle, Transport transport)
      throws GreenlightException;
  private static native void nativeSetPositiveTest(long handle, long testTime)
      throws GreenlightException;
  private static native ColourInfo nativeColour(long handle) throws GreenlightException;
  private static native void nativeSetRiskConfigJson(long handle, String json)
      throws GreenlightException;
  private static native void nativeRunRetention(long handle) throws GreenlightException;
  private static native ExposureKey[] nativeKeysForUpload(long handle, boolean release)
      throws GreenlightException;
  private static native UploadStatus nativeUpload(long handle, String baseUrl, String code,
      boolean release) throws GreenlightException;
  private static native UploadStatus nativeUploadResume(long handle, String baseUrl)
      throws GreenlightException;
  private static native UploadStatus nativeUploadStatus(long handle) throws GreenlightException;
}
