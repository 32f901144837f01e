package dev.offload.webhooks;

import dev.offload.webhooks.WebhookClient.Delivery;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Pinning under TLS: the connection goes to the checked address, yet SNI, the Host header and the
 * certificate check all use the URL's name. The receiver's certificate names only
 * {@code hooks.example.test}, no address, and DNS is stood in for.
 */
@ExtendWith(VertxExtension.class)
class WebhookClientTlsTest {
  private static final String NAME = "hooks.example.test";
  private static final Buffer BODY = Buffer.buffer("{\"event\":\"job.succeeded\"}");

  @TempDir
  static Path certs;

  /** A private CA and a certificate for {@link #NAME} only, made with openssl (the tests skip without it). */
  @BeforeAll
  static void certificates() throws Exception {
    assumeTrue(run("bash", "-c", "command -v openssl"), "openssl is not installed");
    Path ext = certs.resolve("server.ext");
    Files.writeString(ext, "subjectAltName=DNS:" + NAME + "\nextendedKeyUsage=serverAuth\n", StandardCharsets.UTF_8);
    assertThat(run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
      "-subj", "/CN=offload-webhook-test-ca", "-keyout", file("ca.key"), "-out", file("ca.crt"))).isTrue();
    assertThat(run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + NAME,
      "-keyout", file("server.key"), "-out", file("server.csr"))).isTrue();
    assertThat(run("openssl", "x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"),
      "-CAkey", file("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", ext.toString(),
      "-out", file("server.crt"))).isTrue();
  }

  private static String file(String name) {
    return certs.resolve(name).toString();
  }

  private static boolean run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
    process.getInputStream().readAllBytes();
    return process.waitFor() == 0;
  }

  private static Future<HttpServer> receiver(Vertx vertx, Handler<HttpServerRequest> handler) {
    return vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(file("server.key")).setCertPath(file("server.crt"))))
      .requestHandler(handler)
      .listen(0, "127.0.0.1");
  }

  /** Every name of these tests is 127.0.0.1, which the policy allows by its literal. */
  private static WebhookClient client(Vertx vertx) {
    WebhookClient.Resolver dns = host -> {
      if (!host.endsWith(".example.test") && !host.equals("127.0.0.1")) {
        throw new UnknownHostException(host);
      }
      return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
    };
    return new WebhookClient(vertx, new TargetPolicy(false, List.of("127.0.0.1")), 5, 4096, dns,
      new PemTrustOptions().addCertPath(file("ca.crt")));
  }

  @Test
  void sniHostAndCertificateCheckUseTheNameWhileTheConnectionIsPinned(Vertx vertx, VertxTestContext test) {
    Map<String, String> seen = new ConcurrentHashMap<>();
    WebhookClient client = client(vertx);
    receiver(vertx, request -> {
      seen.put("sni", String.valueOf(request.connection().indicatedServerName()));
      seen.put("host", request.getHeader("Host"));
      seen.put("local", request.localAddress().hostAddress());
      request.response().setStatusCode(200).end();
    })
      .compose(server -> client.post("https://" + NAME + ":" + server.actualPort() + "/tls", null, BODY)
        .map(delivery -> Map.entry(server.actualPort(), delivery)))
      .onComplete(test.succeeding(result -> test.verify(() -> {
        assertThat(result.getValue()).isEqualTo(new Delivery(200, null));
        assertThat(seen).containsEntry("sni", NAME)
          .containsEntry("host", NAME + ":" + result.getKey())
          .containsEntry("local", "127.0.0.1");
        test.completeNow();
      })));
  }

  @Test
  void aCertificateForAnotherNameIsRefusedEvenAtTheSameAddress(Vertx vertx, VertxTestContext test) {
    AtomicInteger hits = new AtomicInteger();
    WebhookClient client = client(vertx);
    receiver(vertx, request -> {
      hits.incrementAndGet();
      request.response().end();
    })
      .compose(server -> Future.all(
        client.post("https://other.example.test:" + server.actualPort() + "/", null, BODY),
        client.post("https://127.0.0.1:" + server.actualPort() + "/", null, BODY)))
      .onComplete(test.succeeding(all -> test.verify(() -> {
        // Checked against the URL's name, not the address connected to (which the certificate lacks too).
        assertThat(all.<Delivery>resultAt(0).status()).isZero();
        assertThat(all.<Delivery>resultAt(0).problem()).startsWith("TLS failed: ").contains("other.example.test");
        assertThat(all.<Delivery>resultAt(1).status()).isZero();
        assertThat(all.<Delivery>resultAt(1).problem()).startsWith("TLS failed: ").contains("127.0.0.1");
        assertThat(hits).hasValue(0);
        test.completeNow();
      })));
  }
}
