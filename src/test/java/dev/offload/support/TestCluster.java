package dev.offload.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The shipped Hazelcast config (conf/cluster.xml) rewritten for a test cluster on free ports. */
public final class TestCluster {

  private TestCluster() {
  }

  /** Makes a CA and certificates for {@code nodes} in {@code dir} (bin/dev-certs.sh); skips the test without openssl. */
  public static void certificates(Path dir, String... nodes) {
    try {
      boolean openssl = new ProcessBuilder("bash", "-c", "command -v openssl").start().waitFor() == 0;
      org.junit.jupiter.api.Assumptions.assumeTrue(openssl, "openssl is not installed: skipping the event-bus TLS test");
      java.util.List<String> command = new java.util.ArrayList<>(List.of("bash", "bin/dev-certs.sh", dir.toString()));
      command.addAll(List.of(nodes));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (process.waitFor() != 0) {
        throw new AssertionError("bin/dev-certs.sh failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * The config of member {@code index} of a cluster whose members listen on {@code ports}, under
   * a cluster name of its own (so concurrent runs never merge).
   */
  public static String hazelcastXml(String clusterName, List<Integer> ports, int index) {
    try {
      return Files.readString(Path.of("conf/cluster.xml"))
        .replace("<cluster-name>offload</cluster-name>", "<cluster-name>" + clusterName + "</cluster-name>")
        .replaceFirst("<port auto-increment=\"true\" port-count=\"3\">5701</port>",
          "<port auto-increment=\"false\">" + ports.get(index) + "</port>")
        .replace("127.0.0.1:5701<", "127.0.0.1:" + ports.get(0) + "<")
        .replace("127.0.0.1:5702<", "127.0.0.1:" + ports.get(1) + "<")
        .replace("127.0.0.1:5703<", "127.0.0.1:" + ports.get(2) + "<");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
