package org.greenlight;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

/**
 * A day on two phones through the Java binding, against the real server on loopback (started
 * with the CLI named by the system property greenlight.bin; files under greenlight.work): the
 * phones meet two days ago, A tests positive and uploads, the server exports, B syncs through the
 * app's Java transport and turns RED. Every request goes through an HttpURLConnection transport.
 */
public class GreenlightClientDayTest {
  private static final long DAY = 86400;

  private static String property(String name) {
    String value = System.getProperty("greenlight." + name);
    if (value == null) throw new IllegalStateException("system property greenlight." + name);
    return value;
  }

  /** The app's HTTP stack: java.net.HttpURLConnection. */
  static final class UrlConnectionTransport implements Transport {
    final AtomicInteger requests = new AtomicInteger();
    final List<String> urls = Collections.synchronizedList(new ArrayList<>());

    /** Whether a request since the last clear went to a URL containing path. */
    boolean asked(String path) {
      synchronized (urls) {
        return urls.stream().anyMatch(url -> url.contains(path));
      }
    }

    @Override
    public HttpResponse send(HttpRequest request) throws IOException {
      requests.incrementAndGet();
      urls.add(request.url());
      HttpURLConnection connection = (HttpURLConnection) new URL(request.url()).openConnection();
      connection.setRequestMethod(request.method());
      connection.setConnectTimeout(5000);
      connection.setReadTimeout(10000);
      for (Map.Entry<String, String> header : request.headers()) {
        connection.setRequestProperty(header.getKey(), header.getValue());
      }
      if (request.method().equals("POST")) {
        connection.setDoOutput(true);
        try (OutputStream out = connection.getOutputStream()) {
          out.write(request.body());
        }
      }
      int status = connection.getResponseCode();
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      for (Map.Entry<String, List<String>> field : connection.getHeaderFields().entrySet()) {
        if (field.getKey() == null) continue; // the status line
        for (String value : field.getValue()) {
          headers.add(new AbstractMap.SimpleImmutableEntry<>(field.getKey(), value));
        }
      }
      InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      if (in != null) {
        try (InputStream stream = in) {
          stream.transferTo(body);
        }
      }
      return new HttpResponse(status, headers, body.toByteArray());
    }
  }

  private static byte[] randomKey() {
    byte[] key = new byte[GreenlightClient.STORE_KEY_SIZE];
    new SecureRandom().nextBytes(key);
    return key;
  }

  @Test
  public void aDayAdvertiseHearSyncColourUpload() throws Exception {
    Path work = Files.createTempDirectory(Paths.get(property("work")), "day");
    try (LoopbackServer server = new LoopbackServer(property("bin"), work)) {
      day(work, server);
    }
  }

