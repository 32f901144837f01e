package dev.offload.support;

import dev.offload.config.OffloadConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static dev.offload.support.TestService.await;

/**
 * The packaged service as users run it ({@code java -jar target/offload.jar -conf <file>}), in a
 * process of its own that a test may kill: started on a config written to a file, ready once
 * {@code /health/ready} answers 200, with a client on its port and tokens its dev secret signs.
 */
public final class ServiceProcess implements AutoCloseable {
  public final WebClient client;
  public final int port;
  private final Vertx vertx;
  private final Path configFile;
  private final OffloadConfig settings;
  private Process process;

  private ServiceProcess(Vertx vertx, Path configFile, JsonObject config) {
    this.vertx = vertx;
    this.configFile = configFile;
    this.settings = OffloadConfig.from(config, Map.of());
    this.port = settings.http().port();
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  /** Writes {@code config} (its {@code http.port} a free one) to {@code configFile}, starts the jar, waits until ready. */
  public static ServiceProcess start(Vertx vertx, Path configFile, JsonObject config, Path log) throws IOException {
    Files.writeString(configFile, config.encodePrettily());
    ServiceProcess service = new ServiceProcess(vertx, configFile, config);
    service.restart(log);
    return service;
  }

  /** Starts the jar again on the same config (after a kill), logging to {@code log}; waits until ready. */
  public void restart(Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String jar = System.getProperty("offload.jar", "target/offload.jar");
    process = new ProcessBuilder(java, "-jar", jar, "-conf", configFile.toString())
      .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean ready = TestService.poll(() -> {
      if (!process.isAlive()) {
        throw new AssertionError("the service exited with " + process.exitValue() + "; see " + log);
      }
      try {
        return await(client.get("/health/ready").send()).statusCode() == 200;
      } catch (Throwable notYet) { // refused while the process starts
        return false;
      }
    }, up -> up, Duration.ofSeconds(60));
    if (!ready) {
      throw new AssertionError("the service was not ready within 60 s; see " + log);
    }
  }

  /** Kills the process with SIGKILL, waits for it to be gone, and answers its exit status. */
  public int kill() throws InterruptedException {
    return process.destroyForcibly().waitFor();
  }

  /** Sends SIGTERM; answers the exit status, or -1 when the process is still running after {@code seconds}. */
  public int stop(int seconds) throws InterruptedException {
    process.destroy();
    return process.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** A token for {@code subject} with {@code scope}, signed with the service's dev secret. */
  public String token(String subject, String scope) {
    return TestService.devToken(vertx, settings, subject, scope);
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroyForcibly();
    }
    client.close();
  }
}
