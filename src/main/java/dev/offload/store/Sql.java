package dev.offload.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Tuple;

import java.util.List;

/**
 * The statements of one connection (or pool), whatever the database and driver: what
 * {@link SqlJobStore}'s operations are written against, once for both stores. Statements are
 * already in the connection's dialect ({@link Dialect#sql}); rows come back as tuples, read by
 * column position.
 */
interface Sql {

  /** A statement that returns rows (SELECT, or a write with RETURNING). */
  Future<List<Tuple>> query(String sql, Tuple args);

  /** A statement without rows; answers how many rows it changed. */
  Future<Integer> update(String sql, Tuple args);

  /** One statement run once per tuple; answers how many rows each run changed, in order. */
  Future<List<Integer>> batch(String sql, List<Tuple> rows);
}
