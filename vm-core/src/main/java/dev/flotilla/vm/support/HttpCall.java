package dev.flotilla.vm.support;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * One HTTP exchange of an adapter that speaks its cloud's protocol itself, under the profile's deadlines: the
 * connection within connect_timeout, a byte at least every idle_timeout, the whole within request_timeout,
 * and no more than a bounded answer. Failures are classified cloud errors that name the call and the
 * endpoint, never the request's body.
 */
public final class HttpCall {
  /** An answer: its status, headers and body. */
  public record Answer(int status, java.net.http.HttpHeaders headers, byte[] body) {}

  /** The largest error answer read. */
  public static final int MAX_ERROR_BYTES = 256 << 10;

  private HttpCall() {}

  /**
   * Sends {@code request} and reads the answer.
   *
   * @param what the call, for messages (such as {@code one.vm.info} or {@code listVirtualMachines})
   * @param where the endpoint and profile, for messages
   * @throws CloudException when the endpoint cannot be reached, is too slow, or answers too much
   */
  public static Answer send(HttpClient http, HttpRequest request, Transport transport, int maxBytes, String api,
      String what, String where) {
    long start = System.nanoTime();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (java.net.http.HttpConnectTimeoutException e) {
      throw new CloudException(Kind.UNREACHABLE, api, "ConnectTimeout", "cannot reach " + where + ": no connection"
          + " within the profile's connect_timeout (" + transport.connect().toSeconds() + " s)", e);
    } catch (java.net.http.HttpTimeoutException e) {
      throw new CloudException(Kind.TRANSIENT, api, "Timeout", what + ": " + where + " did not answer within the"
          + " profile's request_timeout (" + transport.request().toSeconds() + " s)", e);
    } catch (java.net.ConnectException e) {
      throw new CloudException(Kind.UNREACHABLE, api, null, "cannot reach " + where + ": connection refused; check"
          + " the profile's endpoint and the network", e);
    } catch (IOException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof java.net.UnknownHostException || cause instanceof java.net.NoRouteToHostException
          || cause instanceof java.net.ConnectException) {
        throw new CloudException(Kind.UNREACHABLE, api, null, "cannot reach " + where + ": "
            + (cause instanceof java.net.UnknownHostException ? "unknown host" : cause instanceof java.net.ConnectException
                ? "connection refused" : "no route to host") + "; check the profile's endpoint and the network", e);
      }
      throw new CloudException(Kind.TRANSIENT, api, null, what + " could not reach " + where + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CloudException(Kind.TRANSIENT, api, null, what + " was interrupted", e);
    }
    Duration left = transport.request().minusNanos(System.nanoTime() - start);
    // an error is a few hundred bytes: a larger one is not read whole, and says nothing
    int limit = response.statusCode() >= 400 ? Math.min(maxBytes, MAX_ERROR_BYTES) : maxBytes;
    byte[] body = read(response.body(), left.isNegative() ? Duration.ZERO : left, transport, limit, api, what, where);
    return new Answer(response.statusCode(), response.headers(), body);
  }

  /**
   * The kind of an HTTP error status: the one table every adapter uses. A 404 or another refusal means
   * "not found" or "invalid request" only when the cloud itself said it, in its own error shape
   * ({@code cloudsOwnError}); the same status from a proxy, a load balancer or anything else in between is
   * UNKNOWN, from which nothing is concluded (above all not that a VM is gone).
   */
  public static Kind kindOf(int status, boolean cloudsOwnError) {
    if (status == 401 || status == 403) {
      return Kind.AUTHENTICATION;
    }
    if (status == 429 || (status == 413 && cloudsOwnError)) {
      return Kind.THROTTLED;
    }
    if (status >= 500) {
      return Kind.TRANSIENT;
    }
    if (!cloudsOwnError || status < 400) {
      return Kind.UNKNOWN;
    }
    return status == 404 ? Kind.NOT_FOUND : Kind.INVALID_REQUEST;
  }

  /**
   * The body, read under the transport's deadlines: a byte at least every idle time, the whole within
   * what is left of the request's; past either the stream is closed and the call fails.
   */
  private static byte[] read(InputStream in, Duration left, Transport transport, int maxBytes, String api, String what,
      String where) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    try (in; Watchdog deadline = Watchdog.arm(() -> close(in), left, transport.idle())) {
      for (int n; (n = read(in, chunk, deadline, transport, api, what, where)) >= 0; ) {
        out.write(chunk, 0, n);
        if (out.size() > maxBytes) {
          throw new CloudException(Kind.UNKNOWN, api, "AnswerTooLarge", what + " answered more than " + maxBytes
              + " bytes; refused. Raise the profile's max_answer_bytes if the server is trusted.");
        }
        deadline.progress();
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new CloudException(Kind.TRANSIENT, api, null, what + ": the answer broke off: " + e.getMessage(), e);
    }
  }

  private static int read(InputStream in, byte[] chunk, Watchdog deadline, Transport transport, String api,
      String what, String where) throws IOException {
    try {
      return in.read(chunk);
    } catch (IOException e) {
      if (deadline.fired() != null) {
        throw new CloudException(Kind.TRANSIENT, api, "Timeout", what + ": " + where + " did not send "
            + deadline.fired() + " in time (the profile's " + (deadline.fired().equals("a byte") ? "idle_timeout, "
            + transport.idle().toSeconds() : "request_timeout, " + transport.request().toSeconds()) + " s)", e);
      }
      throw e;
    }
  }

  private static void close(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // closing is how the read is stopped; the read reports it
    }
  }
}
