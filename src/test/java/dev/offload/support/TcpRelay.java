package dev.offload.support;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static dev.offload.support.TestService.await;

/**
 * A TCP relay on loopback between the service and a dependency (PostgreSQL), that a test cuts
 * for real ({@link #cut()}: the listener closes and every relayed connection with it, so new
 * connections are refused) and restores on the same port ({@link #restore()}).
 */
public final class TcpRelay {
  private final Vertx vertx;
  private final String targetHost;
  private final int targetPort;
  private final NetClient upstream;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private NetServer server;
  private int port;

  private TcpRelay(Vertx vertx, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.upstream = vertx.createNetClient();
  }

  /** A relay to {@code targetHost:targetPort} on a free loopback port. */
  public static TcpRelay start(Vertx vertx, String targetHost, int targetPort) {
    TcpRelay relay = new TcpRelay(vertx, targetHost, targetPort);
    relay.listen(0);
    return relay;
  }

  /** The loopback port clients connect to. */
  public int port() {
    return port;
  }

  /** Closes the listener and every connection through it. */
  public void cut() {
    await(server.close());
    open.forEach(NetSocket::close);
    open.clear();
  }

  /** Listens again, on the same port. */
  public void restore() {
    listen(port);
  }

  public void close() {
    cut();
    await(upstream.close());
  }

  private void listen(int on) {
    server = await(vertx.createNetServer().connectHandler(client -> {
      client.pause();
      upstream.connect(targetPort, targetHost).onSuccess(target -> {
        open.add(client);
        open.add(target);
        client.pipeTo(target);
        target.pipeTo(client);
        client.resume();
      }).onFailure(err -> client.close());
    }).listen(on, "127.0.0.1"));
    port = server.actualPort();
  }
}
