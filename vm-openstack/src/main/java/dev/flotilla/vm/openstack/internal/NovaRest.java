package dev.flotilla.vm.openstack.internal;

import com.google.common.base.Supplier;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.jclouds.http.HttpRequest;
import org.jclouds.http.HttpResponse;
import org.jclouds.io.Payload;
import org.jclouds.io.Payloads;
import org.jclouds.location.Region;
import org.jclouds.openstack.keystone.auth.config.Authentication;
import org.jclouds.openstack.keystone.auth.domain.AuthInfo;
import org.jclouds.openstack.keystone.v2_0.domain.Access;
import org.jclouds.openstack.keystone.v3.domain.Token;
import org.jclouds.rest.HttpClient;

/**
 * The few calls jclouds 2.7.0 has no method for (Nova's console output, server groups, faults,
 * resume/unshelve; Glance v2's image list with visibility), sent through jclouds' own HTTP client with its Keystone token and the compute
 * endpoint of its service catalog, so they share its connections, proxy settings and error handling.
 */
public final class NovaRest {
  private final HttpClient http;
  private final Supplier<String> token;
  private final Supplier<Map<String, Supplier<URI>>> endpoints;
  private final String region;
  private final Supplier<AuthInfo> login;

  /** The calls of the jclouds context in {@code injector}, on {@code region}. */
  public NovaRest(Injector injector, String region) {
    this.http = injector.getInstance(HttpClient.class);
    this.login = injector.getInstance(Key.get(new TypeLiteral<Supplier<AuthInfo>>() {}));
    this.token = injector.getInstance(Key.get(new TypeLiteral<Supplier<String>>() {}, Authentication.class));
    this.endpoints = injector.getInstance(Key.get(new TypeLiteral<Supplier<Map<String, Supplier<URI>>>>() {},
        Region.class));
    this.region = region;
  }

  /** {@code GET path} at Nova's microversion {@code microversion} (null for the base 2.1). */
  public JsonObject get(String path, String microversion) {
    return send("GET", path, null, microversion);
  }

  /**
   * The public URL of another service of the region in Keystone's catalog, such as {@code image}
   * (Glance), from the token jclouds already holds.
   */
  public Optional<URI> endpoint(String type) {
    AuthInfo info = login.get();
    if (info instanceof Token v3) {
      return v3.catalog().stream().filter(c -> type.equals(c.type())).flatMap(c -> c.endpoints().stream())
          .filter(e -> "public".equals(e.iface()) && (region.equals(e.regionId()) || region.equals(e.region())))
          .map(e -> e.url()).findFirst();
    }
    if (info instanceof Access v2) {
      return v2.stream().filter(service -> type.equals(service.getType())).flatMap(service -> service.stream())
          .filter(e -> region.equals(e.getRegion())).map(e -> e.getPublicURL()).findFirst();
    }
    return Optional.empty();
  }

  /** {@code GET url} on any service of the catalog, with the same token. */
  public JsonObject get(URI url) {
    return send("GET", url, null, null);
  }

  /** {@code POST path} with a JSON body; the answer, or an empty object when Nova sends none. */
  public JsonObject post(String path, JsonObject body, String microversion) {
    return send("POST", path, body, microversion);
  }

  /** {@code POST /servers/{id}/action} with {@code {action: body}}. */
  public JsonObject action(String serverId, String action, JsonObject body) {
    JsonObject wrapped = new JsonObject();
    wrapped.add(action, body == null ? com.google.gson.JsonNull.INSTANCE : body);
    return post("/servers/" + serverId + "/action", wrapped, null);
  }

  private JsonObject send(String method, String path, JsonObject body, String microversion) {
    Supplier<URI> base = endpoints.get().get(region);
    if (base == null) {
      throw new IllegalStateException("no compute endpoint for region " + region);
    }
    return send(method, URI.create(base.get().toString().replaceAll("/+$", "") + path), body, microversion);
  }

  private JsonObject send(String method, URI url, JsonObject body, String microversion) {
    String path = url.getPath();
    HttpRequest.Builder<?> b = HttpRequest.builder().method(method).endpoint(url)
        .addHeader("X-Auth-Token", token.get()).addHeader("Accept", "application/json");
    if (microversion != null) {
      b.addHeader("X-OpenStack-Nova-API-Version", microversion);
    }
    if (body != null) {
      Payload payload = Payloads.newByteArrayPayload(body.toString().getBytes(StandardCharsets.UTF_8));
      payload.getContentMetadata().setContentType("application/json");
      b.payload(payload);
    }
    HttpResponse response = http.invoke(b.build());
    try {
      if (response.getPayload() == null) {
        return new JsonObject();
      }
      try (InputStream in = response.getPayload().openStream()) {
        String text = new String(in.readNBytes(4 << 20), StandardCharsets.UTF_8); // an error page, at most 4 MB
        if (response.getStatusCode() >= 300) {
          throw NovaErrors.of(method + " " + path, response.getStatusCode(), text);
        }
        return text.isBlank() ? new JsonObject() : JsonParser.parseString(text).getAsJsonObject();
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
