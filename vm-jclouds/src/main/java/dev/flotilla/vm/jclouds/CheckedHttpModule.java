package dev.flotilla.vm.jclouds;

import com.google.common.base.Function;
import com.google.common.base.Supplier;
import com.google.inject.AbstractModule;
import com.google.inject.Inject;
import com.google.inject.Scopes;
import com.google.inject.name.Named;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.util.Optional;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLContext;
import org.jclouds.Constants;
import org.jclouds.http.HttpCommandExecutorService;
import org.jclouds.http.HttpResponse;
import org.jclouds.http.HttpUtils;
import org.jclouds.http.IOExceptionRetryHandler;
import org.jclouds.http.config.ConfiguresHttpCommandExecutorService;
import org.jclouds.http.config.SSLModule;
import org.jclouds.http.handlers.DelegatingErrorHandler;
import org.jclouds.http.handlers.DelegatingRetryHandler;
import org.jclouds.http.internal.HttpWire;
import org.jclouds.http.internal.JavaUrlHttpCommandExecutorService;
import org.jclouds.io.ContentMetadataCodec;
import org.jclouds.io.Payload;
import org.jclouds.io.Payloads;
import dev.flotilla.vm.support.Transport;
import dev.flotilla.vm.support.Watchdog;

/**
 * jclouds' HTTP transport (the JDK's {@link HttpURLConnection}, as by default) with every successful
 * answer read whole, up to a size limit, and checked by the adapter's {@link AnswerCheck} before jclouds
 * parses it. An answer that fails the check is an {@link UnreadableAnswerException}, which {@link Calls}
 * reports as an error of kind UNKNOWN: never as an empty answer. Every request also has a deadline for
 * the whole of it ({@link Transport#request()}), past which its connection is closed; the deadlines to
 * connect and between two bytes are jclouds' own settings, which {@link #overrides} sets.
 */
@ConfiguresHttpCommandExecutorService
public final class CheckedHttpModule extends AbstractModule {
  /**
   * The User-Agent Flotilla's requests carry: the library and the process, so a cloud's request log tells
   * which process sent what (jclouds' property {@code jclouds.user-agent}).
   */
  public static final String USER_AGENT = "flotilla/0.1.0 jclouds/2.7.0 java/" + System.getProperty("java.version")
      + " (pid " + ProcessHandle.current().pid() + ")";

  /** The largest answer read: far above any real one, far below what would exhaust the heap. */
  static final int MAX_ANSWER_BYTES = 64 << 20;

  /** The largest error answer handed to jclouds: a cloud's error is a few hundred bytes. */
  static final int MAX_ERROR_BYTES = 64 << 10;

  static {
    dev.flotilla.vm.support.SafeXml.hardenJdkDefaults();
  }

  private final AnswerCheck check;
  private final Transport transport;
  private final RequestRewrite rewrite;

  /** jclouds' transport, with {@code check} applied to every 2xx answer and {@code transport}'s deadlines. */
  public CheckedHttpModule(AnswerCheck check, Transport transport) {
    this(check, transport, request -> request);
  }

  /**
   * As {@link #CheckedHttpModule(AnswerCheck, Transport)}, every request passing through {@code rewrite}
   * last, after jclouds' filters: for a cloud whose requests Flotilla signs itself.
   */
  public CheckedHttpModule(AnswerCheck check, Transport transport, RequestRewrite rewrite) {
    this.check = check;
    this.transport = transport;
    this.rewrite = rewrite;
  }

  /** What becomes of a request jclouds made, just before it is sent. */
  @FunctionalInterface
  public interface RequestRewrite {
    /** The request to send instead of {@code request}. */
    org.jclouds.http.HttpRequest apply(org.jclouds.http.HttpRequest request);
  }

  /**
   * jclouds' properties for {@code transport}'s deadlines to connect and between two bytes, and for the
   * User-Agent.
   */
  public static java.util.Properties overrides(Transport transport) {
    java.util.Properties p = new java.util.Properties();
    p.setProperty(Constants.PROPERTY_CONNECTION_TIMEOUT, Long.toString(transport.connect().toMillis()));
    p.setProperty(Constants.PROPERTY_SO_TIMEOUT, Long.toString(transport.idle().toMillis()));
    p.setProperty(Constants.PROPERTY_USER_AGENT, USER_AGENT);
    return p;
  }

  @Override
  protected void configure() {
    install(new SSLModule());
    bind(AnswerCheck.class).toInstance(check);
    bind(Transport.class).toInstance(transport);
    bind(RequestRewrite.class).toInstance(rewrite);
    bind(HttpCommandExecutorService.class).to(CheckedExecutor.class).in(Scopes.SINGLETON);
    requestInjection(new XmlHardening());
  }

  /**
   * Hardens the SAX parser factory jclouds holds (one per context, jclouds' SaxParserModule) as the
   * context is made: jclouds parses error answers with it, and as jclouds makes it, it resolves external
   * entities and DTDs.
   */
  static final class XmlHardening {
    @Inject(optional = true)
    void harden(javax.xml.parsers.SAXParserFactory factory) {
      dev.flotilla.vm.support.SafeXml.harden(factory);
    }
  }

  /** The transport: jclouds' own, then the check. */
  static final class CheckedExecutor extends JavaUrlHttpCommandExecutorService {
    private final AnswerCheck check;
    private final Transport transport;
    private final RequestRewrite rewrite;
    private final java.util.Map<HttpURLConnection, Watchdog> deadlines = new java.util.concurrent.ConcurrentHashMap<>();

