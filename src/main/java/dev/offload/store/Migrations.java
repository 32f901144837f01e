package dev.offload.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A store's schema migrations, as plain SQL files on the class path: {@code db/<store>/001.sql},
 * {@code 002.sql} ... Migration N runs once, in a transaction, when the schema is below version
 * N. Append new files; never edit a released one.
 *
 * <p>A file holds statements that each end with a {@code ;} at the end of a line, outside
 * {@code $$} quoting (PostgreSQL function bodies); lines starting with {@code --} are comments.
 */
final class Migrations {

  private Migrations() {
  }

  /** Every migration of {@code store} ("sqlite", "postgres"), in order, each as its statements. */
  static List<List<String>> of(String store) {
    List<List<String>> migrations = new ArrayList<>();
    for (int n = 1; ; n++) {
      String name = String.format("db/%s/%03d.sql", store, n);
      try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(name)) {
        if (in == null) {
          return List.copyOf(migrations);
        }
        migrations.add(statements(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + name, e);
      }
    }
  }

  /** The statements of a script, without their final {@code ;}. */
  static List<String> statements(String script) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (String line : script.split("\n", -1)) {
      if (!quoted && line.strip().startsWith("--")) {
        continue;
      }
      // An odd number of $$ on a line opens or closes a quoted body.
      quoted ^= (line.split("\\$\\$", -1).length - 1) % 2 == 1;
      current.append(line).append('\n');
      String end = line.strip();
      if (!quoted && end.endsWith(";")) {
        String statement = current.toString().strip();
        statements.add(statement.substring(0, statement.length() - 1).strip());
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      throw new IllegalStateException("a migration ends without ';': " + current.toString().strip());
    }
    return List.copyOf(statements);
  }
}
