package dev.offload.auth;

import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
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
  /** The longest lifetime a dev token may have: 30 days. */
  static final int MAX_TTL_SECONDS = 30 * 24 * 3600;

  private TokenCli() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3 || args.length > 4) {
      fail("usage: TokenCli CONFIG_FILE SUBJECT \"SCOPES\" [TTL_SECONDS]");
    }
    String ttlArgument = args.length == 4 ? args[3] : "3600";
    if (!ttlArgument.matches("\\d{1,7}") || Integer.parseInt(ttlArgument) < 1
      || Integer.parseInt(ttlArgument) > MAX_TTL_SECONDS) {
      fail("TTL must be a whole number of seconds from 1 to " + MAX_TTL_SECONDS + " (30 days), got \"" + ttlArgument
        + "\"");
    }
    if (args[1].isBlank()) {
      fail("SUB must name the token's owner (the subject), e.g. SUB=alice");
    }
    JsonObject json = readConfig(Path.of(args[0]));
    Vertx vertx = Vertx.vertx();
    String token;
    String refused = null;
    try {
      OffloadConfig config = OffloadConfig.from(json, System.getenv());
      String secret = DevSecret.read(vertx, config).await();
      token = DevTokens.sign(Verifiers.create(vertx, secret, config.auth()), config.auth(), args[1], args[2],
        Integer.parseInt(ttlArgument));
    } catch (ConfigException e) {
      // A config that cannot sign (public keys only, say) is a usage error, not a crash.
      token = null;
      refused = e.getMessage();
    } finally {
      vertx.close().await();
    }
    if (refused != null) {
      fail(refused);
    }
    System.out.println(token);
  }

  private static JsonObject readConfig(Path file) {
    try {
      return new JsonObject(Files.readString(file));
    } catch (IOException e) {
      return fail("CONF=" + file + ": cannot read it");
    } catch (DecodeException e) {
      return fail("CONF=" + file + ": not a JSON object");
    }
  }

  /** One line on stderr and exit 2: every mistake here is the caller's to fix. */
  private static <T> T fail(String message) {
    System.err.println("make token: " + message);
    System.exit(2);
    return null;
  }
}
