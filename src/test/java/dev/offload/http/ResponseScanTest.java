package dev.offload.http;

import dev.offload.support.RawHttp;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an attacker scanning the service sees: every method on every path, with no token, a
 * garbage token and a valid one, with hostile bodies. No answer is a 5xx, none carries a stack
 * trace, a class or package name, a file path or SQL, and every error is problem+json.
 */
@ExtendWith(VertxExtension.class)
class ResponseScanTest {
  private static final List<String> PATHS = List.of("/", "/api", "/api/v1", "/api/v1/jobs",
    "/api/v1/jobs/00000000-0000-4000-8000-000000000000", "/api/v1/jobs/%00", "/api/v1/jobs/..%2f..%2fetc%2fpasswd",
    "/api/v1/jobs/%2e%2e/%2e%2e/", "/api/v1/job-types", "/health/ready", "/%ff%fe", "//api//v1//jobs",
    "/api/v1/jobs?limit=-1&cursor=%ff&state=%27%3B--", "/api/v1/jobs?limit=1000000", "/WEB-INF/web.xml",
    "/api/v1/jobs/x/../../../health/live", "/api/v1/jobs;jsessionid=1");
  private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
    "PROPFIND");
  private static final List<String> BODIES = List.of("", "{\"type\":", "{\"type\":\"sleep\",\"input\":{\"seconds\":1e999}}",
    "[".repeat(5000), "{\"type\":\"sleep\",\"type\":\"primes\",\"input\":{}}", "\u00ff\u00fe\u0000garbage");
  private static final List<String> LEAKS = List.of("Exception", "exception", "dev.offload", "io.vertx", "io.netty",
    "java.", "com.fasterxml", "org.sqlite", "\tat ", "/tmp", "/work", "/home", "SELECT", "INSERT", "sqlite", "jdbc");

  @Test
  void noAnswerLeaksInternalsOrIsAServerError(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String valid = service.token("alice", TestService.READ_WRITE);
    service.submit(valid, "sleep", new JsonObject().put("seconds", 3600));
    List<String> tokens = new ArrayList<>();
    tokens.add(null);
    tokens.add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
    tokens.add(valid);
    int answered = 0;
    for (String path : PATHS) {
      for (String method : METHODS) {
        for (String token : tokens) {
          for (String body : method.equals("POST") || method.equals("PUT") ? BODIES : List.of("")) {
            String request = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
              + (body.isEmpty() ? "" : "Content-Type: application/json\r\nContent-Length: "
                + body.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1).length + "\r\n")
              + "\r\n" + body;
            RawHttp.Response response;
            try (RawHttp raw = new RawHttp(service.port())) {
              response = raw.send(request).readUntilClosed();
            }
            String what = method + " " + path + (token == valid ? " (valid token)" : token == null ? "" : " (bad token)")
              + (body.isEmpty() ? "" : " body " + body.substring(0, Math.min(20, body.length())));
            assertThat(response.status()).as(what).isBetween(200, 499);
            for (String leak : LEAKS) {
              assertThat(response.head() + "\n" + response.body()).as(what).doesNotContain(leak);
            }
            if (response.status() >= 400) {
              assertThat(response.header("Content-Type")).as(what).isEqualTo("application/problem+json");
            }
            answered++;
          }
        }
      }
    }
    assertThat(answered).isGreaterThan(500);
    service.stop();
  }
}
