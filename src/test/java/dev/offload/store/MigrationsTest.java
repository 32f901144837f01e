package dev.offload.store;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The migrations are SQL files; their statements are split as the databases would read them. */
class MigrationsTest {

  @Test
  void statementsEndAtASemicolonOnTheEndOfALineOutsideDollarQuotes() {
    List<String> statements = Migrations.statements("""
      -- a comment; with a semicolon
      CREATE TABLE t (a int);

      CREATE TRIGGER t_insert AFTER INSERT ON t
      BEGIN UPDATE t SET a = a + 1; END;
      CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RETURN NULL;
      END $$;
      """);
    assertThat(statements).containsExactly(
      "CREATE TABLE t (a int)",
      "CREATE TRIGGER t_insert AFTER INSERT ON t\nBEGIN UPDATE t SET a = a + 1; END",
      "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN NULL;\nEND $$");
    assertThatThrownBy(() -> Migrations.statements("CREATE TABLE t (a int)")).hasMessageContaining("without ';'");
  }

  @Test
  void bothStoresHaveTheirMigrationsInOrder() {
    assertThat(SqliteSchema.MIGRATIONS).extracting(List::size).containsExactly(6, 5, 3, 2, 10, 8, 2, 2, 1);
    assertThat(PostgresSchema.MIGRATIONS).extracting(List::size).containsExactly(10, 2, 2, 5, 5, 2, 5, 6, 1);
    assertThat(SqliteSchema.MIGRATIONS.get(0).get(0)).startsWith("CREATE TABLE jobs (");
  }
}
