package dev.offload.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import dev.offload.support.TestCluster;
import dev.offload.support.TestService;
import dev.offload.config.OffloadConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three clustered Vert.x nodes (Hazelcast on loopback, conf/cluster.xml): two with certificates
 * from the cluster's CA talk over mutual TLS; a third whose certificate another CA signed joins
 * the Hazelcast membership (open-source Hazelcast cannot refuse it) but can neither receive nor
 * send event-bus messages.
 */
@Tag("slow") // a two-node cluster with mutual TLS
class EventBusTlsTest {
  private final List<Vertx> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(node -> await(node.close()));
  }

  @Test
  void onlyNodesWithTheClustersCertificatesExchangeMessages(@TempDir Path dir) throws Exception {
    TestCluster.certificates(dir.resolve("cluster"), "a", "b");
    TestCluster.certificates(dir.resolve("stranger"), "rogue");
    List<Integer> ports = TestService.freePorts(3);

    Vertx a = start(ports, 0, tls(dir.resolve("cluster"), "a"));
    Vertx b = start(ports, 1, tls(dir.resolve("cluster"), "b"));
    Vertx rogue = start(ports, 2, tls(dir.resolve("stranger"), "rogue"));
    await(b.eventBus().<String>consumer("probe.b", message -> message.reply("from b")).completion());
    await(rogue.eventBus().<String>consumer("probe.rogue", message -> message.reply("from rogue")).completion());

    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(3000);
    assertThat(await(a.eventBus().<String>request("probe.b", "hi", quick)).body()).isEqualTo("from b");
    assertThat(failure(a.eventBus().request("probe.rogue", "hi", quick))).isNotNull();
    assertThat(failure(rogue.eventBus().request("probe.b", "hi", quick))).isNotNull();
    // The cluster still works after the stranger's attempts.
    assertThat(await(b.eventBus().<String>request("probe.b", "again", quick)).body()).isEqualTo("from b");
  }

  private Vertx start(List<Integer> ports, int index, OffloadConfig.ClusterTls tls) throws IOException {
    String xml = TestCluster.hazelcastXml("offload-tls-test-" + ports.get(0), ports, index);
    Config config = new XmlConfigBuilder(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).build();
    EventBusOptions eventBus = EventBusTls.apply(new EventBusOptions().setHost("127.0.0.1").setPort(0), tls);
    Vertx node = await(Vertx.builder().with(new VertxOptions().setEventBusOptions(eventBus))
      .withClusterManager(new HazelcastClusterManager(config)).buildClustered());
    nodes.add(node);
    return node;
  }

  private static OffloadConfig.ClusterTls tls(Path dir, String node) {
    return new OffloadConfig.ClusterTls(dir.resolve(node + ".key"), dir.resolve(node + ".crt"), dir.resolve("ca.crt"));
  }

  private static Throwable failure(Future<?> future) {
    return await(future.transform(ar -> Future.succeededFuture(ar.cause())));
  }

}
