package dev.offload.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to its end, as the tests that start real programs (the jar, npm tools) do. */
public final class Processes {
  /** What a command printed, and how it ended (-1: it did not end in time and was killed). */
  public record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }

  private Processes() {
  }

  /**
   * Runs {@code command} in {@code dir}, with {@code env} added to this process's environment,
   * and waits for it (at most {@code seconds}, then kills it); its output goes through files
   * in {@code dir}, so a chatty program never blocks on a full pipe.
   */
  public static Result run(Path dir, Map<String, String> env, int seconds, List<String> command) {
    try {
      Path out = Files.createTempFile(dir, "stdout", ".log");
      Path err = Files.createTempFile(dir, "stderr", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      boolean exited = process.waitFor(seconds, TimeUnit.SECONDS);
      if (!exited) {
        process.destroyForcibly().waitFor();
      }
      Result result = new Result(exited ? process.exitValue() : -1, Files.readString(out), Files.readString(err));
      Files.delete(out);
      Files.delete(err);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
