package dev.flotilla.vm.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Amazon EC2's Query API in miniature, for tests: form-encoded POSTs on 127.0.0.1, XML answers in the
 * 2012-06-01 shapes, errors as AWS sends them, SigV4 credential scope checked, and state: instances go
 * pending, running, stopping, stopped, shutting-down, terminated as they are observed. ClientTokens make
 * RunInstances idempotent, and TagSpecification tags instances at launch, unless told to ignore them as
 * some EC2-compatible services do. Faults on demand: throttling (any HTTP status), internal errors, new
 * instances that DescribeInstances and CreateTags do not see yet, and answers that are not EC2's (HTML,
 * JSON, cut short, wrong content type) after the request took effect.
 */
final class Ec2Server implements AutoCloseable {
  static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String REGION = "us-east-1";

  static final class Vm {
    final String id;
    final String reservation;
    final int launchIndex;
    final String image;
    volatile String type;
    final String keyName;
    final String zone;
    final String userData;
    final String placementGroup;
    final List<String> securityGroupIds;
    final String token;
    final Map<String, String> tags = new LinkedHashMap<>();
    String state = "pending";
    int hiddenFor;
    int polls;

    Vm(String id, String reservation, int launchIndex, Map<String, String> p) {
      this.id = id;
      this.reservation = reservation;
      this.launchIndex = launchIndex;
      this.image = p.get("ImageId");
      this.type = p.getOrDefault("InstanceType", "m1.small");
      this.keyName = p.get("KeyName");
      this.zone = p.getOrDefault("Placement.AvailabilityZone", REGION + "a");
      this.userData = p.get("UserData");
      this.placementGroup = p.get("Placement.GroupName");
      this.securityGroupIds = list(p, "SecurityGroupId");
      this.token = p.get("ClientToken");
    }
  }

  private final HttpServer http;
  private java.util.concurrent.ExecutorService pool;
  final Map<String, Vm> vms = Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, List<String>> tokens = new HashMap<>();
  final Map<String, String> keys = new TreeMap<>();
  final Map<String, String> images = new TreeMap<>();
  /** Each image's tags: from CreateImage's TagSpecification (resource type image) or CreateTags. */
  final Map<String, Map<String, String>> imageTags = new java.util.HashMap<>();
  /** Images just made: "pending" at their first look, as EC2 copies the volume. */
  private final java.util.Set<String> pendingImages = new java.util.HashSet<>();
  /** Security groups by id: name and VPC. Every VPC has a group named {@code default}. */
  record Group(String name, String vpc) {}

  final Map<String, Group> groups = new TreeMap<>(Map.of("sg-1", new Group("default", DEFAULT_VPC),
      "sg-2", new Group("default", "vpc-2")));
  /** The account's default VPC, where instances launched without a subnet go. */
  static final String DEFAULT_VPC = "vpc-1";
  /** Subnets by id: their VPC. */
  final Map<String, String> subnets = new TreeMap<>(Map.of("subnet-1", DEFAULT_VPC, "subnet-2", "vpc-2"));

  /** The id of the group named {@code name} in {@code vpc}, or null. */
  String group(String name, String vpc) {
    return groups.entrySet().stream().filter(g -> g.getValue().equals(new Group(name, vpc))).map(Map.Entry::getKey)
        .findFirst().orElse(null);
  }
  /** Ingress rules by security group id: "tcp 22-22 0.0.0.0/0". */
  final Map<String, List<String>> rules = new TreeMap<>();
  /** Placement groups by name: their strategy. */
  final Map<String, String> placementGroups = new TreeMap<>();
  /** Elastic IPs by address: allocation id, and the instance and association when associated. */
  final Map<String, String[]> elasticIps = new TreeMap<>();
  final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  final List<Map<String, String>> requests = Collections.synchronizedList(new ArrayList<>());
  /** Every SigV4 signature received, for tests that make sure none is ever printed. */
  final java.util.Set<String> signatures = ConcurrentHashMap.newKeySet();
  private final Deque<String[]> faults = new ArrayDeque<>();
  private int hideNew;
  private long next = 0xa1b2c3d4L;
  volatile int bootPolls = 2;
  /** Whether RunInstances ignores ClientToken (a repeat makes new instances). */
  volatile boolean ignoreClientTokens;
  /** Whether DescribeImages leaves out every optional field (imageLocation, name, owner...). */
  volatile boolean imagesWithoutOptionalFields;
  /** Whether RunInstances ignores TagSpecification (instances start untagged). */
  volatile boolean ignoreTagSpecifications;
  private final Map<String, Deque<Garbage>> garbage = new HashMap<>();
  private java.util.Random garbageDraw;
  private double garbageShare;

  /** Answers that are not EC2's, each sent with HTTP 200 after the request took effect. */
  enum Garbage {
    /** A proxy's HTML page. */
    HTML("text/html", "<html><head><title>Gateway</title></head><body><h1>Welcome</h1></body></html>"),
    /** An empty JSON object. */
    EMPTY_JSON("application/json", "{}"),
    /** The start of a real answer, cut off. */
    TRUNCATED("text/xml;charset=UTF-8", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeInstancesResponse xmlns="
        + "\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId><reservationSet><item><reserv"),
    /** A well-formed document that is not an EC2 answer, sent as plain text. */
    WRONG_TYPE("text/plain", "<status>ok</status>"),
    /** The action's answer, well-formed, with its list left out (no reservationSet): it proves nothing. */
    INCOMPLETE("text/xml;charset=UTF-8", null),
    /** A proxy's HTML 404, which is not EC2's InvalidInstanceID.NotFound. */
    FOREIGN_404(404, "text/html", "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found"
        + "</h1></center><hr><center>nginx</center></body></html>");

    final int status;
    final String contentType;
    final String body;

