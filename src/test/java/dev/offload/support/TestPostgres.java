package dev.offload.support;

import dev.offload.config.OffloadConfig;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Assumptions;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The PostgreSQL server tests run against: {@code TEST_PG_URL}, by default
 * {@code postgresql://postgres@127.0.0.1:5432/test}. Each caller gets a schema of its own, so runs
 * never collide. Without a reachable server the PostgreSQL tests are skipped with a message,
 * unless {@code TEST_REQUIRE_PG=1} (set by CI), where they fail.
 */
public final class TestPostgres {
  public static final String URL = System.getenv().getOrDefault("TEST_PG_URL",
    "postgresql://postgres@127.0.0.1:5432/test");
  private static final boolean REQUIRED = "1".equals(System.getenv("TEST_REQUIRE_PG"));

  private TestPostgres() {
  }

  /** A fresh schema name; skips (or fails, when required) the calling test if the server cannot be reached. */
  public static String freshSchema(Vertx vertx) {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(URL)).using(vertx).build();
    try {
      TestService.await(pool.query("SELECT 1").execute());
    } catch (Throwable unreachable) {
      String message = "PostgreSQL at " + URL + " is not reachable (" + unreachable.getMessage() + ")";
      if (REQUIRED) {
        throw new AssertionError(message + " and TEST_REQUIRE_PG=1", unreachable);
      }
      System.err.println("SKIPPED: " + message + "; set TEST_PG_URL, or TEST_REQUIRE_PG=1 to fail");
      Assumptions.abort(message);
    } finally {
      pool.close();
    }
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    return "offload_test_" + HexFormat.of().formatHex(random);
  }

  /** Drops a schema made by {@link #freshSchema}. */
  public static void drop(Vertx vertx, String schema) {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(URL)).using(vertx).build();
    try {
      TestService.await(pool.query("DROP SCHEMA IF EXISTS " + schema + " CASCADE").execute());
    } finally {
      pool.close();
    }
  }

  public static OffloadConfig.Postgres config(String schema) {
    return new OffloadConfig.Postgres(URL, schema, 4, 4, null);
  }
}
