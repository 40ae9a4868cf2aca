package org.greenlight;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/** A request the library asks the app's {@link Transport} to send. */
public final class HttpRequest {
  private final String method;
  private final String url;
  private final List<Map.Entry<String, String>> headers;
  private final byte[] body;

  HttpRequest(String method, String url, List<Map.Entry<String, String>> headers, byte[] body) {
    this.method = method;
    this.url = url;
    this.headers = Collections.unmodifiableList(headers);
    this.body = body;
  }

  /** "GET" or "POST". */
  public String method() {
    return method;
  }

  /** An absolute http:// or https:// URL. */
  public String url() {
    return url;
  }

  /** Header name/value pairs, in order. */
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /** The body (empty for GET). */
  public byte[] body() {
    return body.clone();
  }
}
