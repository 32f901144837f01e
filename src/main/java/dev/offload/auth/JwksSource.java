package dev.offload.auth;

import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.auth.impl.jose.JWK;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A JSON Web Key Set (RFC 7517) from a file or an HTTPS URL, fetched without blocking (Vert.x
 * file system and HTTP client). Only public signature keys are kept: RSA, EC and OKP keys whose
 * {@code use} is absent or {@code sig}. A symmetric ({@code oct}) key in a published key set
 * would let anyone who can read the set sign tokens, so it is never used.
 */
final class JwksSource {
  private static final Logger LOG = LoggerFactory.getLogger(JwksSource.class);
  private static final Set<String> PUBLIC_KEY_TYPES = Set.of("RSA", "EC", "OKP");
  /** A key set is a few KiB; refuse to buffer a huge answer. */
  private static final int MAX_BYTES = 512 * 1024;

  private final Vertx vertx;
  private final OffloadConfig.Jwks config;
  private final HttpClient client;

  JwksSource(Vertx vertx, OffloadConfig.Jwks config) {
    this.vertx = vertx;
    this.config = config;
    if (config.url() == null) {
      client = null;
    } else {
      HttpClientOptions options = new HttpClientOptions().setConnectTimeout(5000).setIdleTimeout(30)
        .setSsl(config.url().startsWith("https:")).setVerifyHost(true);
      if (config.caFile() != null) {
        options.setTrustOptions(new PemTrustOptions().addCertPath(config.caFile().toString()));
      }
      client = vertx.createHttpClient(options);
    }
  }

  boolean remote() {
    return client != null;
  }

  String where() {
    return client != null ? config.url() : config.file().toString();
  }

  /** The usable keys of the set; fails when it cannot be read, is not a key set, or holds no usable key. */
  Future<List<JsonObject>> load() {
    Future<Buffer> document = client == null
      ? vertx.fileSystem().readFile(config.file().toString())
      : fetch();
    return document.map(this::usableKeys);
  }

  private Future<Buffer> fetch() {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(config.url())
      .putHeader("Accept", "application/json").setTimeout(10_000);
    return client.request(request)
      .compose(req -> req.send())
      .compose(response -> {
        if (response.statusCode() != 200) {
          return Future.failedFuture("HTTP " + response.statusCode());
        }
        String length = response.getHeader("Content-Length");
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BYTES) {
          return Future.failedFuture("the key set is larger than " + MAX_BYTES + " bytes");
        }
        return response.body();
      })
      .compose(body -> body.length() > MAX_BYTES
        ? Future.failedFuture("the key set is larger than " + MAX_BYTES + " bytes")
        : Future.succeededFuture(body));
  }

  private List<JsonObject> usableKeys(Buffer document) {
    JsonArray keys;
    try {
      keys = new JsonObject(document).getJsonArray("keys");
    } catch (RuntimeException e) {
      throw new ConfigException("the JWKS at " + where() + " is not a JSON object with a \"keys\" list");
    }
    if (keys == null) {
      throw new ConfigException("the JWKS at " + where() + " has no \"keys\" list");
    }
    List<JsonObject> usable = new ArrayList<>();
    for (Object item : keys) {
      if (!(item instanceof JsonObject key)) {
        continue;
      }
      String kty = key.getString("kty");
      if (!PUBLIC_KEY_TYPES.contains(kty) || !"sig".equals(key.getString("use", "sig")) || key.containsKey("d")) {
        LOG.warn("JWKS {}: skipping key {} (kty {}): only public signature keys are used", where(),
          key.getString("kid"), kty);
        continue;
      }
      try {
        new JWK(key);
        usable.add(key);
      } catch (RuntimeException e) {
        LOG.warn("JWKS {}: skipping key {} that cannot be parsed: {}", where(), key.getString("kid"), e.getMessage());
      }
    }
    if (usable.isEmpty()) {
      throw new ConfigException("the JWKS at " + where() + " holds no usable public signature key");
    }
    return usable;
  }
}
