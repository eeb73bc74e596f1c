package dev.flotilla.vm.aws;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.KeyPair;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.aws.internal.Ec2Errors;
import dev.flotilla.vm.aws.internal.Ec2Raw;
import dev.flotilla.vm.support.Parallel;
import dev.flotilla.vm.support.SafeXml;
import org.w3c.dom.Element;
import dev.flotilla.vm.aws.internal.NodeNames;
import dev.flotilla.vm.spi.Addresses;
import dev.flotilla.vm.spi.Console;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.ImageSaving;
import dev.flotilla.vm.spi.Keys;
import dev.flotilla.vm.jclouds.Calls;
import dev.flotilla.vm.jclouds.Lazy;
import dev.flotilla.vm.spi.Provider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jclouds.ContextBuilder;
import org.jclouds.aws.ec2.AWSEC2Api;
import org.jclouds.aws.ec2.domain.AWSRunningInstance;
import org.jclouds.aws.ec2.features.AWSInstanceApi;
import org.jclouds.ec2.domain.Reservation;
import org.jclouds.ec2.domain.RunningInstance;

/**
 * An EC2 account in one region, on jclouds' EC2 API (not its portable ComputeService). Each node's machine
 * is one RunInstances, several at a time, with a ClientToken of its own and its own node's Name and
 * node_name tags at launch (TagSpecification); describe, start, stop, reboot and terminate take any number of
 * ids in one call each. Every answer is checked before
 * jclouds reads it ({@link Ec2Answers}). The jclouds context is built on the first call.
 */
