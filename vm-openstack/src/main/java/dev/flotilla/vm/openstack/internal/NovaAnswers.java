package dev.flotilla.vm.openstack.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.flotilla.vm.jclouds.AnswerCheck;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a successful answer of Keystone, Nova or Glance is: empty (actions), or one whole JSON document;
 * to a GET, an object that says something (never {@code {}}); to a list of servers, an object with its
 * {@code servers}; to one server, its {@code server}. Anything else (an HTML page from a proxy, a body
 * cut short) is an error, never "no servers".
 */
public final class NovaAnswers implements AnswerCheck {
  private static final Pattern SERVER_LIST = Pattern.compile(".*/servers(/detail)?/?");
  private static final Pattern ONE_SERVER = Pattern.compile(".*/servers/[0-9a-fA-F-]{8,}/?");

  @Override
  public Optional<String> problem(String method, java.net.URL url, String contentType, byte[] body) {
    String path = url.getPath();
    String text = new String(body, StandardCharsets.UTF_8);
    if (text.isBlank()) {
      return method.equals("GET") ? Optional.of("a GET is answered with a JSON document, and this answer is empty")
          : Optional.empty();
    }
    if (contentType != null && !contentType.toLowerCase(java.util.Locale.ROOT).contains("json")) {
      return Optional.of("OpenStack answers with JSON");
    }
    Optional<JsonElement> whole = AnswerCheck.wholeJson(body);
    if (whole.isEmpty()) {
      return Optional.of("it is not one whole JSON document");
    }
    JsonElement json = whole.get();
    if (!method.equals("GET")) {
      return Optional.empty();
    }
    if (!json.isJsonObject() || json.getAsJsonObject().isEmpty()) {
      return Optional.of("it says nothing (" + (json.isJsonObject() ? "{}" : "not an object") + ")");
    }
    JsonObject o = json.getAsJsonObject();
    if (SERVER_LIST.matcher(path).matches() && !(o.has("servers") && o.get("servers").isJsonArray())) {
      return Optional.of("a list of servers has no \"servers\"");
    }
    if (ONE_SERVER.matcher(path).matches() && !(o.has("server") && o.get("server").isJsonObject()
        && o.getAsJsonObject("server").has("id"))) {
      return Optional.of("a server's answer has no \"server\" with an id");
    }
    return Optional.empty();
  }

  @Override
  public Optional<String> errorProblem(String method, java.net.URL url, int status, String contentType, byte[] body) {
    // Nova's {"itemNotFound": {"message": ..., "code": 404}}, Keystone's {"error": {"message": ...}}
    return AnswerCheck.wholeJson(body).isPresent()
        && NovaErrors.message(new String(body, StandardCharsets.UTF_8)).isPresent() ? Optional.empty()
        : Optional.of("OpenStack writes its errors as {\"<kind>\": {\"message\": ...}}");
  }
}
