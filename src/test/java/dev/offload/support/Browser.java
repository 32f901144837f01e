package dev.offload.support;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

/**
 * A real headless Chromium for the dashboard's tests: Debian's {@code chromium} driven through its
 * {@code chromedriver} (both from apt; .ci/run installs them). Without them the calling test is
 * skipped with a message, unless {@code CI=true}, where it fails: CI must run the browser tests.
 */
public final class Browser implements AutoCloseable {
  public static final Dimension DESKTOP = new Dimension(1280, 900);
  public static final Dimension PHONE = new Dimension(390, 844);
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  public final ChromeDriver driver;

  private Browser(ChromeDriver driver) {
    this.driver = driver;
  }

  public static Browser start() {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
      String message = "no " + CHROMIUM + " or " + DRIVER + " (apt-get install chromium chromium-driver)";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(message + " and CI=true");
      }
      System.err.println("SKIPPED: " + message + "; the dashboard's browser tests need them");
      Assumptions.abort(message);
    }
    ChromeOptions options = new ChromeOptions();
    // Both paths given: Selenium Manager, which would download a browser or a driver, never runs.
    options.setBinary(CHROMIUM.toString());
    // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
      "--window-size=" + DESKTOP.width + "," + DESKTOP.height, "--lang=en-US", "--no-first-run",
      "--disable-background-networking", "--disable-extensions");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
      .usingAnyFreePort().build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().window().setSize(DESKTOP);
    return new Browser(driver);
  }

  public void open(String url) {
    driver.get(url);
  }

  /** Waits (at most {@code seconds}) for something the page shows. */
  public <T> T await(int seconds, ExpectedCondition<T> condition) {
    return new WebDriverWait(driver, Duration.ofSeconds(seconds)).pollingEvery(Duration.ofMillis(50)).until(condition);
  }

  public WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  public List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /** Writes target/screenshots/{name}.png at the window's current size. */
  public Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      return Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The console lines the page produced since the last call (Content-Security-Policy refusals among them). */
  public List<String> console() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage).toList();
  }

  @Override
  public void close() {
    driver.quit();
  }
}
