package dev.offload.auth;

import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystem;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/** The HS256 secret file: read, or in dev mode generated on the first start. */
public final class DevSecret {

  private DevSecret() {
  }

  /**
   * The HS256 secret from {@code auth.hs256SecretFile}. In dev mode a missing file is created with
   * 48 random bytes (base64url text), readable by its owner only; in production it must exist.
   */
  public static Future<String> read(Vertx vertx, OffloadConfig config) {
    if (config.auth().hs256SecretFile() == null) {
      return Future.failedFuture(new ConfigException("no HS256 secret is configured (config key "
        + "'auth.hs256SecretFile'): this config verifies tokens with public keys only"));
    }
    FileSystem fs = vertx.fileSystem();
    String path = config.auth().hs256SecretFile().toString();
    String dir = config.auth().hs256SecretFile().toAbsolutePath().getParent().toString();
    return fs.exists(path).compose(exists -> {
      if (exists) {
        return fs.readFile(path).map(buffer -> buffer.toString(StandardCharsets.UTF_8).trim());
      }
      if (config.mode() != OffloadConfig.Mode.DEV) {
        return Future.failedFuture(new ConfigException("config key 'auth.hs256SecretFile': " + path
          + " does not exist; only dev mode generates a secret"));
      }
      byte[] random = new byte[48];
      new SecureRandom().nextBytes(random);
      String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      return fs.mkdirs(dir, "rwx------")
        .compose(v -> fs.createFile(path, "rw-------"))
        .compose(v -> fs.writeFile(path, Buffer.buffer(secret + "\n")))
        .map(secret);
    });
  }
}
