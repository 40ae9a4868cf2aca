package org.greenlight;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** The server's answer, as the app's {@link Transport} received it. */
public final class HttpResponse {
  private final int status;
  private final List<Map.Entry<String, String>> headers;
  private final byte[] body;

  public HttpResponse(int status, List<Map.Entry<String, String>> headers, byte[] body) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("HTTP status must be 100..599, got " + status);
    }
    this.status = status;
    this.headers = Collections.unmodifiableList(new ArrayList<>(headers));
    this.body = body == null ? new byte[0] : body.clone();
  }

  public int status() {
    return status;
  }

  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  public byte[] body() {
    return body.clone();
  }

  // For the native side: no copies.
  String[] headerNames() {
    String[] out = new String[headers.size()];
    for (int i = 0; i < out.length; ++i) out[i] = headers.get(i).getKey();
    return out;
  }

  String[] headerValues() {
    String[] out = new String[headers.size()];
    for (int i = 0; i < out.length; ++i) out[i] = headers.get(i).getValue();
    return out;
  }

  byte[] rawBody() {
    return body;
  }
}
