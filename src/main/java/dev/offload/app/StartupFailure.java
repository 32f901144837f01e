package dev.offload.app;

import dev.offload.config.ConfigException;

/**
 * Why the service did not start, as the one line an operator reads, with the process's exit code:
 * {@value #CONFIGURATION} when the configuration is refused (fix it and start again),
 * {@value #OTHER} for anything else (a port in use, a data directory another process holds, a
 * store that cannot be reached). docs/operations.md lists them.
 */
record StartupFailure(int exitCode, String line) {
  static final int OTHER = 1;
  static final int CONFIGURATION = 2;

  static StartupFailure of(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConfigException config) {
        return new StartupFailure(CONFIGURATION, "Offload did not start (configuration): " + config.getMessage());
      }
    }
    return new StartupFailure(OTHER, "Offload did not start: " + describe(failure));
  }

  /** The message of {@code failure}, and of its root cause where that adds something. */
  static String describe(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = message(failure);
    String cause = message(root);
    return root == failure || message.contains(cause) ? message : message + ": " + cause;
  }

  private static String message(Throwable t) {
    return t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
  }
}