    @Inject
    CheckedExecutor(HttpUtils utils, ContentMetadataCodec contentMetadataCodec, DelegatingRetryHandler retryHandler,
        IOExceptionRetryHandler ioRetryHandler, DelegatingErrorHandler errorHandler, HttpWire wire,
        @Named("untrusted") HostnameVerifier verifier, @Named("untrusted") Supplier<SSLContext> untrusted,
        Function<URI, Proxy> proxyForUri, @Named(Constants.PROPERTY_IDEMPOTENT_METHODS) String idempotentMethods,
        @Named(Constants.PROPERTY_OUTPUT_SOCKET_BUFFER_SIZE) int outputSocketBufferSize,
        @Named(Constants.PROPERTY_USER_AGENT) String userAgent, AnswerCheck check, Transport transport,
        RequestRewrite rewrite) {
      super(utils, contentMetadataCodec, retryHandler, ioRetryHandler, errorHandler, wire, verifier, untrusted,
          proxyForUri, idempotentMethods, outputSocketBufferSize, userAgent);
      this.check = check;
      this.transport = transport;
      this.rewrite = rewrite;
    }

    @Override
    protected HttpURLConnection convert(org.jclouds.http.HttpRequest request) throws IOException, InterruptedException {
      return super.convert(rewrite.apply(request));
    }

    /** Arms the request's deadline as its connection is made; past it the connection is closed. */
    @Override
    protected HttpURLConnection initConnection(org.jclouds.http.HttpRequest request) throws IOException {
      HttpURLConnection connection = super.initConnection(request);
      deadlines.put(connection, Watchdog.arm(() -> {
        deadlines.remove(connection);
        connection.disconnect();
      }, transport.request(), transport.request()));
      return connection;
    }

    @Override
    protected HttpResponse invoke(HttpURLConnection connection) throws IOException, InterruptedException {
      Watchdog deadline = deadlines.remove(connection);
      try {
        return checked(connection);
      } catch (IOException e) {
        if (deadline != null && deadline.fired() != null) {
          throw new DeadlineException(connection.getRequestMethod() + " " + connection.getURL() + " sent no whole answer"
              + " within " + transport.request().toSeconds() + " s (the profile's request_timeout)");
        }
        throw e;
      } finally {
        if (deadline != null) {
          deadline.close();
        }
      }
    }

    @Override
    protected void cleanup(HttpURLConnection connection) {
      Watchdog deadline = connection == null ? null : deadlines.remove(connection);
      if (deadline != null) {
        deadline.close();
      }
      super.cleanup(connection);
    }

    private HttpResponse checked(HttpURLConnection connection) throws IOException, InterruptedException {
      HttpResponse response = super.invoke(connection);
      Payload payload = response.getPayload();
      // read whole, errors too: jclouds' error handlers read an error's text after its stream is closed
      byte[] body = payload == null ? new byte[0] : readAll(payload);
      int status = response.getStatusCode();
      String type = payload == null ? null : payload.getContentMetadata().getContentType();
      String method = connection.getRequestMethod();
      if (status >= 200 && status < 300) {
        Optional<String> problem = check.problem(method, connection.getURL(), type, body);
        if (problem.isPresent()) {
          throw unreadable(connection, status, type, body, problem.get());
        }
      } else if (status >= 400) { // redirects are jclouds' to follow
        Optional<String> foreign = body.length > MAX_ERROR_BYTES
            ? Optional.of("it is larger than any error of the cloud's (" + (MAX_ERROR_BYTES >> 10) + " KB)")
            : check.errorProblem(method, connection.getURL(), status, type, body);
        if (foreign.isPresent()) {
          if (dev.flotilla.vm.support.HttpCall.kindOf(status, false) == dev.flotilla.vm.CloudException.Kind.UNKNOWN) {
            // a 404 or 400 the cloud did not write says nothing: not "not found", not "invalid"
            throw unreadable(connection, status, type, body, "not an error of the cloud's own ("
                + foreign.get() + ")");
          }
          // the status alone speaks (5xx, 401, 429); jclouds never parses a body that is not the cloud's
          Payload none = Payloads.newByteArrayPayload(new byte[0]);
          none.getContentMetadata().setContentType("text/plain");
          return response.toBuilder().payload(none).build();
        }
      }
      return payload == null ? response : response.toBuilder().payload(copy(payload, body)).build();
    }

    private static UnreadableAnswerException unreadable(HttpURLConnection connection, int status, String type,
        byte[] body, String problem) {
      return new UnreadableAnswerException(connection.getRequestMethod() + " " + connection.getURL().getPath()
          + " was answered HTTP " + status + " with " + (type == null ? "no content type"
          : dev.flotilla.vm.CloudException.quoted(type)) + " (" + body.length + " bytes): " + problem);
    }

    private static Payload copy(Payload payload, byte[] body) {
      Payload copy = Payloads.newByteArrayPayload(body);
      copy.setContentMetadata(payload.getContentMetadata());
      return copy;
    }

    private static byte[] readAll(Payload payload) throws IOException {
      try (InputStream in = payload.openStream()) {
        byte[] body = in.readNBytes(MAX_ANSWER_BYTES + 1);
        if (body.length > MAX_ANSWER_BYTES) {
          throw new UnreadableAnswerException("the answer is larger than " + (MAX_ANSWER_BYTES >> 20) + " MB");
        }
        return body;
      } finally {
        payload.release();
      }
    }
  }
}
