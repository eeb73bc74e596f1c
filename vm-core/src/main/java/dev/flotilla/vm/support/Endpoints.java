package dev.flotilla.vm.support;

import dev.flotilla.vm.ConfigurationException;
import java.net.URI;
import java.net.URISyntaxException;

/** Endpoints as profiles give them: an {@code http} or {@code https} URL with a host, or an error naming the field. */
public final class Endpoints {
  private Endpoints() {}

  /**
   * {@code value} as a URL a provider can call.
   *
   * @param field the field it came from, such as {@code profiles.lab.auth.endpoint}, for the error
   * @throws ConfigurationException for another scheme, no host, or a malformed URL
   */
  public static URI http(String value, String field) {
    URI uri;
    try {
      uri = new URI(value.trim());
    } catch (URISyntaxException e) {
      throw new ConfigurationException(null, field, "'" + value + "' is not a URL (" + e.getReason() + "); write it"
          + " as https://host[:port][/path]");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new ConfigurationException(null, field, "'" + value + "' is not an http:// or https:// URL; clouds are"
          + " reached over HTTP, so write it as https://host[:port][/path]");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new ConfigurationException(null, field, "'" + value + "' names no host; write it as"
          + " https://host[:port][/path]");
    }
    return uri;
  }
}
