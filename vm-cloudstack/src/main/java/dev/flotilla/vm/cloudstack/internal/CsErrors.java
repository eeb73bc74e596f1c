package dev.flotilla.vm.cloudstack.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;

/** CloudStack's error codes (ApiErrorCode; the number is also the HTTP status) as cloud errors. */
public final class CsErrors {
  private CsErrors() {}

  /**
   * The error of {@code command} answered with HTTP {@code status} and {@code inner}, the object of its
   * {@code <command>response} (null when the answer held none): CloudStack's {@code errorcode} and
   * {@code errortext} where it gave them.
   */
  public static CloudException classify(String api, String command, int status, JsonObject inner, String profile) {
    if (inner == null) {
      return classify(api, command, status, "HTTP " + status + " without a CloudStack answer", profile);
    }
    int code = status == 200 ? 530 : status; // CloudStack makes the two equal; a 200 with an error is its 530
    JsonElement c = inner.get("errorcode");
    if (c != null && c.isJsonPrimitive()) {
      try {
        code = c.getAsInt();
      } catch (NumberFormatException ignored) {
        // the fallback stands
      }
    }
    JsonElement t = inner.get("errortext");
    String text = t == null || t.isJsonNull() ? "no error text" : t.isJsonPrimitive() ? t.getAsString() : t.toString();
    return classify(api, command, code, text, profile);
  }

  /** The error of {@code command} that CloudStack answered with {@code code} and {@code text}. */
  public static CloudException classify(String api, String command, int code, String text, String profile) {
    if (code == 431 && text.contains("entity does not exist")) {
      return new CloudException(Kind.NOT_FOUND, api, "431", command + " (profile " + profile + "): " + text);
    }
    Kind kind = switch (code) {
      case 401 -> Kind.AUTHENTICATION;
      case 531 -> Kind.AUTHENTICATION;
      case 429 -> Kind.THROTTLED;
      case 503 -> Kind.TRANSIENT;
      case 532, 533, 534, 535 -> Kind.CAPACITY;
      case 400, 405, 430, 431, 432, 536, 537 -> Kind.INVALID_REQUEST;
      default -> code >= 500 && code < 600 && code != 530 ? Kind.TRANSIENT : Kind.UNKNOWN;
    };
    String hint = code == 401 ? "; check the profile's api_key and secret_key (and that the clock is right: requests"
        + " expire)" : code == 535 ? "; VMs destroyed but not yet expunged count too, until the cloud expunges them"
        : "";
    return new CloudException(kind, api, Integer.toString(code), command + " (profile " + profile + "): " + text + hint);
  }
}