    Garbage(String contentType, String body) {
      this(200, contentType, body);
    }

    Garbage(int status, String contentType, String body) {
      this.status = status;
      this.contentType = contentType;
      this.body = body;
    }

    /** What is sent for {@code action}. */
    String body(String action) {
      return body != null ? body : "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + ns(action + "Response", "");
    }
  }

  private Ec2Server() throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/", this::handle);
    http.setExecutor(pool = java.util.concurrent.Executors.newFixedThreadPool(8));
    http.start();
  }

  static Ec2Server start() throws IOException {
    return new Ec2Server();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
  }

  long count(String action) {
    return counts.getOrDefault(action, new AtomicLong()).get();
  }

  long total() {
    return counts.values().stream().mapToLong(AtomicLong::get).sum();
  }

  void resetCounts() {
    counts.clear();
    requests.clear();
  }

  /** The next {@code n} requests (of any action) fail with {@code code} and HTTP {@code status}. */
  synchronized void failNext(int n, int status, String code) {
    for (int i = 0; i < n; i++) {
      faults.add(new String[] {Integer.toString(status), code});
    }
  }

  /** Faults for one action each: the next {@code action} fails with the code, before it takes effect. */
  private final Map<String, Deque<String[]>> actionFaults = new HashMap<>();

  /** The next request of {@code action} fails with HTTP {@code status} and EC2 error {@code code}. */
  synchronized void failNextOf(String action, int status, String code) {
    actionFaults.computeIfAbsent(action, a -> new ArrayDeque<>()).add(new String[] {Integer.toString(status), code});
  }

  /** The next request is answered with HTTP {@code status} and {@code body} as it is, before it takes effect. */
  synchronized void failNextWith(int status, String contentType, String body) {
    faults.add(new String[] {Integer.toString(status), null, contentType, body});
  }

  /** Forgets the faults still queued. */
  synchronized void clearFaults() {
    faults.clear();
  }

  /** The next {@code n} answers to {@code action} are {@code kind}, after the request took effect. */
  synchronized void garbage(String action, int n, Garbage kind) {
    for (int i = 0; i < n; i++) {
      garbage.computeIfAbsent(action, a -> new ArrayDeque<>()).add(kind);
    }
  }

  /** A share (0 to 1) of all answers, drawn with {@code seed}, is garbage of a kind drawn too. */
  synchronized void garbage(double share, long seed) {
    garbageShare = share;
    garbageDraw = new java.util.Random(seed);
  }

  private synchronized Garbage garbageFor(String action) {
    Deque<Garbage> queued = garbage.get(action);
    if (queued != null && !queued.isEmpty()) {
      return queued.poll();
    }
    if (garbageShare > 0 && garbageDraw.nextDouble() < garbageShare) {
      return Garbage.values()[garbageDraw.nextInt(Garbage.values().length)];
    }
    return null;
  }

  /** Instances launched from now on are unknown to the next {@code n} requests that name them. */
  synchronized void hideNewInstances(int n) {
    hideNew = n;
  }

  @Override
  public void close() {
    http.stop(0);
    pool.shutdownNow();
  }

  private volatile java.util.function.Consumer<String> holdRun;

  /**
   * The next RunInstances takes effect, then, before it is answered, {@code beforeAnswer} runs with the
   * request's User-Agent: a crash test kills the client there ("request sent, no answer").
   */
  void holdNextRunInstances(java.util.function.Consumer<String> beforeAnswer) {
    holdRun = beforeAnswer;
  }

  private volatile Runnable onFirst;

  /** Runs {@code r} when the next request arrives, before anything else. */
  void onFirstRequest(Runnable r) {
    onFirst = r;
  }

  /** How long each answer takes to come back, as a region's round trip does. */
  volatile long latencyMillis;
  /** How many live instances a zone holds; a zone not named holds any number. */
  final Map<String, Integer> capacity = new java.util.concurrent.ConcurrentHashMap<>();

  private void handle(HttpExchange ex) throws IOException {
    if (latencyMillis > 0) {
      try {
        Thread.sleep(latencyMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Runnable first = onFirst;
    if (first != null) {
      onFirst = null;
      first.run();
    }
    try (ex) {
      Map<String, String> p = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String action = p.getOrDefault("Action", "");
      counts.computeIfAbsent(action, a -> new AtomicLong()).incrementAndGet();
      requests.add(p);
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth != null && auth.contains("Signature=")) {
        signatures.add(auth.substring(auth.indexOf("Signature=") + "Signature=".length()).trim());
      }
      String scope = "Credential=" + ACCESS_KEY + "/";
      if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 " + scope) || !auth.contains("/" + REGION + "/ec2/aws4_request")) {
        respond(ex, 401, error("AuthFailure", "AWS was not able to validate the provided access credentials"));
        return;
      }
      String[] fault;
      synchronized (this) {
        fault = faults.poll();
        if (fault == null && actionFaults.containsKey(action)) {
          fault = actionFaults.get(action).poll();
        }
      }
      if (fault != null) {
        respond(ex, Integer.parseInt(fault[0]), fault.length > 2 ? fault[2] : "text/xml;charset=UTF-8",
            fault.length > 2 ? fault[3] : error(fault[1], "injected " + fault[1]));
        return;
      }
      String[] answer;
      synchronized (this) {
        answer = dispatch(action, p);
      }
      java.util.function.Consumer<String> hold = action.equals("RunInstances") ? holdRun : null;
      if (hold != null) {
        holdRun = null;
        hold.accept(String.valueOf(ex.getRequestHeaders().getFirst("User-Agent")));
      }
      Garbage junk = answer[0].equals("200") ? garbageFor(action) : null;
      if (junk != null) {
        respond(ex, junk.status, junk.contentType, junk.body(action));
        return;
      }
      respond(ex, Integer.parseInt(answer[0]), answer[1]);
    } catch (RuntimeException e) {
      respond(ex, 500, error("InternalError", "test server: " + e));
    }
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static List<String> list(Map<String, String> p, String prefix) {
    List<String> out = new ArrayList<>();
    for (int i = 1; p.containsKey(prefix + "." + i); i++) {
      out.add(p.get(prefix + "." + i));
    }
    return out;
  }

  private static void respond(HttpExchange ex, int status, String body) throws IOException {
    respond(ex, status, "text/xml;charset=UTF-8", body);
  }

  private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String[] ok(String xml) {
    return new String[] {"200", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + xml};
  }

  private static String[] fail(String code, String message) {
    return new String[] {"400", error(code, message)};
  }

  static String error(String code, String message) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + code + "</Code><Message>"
        + esc(message) + "</Message></Error></Errors><RequestID>req-1</RequestID></Response>";
  }

  private static String ns(String element, String body) {
    return "<" + element + " xmlns=\"http://ec2.amazonaws.com/doc/2012-06-01/\"><requestId>req-1</requestId>" + body
        + "</" + element + ">";
  }

  private String[] dispatch(String action, Map<String, String> p) {
    switch (action) {
      case "DescribeRegions":
        return ok(ns("DescribeRegionsResponse", "<regionInfo><item><regionName>" + REGION + "</regionName><regionEndpoint>"
            + url().getHost() + ":" + url().getPort() + "</regionEndpoint></item></regionInfo>"));
      case "RunInstances":
        return run(p);
      case "DescribeInstances": {
        if (!p.containsKey("MaxResults")) {
          return describe(list(p, "InstanceId"), filters(p), 0, Integer.MAX_VALUE);
        }
        if (!list(p, "InstanceId").isEmpty()) {
          return fail("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter"
              + " maxResults");
        }
        int max = Integer.parseInt(p.get("MaxResults"));
        if (max < 5 || max > 1000) {
          return fail("InvalidParameterValue", "Value ( " + max + " ) for parameter maxResults is invalid. Expecting"
              + " a value greater than 5.");
        }
        String token = p.get("NextToken");
        int from = token == null ? 0 : Integer.parseInt(new String(Base64.getDecoder().decode(token),
            StandardCharsets.UTF_8));
        describePages++;
        if (endlessEmptyPages) { // a broken proxy or service: an empty page, and a token for one more
          return ok(ns("DescribeInstancesResponse", "<reservationSet/><nextToken>" + Base64.getEncoder()
              .encodeToString(Integer.toString(from).getBytes(StandardCharsets.UTF_8)) + "</nextToken>"));
        }
        return describe(List.of(), filters(p), from, max);
      }
      case "CreateTags": {
        List<String> ids = list(p, "ResourceId");
        List<String> instances = ids.stream().filter(id -> !images.containsKey(id)).toList();
        String missing = missing(instances);
        if (missing != null) {
          return fail("InvalidInstanceID.NotFound", "The instance ID '" + missing + "' does not exist");
        }
        for (String id : ids) {
          Map<String, String> tags = images.containsKey(id) ? imageTags.computeIfAbsent(id, k -> new TreeMap<>())
              : vms.get(id).tags;
          for (int i = 1; p.containsKey("Tag." + i + ".Key"); i++) {
            tags.put(p.get("Tag." + i + ".Key"), p.getOrDefault("Tag." + i + ".Value", ""));
          }
        }
        return ok(ns("CreateTagsResponse", "<return>true</return>"));
      }
      case "StartInstances":
        return change("StartInstancesResponse", list(p, "InstanceId"), vm -> switch (vm.state) {
          case "stopped" -> "pending";
          case "pending", "running" -> vm.state;
          default -> null;
        });
      case "StopInstances":
        return change("StopInstancesResponse", list(p, "InstanceId"), vm -> switch (vm.state) {
          case "running", "pending" -> "stopping";
          case "stopping", "stopped" -> vm.state;
          default -> null;
        });
      case "RebootInstances": {
        String missing = missing(list(p, "InstanceId"));
        if (missing != null) {
          return fail("InvalidInstanceID.NotFound", "The instance ID '" + missing + "' does not exist");
        }
        return ok(ns("RebootInstancesResponse", "<return>true</return>"));
      }
      case "ModifyInstanceAttribute": {
        Vm vm = vms.get(p.get("InstanceId"));
        if (vm == null) {
          return fail("InvalidInstanceID.NotFound", "The instance ID '" + p.get("InstanceId") + "' does not exist");
        }
        String type = p.containsKey("InstanceType.Value") ? p.get("InstanceType.Value")
            : "instanceType".equals(p.get("Attribute")) ? p.get("Value") : null;
        if (type == null) {
          return fail("InvalidParameterCombination", "No attributes specified.");
        }
        if (!vm.state.equals("stopped")) {
          return fail("IncorrectInstanceState", "The instance '" + vm.id + "' is not in the 'stopped' state.");
        }
        vm.type = type;
        return ok(ns("ModifyInstanceAttributeResponse", "<return>true</return>"));
      }
      case "TerminateInstances":
        return change("TerminateInstancesResponse", list(p, "InstanceId"),
            vm -> vm.state.equals("terminated") ? "terminated" : "shutting-down");
      case "ImportKeyPair": {
        String name = p.get("KeyName");
        if (keys.containsKey(name)) {
          return fail("InvalidKeyPair.Duplicate", "The keypair '" + name + "' already exists.");
        }
        String material = new String(Base64.getDecoder().decode(p.get("PublicKeyMaterial")), StandardCharsets.UTF_8);
        // EC2 shows imported RSA keys by the MD5 of their DER public key, ed25519 keys by SHA-256.
        String fingerprint = material.startsWith("ssh-ed25519 ") ? dev.flotilla.vm.support.SshKeys.sha256(material)
            .orElse(null) : dev.flotilla.vm.support.SshKeys.ec2Md5(material).orElse(null);
        if (fingerprint == null) {
          return fail("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
        }
        keys.put(name, fingerprint);
        return ok(ns("ImportKeyPairResponse", "<keyName>" + esc(name) + "</keyName><keyFingerprint>" + fingerprint
            + "</keyFingerprint>"));
      }
      case "DescribeKeyPairs": {
        StringBuilder sb = new StringBuilder("<keySet>");
        keys.forEach((k, f) -> sb.append("<item><keyName>").append(esc(k)).append("</keyName><keyFingerprint>").append(f)
            .append("</keyFingerprint></item>"));
        return ok(ns("DescribeKeyPairsResponse", sb.append("</keySet>").toString()));
      }
      case "CreateImage": {
        if (!vms.containsKey(p.get("InstanceId"))) {
          return fail("InvalidInstanceID.NotFound", "The instance ID '" + p.get("InstanceId") + "' does not exist");
        }
        String id = "ami-" + hex();
        images.put(id, p.get("Name"));
        Map<String, String> tags = new TreeMap<>();
        for (int s = 1; p.containsKey("TagSpecification." + s + ".ResourceType"); s++) {
          if ("image".equals(p.get("TagSpecification." + s + ".ResourceType"))) {
            for (int t = 1; p.containsKey("TagSpecification." + s + ".Tag." + t + ".Key"); t++) {
              tags.put(p.get("TagSpecification." + s + ".Tag." + t + ".Key"),
                  p.getOrDefault("TagSpecification." + s + ".Tag." + t + ".Value", ""));
            }
          }
        }
        imageTags.put(id, tags);
        pendingImages.add(id);
        return ok(ns("CreateImageResponse", "<imageId>" + id + "</imageId>"));
      }
      case "DeregisterImage":
        imageTags.remove(p.get("ImageId"));
        if (images.remove(p.get("ImageId")) == null) {
          return fail("InvalidAMIID.NotFound", "The image id '[" + p.get("ImageId") + "]' does not exist");
        }
        return ok(ns("DeregisterImageResponse", "<return>true</return>"));
      case "DescribeImages": {
        List<String> asked = list(p, "ImageId");
        for (String id : asked) {
          if (!images.containsKey(id)) {
            return fail("InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist");
          }
        }
        StringBuilder sb = new StringBuilder("<imagesSet>");
        images.forEach((id, name) -> {
          if (!asked.isEmpty() && !asked.contains(id)) {
            return;
          }
          String state = pendingImages.remove(id) ? "pending" : "available";
          if (imagesWithoutOptionalFields) { // as some EC2-compatible services answer: the required fields only
            sb.append("<item><imageId>").append(id).append("</imageId><imageState>").append(state)
                .append("</imageState></item>");
            return;
          }
          sb.append("<item><imageId>").append(id).append("</imageId><imageLocation>123456789012/")
              .append(esc(name)).append("</imageLocation><imageState>").append(state).append("</imageState><imageOwnerId>"
                  + "123456789012</imageOwnerId><isPublic>false</isPublic><architecture>x86_64</architecture><imageType>"
                  + "machine</imageType><name>").append(esc(name)).append("</name><rootDeviceType>ebs</rootDeviceType>"
                  + "<rootDeviceName>/dev/sda1</rootDeviceName><blockDeviceMapping/><virtualizationType>hvm"
                  + "</virtualizationType><hypervisor>xen</hypervisor>").append(tagSet(imageTags.get(id)))
              .append("</item>");
        });
        return ok(ns("DescribeImagesResponse", sb.append("</imagesSet>").toString()));
      }
      // What jclouds' portable ComputeService needs besides, so that the benchmark can compare call counts.
      case "DescribeAvailabilityZones":
        return ok(ns("DescribeAvailabilityZonesResponse", "<availabilityZoneInfo>" + java.util.stream.Stream.of("a", "b",
            "c").map(z -> "<item><zoneName>" + REGION + z + "</zoneName><zoneState>available</zoneState><regionName>"
            + REGION + "</regionName><messageSet/></item>").collect(java.util.stream.Collectors.joining())
            + "</availabilityZoneInfo>"));
      case "CreateKeyPair": {
        String name = p.get("KeyName");
        keys.put(name, "1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f");
        return ok(ns("CreateKeyPairResponse", "<keyName>" + esc(name) + "</keyName><keyFingerprint>" + keys.get(name)
            + "</keyFingerprint><keyMaterial>" + privateKeyPem() + "</keyMaterial>"));
      }
      case "DeleteKeyPair":
        keys.remove(p.get("KeyName"));
        return ok(ns("DeleteKeyPairResponse", "<return>true</return>"));
      case "CreateSecurityGroup": {
        String name = p.get("GroupName");
        String vpc = p.getOrDefault("VpcId", DEFAULT_VPC);
        if (name == null || name.startsWith("sg-")) {
          return fail("InvalidParameterValue", "Group names may not be in the format sg-*");
        }
        if (group(name, vpc) != null) {
          return fail("InvalidGroup.Duplicate", "The security group '" + name + "' already exists for VPC '" + vpc
              + "'");
        }
        String id = "sg-" + hex();
        groups.put(id, new Group(name, vpc));
        return ok(ns("CreateSecurityGroupResponse", "<return>true</return><groupId>" + id + "</groupId>"));
      }
      case "DeleteSecurityGroup":
        groups.keySet().remove(p.get("GroupId"));
        return ok(ns("DeleteSecurityGroupResponse", "<return>true</return>"));
      case "AuthorizeSecurityGroupIngress":
        for (int i = 1; p.containsKey("IpPermissions." + i + ".IpProtocol"); i++) {
          rules.computeIfAbsent(p.get("GroupId"), g -> new ArrayList<>()).add(p.get("IpPermissions." + i + ".IpProtocol")
              + " " + p.get("IpPermissions." + i + ".FromPort") + "-" + p.get("IpPermissions." + i + ".ToPort") + " "
              + p.get("IpPermissions." + i + ".IpRanges.1.CidrIp"));
        }
        return ok(ns("AuthorizeSecurityGroupIngressResponse", "<return>true</return>"));
      case "DescribeSecurityGroups": {
        List<String> names = new ArrayList<>(list(p, "GroupName"));
        List<String> ids = new ArrayList<>(list(p, "GroupId"));
        // named outright, a group is looked for in the default VPC and a missing one is an error; filtered, it
        // is left out
        List<String> asked = List.copyOf(names);
        Map<String, List<String>> filters = filters(p);
        ids.addAll(filters.getOrDefault("group-id", List.of()));
        names.addAll(filters.getOrDefault("group-name", List.of()));
        List<String> vpcs = filters.getOrDefault("vpc-id", List.of());
        StringBuilder sb = new StringBuilder("<securityGroupInfo>");
        groups.forEach((id, g) -> {
          if ((names.isEmpty() && ids.isEmpty() || names.contains(g.name()) || ids.contains(id))
              && (vpcs.isEmpty() || vpcs.contains(g.vpc()))) {
            sb.append("<item><ownerId>123456789012</ownerId><groupId>").append(id).append("</groupId><groupName>")
                .append(esc(g.name())).append("</groupName><groupDescription>").append(esc(g.name()))
                .append("</groupDescription><vpcId>").append(g.vpc())
                .append("</vpcId><ipPermissions/><ipPermissionsEgress/></item>");
          }
        });
        if (asked.stream().anyMatch(n -> group(n, DEFAULT_VPC) == null)) {
          return fail("InvalidGroup.NotFound", "The security group '" + asked.get(0) + "' does not exist");
        }
        return ok(ns("DescribeSecurityGroupsResponse", sb.append("</securityGroupInfo>").toString()));
      }
      case "DescribeSubnets": {
        StringBuilder sb = new StringBuilder("<subnetSet>");
        List<String> asked = list(p, "SubnetId");
        for (String id : asked) {
          if (!subnets.containsKey(id)) {
            return fail("InvalidSubnetID.NotFound", "The subnet ID '" + id + "' does not exist");
          }
        }
        subnets.forEach((id, vpc) -> {
          if (asked.isEmpty() || asked.contains(id)) {
            sb.append("<item><subnetId>").append(id).append("</subnetId><vpcId>").append(vpc)
                .append("</vpcId><state>available</state></item>");
          }
        });
        return ok(ns("DescribeSubnetsResponse", sb.append("</subnetSet>").toString()));
      }
      case "DescribeVpcs": {
        List<String> isDefault = filters(p).getOrDefault("isDefault", List.of());
        StringBuilder sb = new StringBuilder("<vpcSet>");
        new java.util.TreeSet<>(subnets.values()).forEach(vpc -> {
          boolean dflt = vpc.equals(DEFAULT_VPC);
          if (isDefault.isEmpty() || isDefault.contains(Boolean.toString(dflt))) {
            sb.append("<item><vpcId>").append(vpc).append("</vpcId><state>available</state><isDefault>").append(dflt)
                .append("</isDefault></item>");
          }
        });
        return ok(ns("DescribeVpcsResponse", sb.append("</vpcSet>").toString()));
      }
      case "DescribeSpotInstanceRequests":
        return ok(ns("DescribeSpotInstanceRequestsResponse", "<spotInstanceRequestSet/>"));
      case "DescribePlacementGroups": {
        List<String> asked = list(p, "GroupName");
        StringBuilder sb = new StringBuilder("<placementGroupSet>");
        for (String name : asked.isEmpty() ? placementGroups.keySet() : asked) {
          if (!placementGroups.containsKey(name)) {
            return fail("InvalidPlacementGroup.Unknown", "The Placement Group '" + name + "' is unknown.");
          }
          sb.append("<item><groupName>").append(esc(name)).append("</groupName><strategy>").append(placementGroups.get(name))
              .append("</strategy><state>available</state></item>");
        }
        return ok(ns("DescribePlacementGroupsResponse", sb.append("</placementGroupSet>").toString()));
      }
      case "CreatePlacementGroup": {
        String name = p.get("GroupName");
        if (placementGroups.containsKey(name)) {
          return fail("InvalidPlacementGroup.Duplicate", "The Placement Group '" + name + "' already exists.");
        }
        placementGroups.put(name, p.getOrDefault("Strategy", "cluster"));
        return ok(ns("CreatePlacementGroupResponse", "<return>true</return>"));
      }
      case "GetConsoleOutput": {
        Vm vm = vms.get(p.get("InstanceId"));
        if (vm == null) {
          return fail("InvalidInstanceID.NotFound", "The instance ID '" + p.get("InstanceId") + "' does not exist");
        }
        String text = "[    0.000000] Linux version 6.1.0-ec2 (" + vm.image + ")\nCloud-init v. 22.4 finished\n"
            + vm.tags.getOrDefault("node_name", vm.id) + " login: \n";
        return ok(ns("GetConsoleOutputResponse", "<instanceId>" + vm.id + "</instanceId><timestamp>2026-12-01T00:00:00.000Z"
            + "</timestamp><output>" + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8))
            + "</output>"));
      }
      case "AllocateAddress": {
        String ip = "203.0.113." + (elasticIps.size() + 10);
        String allocation = "eipalloc-" + hex();
        elasticIps.put(ip, new String[] {allocation, null, null});
        return ok(ns("AllocateAddressResponse", "<publicIp>" + ip + "</publicIp><domain>vpc</domain><allocationId>"
            + allocation + "</allocationId>"));
      }
      case "DescribeAddresses": {
        List<String> asked = list(p, "PublicIp");
        StringBuilder sb = new StringBuilder("<addressesSet>");
        for (String ip : asked.isEmpty() ? elasticIps.keySet() : asked) {
          String[] a = elasticIps.get(ip);
          if (a == null) {
            return fail("InvalidAddress.NotFound", "Address '" + ip + "' not found.");
          }
          sb.append("<item><publicIp>").append(ip).append("</publicIp><allocationId>").append(a[0])
              .append("</allocationId><domain>vpc</domain>").append(a[1] == null ? "" : "<instanceId>" + a[1]
                  + "</instanceId><associationId>" + a[2] + "</associationId>")
              .append("<publicIpv4Pool>amazon</publicIpv4Pool></item>");
        }
        return ok(ns("DescribeAddressesResponse", sb.append("</addressesSet>").toString()));
      }
      case "AssociateAddress": {
        String ip = byAllocation(p.get("AllocationId"));
        if (ip == null) {
          return fail("InvalidAllocationID.NotFound", "The allocation ID '" + p.get("AllocationId") + "' does not exist");
        }
        if (!vms.containsKey(p.get("InstanceId"))) {
          return fail("InvalidInstanceID.NotFound", "The instance ID '" + p.get("InstanceId") + "' does not exist");
        }
        String association = "eipassoc-" + hex();
        elasticIps.get(ip)[1] = p.get("InstanceId");
        elasticIps.get(ip)[2] = association;
        return ok(ns("AssociateAddressResponse", "<return>true</return><associationId>" + association
            + "</associationId>"));
      }
      case "DisassociateAddress": {
        for (String[] a : elasticIps.values()) {
          if (p.get("AssociationId") != null && p.get("AssociationId").equals(a[2])) {
            a[1] = null;
            a[2] = null;
            return ok(ns("DisassociateAddressResponse", "<return>true</return>"));
          }
        }
        return fail("InvalidAssociationID.NotFound", "The association ID '" + p.get("AssociationId") + "' does not exist");
      }
      case "ReleaseAddress": {
        String ip = byAllocation(p.get("AllocationId"));
        if (ip == null) {
          return fail("InvalidAllocationID.NotFound", "The allocation ID '" + p.get("AllocationId") + "' does not exist");
        }
        if (elasticIps.get(ip)[1] != null) {
          return fail("InvalidIPAddress.InUse", "Address " + ip + " is in use.");
        }
        elasticIps.remove(ip);
        return ok(ns("ReleaseAddressResponse", "<return>true</return>"));
      }
      case "DescribeTags":
        return ok(ns("DescribeTagsResponse", "<tagSet/>"));
      case "DeleteTags":
        return ok(ns("DeleteTagsResponse", "<return>true</return>"));
      default:
        return fail("InvalidAction", "The action " + action + " is not valid for this web service.");
    }
  }

  private String byAllocation(String allocation) {
    for (Map.Entry<String, String[]> e : elasticIps.entrySet()) {
      if (e.getValue()[0].equals(allocation)) {
        return e.getKey();
      }
    }
    return null;
  }

  private String hex() {
    return String.format("%017x", next++);
  }

  /** When set, the next RunInstances makes nothing and answers with these existing instances (a hostile answer). */
  volatile List<String> runAnswersExisting;

  private String[] run(Map<String, String> p) {
    List<String> existing = runAnswersExisting;
    runAnswersExisting = null;
    int wanted = Integer.parseInt(p.getOrDefault("MaxCount", "1"));
    if (existing == null && garbageShare > 0 && garbageDraw.nextDouble() < garbageShare) {
      // a hostile answer: instances that already exist, someone else's perhaps, as if they were new
      List<String> live = vms.values().stream().filter(v -> !v.state.equals("terminated")
          && !v.state.equals("shutting-down")).map(v -> v.id).toList();
      if (live.size() >= wanted) {
        int from = garbageDraw.nextInt(live.size() - wanted + 1);
        existing = live.subList(from, from + wanted);
      }
    }
    if (existing != null) {
      return ok(ns("RunInstancesResponse", reservation(existing)));
    }
    String token = ignoreClientTokens ? null : p.get("ClientToken");
    if (token != null && tokens.containsKey(token)) {
      return ok(ns("RunInstancesResponse", reservation(tokens.get(token))));
    }
    if (p.get("ImageId") == null || !p.get("ImageId").startsWith("ami-")) {
      return fail("InvalidAMIID.Malformed", "Invalid id: \"" + p.get("ImageId") + "\" (expecting \"ami-...\")");
    }
    int n = Integer.parseInt(p.getOrDefault("MaxCount", "1"));
    String subnet = p.get("SubnetId");
    if (subnet != null && !subnets.containsKey(subnet)) {
      return fail("InvalidSubnetID.NotFound", "The subnet ID '" + subnet + "' does not exist");
    }
    String vpc = subnet == null ? DEFAULT_VPC : subnets.get(subnet);
    for (String id : list(p, "SecurityGroupId")) {
      if (!groups.containsKey(id)) {
        return fail("InvalidGroup.NotFound", "The security group '" + id + "' does not exist");
      }
      if (!groups.get(id).vpc().equals(vpc)) {
        return fail("InvalidParameter", "Security group " + id + " and subnet " + (subnet == null ? "(default)" : subnet)
            + " belong to different networks.");
      }
    }
    String zone = p.getOrDefault("Placement.AvailabilityZone", REGION + "a");
    Integer room = capacity.get(zone);
    long inZone = vms.values().stream().filter(v -> zone.equals(v.zone) && !v.state.equals("terminated")
        && !v.state.equals("shutting-down")).count();
    if (room != null && inZone + n > room) { // EC2's words, and its status: a server error
      String type = p.getOrDefault("InstanceType", "m1.small");
      return new String[] {"500", error("InsufficientInstanceCapacity", "We currently do not have sufficient " + type
          + " capacity in the Availability Zone you requested (" + zone + "). Our system will be working on"
          + " provisioning additional capacity. You can currently get " + type + " capacity by not specifying an"
          + " Availability Zone in your request or choosing " + REGION + "b, " + REGION + "c.")};
    }
    String placement = p.get("Placement.GroupName");
    if (placement != null) {
      if (!placementGroups.containsKey(placement)) {
        return fail("InvalidPlacementGroup.Unknown", "The Placement Group '" + placement + "' is unknown.");
      }
      long inGroup = vms.values().stream().filter(v -> placement.equals(v.placementGroup)
          && !v.state.equals("terminated") && !v.state.equals("shutting-down")).count();
      if (placementGroups.get(placement).equals("spread") && inGroup + n > 7) { // EC2: 7 per zone in a spread group
        return fail("InsufficientInstanceCapacity", "A spread placement group holds at most 7 running instances"
            + " per Availability Zone; '" + placement + "' has " + inGroup + ".");
      }
    }
    String reservation = "r-" + hex();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Vm vm = new Vm("i-" + hex(), reservation, i, token == null ? without(p, "ClientToken") : p);
      vm.hiddenFor = hideNew;
      if (!ignoreTagSpecifications && "instance".equals(p.get("TagSpecification.1.ResourceType"))) {
        for (int t = 1; p.containsKey("TagSpecification.1.Tag." + t + ".Key"); t++) {
          vm.tags.put(p.get("TagSpecification.1.Tag." + t + ".Key"), p.getOrDefault("TagSpecification.1.Tag." + t
              + ".Value", ""));
        }
      }
      vms.put(vm.id, vm);
      ids.add(vm.id);
    }
    if (token != null) {
      tokens.put(token, ids);
    }
    return ok(ns("RunInstancesResponse", reservation(ids)));
  }

  private static Map<String, String> without(Map<String, String> p, String key) {
    Map<String, String> out = new LinkedHashMap<>(p);
    out.remove(key);
    return out;
  }

  private String reservation(List<String> ids) {
    Vm first = vms.get(ids.get(0));
    StringBuilder sb = new StringBuilder("<reservationId>" + first.reservation + "</reservationId><ownerId>123456789012"
        + "</ownerId><groupSet><item><groupId>sg-1</groupId><groupName>default</groupName></item></groupSet><instancesSet>");
    for (String id : ids) {
      sb.append(item(vms.get(id)));
    }
    return sb.append("</instancesSet>").toString();
  }

  /** A name the current request mentions that is still hidden, if any; each mention counts down. */
  /** A {@code tagSet}, or nothing for no tags (as EC2 leaves it out). */
  private static String tagSet(Map<String, String> tags) {
    if (tags == null || tags.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("<tagSet>");
    tags.forEach((k, v) -> sb.append("<item><key>").append(esc(k)).append("</key><value>").append(esc(v))
        .append("</value></item>"));
    return sb.append("</tagSet>").toString();
  }

  private String missing(List<String> ids) {
    String out = null;
    for (String id : ids) {
      Vm vm = vms.get(id);
      if (vm == null) {
        out = out == null ? id : out + ", " + id;
      } else if (vm.hiddenFor > 0) {
        vm.hiddenFor--;
        out = out == null ? id : out + ", " + id;
      }
    }
    return out;
  }

  /** Filter.N.Name with Filter.N.Value.M, as a map of name to accepted values. */
  private static Map<String, List<String>> filters(Map<String, String> p) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (int i = 1; p.containsKey("Filter." + i + ".Name"); i++) {
      out.put(p.get("Filter." + i + ".Name"), list(p, "Filter." + i + ".Value"));
    }
    return out;
  }

  private static boolean matches(Vm vm, Map<String, List<String>> filters) {
    for (Map.Entry<String, List<String>> f : filters.entrySet()) {
      String value = switch (f.getKey()) {
        case "instance-id" -> vm.id;
        case "client-token" -> vm.token;
        case "instance-state-name" -> vm.state;
        default -> f.getKey().startsWith("tag:") ? vm.tags.get(f.getKey().substring(4)) : null;
      };
      if (!f.getValue().contains(value)) {
        return false;
      }
    }
    return true;
  }

  /** How many pages of DescribeInstances with MaxResults were asked for. */
  volatile int describePages;
  /** Whether every page of DescribeInstances is empty and names a next one. */
  volatile boolean endlessEmptyPages;

  private String[] describe(List<String> ids, Map<String, List<String>> filters, int from, int max) {
    if (!ids.isEmpty()) {
      String missing = missing(ids);
      if (missing != null) {
        return fail("InvalidInstanceID.NotFound", "The instance " + (missing.contains(",") ? "IDs '" : "ID '") + missing
            + "' " + (missing.contains(",") ? "do" : "does") + " not exist");
      }
    }
    Map<String, List<Vm>> byReservation = new LinkedHashMap<>();
    int index = 0;
    boolean more = false;
    for (Vm vm : new ArrayList<>(vms.values())) {
      boolean asked = ids.isEmpty() ? vm.hiddenFor == 0 || decrement(vm) : ids.contains(vm.id);
      if (asked && matches(vm, filters) && index++ >= from) {
        if (index > from + max) {
          more = true;
          break;
        }
        advance(vm);
        byReservation.computeIfAbsent(vm.reservation, r -> new ArrayList<>()).add(vm);
      }
    }
    StringBuilder sb = new StringBuilder("<reservationSet>");
    byReservation.forEach((r, list) -> {
      sb.append("<item><reservationId>").append(r).append("</reservationId><ownerId>123456789012</ownerId><groupSet>"
          + "<item><groupId>sg-1</groupId><groupName>default</groupName></item></groupSet><instancesSet>");
      list.forEach(vm -> sb.append(item(vm)));
      sb.append("</instancesSet></item>");
    });
    sb.append("</reservationSet>");
    if (more) { // EC2's tokens are opaque: this one is the offset of the next page
      sb.append("<nextToken>").append(Base64.getEncoder().encodeToString(Integer.toString(from + max)
          .getBytes(StandardCharsets.UTF_8))).append("</nextToken>");
    }
    return ok(ns("DescribeInstancesResponse", sb.toString()));
  }

  /** A hidden instance left out of one more answer; false while it stays hidden. */
  private static boolean decrement(Vm vm) {
    vm.hiddenFor--;
    return false;
  }

  private void advance(Vm vm) {
    vm.polls++;
    switch (vm.state) {
      case "pending" -> {
        if (vm.polls >= bootPolls) {
          vm.state = "running";
        }
      }
      case "stopping" -> vm.state = "stopped";
      case "shutting-down" -> vm.state = "terminated";
      default -> { }
    }
  }

  private String[] change(String element, List<String> ids, java.util.function.Function<Vm, String> next) {
    String missing = missing(ids);
    if (missing != null) {
      return fail("InvalidInstanceID.NotFound", "The instance ID '" + missing + "' does not exist");
    }
    for (String id : ids) {
      if (next.apply(vms.get(id)) == null) {
        return fail("IncorrectInstanceState", "The instance '" + id + "' is not in a state from which it can be "
            + element.replace("InstancesResponse", "").toLowerCase() + "ed.");
      }
    }
    StringBuilder sb = new StringBuilder("<instancesSet>");
    for (String id : ids) {
      Vm vm = vms.get(id);
      String before = vm.state;
      vm.state = next.apply(vm);
      vm.polls = 0;
      sb.append("<item><instanceId>").append(id).append("</instanceId><currentState><code>").append(code(vm.state))
          .append("</code><name>").append(vm.state).append("</name></currentState><previousState><code>").append(code(before))
          .append("</code><name>").append(before).append("</name></previousState></item>");
    }
    return ok(ns(element, sb.append("</instancesSet>").toString()));
  }

  private static int code(String state) {
    return switch (state) {
      case "pending" -> 0;
      case "running" -> 16;
      case "shutting-down" -> 32;
      case "terminated" -> 48;
      case "stopping" -> 64;
      default -> 80;
    };
  }

  private String item(Vm vm) {
    long n = Long.parseLong(vm.id.substring(2), 16) & 0xff;
    boolean up = vm.state.equals("running");
    StringBuilder tags = new StringBuilder();
    vm.tags.forEach((k, v) -> tags.append("<item><key>").append(esc(k)).append("</key><value>").append(esc(v))
        .append("</value></item>"));
    return "<item><instanceId>" + vm.id + "</instanceId><imageId>" + vm.image + "</imageId><instanceState><code>"
        + code(vm.state) + "</code><name>" + vm.state + "</name></instanceState><privateDnsName>ip-10-0-0-" + n
        + ".ec2.internal</privateDnsName><dnsName>" + (up ? "ec2-198-51-100-" + n + ".compute-1.amazonaws.com" : "")
        + "</dnsName><reason/>" + (vm.keyName == null ? "" : "<keyName>" + esc(vm.keyName) + "</keyName>")
        + "<amiLaunchIndex>" + vm.launchIndex + "</amiLaunchIndex><instanceType>" + vm.type + "</instanceType><launchTime>"
        + Instant.ofEpochSecond(1_700_000_000L).toString().replace("Z", ".000Z") + "</launchTime><placement>"
        + "<availabilityZone>" + vm.zone + "</availabilityZone>" + (vm.placementGroup == null ? "" : "<groupName>"
        + esc(vm.placementGroup) + "</groupName>") + "<tenancy>default</tenancy></placement><monitoring>"
        + "<state>disabled</state></monitoring><privateIpAddress>10.0.0." + n + "</privateIpAddress>"
        + (up ? "<ipAddress>" + publicIp(vm, n) + "</ipAddress>" : "") + "<rootDeviceType>ebs</rootDeviceType>"
        + "<rootDeviceName>/dev/sda1</rootDeviceName><blockDeviceMapping/><virtualizationType>hvm</virtualizationType>"
        + (vm.token == null ? "" : "<clientToken>" + esc(vm.token) + "</clientToken>")
        + (tags.length() == 0 ? "" : "<tagSet>" + tags + "</tagSet>") + "<hypervisor>xen</hypervisor></item>";
  }

  /** The Elastic IP associated with {@code vm}, else its own public address. */
  private String publicIp(Vm vm, long n) {
    for (Map.Entry<String, String[]> e : elasticIps.entrySet()) {
      if (vm.id.equals(e.getValue()[1])) {
        return e.getKey();
      }
    }
    return "198.51.100." + n;
  }

  private static String pem;

  /** A real RSA private key in PEM (PKCS#1, as CreateKeyPair returns one); jclouds parses it. */
  static synchronized String privateKeyPem() {
    if (pem == null) {
      try {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        byte[] pkcs8 = g.generateKeyPair().getPrivate().getEncoded();
        // A 2048-bit key's PKCS#8 wrapper is 26 bytes; the PKCS#1 RSAPrivateKey follows it.
        byte[] pkcs1 = java.util.Arrays.copyOfRange(pkcs8, 26, pkcs8.length);
        pem = "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(pkcs1) + "\n-----END RSA PRIVATE KEY-----";
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    return pem;
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
