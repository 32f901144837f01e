package dev.offload.http;

import dev.offload.app.MainVerticle;
import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import dev.offload.support.TestCluster;
import dev.offload.support.TestKeys;
import dev.offload.support.TestService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTPS: HTTP/2 through ALPN, TLS 1.2 and 1.3 only, HSTS; and the shipped production example,
 * which starts only with real keys and certificates.
 */
@ExtendWith(VertxExtension.class)
class TlsTest {

  private static WebClient httpsClient(Vertx vertx, Path ca, int port, HttpVersion version, String protocol) {
    return WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
      .setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()))
      .setUseAlpn(version == HttpVersion.HTTP_2).setProtocolVersion(version)
      .setEnabledSecureTransportProtocols(Set.of(protocol))
      .setDefaultHost("localhost").setDefaultPort(port));
  }

  @Test
  void theApiSpeaksHttp2AndHttp11OverTls12And13WithHsts(@TempDir Path dir, Vertx vertx) {
    Path certs = dir.resolve("certs");
    TestCluster.certificates(certs, "server");
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("http").put("tls", new JsonObject()
      .put("keyFile", certs.resolve("server.key").toString()).put("certFile", certs.resolve("server.crt").toString()));
    MainVerticle main = new MainVerticle(Map.of());
    await(vertx.deployVerticle(main, new DeploymentOptions().setConfig(config)));
    String token = TestService.devToken(vertx, OffloadConfig.from(config, Map.of()), "alice");

    for (HttpVersion version : new HttpVersion[] {HttpVersion.HTTP_2, HttpVersion.HTTP_1_1}) {
      for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
        WebClient client = httpsClient(vertx, certs.resolve("ca.crt"), main.httpPort(), version, protocol);
        HttpResponse<Buffer> response = await(client.get("/api/v1/jobs").bearerTokenAuthentication(token).send());
        assertThat(response.statusCode()).as(version + " " + protocol).isEqualTo(200);
        assertThat(response.version()).isEqualTo(version);
        assertThat(response.getHeader("Strict-Transport-Security")).isEqualTo("max-age=31536000");
        assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
        client.close();
      }
    }
    // TLS 1.0 and 1.1 are not offered.
    assertThat(HttpVerticle.serverOptions(OffloadConfig.from(config, Map.of())).getEnabledSecureTransportProtocols())
      .containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
  }

  @Test
  void theProductionExampleStartsOnlyWithRealKeysAndCertificates(@TempDir Path dir, Vertx vertx) throws Exception {
    JsonObject shipped = new JsonObject(Files.readString(Path.of("conf", "production.json")));
    // As shipped, its files do not exist on this machine: refused, naming the key.
    assertThatThrownBy(() -> OffloadConfig.from(shipped, Map.of())).isInstanceOf(ConfigException.class)
      .hasMessageContaining("http.tls.keyFile").hasMessageContaining("cannot read");

    // With a certificate, and the identity provider's key set on a local server (loopback http).
    Path certs = dir.resolve("certs");
    TestCluster.certificates(certs, "server");
    TestKeys idp = TestKeys.generate("ES256", "idp-1");
    HttpServer jwks = await(vertx.createHttpServer().requestHandler(request -> request.response()
      .end(new JsonObject().put("keys", new JsonArray().add(idp.publicJwk())).encode())).listen(0, "127.0.0.1"));
    JsonObject config = shipped.copy().put("dataDir", dir.resolve("data").toString())
      .put("store", new JsonObject().put("kind", "sqlite")).put("management", new JsonObject().put("port", 0));
    config.getJsonObject("http").put("host", "127.0.0.1").put("port", 0).put("tls", new JsonObject()
      .put("keyFile", certs.resolve("server.key").toString()).put("certFile", certs.resolve("server.crt").toString()));
    config.getJsonObject("auth").put("jwks", new JsonObject()
      .put("url", "http://127.0.0.1:" + jwks.actualPort() + "/.well-known/jwks.json"));

    // Listening on the network without TLS, or without a key: refused, saying why.
    JsonObject plaintext = config.copy();
    plaintext.getJsonObject("http").put("host", "0.0.0.0").remove("tls");
    assertThatThrownBy(() -> OffloadConfig.from(plaintext, Map.of())).hasMessageContaining("plaintext listener");
    JsonObject keyless = config.copy();
    keyless.getJsonObject("auth").remove("jwks");
    assertThatThrownBy(() -> OffloadConfig.from(keyless, Map.of())).hasMessageContaining("needs a verification key");

    MainVerticle main = new MainVerticle(Map.of());
    await(vertx.deployVerticle(main, new DeploymentOptions().setConfig(config)));
    String token = idp.sign(vertx, new JsonObject().put("sub", "alice").put("scope", "jobs:read")
      .put("iss", "https://id.example.com/").put("aud", "offload").put("exp", System.currentTimeMillis() / 1000 + 60));
    WebClient client = httpsClient(vertx, certs.resolve("ca.crt"), main.httpPort(), HttpVersion.HTTP_2, "TLSv1.3");
    assertThat(await(client.get("/api/v1/jobs").bearerTokenAuthentication(token).send()).statusCode()).isEqualTo(200);
    assertThat(dir.resolve("data").resolve("jwt-hs256.secret")).as("no dev secret in production").doesNotExist();
  }
}
