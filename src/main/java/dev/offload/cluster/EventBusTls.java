package dev.offload.cluster;

import dev.offload.config.OffloadConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * Mutual TLS on the clustered event bus. Vert.x defaults to plaintext, and even with
 * {@code ssl=true} it trusts every peer ({@code trustAll=true}) and asks for no client
 * certificate: here each node presents its certificate and accepts only peers whose certificate
 * the cluster's CA signed, in both directions.
 */
public final class EventBusTls {

  private EventBusTls() {
  }

  public static EventBusOptions apply(EventBusOptions options, OffloadConfig.ClusterTls tls) {
    return options
      .setSsl(true)
      .setTrustAll(false)
      .setClientAuth(ClientAuth.REQUIRED)
      .setKeyCertOptions(new PemKeyCertOptions()
        .setKeyPath(tls.keyFile().toString())
        .setCertPath(tls.certFile().toString()))
      .setTrustOptions(new PemTrustOptions().addCertPath(tls.caFile().toString()));
  }
}
