package dev.offload.auth;

import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prints a token that a service started on the same config accepts, signed with its HS256
 * secret ({@code make token SUB=alice SCOPE="jobs:read jobs:write"}). For development: in
 * production, tokens come from your identity provider.
 *
 * <p>Usage: {@code TokenCli CONFIG_FILE SUBJECT "SCOPES" [TTL_SECONDS]}
 */
public final class TokenCli {

  private TokenCli() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3 || args.length > 4) {
      System.err.println("usage: TokenCli CONFIG_FILE SUBJECT \"SCOPES\" [TTL_SECONDS]");
      System.exit(2);
    }
    int ttl = args.length == 4 ? Integer.parseInt(args[3]) : 3600;
    Vertx vertx = Vertx.vertx();
    try {
      OffloadConfig config = OffloadConfig.from(new JsonObject(Files.readString(Path.of(args[0]))), System.getenv());
      String secret = JwtSetup.secret(vertx, config).await();
      String token = JwtSetup.sign(JwtSetup.provider(vertx, secret, config.auth()), config.auth(), args[1], args[2], ttl);
      System.out.println(token);
    } catch (ConfigException e) {
      // A config that cannot sign (public keys only, say) is a usage error, not a crash.
      System.err.println("make token: " + e.getMessage());
      System.exit(2);
    } finally {
      vertx.close().await();
    }
  }
}
