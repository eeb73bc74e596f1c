package dev.flotilla.vm.openstack;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Keystone (v3 and v2.0) and Nova's compute API (2.1) on 127.0.0.1, in memory, shaped after what a
 * real OpenStack Zed answers: enough for jclouds openstack-nova and the adapter to run their whole
 * lifecycle in unit tests. Servers are ACTIVE one look after BUILD; a stop or reboot takes one look too.
 * A compute host holds {@link #hosts} servers of one anti-affinity group; one more goes to ERROR with
 * Nova's fault. Faults can be queued by request, and every request is written down.
 */
final class NovaServer implements AutoCloseable {
  static final String USER = "demo";
  static final String PASSWORD = "s3cret-Pa55";
  static final String PROJECT = "demo-project";
  static final String DOMAIN = "Default";
  static final String REGION = "RegionOne";
  static final String IMAGE_ID = "cfef9993-89b9-4dbf-addb-12b263170bfb";
  static final String IMAGE = "debian-12";

  private final HttpServer http;
  private final List<String> requests = new ArrayList<>();
  private final Deque<Fault> faults = new ArrayDeque<>();
  private final Map<String, JsonObject> servers = new LinkedHashMap<>();
  private final Map<String, JsonObject> images = new LinkedHashMap<>();
  /** The Nova microversion the request being answered asked for, or null. */
  private String microversion;
  private final Map<String, JsonObject> keys = new LinkedHashMap<>();
  private final Map<String, JsonObject> floatingIps = new LinkedHashMap<>();
  private final Map<String, JsonObject> groups = new LinkedHashMap<>();
  private final Map<String, String> userData = new LinkedHashMap<>();
  /** Nova extensions this cloud has; tests remove some to play an older or smaller cloud. */
  final Set<String> extensions = new HashSet<>(Set.of("os-keypairs", "os-floating-ips", "os-floating-ip-pools",
      "os-server-groups", "os-console-output", "os-server-start-stop", "OS-EXT-STS", "OS-EXT-IPS"));
  /** What every token this server hands out starts with: long and unusual, so a test can search output for it. */
  static final String TOKEN_PREFIX = "gAAAAABnFlotillaKeystoneToken" + Long.toHexString(System.nanoTime());
  private String token = TOKEN_PREFIX + "-1";
  /** Every token handed out, for tests that make sure none is ever printed. */
  final java.util.Set<String> tokens = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** How many compute hosts the scheduler has. */
  volatile int hosts = 1;
  /** How many servers the compute hosts run at once; one more goes to ERROR with Nova's "No valid host". */
  volatile long capacity = Long.MAX_VALUE;
  private int nextIp = 10;

  private static final class Fault {
    final String method;
    final String pathPrefix;
    final int status;
    final String body;
    int skip;

    Fault(String method, String pathPrefix, int status, String body, int skip) {
      this.method = method;
      this.pathPrefix = pathPrefix;
      this.status = status;
      this.body = body;
      this.skip = skip;
    }
  }

  private NovaServer(HttpServer http) {
    this.http = http;
    JsonObject image = new JsonObject();
    image.addProperty("id", IMAGE_ID);
    image.addProperty("name", IMAGE);
    image.addProperty("status", "ACTIVE");
    image.addProperty("progress", 100);
    image.add("metadata", new JsonObject());
    image.addProperty("visibility", "public");
    images.put(IMAGE_ID, image);
    for (String[] seed : new String[][] {{"0b7e3c1a-1111-4c5e-9d1a-5a1f0c2d3e4f", "ubuntu-22.04", "public"},
        {"0b7e3c1a-2222-4c5e-9d1a-5a1f0c2d3e4f", "canfar-batch", "shared"}}) {
      JsonObject other = image.deepCopy();
      other.addProperty("id", seed[0]);
      other.addProperty("name", seed[1]);
      other.addProperty("visibility", seed[2]);
      images.put(seed[0], other);
    }
  }

  static NovaServer start() throws IOException {
    NovaServer s = new NovaServer(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64));
    s.http.createContext("/", s::handle);
    s.http.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(16));
    s.http.start();
    return s;
  }

  /** The Keystone URL, as OS_AUTH_URL would give it ({@code .../v3} or {@code .../v2.0}). */
  String authUrl(int version) {
    return base() + (version == 2 ? "/v2.0" : "/v3");
  }

  private String base() {
    return "http://127.0.0.1:" + http.getAddress().getPort();
  }

  /** The next request to {@code method path...} answers {@code status} with Nova's error body. */
  synchronized void failNext(String method, String pathPrefix, int status, String message) {
    failLater(method, pathPrefix, status, message, 0);
  }

  /** Like {@link #failNext}, after {@code skip} such requests went through. */
  synchronized void failLater(String method, String pathPrefix, int status, String message, int skip) {
    String kind = switch (status) {
      case 404 -> "itemNotFound";
      case 409 -> "conflictingRequest";
      case 413, 429 -> "overLimit";
      case 400 -> "badRequest";
      default -> "computeFault";
    };
    faults.add(new Fault(method, pathPrefix, status, "{\"" + kind + "\": {\"code\": " + status + ", \"message\": \""
        + message + "\"}}", skip));
  }

  /** An answer that is not OpenStack's, sent with its status (200 unless said) after the request took effect. */
  record Garbage(int status, String method, String pathPrefix, String contentType, String body) {}

  /** Whether every list of servers links on to a next page, for ever. */
  volatile boolean endlessServerLinks;

  private final Deque<Garbage> garbage = new ArrayDeque<>();

  /** The next request to {@code method path...} takes effect and is answered 200 with {@code body}. */
  synchronized void garbageNext(String method, String pathPrefix, String contentType, String body) {
    garbageNext(200, method, pathPrefix, contentType, body);
  }

  /** As {@link #garbageNext(String, String, String, String)}, with HTTP {@code status} (a proxy's 404). */
  synchronized void garbageNext(int status, String method, String pathPrefix, String contentType, String body) {
    garbage.add(new Garbage(status, method, pathPrefix, contentType, body));
  }

  private Garbage garbageFor(String method, String path) {
    for (Garbage g : garbage) {
      if (g.method.equals(method) && path.startsWith(g.pathPrefix)) {
        garbage.remove(g);
        return g;
      }
    }
    return null;
  }

  private String issue(String t) {
    tokens.add(t);
    return t;
  }

  /** Ends the current token before its time, as Keystone does when a token is revoked or a cloud's
   * tokens last an hour: Nova answers 401 to it, and Keystone hands out a new one. */
  synchronized void expireToken() {
    token = TOKEN_PREFIX + "-" + (Integer.parseInt(token.substring(token.lastIndexOf('-') + 1)) + 1);
  }

  synchronized List<String> requests() {
    return List.copyOf(requests);
  }

  synchronized void resetRequests() {
    requests.clear();
  }

  /** The servers Nova has, deleted ones left out. */
  synchronized int serverCount() {
    return servers.size();
  }

  /** The user data a server was created with, as Nova decoded it. */
  synchronized String userDataOf(String id) {
    return userData.get(id);
  }

  synchronized JsonObject server(String id) {
    return servers.get(id).deepCopy();
  }

  /** Puts a server in a state by hand, as an operator's admin action would. */
  synchronized void setStatus(String id, String status) {
    servers.get(id).addProperty("status", status);
  }

  // ---- dispatch -------------------------------------------------------------------------------------------

  /** The most server creates that were in flight at once. */
  final java.util.concurrent.atomic.AtomicInteger maxCreatesInFlight = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger createsInFlight = new java.util.concurrent.atomic.AtomicInteger();

  private void handle(HttpExchange ex) throws IOException {
    boolean create = ex.getRequestMethod().equals("POST") && ex.getRequestURI().getPath().equals("/v2.1/servers");
    if (create) {
      maxCreatesInFlight.accumulateAndGet(createsInFlight.incrementAndGet(), Math::max);
    }
    try {
      answer(ex);
    } finally {
      if (create) {
        createsInFlight.decrementAndGet();
      }
    }
  }

  private void answer(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      URI uri = ex.getRequestURI();
      String path = uri.getPath().replaceAll("/+$", "");
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Answer a;
      Garbage junk;
      synchronized (this) {
        // an action is written down with its name: "POST /v2.1/servers/{id}/action os-stop"
        // and a list filtered by name with its filter: "GET /v2.1/servers/detail name=^(web1|web2)$"
        requests.add(method + " " + path + (path.endsWith("/action") && !body.isBlank()
            ? " " + JsonParser.parseString(body).getAsJsonObject().keySet().iterator().next() : "")
            + (query(uri).containsKey("name") ? " name=" + query(uri).get("name") : ""));
        a = fault(method, path);
        if (a == null) {
          a = route(ex, method, path, query(uri), body.isBlank() ? new JsonObject()
              : JsonParser.parseString(body).getAsJsonObject());
        }
        junk = a.status < 300 ? garbageFor(method, path) : null;
      }
      if (junk != null) {
        byte[] out = junk.body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", junk.contentType);
        ex.sendResponseHeaders(junk.status, out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
          try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
          }
        }
        return;
      }
      a.headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      byte[] out = a.body == null ? new byte[0] : a.body.getBytes(StandardCharsets.UTF_8);
      if (out.length > 0) {
        ex.getResponseHeaders().add("Content-Type", "application/json");
      }
      ex.sendResponseHeaders(a.status, out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(out);
        }
      }
    }
  }

  private record Answer(int status, String body, Map<String, String> headers) {
    static Answer json(int status, JsonElement body) {
      return new Answer(status, body == null ? null : body.toString(), Map.of());
    }
  }

  private Answer fault(String method, String path) {
    for (Fault f : faults) {
      if (f.method.equals(method) && path.startsWith(f.pathPrefix) && f.skip-- == 0) {
        faults.remove(f);
        return new Answer(f.status, f.body, Map.of());
      }
    }
    return null;
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> out = new LinkedHashMap<>();
    if (uri.getRawQuery() != null) {
      for (String pair : uri.getRawQuery().split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  private Answer route(HttpExchange ex, String method, String path, Map<String, String> query, JsonObject body) {
    microversion = ex.getRequestHeaders().getFirst("X-OpenStack-Nova-API-Version");
    if (path.equals("/v3/auth/tokens") && method.equals("POST")) {
      return keystoneV3(body);
    }
    if (path.equals("/v2.0/tokens") && method.equals("POST")) {
      return keystoneV2(body);
    }
    if (path.equals("/glance/v2/images") && method.equals("GET")) {
      if (!token.equals(ex.getRequestHeaders().getFirst("X-Auth-Token"))) {
        return error(401, "error", "The request you have made requires authentication.");
      }
      return glanceImages(query);
    }
    if (!path.startsWith("/v2.1")) {
      return error(404, "itemNotFound", "no such API: " + path);
    }
    if (!token.equals(ex.getRequestHeaders().getFirst("X-Auth-Token"))) {
      return error(401, "unauthorized", "The request you have made requires authentication.");
    }
    String p = path.substring("/v2.1".length());
    String[] parts = p.split("/");
    String resource = parts.length > 1 ? parts[1] : "";
    if (!resource.startsWith("os-") || resource.equals("os-keypairs") && extensions.contains("os-keypairs")
        || extensions.contains(resource)) {
      return switch (resource) {
        case "extensions" -> extensionList();
        case "servers" -> servers(method, parts, query, body);
        case "flavors" -> Answer.json(200, flavors());
        case "images" -> images(method, parts);
        case "os-keypairs" -> keypairs(method, body);
        case "os-floating-ips" -> floatingIps(method, parts, body);
        case "os-floating-ip-pools" -> Answer.json(200, JsonParser.parseString(
            "{\"floating_ip_pools\": [{\"name\": \"public\"}]}"));
        case "os-server-groups" -> serverGroups(method, body);
        default -> error(404, "itemNotFound", "no such resource: " + p);
      };
    }
    return error(404, "itemNotFound", "The resource could not be found.");
  }

  private static Answer error(int status, String kind, String message) {
    JsonObject inner = new JsonObject();
    inner.addProperty("code", status);
    inner.addProperty("message", message);
    JsonObject o = new JsonObject();
    o.add(kind, inner);
    return Answer.json(status, o);
  }

  // ---- Keystone -------------------------------------------------------------------------------------------

  private Answer keystoneV3(JsonObject body) {
    JsonObject identity = body.getAsJsonObject("auth").getAsJsonObject("identity");
    JsonObject user = identity.getAsJsonObject("password").getAsJsonObject("user");
    JsonObject project = body.getAsJsonObject("auth").getAsJsonObject("scope").getAsJsonObject("project");
    boolean ok = USER.equals(user.get("name").getAsString()) && PASSWORD.equals(user.get("password").getAsString())
        && DOMAIN.equals(user.getAsJsonObject("domain").get("name").getAsString())
        && PROJECT.equals(project.get("name").getAsString())
        && DOMAIN.equals(project.getAsJsonObject("domain").get("name").getAsString());
    if (!ok) {
      return error(401, "error", "The request you have made requires authentication.");
    }
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String later = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
    JsonObject issued = JsonParser.parseString("""
        {"methods": ["password"], "user": {"domain": {"id": "default", "name": "Default"}, "id": "u1", "name": "%s"},
         "audit_ids": ["a1"], "expires_at": "%s", "issued_at": "%s",
         "project": {"domain": {"id": "default", "name": "Default"}, "id": "p1", "name": "%s"},
         "roles": [{"id": "r1", "name": "member"}],
         "catalog": [{"endpoints": [{"id": "e1", "interface": "public", "region_id": "%s", "url": "%s/v2.1",
           "region": "%s"}], "id": "s1", "type": "compute", "name": "nova"},
          {"endpoints": [{"id": "e2", "interface": "public", "region_id": "%s", "url": "%s/glance",
           "region": "%s"}], "id": "s2", "type": "image", "name": "glance"}]}""".formatted(USER, later, now, PROJECT,
        REGION, base(), REGION, REGION, base(), REGION)).getAsJsonObject();
    JsonObject out = new JsonObject();
    out.add("token", issued);
    tokens.add(token);
    return new Answer(201, out.toString(), Map.of("X-Subject-Token", token));
  }

  private Answer keystoneV2(JsonObject body) {
    JsonObject auth = body.getAsJsonObject("auth");
    JsonObject creds = auth.getAsJsonObject("passwordCredentials");
    boolean ok = creds != null && USER.equals(creds.get("username").getAsString())
        && PASSWORD.equals(creds.get("password").getAsString()) && PROJECT.equals(auth.get("tenantName").getAsString());
    if (!ok) {
      return error(401, "error", "The request you have made requires authentication.");
    }
    String later = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
    return Answer.json(200, JsonParser.parseString("""
        {"access": {"token": {"id": "%s", "expires": "%s", "tenant": {"id": "p1", "name": "%s"}},
          "serviceCatalog": [{"type": "compute", "name": "nova", "endpoints": [{"region": "%s", "tenantId": "p1",
            "publicURL": "%s/v2.1", "internalURL": "%s/v2.1"}]},
            {"type": "image", "name": "glance", "endpoints": [{"region": "%s", "publicURL": "%s/glance"}]}],
          "user": {"id": "u1", "name": "%s", "roles": [{"name": "member"}]}}}""".formatted(issue(token), later, PROJECT, REGION,
        base(), base(), REGION, base(), USER)));
  }

  // ---- Nova -----------------------------------------------------------------------------------------------

  private Answer extensionList() {
    JsonArray list = new JsonArray();
    for (String alias : extensions) {
      JsonObject e = new JsonObject();
      e.addProperty("alias", alias);
      e.addProperty("name", alias);
      e.addProperty("namespace", "http://docs.openstack.org/compute/ext/fake_xml");
      e.addProperty("updated", "2014-12-03T00:00:00Z");
      e.addProperty("description", alias);
      e.add("links", new JsonArray());
      list.add(e);
    }
    JsonObject o = new JsonObject();
    o.add("extensions", list);
    return Answer.json(200, o);
  }

  private static JsonObject flavors() {
    return JsonParser.parseString("""
        {"flavors": [
          {"id": "f-nano", "name": "m1.nano", "ram": 128, "disk": 0, "swap": "", "vcpus": 1, "links": []},
          {"id": "f-tiny", "name": "m1.tiny", "ram": 512, "disk": 1, "swap": "", "vcpus": 1, "links": []},
          {"id": "f-small", "name": "m1.small", "ram": 2048, "disk": 20, "swap": 512, "vcpus": 1, "links": []},
          {"id": "f-large", "name": "m1.large", "ram": 8192, "disk": 80, "swap": "", "vcpus": 4, "links": []}]}""")
        .getAsJsonObject();
  }

  private Answer servers(String method, String[] parts, Map<String, String> query, JsonObject body) {
    if (parts.length == 2 && method.equals("POST")) {
      return create(body.getAsJsonObject("server"), body.getAsJsonObject("os:scheduler_hints"));
    }
    if (parts.length == 3 && parts[2].equals("detail") && method.equals("GET")) {
      Pattern name = query.containsKey("name") ? Pattern.compile(query.get("name")) : null;
      JsonArray list = new JsonArray();
      for (JsonObject s : servers.values()) {
        if (name == null || name.matcher(s.get("name").getAsString()).find()) {
          list.add(look(s));
        }
      }
      JsonObject o = new JsonObject();
      o.add("servers", list);
      if (endlessServerLinks) {
        JsonObject next = new JsonObject();
        next.addProperty("rel", "next");
        next.addProperty("href", base() + "/v2.1/servers/detail?marker=" + UUID.randomUUID());
        JsonArray links = new JsonArray();
        links.add(next);
        o.add("servers_links", links);
      }
      return Answer.json(200, o);
    }
    JsonObject s = parts.length > 2 ? servers.get(parts[2]) : null;
    if (s == null) {
      return error(404, "itemNotFound", "Instance " + (parts.length > 2 ? parts[2] : "") + " could not be found.");
    }
    if (parts.length == 3 && method.equals("GET")) {
      JsonObject o = new JsonObject();
      o.add("server", look(s));
      return Answer.json(200, o);
    }
    if (parts.length == 3 && method.equals("DELETE")) {
      servers.remove(parts[2]);
      floatingIps.values().stream().filter(f -> parts[2].equals(str(f, "instance_id"))).forEach(f -> {
        f.add("instance_id", JsonNull.INSTANCE);
        f.add("fixed_ip", JsonNull.INSTANCE);
      });
      return Answer.json(204, null);
    }
    if (parts.length == 4 && parts[3].equals("metadata") && method.equals("POST")) {
      body.getAsJsonObject("metadata").entrySet().forEach(e -> s.getAsJsonObject("metadata").add(e.getKey(), e.getValue()));
      JsonObject o = new JsonObject();
      o.add("metadata", s.getAsJsonObject("metadata"));
      return Answer.json(200, o);
    }
    if (parts.length == 4 && parts[3].equals("action") && method.equals("POST")) {
      return action(s, body);
    }
    return error(404, "itemNotFound", "no such server call");
  }

  /** Answers with the server as it is, then moves it one step on, as Nova's compute host would. */
  private JsonObject look(JsonObject s) {
    JsonObject seen = s.deepCopy();
    seen.remove("hints");
    seen.remove("pre_resize");
    seen.remove("resize_to");
    seen.remove("confirming");
    String status = s.get("status").getAsString();
    String task = s.get("OS-EXT-STS:task_state").isJsonNull() ? null : s.get("OS-EXT-STS:task_state").getAsString();
    if (!status.equals("ERROR")) {
      seen.remove("fault");
    }
    if (status.equals("VERIFY_RESIZE") && s.has("confirming")) {
      s.addProperty("status", str(s, "pre_resize"));
      s.remove("pre_resize");
      s.remove("confirming");
    } else if (status.equals("BUILD")) {
      s.addProperty("status", "ACTIVE");
    } else if (status.equals("RESIZE")) {
      s.addProperty("status", "VERIFY_RESIZE");
      s.add("OS-EXT-STS:task_state", JsonNull.INSTANCE);
      s.add("flavor", JsonParser.parseString("{\"id\": \"" + str(s, "resize_to") + "\", \"links\": []}"));
      s.remove("resize_to");
    } else if ("powering-off".equals(task)) {
      s.addProperty("status", "SHUTOFF");
      s.add("OS-EXT-STS:task_state", JsonNull.INSTANCE);
    } else if ("powering-on".equals(task) || "resuming".equals(task) || status.equals("REBOOT")
        || status.equals("HARD_REBOOT")) {
      s.addProperty("status", "ACTIVE");
      s.add("OS-EXT-STS:task_state", JsonNull.INSTANCE);
    }
    return seen;
  }

  /** When set, the next create makes nothing and answers with this existing server's id (a hostile answer). */
  volatile String createAnswersExisting;

  private Answer create(JsonObject req, JsonObject hints) {
    String existing = createAnswersExisting;
    createAnswersExisting = null;
    if (existing != null) {
      JsonObject made = new JsonObject();
      made.addProperty("id", existing);
      made.add("links", new JsonArray());
      made.addProperty("OS-DCF:diskConfig", "MANUAL");
      JsonObject o = new JsonObject();
      o.add("server", made);
      return Answer.json(202, o);
    }
    String image = str(req, "imageRef");
    String flavor = str(req, "flavorRef");
    if (!images.containsKey(image) || !"ACTIVE".equals(str(images.get(image), "status"))) {
      return error(400, "badRequest", "Image " + image + " could not be found.");
    }
    if (flavors().getAsJsonArray("flavors").asList().stream().noneMatch(f -> str(f.getAsJsonObject(), "id")
        .equals(flavor))) {
      return error(400, "badRequest", "Flavor " + flavor + " could not be found.");
    }
    String keyName = str(req, "key_name");
    if (keyName != null && !keys.containsKey(keyName)) {
      return error(400, "badRequest", "Invalid key_name provided.");
    }
    String id = UUID.randomUUID().toString();
    JsonObject s = new JsonObject();
    s.addProperty("id", id);
    s.addProperty("name", str(req, "name"));
    s.addProperty("status", "BUILD");
    s.addProperty("tenant_id", "p1");
    s.addProperty("user_id", "u1");
    s.add("metadata", req.has("metadata") ? req.getAsJsonObject("metadata") : new JsonObject());
    s.addProperty("hostId", "h1");
    s.add("image", JsonParser.parseString("{\"id\": \"" + image + "\", \"links\": []}"));
    s.add("flavor", JsonParser.parseString("{\"id\": \"" + flavor + "\", \"links\": []}"));
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    s.addProperty("created", now);
    s.addProperty("updated", now);
    JsonObject fixed = new JsonObject();
    fixed.addProperty("version", 4);
    fixed.addProperty("addr", "10.0.0." + nextIp++);
    fixed.addProperty("OS-EXT-IPS:type", "fixed");
    JsonArray privateNet = new JsonArray();
    privateNet.add(fixed);
    JsonObject addresses = new JsonObject();
    addresses.add("private", privateNet);
    s.add("addresses", addresses);
    s.addProperty("accessIPv4", "");
    s.addProperty("accessIPv6", "");
    s.add("links", new JsonArray());
    s.addProperty("OS-EXT-AZ:availability_zone", req.has("availability_zone") ? str(req, "availability_zone") : "nova");
    s.addProperty("key_name", keyName);
    s.addProperty("config_drive", req.has("config_drive") && req.get("config_drive").getAsBoolean() ? "True" : "");
    s.add("OS-EXT-STS:task_state", JsonNull.INSTANCE);
    s.addProperty("OS-EXT-STS:vm_state", "building");
    s.addProperty("OS-EXT-STS:power_state", 0);
    s.add("security_groups", req.has("security_groups") ? req.get("security_groups")
        : JsonParser.parseString("[{\"name\": \"default\"}]"));
    if (req.has("user_data")) {
      userData.put(id, new String(Base64.getDecoder().decode(str(req, "user_data")), StandardCharsets.UTF_8));
    }
    String group = null;
    if (hints != null) {
      group = str(hints, "group");
      s.addProperty("hints", group);
    }
    long placed = servers.values().stream().filter(o -> !"ERROR".equals(str(o, "status"))).count();
    String g = group;
    if (placed >= capacity || g != null && servers.values().stream().filter(o -> g.equals(str(o, "hints"))
        && !"ERROR".equals(str(o, "status"))).count() >= hosts) {
      {
        s.addProperty("status", "ERROR");
        s.add("fault", JsonParser.parseString("{\"code\": 500, \"created\": \"" + now + "\", \"message\": \"No valid"
            + " host was found. There are not enough hosts available.\"}"));
      }
    }
    servers.put(id, s);
    JsonObject created = new JsonObject();
    created.addProperty("id", id);
    created.add("links", new JsonArray());
    created.addProperty("adminPass", "generated-pass");
    created.addProperty("OS-DCF:diskConfig", "MANUAL");
    JsonObject o = new JsonObject();
    o.add("server", created);
    return Answer.json(202, o);
  }

  /** Whether the request asked for at least Nova microversion {@code version} (as {@code 2.45}). */
  private boolean atLeast(String version) {
    if (microversion == null || !microversion.matches("2\\.\\d+")) {
      return false;
    }
    return Integer.parseInt(microversion.substring(2)) >= Integer.parseInt(version.substring(2));
  }

  private Answer action(JsonObject s, JsonObject body) {
    String action = body.keySet().iterator().next();
    String status = str(s, "status");
    switch (action) {
      case "os-stop" -> {
        if (!status.equals("ACTIVE")) {
          return error(409, "conflictingRequest", "Cannot 'stop' instance " + str(s, "id") + " while it is in"
              + " vm_state " + status.toLowerCase());
        }
        s.addProperty("OS-EXT-STS:task_state", "powering-off");
      }
      case "os-start" -> {
        if (!status.equals("SHUTOFF")) {
          return error(409, "conflictingRequest", "Cannot 'start' instance " + str(s, "id") + " while it is in"
              + " vm_state " + status.toLowerCase());
        }
        s.addProperty("OS-EXT-STS:task_state", "powering-on");
      }
      case "resume" -> {
        if (!status.equals("SUSPENDED")) {
          return error(409, "conflictingRequest", "Cannot 'resume' instance while it is " + status);
        }
        s.addProperty("status", "ACTIVE");
        s.addProperty("OS-EXT-STS:task_state", "resuming");
      }
      case "reboot" -> s.addProperty("status", "SOFT".equals(str(body.getAsJsonObject("reboot"), "type")) ? "REBOOT"
          : "HARD_REBOOT");
      case "resize" -> {
        String flavor = str(body.getAsJsonObject("resize"), "flavorRef");
        if (!status.equals("ACTIVE") && !status.equals("SHUTOFF")) {
          return error(409, "conflictingRequest", "Cannot 'resize' instance " + str(s, "id") + " while it is in"
              + " vm_state " + status.toLowerCase());
        }
        if (flavors().getAsJsonArray("flavors").asList().stream().noneMatch(f -> str(f.getAsJsonObject(), "id")
            .equals(flavor))) {
          return error(400, "badRequest", "Flavor " + flavor + " could not be found.");
        }
        s.addProperty("pre_resize", status);
        s.addProperty("resize_to", flavor);
        s.addProperty("status", "RESIZE");
        s.addProperty("OS-EXT-STS:task_state", "resize_prep");
      }
      case "confirmResize" -> {
        if (!status.equals("VERIFY_RESIZE")) {
          return error(409, "conflictingRequest", "Cannot 'confirmResize' instance " + str(s, "id") + " while it is"
              + " in vm_state " + status.toLowerCase());
        }
        // as Nova: the compute host confirms later, and until then the server still shows VERIFY_RESIZE
        s.addProperty("confirming", true);
        return new Answer(204, null, Map.of());
      }
      case "os-getConsoleOutput" -> {
        return Answer.json(200, JsonParser.parseString("{\"output\": \"[    0.000000] Linux version 6.1.0\\n"
            + "Cloud-init v. 22.4.2 finished\\n" + str(s, "name") + " login: \"}"));
      }
      case "createImage" -> {
        String imageId = UUID.randomUUID().toString();
        JsonObject image = new JsonObject();
        image.addProperty("id", imageId);
        image.addProperty("name", str(body.getAsJsonObject("createImage"), "name"));
        image.addProperty("status", "SAVING");
        image.addProperty("progress", 25);
        JsonObject metadata = body.getAsJsonObject("createImage").getAsJsonObject("metadata");
        image.add("metadata", metadata == null ? new JsonObject() : metadata.deepCopy());
        images.put(imageId, image);
        if (atLeast("2.45")) { // from 2.45 on, Nova answers the image id in the body and sends no Location
          JsonObject o = new JsonObject();
          o.addProperty("image_id", imageId);
          return Answer.json(202, o);
        }
        return new Answer(202, null, Map.of("Location", base() + "/images/" + imageId));
      }
      case "addFloatingIp", "removeFloatingIp" -> {
        String address = str(body.getAsJsonObject(action), "address");
        JsonObject f = floatingIps.values().stream().filter(x -> address.equals(str(x, "ip"))).findFirst().orElse(null);
        if (f == null) {
          return error(404, "itemNotFound", "floating IP not found");
        }
        JsonArray net = s.getAsJsonObject("addresses").getAsJsonArray("private");
        if (action.equals("addFloatingIp")) {
          f.addProperty("instance_id", str(s, "id"));
          JsonObject floating = new JsonObject();
          floating.addProperty("version", 4);
          floating.addProperty("addr", address);
          floating.addProperty("OS-EXT-IPS:type", "floating");
          net.add(floating);
        } else {
          f.add("instance_id", JsonNull.INSTANCE);
          net.asList().removeIf(a -> address.equals(str(a.getAsJsonObject(), "addr")));
        }
      }
      default -> {
        return error(400, "badRequest", "unknown action " + action);
      }
    }
    return Answer.json(202, null);
  }

  private Answer images(String method, String[] parts) {
    if (parts.length == 3 && parts[2].equals("detail")) {
      JsonArray list = new JsonArray();
      images.values().forEach(i -> list.add(look(i, true)));
      JsonObject o = new JsonObject();
      o.add("images", list);
      return Answer.json(200, o);
    }
    JsonObject image = parts.length == 3 ? images.get(parts[2]) : null;
    if (image == null) {
      return error(404, "itemNotFound", "Image not found.");
    }
    if (method.equals("DELETE")) {
      images.remove(parts[2]);
      return Answer.json(204, null);
    }
    JsonObject o = new JsonObject();
    o.add("image", look(image, false));
    return Answer.json(200, o);
  }

  /** Glance v2's image list, two images a page (as a small api_limit_max would make it), with next links. */
  private Answer glanceImages(Map<String, String> query) {
    List<JsonObject> all = new ArrayList<>(images.values());
    int from = 0;
    if (query.containsKey("marker")) {
      for (int i = 0; i < all.size(); i++) {
        if (str(all.get(i), "id").equals(query.get("marker"))) {
          from = i + 1;
        }
      }
    }
    JsonArray page = new JsonArray();
    for (int i = from; i < Math.min(all.size(), from + 2); i++) {
      JsonObject nova = all.get(i);
      JsonObject g = new JsonObject();
      g.addProperty("id", str(nova, "id"));
      g.addProperty("name", str(nova, "name"));
      g.addProperty("status", str(nova, "status").equals("ACTIVE") ? "active" : "saving");
      g.addProperty("visibility", nova.has("visibility") ? str(nova, "visibility") : "private");
      page.add(g);
    }
    JsonObject o = new JsonObject();
    o.add("images", page);
    if (from + 2 < all.size()) {
      o.addProperty("next", "/v2/images?marker=" + str(all.get(from + 1), "id") + "&limit=2");
    }
    return Answer.json(200, o);
  }

  /** A saving snapshot is ACTIVE at the second look, as after its upload. */
  private static JsonObject look(JsonObject image, boolean listing) {
    JsonObject seen = image.deepCopy();
    if (!listing && "SAVING".equals(str(image, "status"))) {
      image.addProperty("status", "ACTIVE");
      image.addProperty("progress", 100);
    }
    return seen;
  }

  private Answer keypairs(String method, JsonObject body) {
    if (method.equals("POST")) {
      JsonObject req = body.getAsJsonObject("keypair");
      String name = str(req, "name");
      if (keys.containsKey(name)) {
        return error(409, "conflictingRequest", "Key pair '" + name + "' already exists.");
      }
      String publicKey = str(req, "public_key");
      JsonObject k = new JsonObject();
      k.addProperty("name", name);
      k.addProperty("public_key", publicKey);
      k.addProperty("fingerprint", md5(publicKey));
      k.addProperty("user_id", "u1");
      keys.put(name, k);
      JsonObject o = new JsonObject();
      o.add("keypair", k);
      return Answer.json(200, o);
    }
    JsonArray list = new JsonArray();
    keys.values().forEach(k -> {
      JsonObject wrapped = new JsonObject();
      wrapped.add("keypair", k);
      list.add(wrapped);
    });
    JsonObject o = new JsonObject();
    o.add("keypairs", list);
    return Answer.json(200, o);
  }

  private static String md5(String publicKey) {
    try {
      byte[] blob = Base64.getDecoder().decode(publicKey.trim().split("\\s+")[1]);
      byte[] d = MessageDigest.getInstance("MD5").digest(blob);
      StringBuilder sb = new StringBuilder();
      for (byte b : d) {
        sb.append(sb.length() == 0 ? "" : ":").append(String.format("%02x", b));
      }
      return sb.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Answer floatingIps(String method, String[] parts, JsonObject body) {
    if (method.equals("POST")) {
      String pool = body.has("pool") ? str(body, "pool") : "public";
      if (!pool.equals("public")) {
        return error(404, "itemNotFound", "Floating IP pool not found.");
      }
      JsonObject f = new JsonObject();
      f.addProperty("id", UUID.randomUUID().toString());
      f.addProperty("ip", "172.24.4." + (100 + floatingIps.size()));
      f.addProperty("pool", pool);
      f.add("fixed_ip", JsonNull.INSTANCE);
      f.add("instance_id", JsonNull.INSTANCE);
      floatingIps.put(str(f, "id"), f);
      JsonObject o = new JsonObject();
      o.add("floating_ip", f);
      return Answer.json(200, o);
    }
    if (method.equals("DELETE") && parts.length == 3) {
      return floatingIps.remove(parts[2]) == null ? error(404, "itemNotFound", "Floating IP not found.")
          : Answer.json(202, null);
    }
    JsonArray list = new JsonArray();
    floatingIps.values().forEach(list::add);
    JsonObject o = new JsonObject();
    o.add("floating_ips", list);
    return Answer.json(200, o);
  }

  private Answer serverGroups(String method, JsonObject body) {
    if (method.equals("POST")) {
      JsonObject g = body.getAsJsonObject("server_group").deepCopy();
      g.addProperty("id", UUID.randomUUID().toString());
      g.add("members", new JsonArray());
      groups.put(str(g, "id"), g);
      JsonObject o = new JsonObject();
      o.add("server_group", g);
      return Answer.json(200, o);
    }
    JsonArray list = new JsonArray();
    groups.values().forEach(list::add);
    JsonObject o = new JsonObject();
    o.add("server_groups", list);
    return Answer.json(200, o);
  }

  private static String str(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }

  @Override
  public void close() {
    http.stop(0);
    ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
  }

}
