package dev.offload.app;

import dev.offload.support.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service ({@code java -jar target/offload.jar}) as an operator starts it, with the
 * mistakes operators make: each refusal exits with its documented code (2: configuration, 1:
 * anything else) and prints one line on stderr that names what to fix, with no stack trace.
 */
class StartupRefusalIT {
  @TempDir
  Path dir;

  @Test
  void anUnknownKeyIsNamed() throws Exception {
    Run run = run("-conf", "{\"foo\":1}");
    run.assertRefused(2, "Offload did not start (configuration): unknown config key(s): foo");
  }

  @Test
  void aValueOfTheWrongTypeNamesTheKeyAndItsEnvironmentVariable() throws Exception {
    Run run = run("-conf", "{\"http\":{\"port\":\"abc\"}}");
    run.assertRefused(2, "config key 'http.port' (env OFFLOAD_HTTP_PORT) must be an integer between 0 and 65535, "
      + "got \"abc\"");
  }

  @Test
  void anEnvironmentVariableThatNamesNoKeyIsNamed() throws Exception {
    Run run = run(Map.of("OFFLOAD_HTTP_PROT", "9999", "OFFLOAD_LOG_LEVEL", "INFO"),
      "-conf", "{\"http\":{\"port\":0},\"management\":{\"enabled\":false}}");
    run.assertRefused(2, "Offload did not start (configuration): unknown environment variable(s): OFFLOAD_HTTP_PROT "
      + "(an OFFLOAD_ variable must name a config key");
  }

  @Test
  void aUsageErrorIsOnePlainLineAndTheUsageWithoutEscapes() throws Exception {
    Run run = run("--bogus");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr().lines().findFirst()).hasValue("Unknown option: '--bogus'");
    assertThat(run.stderr()).contains("Usage: ").contains("-conf").doesNotContain("\u001b");
    assertThat(run.stdout()).isEmpty();
  }

  @Test
  void theShippedProductionExampleAsksForItsCertificate() throws Exception {
    Run run = run("-conf", Path.of("conf/production.json").toAbsolutePath().toString());
    run.assertRefused(2, "config key 'http.tls.keyFile' (env OFFLOAD_HTTP_TLS_KEYFILE): cannot read "
      + "/etc/offload/tls/server.key");
  }

  @Test
  void aConfigFileThatIsNotThereIsRefusedRatherThanReplacedByTheDefaults() throws Exception {
    run("-conf", "conf/nope.json").assertRefused(2, "-conf conf/nope.json: no such file");
    run("-conf", "{\"http\": ").assertRefused(2, "-conf {\"http\": : not a valid JSON object");
  }

  @Test
  void aPortInUseIsNamed() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Run run = run("-conf", "{\"http\":{\"port\":" + taken.getLocalPort() + "},\"management\":{\"enabled\":false}}");
      run.assertRefused(1, "Offload did not start: cannot serve the API on 127.0.0.1:" + taken.getLocalPort()
        + " (config keys 'http.host', 'http.port'): Address already in use");
    }
  }

  @Test
  void aDataDirectoryHeldByAnotherProcessIsNamed() throws Exception {
    Files.createDirectories(dir.resolve("data"));
    try (FileChannel channel = FileChannel.open(dir.resolve("data/offload.db.lock"), StandardOpenOption.CREATE,
      StandardOpenOption.WRITE); FileLock held = channel.lock()) {
      Run run = run("-conf", "{\"http\":{\"port\":0},\"management\":{\"enabled\":false}}");
      run.assertRefused(1, "cannot open the SQLite store data/offload.db: another Offload process is using this "
        + "data directory");
      assertThat(held.isValid()).isTrue();
    }
  }

  @Test
  void makeTokenRefusesWhatItCannotSign() throws Exception {
    String conf = Path.of("conf/config.json").toAbsolutePath().toString();
    token(conf, "alice", "0").assertRefused(2, "make token: TTL must be a whole number of seconds from 1 to 2592000");
    token(conf, "alice", "-5").assertRefused(2, "got \"-5\"");
    token(conf, "alice", "abc").assertRefused(2, "got \"abc\"");
    token(conf, "", "60").assertRefused(2, "make token: SUB must name the token's owner");
    token("nope.json", "alice", "60").assertRefused(2, "make token: CONF=nope.json: cannot read it");
  }

  private Run token(String conf, String subject, String ttl) {
    return run(List.of("-cp", jar(), "dev.offload.auth.TokenCli", conf, subject, "jobs:read", ttl), Map.of());
  }

  private Run run(String... args) {
    return run(Map.of(), args);
  }

  /** Runs the jar with {@code args}, and {@code env} added to the environment. */
  private Run run(Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of("-jar", jar()));
    command.addAll(List.of(args));
    return run(command, env);
  }

  private static String jar() {
    return Path.of(System.getProperty("offload.jar", "target/offload.jar")).toAbsolutePath().toString();
  }

  /** Runs {@code java ARGS} in the test's directory and waits (a minute at most) for it to exit. */
  private Run run(List<String> args, Map<String, String> env) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(args);
    Processes.Result result = Processes.run(dir, env, 60, command);
    return new Run(result.exitCode(), result.stdout(), result.stderr());
  }

  private record Run(int exitCode, String stdout, String stderr) {
    void assertRefused(int code, String message) {
      String both = "stdout:\n" + stdout + "\nstderr:\n" + stderr;
      assertThat(exitCode).as("exit code; %s", both).isEqualTo(code);
      assertThat(stderr.lines().toList()).as("stderr").hasSize(1);
      assertThat(stderr).contains(message);
      assertThat(both).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception:");
    }
  }
}
