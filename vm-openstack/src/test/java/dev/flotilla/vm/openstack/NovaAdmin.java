package dev.flotilla.vm.openstack;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.flotilla.vm.Profile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The tests' own view of a cloud, apart from the adapter: a Keystone v3 login and plain HTTP calls to the
 * compute endpoint of its catalog, to check what the adapter sent (user data, metadata) and to do what
 * an operator would do by hand (suspend a server).
 */
final class NovaAdmin {
  private final HttpClient http = HttpClient.newHttpClient();
  private final String token;
  private final String compute;

  NovaAdmin(Profile profile) {
    JsonObject auth = JsonParser.parseString("""
        {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "%s",
          "domain": {"name": "%s"}, "password": "%s"}}},
         "scope": {"project": {"name": "%s", "domain": {"name": "%s"}}}}}""".formatted(profile.identity().orElseThrow(),
        profile.setting("user_domain_name").orElse("Default"), profile.secret().orElseThrow().reveal(),
        profile.setting("project_name").orElseThrow(), profile.setting("project_domain_name").orElse("Default")))
        .getAsJsonObject();
    String url = profile.endpoint().orElseThrow().replaceAll("/+$", "") + "/auth/tokens";
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(auth.toString())).build());
    token = r.headers().firstValue("X-Subject-Token").orElseThrow();
    String endpoint = null;
    for (JsonElement service : JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("token")
        .getAsJsonArray("catalog")) {
      if (service.getAsJsonObject().get("type").getAsString().equals("compute")) {
        for (JsonElement e : service.getAsJsonObject().getAsJsonArray("endpoints")) {
          if (e.getAsJsonObject().get("interface").getAsString().equals("public")) {
            endpoint = e.getAsJsonObject().get("url").getAsString();
          }
        }
      }
    }
    compute = endpoint;
  }

  /** {@code GET path} on Nova at {@code microversion}. */
  JsonObject get(String path, String microversion) {
    return JsonParser.parseString(send(HttpRequest.newBuilder(URI.create(compute + path)).header("X-Auth-Token", token)
        .header("X-OpenStack-Nova-API-Version", microversion).GET().build()).body()).getAsJsonObject();
  }

  /** {@code POST /servers/{id}/action} with {@code {action: null}}. */
  void action(String serverId, String action) {
    send(HttpRequest.newBuilder(URI.create(compute + "/servers/" + serverId + "/action")).header("X-Auth-Token", token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"" + action
            + "\": null}")).build());
  }

  /** {@code DELETE path} on Nova. */
  void delete(String path) {
    send(HttpRequest.newBuilder(URI.create(compute + path)).header("X-Auth-Token", token).DELETE().build());
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() >= 300) {
        throw new IllegalStateException(request.method() + " " + request.uri() + " answered " + r.statusCode() + ": "
            + r.body());
      }
      return r;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
