package dev.offload.http;

import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Code and contract drift apart here first: the operations the route table serves (each route
 * with a path and methods; guards have no methods) must be exactly the contract's operations,
 * the dashboard's browser routes aside.
 */
@ExtendWith(VertxExtension.class)
class ContractRoutesTest {
  /**
   * Served, and deliberately not in the contract: the dashboard's pages and files for browsers
   * (docs/dashboard.md). They are no API: a client has nothing to generate from them.
   */
  private static final Set<String> NOT_API = Set.of("GET " + DashboardRoutes.ROOT, "GET " + DashboardRoutes.UI,
    "GET " + DashboardRoutes.UI_CONFIG, "GET " + DashboardRoutes.UI_FILES, "HEAD " + DashboardRoutes.UI_FILES);

  @Test
  void everyServedRouteIsInTheContractAndTheOtherWayRound(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    Set<String> served = served(service.main().http());
    Set<String> contract = operations(OpenApiDocument.contract());

    assertThat(served).as("the dashboard is on in the test config").containsAll(NOT_API);
    assertThat(contract).as("dashboard routes are not API").doesNotContainAnyElementsOf(NOT_API);
    Set<String> api = new TreeSet<>(served);
    api.removeAll(NOT_API);
    assertThat(api).as("routes served but not in the contract").isSubsetOf(contract);
    assertThat(api).as("operations of the contract the router does not serve").isEqualTo(contract);
  }

  @Test
  void theServedDocumentIsTheContractWithTheJobTypesAdded(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    JsonObject served = service.get(OpenApiRoute.PATH, null).bodyAsJsonObject();

    assertThat(served.getJsonObject("paths")).isEqualTo(OpenApiDocument.contract().getJsonObject("paths"));
    assertThat(operations(served)).contains("GET /api/v1/openapi.json", "POST /api/v1/jobs");
  }

  /** {@code "GET /api/v1/jobs/{id}"} for every route with a path and methods ({@code "GET /ui/*"} for a prefix). */
  static Set<String> served(HttpVerticle http) {
    Set<String> operations = new TreeSet<>();
    for (Route route : http.router().getRoutes()) {
      Set<HttpMethod> methods = route.methods();
      if (route.getPath() == null || methods == null || methods.isEmpty()) {
        continue;
      }
      // vertx-web keeps "/ui/*" as the prefix "/ui/" (not an exact path): shown with its "*" again.
      String path = route.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}") + (route.isExactPath() ? "" : "*");
      methods.forEach(method -> operations.add(method.name() + " " + path));
    }
    return operations;
  }

  static Set<String> operations(JsonObject document) {
    Set<String> operations = new TreeSet<>();
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String key : paths.getJsonObject(path).fieldNames()) {
        if (Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace").contains(key)) {
          operations.add(key.toUpperCase() + " " + path);
        }
      }
    }
    return operations;
  }
}
