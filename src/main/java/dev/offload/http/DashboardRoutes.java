package dev.offload.http;

import dev.offload.config.OffloadConfig;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The browser dashboard (docs/dashboard.md): plain files from the jar under {@code /ui/}, with a
 * policy of their own, and the one document the page reads before it has a token.
 *
 * <p>Every response already carries {@code default-src 'none'} (the API serves no pages); the
 * dashboard's files need scripts, styles and API calls, so {@link #headers} replaces that policy,
 * on {@code /ui/} paths only, by one that still allows nothing inline and no other origin but the
 * OpenID Connect provider's, when one is configured (the sign-in's discovery and code exchange).
 */
final class DashboardRoutes {
  static final String ROOT = "/";
  static final String UI = "/ui";
  static final String UI_FILES = "/ui/*";
  static final String UI_CONFIG = "/ui/config.json";
  static final String HOME = "/ui/";
  /** The classpath folder of the files (src/main/resources/dashboard). */
  private static final String WEBROOT = "dashboard";

  private final String policy;
  private final String config;

  DashboardRoutes(OffloadConfig.Dashboard dashboard) {
    OffloadConfig.Oidc oidc = dashboard.oidc();
    this.policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
      + "connect-src 'self'" + (oidc == null ? "" : " " + oidc.origin()) + "; "
      // Assigning a string to innerHTML (or any other HTML sink) throws: data only ever reaches the page as text.
      + "require-trusted-types-for 'script'; trusted-types 'none'; "
      + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    JsonObject body = new JsonObject().put("oidc", oidc == null ? null : new JsonObject()
      .put("issuer", oidc.issuer()).put("clientId", oidc.clientId()).put("scope", oidc.scope()));
    this.config = body.encode();
  }

  /** {@code /} and {@code /ui}: the dashboard's home, {@code /ui/} (relative links there resolve under it). */
  void redirect(RoutingContext ctx) {
    // vertx-web matches "/ui" for "/ui/" too: that one is the page itself.
    if (ctx.request().path().endsWith("/") && !ctx.request().path().equals(ROOT)) {
      ctx.next();
      return;
    }
    ctx.response().setStatusCode(302).putHeader("Location", HOME).end();
  }

  /**
   * The dashboard's policy, and revalidation instead of the API's {@code no-store}: the files
   * have no hashed names, so a browser may keep them but must ask (a {@code 304} when unchanged),
   * and a new version is seen at the next load, never a mix of old and new modules.
   */
  void headers(RoutingContext ctx) {
    ctx.response().headers()
      .set("Content-Security-Policy", policy)
      .set("Cache-Control", "no-cache");
    ctx.next();
  }

  /** {@code GET /ui/config.json}: whether an OpenID Connect sign-in is on, and its provider (public facts). */
  void config(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store").end(config);
  }

  /** The files; no directory listing, no hidden files, nothing outside the dashboard's folder. */
  Handler<RoutingContext> files() {
    return StaticHandler.create(WEBROOT)
      .setDirectoryListing(false)
      .setIncludeHidden(false)
      .setCachingEnabled(true)
      .setIndexPage("index.html")
      .setDefaultContentEncoding("UTF-8");
  }
}
