package dev.offload.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Tuple;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Sql} over a plain JDBC connection, for the SQLite writer thread: every call runs at
 * once, on the calling thread, and answers an already completed future. Prepared statements are
 * kept (the most recently used {@value #KEPT}), so a statement is parsed once, not once per
 * transaction. Not thread-safe: one thread owns it.
 */
final class JdbcSql implements Sql {
  private static final int KEPT = 64;

  private final Connection connection;
  private final Map<String, PreparedStatement> prepared = new LinkedHashMap<>(KEPT, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
      if (size() <= KEPT) {
        return false;
      }
      closeQuietly(eldest.getValue());
      return true;
    }
  };

  JdbcSql(Connection connection) {
    this.connection = connection;
  }

  @Override
  public Future<List<Tuple>> query(String sql, Tuple args) {
    try {
      PreparedStatement statement = bind(sql, args);
      List<Tuple> rows = new ArrayList<>();
      if (statement.execute()) {
        try (ResultSet result = statement.getResultSet()) {
          int columns = result.getMetaData().getColumnCount();
          while (result.next()) {
            Object[] values = new Object[columns];
            for (int i = 0; i < columns; i++) {
              values[i] = result.getObject(i + 1);
            }
            rows.add(Tuple.wrap(values));
          }
        }
      }
      return Future.succeededFuture(rows);
    } catch (SQLException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<Integer> update(String sql, Tuple args) {
    try {
      return Future.succeededFuture(bind(sql, args).executeUpdate());
    } catch (SQLException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<List<Integer>> batch(String sql, List<Tuple> rows) {
    try {
      PreparedStatement statement = statement(sql);
      for (Tuple row : rows) {
        bind(statement, row);
        statement.addBatch();
      }
      return Future.succeededFuture(Arrays.stream(statement.executeBatch()).boxed().toList());
    } catch (SQLException e) {
      return Future.failedFuture(e);
    }
  }

  /** Closes the kept statements (the connection is its owner's to close). */
  void close() {
    prepared.values().forEach(JdbcSql::closeQuietly);
    prepared.clear();
  }

  private PreparedStatement bind(String sql, Tuple args) throws SQLException {
    PreparedStatement statement = statement(sql);
    bind(statement, args);
    return statement;
  }

  private static void bind(PreparedStatement statement, Tuple args) throws SQLException {
    for (int i = 0; i < args.size(); i++) {
      statement.setObject(i + 1, args.getValue(i));
    }
  }

  private PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement statement = prepared.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      prepared.put(sql, statement);
    }
    return statement;
  }

  private static void closeQuietly(PreparedStatement statement) {
    try {
      statement.close();
    } catch (SQLException ignored) {
      // Closing a statement of a connection that is going away: nothing to do.
    }
  }
}
