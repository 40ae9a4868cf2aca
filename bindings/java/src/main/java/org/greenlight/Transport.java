package org.greenlight;

import java.io.IOException;

/**
 * The app's own HTTP stack (OkHttp, HttpURLConnection, Cronet...). Every request the library
 * makes (export and log sync, uploads, chaff) goes through it once it is set with
 * {@link GreenlightClient#setTransport}.
 *
 * <p>Threading: send runs synchronously on the thread that called the GreenlightClient method
 * (sync, upload, ...), with the client's lock held. It must block until the answer is complete
 * and must not call back into the same client.
 */
public interface Transport {
  /**
   * Sends the request and returns the server's answer, whatever its HTTP status. Throws
   * IOException when no answer arrived (DNS, TLS, timeout, connection lost): the library treats
   * that as a retryable network failure.
   */
  HttpResponse send(HttpRequest request) throws IOException;
}
