package org.greenlight;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real key server on a free loopback port, run through the greenlight CLI (the path in the
 * system property greenlight.bin): export and authority keys, API key files, `server run`.
 */
final class LoopbackServer implements AutoCloseable {
  private final String bin;
  private final Path dir;
  private final Process process;
  private final int port;

  LoopbackServer(String bin, Path dir) throws Exception {
    this.bin = bin;
    this.dir = dir;
    run("server", "keygen", "--out", dir.resolve("export.pem").toString(), "--public-out",
        dir.resolve("export.pub.pem").toString());
    run("server", "keygen", "--out", dir.resolve("authority.pem").toString(), "--public-out",
        dir.resolve("authority.pub.pem").toString());
    Files.writeString(dir.resolve("ha.key"), "health-authority-java-key-0001\n");
    Files.writeString(dir.resolve("admin.key"), "admin-java-test-key-0000000001\n");
    process = new ProcessBuilder(bin, "server", "run", "--db", dir.resolve("server.db").toString(),
        "--export-dir", dir.resolve("site").toString(), "--signing-key",
        dir.resolve("export.pem").toString(), "--authority-key",
        dir.resolve("authority.pem").toString(), "--ha-api-key-file",
        dir.resolve("ha.key").toString(), "--admin-api-key-file",
        dir.resolve("admin.key").toString(), "--listen", "127.0.0.1:0", "--export-period", "0",
        "--time-granularity", "1")
        .redirectOutput(dir.resolve("server.out").toFile())
        .redirectError(dir.resolve("server.err").toFile())
        .start();
    // The first line of its output names the port; a file, so the server never blocks on a pipe.
    String first = null;
    for (int i = 0; i < 100 && process.isAlive(); ++i) {
      String out = Files.readString(dir.resolve("server.out"));
      int end = out.indexOf('\n');
      if (end >= 0) {
        first = out.substring(0, end);
        break;
      }
      Thread.sleep(100);
    }
    if (first == null || !first.startsWith("listening on 127.0.0.1:")) {
      process.destroy();
      throw new IllegalStateException("server did not start: " + first + " "
          + Files.readString(dir.resolve("server.err")));
    }
    port = Integer.parseInt(first.substring(first.lastIndexOf(':') + 1).trim());
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  String exportPublicKeyPem() throws IOException {
    return Files.readString(dir.resolve("export.pub.pem"));
  }

  /** A fresh verification code from the health authority's API. */
  String issueCode() throws Exception {
    String out = run("server", "issue-code", "--url", "127.0.0.1:" + port, "--api-key-file",
        dir.resolve("ha.key").toString());
    return out.trim().split(" ")[0];
  }

  /** Runs the export now (the upload's window must have closed: wait a second first). */
  void exportNow() throws Exception {
    run("server", "export-now", "--url", "127.0.0.1:" + port, "--admin-api-key-file",
        dir.resolve("admin.key").toString());
  }

  private String run(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(bin);
    Collections.addAll(command, args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("greenlight " + String.join(" ", args) + ": " + output);
    }
    return output;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
  }
}