final class AwsProvider implements Provider {
  static final String NODES_TAG = "flotilla:nodes";
  /** The EC2 API version sent: the first with TagSpecification on RunInstances. */
  static final String API_VERSION = "2016-11-15";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AwsProvider.class);
  private static final List<String> OPTIONS = List.of("InstanceType", "KeyName", "SubnetId", "IamInstanceProfile.Name",
      "PlacementGroup", "ports");
  private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]+");

  private final String region;
  private final String defaultImage;
  private final Limits limits;
  private final String profile;
  /** The type of nodes that name none: the profile's default InstanceType option, else t3.micro. */
  private final String defaultType;
  /** The jclouds context, built on first use: its typed API and the raw calls it lacks. */
  private record Ec2(AWSEC2Api api, Ec2Raw raw) implements java.io.Closeable {
    @Override
    public void close() throws java.io.IOException {
      api.close();
    }
  }

  private final Lazy<Ec2> ec2;
  private final boolean createSecurityGroups;
  private final Map<String, String> spreadGroups = new java.util.concurrent.ConcurrentHashMap<>();
  /** The VPC of each subnet nodes launched into ("" for none: the default VPC). */
  private final Map<String, String> vpcs = new java.util.concurrent.ConcurrentHashMap<>();
  /** The profile's subnet_id: the subnet nodes launch into unless their SubnetId option says another. */
  private final String subnetId;
  private final Calls calls;

  /**
   * How listings are read (instances per page, MaxResults, and the most one listing may hold), and how many
   * launches run at once.
   */
  record Limits(int pageSize, int maxListItems, int maxParallel) {}

  AwsProvider(String profile, String region, String defaultImage, String defaultType, Limits limits,
      boolean createSecurityGroups, String subnetId, java.util.function.Supplier<ContextBuilder> builder) {
    this.limits = limits;
    this.subnetId = subnetId;
    this.profile = profile;
    this.defaultType = defaultType == null ? "t3.micro" : defaultType;
    this.createSecurityGroups = createSecurityGroups;
    this.calls = new Calls(AwsProviderFactory.ID, profile, Ec2Errors::classify);
    this.region = region;
    this.defaultImage = defaultImage;
    this.ec2 = new Lazy<>(() -> {
      com.google.inject.Injector injector = builder.get().buildInjector();
      return new Ec2(injector.getInstance(AWSEC2Api.class), new Ec2Raw(injector, region, API_VERSION));
    });
  }

  @Override
  public String api() {
    return AwsProviderFactory.ID;
  }

  @Override
  public Set<Capability> traits() {
    return AwsProviderFactory.TRAITS;
  }

  private AWSInstanceApi instances() {
    return ec2.get().api().getInstanceApiForRegion(region).get();
  }

  @Override
  public List<Instance> create(CreateRequest request) {
    Node spec = request.spec();
    String image = spec.image().orElse(defaultImage);
    if (image == null) {
      throw new ConfigurationException(null, "image", "no AMI given: set the node's image (vm.image) or the profile's"
          + " default_image; Flotilla does not guess an AMI, since AMI ids differ in every region");
    }
    if (spec.cpus().isPresent() || spec.memoryMb().isPresent() || spec.swapMb().isPresent()) {
      throw new ConfigurationException(null, "vm.cpus", "EC2 sizes a VM by its instance type only, so CPUs, memory"
          + " and swap cannot be set apart from it; drop them (--cpu, --ram, --swap; vm.cpus, vm.memory_mb, vm.swap_mb)"
          + " and choose a type that has them ('vm types' lists some)");
    }
    for (String key : spec.options().keySet()) {
      if (!OPTIONS.contains(key)) {
        throw new ConfigurationException(null, "vm.options." + key, "is not an option the EC2 adapter passes on; it"
            + " knows " + String.join(", ", OPTIONS));
      }
    }
    String subnet = spec.options().getOrDefault("SubnetId", subnetId);
    List<String> groupIds = securityGroupIds(spec, subnet);
    String placement = spec.antiAffinityGroup().map(this::spreadGroup)
        .orElse(spec.options().get("PlacementGroup"));
    // one launch per node, so that each VM carries its own node's Name from the start, and a node's create
    // repeated (alone or with others) is the same request with the same token: EC2 answers with what it made
    return Parallel.created(Parallel.map(request.nodeNames(), limits.maxParallel(), "ec2-run-instances",
        name -> launch(request, image, name, subnet, groupIds, placement)), request.nodeNames());
  }

  /**
   * The ClientToken of node {@code node}'s launch in the create of {@code token}: the create's token and the
   * short form of the node's name (64 characters at most, as EC2 takes).
   */
  static String clientToken(String token, String node) {
    return token + "-" + dev.flotilla.vm.CreateIntent.shortToken(node);
  }

  /**
   * The ids of the security groups a node names: an id ({@code sg-...}, the usual form outside the default
   * VPC) as it is, EC2 saying whether it exists in the launch's VPC; a name looked up in the VPC the node
   * launches into (its subnet's, else the region's default VPC): every VPC has its own {@code default}. A
   * group that does not exist is made there, with the node's {@code ports} open, when the profile says
   * {@code create_security_groups}; otherwise it is an error, never silently left out.
   */
  private List<String> securityGroupIds(Node spec, String subnet) {
    List<String> names = spec.securityGroups().stream().filter(g -> !GROUP_ID.matcher(g).matches()).toList();
    if (names.isEmpty()) {
      return spec.securityGroups();
    }
    for (String name : names) {
      if (name.startsWith("sg-")) {
        throw new ConfigurationException(null, "vm.security_groups", "names '" + name + "', which is neither a"
            + " security group id (sg- and 8 or 17 hex digits) nor a name EC2 allows (names may not begin with"
            + " sg-); copy the group's id from the EC2 console");
      }
    }
    String vpc = vpcOf(subnet);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("Filter.1.Name", "group-name");
    for (int i = 0; i < names.size(); i++) {
      params.put("Filter.1.Value." + (i + 1), names.get(i));
    }
    params.put("Filter.2.Name", "vpc-id");
    params.put("Filter.2.Value.1", vpc);
    Element answer = calls.call("DescribeSecurityGroups", () -> raw().call("DescribeSecurityGroups", params));
    Map<String, String> ids = new LinkedHashMap<>();
    for (Element g : Ec2Raw.items(answer, "securityGroupInfo")) {
      String in = SafeXml.text(g, "vpcId");
      if (in == null || in.equals(vpc)) { // a server that ignores the filter does not hand over another VPC's
        ids.put(SafeXml.text(g, "groupName"), SafeXml.text(g, "groupId"));
      }
    }
    List<String> out = new ArrayList<>();
    for (String name : spec.securityGroups()) {
      if (GROUP_ID.matcher(name).matches()) {
        out.add(name);
        continue;
      }
      String id = ids.get(name);
      if (id == null && !createSecurityGroups) {
        throw new ConfigurationException(null, "vm.security_groups", "names security group '" + name + "', which "
            + vpc + " has not; create it there (aws ec2 create-security-group --vpc-id " + vpc + "), fix the name,"
            + " give its id, or set the profile's create_security_groups to make it with the node's ports");
      }
      out.add(id != null ? id : createSecurityGroup(name, vpc, spec.options().getOrDefault("ports", "")));
    }
    return out;
  }

  private static final Pattern GROUP_ID = Pattern.compile("sg-[0-9a-f]{1,17}");

  /**
   * The VPC a launch into {@code subnet} goes to: the subnet's (one DescribeSubnets), or, with no subnet, the
   * region's default VPC (one DescribeVpcs); each looked up once.
   */
  private String vpcOf(String subnet) {
    return vpcs.computeIfAbsent(subnet == null ? "" : subnet, s -> {
      Element answer = s.isEmpty()
          ? calls.call("DescribeVpcs", () -> raw().call("DescribeVpcs", Map.of("Filter.1.Name", "isDefault",
              "Filter.1.Value.1", "true")))
          : calls.call("DescribeSubnets", () -> raw().call("DescribeSubnets", Map.of("SubnetId.1", s)));
      List<Element> found = Ec2Raw.items(answer, s.isEmpty() ? "vpcSet" : "subnetSet");
      String vpc = found.size() == 1 ? SafeXml.text(found.get(0), "vpcId") : null;
      if (vpc == null || !VPC_ID.matcher(vpc).matches()) {
        throw s.isEmpty() ? new ConfigurationException(null, "profiles." + profile + ".auth.subnet_id", "is needed:"
            + " the region has no default VPC, where security groups could be found by name; give the subnet"
            + " nodes launch into (subnet-...), or the groups' ids")
            : new ConfigurationException(null, "subnet_id", "'" + s + "' is no subnet EC2 lists; give a subnet id"
            + " from the VPC console (subnet-...)");
      }
      return vpc;
    });
  }

  private static final Pattern VPC_ID = Pattern.compile("vpc-[0-9a-f]{1,17}");

  private String createSecurityGroup(String name, String vpc, String ports) {
    Element made = calls.call("CreateSecurityGroup", () -> raw().call("CreateSecurityGroup", new LinkedHashMap<>(Map.of(
        "GroupName", name, "GroupDescription", "made by Flotilla for its nodes", "VpcId", vpc))));
    String id = SafeXml.text(made, "groupId");
    int i = 1;
    Map<String, String> rules = new LinkedHashMap<>(Map.of("GroupId", id));
    for (String port : ports.split("\\s*,\\s*")) {
      if (port.isBlank()) {
        continue;
      }
      if (!port.matches("\\d{1,5}(-\\d{1,5})?")) {
        throw new ConfigurationException(null, "vm.options.ports", "'" + port + "' is not a port or a range such as"
            + " 8000-8080; write the TCP ports to open, comma-separated: 22,80,443");
      }
      String[] range = port.split("-");
      rules.put("IpPermissions." + i + ".IpProtocol", "tcp");
      rules.put("IpPermissions." + i + ".FromPort", range[0]);
      rules.put("IpPermissions." + i + ".ToPort", range[range.length - 1]);
      rules.put("IpPermissions." + i + ".IpRanges.1.CidrIp", "0.0.0.0/0");
      i++;
    }
    if (i > 1) {
      calls.call("AuthorizeSecurityGroupIngress", () -> raw().call("AuthorizeSecurityGroupIngress", rules));
    }
    LOG.info("made security group {} ({}) with ports [{}]", name, id, ports);
    return id;
  }

  /**
   * The placement group of an anti-affinity group: a {@code spread} group of that name, made on first use,
   * so that EC2 puts each instance on distinct hardware.
   */
  private String spreadGroup(String name) {
    return spreadGroups.computeIfAbsent(name, n -> {
      Element answer;
      try {
        answer = calls.call("DescribePlacementGroups", () -> raw().call("DescribePlacementGroups", Map.of("GroupName.1", n)));
      } catch (CloudException e) {
        if (e.kind() != Kind.NOT_FOUND && !e.code().orElse("").startsWith("InvalidPlacementGroup")) {
          throw e;
        }
        answer = null;
      }
      Element group = answer == null ? null : Ec2Raw.items(answer, "placementGroupSet").stream().findFirst().orElse(null);
      if (group == null) {
        calls.call("CreatePlacementGroup", () -> raw().call("CreatePlacementGroup", new LinkedHashMap<>(Map.of(
            "GroupName", n, "Strategy", "spread"))));
        return n;
      }
      if (!"spread".equals(SafeXml.text(group, "strategy"))) {
        throw new ConfigurationException(null, "vm.anti_affinity_group", "names placement group '" + n + "', whose"
            + " strategy is " + SafeXml.text(group, "strategy") + ", not spread; anti-affinity needs a spread group: use"
            + " another name, or set the group with vm.options.PlacementGroup instead");
      }
      return n;
    });
  }

  /** One RunInstances for node {@code name}, tagged at launch with the request's tags and its own names. */
  private Instance launch(CreateRequest request, String image, String name, String subnet, List<String> groupIds,
      String placement) {
    Node spec = request.spec();
    Map<String, String> tags = new LinkedHashMap<>(request.tagsFor(name));
    spec.tags().forEach(label -> tags.put("flotilla:tag:" + label, ""));
    tags.put("Name", name);
    TaggedRunInstancesOptions options = new TaggedRunInstancesOptions(tags);
    // the node's type, else the InstanceType option (the node's, or its profile's default_options), else t3.micro
    options.asType(spec.type().orElse(spec.options().getOrDefault("InstanceType", defaultType)));
    options.withClientToken(clientToken(request.clientToken(), name));
    spec.keyPair().or(() -> java.util.Optional.ofNullable(spec.options().get("KeyName"))).ifPresent(options::withKeyName);
    if (!groupIds.isEmpty()) {
      options.withSecurityGroupIds(groupIds);
    }
    spec.userData().ifPresent(u -> options.withUserData(u.getBytes(StandardCharsets.UTF_8)));
    java.util.Optional.ofNullable(subnet).ifPresent(options::withSubnetId);
    java.util.Optional.ofNullable(spec.options().get("IamInstanceProfile.Name")).ifPresent(options::withIAMInstanceProfileName);
    java.util.Optional.ofNullable(placement).ifPresent(options::inPlacementGroup);
    Reservation<? extends AWSRunningInstance> reservation = calls.call("RunInstances", () -> instances().runInstancesInRegion(
        region, spec.zone().orElse(null), image, 1, 1, options));
    if (reservation.size() != 1) {
      throw new CloudException(CloudException.Kind.UNKNOWN, api(), "MalformedAnswer", "RunInstances for node " + name
          + " answered " + reservation.size() + " instances, not 1");
    }
    AWSRunningInstance launched = reservation.iterator().next();
    request.checkNew(api(), launched.getId(), name);
    // the launch tags fill in what the answer leaves out; tags an instance already has are its own
    Map<String, String> own = new LinkedHashMap<>(launched.getTags());
    tags.forEach(own::putIfAbsent);
    return toInstance(launched, own);
  }

  private static int launchIndex(RunningInstance i) {
    return number(i.getAmiLaunchIndex()); // none readable: the instance is no node's by its index
  }

  /**
   * One DescribeInstances for any number of ids, filtered on {@code instance-id}: unlike a list of ids,
   * a filter does not fail the whole call for ids EC2 does not know (yet), it leaves them out.
   */
  @Override
  public List<Instance> describe(Collection<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    com.google.common.collect.Multimap<String, String> filter = com.google.common.collect.LinkedHashMultimap.create();
    filter.putAll("instance-id", ids);
    return instancesOf(calls.call("DescribeInstances", () -> instances().describeInstancesInRegionWithFilter(region, filter)));
  }

  private static Set<String> idsIn(String message) {
    Set<String> out = new LinkedHashSet<>();
    Matcher m = INSTANCE_ID.matcher(message == null ? "" : message);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  @Override
  public List<Instance> list() {
    // page by page (MaxResults, NextToken), read by Flotilla: an account's instances need not fit one answer
    List<Instance> out = new ArrayList<>();
    String token = null;
    for (int page = 1; ; page++) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("MaxResults", Integer.toString(limits.pageSize()));
      if (token != null) {
        params.put("NextToken", token);
      }
      Element answer = calls.call("DescribeInstances", () -> raw().call("DescribeInstances", params));
      for (Element reservation : Ec2Raw.items(answer, "reservationSet")) {
        for (Element i : Ec2Raw.items(reservation, "instancesSet")) {
          out.add(toInstance(i));
        }
      }
      token = SafeXml.text(answer, "nextToken");
      if (token == null || token.isEmpty()) {
        return out;
      }
      // EC2 may answer a page short, or empty, with a token: pages are bounded as well as what they hold
      if (out.size() > limits.maxListItems() || page > limits.maxListItems() / limits.pageSize() + 100) {
        throw new CloudException(CloudException.Kind.UNKNOWN, api(), "ListTooLong", "DescribeInstances listed more"
            + " than " + limits.maxListItems() + " instances, or pages without end (profile " + profile + "); refused"
            + " as endless. Raise the profile's max_list_items if the region really holds more.");
      }
    }
  }

  /** An instance as DescribeInstances' XML gives it (optional fields may be missing). */
  private Instance toInstance(Element i) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (Element t : Ec2Raw.items(i, "tagSet")) {
      String key = SafeXml.text(t, "key");
      if (key != null) {
        tags.put(key, java.util.Objects.requireNonNullElse(SafeXml.text(t, "value"), ""));
      }
    }
    Element state = SafeXml.child(i, "instanceState");
    Element placement = SafeXml.child(i, "placement");
    Element reason = SafeXml.child(i, "stateReason");
    String launched = SafeXml.text(i, "launchTime");
    String id = SafeXml.text(i, "instanceId");
    if (id == null || state == null || SafeXml.text(state, "name") == null) {
      throw new CloudException(CloudException.Kind.UNKNOWN, api(), "MalformedAnswer", "DescribeInstances listed an"
          + " instance without its id or state; nothing was concluded from it");
    }
    return instance(id, SafeXml.text(state, "name"), SafeXml.text(i, "instanceType"), SafeXml.text(i, "imageId"),
        placement == null ? null : SafeXml.text(placement, "availabilityZone"), SafeXml.text(i, "ipAddress"),
        SafeXml.text(i, "privateIpAddress"), launched == null ? null : java.time.Instant.parse(launched), tags,
        reason == null ? SafeXml.text(i, "reason") : SafeXml.text(reason, "message"),
        number(SafeXml.text(i, "amiLaunchIndex")));
  }

  private static int number(String text) {
    try {
      return text == null ? -1 : Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private List<Instance> instancesOf(Set<? extends Reservation<? extends AWSRunningInstance>> reservations) {
    List<Instance> out = new ArrayList<>();
    for (Reservation<? extends AWSRunningInstance> r : reservations) {
      for (AWSRunningInstance i : r) {
        out.add(toInstance(i, i.getTags()));
      }
    }
    return out;
  }

  private Instance toInstance(AWSRunningInstance i, Map<String, String> ec2Tags) {
    return instance(i.getId(), i.getRawState(), i.getInstanceType(), i.getImageId(), i.getAvailabilityZone(),
        i.getIpAddress(), i.getPrivateIpAddress(), i.getLaunchTime() == null ? null : i.getLaunchTime().toInstant(),
        ec2Tags, i.getReason(), launchIndex(i));
  }

  /** An instance as EC2 describes it; a VM of a batch launch is its node's by its launch index. */
  private static Instance instance(String id, String raw, String type, String image, String zone, String publicIp,
      String privateIp, java.time.Instant launched, Map<String, String> ec2Tags, String fault, int launchIndex) {
    Map<String, String> tags = new LinkedHashMap<>(ec2Tags);
    if (!tags.containsKey(Instance.NODE_TAG) && tags.containsKey(NODES_TAG)) {
      NodeNames.at(tags.get(NODES_TAG), launchIndex).ifPresent(n -> tags.put(Instance.NODE_TAG, n));
    }
    return Instance.builder(id, state(raw)).providerState(raw).type(type).image(image).zone(zone)
        .publicAddress(publicIp).privateAddress(privateIp).launchTime(launched).tags(tags)
        .fault(fault == null || fault.isEmpty() ? null : fault).build();
  }

  /** EC2's instance states: pending, running, stopping, stopped, shutting-down, terminated. */
  static State state(String raw) {
    return switch (raw == null ? "" : raw) {
      case "pending" -> State.PENDING;
      case "running" -> State.RUNNING;
      case "stopping" -> State.STOPPING;
      case "stopped" -> State.STOPPED;
      case "shutting-down" -> State.TERMINATING;
      case "terminated" -> State.TERMINATED;
      default -> State.UNKNOWN;
    };
  }

  @Override
  public void start(Collection<String> ids) {
    calls.run("StartInstances", () -> instances().startInstancesInRegion(region, ids.toArray(String[]::new)));
  }

  @Override
  public void stop(Collection<String> ids, boolean force) {
    calls.run("StopInstances", () -> instances().stopInstancesInRegion(region, force, ids.toArray(String[]::new)));
  }

  @Override
  public void reboot(Collection<String> ids) {
    calls.run("RebootInstances", () -> instances().rebootInstancesInRegion(region, ids.toArray(String[]::new)));
  }

  /** ModifyInstanceAttribute InstanceType: EC2 changes the type of a stopped instance only. */
  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Resizing> resizing() {
    return java.util.Optional.of((id, type) -> calls.call("ModifyInstanceAttribute", () -> raw().call(
        "ModifyInstanceAttribute", new LinkedHashMap<>(Map.of("InstanceId", id, "InstanceType.Value", type)))));
  }

  @Override
  public void terminate(Collection<String> ids) {
    try {
      calls.run("TerminateInstances", () -> instances().terminateInstancesInRegion(region, ids.toArray(String[]::new)));
    } catch (CloudException e) {
      // Terminating what EC2 no longer knows is done already; terminated instances are accepted by EC2 itself.
      if (e.kind() != Kind.NOT_FOUND) {
        throw e;
      }
      Set<String> rest = new LinkedHashSet<>(ids);
      rest.removeAll(idsIn(e.getMessage()));
      if (!rest.isEmpty() && rest.size() < ids.size()) {
        terminate(rest);
      }
    }
  }

  @Override
  public void tag(String id, Map<String, String> tags) {
    calls.run("CreateTags", () -> ec2.get().api().getTagApiForRegion(region).get().applyToResources(tags, List.of(id)));
  }

  @Override
  public List<InstanceType> types() {
    return AwsProviderFactory.TYPES.stream().map(t -> new InstanceType(t.name(), t.cpus(), t.memoryMb(), t.swapMb(),
        t.name().equals(defaultType))).toList();
  }

  /** The images this account made (DescribeImages, read by Flotilla: optional fields may be missing). */
  @Override
  public List<Image> images() {
    Element answer = calls.call("DescribeImages", () -> raw().call("DescribeImages", Map.of("Owner.1", "self")));
    return Ec2Raw.items(answer, "imagesSet").stream().map(AwsProvider::toImage).toList();
  }

  private static Image toImage(Element i) {
    String id = SafeXml.text(i, "imageId");
    String name = SafeXml.text(i, "name");
    String owner = SafeXml.text(i, "imageOwnerId");
    Map<String, String> tags = new LinkedHashMap<>();
    for (Element t : Ec2Raw.items(i, "tagSet")) {
      String key = SafeXml.text(t, "key");
      if (key != null) {
        tags.put(key, java.util.Objects.requireNonNullElse(SafeXml.text(t, "value"), ""));
      }
    }
    return new Image(id, name == null || name.isEmpty() ? id : name, owner == null ? "self" : owner, tags);
  }

  private Ec2Raw raw() {
    return ec2.get().raw();
  }

  /** jclouds reads EC2's keyFingerprint into "sha1OfPrivateKey", whatever the key. */
  private static KeyPair keyPair(org.jclouds.ec2.domain.KeyPair k) {
    return new KeyPair(k.getKeyName(), k.getFingerprint() != null ? k.getFingerprint() : k.getSha1OfPrivateKey());
  }

  // ---- console and Elastic IPs (EC2's floating addresses), on VPC's AllocationId and AssociationId ------------------

  @Override
  public java.util.Optional<ImageSaving> imageSaving() {
    return java.util.Optional.of(new Amis());
  }

  @Override
  public java.util.Optional<Keys> keys() {
    return java.util.Optional.of(new KeyPairs());
  }

  @Override
  public java.util.Optional<Addresses> addresses() {
    return java.util.Optional.of(new ElasticIps());
  }

  @Override
  public java.util.Optional<Console> console() {
    return java.util.Optional.of(this::consoleOutput);
  }

  /** GetConsoleOutput, base64-decoded; empty text while EC2 has none yet. */
  private String consoleOutput(String id) {
    Element answer = calls.call("GetConsoleOutput", () -> raw().call("GetConsoleOutput", Map.of("InstanceId", id)));
    String encoded = SafeXml.text(answer, "output");
    return encoded == null || encoded.isEmpty() ? ""
        : new String(java.util.Base64.getMimeDecoder().decode(encoded), StandardCharsets.UTF_8);
  }

  /** AMIs saved from instances: CreateImage, DescribeImages, DeregisterImage. */
  private final class Amis implements ImageSaving {
    /** CreateImage with the image's tags in its TagSpecification, so the AMI is never untagged. */
    @Override
    public Image save(String id, String name, Map<String, String> tags) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("InstanceId", id);
      params.put("Name", name);
      params.put("TagSpecification.1.ResourceType", "image");
      int n = 1;
      for (Map.Entry<String, String> tag : tags.entrySet()) {
        params.put("TagSpecification.1.Tag." + n + ".Key", tag.getKey());
        params.put("TagSpecification.1.Tag." + n++ + ".Value", tag.getValue());
      }
      Element answer = calls.call("CreateImage", () -> raw().call("CreateImage", params));
      String imageId = SafeXml.text(answer, "imageId");
      if (imageId == null || imageId.isBlank()) {
        throw new CloudException(Kind.UNKNOWN, api(), "MalformedAnswer", "CreateImage answered no imageId; look for"
            + " an image named '" + name + "' in the account");
      }
      return new Image(imageId, name, "self", tags);
    }

    @Override
    public java.util.Optional<Image> image(String imageId) {
      return describeImage(imageId).map(AwsProvider::toImage);
    }

    /** One image's item of DescribeImages; empty when EC2 does not know the id. */
    private java.util.Optional<Element> describeImage(String imageId) {
      Element answer;
      try {
        answer = calls.call("DescribeImages", () -> raw().call("DescribeImages", Map.of("ImageId.1", imageId)));
      } catch (CloudException e) {
        if (e.kind() == Kind.NOT_FOUND) {
          return java.util.Optional.empty();
        }
        throw e;
      }
      return Ec2Raw.items(answer, "imagesSet").stream().filter(i -> imageId.equals(SafeXml.text(i, "imageId")))
          .findFirst();
    }

    /**
     * {@code available} is READY, {@code pending} CREATING, {@code failed} (and {@code error}) ERROR; an image
     * EC2 no longer knows, or that is deregistered, is gone. Only the id and state are read, so an answer that
     * leaves optional fields out (an image location, say) reads as well.
     */
    @Override
    public java.util.Optional<dev.flotilla.vm.Snapshot.Status> status(String imageId) {
      return describeImage(imageId).flatMap(i -> switch (String.valueOf(SafeXml.text(i, "imageState"))) {
            case "available" -> java.util.Optional.of(dev.flotilla.vm.Snapshot.Status.READY);
            case "deregistered" -> java.util.Optional.<dev.flotilla.vm.Snapshot.Status>empty();
            case "failed", "error", "invalid" -> java.util.Optional.of(dev.flotilla.vm.Snapshot.Status.ERROR);
            default -> java.util.Optional.of(dev.flotilla.vm.Snapshot.Status.CREATING);
          });
    }

    @Override
    public void delete(String imageId) {
      calls.run("DeregisterImage", () -> ec2.get().api().getAMIApiForRegion(region).get().deregisterImageInRegion(region, imageId));
    }
  }

  /** EC2 key pairs. */
  private final class KeyPairs implements Keys {
    /**
     * ImportKeyPair with the key as it is, RSA or ed25519, the two kinds EC2 takes (jclouds 2.7.0's call is not
     * used: it is RSA-only in practice); any other is refused here, as EC2 would say only that the key is not
     * in OpenSSH format. EC2 shows RSA keys by the MD5 of their DER form, ed25519 keys by SHA-256.
     */
    @Override
    public KeyPair importKey(String name, String publicKey) {
      String kind = publicKey.trim().split("\\s+", 2)[0];
      if (!kind.equals("ssh-rsa") && !kind.equals("ssh-ed25519")) {
        throw new ConfigurationException(null, "key", "is a " + CloudException.quoted(kind) + " key; EC2 imports RSA"
            + " and ED25519 keys only: make one with ssh-keygen -t ed25519");
      }
      String material = java.util.Base64.getEncoder().encodeToString(publicKey.trim().getBytes(StandardCharsets.UTF_8));
      Element answer = calls.call("ImportKeyPair", () -> raw().call("ImportKeyPair", new LinkedHashMap<>(Map.of(
          "KeyName", name, "PublicKeyMaterial", material))));
      return new KeyPair(SafeXml.text(answer, "keyName"), SafeXml.text(answer, "keyFingerprint"));
    }

    @Override
    public List<KeyPair> list() {
      return calls.call("DescribeKeyPairs", () -> ec2.get().api().getKeyPairApiForRegion(region).get().describeKeyPairsInRegion(region))
          .stream().map(AwsProvider::keyPair).toList();
    }
  }

  /** Elastic IPs, on VPC's AllocationId and AssociationId. */
  private final class ElasticIps implements Addresses {
    /** The account's Elastic IPs in the region: their pool ({@code amazon} or a BYOIP pool) and instance. */
    @Override
    public List<dev.flotilla.vm.FloatingAddress> list() {
      return elasticIps(Map.of()).stream().map(a -> new dev.flotilla.vm.FloatingAddress(SafeXml.text(a, "publicIp"),
          java.util.Optional.ofNullable(SafeXml.text(a, "publicIpv4Pool")).filter(p -> !p.isEmpty()).orElse("amazon"),
          java.util.Optional.ofNullable(SafeXml.text(a, "instanceId")).filter(i -> !i.isEmpty()).orElse(null))).toList();
    }

    private List<Element> elasticIps(Map<String, String> params) {
      return Ec2Raw.items(calls.call("DescribeAddresses", () -> raw().call("DescribeAddresses", params)), "addressesSet");
    }

    private Element elasticIp(String address) {
      return elasticIps(Map.of("PublicIp.1", address)).stream().filter(a -> address.equals(SafeXml.text(a, "publicIp")))
          .findFirst().orElseThrow(() -> new CloudException(Kind.NOT_FOUND, "aws", "InvalidAddress.NotFound", "the account"
              + " has no Elastic IP " + address + " in " + region + "; 'vm ips' lists them"));
    }

    /** AllocateAddress for VPC, from {@code pool} (a BYOIP pool) or Amazon's. */
    @Override
    public dev.flotilla.vm.FloatingAddress allocate(String pool) {
      Map<String, String> params = new LinkedHashMap<>(Map.of("Domain", "vpc"));
      if (pool != null && !pool.equals("amazon")) {
        params.put("PublicIpv4Pool", pool);
      }
      Element made = calls.call("AllocateAddress", () -> raw().call("AllocateAddress", params));
      return new dev.flotilla.vm.FloatingAddress(SafeXml.text(made, "publicIp"), pool == null ? "amazon" : pool, null);
    }

    @Override
    public void associate(String address, String id) {
      String allocation = SafeXml.text(elasticIp(address), "allocationId");
      Map<String, String> params = new LinkedHashMap<>(Map.of("InstanceId", id));
      params.put(allocation == null || allocation.isEmpty() ? "PublicIp" : "AllocationId",
          allocation == null || allocation.isEmpty() ? address : allocation);
      calls.call("AssociateAddress", () -> raw().call("AssociateAddress", params));
    }

    @Override
    public void disassociate(String address, String id) {
      Element a = elasticIp(address);
      if (!id.equals(SafeXml.text(a, "instanceId"))) {
        throw new CloudException(Kind.INVALID_REQUEST, "aws", "InvalidAssociationID.NotFound", address + " does not point"
            + " at instance " + id);
      }
      String association = SafeXml.text(a, "associationId");
      calls.call("DisassociateAddress", () -> raw().call("DisassociateAddress", association == null || association.isEmpty()
          ? Map.of("PublicIp", address) : Map.of("AssociationId", association)));
    }

    @Override
    public void release(String address) {
      String allocation = SafeXml.text(elasticIp(address), "allocationId");
      calls.call("ReleaseAddress", () -> raw().call("ReleaseAddress", allocation == null || allocation.isEmpty()
          ? Map.of("PublicIp", address) : Map.of("AllocationId", allocation)));
    }
  }

  /** Whether the jclouds context has been built (it is, on the first call). */
  boolean contextBuilt() {
    return ec2.isBuilt();
  }

  @Override
  public void close() {
    ec2.close();
  }
}
