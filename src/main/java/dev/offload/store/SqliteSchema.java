package dev.offload.store;

import io.vertx.core.Future;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Schema evolution for the SQLite store: the migrations of {@code db/sqlite/} ({@link Migrations}),
 * each run once, in a transaction, when the database's {@code user_version} is below its number.
 */
final class SqliteSchema {

  static final List<List<String>> MIGRATIONS = Migrations.of("sqlite");

  private SqliteSchema() {
  }

  /** Brings the database to the latest version; returns the version it was at. */
  static Future<Integer> migrate(SqliteWriter writer) {
    return writer.withConnection(connection -> {
      int current;
      try (Statement statement = connection.createStatement();
           ResultSet version = statement.executeQuery("PRAGMA user_version")) {
        current = version.getInt(1);
      }
      // Each migration and its version number in one transaction (the writer is never in auto-commit).
      for (int i = current; i < MIGRATIONS.size(); i++) {
        try (Statement statement = connection.createStatement()) {
          for (String sql : MIGRATIONS.get(i)) {
            statement.executeUpdate(sql);
          }
          statement.executeUpdate("PRAGMA user_version = " + (i + 1));
          connection.commit();
        } catch (SQLException e) {
          connection.rollback();
          throw e;
        }
      }
      connection.commit();
      return current;
    });
  }
}
