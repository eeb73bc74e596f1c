package dev.flotilla.vm.openstack;

import java.io.IOException;
import java.util.Set;

/**
 * The local Keystone + Nova test server, for tests in other modules (the {@code vm} command's): start it,
 * point an {@code openstack} profile at it, inject faults, and see the tokens it handed out.
 */
public final class NovaTestServer implements AutoCloseable {
  /** The user it accepts. */
  public static final String USER = NovaServer.USER;
  /** That user's password. */
  public static final String PASSWORD = NovaServer.PASSWORD;
  /** The project. */
  public static final String PROJECT = NovaServer.PROJECT;
  /** The region. */
  public static final String REGION = NovaServer.REGION;
  /** An image it has, by name. */
  public static final String IMAGE = NovaServer.IMAGE;

  private final NovaServer server;

  private NovaTestServer(NovaServer server) {
    this.server = server;
  }

  /** A server on 127.0.0.1 and a free port. */
  public static NovaTestServer start() throws IOException {
    return new NovaTestServer(NovaServer.start());
  }

  /** Keystone's URL ({@code .../v3}). */
  public String authUrl() {
    return server.authUrl(3);
  }

  /** The next request to {@code method path...} answers {@code status} with Nova's error body. */
  public void failNext(String method, String pathPrefix, int status, String message) {
    server.failNext(method, pathPrefix, status, message);
  }

  /** The next request to {@code method path...} takes effect and is answered 200 with {@code body}. */
  public void garbageNext(String method, String pathPrefix, String contentType, String body) {
    server.garbageNext(method, pathPrefix, contentType, body);
  }

  /** Revokes the current token: the next request is answered 401, and Keystone hands out another. */
  public void expireToken() {
    server.expireToken();
  }

  /** Every Keystone token handed out so far. */
  public Set<String> tokens() {
    return Set.copyOf(server.tokens);
  }

  @Override
  public void close() {
    server.close();
  }
}
