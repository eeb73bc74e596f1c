package dev.flotilla.vm.cloudstack.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.support.HttpCall;
import dev.flotilla.vm.support.Transport;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * CloudStack's query API, signed as the management server verifies it: every parameter but the signature
 * (command, apikey, response, signatureversion and expires included), names sorted as sent, values
 * URL-encoded with {@code +} as {@code %20}, the whole lower-cased, HMAC-SHA1 with the secret key, Base64.
 * Requests expire ten minutes after they are signed (signature version 3). Commands that change things are
 * POSTed as a form; list, query and get commands are GETs. Every answer is checked for the
 * {@code <command>response} object before it is read; errors become classified cloud errors with
 * CloudStack's code and text. The secret key never leaves this class.
 */
public final class CsClient {
  private static final DateTimeFormatter EXPIRES = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssZ")
      .withZone(ZoneOffset.UTC);
  private static final int MAX_ANSWER_BYTES = 32 << 20;
  /** The content type of a POSTed command. */
  public static final String FORM = "application/x-www-form-urlencoded";
  /** Who calls, for the cloud's logs: this process. */
  private static final String USER_AGENT = "Flotilla/0.1 (pid " + ProcessHandle.current().pid() + ")";

  private final URI endpoint;
  private final String apiKey;
  private final Secret secretKey;
  private final HttpClient http;
  private final Transport transport;
  private final String api;
  private final String profile;
  private final Clock clock;

  /**
   * @param endpoint the API URL, such as {@code https://cloud.example.org/client/api}
   * @param api the provider's api id, for errors
   * @param profile the profile's name, for errors
   */
  public CsClient(URI endpoint, String apiKey, Secret secretKey, Transport transport, String api, String profile,
      Clock clock) {
    this.endpoint = endpoint;
    this.apiKey = apiKey;
    this.secretKey = secretKey;
    this.http = HttpClient.newBuilder().connectTimeout(transport.connect()).build();
    this.transport = transport;
    this.api = api;
    this.profile = profile;
    this.clock = clock;
  }

  /**
   * Calls {@code command} with {@code params} and returns the object inside {@code <command>response}.
   *
   * @throws CloudException for refused, failed or malformed answers
   */
  public JsonObject call(String command, Map<String, String> params) {
    String query = signedQuery(command, params);
    HttpRequest request = reads(command)
        ? HttpRequest.newBuilder(URI.create(endpoint + "?" + query)).timeout(transport.request())
            .header("User-Agent", USER_AGENT).GET().build()
        : HttpRequest.newBuilder(endpoint).timeout(transport.request()).header("User-Agent", USER_AGENT)
            .header("Content-Type", FORM).POST(HttpRequest.BodyPublishers.ofString(query, StandardCharsets.UTF_8))
            .build();
    HttpCall.Answer answer = HttpCall.send(http, request, transport, MAX_ANSWER_BYTES, api, command, where());
    JsonObject body = parse(answer.body(), command, answer.status());
    String key = command.toLowerCase(Locale.ROOT) + "response";
    JsonObject inner = body.has(key) && body.get(key).isJsonObject() ? body.getAsJsonObject(key)
        : body.has("errorresponse") && body.get("errorresponse").isJsonObject() ? body.getAsJsonObject("errorresponse")
        : null;
    if (inner == null) {
      throw malformed(command, "it holds no '" + key + "' object");
    }
    if (answer.status() != 200 || inner.has("errorcode")) {
      throw CsErrors.classify(api, command, answer.status(), inner, profile);
    }
    return inner;
  }

  /**
   * {@code command} with {@code params}, the API key, {@code response=json}, signature version 3 with its
   * expiry, and the signature: the query of a GET or the body of a POST.
   */
  public String signedQuery(String command, Map<String, String> params) {
    Map<String, String> all = new LinkedHashMap<>(params);
    all.put("command", command);
    all.put("apikey", apiKey);
    all.put("response", "json");
    all.put("signatureversion", "3");
    all.put("expires", EXPIRES.format(clock.instant().plus(Duration.ofMinutes(10))));
    return encode(all) + "&signature=" + URLEncoder.encode(sign(all, secretKey.reveal()), StandardCharsets.UTF_8);
  }

  /**
   * Whether {@code command} only reads, and so may be a GET; CloudStack's
   * {@code enforce.post.requests.and.timestamps} wants every other command POSTed.
   */
  public static boolean reads(String command) {
    return command.startsWith("list") || command.startsWith("query") || command.startsWith("get")
        || command.startsWith("find");
  }

  /**
   * Why {@code inner}, the answer of a list command, is not a whole page; empty when it is one. CloudStack
   * answers an empty list as {@code {}}: a {@code count} is a whole number, and a count above 0 comes with its
   * list (an array). The one definition of a complete CloudStack list, for both clients.
   */
  public static Optional<String> incompleteList(JsonObject inner) {
    JsonElement c = inner.get("count");
    if (c == null || c.isJsonNull()) {
      return Optional.empty();
    }
    String text = c.isJsonPrimitive() ? c.getAsString() : c.toString();
    if (!text.matches("[0-9]{1,9}")) {
      return Optional.of("it answered count '" + dev.flotilla.vm.CloudException.quoted(text) + "', which is not a number");
    }
    boolean listed = inner.entrySet().stream().anyMatch(e -> e.getValue().isJsonArray());
    return Integer.parseInt(text) > 0 && !listed ? Optional.of("it counts " + text + " but holds no list")
        : Optional.empty();
  }

  /** The API's URL, without a query. */
  public URI endpoint() {
    return endpoint;
  }

  /** The signature of {@code params}, as CloudStack's ApiServer verifies it. */
  public static String sign(Map<String, String> params, String secret) {
    List<String> names = new ArrayList<>(params.keySet());
    names.remove("signature");
    Collections.sort(names);
    StringBuilder s = new StringBuilder();
    for (String name : names) {
      if (s.length() > 0) {
        s.append('&');
      }
      s.append(name).append('=').append(URLEncoder.encode(params.get(name), StandardCharsets.UTF_8).replace("+", "%20"));
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(s.toString().toLowerCase(Locale.ROOT)
          .getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA1 is missing from this Java", e);
    }
  }

  private static String encode(Map<String, String> params) {
    StringBuilder s = new StringBuilder();
    params.forEach((k, v) -> {
      if (s.length() > 0) {
        s.append('&');
      }
      s.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20"));
    });
    return s.toString();
  }

  private JsonObject parse(byte[] body, String command, int status) {
    JsonElement root;
    try {
      root = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
    } catch (JsonParseException e) {
      if (status != 200) {
        throw CsErrors.classify(api, command, status, "HTTP " + status + " without a CloudStack answer", profile);
      }
      throw malformed(command, "it is not JSON");
    }
    if (!root.isJsonObject()) {
      throw malformed(command, "it is not a JSON object");
    }
    return root.getAsJsonObject();
  }

  private CloudException malformed(String command, String why) {
    return new CloudException(Kind.UNKNOWN, api, "MalformedAnswer", "the answer to " + command + " from " + where()
        + " was refused: " + why);
  }

  private String where() {
    return endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort())
        + " (profile " + profile + ")";
  }
}
