package dev.offload.auth;

/** The OAuth 2.0 style scopes a token's space-separated {@code scope} claim may hold. */
public final class Scopes {
  public static final String READ = "jobs:read";
  public static final String WRITE = "jobs:write";
  /** Sees and cancels every owner's jobs. */
  public static final String ADMIN = "jobs:admin";

  private Scopes() {
  }
}
