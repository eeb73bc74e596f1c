package dev.flotilla.vm.stratuslab;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A reverse proxy on 127.0.0.1 in front of a real oned: the adapter talks to it as to oned, and it writes
 * down every call ("one.vm.allocate", "one.vm.action terminate-hard"), so the tests and the benchmark count
 * what a client really sends. It can also answer a method with a body of a test's choosing instead of
 * forwarding it, to show what garbage from a real endpoint does.
 */
final class OneProxy implements AutoCloseable {
  private static final Pattern METHOD = Pattern.compile("<methodName>([^<]*)</methodName>");
  private static final Pattern STRING = Pattern.compile("<value><string>([^<]*)</string></value>");

  private final HttpServer server;
  private final URI target;
  private final ExecutorService executor = Executors.newFixedThreadPool(16);
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<String> calls = new ArrayList<>();
  private final Map<String, String> answers = new ConcurrentHashMap<>();

  private OneProxy(HttpServer server, URI target) {
    this.server = server;
    this.target = target;
  }

  static OneProxy start(URI target) throws IOException {
    OneProxy p = new OneProxy(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64), target);
    p.server.createContext("/", p::forward);
    p.server.setExecutor(p.executor);
    p.server.start();
    return p;
  }

  /** The proxy's endpoint, for a profile. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + target.getPath());
  }

  /** The calls forwarded so far, in order. */
  synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  /** The calls so far, counted by method (and action). */
  synchronized Map<String, Long> counts() {
    return calls.stream().collect(Collectors.groupingBy(c -> c, TreeMap::new, Collectors.counting()));
  }

  synchronized void reset() {
    calls.clear();
  }

  /** Until {@link #forward(String)}, calls of {@code method} are answered HTTP 200 with {@code body}. */
  void answer(String method, String body) {
    answers.put(method, body);
  }

  /** Calls of {@code method} reach oned again. */
  void forward(String method) {
    answers.remove(method);
  }

  private void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String text = new String(body, StandardCharsets.UTF_8);
      Matcher m = METHOD.matcher(text);
      String method = m.find() ? m.group(1) : "?";
      if (method.equals("one.vm.action")) {
        Matcher s = STRING.matcher(text);
        if (s.find() && s.find()) { // the session, then the action's name
          method += " " + s.group(1);
        }
      }
      synchronized (this) {
        calls.add(method);
      }
      String canned = answers.get(method);
      if (canned != null) {
        send(exchange, 200, canned.getBytes(StandardCharsets.UTF_8));
        return;
      }
      HttpRequest request = HttpRequest.newBuilder(target).header("Content-Type", "text/xml")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
      try {
        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        send(exchange, response.statusCode(), response.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        send(exchange, 502, new byte[0]);
      }
    }
  }

  private static void send(HttpExchange exchange, int status, byte[] out) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/xml");
    exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
    if (out.length > 0) {
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(out);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