  private void day(Path work, LoopbackServer server) throws Exception {
    String url = server.url();
    String pem = server.exportPublicKeyPem();
    long now = System.currentTimeMillis() / 1000;
    // The day before yesterday, 10:00 UTC: the server embargoes a key until 2 h after its day
    // ends, so a contact of yesterday would not be exported between 00:00 and 02:00 UTC.
    long contact = now - now % DAY - 2 * DAY + 10 * 3600;
    AtomicLong clock = new AtomicLong(contact);
    byte[] keyA = randomKey();
    byte[] keyB = randomKey();
    UrlConnectionTransport transportA = new UrlConnectionTransport();
    UrlConnectionTransport transportB = new UrlConnectionTransport();

    try (GreenlightClient a = GreenlightClient.open(work.resolve("a.db").toString(), keyA, clock::get);
        GreenlightClient b = GreenlightClient.open(work.resolve("b.db").toString(), keyB, clock::get)) {
      a.setTransport(transportA);
      b.setTransport(transportB);
      b.pinSigningKey(pem, "greenlight", "v1");

      // 30 minutes at -60 dBm, one scan a minute, each phone hearing the other.
      for (int minute = 0; minute < 30; ++minute) {
        clock.set(contact + 60L * minute);
        byte[] adA = a.currentAdvertisement();
        byte[] adB = b.currentAdvertisement();
        assertEquals(GreenlightClient.ADVERTISEMENT_SIZE, adA.length);
        assertFalse(java.util.Arrays.equals(adA, adB));
        b.recordScan(List.of(adA), new int[] {-60});
        a.recordObservation(adB, -60);
      }

      clock.set(now);
      assertEquals(0, b.sync(url));
      assertEquals(Colour.GREEN, b.colour().colour());

      // A tests positive: the key of the contact's day goes up with the health authority's code.
      List<ExposureKey> keys = a.keysForUpload(false);
      assertFalse(keys.isEmpty());
      assertEquals(16, keys.get(0).keyData().length);
      String code = server.issueCode();
      UploadStatus uploaded = a.upload(url, code, false);
      assertEquals(UploadStatus.Stage.PUBLISHED, uploaded.stage());
      assertTrue(uploaded.keys() >= 1);
      assertEquals(UploadStatus.Stage.PUBLISHED, a.uploadStatus().stage());
      assertTrue(transportA.requests.get() >= 2);

      // Export windows end on whole seconds (--time-granularity 1): let the upload's close.
      Thread.sleep(1100);
      server.exportNow();
      int before = transportB.requests.get();
      assertTrue(b.sync(url) >= 1);
      assertTrue(transportB.requests.get() > before);
      ColourInfo info = b.colour();
      assertEquals(Colour.RED, info.colour());
      assertEquals(ColourInfo.Rule.HIGH_RISK_EXPOSURE, info.rule());
      assertFalse(info.explanation().isEmpty());

      // The used code is refused, with the C status and the library's message.
      try {
        a.upload(url, code, false);
        fail("a used code was accepted");
      } catch (GreenlightException e) {
        assertNotEquals(Status.OK, e.status());
        assertFalse(e.getMessage().isEmpty());
      }
    }

    // The store key opens the database; another key is refused with AUTHENTICATION.
    try (GreenlightClient again = GreenlightClient.open(work.resolve("b.db").toString(), keyB, clock::get)) {
      assertEquals(Colour.RED, again.colour().colour());
    }
    try (GreenlightClient wrong =
        GreenlightClient.open(work.resolve("b.db").toString(), randomKey(), clock::get)) {
      fail("a wrong store key opened the database");
    } catch (GreenlightException e) {
      assertEquals(Status.AUTHENTICATION, e.status());
      assertFalse(e.isRetryable());
    }
  }

  @Test
  public void theRegionsAPhoneChoseAreTheFeedsItSyncs() throws Exception {
    Path work = Files.createTempDirectory(Paths.get(property("work")), "regions");
    try (LoopbackServer server = new LoopbackServer(property("bin"), work);
        GreenlightClient phone =
            GreenlightClient.open(work.resolve("phone.db").toString(), randomKey())) {
      String url = server.url();
      UrlConnectionTransport transport = new UrlConnectionTransport();
      phone.setTransport(transport);
      phone.pinSigningKey(server.exportPublicKeyPem(), "greenlight", "v1");

      // By default only the own feed.
      assertEquals(0, phone.sync(url));
      assertTrue(transport.asked("/v1/exports/index.txt"));
      assertFalse(transport.asked("/v1/federated/"));

      // A region this server does not federate: the own feed is still read, then the sync
      // fails with UNAVAILABLE naming the region.
      phone.setRegions(" ZZ ");
      transport.urls.clear();
      expectUnavailable(phone, url, "ZZ");
      assertTrue(transport.asked("/v1/exports/index.txt"));
      assertTrue(transport.asked("/v1/federated/ZZ/index.txt"));

      // A malformed list is refused with INVALID_ARGUMENT and the previous choice stays.
      try {
        phone.setRegions("zz;1");
        fail("a malformed region list was accepted");
      } catch (GreenlightException e) {
        assertEquals(Status.INVALID_ARGUMENT, e.status());
      }
      transport.urls.clear();
      expectUnavailable(phone, url, "ZZ");
      assertTrue(transport.asked("/v1/federated/ZZ/index.txt"));

      // null: only the own feed again.
      phone.setRegions(null);
      transport.urls.clear();
      assertEquals(0, phone.sync(url));
      assertTrue(transport.asked("/v1/exports/index.txt"));
      assertFalse(transport.asked("/v1/federated/"));
    }
  }

