package dev.flotilla.vm.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP server on 127.0.0.1 that behaves as badly as a cloud endpoint can, for proving that an adapter's
 * deadlines hold: one that accepts connections and never answers, and one that sends its headers and then
 * one byte at a time, too slowly ({@link #slowBody}). Each connection gets a thread of its own; closing
 * the server closes them all.
 */
public final class HostileServer implements AutoCloseable {
  /** What the server does with each request. */
  public enum Behaviour {
    /** Reads the request and never answers. */
    SILENT,
    /** Answers 200 with a large Content-Length, then one byte per interval, forever. */
    SLOW_BODY
  }

  private final ServerSocket socket;
  private final Behaviour behaviour;
  private final long intervalMillis;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "hostile-server");
    t.setDaemon(true);
    return t;
  });
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  private HostileServer(Behaviour behaviour, long intervalMillis) throws IOException {
    this.behaviour = behaviour;
    this.intervalMillis = intervalMillis;
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  /** A server that accepts and never answers. */
  public static HostileServer silent() throws IOException {
    return new HostileServer(Behaviour.SILENT, 0);
  }

  /** A server that answers 200 and then sends one byte every {@code intervalMillis}. */
  public static HostileServer slowBody(long intervalMillis) throws IOException {
    return new HostileServer(Behaviour.SLOW_BODY, intervalMillis);
  }

  /** A URL no server listens on: connections to it are refused. */
  public static URI refusing() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
  }

  /** {@code http://127.0.0.1:PORT}. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort());
  }

  private void accept() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        open.add(s);
        threads.execute(() -> serve(s));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      readHeaders(in);
      if (behaviour == Behaviour.SILENT) {
        while (in.read() >= 0) {
          // takes the request's body, and waits until the client gives up and closes
        }
        return;
      }
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 10000000\r\n\r\n<")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      while (!s.isClosed()) {
        TimeUnit.MILLISECONDS.sleep(intervalMillis); // the server's own pace, not a test's timing
        out.write(' ');
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // the client hung up, or the server closes
    }
  }

  /** Reads up to the blank line that ends a request's headers. */
  private static void readHeaders(InputStream in) throws IOException {
    int matched = 0;
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        return;
      }
      boolean next = c == (matched % 2 == 0 ? '\r' : '\n');
      matched = next ? matched + 1 : c == '\r' ? 1 : 0;
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    threads.shutdownNow();
  }
}
