package dev.offload.auth;

import java.util.Collection;

/** The OAuth 2.0 style scopes a token's space-separated {@code scope} claim may hold. */
public final class Scopes {
  public static final String READ = "jobs:read";
  public static final String WRITE = "jobs:write";
  /** Sees and cancels every owner's jobs. */
  public static final String ADMIN = "jobs:admin";
  /** Claims and runs the jobs of every remote type ({@code jobs:work:<type>}: of that type only). */
  public static final String WORK = "jobs:work";

  private Scopes() {
  }

  /** True when {@code held} lets a remote worker take jobs of {@code type}. */
  public static boolean mayWork(Collection<String> held, String type) {
    return held.contains(WORK) || held.contains(WORK + ":" + type);
  }

  /** True when {@code held} lets a remote worker take jobs of some type. */
  public static boolean anyWork(Collection<String> held) {
    return held.stream().anyMatch(scope -> scope.equals(WORK) || scope.startsWith(WORK + ":"));
  }
}
