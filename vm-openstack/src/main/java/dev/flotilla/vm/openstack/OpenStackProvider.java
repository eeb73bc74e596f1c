package dev.flotilla.vm.openstack;

import com.google.common.base.Suppliers;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.inject.Injector;
import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.FloatingAddress;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.KeyPair;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.openstack.internal.NovaErrors;
import dev.flotilla.vm.openstack.internal.NovaRest;
import dev.flotilla.vm.openstack.internal.NovaStates;
import dev.flotilla.vm.openstack.internal.NovaCreateOptions;
import dev.flotilla.vm.spi.Addresses;
import dev.flotilla.vm.spi.Console;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.HardReboot;
import dev.flotilla.vm.spi.ImageSaving;
import dev.flotilla.vm.spi.Keys;
import dev.flotilla.vm.support.Parallel;
import dev.flotilla.vm.jclouds.Calls;
import dev.flotilla.vm.jclouds.Lazy;
import dev.flotilla.vm.spi.Provider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jclouds.ContextBuilder;
import org.jclouds.openstack.nova.v2_0.NovaApi;
import org.jclouds.openstack.nova.v2_0.domain.Address;
import org.jclouds.openstack.nova.v2_0.domain.Flavor;
import org.jclouds.openstack.nova.v2_0.domain.RebootType;
import org.jclouds.openstack.nova.v2_0.domain.Server;
import org.jclouds.openstack.nova.v2_0.domain.ServerCreated;
import org.jclouds.openstack.nova.v2_0.extensions.FloatingIPApi;
import org.jclouds.openstack.nova.v2_0.features.ServerApi;
import org.jclouds.openstack.nova.v2_0.options.CreateServerOptions;

/**
 * One OpenStack project in one region, on jclouds' Nova API (not its portable ComputeService). A server
 * carries its node's name as its own name and in its metadata, with the profile and the create's token,
 * from the moment Nova makes it, so a client that died after the create finds it. Describe is one list
 * call for any number of servers; every answer is checked before jclouds reads it ({@link NovaAnswers}); what jclouds 2.7.0 lacks (faults, console output, server groups, resume) goes through {@link NovaRest}.
 */
