package dev.offload.support;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The npm tools of {@code src/test/js} (pinned by its package-lock.json: tools nobody on the team
 * wrote), installed once per build with {@code npm ci} into {@code target/third-party-clients},
 * next to the scripts, and run there. Without {@code node} and {@code npm} the calling test is
 * skipped with a message, unless {@code CI=true}, where it fails: CI must run them.
 */
public final class NodeTools {
  private static final Path SOURCES = Path.of("src", "test", "js");
  private static final Path HOME = Path.of("target", "third-party-clients");
  private static boolean installed;

  private NodeTools() {
  }

  /** The directory the tools and scripts are in, installed if this build has not yet. */
  public static synchronized Path home() {
    if (installed) {
      return HOME;
    }
    if (!onPath("node") || !onPath("npm")) {
      String message = "no node or npm on the PATH (apt-get install nodejs npm)";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(message + " and CI=true");
      }
      System.err.println("SKIPPED: " + message + "; the third-party client tests need them");
      Assumptions.abort(message);
    }
    try {
      Files.createDirectories(HOME);
      try (Stream<Path> files = Files.list(SOURCES)) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          Files.copy(file, HOME.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Processes.Result install = run(600, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
    if (install.exitCode() != 0) {
      throw new AssertionError("npm ci in " + HOME + " failed: " + install);
    }
    installed = true;
    return HOME;
  }

  /** Runs {@code command} in {@link #home()}'s directory and waits for it (at most {@code seconds}). */
  public static Processes.Result run(int seconds, String... command) {
    return Processes.run(HOME, Map.of(), seconds, List.of(command));
  }

  /** Runs a tool the package installed ({@code node_modules/.bin/<tool>}). */
  public static Processes.Result tool(int seconds, String tool, String... args) {
    List<String> command = new ArrayList<>();
    command.add(home().resolve("node_modules").resolve(".bin").resolve(tool).toAbsolutePath().toString());
    command.addAll(List.of(args));
    return run(seconds, command.toArray(String[]::new));
  }

  private static boolean onPath(String command) {
    String path = System.getenv("PATH");
    return path != null && Stream.of(path.split(File.pathSeparator))
      .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
  }
}
