package dev.flotilla.vm.openstack.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import java.util.Locale;
import java.util.Optional;
import org.jclouds.http.HttpResponseException;
import org.jclouds.rest.AuthorizationException;
import org.jclouds.rest.ResourceNotFoundException;

/**
 * Nova, Glance and Keystone errors, classified. Only the HTTP status and the message OpenStack wrote in
 * its error body are kept: jclouds' own messages hold the whole request, whose user data may be secret.
 */
public final class NovaErrors {
  private NovaErrors() {}

  /** The classified form of anything jclouds (or {@link NovaRest}) threw for {@code call}. */
  public static CloudException classify(String call, RuntimeException e) {
    if (e instanceof CloudException c) {
      return c;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpResponseException http && http.getResponse() != null) {
        int status = http.getResponse().getStatusCode();
        return of(call, status, http.getContent());
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AuthorizationException) {
        return new CloudException(Kind.AUTHENTICATION, "openstack", "HTTP 401", call + ": Keystone refused the"
            + " credentials; check the profile's username, password, project and domains", null);
      }
      if (t instanceof ResourceNotFoundException) {
        return new CloudException(Kind.NOT_FOUND, "openstack", "HTTP 404", call + ": not found", null);
      }
      if (t instanceof java.io.IOException) {
        return new CloudException(Kind.TRANSIENT, "openstack", null, call + " could not reach the cloud: "
            + t.getMessage(), null);
      }
    }
    return new CloudException(Kind.UNKNOWN, "openstack", null, call + " failed: " + e.getClass().getSimpleName(), e);
  }

  /**
   * The error of an answer with HTTP {@code status} and body {@code content}; a status is read as Nova's
   * own only when the body is Nova's error shape ({@code {"itemNotFound": {"message": ...}}}).
   */
  public static CloudException of(String call, int status, String content) {
    Optional<String> said = message(content);
    String message = said.map(m -> m.length() <= MAX_MESSAGE ? m : m.substring(0, MAX_MESSAGE) + "...")
        .orElse("HTTP " + status + (said.isEmpty() && status >= 400 && status < 500 && status != 401 && status != 403
            ? " without OpenStack's error body (a proxy's answer?); nothing was concluded from it" : ""));
    return new CloudException(kind(status, message, said.isPresent()), "openstack", "HTTP " + status,
        call + ": " + message, null);
  }

  /** The most of a cloud's error text that a message quotes. */
  static final int MAX_MESSAGE = 2000;

  /** Nova's {@code {"itemNotFound": {"message": ...}}}, Keystone's {@code {"error": {...}}}, or nothing. */
  static Optional<String> message(String content) {
    if (content == null || content.isBlank()) {
      return Optional.empty();
    }
    try {
      JsonElement root = JsonParser.parseString(content);
      if (root.isJsonObject()) {
        for (var entry : root.getAsJsonObject().entrySet()) {
          if (entry.getValue().isJsonObject()) {
            JsonObject body = entry.getValue().getAsJsonObject();
            if (body.has("message") && body.get("message").isJsonPrimitive()) {
              return Optional.of(body.get("message").getAsString());
            }
          }
        }
        if (root.getAsJsonObject().has("NeutronError")) {
          return Optional.of(root.getAsJsonObject().get("NeutronError").toString());
        }
      }
    } catch (RuntimeException notJson) {
      // some proxies answer with HTML: the status says enough
    }
    return Optional.empty();
  }

  static Kind kind(int status, String message, boolean novasOwn) {
    String m = message.toLowerCase(Locale.ROOT);
    if (novasOwn && (m.contains("quota exceeded") || m.contains("no valid host") || m.contains("insufficient"))) {
      return Kind.CAPACITY;
    }
    return dev.flotilla.vm.support.HttpCall.kindOf(status, novasOwn);
  }
}
