package dev.flotilla.vm.jclouds;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.VmException;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Runs jclouds calls and turns what they throw into a {@link CloudException} with a kind, by the
 * adapter's own classifier. Flotilla's own exceptions (a bad setting found mid-call) pass as they are.
 */
public final class Calls {
  private final String provider;
  private final String profile;
  private final BiFunction<String, RuntimeException, CloudException> classify;

  /**
   * Calls to {@code provider} (its api id) for the profile {@code profile}, whose failures {@code classify}
   * names, given the call's name and what jclouds threw. What the transport says comes first: an answer a
   * {@link CheckedHttpModule} refused is of kind UNKNOWN, an endpoint that cannot be reached UNREACHABLE,
   * a deadline that passed TRANSIENT.
   */
  public Calls(String provider, String profile, BiFunction<String, RuntimeException, CloudException> classify) {
    this.provider = provider;
    this.profile = profile;
    this.classify = classify;
  }

  /** The result of {@code body}, the call named {@code name} in errors. */
  public <T> T call(String name, Supplier<T> body) {
    try {
      return body.get();
    } catch (VmException e) {
      throw e;
    } catch (RuntimeException e) {
      CloudException transport = transport(name, e);
      throw transport != null ? transport : classify.apply(name, e);
    }
  }

  /** The error the transport found, if it found one: an answer refused, an endpoint out of reach, a deadline. */
  private CloudException transport(String name, RuntimeException e) {
    String endpoint = endpoint(e);
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnreadableAnswerException) {
        return new CloudException(CloudException.Kind.UNKNOWN, provider, null, name + ": " + t.getMessage()
            + "; nothing was concluded from it");
      }
      if (t instanceof DeadlineException) {
        return new CloudException(CloudException.Kind.TRANSIENT, provider, "Timeout", name + ": " + t.getMessage());
      }
      if (t instanceof java.net.SocketTimeoutException) {
        boolean connecting = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("connect");
        return connecting
            ? new CloudException(CloudException.Kind.UNREACHABLE, provider, "ConnectTimeout", "cannot reach " + endpoint
                + " (profile " + profile + "): no connection within the profile's connect_timeout")
            : new CloudException(CloudException.Kind.TRANSIENT, provider, "Timeout", name + ": " + endpoint + " sent"
                + " nothing for the profile's idle_timeout (profile " + profile + ")");
      }
      if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
          || t instanceof java.net.NoRouteToHostException) {
        String why = t instanceof java.net.UnknownHostException ? "unknown host"
            : t instanceof java.net.NoRouteToHostException ? "no route to host" : "connection refused";
        return new CloudException(CloudException.Kind.UNREACHABLE, provider, null, "cannot reach " + endpoint
            + " (profile " + profile + "): " + why + "; check the profile's endpoint and the network");
      }
    }
    return null;
  }

  /** The scheme, host and port the failed request went to, as far as jclouds says. */
  private static String endpoint(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.jclouds.http.HttpResponseException h && h.getCommand() != null) {
        java.net.URI uri = h.getCommand().getCurrentRequest().getEndpoint();
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
      }
    }
    return "the endpoint";
  }

  /** {@link #call} for a call with no result. */
  public void run(String name, Runnable body) {
    call(name, () -> {
      body.run();
      return null;
    });
  }
}
