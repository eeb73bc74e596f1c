package dev.flotilla.vm.stratuslab.internal;

import dev.flotilla.vm.support.SafeXml;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.support.Transport;
import dev.flotilla.vm.support.HttpCall;
import dev.flotilla.vm.CloudException.Kind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.w3c.dom.Element;
import org.xml.sax.SAXException;

/**
 * A small XML-RPC client on {@link HttpClient} and {@link SafeXml}: it sends strings, integers and
 * booleans, and reads every XML-RPC type back, {@code <i8>} included. Answers larger than a limit, with a
 * DOCTYPE, or with values that are not what their type says are refused as classified cloud errors.
 * Request bodies (which carry the session string) never appear in messages.
 */
public final class XmlRpcClient {
  private final URI endpoint;
  private final HttpClient http;
  private final String authorization;
  private final int maxAnswerBytes;
  private final Transport transport;
  private final String api;
  private final String profile;

  /**
   * @param endpoint where to POST
   * @param http the HTTP client (its TLS settings carry any client certificate; its connect timeout the
   *     transport's)
   * @param authorization the Authorization header value, or null
   * @param maxAnswerBytes the largest answer read
   * @param transport how long a call may wait for a byte, and take in all
   * @param api the provider's api id, for errors
   * @param profile the profile's name, for errors
   */
  public XmlRpcClient(URI endpoint, HttpClient http, String authorization, int maxAnswerBytes, Transport transport,
      String api, String profile) {
    this.endpoint = endpoint;
    this.http = http;
    this.authorization = authorization;
    this.maxAnswerBytes = maxAnswerBytes;
    this.transport = transport;
    this.api = api;
    this.profile = profile;
  }

  /** The endpoint calls go to. */
  public URI endpoint() {
    return endpoint;
  }

  /**
   * Calls {@code method} with {@code params} (String, Integer, Long, Boolean or a List of them).
   *
   * @return the answer: String, Integer, Long, Boolean, Double, byte[], List or Map
   * @throws CloudException for HTTP errors, faults, refused or malformed answers
   */
  public Object call(String method, Object... params) {
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(transport.request())
        .header("Content-Type", "text/xml; charset=utf-8")
        .POST(HttpRequest.BodyPublishers.ofString(request(method, params), StandardCharsets.UTF_8));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpCall.Answer answer = HttpCall.send(http, request.build(), transport, maxAnswerBytes, api, method, where());
    int status = answer.status();
    if (status != 200) {
      throw new CloudException(HttpCall.kindOf(status, false), api, "HTTP " + status, method + " answered HTTP " + status
          + (status == 401 || status == 403 ? "; check the profile's username and password or certificate" : ""));
    }
    return parse(answer.body(), method);
  }

  private String where() {
    return endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort())
        + " (profile " + profile + ")";
  }

  /** The XML of a method call. */
  static String request(String method, Object... params) {
    StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><methodCall><methodName>")
        .append(escape(method)).append("</methodName><params>");
    for (Object p : params) {
      sb.append("<param>");
      value(sb, p);
      sb.append("</param>");
    }
    return sb.append("</params></methodCall>").toString();
  }

  private static void value(StringBuilder sb, Object p) {
    sb.append("<value>");
    if (p instanceof String s) {
      sb.append("<string>").append(escape(s)).append("</string>");
    } else if (p instanceof Integer i) {
      sb.append("<int>").append(i).append("</int>");
    } else if (p instanceof Long l) {
      sb.append("<i8>").append(l).append("</i8>");
    } else if (p instanceof Boolean b) {
      sb.append("<boolean>").append(b ? 1 : 0).append("</boolean>");
    } else if (p instanceof List<?> list) {
      sb.append("<array><data>");
      list.forEach(item -> value(sb, item));
      sb.append("</data></array>");
    } else {
      throw new IllegalArgumentException("XML-RPC parameter of unsupported type: " + p.getClass());
    }
    sb.append("</value>");
  }

  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  private Object parse(byte[] body, String method) {
    Element root;
    try {
      root = SafeXml.parse(body);
    } catch (SAXException e) {
      throw malformed(method, "it is not acceptable XML (" + e.getMessage() + ")");
    }
    if (!root.getTagName().equals("methodResponse")) {
      throw malformed(method, "its root is <" + root.getTagName() + ">, not <methodResponse>");
    }
    Element fault = SafeXml.child(root, "fault");
    if (fault != null) {
      Object f = value(SafeXml.child(fault, "value"), method);
      Map<?, ?> struct = f instanceof Map<?, ?> m ? m : Map.of();
      Object code = struct.get("faultCode");
      throw OneErrors.classify(api, method, code instanceof Number n ? n.intValue() : -1, String.valueOf(struct.get("faultString")));
    }
    Element params = SafeXml.child(root, "params");
    Element param = params == null ? null : SafeXml.child(params, "param");
    if (param == null || SafeXml.child(param, "value") == null) {
      throw malformed(method, "it holds no <params><param><value>");
    }
    return value(SafeXml.child(param, "value"), method);
  }

  private Object value(Element value, String method) {
    if (value == null) {
      throw malformed(method, "a <value> is missing");
    }
    List<Element> typed = SafeXml.children(value);
    if (typed.isEmpty()) {
      return value.getTextContent(); // a bare value is a string
    }
    Element t = typed.get(0);
    String text = t.getTextContent();
    try {
      switch (t.getTagName()) {
        case "string":
          return text;
        case "int":
        case "i4":
          return Integer.valueOf(text.trim());
        case "i8":
          return Long.valueOf(text.trim());
        case "boolean":
          if (!text.trim().equals("0") && !text.trim().equals("1")) {
            throw malformed(method, "<boolean> holds '" + shorten(text) + "', not 0 or 1");
          }
          return text.trim().equals("1");
        case "double":
          return Double.valueOf(text.trim());
        case "base64":
          return Base64.getMimeDecoder().decode(text.trim());
        case "dateTime.iso8601":
          return text.trim();
        case "nil":
          return null;
        case "array": {
          List<Object> out = new ArrayList<>();
          Element data = SafeXml.child(t, "data");
          if (data != null) {
            for (Element v : SafeXml.children(data)) {
              out.add(value(v, method));
            }
          }
          return out;
        }
        case "struct": {
          Map<String, Object> out = new LinkedHashMap<>();
          for (Element member : SafeXml.children(t)) {
            out.put(SafeXml.text(member, "name"), value(SafeXml.child(member, "value"), method));
          }
          return out;
        }
        default:
          throw malformed(method, "it holds a value of unknown type <" + t.getTagName() + ">");
      }
    } catch (NumberFormatException e) {
      throw malformed(method, "<" + t.getTagName() + "> holds '" + shorten(text) + "', which is not a number");
    } catch (IllegalArgumentException e) {
      throw malformed(method, "<" + t.getTagName() + "> does not hold what its type says");
    }
  }

  private static String shorten(String s) {
    String t = s.trim();
    return t.length() > 40 ? t.substring(0, 40) + "..." : t;
  }

  private CloudException malformed(String method, String why) {
    return new CloudException(Kind.UNKNOWN, api, "MalformedAnswer", "the answer to " + method + " was refused: " + why);
  }
}
