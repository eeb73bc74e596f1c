package dev.flotilla.vm.stratuslab;

import java.io.IOException;
import java.net.URI;

/**
 * The local OpenNebula XML-RPC test server, for tests in other modules (the {@code vm} command's): start
 * it, point a {@code stratuslab} profile at it, and make its next answers whatever a test needs.
 */
public final class OneTestServer implements AutoCloseable {
  /** The user it accepts. */
  public static final String USER = OneServer.USER;
  /** That user's password. */
  public static final String PASSWORD = OneServer.PASSWORD;

  private final OneServer server;

  private OneTestServer(OneServer server) {
    this.server = server;
  }

  /** A server speaking OpenNebula {@code version} (such as 6.8.0) on 127.0.0.1 and a free port. */
  public static OneTestServer start(String version) throws IOException {
    return new OneTestServer(OneServer.start(version));
  }

  /** The URL of {@code path} ({@code /RPC2}, or the StratusLab proxy's {@code /pswd/xmlrpc}). */
  public URI url(String path) {
    return server.url(path);
  }

  /** The next request is answered {@code status} with {@code body}, as it is. */
  public void answerNext(int status, String body) {
    server.answerNext(status, body);
  }

  @Override
  public void close() {
    server.close();
  }
}
