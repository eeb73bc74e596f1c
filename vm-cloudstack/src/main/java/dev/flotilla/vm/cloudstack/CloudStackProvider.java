package dev.flotilla.vm.cloudstack;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.cloudstack.internal.CsClient;
import dev.flotilla.vm.cloudstack.internal.CsErrors;
import dev.flotilla.vm.cloudstack.internal.CsJclouds;
import dev.flotilla.vm.cloudstack.internal.CsJobDurations;
import dev.flotilla.vm.cloudstack.internal.CsStates;
import dev.flotilla.vm.support.Parallel;
import dev.flotilla.vm.jclouds.Calls;
import dev.flotilla.vm.jclouds.Lazy;
import dev.flotilla.vm.spi.Addresses;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.HardReboot;
import dev.flotilla.vm.spi.ImageSaving;
import dev.flotilla.vm.spi.Keys;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.spi.Resizing;
import dev.flotilla.vm.spi.Snapshots;
import dev.flotilla.vm.spi.StoppedCreation;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.time.Duration;
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
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jclouds.cloudstack.CloudStackApi;
import org.jclouds.cloudstack.domain.ServiceOffering;
import org.jclouds.cloudstack.domain.Template;
import org.jclouds.cloudstack.domain.TemplateFilter;
import org.jclouds.cloudstack.options.CreateTagsOptions;
import org.jclouds.cloudstack.options.ListServiceOfferingsOptions;
import org.jclouds.cloudstack.options.ListTemplatesOptions;
import org.jclouds.cloudstack.options.ListZonesOptions;
import org.jclouds.cloudstack.options.StopVirtualMachineOptions;

/**
 * One CloudStack account in one zone. A VM is named after its node (CloudStack keeps host names unique in a
 * network, so a second VM for a node is refused by the cloud itself) and belongs to the instance group
 * {@value #GROUP} from the moment it is deployed; the node's name, the profile and the create's token follow
 * as tags. Describe is one {@code listVirtualMachines ids=...} for up to 500 VMs; every action is one
 * asynchronous command per VM, whose progress the client follows through describe.
 *
 * <p>The commands jclouds' CloudStack API covers go through it: start, stop, reboot, destroy, change of
 * offering, jobs, tags, SSH keys, public addresses and static NAT, offerings, templates, zones and volumes.
 * Flotilla's own signed client sends what jclouds 2.7 lacks or cuts short: deployVirtualMachine (no
 * {@code startvm}, security group names or affinity groups there), listVirtualMachines (no {@code ids} and
 * no paging there: a cloud answers 500 VMs by default, and a VM missing from the list would be "gone"),
 * VM snapshots, scaleVirtualMachine, affinity groups, forced reboot, destroy with expunge, deleteTags by
 * key, and disassociateIpAddress (whose job jclouds drops).
 */
