package dev.flotilla.vm.cloudstack.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.support.Transport;
import dev.flotilla.vm.jclouds.AnswerCheck;
import dev.flotilla.vm.jclouds.CheckedHttpModule;
import dev.flotilla.vm.jclouds.QuietLogging;
import java.net.URI;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.jclouds.Constants;
import org.jclouds.ContextBuilder;
import org.jclouds.cloudstack.CloudStackApi;
import org.jclouds.cloudstack.CloudStackApiMetadata;
import org.jclouds.http.HttpRequest;
import org.jclouds.http.HttpResponseException;
import org.jclouds.io.Payload;
import org.jclouds.io.Payloads;

/**
 * jclouds' CloudStack API, for the commands it covers, sent as Flotilla's own client sends its commands:
 * jclouds builds each command and reads its answer, and Flotilla signs it (signature version 3, with an
 * expiry) and POSTs it when it changes something, so a cloud that enforces POST and timestamps
 * ({@code enforce.post.requests.and.timestamps}) accepts jclouds' requests too. Every answer is checked
 * before jclouds reads it, and what jclouds throws becomes a cloud error with CloudStack's code and text.
 */
public final class CsJclouds {
  private CsJclouds() {}

  /** jclouds' CloudStack API at {@code client}'s endpoint, its requests signed by {@code client}. */
  public static CloudStackApi open(CsClient client, String apiKey, Secret secretKey, Transport transport) {
    Properties overrides = new Properties();
    // retries belong to Flotilla's core, with backoff and a budget; jclouds' would multiply them
    overrides.setProperty(Constants.PROPERTY_MAX_RETRIES, "0");
    overrides.putAll(CheckedHttpModule.overrides(transport));
    return ContextBuilder.newBuilder(new CloudStackApiMetadata()).endpoint(client.endpoint().toString())
        .credentials(apiKey, secretKey.reveal()).overrides(overrides)
        .modules(List.of(new QuietLogging(), new CheckedHttpModule(new Answers(), transport,
            request -> resign(request, client))))
        .buildApi(CloudStackApi.class);
  }

  /**
   * {@code request} as Flotilla sends it: jclouds' signature and key taken out, every other parameter
   * signed again by {@code client}; a GET for reads, a form POST for the rest.
   */
  static HttpRequest resign(HttpRequest request, CsClient client) {
    URI at = request.getEndpoint();
    Map<String, String> params = new LinkedHashMap<>();
    String query = at.getRawQuery();
    if (query != null) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        params.put(name, value);
      }
    }
    String command = params.remove("command");
    if (command == null) {
      return request; // not a CloudStack command; nothing to sign
    }
    for (String jcloudsOwn : List.of("signature", "apiKey", "apikey", "response")) {
      params.remove(jcloudsOwn);
    }
    String signed = client.signedQuery(command, params);
    URI base = URI.create(at.getScheme() + "://" + at.getRawAuthority() + at.getRawPath());
    if (CsClient.reads(command)) {
      return request.toBuilder().method("GET").endpoint(URI.create(base + "?" + signed)).build();
    }
    Payload form = Payloads.newStringPayload(signed);
    form.getContentMetadata().setContentType(CsClient.FORM);
    return request.toBuilder().method("POST").endpoint(base).payload(form).build();
  }

  /** The error of the jclouds call {@code call}: CloudStack's code and text where the answer had them. */
  public static CloudException classify(String api, String profile, String call, RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpResponseException h && h.getResponse() != null) {
        return CsErrors.classify(api, call, h.getResponse().getStatusCode(), inner(h.getContent()), profile);
      }
    }
    return new CloudException(Kind.UNKNOWN, api, "MalformedAnswer", call + " (profile " + profile + "): the answer"
        + " could not be read (" + e.getClass().getSimpleName() + ")");
  }

  /** The object inside {@code {"<command>response": {...}}}, or null. */
  private static JsonObject inner(String body) {
    if (body == null) {
      return null;
    }
    try {
      JsonElement root = JsonParser.parseString(body);
      if (root.isJsonObject() && root.getAsJsonObject().size() == 1) {
        JsonElement in = root.getAsJsonObject().entrySet().iterator().next().getValue();
        return in.isJsonObject() ? in.getAsJsonObject() : null;
      }
    } catch (JsonParseException ignored) {
      // not CloudStack's answer
    }
    return null;
  }

  /**
   * A successful answer is one JSON object holding one {@code <command>response} object (of the command
   * the request names, where its query names it); anything else, such as a proxy's HTML page, is an error,
   * never "no VMs" or "no addresses".
   */
  static final class Answers implements AnswerCheck {
    @Override
    public Optional<String> problem(String method, URL url, String contentType, byte[] body) {
      String command = null;
      if (url.getQuery() != null) {
        for (String pair : url.getQuery().split("&")) {
          if (pair.startsWith("command=")) {
            command = URLDecoder.decode(pair.substring("command=".length()), StandardCharsets.UTF_8);
          }
        }
      }
      Optional<JsonElement> whole = AnswerCheck.wholeJson(body);
      if (whole.isEmpty()) {
        return Optional.of("it is not one whole JSON document");
      }
      JsonElement root = whole.get();
      if (!root.isJsonObject() || root.getAsJsonObject().size() != 1) {
        return Optional.of("CloudStack answers with one {\"<command>response\": {...}} object");
      }
      Map.Entry<String, JsonElement> only = root.getAsJsonObject().entrySet().iterator().next();
      String expected = command == null ? null : command.toLowerCase(Locale.ROOT) + "response";
      if (!only.getKey().endsWith("response") || (expected != null && !only.getKey().equals(expected))) {
        return Optional.of("it holds '" + only.getKey() + "', not " + (expected == null ? "a command's response"
            : "'" + expected + "'"));
      }
      if (!only.getValue().isJsonObject()) {
        return Optional.of("'" + only.getKey() + "' is not an object");
      }
      return command != null && CsClient.reads(command) ? CsClient.incompleteList(only.getValue().getAsJsonObject())
          : Optional.empty();
    }

    @Override
    public Optional<String> errorProblem(String method, URL url, int status, String contentType, byte[] body) {
      JsonObject inner = inner(new String(body, StandardCharsets.UTF_8));
      return inner != null && (inner.has("errorcode") || inner.has("errortext")) ? Optional.empty()
          : Optional.of("CloudStack writes its errors as {\"<command>response\": {\"errorcode\": ..., \"errortext\": ...}}");
    }
  }
}
