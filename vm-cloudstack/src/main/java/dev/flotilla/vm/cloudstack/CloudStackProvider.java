package dev.flotilla.vm.cloudstack;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.FloatingAddress;
import dev.flotilla.vm.KeyPair;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.cloudstack.internal.CsClient;
import dev.flotilla.vm.cloudstack.internal.CsErrors;
import dev.flotilla.vm.cloudstack.internal.CsStates;
import dev.flotilla.vm.internal.Parallel;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.spi.Resizing;
import dev.flotilla.vm.spi.StoppedCreation;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * One CloudStack account in one zone. A VM is named after its node (CloudStack keeps host names unique in a
 * network, so a second VM for a node is refused by the cloud itself) and belongs to the instance group
 * {@value #GROUP} from the moment it is deployed; the node's name, the profile and the create's token follow
 * as tags. Describe is one {@code listVirtualMachines ids=...} for up to 500 VMs; every action is one
 * asynchronous command per VM, whose progress the client follows through describe.
 */
final class CloudStackProvider implements Provider {
  /** The instance group every VM Flotilla deploys belongs to: what marks it as Flotilla's before its tags. */
  static final String GROUP = "flotilla";
  private static final int PAGE = 500;
  private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
      + "[0-9a-fA-F]{12}");
  private static final DateTimeFormatter CREATED = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssZ");

  private final CsClient cs;
  private final Profile profile;
  private final int maxParallel;
  private final Map<String, String> offeringIds = new ConcurrentHashMap<>();
  private final Map<String, String> templateIds = new ConcurrentHashMap<>();
  private final Map<String, String> affinityGroups = new ConcurrentHashMap<>();
  /** The deploy job of each VM this provider made, to tell why one went to Error. */
  private final Map<String, String> deployJobs = new ConcurrentHashMap<>();
  private volatile String zoneId;

  CloudStackProvider(CsClient cs, Profile profile) {
    this.cs = cs;
    this.profile = profile;
    this.maxParallel = Integer.parseInt(profile.setting("max_parallel").orElse("8"));
  }

  @Override
  public String api() {
    return CloudStackProviderFactory.ID;
  }

  @Override
  public Set<Capability> capabilities() {
    return CloudStackProviderFactory.CAPABILITIES;
  }

  // ---- create ---------------------------------------------------------------------------------------------

  /** One deployVirtualMachine per node, several at a time; each answers the VM's id at once. */
  @Override
  public List<Instance> create(CreateRequest request) {
    return deploy(request, true);
  }

  /** deployVirtualMachine with {@code startvm=false}: the VM is made, and stays Stopped. */
  @Override
  public java.util.Optional<StoppedCreation> stoppedCreation() {
    return java.util.Optional.of(request -> deploy(request, false));
  }

  /**
   * changeServiceForVirtualMachine for a stopped VM; scaleVirtualMachine for a running one, which CloudStack
   * does where the hypervisor, both offerings and {@code enable.dynamic.scale.vm} allow it, and otherwise
   * refuses with its reason.
   */
  @Override
  public java.util.Optional<Resizing> resizing() {
    return java.util.Optional.of(new Resizing() {
      @Override
      public void resize(String id, String type) {
        Map<String, String> params = Map.of("id", id, "serviceofferingid", resolve(type, offeringIds,
            () -> byName(list("listServiceOfferings", Map.of(), "serviceoffering")), "service offering", "type"));
        List<Instance> vm = describe(List.of(id));
        if (!vm.isEmpty() && vm.get(0).state() == State.RUNNING) {
          awaitJob(string(cs.call("scaleVirtualMachine", params), "jobid"), "scaleVirtualMachine");
        } else {
          cs.call("changeServiceForVirtualMachine", params);
        }
      }

      @Override
      public boolean live() {
        return true;
      }
    });
  }

  private List<Instance> deploy(CreateRequest request, boolean start) {
    Node spec = request.spec();
    Map<String, String> common = new LinkedHashMap<>();
    common.put("serviceofferingid", offering(spec));
    common.put("templateid", template(spec.image().or(profile::defaultImage).orElseThrow(() -> new ConfigurationException(
        null, "image", "no image given: set the node's image (vm.image) or the profile's default_image; `vm images`"
        + " lists the templates"))));
    common.put("zoneid", spec.zone().map(this::zone).orElseGet(this::zone));
    common.put("group", GROUP);
    if (!start) {
      common.put("startvm", "false");
    }
    spec.keyPair().ifPresent(k -> common.put("keypair", k));
    spec.userData().ifPresent(u -> common.put("userdata", Base64.getEncoder().encodeToString(
        u.getBytes(StandardCharsets.UTF_8))));
    if (!spec.securityGroups().isEmpty()) {
      common.put("securitygroupnames", String.join(",", spec.securityGroups()));
    }
    profile.setting("network").ifPresent(n -> common.put("networkids", n));
    spec.antiAffinityGroup().ifPresent(g -> common.put("affinitygroupids", affinityGroup(g)));
    return Parallel.map(request.nodeNames(), maxParallel, "cloudstack-deploy", name -> {
      Map<String, String> params = new LinkedHashMap<>(common);
      params.put("name", name);
      params.put("displayname", name);
      JsonObject answer = cs.call("deployVirtualMachine", params);
      String id = string(answer, "id");
      if (id == null) {
        throw new CloudException(Kind.UNKNOWN, api(), "MalformedAnswer", "deployVirtualMachine answered no VM id for "
            + name);
      }
      String job = string(answer, "jobid");
      if (job != null) {
        deployJobs.put(id, job);
      }
      Map<String, String> tags = request.tagsFor(name);
      tagQuietly(id, tags);
      return Instance.builder(id, start ? State.PENDING : State.STOPPED).providerState(start ? "Starting" : "Stopped").type(spec.type().orElse(null))
          .image(spec.image().or(profile::defaultImage).orElse(null)).tags(tags).build();
    }).orThrow();
  }

  /** Tags a new VM; one that fails is retried by the client, which tags what it binds. */
  private void tagQuietly(String id, Map<String, String> tags) {
    try {
      createTags(id, tags);
    } catch (CloudException e) {
      // the VM is Flotilla's by its group and name already; the client tags it again when it binds it
    }
  }

  private String createTags(String id, Map<String, String> tags) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("resourcetype", "UserVm");
    params.put("resourceids", id);
    int i = 0;
    for (Map.Entry<String, String> t : tags.entrySet()) {
      params.put("tags[" + i + "].key", t.getKey());
      params.put("tags[" + i + "].value", t.getValue().isEmpty() ? "-" : t.getValue());
      i++;
    }
    return string(cs.call("createTags", params), "jobid");
  }

  /** The id of the host anti-affinity group {@code name}, made on first use. */
  private String affinityGroup(String name) {
    return affinityGroups.computeIfAbsent(name, n -> {
      for (JsonObject g : list("listAffinityGroups", Map.of("name", n), "affinitygroup")) {
        if (n.equals(string(g, "name"))) {
          if (!String.valueOf(string(g, "type")).contains("anti-affinity")) {
            throw new ConfigurationException(null, "vm.anti_affinity_group", "names affinity group '" + n + "', whose"
                + " type is '" + string(g, "type") + "', not host anti-affinity; give another name");
          }
          return string(g, "id");
        }
      }
      JsonObject made = cs.call("createAffinityGroup", Map.of("name", n, "type", "host anti-affinity",
          "description", "made by Flotilla for nodes that must not share a host"));
      awaitJob(string(made, "jobid"), "createAffinityGroup");
      return string(made, "id");
    });
  }

  private String offering(Node spec) {
    String wanted = spec.type().or(() -> profile.setting("service_offering")).orElseThrow(() ->
        new ConfigurationException(null, "vm.type", "no service offering given: set the node's type (vm.type) or the"
        + " profile's service_offering; `vm types` lists the offerings"));
    return resolve(wanted, offeringIds, () -> byName(list("listServiceOfferings", Map.of(), "serviceoffering")),
        "service offering", "vm.type");
  }

  private String template(String wanted) {
    return resolve(wanted, templateIds, () -> byName(list("listTemplates", Map.of("templatefilter", "executable"),
        "template")), "template", "vm.image");
  }

  /** The zone of the profile: its {@code zone} setting by name or id, else the only zone there is. */
  private String zone() {
    if (zoneId == null) {
      List<JsonObject> zones = list("listZones", Map.of("available", "true"), "zone");
      String wanted = profile.setting("zone").orElse(null);
      if (wanted == null && zones.size() != 1) {
        throw new ConfigurationException(null, "profiles." + profile.name() + ".auth.zone", "is missing and the cloud"
            + " has " + zones.size() + " zones: " + names(zones) + "; name one");
      }
      zoneId = wanted == null ? string(zones.get(0), "id") : zone(wanted, zones);
    }
    return zoneId;
  }

  private String zone(String wanted) {
    return zone(wanted, list("listZones", Map.of("available", "true"), "zone"));
  }

  private String zone(String wanted, List<JsonObject> zones) {
    for (JsonObject z : zones) {
      if (wanted.equals(string(z, "id")) || wanted.equals(string(z, "name"))) {
        return string(z, "id");
      }
    }
    throw new ConfigurationException(null, "zone", "the cloud has no zone '" + wanted + "'; it has " + names(zones));
  }

  private static List<String> names(List<JsonObject> objects) {
    return objects.stream().map(o -> string(o, "name")).toList();
  }

  private static Map<String, String> byName(List<JsonObject> objects) {
    Map<String, String> out = new LinkedHashMap<>();
    objects.forEach(o -> out.putIfAbsent(string(o, "name"), string(o, "id")));
    return out;
  }

  /** An id as it is; a name looked up once (CloudStack takes ids only, people know names). */
  private static String resolve(String nameOrId, Map<String, String> cache, java.util.function.Supplier<Map<String,
      String>> byName, String what, String field) {
    if (UUID.matcher(nameOrId).matches()) {
      return nameOrId;
    }
    String cached = cache.get(nameOrId);
    if (cached != null) {
      return cached;
    }
    Map<String, String> all = byName.get();
    String id = all.get(nameOrId);
    if (id == null) {
      throw new ConfigurationException(null, field, "the cloud has no " + what + " named '" + nameOrId + "'; it has "
          + new TreeSet<>(all.keySet()));
    }
    cache.put(nameOrId, id);
    return id;
  }

  // ---- observe --------------------------------------------------------------------------------------------

  /**
   * One {@code listVirtualMachines ids=...} per 500 VMs. CloudStack answers an id it does not know (an
   * expunged VM) with an error rather than leaving it out, so then the account's VMs are listed instead.
   */
  @Override
  public List<Instance> describe(Collection<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    List<String> all = new ArrayList<>(new TreeSet<>(ids));
    List<Instance> out = new ArrayList<>();
    try {
      for (int i = 0; i < all.size(); i += PAGE) {
        List<String> chunk = all.subList(i, Math.min(all.size(), i + PAGE));
        for (JsonObject vm : list("listVirtualMachines", Map.of("ids", String.join(",", chunk), "listall", "true"),
            "virtualmachine")) {
          out.add(toInstance(vm));
        }
      }
      return out;
    } catch (CloudException e) {
      if (!e.code().filter("431"::equals).isPresent()) {
        throw e;
      }
      Set<String> wanted = new HashSet<>(ids);
      return list().stream().filter(vm -> wanted.contains(vm.id())).toList();
    }
  }

  @Override
  public List<Instance> list() {
    return list("listVirtualMachines", Map.of("listall", "true"), "virtualmachine").stream().map(this::toInstance)
        .toList();
  }

  /** Every object of a list command, page by page. */
  private List<JsonObject> list(String command, Map<String, String> params, String key) {
    List<JsonObject> out = new ArrayList<>();
    for (int page = 1; ; page++) {
      Map<String, String> p = new LinkedHashMap<>(params);
      p.put("page", Integer.toString(page));
      p.put("pagesize", Integer.toString(PAGE));
      JsonObject answer = cs.call(command, p);
      JsonElement items = answer.get(key);
      if (items == null) {
        return out; // an empty list is {} without a count
      }
      if (!items.isJsonArray()) {
        throw new CloudException(Kind.UNKNOWN, api(), "MalformedAnswer", command + " answered '" + key
            + "' that is not a list");
      }
      for (JsonElement e : items.getAsJsonArray()) {
        if (e.isJsonObject()) {
          out.add(e.getAsJsonObject());
        }
      }
      int count = answer.has("count") ? answer.get("count").getAsInt() : out.size();
      if (out.size() >= count || items.getAsJsonArray().size() < PAGE) {
        return out;
      }
    }
  }

  private Instance toInstance(JsonObject vm) {
    String id = string(vm, "id");
    String state = string(vm, "state");
    boolean jobPending = vm.has("jobid") && vm.has("jobstatus") && vm.get("jobstatus").getAsInt() == 0;
    Map<String, String> tags = new LinkedHashMap<>();
    JsonElement tagList = vm.get("tags");
    if (tagList != null && tagList.isJsonArray()) {
      for (JsonElement t : tagList.getAsJsonArray()) {
        JsonObject o = t.getAsJsonObject();
        tags.put(string(o, "key"), string(o, "value"));
      }
    }
    if (!tags.containsKey(Instance.NODE_TAG) && GROUP.equals(string(vm, "group"))) {
      tags.put(Instance.NODE_TAG, string(vm, "name"));
    }
    String privateAddress = string(vm, "ipaddress");
    JsonElement nics = vm.get("nic");
    if (privateAddress == null && nics != null && nics.isJsonArray() && !nics.getAsJsonArray().isEmpty()) {
      privateAddress = string(nics.getAsJsonArray().get(0).getAsJsonObject(), "ipaddress");
    }
    State s = CsStates.state(state, jobPending);
    Instance.Builder b = Instance.builder(id, s).providerState(state + (jobPending ? " (job running)" : ""))
        .type(string(vm, "serviceofferingname")).image(string(vm, "templatename")).zone(string(vm, "zonename"))
        .publicAddress(string(vm, "publicip")).privateAddress(privateAddress).launchTime(time(string(vm, "created")))
        .tags(tags);
    if (s == State.ERROR) {
      b.fault(fault(id));
    }
    return b.build();
  }

  /** Why a VM went to Error: its deploy job's error text, when this provider deployed it. */
  private String fault(String id) {
    String job = deployJobs.get(id);
    if (job == null) {
      return "CloudStack put the VM in Error (it does not say why; see the cloud's events)";
    }
    JsonObject result = cs.call("queryAsyncJobResult", Map.of("jobid", job));
    JsonElement r = result.get("jobresult");
    if (r != null && r.isJsonObject() && r.getAsJsonObject().has("errortext")) {
      return string(r.getAsJsonObject(), "errortext");
    }
    return "CloudStack put the VM in Error";
  }

  private static Instant time(String value) {
    try {
      return value == null ? null : java.time.OffsetDateTime.parse(value, CREATED).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static String string(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() || !e.isJsonPrimitive() ? null : e.getAsString();
  }

  // ---- act ------------------------------------------------------------------------------------------------

  @Override
  public void start(Collection<String> ids) {
    each(ids, "startVirtualMachine", Map.of());
  }

  @Override
  public void stop(Collection<String> ids, boolean force) {
    each(ids, "stopVirtualMachine", force ? Map.of("forced", "true") : Map.of());
  }

  @Override
  public void reboot(Collection<String> ids) {
    reboot(ids, false);
  }

  @Override
  public void reboot(Collection<String> ids, boolean hard) {
    each(ids, "rebootVirtualMachine", hard ? Map.of("forced", "true") : Map.of());
  }

  /** destroyVirtualMachine, expunging too when the profile says so. */
  @Override
  public void terminate(Collection<String> ids) {
    boolean expunge = Boolean.parseBoolean(profile.setting("expunge").orElse("false"));
    each(ids, "destroyVirtualMachine", expunge ? Map.of("expunge", "true") : Map.of());
  }

  /** One asynchronous command per VM, several at a time; the client follows the VMs through describe. */
  private void each(Collection<String> ids, String command, Map<String, String> extra) {
    Parallel.map(new ArrayList<>(ids), maxParallel, "cloudstack-" + command, id -> {
      Map<String, String> params = new LinkedHashMap<>(extra);
      params.put("id", id);
      return cs.call(command, params);
    }).orThrow();
  }

  /**
   * deleteTags of these keys, then createTags, each waited for: CloudStack refuses a key a VM has already, and
   * tags asynchronously, while a tag the client relies on must be there when this returns.
   */
  @Override
  public void tag(String id, Map<String, String> tags) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("resourcetype", "UserVm");
    params.put("resourceids", id);
    int i = 0;
    for (String key : tags.keySet()) {
      params.put("tags[" + i++ + "].key", key);
    }
    try {
      awaitJob(string(cs.call("deleteTags", params), "jobid"), "deleteTags");
    } catch (CloudException e) {
      if (e.code().filter("530"::equals).isEmpty()) {
        throw e; // 530 is "Failed to delete tags": the VM had none of these keys
      }
    }
    awaitJob(createTags(id, tags), "createTags");
  }

  /** Polls queryAsyncJobResult until the job ends; a failed job is its error. */
  private void awaitJob(String job, String command) {
    if (job == null) {
      throw new CloudException(Kind.UNKNOWN, api(), "MalformedAnswer", command + " answered no job id");
    }
    long pause = 100;
    long deadline = System.nanoTime() + java.time.Duration.ofMinutes(5).toNanos();
    while (true) {
      JsonObject r = cs.call("queryAsyncJobResult", Map.of("jobid", job));
      int status = r.has("jobstatus") ? r.get("jobstatus").getAsInt() : 0;
      if (status == 1) {
        return;
      }
      if (status >= 2) {
        JsonElement result = r.get("jobresult");
        JsonObject o = result != null && result.isJsonObject() ? result.getAsJsonObject() : new JsonObject();
        int code = o.has("errorcode") ? o.get("errorcode").getAsInt() : 530;
        throw CsErrors.classify(api(), command, code, string(o, "errortext") == null ? "the job failed"
            : string(o, "errortext"), profile.name());
      }
      if (System.nanoTime() > deadline) {
        throw new CloudException(Kind.TRANSIENT, api(), "Timeout", command + " job " + job + " did not end in 5 minutes");
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CloudException(Kind.TRANSIENT, api(), null, "interrupted while waiting for " + command, e);
      }
      pause = Math.min(pause * 2, 2000);
    }
  }

  // ---- VM snapshots ---------------------------------------------------------------------------------------

  /** createVMSnapshot: CloudStack makes it a child of the current snapshot, and then the current one. */
  @Override
  public Snapshot snapshot(String id, String name, SnapshotOptions options) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("virtualmachineid", id);
    params.put("name", name);
    params.put("snapshotmemory", Boolean.toString(options.memory()));
    params.put("quiescevm", Boolean.toString(options.quiesce()));
    JsonObject answer = cs.call("createVMSnapshot", params);
    // its parent is in the chain once CloudStack lists it; the client reads it there
    return Snapshot.of(string(answer, "id"), name, null, options.memory(), Instant.now(), Snapshot.Status.CREATING);
  }

  /** listVMSnapshot: the chain as CloudStack keeps it, parents and the current one included. */
  @Override
  public SnapshotChain snapshots(String id) {
    List<JsonObject> listed = new ArrayList<>(list("listVMSnapshot", Map.of("virtualmachineid", id), "vmSnapshot"));
    java.util.Collections.reverse(listed); // newest first as listed; oldest first keeps order within a second
    List<Snapshot> out = new ArrayList<>();
    String current = null;
    for (JsonObject o : listed) {
      Snapshot.Status status = switch (String.valueOf(string(o, "state"))) {
        case "Allocated", "Creating" -> Snapshot.Status.CREATING;
        case "Ready", "Reverting" -> Snapshot.Status.READY;
        case "Error" -> Snapshot.Status.ERROR;
        default -> null; // Expunging, Removed, Hidden: going or gone
      };
      if (status == null) {
        continue;
      }
      String name = string(o, "displayname") != null ? string(o, "displayname") : string(o, "name");
      Instant created = time(string(o, "created"));
      out.add(Snapshot.of(string(o, "id"), name, string(o, "parent"), "DiskAndMemory".equals(string(o, "type")),
          created == null ? Instant.EPOCH : created, status));
      if (o.has("current") && o.get("current").getAsBoolean()) {
        current = string(o, "id");
      }
    }
    java.util.Set<String> kept = new HashSet<>();
    out.forEach(sn -> kept.add(sn.id()));
    // a parent going away (Expunging) leaves its children to the one above it, as CloudStack will
    List<Snapshot> chain = out.stream().map(sn -> sn.parentId().filter(kept::contains).isPresent() ? sn
        : sn.withParent(null)).toList();
    return SnapshotChain.of(chain, kept.contains(current) ? current : null, maxSnapshots());
  }

  private int maxSnapshots() {
    return Integer.parseInt(profile.setting("vm_snapshot_max").orElse("10"));
  }

  /**
   * revertToVMSnapshot, waited for. CloudStack reverts a running VM only to a snapshot with memory, and a
   * stopped one only to a disk snapshot; a running VM reverted to a disk snapshot is stopped first.
   */
  @Override
  public void revert(String id, String snapshotId) {
    Snapshot target = snapshots(id).get(snapshotId).orElseThrow(() -> new CloudException(Kind.NOT_FOUND, api(), null,
        "VM " + id + " has no snapshot " + snapshotId));
    List<Instance> vm = describe(List.of(id));
    if (!target.includesMemory() && !vm.isEmpty() && vm.get(0).state() == State.RUNNING) {
      awaitJob(string(cs.call("stopVirtualMachine", Map.of("id", id)), "jobid"), "stopVirtualMachine");
    }
    awaitJob(string(cs.call("revertToVMSnapshot", Map.of("vmsnapshotid", snapshotId)), "jobid"), "revertToVMSnapshot");
  }

  /** deleteVMSnapshot, waited for: its children move to its parent. */
  @Override
  public void deleteSnapshot(String id, String snapshotId) {
    awaitJob(string(cs.call("deleteVMSnapshot", Map.of("vmsnapshotid", snapshotId)), "jobid"), "deleteVMSnapshot");
  }

  // ---- SSH keys, public addresses -------------------------------------------------------------------------

  @Override
  public KeyPair importKey(String name, String publicKey) {
    JsonObject answer = cs.call("registerSSHKeyPair", Map.of("name", name, "publickey", publicKey.trim()));
    JsonObject key = answer.has("keypair") ? answer.getAsJsonObject("keypair") : answer;
    return new KeyPair(string(key, "name"), string(key, "fingerprint"));
  }

  @Override
  public List<KeyPair> keys() {
    return list("listSSHKeyPairs", Map.of(), "sshkeypair").stream()
        .map(k -> new KeyPair(string(k, "name"), string(k, "fingerprint"))).toList();
  }

  /** The account's public addresses; one with static NAT points at its VM. */
  @Override
  public List<FloatingAddress> addresses() {
    return list("listPublicIpAddresses", Map.of(), "publicipaddress").stream()
        .filter(o -> !"true".equals(string(o, "issourcenat")))
        .map(o -> new FloatingAddress(string(o, "ipaddress"), string(o, "zonename") == null ? "zone"
            : string(o, "zonename"), "true".equals(string(o, "isstaticnat")) ? string(o, "virtualmachineid") : null))
        .toList();
  }

  /** associateIpAddress in the profile's zone (or the network {@code pool} names), waited for. */
  @Override
  public FloatingAddress allocateAddress(String pool) {
    Map<String, String> params = new LinkedHashMap<>();
    if (pool != null && UUID.matcher(pool).matches()) {
      params.put("networkid", pool);
    } else {
      params.put("zoneid", zone());
    }
    JsonObject made = cs.call("associateIpAddress", params);
    awaitJob(string(made, "jobid"), "associateIpAddress");
    JsonObject ip = list("listPublicIpAddresses", Map.of("id", string(made, "id")), "publicipaddress").stream()
        .findFirst().orElseThrow(() -> new CloudException(Kind.NOT_FOUND, api(), null, "the address associateIpAddress"
            + " made (" + string(made, "id") + ") is not listed"));
    return new FloatingAddress(string(ip, "ipaddress"), pool == null ? "zone" : pool, null);
  }

  /** enableStaticNat: the address now reaches the VM. */
  @Override
  public void associateAddress(String address, String id) {
    cs.call("enableStaticNat", Map.of("ipaddressid", addressId(address), "virtualmachineid", id));
  }

  @Override
  public void disassociateAddress(String address, String id) {
    awaitJob(string(cs.call("disableStaticNat", Map.of("ipaddressid", addressId(address))), "jobid"),
        "disableStaticNat");
  }

  @Override
  public void releaseAddress(String address) {
    awaitJob(string(cs.call("disassociateIpAddress", Map.of("id", addressId(address))), "jobid"),
        "disassociateIpAddress");
  }

  private String addressId(String address) {
    return list("listPublicIpAddresses", Map.of("ipaddress", address), "publicipaddress").stream()
        .filter(o -> address.equals(string(o, "ipaddress"))).map(o -> string(o, "id")).findFirst()
        .orElseThrow(() -> new CloudException(Kind.NOT_FOUND, api(), null, "the account has no public address "
            + address + "; `vm ips` lists them"));
  }

  /**
   * The service offerings with their CPUs, memory and HA flag ({@code offerha}: CloudStack restarts such VMs
   * itself); custom offerings, which fix no size, are left out.
   */
  @Override
  public List<InstanceType> types() {
    List<InstanceType> out = new ArrayList<>();
    for (JsonObject o : list("listServiceOfferings", Map.of(), "serviceoffering")) {
      int cpus = o.has("cpunumber") ? o.get("cpunumber").getAsInt() : 0;
      int memory = o.has("memory") ? o.get("memory").getAsInt() : 0;
      if (cpus > 0 && memory > 0) {
        out.add(new InstanceType(string(o, "name"), cpus, memory, 0, string(o, "name").equals(
            profile.setting("service_offering").orElse(null)), 0, "true".equals(string(o, "offerha"))));
      }
    }
    return out;
  }

  @Override
  public List<Image> images() {
    List<Image> out = new ArrayList<>();
    for (JsonObject o : list("listTemplates", Map.of("templatefilter", "executable"), "template")) {
      out.add(new Image(string(o, "id"), string(o, "name"), string(o, "account")));
    }
    return out;
  }
}
