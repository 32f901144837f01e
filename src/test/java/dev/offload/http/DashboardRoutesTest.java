package dev.offload.http;

import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's routes over HTTP (docs/dashboard.md): files, their policy and caching, redirects, config.json. */
@ExtendWith(VertxExtension.class)
class DashboardRoutesTest {

  private static HttpResponse<Buffer> get(TestService service, String path, String... headers) {
    var request = service.client.get(path).followRedirects(false);
    for (int i = 0; i < headers.length; i += 2) {
      request.putHeader(headers[i], headers[i + 1]);
    }
    return await(request.send());
  }

  @Test
  void thePageAndItsModulesAreServedWithTheirOwnPolicyAndRevalidation(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    HttpResponse<Buffer> page = get(service, "/ui/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.bodyAsString()).contains("<script type=\"module\" src=\"js/main.js\"></script>")
      .doesNotContain("<script>").doesNotContain(" style=").doesNotContain("http://").doesNotContain("https://");
    String policy = page.getHeader("Content-Security-Policy");
    assertThat(policy).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self';",
      "frame-ancestors 'none'", "require-trusted-types-for 'script'").doesNotContain("unsafe");
    assertThat(page.getHeader("X-Frame-Options")).isEqualTo("DENY");
    assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.getHeader("Cache-Control")).isEqualTo("no-cache");
    String modified = page.getHeader("Last-Modified");
    assertThat(modified).isNotNull();
    assertThat(get(service, "/ui/index.html", "If-Modified-Since", modified).statusCode()).isEqualTo(304);

    HttpResponse<Buffer> head = await(service.client.head("/ui/").send());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.getHeader("Content-Security-Policy")).isEqualTo(policy);

    HttpResponse<Buffer> module = get(service, "/ui/js/main.js");
    assertThat(module.statusCode()).isEqualTo(200);
    assertThat(module.getHeader("Content-Type")).contains("javascript");
    assertThat(get(service, "/ui/app.css").getHeader("Content-Type")).startsWith("text/css");
    // The API keeps its own policy and no-store.
    assertThat(service.get("/api/v1/jobs", service.token("alice", TestService.READ_WRITE))
      .getHeader("Content-Security-Policy")).isEqualTo("default-src 'none'; frame-ancestors 'none'");
  }

  @Test
  void rootAndUiRedirectAndNothingElseIsServed(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    for (String path : new String[] {"/", "/ui"}) {
      HttpResponse<Buffer> redirect = get(service, path);
      assertThat(redirect.statusCode()).as(path).isEqualTo(302);
      assertThat(redirect.getHeader("Location")).isEqualTo("/ui/");
    }
    // No listing, no way out of the dashboard's folder into the rest of the class path.
    for (String path : new String[] {"/ui/js/", "/ui/js", "/ui/nothing.js", "/ui/../logback.xml",
      "/ui/%2e%2e/logback.xml", "/ui/..%2flogback.xml", "/ui/%2e%2e/db/sqlite/001.sql", "/ui/.hidden"}) {
      HttpResponse<Buffer> refused = get(service, path);
      assertThat(refused.statusCode()).as(path).isIn(301, 302, 404);
      assertThat(refused.bodyAsString() == null ? "" : refused.bodyAsString()).as(path)
        .doesNotContain("<configuration").doesNotContain("CREATE TABLE").doesNotContain("<a href");
    }
  }

  @Test
  void configJsonSaysWhetherOidcIsOnAndTheIssuerJoinsConnectSrc(@TempDir Path dir, Vertx vertx) {
    TestService plain = TestService.start(vertx, dir.resolve("a"));
    HttpResponse<Buffer> off = get(plain, "/ui/config.json");
    assertThat(off.statusCode()).isEqualTo(200);
    assertThat(off.bodyAsJsonObject()).isEqualTo(new JsonObject().putNull("oidc"));
    assertThat(off.getHeader("Cache-Control")).isEqualTo("no-store");
    plain.stop();

    JsonObject config = TestService.baseConfig(dir.resolve("b")).put("dashboard", new JsonObject().put("oidc",
      new JsonObject().put("issuer", "https://login.example.com/realms/x").put("clientId", "ui")));
    TestService oidc = TestService.start(vertx, config);
    assertThat(get(oidc, "/ui/config.json").bodyAsJsonObject()).isEqualTo(new JsonObject().put("oidc", new JsonObject()
      .put("issuer", "https://login.example.com/realms/x").put("clientId", "ui").put("scope", "openid")));
    assertThat(get(oidc, "/ui/").getHeader("Content-Security-Policy"))
      .contains("connect-src 'self' https://login.example.com;");
  }

  @Test
  void aDisabledDashboardIsNotServed(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir, "dashboard", new JsonObject().put("enabled", false));
    assertThat(get(service, "/ui/").statusCode()).isEqualTo(404);
    assertThat(get(service, "/").statusCode()).isEqualTo(404);
  }
}
