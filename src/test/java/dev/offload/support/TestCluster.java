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
