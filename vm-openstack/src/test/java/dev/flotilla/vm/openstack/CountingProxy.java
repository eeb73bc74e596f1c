package dev.flotilla.vm.openstack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * A plain-HTTP forward proxy on 127.0.0.1 that writes down every request it forwards ("GET
 * /v2.1/servers/detail"): jclouds sends every Keystone, Nova and Glance call through it when a profile
 * names it as its {@code proxy}, so the tests and the benchmark count what a client really sends.
 */
final class CountingProxy implements AutoCloseable {
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "expect", "upgrade",
      "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding");

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(16);
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .proxy(java.net.ProxySelector.of(null)).build();
  private final List<String> requests = new ArrayList<>();
  private long firstRequestAt;

  private CountingProxy(HttpServer server) {
    this.server = server;
  }

  static CountingProxy start() throws IOException {
    CountingProxy p = new CountingProxy(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64));
    p.server.createContext("/", p::forward);
    p.server.setExecutor(p.executor);
    p.server.start();
    return p;
  }

  /** {@code 127.0.0.1:PORT}, as a profile's {@code proxy} setting. */
  String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** The requests forwarded so far, as "METHOD /path" (query left out), in order. */
  synchronized List<String> requests() {
    return List.copyOf(requests);
  }

  synchronized void reset() {
    requests.clear();
    firstRequestAt = 0;
  }

  /** {@link System#nanoTime()} when the first request since the last reset arrived; 0 before. */
  synchronized long firstRequestAt() {
    return firstRequestAt;
  }

  /** The requests so far, counted by "METHOD /path" with ids replaced by {id}. */
  synchronized Map<String, Long> byKind() {
    return requests.stream().map(r -> r.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "{id}").replaceAll("/[0-9a-f]{32}", "/{id}")).collect(Collectors.groupingBy(r -> r, TreeMap::new,
        Collectors.counting()));
  }

  private void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      URI target = exchange.getRequestURI();
      if (target.getHost() == null) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      synchronized (this) {
        if (requests.isEmpty()) {
          firstRequestAt = System.nanoTime();
        }
        requests.add(exchange.getRequestMethod() + " " + target.getPath());
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(target).method(exchange.getRequestMethod(),
          body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
      exchange.getRequestHeaders().forEach((name, values) -> {
        if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
          values.forEach(v -> b.header(name, v));
        }
      });
      HttpResponse<byte[]> response;
      try {
        response = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        exchange.sendResponseHeaders(502, -1);
        return;
      }
      response.headers().map().forEach((name, values) -> {
        if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
          exchange.getResponseHeaders().put(name, values);
        }
      });
      byte[] out = response.body();
      exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream os = exchange.getResponseBody()) {
          os.write(out);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