final class CloudStackProvider implements Provider {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CloudStackProvider.class);
  /** The instance group every VM Flotilla deploys belongs to: what marks it as Flotilla's before its tags. */
  static final String GROUP = "flotilla";
  private static final int PAGE = 500;
  /**
   * Objects per page a list asks for (page_size): lowered to the cloud's own maximum when it refuses more
   * (a cloud's default.page.size may be below 500), and kept lowered.
   */
  private volatile int pageSize;
  private static final Pattern PAGE_LIMIT = Pattern.compile("Page size can't exceed max allowed page size value: "
      + "(\\d{1,9})");
  /** The most objects one list may hold (max_list_items): a listing that never ends is refused. */
  private final int maxListItems;
  /** CloudStack's own default for {@code vmsnapshot.max}. */
  static final int DEFAULT_VM_SNAPSHOT_MAX = 10;
  static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
      + "[0-9a-fA-F]{12}");
  private static final DateTimeFormatter CREATED = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssZ");

  final CsClient cs;
  final Lazy<CloudStackApi> jclouds;
  private final Calls calls;
  final Profile profile;
  private final int maxParallel;
  /** The profile's expunge: true (asked for), false (never), or null (wherever the account may). */
  private final Boolean expunge;
  /** Whether this account may expunge; null until asked. */
  private volatile Boolean mayExpunge;
  /** The zones each template looked up by name was listed in. */
  private final Map<String, java.util.Set<String>> templateZones = new java.util.concurrent.ConcurrentHashMap<>();
  /** Whether the key is a root admin's: its VMs come in the full view. */
  volatile boolean rootAdmin;
  /** Whether list sees every account's VMs (an admin's listall), not only this account's. */
  private final boolean listAll;
  /** The profile's vm_snapshot_max, or else the cloud's once asked. */
  volatile Integer snapshotMax;
  private final Map<String, String> offeringIds = new ConcurrentHashMap<>();
  private final Map<String, String> templateIds = new ConcurrentHashMap<>();
  private final Map<String, String> affinityGroups = new ConcurrentHashMap<>();
  /** The last action this provider sent each VM, to tell why a VM did not get where it was sent. */
  private final Map<String, Action> actions = new ConcurrentHashMap<>();
  private volatile String zoneId;

  /** What this provider's jobs took, to ask about the next ones when they should be done. */
  private final CsJobDurations durations;

  /**
   * An asynchronous command sent to a VM, its job, the state it should bring the VM to, and when it was sent
   * ({@link System#nanoTime()}).
   */
  private record Action(String command, String job, State target, long sent, Duration expected) {
    Duration age() {
      return Duration.ofNanos(System.nanoTime() - sent);
    }
  }

  /** {@code command} sent just now, expected to take what its jobs took so far. */
  private Action sent(String command, String job, State target) {
    return new Action(command, job, target, System.nanoTime(), durations.expected(command));
  }

  /** Action {@code a} is over: what its job took is learnt, once. */
  private void ended(String id, Action a) {
    if (actions.remove(id, a)) {
      durations.ended(a.command(), a.expected(), a.age());
    }
  }

  /** The createVMSnapshot job at work on each VM, until its snapshot is seen Ready (or gone). */
  private final Map<String, Action> snapshotJobs = new ConcurrentHashMap<>();

  void snapshotSent(String vmId, String job) {
    snapshotJobs.put(vmId, sent("createVMSnapshot", job, null));
  }

  /** VM {@code vmId} has no snapshot being made: what its last one took is learnt, once. */
  void snapshotsSettled(String vmId) {
    Action a = snapshotJobs.remove(vmId);
    if (a != null) {
      durations.ended(a.command(), a.expected(), a.age());
    }
  }

  /**
   * A deployment CloudStack's planner could place on no host: its job fails with the text of an
   * InsufficientCapacityException ("Unable to create a deployment for VM[...]", "Unable to start a VM due to
   * insufficient capacity"), and the VM is left in Error.
   */
  @Override
  public boolean failedForCapacity(Instance vm) {
    String fault = vm.fault().orElse("").toLowerCase(java.util.Locale.ROOT);
    return fault.contains("unable to create a deployment") || fault.contains("insufficient capacity")
        || fault.contains("insufficientservercapacity");
  }

  /**
   * When the soonest job at these VMs should be done (or, overdue, be asked about again); empty when a VM has
   * none of this provider's jobs at work.
   */
  @Override
  public java.util.Optional<Duration> settlesIn(Collection<String> ids) {
    List<Action> at = ids.stream().map(id -> actions.getOrDefault(id, snapshotJobs.get(id))).toList();
    if (at.contains(null)) {
      return java.util.Optional.empty(); // a VM no job of ours is at: something else moves it
    }
    return at.stream().map(a -> CsJobDurations.askIn(a.expected(), a.age())).min(Duration::compareTo);
  }

  CloudStackProvider(CsClient cs, Supplier<CloudStackApi> jclouds, Profile profile) {
    this.cs = cs;
    this.jclouds = new Lazy<>(jclouds);
    this.calls = new Calls(CloudStackProviderFactory.ID, profile.name(), (call, e) -> CsJclouds.classify(
        CloudStackProviderFactory.ID, profile.name(), call, e));
    this.profile = profile;
    this.maxParallel = CloudStackProviderFactory.number(profile, "max_parallel", 64).orElse(8);
    this.expunge = profile.setting("expunge").map(Boolean::parseBoolean).orElse(null);
    this.listAll = Boolean.parseBoolean(profile.setting("list_all").orElse("false"));
    this.snapshotMax = CloudStackProviderFactory.number(profile, "vm_snapshot_max", 1000).orElse(null);
    this.pageSize = CloudStackProviderFactory.number(profile, "page_size", 500).orElse(PAGE);
    this.durations = new CsJobDurations(CloudStackProviderFactory.number(profile, "job_millis", 600_000)
        .map(Duration::ofMillis));
    this.maxListItems = CloudStackProviderFactory.number(profile, "max_list_items", 10_000_000).orElse(20_000);
  }

  @Override
  public String api() {
    return CloudStackProviderFactory.ID;
  }

  @Override
  public Set<Capability> traits() {
    return CloudStackProviderFactory.TRAITS;
  }

  /** {@code command} through jclouds' API. */
  <T> T jc(String command, Function<CloudStackApi, T> body) {
    return calls.call(command, () -> body.apply(jclouds.get()));
  }

  @Override
  public void close() {
    jclouds.close();
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
        String offering = offeringId(type, "type");
        List<Instance> vm = describe(List.of(id));
        if (!vm.isEmpty() && vm.get(0).state() == State.RUNNING) {
          awaitJob(string(cs.call("scaleVirtualMachine", Map.of("id", id, "serviceofferingid", offering)), "jobid"),
              "scaleVirtualMachine");
        } else {
          jc("changeServiceForVirtualMachine", a -> a.getVirtualMachineApi().changeServiceForVirtualMachine(id,
              offering));
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
    common.put("serviceofferingid", offeringId(spec.type().or(() -> profile.setting("service_offering"))
        .orElseThrow(() -> new ConfigurationException(null, "vm.type", "no service offering given: set the node's"
        + " type (vm.type) or the profile's service_offering; `vm types` lists the offerings")), "vm.type"));
    common.put("templateid", templateId(spec.image().or(profile::defaultImage).orElseThrow(() ->
        new ConfigurationException(null, "image", "no image given: set the node's image (vm.image) or the profile's"
        + " default_image; `vm images` lists the templates"))));
    common.put("zoneid", spec.zone().map(this::zone).orElseGet(() -> zoneOf(common.get("templateid"))));
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
    Parallel.Outcome<Instance> made = Parallel.map(request.nodeNames(), maxParallel, "cloudstack-deploy", name -> {
      Map<String, String> params = new LinkedHashMap<>(common);
      params.put("name", hostName(name, request.clientToken()));
      params.put("displayname", name);
      JsonObject answer = cs.call("deployVirtualMachine", params);
      String id = string(answer, "id");
      if (id == null) {
        throw new CloudException(Kind.UNKNOWN, api(), "MalformedAnswer", "deployVirtualMachine answered no VM id for "
            + name);
      }
      request.checkNew(api(), id, name); // before anything is written to it
      String job = string(answer, "jobid");
      if (job != null) {
        actions.put(id, sent("deployVirtualMachine", job, start ? State.RUNNING : State.STOPPED));
      }
      return Instance.builder(id, start ? State.PENDING : State.STOPPED).providerState(start ? "Starting" : "Stopped")
          .type(spec.type().orElse(null)).image(spec.image().or(profile::defaultImage).orElse(null))
          .tags(request.tagsFor(name)).build();
    });
    // one createTags for every VM made: the tags they share (each VM's display name is its node's name)
    tagQuietly(made.succeeded().stream().map(Instance::id).toList(), request.tags());
    return Parallel.created(made, request.nodeNames());
  }

  /**
   * The host name of the VM that the create of {@code token} makes for node {@code node}: the node's name as
   * CloudStack takes a host name (a-z, 0-9 and '-', a letter first, 63 at most) and the token's short form.
   * CloudStack keeps a destroyed VM's host name until it expunges the VM (a day, by default), so a node made
   * again, whose create has a token of its own, is never refused its name; and a VM found after a crash,
   * before its tags were written, names the create that made it.
   */
  static String hostName(String node, String token) {
    return hostBase(node) + "-" + dev.flotilla.vm.CreateIntent.shortToken(token);
  }

  /** Node {@code node}'s name as the first part of a CloudStack host name. */
  private static String hostBase(String node) {
    String base = node.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (base.charAt(0) < 'a' || base.charAt(0) > 'z') {
      base = "n" + base;
    }
    return base.substring(0, Math.min(base.length(), 63 - 9)).replaceAll("-+$", "");
  }

  /**
   * Tags new VMs in one call; a failure is no error, as the VMs are Flotilla's by their group, display name
   * and host name already, and the client tags what it binds.
   */
  private void tagQuietly(List<String> ids, Map<String, String> tags) {
    if (ids.isEmpty() || tags.isEmpty()) {
      return;
    }
    try {
      createTags("UserVm", String.join(",", ids), tags);
    } catch (CloudException e) {
      LOG.debug("tagging {} new VM(s) failed ({}); their names say whose they are meanwhile", ids.size(),
          e.getMessage());
    }
  }

  /** createTags on the VM; CloudStack refuses an empty value, so one is written as {@code -}. */
  String createTags(String id, Map<String, String> tags) {
    return createTags("UserVm", id, tags);
  }

  String createTags(String resourceType, String id, Map<String, String> tags) {
    Map<String, String> values = new LinkedHashMap<>();
    tags.forEach((k, v) -> values.put(k, v.isEmpty() ? "-" : v));
    return jc("createTags", a -> a.getTagApi().createTags(CreateTagsOptions.Builder.resourceType(resourceType)
        .resourceIds(id).tags(values))).getJobId();
  }

  /** The tags of a listed object (a VM, a template): CloudStack's {@code tags} list of key and value. */
  static Map<String, String> tags(JsonObject o) {
    Map<String, String> tags = new LinkedHashMap<>();
    JsonElement tagList = o.get("tags");
    if (tagList != null && tagList.isJsonArray()) {
      for (JsonElement t : tagList.getAsJsonArray()) {
        if (t.isJsonObject() && string(t.getAsJsonObject(), "key") != null) {
          tags.put(string(t.getAsJsonObject(), "key"), String.valueOf(string(t.getAsJsonObject(), "value")));
        }
      }
    }
    return tags;
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

  /** The service offering {@code wanted} names, by id or by name (the one {@code field} gave). */
  private String offeringId(String wanted, String field) {
    return resolve(wanted, offeringIds, name -> jc("listServiceOfferings", a -> a.getOfferingApi()
        .listServiceOfferings(ListServiceOfferingsOptions.Builder.name(name))).stream()
        .filter(o -> name.equals(o.getName())).map(ServiceOffering::getId).findFirst(),
        () -> types().stream().map(InstanceType::name).toList(), "service offering", field);
  }

  String templateId(String wanted) {
    return resolve(wanted, templateIds, name -> {
      List<Template> named = jc("listTemplates", a -> a.getTemplateApi().listTemplates(
          ListTemplatesOptions.Builder.filter(TemplateFilter.EXECUTABLE).name(name))).stream()
          .filter(t -> name.equals(t.getName())).toList();
      if (named.stream().map(Template::getId).distinct().count() > 1) {
        throw new ConfigurationException(null, "vm.image", "names " + named.size() + " templates ("
            + named.stream().map(t -> t.getId() + (t.getAccount() == null ? "" : " of " + t.getAccount())).distinct()
                .toList() + "); give the id of the one to boot");
      }
      named.stream().findFirst().ifPresent(t -> templateZones.put(t.getId(), named.stream().map(Template::getZoneId)
          .filter(java.util.Objects::nonNull).collect(java.util.stream.Collectors.toSet())));
      return named.stream().map(Template::getId).findFirst();
    }, () -> images().stream().map(Image::name).toList(), "template", "vm.image");
  }

  /** The zone of the profile: its {@code zone} setting by name or id, else the only zone there is. */
  String zone() {
    if (zoneId == null) {
      List<org.jclouds.cloudstack.domain.Zone> zones = zones();
      String wanted = profile.setting("zone").orElse(null);
      if (wanted == null && zones.size() != 1) {
        throw new ConfigurationException(null, "profiles." + profile.name() + ".auth.zone", "is missing and the cloud"
            + " has " + zones.size() + " zones: " + zones.stream().map(z -> z.getName()).toList() + "; name one");
      }
      zoneId = wanted == null ? zones.get(0).getId() : zone(wanted, zones);
    }
    return zoneId;
  }

  String zone(String wanted) {
    return zone(wanted, zones());
  }

  /**
   * The zone for template {@code templateId} where the profile names none: the one zone the template was
   * listed in, when its lookup said (no listZones needed), else the profile's or the cloud's only zone.
   */
  private String zoneOf(String templateId) {
    java.util.Set<String> in = templateZones.getOrDefault(templateId, java.util.Set.of());
    return profile.setting("zone").isEmpty() && zoneId == null && in.size() == 1 ? in.iterator().next() : zone();
  }

  private List<org.jclouds.cloudstack.domain.Zone> zones() {
    return List.copyOf(jc("listZones", a -> a.getZoneApi().listZones(ListZonesOptions.Builder.available(true))));
  }

  static String zone(String wanted, List<org.jclouds.cloudstack.domain.Zone> zones) {
    for (org.jclouds.cloudstack.domain.Zone z : zones) {
      if (wanted.equals(z.getId()) || wanted.equals(z.getName())) {
        return z.getId();
      }
    }
    throw new ConfigurationException(null, "zone", "the cloud has no zone '" + wanted + "'; it has "
        + zones.stream().map(z -> z.getName()).toList());
  }

  /**
   * An id as it is; a name looked up once with the list command's name filter (CloudStack takes ids only,
   * people know names), and when it names nothing, an error listing what there is.
   */
  private static String resolve(String nameOrId, Map<String, String> cache,
      Function<String, java.util.Optional<String>> byName, Supplier<List<String>> all, String what, String field) {
    if (UUID.matcher(nameOrId).matches()) {
      return nameOrId;
    }
    return cache.computeIfAbsent(nameOrId, n -> byName.apply(n).orElseThrow(() -> new ConfigurationException(null,
        field, "the cloud has no " + what + " named '" + n + "'; it has " + new TreeSet<>(all.get()))));
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
      for (int i = 0; i < all.size(); i += pageSize) {
        List<String> chunk = all.subList(i, Math.min(all.size(), i + pageSize));
        for (JsonObject vm : list("listVirtualMachines", Map.of("ids", String.join(",", chunk), "listall", "true"),
            "virtualmachine")) {
          out.add(toInstance(vm));
        }
      }
      Set<String> missing = new HashSet<>(all);
      out.forEach(vm -> missing.remove(vm.id()));
      for (String id : missing) {
        Action a = actions.get(id);
        if (a != null && a.target() == State.TERMINATED) {
          ended(id, a); // destroyed and, for this key, no longer listed
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
    // this account's VMs: what Flotilla may own; an admin's key sees other accounts' only with list_all
    return list("listVirtualMachines", listAll ? Map.of("listall", "true") : Map.of(), "virtualmachine").stream()
        .map(this::toInstance).toList();
  }

  /**
   * Every object of a list command, page by page, through Flotilla's own client. The answer must be whole:
   * CloudStack answers an empty list as {@code {}}, so a list is absent only with no count or a count of 0;
   * a count without its list, a count that is not a number, or fewer objects than counted when the pages
   * end is an error, never "these are all". At most max_list_items objects are read.
   */
  List<JsonObject> list(String command, Map<String, String> params, String key) {
    List<JsonObject> out = new ArrayList<>();
    for (int page = 1; ; page++) {
      Map<String, String> p = new LinkedHashMap<>(params);
      int size = pageSize;
      p.put("page", Integer.toString(page));
      p.put("pagesize", Integer.toString(size));
      JsonObject answer;
      try {
        answer = cs.call(command, p);
      } catch (CloudException e) {
        if (!smallerPages(e, size)) {
          throw e;
        }
        out.clear(); // the pages already read were cut at the other size: read them all again
        page = 0;
        continue;
      }
      OptionalInt counted = count(command, answer);
      JsonElement items = answer.get(key);
      if (items == null) {
        return out; // an empty list is {} without a count (a count without its list was refused above)
      }
      if (!items.isJsonArray()) {
        throw incomplete(command, "answered '" + key + "' that is not a list");
      }
      JsonArray array = items.getAsJsonArray();
      for (JsonElement e : array) {
        if (!e.isJsonObject()) {
          throw incomplete(command, "listed something that is not an object in '" + key + "'");
        }
        out.add(e.getAsJsonObject());
      }
      if (out.size() > maxListItems) {
        throw new CloudException(Kind.UNKNOWN, api(), "ListTooLong", command + " listed more than " + maxListItems
            + " objects (profile " + profile.name() + "); refused as endless. Raise the profile's max_list_items if"
            + " the account really holds more.");
      }
      int count = counted.orElse(out.size());
      if (out.size() >= count || array.size() < size) {
        if (out.size() < count) {
          throw incomplete(command, "listed " + out.size() + " of the " + count + " it counts");
        }
        return out;
      }
    }
  }

  /**
   * Whether {@code e} is the cloud refusing pages of {@code size} while naming a smaller maximum, which the
   * provider then asks for from now on.
   */
  private boolean smallerPages(CloudException e, int size) {
    Matcher m = PAGE_LIMIT.matcher(e.getMessage());
    if (!"431".equals(e.code().orElse(null)) || !m.find()) {
      return false;
    }
    int limit = Integer.parseInt(m.group(1));
    if (limit < 1 || limit >= size) {
      return false;
    }
    LOG.debug("{} allows pages of {} objects, not {}: asking for {} from now on", profile.name(), limit, size, limit);
    pageSize = limit;
    return true;
  }

  /** The answer's {@code count}, when it gives one; an incomplete page is refused. */
  private OptionalInt count(String command, JsonObject answer) {
    Optional<String> problem = CsClient.incompleteList(answer);
    if (problem.isPresent()) {
      throw incomplete(command, problem.get());
    }
    return answer.has("count") && !answer.get("count").isJsonNull() ? OptionalInt.of(answer.get("count").getAsInt())
        : OptionalInt.empty();
  }

  private CloudException incomplete(String command, String why) {
    return new CloudException(Kind.UNKNOWN, api(), "IncompleteAnswer", command + " (profile " + profile.name() + ") "
        + why + "; nothing was concluded from it");
  }

  private Instance toInstance(JsonObject vm) {
    String id = string(vm, "id");
    String state = string(vm, "state");
    boolean jobPending = vm.has("jobid") && vm.has("jobstatus") && vm.get("jobstatus").getAsInt() == 0;
    Map<String, String> tags = tags(vm);
    rootAdmin |= vm.has("instancename");
    if (GROUP.equals(string(vm, "group"))) {
      untagged(string(vm, "name"), string(vm, "displayname"), tags);
    }
    String privateAddress = string(vm, "ipaddress");
    JsonElement nics = vm.get("nic");
    if (privateAddress == null && nics != null && nics.isJsonArray() && !nics.getAsJsonArray().isEmpty()) {
      privateAddress = string(nics.getAsJsonArray().get(0).getAsJsonObject(), "ipaddress");
    }
    State s = CsStates.state(state, jobPending);
    String fault = null;
    Action action = actions.get(id);
    // a word of progress, not a result: which job is still at work on it
    String word = state + (jobPending ? " (" + (action == null ? "a job" : action.command()) + " running)" : "");
    if (s == State.ERROR) {
      fault = (action == null ? java.util.Optional.<String>empty() : jobOf(id, action).flatMap(j -> failure(j, action)))
          .orElse("CloudStack put the VM in Error (it does not say why; see the cloud's events)");
    } else if (action != null && s == action.target() && !jobPending) {
      ended(id, action);
    } else if (action != null && !jobPending && (s == State.RUNNING || s == State.STOPPED)) {
      // settled elsewhere than sent: the job failed (told once, as an error), or something else moved the VM
      java.util.Optional<Job> job = jobOf(id, action);
      if (job.isPresent() && !job.get().running()) {
        actions.remove(id, action);
      }
      java.util.Optional<String> failed = job.flatMap(j -> failure(j, action));
      if (failed.isPresent() && action.command().equals("destroyVirtualMachine")
          && failed.get().contains("permission for expunging")) {
        cannotExpunge(); // the destroy is sent again, without expunge
        actions.put(id, sent(action.command(), destroy(id), State.TERMINATED));
      } else if (failed.isPresent()) {
        s = State.ERROR;
        word = state + " (" + action.command() + " failed)";
        fault = failed.get();
      }
    }
    Action pending = actions.get(id);
    if (jobPending && s == State.RUNNING && pending != null && pending.command().equals("rebootVirtualMachine")) {
      s = State.REBOOTING; // the VM reads Running all through its reboot; the job says when it is done
      word = state + " (rebooting)";
    }
    if (s != State.TERMINATED && s != State.ERROR && pending != null
        && pending.command().equals("destroyVirtualMachine")) {
      s = State.TERMINATING; // CloudStack stops a VM it destroys: Stopping, Stopped, then Destroyed
      word = state + " (being destroyed)";
    }
    // the template's id: what a node's image can name exactly (template names need not be unique)
    return Instance.builder(id, s).providerState(word).type(string(vm, "serviceofferingname"))
        .image(string(vm, "templateid")).zone(string(vm, "zonename")).publicAddress(string(vm, "publicip"))
        .privateAddress(privateAddress).launchTime(time(string(vm, "created"))).tags(tags).fault(fault).build();
  }

  /**
   * What a Flotilla VM whose tags are not written yet says by its names: its node (the display name; the host
   * name for VMs made before host names carried a token) and, where its host name is the one {@link
   * #hostName} gave it, its create's short token.
   */
  private static void untagged(String hostName, String displayName, Map<String, String> tags) {
    String node = displayName != null ? displayName : hostName;
    if (node == null) {
      return;
    }
    tags.putIfAbsent(Instance.NODE_TAG, node);
    String prefix = node.isEmpty() ? null : hostBase(node) + "-";
    if (!tags.containsKey(Instance.TOKEN_TAG) && prefix != null && hostName != null && hostName.startsWith(prefix)
        && SHORT_TOKEN.matcher(hostName.substring(prefix.length())).matches()) {
      tags.put(Instance.TOKEN_TAG, hostName.substring(prefix.length()));
    }
  }

  private static final Pattern SHORT_TOKEN = Pattern.compile("[a-z2-7]{8}");

  /**
   * The job of {@code action}; empty, and forgotten, when the cloud no longer knows it (CloudStack purges
   * jobs after {@code job.expire.minutes}). A retryable failure is thrown: the caller's round is then one
   * without news.
   */
  private java.util.Optional<Job> jobOf(String vmId, Action action) {
    try {
      return java.util.Optional.of(job(action.job()));
    } catch (CloudException e) {
      if (e.retryable()) {
        throw e;
      }
      actions.remove(vmId, action);
      return java.util.Optional.empty();
    }
  }

  /** The error text of {@code action}'s job, when it failed. */
  private static java.util.Optional<String> failure(Job job, Action action) {
    return job.failed() ? java.util.Optional.of(job.text() == null ? action.command() + " failed" : job.text())
        : java.util.Optional.empty();
  }

  /**
   * An asynchronous job as queryAsyncJobResult tells it: 0 running, 1 done, 2 failed, with CloudStack's
   * error code and text as it wrote them (read by Flotilla's client, which keeps both whole).
   */
  private record Job(int status, int code, String text) {
    boolean running() {
      return status == 0;
    }

    boolean failed() {
      return status == 2;
    }
  }

  Job job(String id) {
    JsonObject answer = cs.call("queryAsyncJobResult", Map.of("jobid", id));
    JsonElement status = answer.get("jobstatus");
    if (status == null || !status.isJsonPrimitive() || !status.getAsJsonPrimitive().isNumber()
        || status.getAsInt() < 0 || status.getAsInt() > 2) {
      throw new CloudException(Kind.UNKNOWN, api(), "MalformedAnswer", "queryAsyncJobResult answered no status for"
          + " job " + id);
    }
    if (status.getAsInt() != 2) {
      return new Job(status.getAsInt(), 0, null);
    }
    JsonElement result = answer.get("jobresult");
    JsonObject error = result != null && result.isJsonObject() ? result.getAsJsonObject() : new JsonObject();
    int code = number(error.get("errorcode")).orElse(number(answer.get("jobresultcode")).orElse(530));
    return new Job(2, code, string(error, "errortext"));
  }

  private static java.util.Optional<Integer> number(JsonElement e) {
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() && e.getAsInt() != 0
        ? java.util.Optional.of(e.getAsInt()) : java.util.Optional.empty();
  }

  static Instant time(String value) {
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
    each(ids, "startVirtualMachine", State.RUNNING, id -> jc("startVirtualMachine", a -> a.getVirtualMachineApi()
        .startVirtualMachine(id)));
  }

  @Override
  public void stop(Collection<String> ids, boolean force) {
    each(ids, "stopVirtualMachine", State.STOPPED, id -> jc("stopVirtualMachine", a -> a.getVirtualMachineApi()
        .stopVirtualMachine(id, StopVirtualMachineOptions.Builder.forced(force))));
  }

  @Override
  public void reboot(Collection<String> ids) {
    reboot(ids, false);
  }

  /**
   * destroyVirtualMachine, expunging too wherever the account may (which jclouds does not send): a destroyed
   * VM that is not expunged keeps its resources, and counts against the account's limits, for a day by
   * default. A profile with {@code expunge: false} keeps destroyed VMs recoverable instead.
   */
  @Override
  public void terminate(Collection<String> ids) {
    each(ids, "destroyVirtualMachine", State.TERMINATED, expungeNow()
        ? id -> string(cs.call("destroyVirtualMachine", Map.of("id", id, "expunge", "true")), "jobid")
        : this::destroy);
  }

  private String destroy(String id) {
    return jc("destroyVirtualMachine", a -> a.getVirtualMachineApi().destroyVirtualMachine(id));
  }

  /**
   * Whether destroys expunge: never where the profile says false; by default where the key is a root admin's
   * (known from its full view, at no cost); where the profile says true, wherever the account may, asked once.
   */
  private boolean expungeNow() {
    if (Boolean.FALSE.equals(expunge)) {
      return false;
    }
    if (expunge == null && !rootAdmin) {
      return false;
    }
    if (mayExpunge == null) {
      mayExpunge = accountMayExpunge();
      if (!mayExpunge) {
        cannotExpunge();
      }
    }
    return mayExpunge;
  }

  /**
   * A root admin may expunge (its key sees VMs in CloudStack's full view, with their {@code instancename}, in
   * the describe every destroy begins with), and a user where allow.user.expunge.recover.vm is set.
   */
  private boolean accountMayExpunge() {
    if (rootAdmin) {
      return true;
    }
    try {
      JsonElement c = cs.call("listCapabilities", Map.of()).get("capability");
      return c != null && c.isJsonObject() && "true".equals(string(c.getAsJsonObject(), "allowuserexpungerecovervm"));
    } catch (CloudException e) {
      LOG.debug("{}: cannot tell whether the account may expunge ({}); destroying without", profile.name(),
          e.getMessage());
      return false;
    }
  }

  /** Says, once, that destroyed VMs are not expunged: at warning level where the profile asked for it. */
  private void cannotExpunge() {
    mayExpunge = false;
    String text = "profile " + profile.name() + ": this account may not expunge VMs (an admin can allow it with"
        + " allow.user.expunge.recover.vm), so destroyed VMs keep counting against its limits until CloudStack"
        + " expunges them (expunge.delay, a day by default)";
    if (Boolean.TRUE.equals(expunge)) {
      LOG.warn("{}; set expunge to false in the profile to stop asking", text);
    } else {
      LOG.info(text);
    }
  }

  /**
   * One asynchronous command per VM, several at a time, {@code send} answering its job; the client follows
   * the VMs through describe, which tells a failed job by its text.
   */
  private void each(Collection<String> ids, String command, State target, Function<String, String> send) {
    Parallel.map(new ArrayList<>(ids), maxParallel, "cloudstack-" + command, id -> {
      actions.remove(id);
      String job = send.apply(id);
      if (job != null) {
        actions.put(id, sent(command, job, target));
      }
      return id;
    }).orThrow();
  }

  /**
   * deleteTags of these keys, then createTags, each waited for: CloudStack refuses a key a VM has already, and
   * tags asynchronously, while a tag the client relies on must be there when this returns. deleteTags goes
   * through Flotilla's client, as it names keys without values, which jclouds' options cannot.
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
  void awaitJob(String job, String command) {
    if (job == null) {
      throw new CloudException(Kind.UNKNOWN, api(), "MalformedAnswer", command + " answered no job id");
    }
    long sent = System.nanoTime();
    Duration expected = durations.expected(command);
    long first = Math.min(expected.toMillis(), 5000); // asked first when it should be done
    long pause = first;
    long deadline = sent + Duration.ofMinutes(5).toNanos();
    for (int round = 0; ; round++) {
      sleep(pause, command);
      Job r = job(job);
      if (r.failed()) {
        throw CsErrors.classify(api(), command, r.code(), r.text() == null ? "the job failed" : r.text(),
            profile.name());
      }
      if (!r.running()) {
        durations.ended(command, expected, Duration.ofNanos(System.nanoTime() - sent));
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new CloudException(Kind.TRANSIENT, api(), "Timeout", command + " job " + job + " did not end in 5 minutes");
      }
      // overdue: asked again soon, then less and less often
      pause = round == 0 ? Math.max(100, first / 4) : Math.min(pause * 2, 2000);
    }
  }

  private void sleep(long millis, String command) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CloudException(Kind.TRANSIENT, api(), null, "interrupted while waiting for " + command, e);
    }
  }

  // ---- facets ---------------------------------------------------------------------------------------------

  @Override
  public java.util.Optional<Snapshots> snapshots() {
    return java.util.Optional.of(new CsSnapshots(this));
  }

  @Override
  public java.util.Optional<ImageSaving> imageSaving() {
    return java.util.Optional.of(new CsTemplates(this));
  }

  @Override
  public java.util.Optional<Keys> keys() {
    return java.util.Optional.of(new CsKeyPairs(this));
  }

  @Override
  public java.util.Optional<Addresses> addresses() {
    return java.util.Optional.of(new CsStaticNat(this));
  }

  @Override
  public java.util.Optional<HardReboot> hardReboot() {
    return java.util.Optional.of(ids -> reboot(ids, true));
  }

  /** rebootVirtualMachine; a hard one adds {@code forced}, which jclouds does not send. */
  private void reboot(Collection<String> ids, boolean hard) {
    each(ids, "rebootVirtualMachine", State.RUNNING, hard
        ? id -> string(cs.call("rebootVirtualMachine", Map.of("id", id, "forced", "true")), "jobid")
        : id -> jc("rebootVirtualMachine", a -> a.getVirtualMachineApi().rebootVirtualMachine(id)));
  }

  // ---- offerings, templates ------------------------------------------------------------------------------

  /**
   * The service offerings with their CPUs, memory and HA flag ({@code offerha}: CloudStack restarts such VMs
   * itself); custom offerings, which fix no size, are left out.
   */
  @Override
  public List<InstanceType> types() {
    String preferred = profile.setting("service_offering").orElse(null);
    return jc("listServiceOfferings", a -> a.getOfferingApi().listServiceOfferings()).stream()
        .filter(o -> o.getCpuNumber() > 0 && o.getMemory() > 0)
        .sorted(java.util.Comparator.comparing(ServiceOffering::getName))
        .map(o -> new InstanceType(o.getName(), o.getCpuNumber(), o.getMemory(), 0, o.getName().equals(preferred), 0,
            o.supportsHA()))
        .toList();
  }

  @Override
  public List<Image> images() {
    return jc("listTemplates", a -> a.getTemplateApi().listTemplates(ListTemplatesOptions.Builder.filter(
        TemplateFilter.EXECUTABLE))).stream().map(t -> new Image(t.getId(), t.getName(), t.getAccount())).toList();
  }

}
