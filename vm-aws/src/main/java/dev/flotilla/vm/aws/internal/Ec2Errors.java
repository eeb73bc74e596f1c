package dev.flotilla.vm.aws.internal;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import java.util.Locale;
import org.jclouds.aws.AWSResponseException;
import org.jclouds.http.HttpResponseException;
import org.jclouds.rest.AuthorizationException;

/**
 * EC2 errors, classified. Only the error's code and message are kept: jclouds' own exception messages
 * hold the request, whose user data may be secret.
 */
public final class Ec2Errors {
  private Ec2Errors() {}

  /** The classified form of anything jclouds threw for {@code call}. */
  public static CloudException classify(String call, RuntimeException e) {
    if (e instanceof CloudException c) {
      return c;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AWSResponseException aws && aws.getError() != null) {
        String code = aws.getError().getCode();
        return new CloudException(kind(code, aws.getResponse() == null ? 0 : aws.getResponse().getStatusCode()), "aws",
            code, call + ": " + aws.getError().getMessage(), null);
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AuthorizationException) {
        return new CloudException(Kind.AUTHENTICATION, "aws", "AuthFailure", call + ": the credentials were refused;"
            + " check the profile's access key and secret", null);
      }
      if (t instanceof HttpResponseException http && http.getResponse() != null) {
        int status = http.getResponse().getStatusCode();
        return new CloudException(status >= 500 ? Kind.TRANSIENT : status == 429 ? Kind.THROTTLED : Kind.UNKNOWN, "aws",
            "HTTP " + status, call + " answered HTTP " + status, null);
      }
      if (t instanceof java.io.IOException) {
        return new CloudException(Kind.TRANSIENT, "aws", null, call + " could not reach the endpoint: " + t.getMessage(), null);
      }
    }
    return new CloudException(Kind.UNKNOWN, "aws", null, call + " failed: " + e.getClass().getSimpleName(), e);
  }

  /** The kind of an EC2 error code; throttling whatever its HTTP status. */
  static Kind kind(String code, int status) {
    String c = code == null ? "" : code;
    if (c.equals("RequestLimitExceeded") || c.equals("Throttling") || c.equals("ThrottlingException")) {
      return Kind.THROTTLED;
    }
    // EC2 answers a full zone as a server error (HTTP 500): no retry there helps, another place may
    if (c.equals("InsufficientInstanceCapacity") || c.equals("InstanceLimitExceeded") || c.endsWith("LimitExceeded")
        || c.toLowerCase(Locale.ROOT).contains("capacity")) {
      return Kind.CAPACITY;
    }
    if (c.equals("InternalError") || c.equals("Unavailable") || c.equals("ServiceUnavailable") || status >= 500) {
      return Kind.TRANSIENT;
    }
    if (c.endsWith(".NotFound")) {
      return Kind.NOT_FOUND;
    }
    if (c.equals("AuthFailure") || c.equals("UnauthorizedOperation") || c.equals("InvalidClientTokenId")
        || c.equals("SignatureDoesNotMatch") || c.equals("OptInRequired") || c.equals("Blocked")) {
      return Kind.AUTHENTICATION;
    }
    return c.startsWith("Invalid") || c.startsWith("Incorrect") || c.startsWith("Missing") || c.startsWith("Unsupported")
        ? Kind.INVALID_REQUEST : Kind.UNKNOWN;
  }
}