final class OpenStackProvider implements Provider {
  private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
      + "[0-9a-fA-F]{12}");
  private static final Set<String> OPTIONS = Set.of("networks", "config_drive");

  /** The jclouds context, built on first use. */
  private record Nova(Injector injector, NovaApi api, NovaRest rest, String region) implements java.io.Closeable {
    ServerApi servers() {
      return api.getServerApi(region);
    }

    @Override
    public void close() throws java.io.IOException {
      api.close();
    }
  }

  private final OpenStackSettings settings;
  private final Lazy<Nova> nova;
  private final com.google.common.base.Supplier<Set<Capability>> found;
  private final Map<String, String> flavorIds = new ConcurrentHashMap<>();
  private final Map<String, String> imageIds = new ConcurrentHashMap<>();
  private final Map<String, String> serverGroups = new ConcurrentHashMap<>();
  private final Calls calls;
  private volatile boolean flavorsListed;

  OpenStackProvider(OpenStackSettings settings, Supplier<ContextBuilder> builder) {
    this.settings = settings;
    this.calls = new Calls(OpenStackProviderFactory.ID, settings.profile().name(), NovaErrors::classify);
    this.nova = new Lazy<>(() -> {
      Injector injector = builder.get().buildInjector();
      NovaApi api = injector.getInstance(NovaApi.class);
      String region = settings.region().orElseGet(() -> onlyRegion(api.getConfiguredRegions()));
      return new Nova(injector, api, new NovaRest(injector, region), region);
    });
    this.found = Suppliers.memoize(this::probeCapabilities);
  }

  private String onlyRegion(Set<String> regions) {
    if (regions.size() == 1) {
      return regions.iterator().next();
    }
    throw new ConfigurationException(null, settings.at("region_name"), regions.isEmpty() ? "is missing, and the"
        + " service catalog has no compute endpoint; check the profile's project" : "is missing and the cloud has"
        + " several regions: " + regions + "; name one (OS_REGION_NAME)");
  }

  @Override
  public String api() {
    return OpenStackProviderFactory.ID;
  }

  @Override
  public Set<Capability> traits() {
    return found.get().stream().filter(c -> !c.operation()).collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  /**
   * Everything Nova offers through this adapter, less what this cloud lacks: key pairs, server groups,
   * console output and floating IPs are extensions a cloud may not have, and floating IPs also need a pool.
   * Asked once, on first use.
   */

  private Set<Capability> probeCapabilities() {
    Set<Capability> out = EnumSet.of(Capability.STOP_START, Capability.REBOOT, Capability.USER_DATA, Capability.TAGS,
        Capability.KEY_IMPORT, Capability.ANTI_AFFINITY, Capability.CONSOLE_OUTPUT, Capability.FLOATING_IP);
    Set<String> extensions = calls.call("list extensions", () -> nova().api().getExtensionApi(nova().region()).list()
        .stream().map(e -> e.getId() == null ? e.getName() : e.getId()).collect(java.util.stream.Collectors.toSet()));
    Map<Capability, String> optional = Map.of(Capability.KEY_IMPORT, "os-keypairs", Capability.ANTI_AFFINITY,
        "os-server-groups", Capability.CONSOLE_OUTPUT, "os-console-output", Capability.FLOATING_IP, "os-floating-ips");
    optional.forEach((capability, alias) -> {
      if (!extensions.contains(alias)) {
        out.remove(capability);
      }
    });
    if (out.contains(Capability.FLOATING_IP)) {
      boolean pools = calls.call("list floating IP pools", () -> nova().api().getFloatingIPPoolApi(nova().region())
          .transform(p -> !p.list().isEmpty()).or(false));
      if (!pools) {
        out.remove(Capability.FLOATING_IP);
      }
    }
    return java.util.Collections.unmodifiableSet(out);
  }

  private Nova nova() {
    return nova.get();
  }

  // ---- create ---------------------------------------------------------------------------------------------

  @Override
  public List<Instance> create(CreateRequest request) {
    Node spec = request.spec();
    for (String key : spec.options().keySet()) {
      if (!OPTIONS.contains(key)) {
        throw new ConfigurationException(null, "vm.options." + key, "is not an option the OpenStack adapter passes"
            + " on; it knows " + new java.util.TreeSet<>(OPTIONS));
      }
    }
    String image = imageId(spec.image().or(settings::defaultImage).orElseThrow(() -> new ConfigurationException(null,
        "image", "no image given: set the node's image (vm.image) or the profile's default_image; `vm images`"
        + " lists what the project can boot")));
    String flavor = flavorId(spec);
    String group = spec.antiAffinityGroup().map(this::serverGroup).orElse(null);
    // one POST per server (Nova has no batch), several at a time; the client finds what a failed call made
    return Parallel.map(request.nodeNames(), settings.maxParallel(), "nova-create", name -> {
      Map<String, String> metadata = new LinkedHashMap<>(request.tagsFor(name));
      spec.tags().forEach(label -> metadata.put("flotilla:tag:" + label, ""));
      CreateServerOptions options = new NovaCreateOptions(group);
      options.metadata(metadata);
      spec.keyPair().ifPresent(options::keyPairName);
      spec.zone().ifPresent(options::availabilityZone);
      if (!spec.securityGroups().isEmpty()) {
        options.securityGroupNames(spec.securityGroups());
      }
      spec.userData().ifPresent(u -> options.userData(u.getBytes(StandardCharsets.UTF_8)));
      Optional.ofNullable(spec.options().get("networks")).or(settings::networks)
          .ifPresent(n -> options.networks(List.of(n.split("\\s*,\\s*"))));
      if (Boolean.parseBoolean(spec.options().get("config_drive"))) {
        options.configDrive(true);
      }
      ServerCreated created = createServer(name, image, flavor, options);
      return Instance.builder(created.getId(), State.PENDING).providerState("BUILD").image(image).type(flavor)
          .zone(spec.zone().orElse(null)).tags(metadata).build();
    }).orThrow();
  }

  private ServerCreated createServer(String name, String image, String flavor, CreateServerOptions options) {
    try {
      return calls.call("create server " + name, () -> nova().servers().create(name, image, flavor, options));
    } catch (CloudException e) {
      if (e.kind() == Kind.INVALID_REQUEST && e.getMessage().contains("Multiple possible networks")) {
        throw new ConfigurationException(null, settings.at("network"), "is needed: the project has several networks,"
            + " so Nova cannot pick one for server " + name + "; set the id(s) of the network(s) servers attach to"
            + " (`openstack network list`), or the node's option networks");
      }
      throw e;
    }
  }

  /**
   * The flavor of a node: its type (a flavor name or id), else the smallest flavor with the CPUs and
   * memory it asks for, else the profile's default flavor.
   */
  private String flavorId(Node spec) {
    if (spec.type().isPresent() && (spec.cpus().isPresent() || spec.memoryMb().isPresent())) {
      throw new ConfigurationException(null, "vm.type", "names flavor '" + spec.type().get() + "' and a size (vm.cpus,"
          + " vm.memory_mb) too; a flavor fixes the size, so give one or the other (--cpu/--ram alone picks the"
          + " smallest flavor that fits)");
    }
    if (spec.type().isPresent()) {
      return resolve(spec.type().get(), flavorIds, this::flavorsByName, "flavor", "vm.type");
    }
    if (spec.cpus().isPresent() || spec.memoryMb().isPresent()) {
      int cpus = spec.cpus().orElse(1);
      int memory = spec.memoryMb().orElse(1);
      List<Flavor> all = flavors();
      return all.stream().filter(f -> f.getVcpus() >= cpus && f.getRam() >= memory)
          .min(Comparator.comparingInt(Flavor::getRam).thenComparingInt(Flavor::getVcpus)
              .thenComparingInt(Flavor::getDisk))
          .map(Flavor::getId).orElseThrow(() -> new ConfigurationException(null, "vm.cpus", "no flavor has " + cpus
              + " CPUs and " + memory + " MB; the largest are " + all.stream().map(f -> f.getName() + " ("
              + f.getVcpus() + " CPUs, " + f.getRam() + " MB)").toList()));
    }
    String preferred = settings.defaultFlavor().orElseThrow(() -> new ConfigurationException(null, "vm.type", "no"
        + " flavor given: set the node's type (vm.type) or its cpus and memory, or the profile's flavor; the cloud"
        + " has " + flavorsByName().keySet()));
    return resolve(preferred, flavorIds, this::flavorsByName, "flavor", settings.at("flavor"));
  }

  private String imageId(String nameOrId) {
    return resolve(nameOrId, imageIds, () -> calls.call("list images", () -> bounded("list images",
        nova().api().getImageApi(nova().region()).listInDetail())).stream().collect(java.util.stream.Collectors.toMap(
            org.jclouds.openstack.nova.v2_0.domain.Image::getName,
            org.jclouds.openstack.nova.v2_0.domain.Image::getId, (a, b) -> a)), "image", "vm.image");
  }

  /** An id as it is; a name looked up once (Nova takes ids only, people know names). */
  private static String resolve(String nameOrId, Map<String, String> cache, Supplier<Map<String, String>> byName,
      String what, String field) {
    if (UUID.matcher(nameOrId).matches() || cache.containsValue(nameOrId)) {
      return nameOrId;
    }
    String cached = cache.get(nameOrId);
    if (cached != null) {
      return cached;
    }
    Map<String, String> all = byName.get();
    if (all.containsValue(nameOrId)) {
      return nameOrId;
    }
    String id = all.get(nameOrId);
    if (id == null) {
      throw new ConfigurationException(null, field, "the cloud has no " + what + " named '" + nameOrId + "'; it has "
          + new java.util.TreeSet<>(all.keySet()));
    }
    cache.put(nameOrId, id);
    return id;
  }

  /** The flavors, whose names the provider then knows, so servers show their flavor by name. */
  private List<Flavor> flavors() {
    List<Flavor> all = calls.call("list flavors", () -> bounded("list flavors",
        nova().api().getFlavorApi(nova().region()).listInDetail()));
    all.forEach(f -> flavorIds.putIfAbsent(f.getName(), f.getId()));
    flavorsListed = true;
    return all;
  }

  private Map<String, String> flavorsByName() {
    Map<String, String> out = new LinkedHashMap<>();
    flavors().forEach(f -> out.put(f.getName(), f.getId()));
    return out;
  }

  /** The id of the anti-affinity server group named {@code name}, made on first use. */
  private String serverGroup(String name) {
    if (!found.get().contains(Capability.ANTI_AFFINITY)) {
      throw new dev.flotilla.vm.UnsupportedCapabilityException(Capability.ANTI_AFFINITY, api());
    }
    return serverGroups.computeIfAbsent(name, n -> {
      for (JsonElement g : calls.call("list server groups", () -> nova().rest().get("/os-server-groups", null))
          .getAsJsonArray("server_groups")) {
        JsonObject o = g.getAsJsonObject();
        if (n.equals(o.get("name").getAsString()) && o.get("policies").toString().contains("anti-affinity")) {
          return o.get("id").getAsString();
        }
      }
      JsonObject group = new JsonObject();
      group.addProperty("name", n);
      com.google.gson.JsonArray policies = new com.google.gson.JsonArray();
      policies.add("anti-affinity");
      group.add("policies", policies);
      JsonObject body = new JsonObject();
      body.add("server_group", group);
      return calls.call("create server group " + n, () -> nova().rest().post("/os-server-groups", body, null))
          .getAsJsonObject("server_group").get("id").getAsString();
    });
  }

  // ---- observe --------------------------------------------------------------------------------------------

  /** One GET for one server; one list call for more, since Nova has no call for "these ids". */
  @Override
  public List<Instance> describe(Collection<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    if (ids.size() == 1) {
      String id = ids.iterator().next();
      Server s = calls.call("show server", () -> nova().servers().get(id));
      return s == null ? List.of() : List.of(withFault(toInstance(s)));
    }
    Set<String> wanted = new HashSet<>(ids);
    return list().stream().filter(i -> wanted.contains(i.id())).toList();
  }

  @Override
  public List<Instance> list() {
    return calls.call("list servers", () -> bounded("list servers", nova().servers().listInDetail())).stream()
        .map(this::toInstance).map(this::withFault).toList();
  }

  /**
   * Every item of a paged listing, following its next links within max_list_items (a page counts as one
   * item at least, so empty pages that link on forever end too).
   */
  private <T> List<T> bounded(String call, Iterable<? extends Iterable<T>> pages) {
    List<T> out = new ArrayList<>();
    long budget = settings.maxListItems();
    for (Iterable<T> page : pages) {
      int before = out.size();
      page.forEach(out::add);
      budget -= Math.max(1, out.size() - before);
      if (budget < 0) {
        throw endless(call);
      }
    }
    return out;
  }

  private CloudException endless(String call) {
    return new CloudException(CloudException.Kind.UNKNOWN, OpenStackProviderFactory.ID, "ListTooLong", call
        + " went on past " + settings.maxListItems() + " items or pages (profile " + settings.profile().name()
        + "); refused as endless. Raise the profile's max_list_items if the project really holds more.");
  }

  /**
   * A server Nova's scheduler could place on no host: ERROR, with the fault "No valid host was found" (its
   * NoValidHost exception, whatever the reason it adds).
   */
  @Override
  public boolean failedForCapacity(Instance vm) {
    return vm.fault().filter(f -> f.contains("No valid host was found")).isPresent();
  }

  /** A server in ERROR with Nova's fault message, which jclouds does not read: one GET per such server. */
  private Instance withFault(Instance i) {
    if (i.state() != State.ERROR) {
      return i;
    }
    JsonObject server = calls.call("show server", () -> nova().rest().get("/servers/" + i.id(), null)).getAsJsonObject("server");
    JsonElement fault = server == null ? null : server.get("fault");
    String message = fault != null && fault.isJsonObject() && fault.getAsJsonObject().has("message")
        ? fault.getAsJsonObject().get("message").getAsString() : "Nova gave no fault message";
    return i.toBuilder().fault(message).build();
  }

  private Instance toInstance(Server s) {
    String task = s.getExtendedStatus().isPresent() ? s.getExtendedStatus().get().getTaskState() : null;
    String status = s.getStatus() == null ? null : s.getStatus().value();
    String publicAddress = null;
    String privateAddress = null;
    for (Address a : s.getAddresses().values()) {
      boolean floating = "floating".equals(a.getType().orNull());
      if (floating && publicAddress == null) {
        publicAddress = a.getAddr();
      } else if (!floating && privateAddress == null && a.getVersion() == 4) {
        privateAddress = a.getAddr();
      }
    }
    if (publicAddress == null && s.getAccessIPv4() != null && !s.getAccessIPv4().isEmpty()) {
      publicAddress = s.getAccessIPv4();
    }
    Map<String, String> tags = new LinkedHashMap<>(s.getMetadata());
    if (!tags.containsKey(Instance.NODE_TAG) && tags.containsKey(Instance.PROFILE_TAG)) {
      tags.put(Instance.NODE_TAG, s.getName());
    }
    String flavor = s.getFlavor() == null ? null : s.getFlavor().getId();
    if (flavor != null && !flavorsListed) {
      flavors(); // once, so servers show "m1.small" rather than a flavor id
    }
    String flavorName = flavor == null ? null : flavorIds.entrySet().stream().filter(e -> e.getValue().equals(flavor))
        .map(Map.Entry::getKey).findFirst().orElse(flavor);
    return Instance.builder(s.getId(), NovaStates.state(status, task)).providerState(NovaStates.label(status, task))
        .type(flavorName).image(s.getImage() == null || s.getImage().getId() == null || s.getImage().getId().isEmpty()
            ? null : s.getImage().getId())
        .zone(s.getAvailabilityZone().orNull()).publicAddress(publicAddress).privateAddress(privateAddress)
        .launchTime(s.getCreated() == null ? null : s.getCreated().toInstant()).tags(tags).build();
  }

  // ---- act ------------------------------------------------------------------------------------------------

  /**
   * {@code os-start} for stopped servers; a suspended, paused or shelved one answers 409 to it and is
   * resumed, unpaused or unshelved instead.
   */
  @Override
  public void start(Collection<String> ids) {
    each(ids, "nova-start", id -> {
      try {
        calls.run("start server " + id, () -> nova().servers().start(id));
      } catch (CloudException e) {
        if (e.kind() != Kind.INVALID_REQUEST) {
          throw e;
        }
        Server s = calls.call("show server", () -> nova().servers().get(id));
        String action = s == null || s.getStatus() == null ? null : switch (s.getStatus()) {
          case SUSPENDED -> "resume";
          case PAUSED -> "unpause";
          case SHELVED, SHELVED_OFFLOADED -> "unshelve";
          default -> null;
        };
        if (action == null) {
          throw e;
        }
        calls.run(action + " server " + id, () -> nova().rest().action(id, action, null));
      }
    });
  }

  /**
   * Nova's resize to another flavor (a name or id), then, once the server waits in VERIFY_RESIZE, its
   * confirmation, waited for too: Nova confirms asynchronously, and until it has, the server still shows
   * VERIFY_RESIZE rather than the state it had (a server that was stopped stays stopped).
   */
  @Override
  public Optional<dev.flotilla.vm.spi.Resizing> resizing() {
    return Optional.of((id, type) -> {
      JsonObject resize = new JsonObject();
      resize.addProperty("flavorRef", resolve(type, flavorIds, this::flavorsByName, "flavor", "type"));
      calls.run("resize server " + id, () -> nova().rest().action(id, "resize", resize));
      awaitStatus(id, "VERIFY_RESIZE"::equals, "reach VERIFY_RESIZE");
      calls.run("confirm the resize of server " + id, () -> nova().rest().action(id, "confirmResize", null));
      awaitStatus(id, s -> s.equals("ACTIVE") || s.equals("SHUTOFF"), "end in ACTIVE or SHUTOFF once confirmed");
    });
  }

  /** Polls server {@code id} until its status is one {@code done} accepts; ERROR, gone or 10 minutes fail it. */
  private void awaitStatus(String id, java.util.function.Predicate<String> done, String what) {
    long deadline = System.nanoTime() + java.time.Duration.ofMinutes(10).toNanos();
    for (long pause = 200; ; pause = Math.min(pause * 2, 5000)) {
      Server s = calls.call("show server", () -> nova().servers().get(id));
      String status = s == null || s.getStatus() == null ? "" : s.getStatus().value();
      if (done.test(status)) {
        return;
      }
      if (status.isEmpty() || status.equals("ERROR") || System.nanoTime() > deadline) {
        throw new CloudException(Kind.UNKNOWN, api(), null, "the resize of server " + id + " did not " + what
            + " (it is " + (status.isEmpty() ? "gone" : status) + "); see `openstack server show " + id + "`");
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CloudException(Kind.TRANSIENT, api(), null, "interrupted while resizing server " + id, e);
      }
    }
  }

  /** {@code call} for every id, several at a time; the first failure is thrown once all have run. */
  private void each(Collection<String> ids, String name, java.util.function.Consumer<String> call) {
    Parallel.map(new ArrayList<>(ids), settings.maxParallel(), name, id -> {
      call.accept(id);
      return id;
    }).orThrow();
  }

  /** {@code os-stop}: Nova shuts the guest down cleanly and powers it off when it does not stop in time. */
  @Override
  public void stop(Collection<String> ids, boolean force) {
    each(ids, "nova-stop", id -> calls.run("stop server " + id, () -> nova().servers().stop(id)));
  }

  @Override
  public void reboot(Collection<String> ids) {
    reboot(ids, false);
  }

  @Override
  public void terminate(Collection<String> ids) {
    // delete answers false for a server already gone, which is fine
    each(ids, "nova-delete", id -> calls.call("delete server " + id, () -> nova().servers().delete(id)));
  }

  @Override
  public void tag(String id, Map<String, String> tags) {
    calls.run("update server metadata", () -> nova().servers().updateMetadata(id, tags));
  }

  // ---- flavors, images, keys ------------------------------------------------------------------------------

  @Override
  public List<InstanceType> types() {
    String preferred = settings.defaultFlavor().orElse(null);
    return flavors().stream().sorted(Comparator.comparingInt(Flavor::getRam).thenComparing(Flavor::getName))
        .map(f -> new InstanceType(f.getName(), Math.max(1, f.getVcpus()), Math.max(1, f.getRam()),
            swapMb(f), f.getName().equals(preferred), Math.max(0, f.getDisk()))).toList();
  }

  private static int swapMb(Flavor f) {
    try {
      return Integer.parseInt(f.getSwap().or("0").trim());
    } catch (NumberFormatException e) {
      return 0; // Nova says "" for no swap
    }
  }

  /**
   * The active images the project can boot, with their visibility as the owner: {@code public},
   * {@code shared}, {@code community}, or {@code project} for the project's own. From Glance v2 (paged by
   * its {@code next} links) when the catalog has it, else from Nova's image list, which has no visibility.
   */
  @Override
  public List<Image> images() {
    Optional<java.net.URI> glance = calls.call("read the service catalog", () -> nova().rest().endpoint("image"));
    if (glance.isEmpty()) {
      return calls.call("list images", () -> bounded("list images", nova().api().getImageApi(nova().region())
          .listInDetail())).stream().map(i -> new Image(i.getId(), i.getName(), null)).toList();
    }
    String base = glance.get().toString().replaceAll("/+$", "").replaceAll("/v2$", "");
    List<Image> out = new ArrayList<>();
    String next = "/v2/images?limit=500";
    Set<String> followed = new HashSet<>();
    while (next != null) {
      if (!followed.add(next) || followed.size() > settings.maxListItems()) {
        throw endless("list images");
      }
      java.net.URI page = java.net.URI.create(base + next);
      JsonObject answer = calls.call("list images", () -> nova().rest().get(page));
      for (JsonElement e : answer.getAsJsonArray("images")) {
        JsonObject i = e.getAsJsonObject();
        if ("active".equals(text(i, "status"))) {
          String visibility = text(i, "visibility");
          out.add(new Image(text(i, "id"), text(i, "name"), "private".equals(visibility) ? "project" : visibility));
        }
      }
      if (out.size() > settings.maxListItems()) {
        throw endless("list images");
      }
      next = text(answer, "next");
    }
    return out;
  }

  private static String text(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }

  private static KeyPair keyPair(org.jclouds.openstack.nova.v2_0.domain.KeyPair k) {
    return new KeyPair(k.getName(), k.getFingerprint());
  }

  // ---- floating IPs ---------------------------------------------------------------------------------------

  @Override
  public Optional<ImageSaving> imageSaving() {
    return Optional.of(new NovaImages());
  }

  @Override
  public Optional<Keys> keys() {
    return found(Capability.KEY_IMPORT, new NovaKeys());
  }

  @Override
  public Optional<Addresses> addresses() {
    return found(Capability.FLOATING_IP, new FloatingIps());
  }

  @Override
  public Optional<Console> console() {
    return found(Capability.CONSOLE_OUTPUT, this::consoleOutput);
  }

  @Override
  public Optional<HardReboot> hardReboot() {
    return Optional.of(ids -> reboot(ids, true));
  }

  /** {@code facet} when the probe of the cloud's extensions found {@code capability}. */
  private <F> Optional<F> found(Capability capability, F facet) {
    return found.get().contains(capability) ? Optional.of(facet) : Optional.empty();
  }

  private void reboot(Collection<String> ids, boolean hard) {
    each(ids, "nova-reboot", id -> calls.run("reboot server " + id, () -> nova().servers().reboot(id,
        hard ? RebootType.HARD : RebootType.SOFT)));
  }

  private String consoleOutput(String id) {
    JsonObject out = calls.call("console output", () -> nova().rest().action(id, "os-getConsoleOutput", new JsonObject()));
    return out.has("output") && !out.get("output").isJsonNull() ? out.get("output").getAsString() : "";
  }

  /** Images saved from servers: Nova's createImage, show and delete. */
  private final class NovaImages implements ImageSaving {
    /**
     * Nova's createImage with the tags as the image's metadata (Glance properties), at microversion 2.45, which
     * answers the new image's id in its body.
     */
    @Override
    public Image save(String id, String name, Map<String, String> tags) {
      JsonObject create = new JsonObject();
      create.addProperty("name", name);
      JsonObject metadata = new JsonObject();
      tags.forEach(metadata::addProperty);
      create.add("metadata", metadata);
      JsonObject body = new JsonObject();
      body.add("createImage", create);
      JsonObject answer = calls.call("create image", () -> nova().rest().post("/servers/" + id + "/action", body, "2.45"));
      String imageId = text(answer, "image_id");
      if (imageId == null || imageId.isBlank()) {
        throw new CloudException(Kind.UNKNOWN, api(), "MalformedAnswer", "create image answered no image_id; look"
            + " for an image named '" + name + "' in the project");
      }
      imageIds.put(name, imageId);
      return new Image(imageId, name, null, tags);
    }

    /** Nova's view of the image, whose metadata holds the tags {@link #save} gave it. */
    @Override
    public Optional<Image> image(String imageId) {
      org.jclouds.openstack.nova.v2_0.domain.Image i = calls.call("show image", () -> nova().api()
          .getImageApi(nova().region()).get(imageId));
      return i == null ? Optional.empty() : Optional.of(new Image(i.getId(), i.getName(), null, i.getMetadata()));
    }

    @Override
    public Optional<Snapshot.Status> status(String imageId) {
      org.jclouds.openstack.nova.v2_0.domain.Image i = calls.call("show image", () -> nova().api()
          .getImageApi(nova().region()).get(imageId));
      if (i == null || i.getStatus() == null) {
        return Optional.empty();
      }
      return switch (i.getStatus()) {
        case ACTIVE -> Optional.of(Snapshot.Status.READY);
        case SAVING, UNRECOGNIZED, UNKNOWN -> Optional.of(Snapshot.Status.CREATING);
        case DELETED -> Optional.empty();
        default -> Optional.of(Snapshot.Status.ERROR);
      };
    }

    @Override
    public void delete(String imageId) {
      calls.run("delete image", () -> nova().api().getImageApi(nova().region()).delete(imageId));
      imageIds.values().remove(imageId);
    }
  }

  /** Nova's key pairs (the os-keypairs extension). */
  private final class NovaKeys implements Keys {
    @Override
    public KeyPair importKey(String name, String publicKey) {
      return keyPair(calls.call("import key pair", () -> keyPairs().createWithPublicKey(name, publicKey.trim())));
    }

    @Override
    public List<KeyPair> list() {
      return calls.call("list key pairs", () -> keyPairs().list().toList()).stream().map(OpenStackProvider::keyPair).toList();
    }

    private org.jclouds.openstack.nova.v2_0.extensions.KeyPairApi keyPairs() {
      return nova().api().getKeyPairApi(nova().region()).toJavaUtil().orElseThrow(
          () -> new dev.flotilla.vm.UnsupportedCapabilityException(Capability.KEY_IMPORT, api()));
    }
  }

  /** Nova's floating IPs (the os-floating-ips extension, with a pool). */
  private final class FloatingIps implements Addresses {
    private FloatingIPApi floatingIps() {
      return nova().api().getFloatingIPApi(nova().region()).toJavaUtil().orElseThrow(
          () -> new dev.flotilla.vm.UnsupportedCapabilityException(Capability.FLOATING_IP, api()));
    }

    @Override
    public List<FloatingAddress> list() {
      return calls.call("list floating IPs", () -> floatingIps().list().toList()).stream()
          .map(f -> new FloatingAddress(f.getIp(), f.getPool(), f.getInstanceId())).toList();
    }

    @Override
    public FloatingAddress allocate(String pool) {
      String from = pool != null ? pool : settings.floatingIpPool().orElse(null);
      var f = calls.call("allocate floating IP", () -> from == null ? floatingIps().create() : floatingIps().allocateFromPool(from));
      if (f == null) {
        throw new CloudException(Kind.CAPACITY, api(), null, "no floating IP could be allocated"
            + (from == null ? " from the default pool" : " from pool " + from) + "; check the project's quota", null);
      }
      return new FloatingAddress(f.getIp(), f.getPool(), f.getInstanceId());
    }

    @Override
    public void associate(String address, String id) {
      calls.run("associate floating IP", () -> floatingIps().addToServer(address, id));
    }

    @Override
    public void disassociate(String address, String id) {
      calls.run("disassociate floating IP", () -> floatingIps().removeFromServer(address, id));
    }

    @Override
    public void release(String address) {
      String id = calls.call("list floating IPs", () -> floatingIps().list().toList()).stream()
          .filter(f -> f.getIp().equals(address) || f.getId().equals(address)).map(f -> f.getId()).findFirst()
          .orElseThrow(() -> new CloudException(Kind.NOT_FOUND, api(), null, "the project has no floating IP "
              + address, null));
      calls.run("release floating IP", () -> floatingIps().delete(id));
    }
  }

  /** Whether the jclouds context has been built (it is, on the first call). */
  boolean contextBuilt() {
    return nova.isBuilt();
  }

  @Override
  public void close() {
    nova.close();
  }
}
