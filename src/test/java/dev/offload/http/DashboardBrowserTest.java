package dev.offload.http;

import dev.offload.auth.DevTokens;
import dev.offload.support.Browser;
import dev.offload.support.FakeIdp;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The dashboard in a real headless Chromium (docs/dashboard.md), against a real service: sign-in,
 * owners apart, live progress, cancel, submit, hostile data shown as text, an expired token, a
 * read-only token, and the OpenID Connect sign-in against a provider the test runs. Each test's
 * service listens on a port of its own, so the page's sessionStorage starts empty every time.
 * Screenshots go to target/screenshots/.
 */
@ExtendWith(VertxExtension.class)
@Tag("slow") // a real Chromium
class DashboardBrowserTest {
  private static Browser browser;
  private TestService service;
  private String alice;

  @BeforeAll
  static void startBrowser() {
    browser = Browser.start();
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.close();
    }
  }

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) {
    // With a remote type beside the Java ones: the pages show who runs what.
    service = TestService.start(vertx, TestService.baseConfig(dir).put("jobTypes", new JsonObject()
      .put("wordcount", new JsonObject().put("remote", true).put("description", "Counts words"))));
    alice = service.token("alice", TestService.READ_WRITE);
    browser.driver.manage().window().setSize(Browser.DESKTOP);
    browser.console();
  }

  /** The page never broke its own policy (a refused script, style or connection is logged). */
  @AfterEach
  void noPolicyViolations() {
    if (browser != null) {
      assertThat(browser.console()).noneMatch(line -> line.contains("Content Security Policy")
        || line.contains("Trusted Type") || line.contains("Uncaught"));
    }
  }

  private String url(String path) {
    return "http://127.0.0.1:" + service.port() + path;
  }

  private void signIn(String token) {
    browser.open(url("/"));
    WebElement field = browser.await(10, ExpectedConditions.visibilityOfElementLocated(
      org.openqa.selenium.By.id("token")));
    field.sendKeys(token);
    browser.find("#sign-in").click();
    browser.await(10, ExpectedConditions.visibilityOfElementLocated(org.openqa.selenium.By.id("who")));
  }

  private void awaitText(String css, String text) {
    browser.await(20, ExpectedConditions.textToBePresentInElementLocated(org.openqa.selenium.By.cssSelector(css), text));
  }

  private void awaitState(String state) {
    browser.await(30, ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.cssSelector(
      "#job .head-line .badge[data-state='" + state + "']")));
  }

  private String submit(String token, String type, JsonObject input) {
    return service.submit(token, type, input).getString("id");
  }

  @Test
  void aSignedInOwnerSeesTheirJobsCountsAndNotAnotherOwners() {
    List<String> own = new ArrayList<>();
    own.add(submit(alice, "primes", new JsonObject().put("limit", 1000)));
    own.add(submit(alice, "flaky", new JsonObject().put("failures", 0).put("permanent", "fail")));
    own.add(submit(alice, "sleep", new JsonObject().put("seconds", 600)));
    String queued = service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", 5)).put("delaySeconds", 3600)).bodyAsJsonObject().getString("id");
    own.add(queued);
    String cancelled = submit(alice, "sleep", new JsonObject().put("seconds", 1));
    service.delete("/api/v1/jobs/" + cancelled, alice);
    own.add(cancelled);
    service.awaitState(alice, own.get(0), Duration.ofSeconds(20), "succeeded");
    service.awaitState(alice, own.get(1), Duration.ofSeconds(20), "failed");
    service.awaitState(alice, own.get(2), Duration.ofSeconds(20), "running");
    String bobs = submit(service.token("bob", TestService.READ_WRITE), "sleep", new JsonObject().put("seconds", 0));

    signIn(alice);
    awaitText("#who-name", "alice");
    browser.await(20, driver -> browser.all("#jobs tbody tr").size() == own.size());
    assertThat(browser.all("#jobs tbody tr")).extracting(row -> row.getAttribute("data-id"))
      .containsExactlyInAnyOrderElementsOf(own).doesNotContain(bobs);
    assertThat(browser.all("#jobs tbody tr")).extracting(row -> row.getAttribute("data-owner")).containsOnly("alice");
    awaitText("#stats .stat[data-state='succeeded'] .stat-count", "1");
    assertThat(browser.find("#stats .stat[data-state='queued'] .stat-count").getText()).isEqualTo("1");
    assertThat(browser.find("#stats .stat[data-state='cancelled'] .stat-count").getText()).isEqualTo("1");
    assertThat(browser.find("#throughput .stat-count").getText()).isEqualTo("3");
    browser.screenshot("jobs");

    // Filtering by state through its card, then the phone-sized window.
    browser.find("#stats .stat[data-state='failed']").click();
    browser.await(10, driver -> browser.all("#jobs tbody tr").size() == 1);
    assertThat(browser.find("#jobs tbody tr").getAttribute("data-id")).isEqualTo(own.get(1));
    browser.driver.manage().window().setSize(Browser.PHONE);
    browser.find("a[href='#/jobs']").click();
    browser.await(10, driver -> browser.all("#jobs tbody tr").size() == own.size());
    browser.screenshot("jobs-phone");
  }

  @Test
  void aRunningJobsProgressMovesAndItsEndArrivesWithoutReloading() {
    // Long enough to see it move on a loaded machine, short enough to see it end.
    String id = submit(alice, "sleep", new JsonObject().put("seconds", 8));
    signIn(alice);
    browser.open(url("/ui/#/jobs/" + id));
    awaitState("running");
    awaitText("#live", "live");
    double first = browser.await(10, driver -> {
      double value = progress();
      return value > 0 && value < 1 ? value : null;
    });
    browser.await(10, driver -> progress() > first + 0.1);
    browser.screenshot("job");
    awaitState("succeeded");
    awaitText("#live", "finished");
    awaitText("#job .result", "sleptSeconds");
    assertThat(browser.all("#history tbody tr")).hasSize(1);
    assertThat(browser.find("#progress-text").getText()).isEqualTo("100 %");
  }

  private double progress() {
    return Double.parseDouble(browser.find("#progress").getDomProperty("value"));
  }

  @Test
  void aJobIsCancelledAfterAConfirmation() {
    String id = submit(alice, "sleep", new JsonObject().put("seconds", 600));
    service.awaitState(alice, id, Duration.ofSeconds(20), "running");
    signIn(alice);
    browser.open(url("/ui/#/jobs/" + id));
    awaitState("running");
    browser.find("#cancel").click();
    browser.await(5, ExpectedConditions.visibilityOfElementLocated(org.openqa.selenium.By.id("confirm")));
    assertThat(browser.find("#confirm-text").getText()).contains("Cancel this sleep job?");
    browser.screenshot("cancel-confirm");
    browser.find("#confirm-no").click();
    assertThat(service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject().getBoolean("cancelRequested")).isFalse();
    browser.find("#cancel").click();
    browser.await(5, ExpectedConditions.elementToBeClickable(org.openqa.selenium.By.id("confirm-yes"))).click();
    awaitState("cancelled");
    service.awaitState(alice, id, Duration.ofSeconds(20), "cancelled");
    browser.await(10, ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.id("retry")));
    // The banner follows the job: "Cancellation requested." gives way to how it ended.
    awaitText("#job-status", "Cancelled.");
    assertThat(browser.find("#job-status").getText()).doesNotContain("requested");
  }

  @Test
  void anAdminPausesATypeAfterAConfirmationAndResumesIt() {
    String admin = service.token("ops", "jobs:read jobs:write jobs:admin");
    signIn(admin);
    browser.open(url("/ui/#/types"));
    String sleep = "#types .type[data-type='sleep']";
    browser.await(10, ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.cssSelector(sleep)));

    browser.find(sleep + " button[data-action='pause']").click();
    browser.await(5, ExpectedConditions.visibilityOfElementLocated(org.openqa.selenium.By.id("confirm")));
    assertThat(browser.find("#confirm-text").getText()).contains("Pause sleep on every node?");
    browser.find("#confirm-yes").click();
    browser.await(10, ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.cssSelector(
      "#types .type[data-type='sleep'][data-paused='true'] .badge.paused")));
    assertThat(service.get("/api/v1/job-types", admin).bodyAsJsonObject().getJsonArray("items").stream()
      .map(JsonObject.class::cast).filter(t -> t.getString("type").equals("sleep")).findFirst().orElseThrow()
      .getBoolean("paused")).isTrue();
    ((org.openqa.selenium.JavascriptExecutor) browser.driver).executeScript("arguments[0].scrollIntoView()",
      browser.find(sleep));
    browser.screenshot("types-paused");

    browser.find(sleep + " button[data-action='pause']").click();
    browser.await(5, ExpectedConditions.elementToBeClickable(org.openqa.selenium.By.id("confirm-yes"))).click();
    browser.await(10, ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.cssSelector(
      "#types .type[data-type='sleep'][data-paused='false']")));
  }

  @Test
  void aDelayedJobSaysWhenItRunsAndAJobsWholeIdCanBeCopied() {
    String delayed = service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", 1)).put("delaySeconds", 3600)).bodyAsJsonObject().getString("id");
    String due = submit(alice, "sleep", new JsonObject().put("seconds", 600));
    signIn(alice);

    browser.await(20, driver -> browser.all("#jobs tbody tr").size() == 2);
    assertThat(browser.find("#jobs tr[data-id='" + delayed + "'] .runs-at").getText()).startsWith("runs ");
    assertThat(browser.all("#jobs tr[data-id='" + due + "'] .runs-at")).isEmpty();
    assertThat(browser.find("#jobs tr[data-id='" + delayed + "'] a").getAttribute("title")).isEqualTo(delayed);
    browser.screenshot("jobs-delayed");
    browser.open(url("/ui/#/jobs/" + delayed));
    awaitState("queued");
    browser.find("#copy-id").click();
    browser.await(5, driver -> !browser.find("#copy-id").getText().equals("Copy id"));
    browser.screenshot("job-copy-id");
  }

  @Test
  void aJobIsSubmittedFromTheFormBuiltFromItsSchema() {
    signIn(alice);
    browser.open(url("/ui/#/submit?type=primes"));
    WebElement limit = browser.await(10, ExpectedConditions.visibilityOfElementLocated(
      org.openqa.selenium.By.id("input-limit")));
    assertThat(limit.getAttribute("type")).isEqualTo("number");
    limit.sendKeys("1000");
    browser.screenshot("submit");
    browser.find("#submit").click();
    browser.await(10, ExpectedConditions.urlContains("#/jobs/"));
    awaitState("succeeded");
    awaitText("#job .result", "168");
    String id = browser.driver.getCurrentUrl().replaceAll(".*#/jobs/", "");
    assertThat(service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject().getJsonObject("input"))
      .isEqualTo(new JsonObject().put("limit", 1000));

    // An enum becomes a select; the input the API refuses is explained, not submitted twice.
    browser.open(url("/ui/#/submit?type=flaky"));
    browser.await(10, ExpectedConditions.visibilityOfElementLocated(org.openqa.selenium.By.cssSelector(
      "select#input-permanent")));
    browser.find("#input-failures").sendKeys("-1");
    browser.find("#submit").click();
    awaitText("#submit-status", "invalid input");
  }

  @Test
  void hostileInputAndErrorsAreShownAsText() {
    String script = "<script>alert(1)</script>";
    String image = "<img src=x onerror=alert(2)>";
    String id = submit(alice, "flaky", new JsonObject().put("failures", 0).put("permanent", "fail")
      .put("note", script).put("reason", image + " " + script));
    service.awaitState(alice, id, Duration.ofSeconds(20), "failed");
    signIn(alice);
    browser.open(url("/ui/#/jobs/" + id));
    awaitState("failed");
    awaitText("#job .input", script);
    assertThat(browser.find("#error .error-message").getText()).isEqualTo(image + " " + script);
    assertThat(browser.all("#job img")).isEmpty();
    assertThat(browser.all("#main script")).isEmpty();
    assertThatThrownBy(() -> browser.driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    browser.screenshot("job-hostile");
  }

  @Test
  void anExpiredTokenLeadsBackToSignInWithAMessage() {
    // Valid for three seconds (and the service's five of leeway): it expires while the list refreshes.
    String shortLived = DevTokens.sign(service.signer(), service.config.auth(), "alice", TestService.READ_WRITE, 3);
    signIn(shortLived);
    browser.await(10, ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.id("jobs")));
    browser.await(30, ExpectedConditions.visibilityOfElementLocated(org.openqa.selenium.By.id("token")));
    awaitText("#signin-status", "Your session has ended");
    assertThat(browser.find("#who").isDisplayed()).isFalse();
    assertThat(browser.driver.executeScript("return sessionStorage.getItem('offload.token')")).isNull();
    browser.screenshot("signin-expired");
  }

  @Test
  void aReadOnlyTokenSeesNoControlsThatWrite() {
    String running = submit(alice, "sleep", new JsonObject().put("seconds", 600));
    String failed = submit(alice, "flaky", new JsonObject().put("failures", 0).put("permanent", "fail"));
    service.awaitState(alice, running, Duration.ofSeconds(20), "running");
    service.awaitState(alice, failed, Duration.ofSeconds(20), "failed");
    signIn(service.token("alice", "jobs:read"));
    browser.await(20, driver -> browser.all("#jobs tbody tr").size() == 2);
    assertThat(browser.find("#nav-submit").isDisplayed()).isFalse();
    assertThat(browser.all("#new-job")).isEmpty();
    assertThat(browser.find("#who-scopes").getText()).isEqualTo("jobs:read");
    browser.open(url("/ui/#/jobs/" + running));
    awaitState("running");
    assertThat(browser.all("#cancel")).isEmpty();
    browser.open(url("/ui/#/jobs/" + failed));
    awaitState("failed");
    assertThat(browser.all("#retry")).isEmpty();
    browser.open(url("/ui/#/types"));
    browser.await(10, ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.cssSelector(
      "#types .type[data-type='sleep']")));
    assertThat(browser.all("#types a.button")).isEmpty();
    browser.screenshot("types-read-only");
  }

  @Test
  void aRemoteJobShowsTheWorkerThatRanItAndTheTypesPageWhoRunsEachType() {
    String id = submit(alice, "wordcount", new JsonObject().put("text", "a b c"));
    String worker = service.token("worker-1", "jobs:work");
    JsonObject item = service.post("/api/v1/work/claim", worker, new JsonObject()
        .put("types", new io.vertx.core.json.JsonArray().add("wordcount")).put("worker", "py-7"))
      .bodyAsJsonObject().getJsonArray("items").getJsonObject(0);
    assertThat(service.post("/api/v1/work/" + id + "/" + item.getInteger("attempt") + "/succeed", worker,
      new JsonObject().put("result", new JsonObject().put("words", 3))).statusCode()).isEqualTo(200);

    signIn(alice);
    browser.open(url("/ui/#/jobs/" + id));
    awaitState("succeeded");
    assertThat(browser.find("#history tbody tr td[data-label='Ran on']").getText()).isEqualTo("remote:py-7");
    browser.screenshot("job-remote");
    browser.open(url("/ui/#/types"));
    browser.await(10, ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.cssSelector(
      "#types .type[data-type='wordcount']")));
    assertThat(browser.find("#types .type[data-type='wordcount'] .runner").getText())
      .isEqualTo("Run by remote workers, which claim its jobs over HTTP · lease 30 s");
    assertThat(browser.find("#types .type[data-type='sleep'] .runner").getText())
      .isEqualTo("Run by the service (a Java handler)");
    browser.screenshot("types-remote");
  }

  @Test
  void anAdminSeesEveryOwnerAndFiltersByOne() {
    submit(alice, "sleep", new JsonObject().put("seconds", 0));
    submit(service.token("bob", TestService.READ_WRITE), "sleep", new JsonObject().put("seconds", 0));
    signIn(service.token("root", "jobs:read jobs:admin"));
    browser.await(20, driver -> browser.all("#jobs tbody tr").size() == 2);
    assertThat(browser.all("#jobs tbody tr")).extracting(row -> row.getAttribute("data-owner"))
      .containsExactlyInAnyOrder("alice", "bob");
    browser.find("#filter-owner").sendKeys("bob");
    browser.find("#apply-filters").click();
    browser.await(10, driver -> browser.all("#jobs tbody tr").size() == 1);
    assertThat(browser.find("#jobs tbody tr").getAttribute("data-owner")).isEqualTo("bob");
  }

  @Test
  void anOpenIdConnectSignInWithPkceGivesTheApiTheProvidersToken(@TempDir Path dir, Vertx vertx) {
    service.stop();
    FakeIdp idp = new FakeIdp(vertx, TestService.AUDIENCE).start();
    try {
      JsonObject config = TestService.baseConfig(dir.resolve("oidc"));
      config.put("auth", new JsonObject().put("issuer", idp.issuer()).put("audience", TestService.AUDIENCE)
        .put("jwks", new JsonObject().put("url", idp.issuer() + "/jwks")));
      config.put("dashboard", new JsonObject().put("oidc", new JsonObject().put("issuer", idp.issuer())
        .put("clientId", FakeIdp.CLIENT).put("scope", "openid jobs:read jobs:write")));
      service = TestService.start(vertx, config);
      String own = service.submit(idp.accessToken(FakeIdp.SUBJECT, TestService.READ_WRITE), "sleep",
        new JsonObject().put("seconds", 0)).getString("id");

      browser.open(url("/ui/"));
      browser.await(10, ExpectedConditions.visibilityOfElementLocated(org.openqa.selenium.By.id("sign-in-oidc")));
      browser.screenshot("signin");
      browser.find("#sign-in-oidc").click();
      awaitText("#who-name", FakeIdp.SUBJECT);
      browser.await(20, driver -> browser.all("#jobs tbody tr[data-id='" + own + "']").size() == 1);
      assertThat(idp.verifiedExchanges.get()).isEqualTo(1);
      assertThat(idp.refusedExchanges.get()).isZero();
      assertThat(browser.driver.getCurrentUrl()).doesNotContain("code=").doesNotContain("state=");
      assertThat(browser.driver.executeScript("return document.cookie")).isEqualTo("");
    } finally {
      idp.stop();
    }
  }
}