  private static void expectUnavailable(GreenlightClient phone, String url, String region) {
    try {
      phone.sync(url);
      fail("a sync over a region the server does not have succeeded");
    } catch (GreenlightException e) {
      assertEquals(Status.UNAVAILABLE, e.status());
      assertTrue(e.getMessage(), e.getMessage().contains(region));
    }
  }

  @Test
  public void badArgumentsAndClosedClientsFailCleanly() throws Exception {
    Path work = Files.createTempDirectory(Paths.get(property("work")), "args");
    try {
      GreenlightClient.open(work.resolve("x.db").toString(), new byte[5]);
      fail("a 5-byte store key was accepted");
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().contains("32 bytes, got 5"));
    }
    GreenlightClient client = GreenlightClient.open(work.resolve("x.db").toString(), randomKey());
    try {
      client.recordObservation(new byte[19], -50);
      fail("a 19-byte payload was accepted");
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().contains("got 19"));
    }
    try {
      client.pinSigningKey("not a key", "greenlight", "v1");
      fail("a bad PEM was accepted");
    } catch (GreenlightException e) {
      assertEquals(Status.INVALID_ARGUMENT, e.status());
    }
    // The app's transport failing with IOException is a retryable failure.
    client.setTransport(request -> {
      throw new IOException("no network");
    });
    try {
      client.sync("http://127.0.0.1:1");
      fail("a sync without network succeeded");
    } catch (GreenlightException e) {
      assertTrue(e.getMessage(), e.isRetryable());
    }
    client.close();
    client.close();
    try {
      client.currentAdvertisement();
      fail("a closed client answered");
    } catch (IllegalStateException e) {
      assertTrue(e.getMessage().contains("closed"));
    }
    assertArrayEquals(new byte[0], new HttpResponse(200, List.of(), null).body());
  }

  @Test
  public void rotatingTheStoreKeyKeepsTheDataAndRetiresTheOldKey() throws Exception {
    Path work = Files.createTempDirectory(Paths.get(property("work")), "rotate");
    String db = work.resolve("phone.db").toString();
    byte[] oldKey = randomKey();
    byte[] newKey = randomKey();
    AtomicLong now = new AtomicLong(1714550400L); // 2024-05-01 08:00 UTC
    byte[] heard = new byte[GreenlightClient.ADVERTISEMENT_SIZE];
    new SecureRandom().nextBytes(heard);
    try (GreenlightClient client = GreenlightClient.open(db, oldKey, now::get)) {
      client.recordObservation(heard, -60);
      client.setPositiveTest(now.get() - 3600);
      try {
        client.rotateStoreKey(new byte[31]);
        fail("a 31-byte key was accepted");
      } catch (IllegalArgumentException e) {
        assertTrue(e.getMessage().contains("32 bytes, got 31"));
      }
      client.rotateStoreKey(newKey);
      // The handle goes on under the new key.
      now.addAndGet(300);
      client.recordObservation(heard, -58);
      assertEquals(Colour.RED, client.colour().colour());
    }
    try {
      GreenlightClient.open(db, oldKey, now::get).close();
      fail("the old key still opens the database");
    } catch (GreenlightException e) {
      assertEquals(Status.AUTHENTICATION, e.status());
    }
    try (GreenlightClient client = GreenlightClient.open(db, newKey, now::get)) {
      assertEquals(Colour.RED, client.colour().colour());
    }
  }
}
