package dev.offload.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link Sql} over a Vert.x SQL client: a PostgreSQL connection inside a transaction (vertx-pg-client
 * pipelines the statements issued together), or a pool for reads (either store).
 */
record ClientSql(SqlClient client) implements Sql {

  @Override
  public Future<List<Tuple>> query(String sql, Tuple args) {
    return client.preparedQuery(sql).execute(args).map(ClientSql::tuples);
  }

  @Override
  public Future<Integer> update(String sql, Tuple args) {
    return client.preparedQuery(sql).execute(args).map(SqlResult::rowCount);
  }

  @Override
  public Future<List<Integer>> batch(String sql, List<Tuple> rows) {
    // vertx-pg-client answers one row set per run of the statement, chained by next().
    return client.preparedQuery(sql).executeBatch(rows).map(result -> {
      List<Integer> counts = new ArrayList<>(rows.size());
      for (RowSet<Row> each = result; each != null; each = each.next()) {
        counts.add(each.rowCount());
      }
      return counts;
    });
  }

  private static List<Tuple> tuples(RowSet<Row> rows) {
    List<Tuple> out = new ArrayList<>(rows.size());
    rows.forEach(out::add);
    return out;
  }
}
