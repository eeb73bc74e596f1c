package dev.flotilla.vm.cloudstack;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.flotilla.vm.cloudstack.internal.CsClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A CloudStack management server's API on 127.0.0.1, as ../shared/CLOUDSTACK.md reads it from CloudStack's
 * source: signatures verified (401 for anything wrong, unknown commands included), GET and form POST alike,
 * asynchronous commands answering a job id at once and finishing after {@link #jobMillis}, errors with their
 * HTTP status equal to the error code, an unknown id in {@code ids} an error rather than left out, Destroyed
 * VMs hidden from users, host names unique, VMs deployed Stopped and then started by their job. It counts
 * the commands it receives, and can answer garbage.
 */
public final class CsServer implements AutoCloseable {
  public static final String API_KEY = "flotilla-api-key";
  public static final String SECRET_KEY = "flotilla-secret-key";
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssZ");
  private static final Pattern HOST_LABEL = Pattern.compile("[a-zA-Z][a-zA-Z0-9-]{0,62}");

  static final String ZONE = "5f5c3a2e-1111-4a57-9c7e-0a0000000001";
  static final String TEMPLATE = "5f5c3a2e-2222-4a57-9c7e-0a0000000001";
  static final Map<String, String> OFFERINGS = Map.of("Small Instance", "5f5c3a2e-3333-4a57-9c7e-0a0000000001",
      "Medium Instance", "5f5c3a2e-3333-4a57-9c7e-0a0000000002");

  private final HttpServer http;
  private final Gson gson = new Gson();
  private final Map<String, Vm> vms = new ConcurrentHashMap<>();
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final AtomicInteger ips = new AtomicInteger(10);
  private final AtomicInteger publicIps = new AtomicInteger(10);
  private final Map<String, String[]> keys = new ConcurrentHashMap<>(); // name -> {id, fingerprint, key}
  private final Map<String, String> affinityGroups = new ConcurrentHashMap<>(); // name -> id
  private final Map<String, PublicIp> addresses = new ConcurrentHashMap<>();
  private final Map<String, Tmpl> templates = new ConcurrentHashMap<>();

  /** A template: the one every VM boots from at first, or one createTemplate made from a root volume. */
  private record Tmpl(String id, String name, String osType, String account, AtomicBoolean ready,
      Map<String, String> tags) {
    Tmpl(String id, String name, String osType, String account, AtomicBoolean ready) {
      this(id, name, osType, account, ready, new ConcurrentHashMap<>());
    }
  }

  private static final class PublicIp {
    final String id = UUID.randomUUID().toString();
    final String address;
    volatile String state = "Allocating";
    volatile String vmId;

    PublicIp(String address) {
      this.address = address;
    }
  }

  volatile long jobMillis = 150;
  /** How long jobs of some commands take instead of {@link #jobMillis}, as on a real cloud (a deploy longest). */
  final Map<String, Long> jobMillisOf = new ConcurrentHashMap<>();
  /** The share by which a job's time varies at random around its command's, 0 to 1. */
  volatile double jobSpread;
  /** The command each server thread is answering, so that its jobs take their command's time. */
  private static final ThreadLocal<String> ANSWERING = new ThreadLocal<>();
  /** The global setting {@code vmsnapshot.max}. */
  volatile int vmSnapshotMax = 10;
  /** A hostile answer the next {@code command} gets instead of its own (count-no-list, count-lots, foreign-404). */
  record Hostile(String command, String kind) {}

  final java.util.concurrent.atomic.AtomicReference<Hostile> nextHostile = new java.util.concurrent.atomic.AtomicReference<>();
  /** Whether every page of listVirtualMachines is full and counts more: a listing that never ends. */
  volatile boolean endlessPages;
  /** The account every VM a client deploys belongs to; VMs of other accounts only an admin's listall shows. */
  static final String ACCOUNT = "flotilla";
  /** The account's limit of VMs (resource type user_vm); Destroyed VMs count until they are expunged. */
  volatile long vmLimit = Long.MAX_VALUE;
  /** allow.user.expunge.recover.vm: whether a user (not only an admin) may expunge. */
  volatile boolean allowUserExpunge;
  /** What listCapabilities claims of it, when that differs (a cloud whose setting changed meanwhile). */
  volatile Boolean claimedUserExpunge;

  /** The cloud's default.page.size: the most objects a list page may ask for. */
  volatile int maxPageSize = 500;
  /** Set by a garbage draw: the listing under way has pages that never end. */
  private volatile boolean endlessListing;
  /** When set, the next deployVirtualMachine makes nothing and answers with this existing VM's id. */
  volatile String deployAnswersId;
  /** Whether the key is a root admin's, who may read global settings (listConfigurations). */
  volatile boolean admin;
  /** CloudStack's {@code enforce.post.requests.and.timestamps}: changes POSTed, every request signature version 3. */
  volatile boolean enforcePostAndTimestamps;
  /** How each command last came: its HTTP method, and " v3" when it carried an expiry. */
  final Map<String, String> methods = new ConcurrentHashMap<>();
  volatile boolean garbage;
  /** For the benchmark beside jclouds: other list commands (listProjects...) answer an empty list. */
  volatile boolean otherListsEmpty;
  private volatile double garbageShare;
  private java.util.Random garbageDraws = new java.util.Random(0);
  private volatile Consumer<String> beforeDeployAnswer;
  volatile Integer failNextDeployJob;
  /**
   * How many VMs the zone's hosts run at once; a deploy beyond it is taken, and its job fails as CloudStack's
   * planner fails it (533, "Unable to create a deployment"), the VM left in Error.
   */
  volatile long hostCapacity = Long.MAX_VALUE;
  /** The next startVirtualMachine's job fails with this code (CloudStack's capacity text), the VM left Stopped. */
  volatile Integer failNextStartJob;

  private static final class Vm {
    final String id = UUID.randomUUID().toString();
    final String name;
    final String displayName;
    final String account;
    /** Expunged: gone for good, its host name free again (a Destroyed VM keeps it until then). */
    volatile boolean expunged;
    volatile String offering;
    final String created = DATE.format(OffsetDateTime.now(ZoneOffset.UTC));
    final String ip;
    final String group;
    final String template;
    final String rootVolume = UUID.randomUUID().toString();
    final Map<String, String> tags = new LinkedHashMap<>();
    volatile String state = "Stopped";
    volatile String pendingJob;
    volatile String publicIp;
    volatile String affinityGroup;
    final List<VmSnapshot> snapshots = new java.util.concurrent.CopyOnWriteArrayList<>();

    Vm(String name, String displayName, String account, String offering, String ip, String group, String template) {
      this.name = name;
      this.displayName = displayName;
      this.account = account;
      this.offering = offering;
      this.ip = ip;
      this.group = group;
      this.template = template;
    }
  }

  private static final class VmSnapshot {
    final String id = UUID.randomUUID().toString();
    final String displayName;
    final boolean memory;
    final String created = DATE.format(OffsetDateTime.now(ZoneOffset.UTC));
    volatile String parent;
    volatile boolean current;
    volatile String state = "Creating";

    VmSnapshot(String displayName, boolean memory, String parent) {
      this.displayName = displayName;
      this.memory = memory;
      this.parent = parent;
    }
  }

  private static final class Job {
    final String id = UUID.randomUUID().toString();
    final Instant done;
    final Consumer<Job> finish;
    volatile int status;
    volatile JsonObject result;

    Job(Instant done, Consumer<Job> finish) {
      this.done = done;
      this.finish = finish;
    }
  }

  public CsServer() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/client/api", this::handle);
    http.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "cloudstack-test-server");
      t.setDaemon(true); // a benchmark's JVM ends when its main does
      return t;
    }));
    http.start();
    templates.put(TEMPLATE, new Tmpl(TEMPLATE, "debian-12", "os-1", "system", new AtomicBoolean(true)));
  }

  public String url() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/client/api";
  }

  int calls(String command) {
    return calls.getOrDefault(command, new AtomicInteger()).get();
  }

  Map<String, Integer> calls() {
    Map<String, Integer> out = new TreeMap<>();
    calls.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Finished jobs are purged, as CloudStack does after {@code job.expire.minutes}. */
  void purgeFinishedJobs() {
    settle();
    jobs.values().removeIf(j -> j.status != 0);
  }

  void clearCalls() {
    calls.clear();
  }

  /** The VMs users can see: neither Destroyed nor Expunging. */
  long liveVms() {
    return vms.values().stream().filter(v -> !v.state.equals("Destroyed")).count();
  }

  /** A share (0 to 1) of answers, drawn from {@code seed}, is garbage: HTML, a body cut short, or {@code {}}. */
  public void garbage(double share, long seed) {
    synchronized (this) {
      garbageDraws = new java.util.Random(seed);
    }
    garbageShare = share;
  }

  /**
   * The next deployVirtualMachine makes its VM, then calls {@code beforeAnswer} with the caller's User-Agent
   * (which names its pid), then answers: a crash test kills the caller there, after the cloud made the VM.
   */
  public void holdNextDeploy(Consumer<String> beforeAnswer) {
    beforeDeployAnswer = beforeAnswer;
  }

  /** The next deployVirtualMachine makes its VM and then answers an error, as a reset connection would. */
  public void dropNextDeployAnswer() {
    holdNextDeploy(userAgent -> {
      throw new CsError(530, "the answer was lost on its way (the VM exists)");
    });
  }

  /** One VM as the cloud has it, for crash tests: its node (by tag, or name in group flotilla), state, tags. */
  /** The next {@code command} is answered with a hostile {@code kind}: count-no-list, count-lots, foreign-404. */
  public void hostileNext(String command, String kind) {
    nextHostile.set(new Hostile(command, kind));
  }

  /** A running VM of another account, which only an admin's {@code listall=true} lists. */
  public String foreignVm(String name) {
    Vm vm = new Vm(name, name, "someone-else", OFFERINGS.keySet().iterator().next(), "10.9.9." + ips.getAndIncrement(),
        null, templates.keySet().iterator().next());
    vm.state = "Running";
    vms.put(vm.id, vm);
    return vm.id;
  }

  /** The cloud's default.page.size (500 unless set): a list asking for more pages is refused with 431. */
  public void maxPageSize(int value) {
    maxPageSize = value;
  }

  /** Whether listVirtualMachines' pages never end (each full, each counting one more page). */
  public void endlessPages(boolean value) {
    endlessPages = value;
  }

  public record Listed(String id, String node, String state, Map<String, String> tags) {}

  /** A ready template called {@code name} of {@code account}: names need not be unique. */
  public String addTemplate(String name, String account) {
    Tmpl t = new Tmpl(UUID.randomUUID().toString(), name, "os-1", account, new AtomicBoolean(true));
    templates.put(t.id(), t);
    return t.id();
  }

  private final Map<String, Map<String, String>> lastParams = new ConcurrentHashMap<>();

  /** The parameters of the last {@code command} received. */
  public Map<String, String> lastParams(String command) {
    return lastParams.getOrDefault(command, Map.of());
  }

  /** Destroys VM {@code id} as someone in the cloud's UI would: Destroyed, its host name kept until expunge. */
  public void destroyOutOfBand(String id) {
    vms.get(id).state = "Destroyed";
  }

  /** Whether a job on VM {@code id} is still running. */
  public boolean jobRunning(String id) {
    settle();
    return vms.get(id).pendingJob != null;
  }

  /** The host names of the VMs that hold one: every VM not expunged. */
  public List<String> hostNames() {
    return vms.values().stream().filter(v -> !v.expunged).map(v -> v.name).toList();
  }

  /** Every VM, Destroyed ones included, as it is now. */
  public List<Listed> instances() {
    settle();
    List<Listed> out = new ArrayList<>();
    for (Vm v : vms.values()) {
      String node = v.tags.getOrDefault("node_name", "flotilla".equals(v.group) ? v.displayName : null);
      out.add(new Listed(v.id, node, v.state, Map.copyOf(v.tags)));
    }
    return out;
  }

  @Override
  public void close() {
    http.stop(0);
  }

  // ---- the request -------------------------------------------------------------------------------------------

  private void handle(HttpExchange ex) throws IOException {
    Map<String, String> params = new LinkedHashMap<>();
    parse(ex.getRequestURI().getRawQuery(), params);
    if (ex.getRequestMethod().equals("POST")) {
      parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), params);
    }
    String command = params.getOrDefault("command", "");
    String userAgent = ex.getRequestHeaders().getFirst("User-Agent");
    calls.computeIfAbsent(command, k -> new AtomicInteger()).incrementAndGet();
    lastParams.put(command, Map.copyOf(params));
    ANSWERING.set(command);
    String key = command.toLowerCase(java.util.Locale.ROOT) + "response";
    double draw;
    synchronized (this) {
      draw = garbageDraws.nextDouble();
    }
    if (garbage || draw < garbageShare) {
      // what a proxy or a broken cloud sends: HTML, {}, a body cut short, a count without its list, a count
      // that is no number, a proxy's HTML 404
      // that is no number, a proxy's HTML 404, or a listing whose pages never end
      String[] junk = {"<html><body>502 Bad Gateway</body></html>", "{}", "{\"" + key + "\":{\"count\":1,\"virtualma",
          "{\"" + key + "\":{\"count\":3}}", "{\"" + key + "\":{\"count\":\"lots\",\"virtualmachine\":[]}}", null,
          "endless"};
      String body = junk[(int) (draw * 1000) % junk.length];
      if (body == null) {
        sendHtml(ex, 404, "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>");
        return;
      } else if (!body.equals("endless")) {
        send(ex, 200, body);
        return;
      } else if (!command.equals("listVirtualMachines")) {
        send(ex, 200, "{}");
        return;
      }
      endlessListing = true; // this listing's pages go on until a listing starts afresh at page 1
    } else if (command.equals("listVirtualMachines") && "1".equals(params.getOrDefault("page", "1"))) {
      endlessListing = false;
    }
    Hostile once = nextHostile.getAndSet(null);
    if (once != null && once.command.equals(command)) {
      switch (once.kind) {
        case "count-no-list" -> send(ex, 200, "{\"" + key + "\":{\"count\":3}}");
        case "count-lots" -> send(ex, 200, "{\"" + key + "\":{\"count\":\"lots\",\"virtualmachine\":[]}}");
        case "foreign-404" -> sendHtml(ex, 404, "<html><body><h1>404 Not Found</h1>nginx</body></html>");
        default -> throw new IllegalStateException(once.kind);
      }
      return;
    } else if (once != null) {
      nextHostile.compareAndSet(null, once);
    }
    boolean known = KNOWN.contains(command) || otherListsEmpty && command.startsWith("list");
    if (!known || !verified(params) || enforcePostAndTimestamps && !"3".equals(params.get("signatureversion"))) {
      error(ex, KNOWN.contains(command) ? key : "errorresponse", 401,
          "unable to verify user credentials and/or request signature");
      return;
    }
    boolean reads = command.matches("^(get|list|query|find).*");
    if (enforcePostAndTimestamps && !reads && !ex.getRequestMethod().equals("POST")) {
      error(ex, key, 400, "State changing command " + command + " needs to be sent using POST request");
      return;
    }
    methods.put(command, ex.getRequestMethod() + (params.containsKey("expires") ? " v3" : ""));
    try {
      if (command.startsWith("list")) {
        checkPaging(params);
      }
      JsonObject answer = switch (command) {
        case "listZones" -> list("zone", List.of(object("id", ZONE, "name", "zone1", "networktype", "Basic",
            "securitygroupsenabled", false, "allocationstate", "Enabled")));
        // what jclouds' ComputeService also asks (for the request benchmark beside it)
        case "listAccounts" -> {
          JsonObject user = object("id", "u-1", "username", "flotilla", "account", "flotilla", "accounttype", 0,
              "domainid", "d-1", "domain", "ROOT", "apikey", API_KEY, "state", "enabled");
          JsonObject account = object("id", "a-1", "name", "flotilla", "accounttype", 0, "domainid", "d-1", "domain",
              "ROOT", "state", "enabled");
          JsonArray users = new JsonArray();
          users.add(user);
          account.add("user", users);
          yield list("account", List.of(account));
        }
        case "listNetworks", "listSecurityGroups", "listPublicIpAddressesForJclouds", "listLoadBalancerRules",
            "listPortForwardingRules", "listIpForwardingRules", "listFirewallRules" -> new JsonObject();
        case "listOsTypes" -> list("ostype", List.of(object("id", "os-1", "oscategoryid", "oc-1", "description",
            "Debian GNU/Linux 12 (64-bit)")));
        case "listOsCategories" -> list("oscategory", List.of(object("id", "oc-1", "name", "Debian")));
        case "listServiceOfferings" -> list("serviceoffering", OFFERINGS.entrySet().stream().sorted(Map.Entry
            .comparingByKey()).filter(e -> !params.containsKey("name") || e.getKey().equals(params.get("name")))
            .map(e -> offering(e.getKey(), e.getValue())).toList());
        case "listTemplates" -> listTemplates(params);
        case "createTemplate" -> createTemplate(params);
        case "deleteTemplate" -> {
          Tmpl t = templates.get(required(params, "id"));
          if (t == null || t.id().equals(TEMPLATE)) {
            throw new CsError(431, "Unable to execute API command deletetemplate due to invalid value. Invalid"
                + " parameter id value=" + params.get("id") + " due to incorrect long value format, or entity does not"
                + " exist");
          }
          yield object("jobid", job(null, j -> templates.remove(t.id())).id);
        }
        case "listVolumes" -> {
          settle();
          List<JsonObject> out = vms.values().stream().filter(v -> !v.state.equals("Destroyed"))
              .filter(v -> !params.containsKey("virtualmachineid") || v.id.equals(params.get("virtualmachineid")))
              .filter(v -> !params.containsKey("type") || "ROOT".equalsIgnoreCase(params.get("type")))
              .map(v -> object("id", v.rootVolume, "name", "ROOT-" + v.name, "type", "ROOT", "virtualmachineid", v.id,
                  "state", "Ready", "zoneid", ZONE, "size", 8L << 30))
              .toList();
          yield out.isEmpty() ? new JsonObject() : list("volume", out);
        }
        case "deployVirtualMachine" -> {
          String existing = deployAnswersId;
          deployAnswersId = null;
          if (existing == null && garbageShare > 0) {
            synchronized (this) {
              if (garbageDraws.nextDouble() < garbageShare) {
                // a hostile answer: a VM that already exists, someone else's perhaps, as if it were new
                List<String> live = vms.values().stream().filter(v -> !v.state.equals("Destroyed")).map(v -> v.id)
                    .toList();
                existing = live.isEmpty() ? null : live.get(garbageDraws.nextInt(live.size()));
              }
            }
          }
          if (existing != null) {
            yield object("id", existing, "jobid", job(vms.get(existing), j -> { }).id);
          }
          JsonObject made = deploy(params);
          Consumer<String> hold = beforeDeployAnswer;
          beforeDeployAnswer = null;
          if (hold != null) {
            hold.accept(String.valueOf(userAgent)); // the VM exists; its caller may not live to hear of it
          }
          yield made;
        }
        case "startVirtualMachine" -> {
          Integer fail = failNextStartJob;
          failNextStartJob = null;
          Vm vm = vm(params, "id");
          if (fail == null || !vm.state.equals("Stopped")) {
            yield act(params, v -> {
              if (!v.state.equals("Stopped")) {
                return "VM " + v.name + " is already running";
              }
              v.state = "Starting";
              return null;
            }, v -> v.state = "Running");
          }
          vm.state = "Starting";
          yield object("jobid", job(vm, j -> {
            vm.state = "Stopped";
            failed(j, fail, "Unable to start a VM due to insufficient capacity");
          }).id);
        }
        case "stopVirtualMachine" -> act(params, vm -> {
          if (vm.state.equals("Running")) {
            vm.state = "Stopping";
          }
          return null;
        }, vm -> vm.state = "Stopped");
        case "rebootVirtualMachine" -> act(params, vm -> vm.state.equals("Running") ? null
            : "VM " + vm.name + " is not running, unable to reboot it", vm -> vm.state = "Running");
        case "destroyVirtualMachine" -> {
          boolean expunge = "true".equals(params.get("expunge"));
          if (expunge && !admin && !allowUserExpunge) {
            Vm vm = vm(params, "id");
            yield object("jobid", job(vm, j -> failed(j, 531, "Account does not have permission for expunging.")).id);
          }
          yield act(params, vm -> {
            if (vm.state.equals("Running")) {
              vm.state = "Stopping"; // a destroy stops the VM first, as CloudStack's does
            }
            return null;
          }, vm -> {
            vm.state = "Destroyed"; // and, expunged, gone for good: listed by no one
            vm.expunged = expunge;
          });
        }
        case "expungeVirtualMachine" -> {
          if (!admin && !allowUserExpunge) {
            throw new CsError(531, "Account does not have permission for expunging.");
          }
          yield act(params, vm -> vm.state.equals("Destroyed") ? null
              : "Please destroy vm with specified vmId before expunge", vm -> vm.expunged = true);
        }
        case "listCapabilities" -> {
          JsonObject capability = object("cloudstackversion", "4.22.0.0", "allowuserexpungerecovervm",
              claimedUserExpunge != null ? claimedUserExpunge : allowUserExpunge, "allowusercreateprojects", true,
              "userpublictemplateenabled", true);
          JsonObject out = new JsonObject();
          out.add("capability", capability);
          yield out;
        }
        case "listVirtualMachines" -> listVms(params);
        case "listConfigurations" -> {
          if (!admin) {
            throw new CsError(401, "The given command 'listConfigurations' either does not exist, is not available for"
                + " user.");
          }
          yield list("configuration", List.of(object("name", "vmsnapshot.max", "value", Integer.toString(vmSnapshotMax),
              "category", "Advanced", "description", "Maximum vm snapshots for a vm")).stream()
              .filter(c -> !params.containsKey("name") || params.get("name").equals(c.get("name").getAsString()))
              .toList());
        }
        case "queryAsyncJobResult" -> jobResult(required(params, "jobid"));
        case "createTags" -> createTags(params);
        case "deleteTags" -> deleteTags(params);
        case "registerSSHKeyPair" -> registerKey(params);
        case "listSSHKeyPairs" -> {
          List<JsonObject> out = keys.entrySet().stream().filter(e -> !params.containsKey("name")
              || e.getKey().equals(params.get("name"))).sorted(Map.Entry.comparingByKey())
              .map(e -> object("id", e.getValue()[0], "name", e.getKey(), "fingerprint", e.getValue()[1])).toList();
          yield out.isEmpty() ? new JsonObject() : list("sshkeypair", out);
        }
        case "createAffinityGroup" -> createAffinityGroup(params);
        case "listAffinityGroups" -> {
          List<JsonObject> out = affinityGroups.entrySet().stream().filter(e -> !params.containsKey("name")
              || e.getKey().equals(params.get("name")))
              .map(e -> object("id", e.getValue(), "name", e.getKey(), "type", "host anti-affinity")).toList();
          yield out.isEmpty() ? new JsonObject() : list("affinitygroup", out);
        }
        case "associateIpAddress" -> associateIp(params);
        case "listPublicIpAddresses" -> listIps(params);
        case "enableStaticNat" -> enableStaticNat(params);
        case "disableStaticNat" -> {
          PublicIp ip = ip(required(params, "ipaddressid"));
          yield object("jobid", job(null, j -> {
            if (ip.vmId == null) {
              failed(j, 431, "Specified IP address id is not associated with any vm Id");
              return;
            }
            unNat(ip);
          }).id);
        }
        case "disassociateIpAddress" -> {
          PublicIp ip = ip(required(params, "id"));
          yield object("jobid", job(null, j -> {
            unNat(ip);
            addresses.remove(ip.id);
          }).id);
        }
        case "changeServiceForVirtualMachine" -> {
          Vm vm = vm(params, "id");
          String offering = offeringName(required(params, "serviceofferingid"));
          if (!vm.state.equals("Stopped")) {
            throw new CsError(431, "Unable to upgrade virtual machine " + vm.name + ", make sure the virtual machine"
                + " is stopped");
          }
          vm.offering = offering;
          JsonObject out = new JsonObject();
          out.add("virtualmachine", vmObject(vm));
          yield out;
        }
        case "scaleVirtualMachine" -> {
          Vm vm = vm(params, "id");
          String offering = offeringName(required(params, "serviceofferingid"));
          yield object("jobid", job(vm, j -> {
            if (vm.state.equals("Running")) {
              // as CloudStack 4.22 words it: JSON of the offerings, quotes and all
              failed(j, 530, "Unable to scale VM [" + vm.name + "] from {\"memory\": 512, \"cpuNumber\": 1} to"
                  + " {\"memory\": 1024, \"cpuNumber\": 2}: it does not have tools to support dynamic scaling");
              return;
            }
            vm.offering = offering;
          }).id);
        }
        case "createVMSnapshot" -> createSnapshot(params);
        case "listVMSnapshot" -> listSnapshots(params);
        case "revertToVMSnapshot" -> revertSnapshot(params);
        case "deleteVMSnapshot" -> deleteSnapshot(params);
        default -> new JsonObject(); // a list command jclouds asks for, answered empty (otherListsEmpty)
      };
      JsonObject body = new JsonObject();
      body.add(key, answer);
      send(ex, 200, gson.toJson(body));
    } catch (CsError e) {
      error(ex, key, e.code, e.getMessage());
    }
  }

  private static final List<String> KNOWN = List.of("listZones", "listAccounts", "listNetworks",
      "listSecurityGroups", "listLoadBalancerRules", "listPortForwardingRules", "listIpForwardingRules",
      "listFirewallRules", "listVolumes", "listOsTypes", "listOsCategories", "listServiceOfferings", "listTemplates",
      "deployVirtualMachine", "startVirtualMachine", "stopVirtualMachine", "rebootVirtualMachine",
      "destroyVirtualMachine", "listVirtualMachines", "queryAsyncJobResult", "createTags", "deleteTags", "createVMSnapshot", "listVMSnapshot", "revertToVMSnapshot", "deleteVMSnapshot",
      "registerSSHKeyPair", "listSSHKeyPairs", "createAffinityGroup", "listAffinityGroups", "associateIpAddress",
      "listPublicIpAddresses", "enableStaticNat", "disableStaticNat", "disassociateIpAddress",
      "changeServiceForVirtualMachine", "scaleVirtualMachine", "createTemplate", "deleteTemplate",
      "listConfigurations", "expungeVirtualMachine", "listCapabilities");

  private static final class CsError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int code;

    CsError(int code, String text) {
      super(text);
      this.code = code;
    }
  }

  private static void parse(String raw, Map<String, String> into) {
    if (raw == null || raw.isEmpty()) {
      return;
    }
    for (String pair : raw.split("&")) {
      String[] kv = pair.split("=", 2);
      into.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), kv.length > 1
          ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
  }

  /** ApiServer.verifyRequest: the key, the signature over every other parameter, an expiry not past. */
  private boolean verified(Map<String, String> params) {
    String signature = anyCase(params, "signature");
    if (signature == null || !API_KEY.equals(anyCase(params, "apikey"))) {
      return false;
    }
    if ("3".equals(anyCase(params, "signatureversion"))) {
      try {
        if (OffsetDateTime.parse(anyCase(params, "expires"), DATE).toInstant().isBefore(Instant.now())) {
          return false;
        }
      } catch (RuntimeException e) {
        return false;
      }
    }
    Map<String, String> signed = new LinkedHashMap<>(params);
    signed.keySet().removeIf(k -> k.equalsIgnoreCase("signature"));
    return java.security.MessageDigest.isEqual(CsClient.sign(signed, SECRET_KEY).getBytes(StandardCharsets.UTF_8),
        signature.getBytes(StandardCharsets.UTF_8));
  }

  /** A parameter whatever its case, as CloudStack lower-cases names before it reads them. */
  private static String anyCase(Map<String, String> params, String name) {
    return params.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
        .findFirst().orElse(null);
  }

  private static String required(Map<String, String> params, String name) {
    String v = params.get(name);
    if (v == null || v.isEmpty()) {
      throw new CsError(431, "Unable to execute API command " + params.get("command").toLowerCase(java.util.Locale.ROOT)
          + " due to missing parameter " + name);
    }
    return v;
  }

  private Vm vm(Map<String, String> params, String idParam) {
    String id = required(params, idParam);
    Vm vm = vms.get(id);
    if (vm == null || vm.state.equals("Destroyed") && !params.get("command").equals("destroyVirtualMachine")) {
      throw new CsError(431, "Unable to execute API command " + params.get("command").toLowerCase(java.util.Locale.ROOT)
          + " due to invalid value. Invalid parameter " + idParam + " value=" + id + " due to incorrect long value"
          + " format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.");
    }
    return vm;
  }

  // ---- commands ----------------------------------------------------------------------------------------------

  private JsonObject deploy(Map<String, String> params) {
    String offering = required(params, "serviceofferingid");
    if (!OFFERINGS.containsValue(offering)) {
      throw new CsError(431, "Unable to execute API command deployvirtualmachine due to invalid value. Invalid parameter"
          + " serviceofferingid value=" + offering + " due to incorrect long value format, or entity does not exist");
    }
    if (!ZONE.equals(required(params, "zoneid"))) {
      throw new CsError(431, "Unable to execute API command deployvirtualmachine due to invalid value. Invalid parameter"
          + " zoneid value=" + params.get("zoneid") + " due to incorrect long value format, or entity does not exist");
    }
    Tmpl template = templates.get(String.valueOf(params.get("templateid")));
    if (params.get("templateid") == null) {
      throw new CsError(530, "Unable to deploy: give exactly one of templateid, volumeid and snapshotid");
    }
    if (template == null || !template.ready().get()) {
      throw new CsError(431, "Unable to execute API command deployvirtualmachine due to invalid value. Invalid parameter"
          + " templateid value=" + params.get("templateid") + " due to incorrect long value format, or entity does"
          + " not exist");
    }
    String name = params.getOrDefault("name", "VM-" + UUID.randomUUID());
    if (!HOST_LABEL.matcher(name).matches()) {
      throw new CsError(431, "Invalid value for instance name " + name + ": it must be a host label");
    }
    synchronized (vms) {
      if (vms.values().stream().anyMatch(v -> v.name.equals(name) && !v.expunged)) {
        throw new CsError(431, "The vm with hostName " + name + " already exists in the network domain: cs1cloud.internal;"
            + " network=Isolated");
      }
      if (params.containsKey("userdata")) {
        try {
          Base64.getDecoder().decode(params.get("userdata"));
        } catch (IllegalArgumentException e) {
          throw new CsError(431, "User data is not base64 encoded.");
        }
      }
      String offeringName = OFFERINGS.entrySet().stream().filter(e -> e.getValue().equals(offering)).findFirst()
          .orElseThrow().getKey();
      if (params.containsKey("affinitygroupids") && !affinityGroups.containsValue(params.get("affinitygroupids"))) {
        throw new CsError(431, "Unable to find affinity group by id " + params.get("affinitygroupids"));
      }
      if (params.containsKey("keypair") && !keys.containsKey(params.get("keypair"))) {
        throw new CsError(431, "Not all specified keypairs exist");
      }
      long held = vms.values().stream().filter(v -> v.account.equals(ACCOUNT) && !v.expunged).count();
      if (held >= vmLimit) {
        throw new CsError(535, "Maximum number of resources of type 'user_vm' for account name=" + ACCOUNT
            + " in domain id=1 has been exceeded.");
      }
      Vm vm = new Vm(name, params.getOrDefault("displayname", name), ACCOUNT, offeringName,
          "10.1.1." + ips.getAndIncrement(), params.get("group"), template.id());
      vms.put(vm.id, vm);
      long running = vms.values().stream().filter(v -> !v.expunged && !v.state.equals("Destroyed")
          && !v.state.equals("Error") && !v.state.equals("Stopped") && v != vm).count();
      // beyond the hosts' capacity, the planner fails the deployment (InsufficientServerCapacityException)
      Integer fail = running >= hostCapacity ? Integer.valueOf(533) : failNextDeployJob;
      failNextDeployJob = null;
      boolean start = !"false".equals(params.get("startvm"));
      Job job = job(vm, j -> {
        if (!start) {
          vm.state = "Stopped";
          j.result = new JsonObject();
          j.result.add("virtualmachine", vmObject(vm));
        } else if (fail != null) {
          vm.state = "Error";
          failed(j, fail, "Unable to create a deployment for VM[User|i-2-" + vm.name + "-VM]" + (fail == 533
              ? "Scope=interface com.cloud.dc.DataCenter; id=1" : ""));
        } else {
          vm.state = "Running";
          j.result = new JsonObject();
          j.result.add("virtualmachine", vmObject(vm));
        }
      });
      vm.state = start ? "Starting" : "Stopped";
      JsonObject out = new JsonObject();
      out.addProperty("id", vm.id);
      out.addProperty("jobid", job.id);
      return out;
    }
  }

  /** An asynchronous action on one VM: {@code check} refuses it in the job (an error text) or starts it. */
  private JsonObject act(Map<String, String> params, java.util.function.Function<Vm, String> check,
      Consumer<Vm> finish) {
    Vm vm = vm(params, "id");
    String refused = check.apply(vm);
    Job job = job(vm, j -> {
      if (refused != null) {
        failed(j, 431, refused);
      } else {
        finish.accept(vm);
        j.result = new JsonObject();
        j.result.add("virtualmachine", vmObject(vm));
      }
    });
    JsonObject out = new JsonObject();
    out.addProperty("jobid", job.id);
    return out;
  }

  private Job job(Vm vm, Consumer<Job> finish) {
    long millis = jobMillisOf.getOrDefault(String.valueOf(ANSWERING.get()), jobMillis);
    millis = Math.round(millis * (1 + jobSpread * (2 * java.util.concurrent.ThreadLocalRandom.current().nextDouble() - 1)));
    Job job = new Job(Instant.now().plusMillis(millis), j -> {
      finish.accept(j);
      if (vm != null) {
        vm.pendingJob = null;
      }
    });
    jobs.put(job.id, job);
    if (vm != null) {
      vm.pendingJob = job.id;
    }
    return job;
  }

  private static void failed(Job j, int code, String text) {
    j.status = 2;
    j.result = object("errorcode", code, "errortext", text);
  }

  /** Jobs whose time has come are finished, in the order they were made. */
  private void settle() {
    List<Job> due = jobs.values().stream().filter(j -> j.status == 0 && !j.done.isAfter(Instant.now()))
        .sorted(Comparator.comparing(j -> j.done)).toList();
    for (Job j : due) {
      synchronized (j) {
        if (j.status == 0) {
          j.finish.accept(j);
          if (j.status == 0) {
            j.status = 1;
          }
        }
      }
    }
  }

  private JsonObject jobResult(String id) {
    settle();
    Job j = jobs.get(id);
    if (j == null) {
      throw new CsError(431, "Unable to execute API command queryasyncjobresult due to invalid value. Invalid parameter"
          + " jobid value=" + id + " due to incorrect long value format, or entity does not exist");
    }
    JsonObject out = object("jobid", j.id, "jobstatus", j.status, "jobprocstatus", 0, "jobresultcode",
        j.status == 2 ? j.result.get("errorcode").getAsInt() : 0);
    if (j.status != 0) {
      out.addProperty("jobresulttype", "object");
      out.add("jobresult", j.result == null ? object("success", true) : j.result);
    }
    return out;
  }

  /** What BaseListCmd checks of every list: page and pagesize together, and no page above the maximum. */
  private void checkPaging(Map<String, String> params) {
    if (params.containsKey("pagesize") && !params.containsKey("page")) {
      throw new CsError(431, "\"page\" parameter is required when \"pagesize\" is specified");
    }
    if (params.containsKey("pagesize") && Integer.parseInt(params.get("pagesize")) > maxPageSize) {
      throw new CsError(431, "Page size can't exceed max allowed page size value: " + maxPageSize);
    }
  }

  private JsonObject listVms(Map<String, String> params) {
    settle();
    if (params.containsKey("id") && params.containsKey("ids")) {
      throw new CsError(431, "Specify either id or ids but not both parameters");
    }
    int pageSize = Integer.parseInt(params.getOrDefault("pagesize", Integer.toString(maxPageSize)));
    List<Vm> matched = new ArrayList<>();
    String ids = params.containsKey("ids") ? params.get("ids") : params.get("id");
    if (ids != null) {
      for (String id : ids.split(",")) {
        Vm vm = vms.get(id);
        if (vm == null) {
          throw new CsError(431, "Unable to execute API command listvirtualmachines due to invalid value. Invalid"
              + " parameter ids value=" + id + " due to incorrect long value format, or entity does not exist");
        }
        matched.add(vm);
      }
    } else {
      matched.addAll(vms.values());
    }
    boolean everyAccount = admin && "true".equals(params.get("listall"));
    List<Vm> visible = matched.stream().filter(v -> !v.state.equals("Destroyed") && !v.expunged)
        .filter(v -> everyAccount || v.account.equals(ACCOUNT))
        .sorted(Comparator.comparing(v -> v.created + v.id)).toList();
    int page = Integer.parseInt(params.getOrDefault("page", "1"));
    if ((endlessPages || endlessListing) && !visible.isEmpty()) {
      JsonArray full = new JsonArray();
      for (int i = 0; i < pageSize; i++) {
        full.add(vmObject(visible.get(0)));
      }
      JsonObject answer = new JsonObject();
      answer.addProperty("count", (page + 1) * pageSize);
      answer.add("virtualmachine", full);
      return answer;
    }
    List<JsonObject> out = visible.stream().skip((long) (page - 1) * pageSize).limit(pageSize).map(this::vmObject)
        .toList();
    JsonObject answer = out.isEmpty() ? new JsonObject() : list("virtualmachine", out);
    if (!out.isEmpty()) {
      answer.addProperty("count", visible.size());
    }
    return answer;
  }

  private JsonObject createTags(Map<String, String> params) {
    String type = required(params, "resourcetype");
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; params.containsKey("tags[" + i + "].key"); i++) {
      String value = params.get("tags[" + i + "].value");
      if (value == null || value.isEmpty()) {
        throw new CsError(431, "Value for the key " + params.get("tags[" + i + "].key") + " is either null or empty");
      }
      tags.put(params.get("tags[" + i + "].key"), value);
    }
    if (type.equalsIgnoreCase("Template")) {
      List<Tmpl> tagged = new ArrayList<>();
      for (String id : required(params, "resourceids").split(",")) {
        tagged.add(java.util.Optional.ofNullable(templates.get(id)).orElseThrow(() -> new CsError(431, "Unable to find"
            + " resource by id " + id + " and type Template")));
      }
      return object("jobid", job(null, j -> tagged.forEach(t -> t.tags().putAll(tags))).id);
    }
    List<Vm> targets = new ArrayList<>();
    for (String id : required(params, "resourceids").split(",")) {
      targets.add(vm(Map.of("command", "createTags", "resourceids", id), "resourceids"));
    }
    Job job = job(null, j -> {
      for (Vm vm : targets) {
        for (String key : tags.keySet()) {
          if (vm.tags.containsKey(key)) {
            failed(j, 530, "tag " + key + " already on UserVm with id " + vm.id);
            return;
          }
        }
        vm.tags.putAll(tags);
      }
    });
    return object("jobid", job.id);
  }

  private JsonObject deleteTags(Map<String, String> params) {
    required(params, "resourcetype");
    List<String> keys = new ArrayList<>();
    for (int i = 0; params.containsKey("tags[" + i + "].key"); i++) {
      keys.add(params.get("tags[" + i + "].key"));
    }
    List<Vm> targets = new ArrayList<>();
    for (String id : required(params, "resourceids").split(",")) {
      targets.add(vm(Map.of("command", "deleteTags", "resourceids", id), "resourceids"));
    }
    Job job = job(null, j -> {
      boolean any = false;
      for (Vm vm : targets) {
        for (String key : keys.isEmpty() ? new ArrayList<>(vm.tags.keySet()) : keys) {
          any |= vm.tags.remove(key) != null;
        }
      }
      if (!any) {
        failed(j, 530, "Failed to delete tags");
      }
    });
    return object("jobid", job.id);
  }

  private static String offeringName(String id) {
    return OFFERINGS.entrySet().stream().filter(e -> e.getValue().equals(id)).map(Map.Entry::getKey).findFirst()
        .orElseThrow(() -> new CsError(431, "Unable to execute API command due to invalid value. Invalid parameter"
            + " serviceofferingid value=" + id + " due to incorrect long value format, or entity does not exist"));
  }

  private JsonObject registerKey(Map<String, String> params) {
    String name = required(params, "name");
    String[] parts = required(params, "publickey").trim().split("\\s+");
    if (parts.length < 2 || !(parts[0].equals("ssh-rsa") || parts[0].equals("ssh-dss") || parts[0].equals("ssh-ed25519")
        || parts[0].startsWith("ecdsa-sha2-nistp"))) {
      throw new CsError(431, "Public key is invalid");
    }
    if (keys.containsKey(name)) {
      throw new CsError(431, "A key pair with name '" + name + "' already exists.");
    }
    String fingerprint;
    try {
      byte[] md5 = java.security.MessageDigest.getInstance("MD5").digest(Base64.getDecoder().decode(parts[1]));
      StringBuilder sb = new StringBuilder();
      for (byte b : md5) {
        sb.append(sb.length() == 0 ? "" : ":").append(String.format("%02x", b));
      }
      fingerprint = sb.toString();
    } catch (java.security.NoSuchAlgorithmException | IllegalArgumentException e) {
      throw new CsError(431, "Public key is invalid");
    }
    String id = UUID.randomUUID().toString();
    keys.put(name, new String[] {id, fingerprint, params.get("publickey")});
    JsonObject out = new JsonObject();
    out.add("keypair", object("id", id, "name", name, "fingerprint", fingerprint));
    return out;
  }

  private JsonObject createAffinityGroup(Map<String, String> params) {
    String name = required(params, "name");
    required(params, "type");
    if (affinityGroups.containsKey(name)) {
      throw new CsError(431, "Unable to create affinity group, a group with name " + name + " already exists.");
    }
    String id = UUID.randomUUID().toString();
    affinityGroups.put(name, id);
    return object("id", id, "jobid", job(null, j -> { }).id);
  }

  private JsonObject associateIp(Map<String, String> params) {
    if (!params.containsKey("zoneid") && !params.containsKey("networkid")) {
      throw new CsError(431, "Unable to figure out zone to assign IP to. Please specify either zoneId, or networkId,"
          + " or vpcId in the call");
    }
    PublicIp ip = new PublicIp("203.0.113." + publicIps.getAndIncrement());
    addresses.put(ip.id, ip);
    return object("id", ip.id, "jobid", job(null, j -> ip.state = "Allocated").id);
  }

  private PublicIp ip(String id) {
    PublicIp ip = addresses.get(id);
    if (ip == null) {
      throw new CsError(431, "Unable to execute API command due to invalid value. Invalid parameter ipaddressid"
          + " value=" + id + " due to incorrect long value format, or entity does not exist");
    }
    return ip;
  }

  private JsonObject listIps(Map<String, String> params) {
    settle();
    List<JsonObject> out = new ArrayList<>();
    for (PublicIp ip : addresses.values()) {
      if (params.containsKey("id") && !params.get("id").equals(ip.id)
          || params.containsKey("ipaddress") && !params.get("ipaddress").equals(ip.address)) {
        continue;
      }
      JsonObject o = object("id", ip.id, "ipaddress", ip.address, "state", ip.state, "zoneid", ZONE, "zonename",
          "zone1", "issourcenat", false, "isstaticnat", ip.vmId != null);
      if (ip.vmId != null) {
        o.addProperty("virtualmachineid", ip.vmId);
      }
      out.add(o);
    }
    return out.isEmpty() ? new JsonObject() : list("publicipaddress", out);
  }

  /** Synchronous, as EnableStaticNatCmd is; an address already NATed to another VM is a rule conflict. */
  private JsonObject enableStaticNat(Map<String, String> params) {
    settle();
    PublicIp ip = ip(required(params, "ipaddressid"));
    Vm vm = vm(params, "virtualmachineid");
    if (ip.vmId != null && !ip.vmId.equals(vm.id)) {
      throw new CsError(537, "Failed to enable static nat for the ip address id=" + ip.id + " as it's already assigned"
          + " to static nat for another vm");
    }
    ip.vmId = vm.id;
    vm.publicIp = ip.address;
    return object("success", true);
  }

  private void unNat(PublicIp ip) {
    if (ip.vmId != null) {
      Vm vm = vms.get(ip.vmId);
      if (vm != null) {
        vm.publicIp = null;
      }
      ip.vmId = null;
    }
  }

  /** VSM's checks run in the request: VM Running or Stopped, an unused name, below vmsnapshot.max. */
  private JsonObject createSnapshot(Map<String, String> params) {
    settle();
    Vm vm = vm(params, "virtualmachineid");
    String name = params.getOrDefault("name", vm.name + "_VS_" + System.nanoTime());
    boolean memory = Boolean.parseBoolean(params.get("snapshotmemory"));
    String refused = !vm.state.equals("Running") && !vm.state.equals("Stopped") ? "VM is not Running or Stopped"
        : vm.snapshots.stream().anyMatch(x -> x.displayName.equals(name)) ? "There is other active vm snapshot"
            + " with the same display name " + name
        : vm.snapshots.size() >= vmSnapshotMax ? "The number of vm snapshots of vm " + vm.name + " has reached the"
            + " maximum " + vmSnapshotMax
        : memory && !vm.state.equals("Running") ? "memory snapshots need a running VM" : null;
    if (refused != null) {
      throw new CsError(530, "Failed to create vm snapshot: " + refused);
    }
    String parent = vm.snapshots.stream().filter(x -> x.current).map(x -> x.id).findFirst().orElse(null);
    VmSnapshot snap = new VmSnapshot(name, memory, parent);
    vm.snapshots.add(snap);
    Job job = job(vm, j -> {
      vm.snapshots.forEach(x -> x.current = false);
      snap.current = true;
      snap.state = "Ready";
    });
    return object("id", snap.id, "jobid", job.id);
  }

  private JsonObject listSnapshots(Map<String, String> params) {
    settle();
    Vm vm = vm(params, "virtualmachineid");
    List<JsonObject> out = new ArrayList<>();
    for (int i = vm.snapshots.size() - 1; i >= 0; i--) { // newest first
      VmSnapshot x = vm.snapshots.get(i);
      JsonObject o = object("id", x.id, "name", "i-2-" + vm.name + "-VM_VS_" + x.created, "displayname",
          x.displayName, "state", x.state, "type", x.memory ? "DiskAndMemory" : "Disk", "current", x.current,
          "virtualmachineid", vm.id, "created", x.created);
      if (x.parent != null) {
        o.addProperty("parent", x.parent);
      }
      out.add(o);
    }
    return out.isEmpty() ? new JsonObject() : list("vmSnapshot", out);
  }

  private Object[] snapshot(Map<String, String> params) {
    String id = required(params, "vmsnapshotid");
    for (Vm vm : vms.values()) {
      for (VmSnapshot x : vm.snapshots) {
        if (x.id.equals(id)) {
          return new Object[] {vm, x};
        }
      }
    }
    throw new CsError(431, "Unable to execute API command " + params.get("command").toLowerCase(java.util.Locale.ROOT)
        + " due to invalid value. Invalid parameter vmsnapshotid value=" + id + " due to incorrect long value format,"
        + " or entity does not exist");
  }

  /** The job refuses what DVS refuses: a running VM reverts only to memory, a stopped one only to disk. */
  private JsonObject revertSnapshot(Map<String, String> params) {
    settle();
    Object[] found = snapshot(params);
    Vm vm = (Vm) found[0];
    VmSnapshot target = (VmSnapshot) found[1];
    Job job = job(vm, j -> {
      boolean running = vm.state.equals("Running");
      if (!target.state.equals("Ready") || running != target.memory) {
        failed(j, 431, "VM Snapshot revert not allowed. This will result in VM state change. You can revert running"
            + " VM to disk and memory type snapshot and stopped VM to disk type snapshot");
        return;
      }
      vm.snapshots.forEach(x -> x.current = false);
      target.current = true;
      vm.state = target.memory ? "Running" : "Stopped";
    });
    return object("jobid", job.id);
  }

  private JsonObject deleteSnapshot(Map<String, String> params) {
    settle();
    Object[] found = snapshot(params);
    Vm vm = (Vm) found[0];
    VmSnapshot gone = (VmSnapshot) found[1];
    Job job = job(vm, j -> {
      for (VmSnapshot x : vm.snapshots) {
        if (gone.id.equals(x.parent)) {
          x.parent = gone.parent;
        }
      }
      if (gone.current && gone.parent != null) {
        vm.snapshots.stream().filter(x -> x.id.equals(gone.parent)).forEach(x -> x.current = true);
      }
      vm.snapshots.remove(gone);
    });
    return object("jobid", job.id);
  }

  // ---- answers -----------------------------------------------------------------------------------------------

  private JsonObject vmObject(Vm vm) {
    JsonObject o = object("id", vm.id, "name", vm.name, "displayname", vm.displayName, "account", vm.account,
        "state", vm.state,
        "zoneid", ZONE, "zonename", "zone1", "templateid", vm.template, "templatename", templateName(vm.template),
        "ostypeid", "os-1",
        "serviceofferingid", OFFERINGS.get(vm.offering), "serviceofferingname", vm.offering, "created", vm.created,
        "ipaddress", vm.ip, "haenable", false);
    if (vm.group != null) {
      o.addProperty("group", vm.group);
    }
    if (admin) { // a root admin's full view
      o.addProperty("instancename", "i-2-" + vm.id.substring(0, 8) + "-VM");
      o.addProperty("hostname", "host-1");
    }
    if (vm.publicIp != null) {
      o.addProperty("publicip", vm.publicIp);
    }
    JsonArray nic = new JsonArray();
    nic.add(object("id", UUID.nameUUIDFromBytes(vm.id.getBytes(StandardCharsets.UTF_8)).toString(), "ipaddress", vm.ip,
        "isdefault", true));
    o.add("nic", nic);
    JsonArray tags = new JsonArray();
    vm.tags.forEach((k, v) -> tags.add(object("key", k, "value", v, "resourcetype", "UserVm", "resourceid", vm.id)));
    o.add("tags", tags);
    o.add("securitygroup", new JsonArray());
    o.add("affinitygroup", new JsonArray());
    if (vm.pendingJob != null) {
      o.addProperty("jobid", vm.pendingJob);
      o.addProperty("jobstatus", 0);
    }
    return o;
  }

  private String templateName(String id) {
    Tmpl t = templates.get(id);
    return t == null ? "removed" : t.name();
  }

  /** listTemplates: {@code executable} lists the ready ones, {@code self} the account's own, ready or not. */
  private JsonObject listTemplates(Map<String, String> params) {
    settle();
    String filter = required(params, "templatefilter");
    List<JsonObject> out = templates.values().stream()
        .filter(t -> filter.equals("self") ? !t.account().equals("system") : t.ready().get())
        .filter(t -> !params.containsKey("id") || t.id().equals(params.get("id")))
        .filter(t -> !params.containsKey("name") || t.name().equals(params.get("name")))
        .sorted(Comparator.comparing(Tmpl::name))
        .map(t -> object("id", t.id(), "name", t.name(), "displaytext", t.name(), "isready", t.ready().get(), "status",
            t.ready().get() ? "Download Complete" : "Creating", "ostypeid", t.osType(), "ostypename",
            "Debian GNU/Linux 12 (64-bit)", "zoneid", ZONE, "zonename", "zone1", "hypervisor", "KVM", "format", "QCOW2",
            "templatetype", "USER", "isfeatured", t.account().equals("system"), "ispublic",
            t.account().equals("system"), "account", t.account(), "tags", templateTags(t)))
        .toList();
    return out.isEmpty() ? new JsonObject() : list("template", out);
  }

  private static JsonArray templateTags(Tmpl t) {
    JsonArray tags = new JsonArray();
    t.tags().forEach((k, v) -> tags.add(object("key", k, "value", v, "resourcetype", "Template", "resourceid", t.id())));
    return tags;
  }

  /** createTemplate from a stopped VM's root volume; the copy is the job. */
  private JsonObject createTemplate(Map<String, String> params) {
    String name = required(params, "name");
    String osType = required(params, "ostypeid");
    String volume = params.get("volumeid");
    if (volume == null && !params.containsKey("snapshotid")) {
      throw new CsError(431, "Failed to create private template record, need to specify snapshotId or volumeId");
    }
    Vm vm = vms.values().stream().filter(v -> v.rootVolume.equals(volume)).findFirst().orElseThrow(() ->
        new CsError(431, "Unable to execute API command createtemplate due to invalid value. Invalid parameter volumeid"
            + " value=" + volume + " due to incorrect long value format, or entity does not exist"));
    settle();
    if (!vm.state.equals("Stopped")) {
      throw new CsError(530, "VolumeId: " + volume + " is not in Ready state but Attached to a running vm; please stop"
          + " the VM first");
    }
    Tmpl t = new Tmpl(UUID.randomUUID().toString(), name, osType, "flotilla", new AtomicBoolean());
    templates.put(t.id(), t);
    Job job = job(null, j -> {
      t.ready().set(true);
      j.result = new JsonObject();
      j.result.add("template", object("id", t.id(), "name", t.name(), "isready", true));
    });
    JsonObject out = new JsonObject();
    out.addProperty("id", t.id());
    out.addProperty("jobid", job.id);
    return out;
  }

  private static JsonObject offering(String name, String id) {
    return object("id", id, "name", name, "cpunumber", name.startsWith("Small") ? 1 : 2, "cpuspeed", 1000,
        "memory", name.startsWith("Small") ? 512 : 1024, "offerha", name.startsWith("Medium"));
  }

  private static JsonObject list(String key, List<JsonObject> items) {
    JsonObject o = new JsonObject();
    o.addProperty("count", items.size());
    JsonArray a = new JsonArray();
    items.forEach(a::add);
    o.add(key, a);
    return o;
  }

  private static JsonObject object(Object... kv) {
    JsonObject o = new JsonObject();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      if (v instanceof Number n) {
        o.addProperty((String) kv[i], n);
      } else if (v instanceof Boolean b) {
        o.addProperty((String) kv[i], b);
      } else if (v instanceof com.google.gson.JsonElement e) {
        o.add((String) kv[i], e);
      } else {
        o.addProperty((String) kv[i], String.valueOf(v));
      }
    }
    return o;
  }

  private void error(HttpExchange ex, String key, int code, String text) throws IOException {
    JsonObject inner = object("uuidList", "[]", "errorcode", code, "errortext", text);
    inner.add("uuidList", new JsonArray());
    if (code != 401) {
      inner.addProperty("cserrorcode", code == 431 ? 4350 : 4250);
    }
    JsonObject body = new JsonObject();
    body.add(key, inner);
    ex.getResponseHeaders().add("X-Description", text);
    send(ex, code, gson.toJson(body));
  }

  private static void sendHtml(HttpExchange ex, int status, String body) throws IOException {
    send(ex, status, "text/html", body);
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    send(ex, status, "application/json; charset=UTF-8", body);
  }

  private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", contentType);
    ex.sendResponseHeaders(status, bytes.length);
    try (var out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
